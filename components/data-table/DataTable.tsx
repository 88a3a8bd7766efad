"use client";
// The one table of the console: sort, free-text and per-column filters, multi-select with a
// confirmed bulk action, "N of M" counts, an empty state that says what to do next, and
// virtualised rows (only what is on screen is in the DOM) so thousands of rows stay smooth.
import {
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type ColumnFiltersState,
  type FilterFn,
  type Row,
  type RowData,
  type RowSelectionState,
  type SortingState,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, ChevronDown, ChevronRight, Search, Trash2, X } from "lucide-react";
import { useMemo, useRef, useState, type MouseEvent, type ReactNode } from "react";
import { cn } from "../../lib/cn";
import { errorMessage } from "../../lib/errors";
import { Button } from "../ui/button";
import { Checkbox } from "../ui/checkbox";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { Spinner } from "../ui/spinner";

declare module "@tanstack/react-table" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData extends RowData, TValue> {
    /** monospace cell (addresses, FQ names, UUIDs) */
    mono?: boolean;
    /** show a filter box under the header */
    filter?: boolean;
    align?: "left" | "right";
  }
}

export interface BulkAction<T> {
  /** button label, e.g. "Delete" or "Revoke" */
  label: string;
  /** dialog title for n rows */
  title: (n: number) => string;
  /** what else goes (children, refs); shown under the list */
  note?: ReactNode;
  /** does the work; a returned string is a partial failure to show */
  run: (rows: T[]) => Promise<string | void>;
}

export interface DataTableProps<T> {
  data: T[];
  // TanStack's column value types differ per column; the array of them is heterogeneous.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<T, any>[];
  getRowId: (row: T) => string;
  /** name used in data-testid="row-<name>" and in the confirm list */
  rowName: (row: T) => string;
  onRowClick?: (row: T) => void;
  isLoading?: boolean;
  error?: unknown;
  /** shown when there are no rows at all: say what to do next */
  empty: ReactNode;
  /** buttons right of the filter box (create, …) */
  actions?: ReactNode;
  /** enables row selection and the bulk button */
  bulkAction?: BulkAction<T>;
  /** expandable rows (audit diffs) */
  renderExpanded?: (row: T) => ReactNode;
  /** below the rows, inside the scroll area (e.g. "Load more") */
  footer?: ReactNode;
  initialSorting?: SortingState;
  /** what the rows are, for the count ("virtual networks") */
  noun?: string;
  filterPlaceholder?: string;
}

const ROW_HEIGHT = 32;

const textFilter: FilterFn<unknown> = (row, columnId, filterValue: string) => {
  const v = row.getValue(columnId);
  return v !== undefined && v !== null && String(v).toLowerCase().includes(String(filterValue).toLowerCase());
};

export function DataTable<T>({
  data,
  columns,
  getRowId,
  rowName,
  onRowClick,
  isLoading,
  error,
  empty,
  actions,
  bulkAction,
  renderExpanded,
  footer,
  initialSorting = [],
  noun = "rows",
  filterPlaceholder = "Filter…",
}: DataTableProps<T>) {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [globalFilter, setGlobalFilter] = useState("");
  const [columnFilters, setColumnFilters] = useState<ColumnFiltersState>([]);
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const [confirming, setConfirming] = useState(false);
  const [showColumnFilters, setShowColumnFilters] = useState(false);

  const allColumns = useMemo(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const extra: ColumnDef<T, any>[] = [];
    if (renderExpanded)
      extra.push({
        id: "__expand",
        size: 28,
        enableSorting: false,
        header: () => null,
        cell: ({ row }) => (
          <button
            type="button"
            aria-label={row.getIsExpanded() ? "Collapse" : "Expand"}
            data-testid="row-expand"
            onClick={(e) => {
              e.stopPropagation();
              setExpanded((x) => ({ ...x, [row.id]: !x[row.id] }));
            }}
            className="grid h-5 w-5 place-items-center rounded text-muted hover:bg-surface-2"
          >
            {row.getIsExpanded() ? <ChevronDown className="h-3.5 w-3.5" /> : <ChevronRight className="h-3.5 w-3.5" />}
          </button>
        ),
      });
    if (bulkAction)
      extra.push({
        id: "__select",
        size: 32,
        enableSorting: false,
        header: ({ table }) => (
          <Checkbox
            aria-label="Select all"
            data-testid="select-all"
            checked={table.getIsAllRowsSelected()}
            indeterminate={table.getIsSomeRowsSelected()}
            onChange={table.getToggleAllRowsSelectedHandler()}
          />
        ),
        cell: ({ row }) => (
          <Checkbox
            aria-label={`Select ${rowName(row.original)}`}
            data-testid={`select-${rowName(row.original)}`}
            checked={row.getIsSelected()}
            onChange={row.getToggleSelectedHandler()}
            onClick={(e) => e.stopPropagation()}
          />
        ),
      });
    return [...extra, ...columns];
  }, [columns, bulkAction, renderExpanded, rowName]);

  // TanStack caches accessor values per row object; columns that read joined data (instance IPs
  // per port, ports per network) change without `data` changing, so give the table fresh rows then.
  const rowsInput = useMemo(() => data.slice(), [data, columns]);

  const table = useReactTable({
    data: rowsInput,
    columns: allColumns,
    state: { sorting, globalFilter, columnFilters, rowSelection, expanded },
    getRowId: (row) => getRowId(row),
    onSortingChange: setSorting,
    onGlobalFilterChange: setGlobalFilter,
    onColumnFiltersChange: setColumnFilters,
    onRowSelectionChange: setRowSelection,
    enableRowSelection: !!bulkAction,
    getRowCanExpand: () => !!renderExpanded,
    defaultColumn: { filterFn: textFilter as FilterFn<T> },
    globalFilterFn: textFilter as FilterFn<T>,
    getColumnCanGlobalFilter: (col) => !col.id.startsWith("__"),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
  });

  const rows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => rows[i]?.id ?? i,
    // before the scroll box is measured (server render, first client frame) assume a screenful,
    // so rows that arrived with the page paint at once
    initialRect: { width: 1280, height: 900 },
  });
  const items = virtualizer.getVirtualItems();
  const paddingTop = items.length ? items[0].start : 0;
  const paddingBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;

  const selected = table.getSelectedRowModel().rows.map((r) => r.original);
  const hasColumnFilters = table.getAllLeafColumns().some((c) => c.columnDef.meta?.filter);
  const filtered = globalFilter !== "" || columnFilters.length > 0;

  function clickRow(e: MouseEvent, row: Row<T>) {
    if (!onRowClick) return;
    if ((e.target as HTMLElement).closest("a,button,input,select,label,textarea")) return;
    onRowClick(row.original);
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex flex-wrap items-center gap-2 border-b border-line bg-surface px-4 py-2">
        <div className="relative w-72">
          <Search className="pointer-events-none absolute top-1/2 left-2 h-3.5 w-3.5 -translate-y-1/2 text-faint" />
          <input
            data-testid="table-filter"
            value={globalFilter}
            onChange={(e) => setGlobalFilter(e.target.value)}
            placeholder={filterPlaceholder}
            className="h-7 w-full rounded-md border border-line-strong bg-surface pr-7 pl-7 text-xs focus:border-accent focus:outline-none"
          />
          {globalFilter && (
            <button type="button" aria-label="Clear filter" onClick={() => setGlobalFilter("")} className="absolute top-1/2 right-1.5 -translate-y-1/2 text-faint hover:text-fg">
              <X className="h-3.5 w-3.5" />
            </button>
          )}
        </div>
        {hasColumnFilters && (
          <Button size="sm" variant={showColumnFilters ? "secondary" : "ghost"} onClick={() => setShowColumnFilters((s) => !s)} data-testid="toggle-column-filters">
            Column filters{columnFilters.length > 0 ? ` (${columnFilters.length})` : ""}
          </Button>
        )}
        <span className="text-xs text-muted tabular-nums" data-testid="row-count">
          {/* while the list is on its way, say so: "0 ports" would be a claim */}
          {isLoading && data.length === 0 ? `loading ${noun}…` : rows.length === data.length ? `${data.length} ${noun}` : `${rows.length} of ${data.length} ${noun}`}
          {selected.length > 0 && ` · ${selected.length} selected`}
        </span>
        <div className="ml-auto flex items-center gap-2">
          {bulkAction && selected.length > 0 && (
            <Button size="sm" variant="danger" onClick={() => setConfirming(true)} data-testid="delete-selected">
              <Trash2 className="h-3.5 w-3.5" />
              {bulkAction.label} {selected.length}
            </Button>
          )}
          {actions}
        </div>
      </div>

      <div ref={scrollRef} className="relative min-h-0 flex-1 overflow-auto bg-surface" data-testid="data-table">
        <table className="w-full table-fixed border-separate border-spacing-0 text-[13px]">
          <colgroup>
            {table.getVisibleLeafColumns().map((c) => (
              <col key={c.id} style={{ width: c.getSize() }} />
            ))}
          </colgroup>
          <thead className="sticky top-0 z-10 bg-surface-2">
            <tr>
              {table.getFlatHeaders().map((h) => {
                const sort = h.column.getIsSorted();
                const canSort = h.column.getCanSort();
                return (
                  <th
                    key={h.id}
                    scope="col"
                    aria-sort={sort === "asc" ? "ascending" : sort === "desc" ? "descending" : undefined}
                    className={cn(
                      "h-8 border-b border-line px-3 text-left text-xs font-semibold text-muted",
                      h.column.columnDef.meta?.align === "right" && "text-right",
                      h.column.id.startsWith("__") && "px-2",
                    )}
                  >
                    {canSort ? (
                      <button type="button" onClick={h.column.getToggleSortingHandler()} className="inline-flex items-center gap-1 hover:text-fg">
                        {flexRender(h.column.columnDef.header, h.getContext())}
                        {sort === "asc" && <ArrowUp className="h-3 w-3" />}
                        {sort === "desc" && <ArrowDown className="h-3 w-3" />}
                      </button>
                    ) : (
                      flexRender(h.column.columnDef.header, h.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
            {showColumnFilters && (
              <tr>
                {table.getFlatHeaders().map((h) => (
                  <th key={h.id} className="border-b border-line px-2 py-1">
                    {h.column.columnDef.meta?.filter && (
                      <input
                        aria-label={`Filter ${h.column.id}`}
                        data-testid={`column-filter-${h.column.id}`}
                        value={(h.column.getFilterValue() as string | undefined) ?? ""}
                        onChange={(e) => h.column.setFilterValue(e.target.value || undefined)}
                        className="h-6 w-full rounded border border-line-strong bg-surface px-1.5 text-xs font-normal focus:border-accent focus:outline-none"
                      />
                    )}
                  </th>
                ))}
              </tr>
            )}
          </thead>
          {paddingTop > 0 && (
            <tbody aria-hidden>
              <tr style={{ height: paddingTop }} />
            </tbody>
          )}
          {items.map((vi) => {
            const row = rows[vi.index];
            const isSelected = row.getIsSelected();
            return (
              <tbody key={row.id} data-index={vi.index} ref={renderExpanded ? virtualizer.measureElement : undefined}>
                <tr
                  data-testid={`row-${rowName(row.original)}`}
                  onClick={(e) => clickRow(e, row)}
                  className={cn(
                    "group",
                    onRowClick && "cursor-pointer",
                    isSelected ? "bg-row-selected" : "hover:bg-row-hover",
                  )}
                  style={{ height: ROW_HEIGHT }}
                >
                  {row.getVisibleCells().map((cell) => (
                    <td
                      key={cell.id}
                      className={cn(
                        "truncate border-b border-line px-3",
                        cell.column.columnDef.meta?.mono && "font-mono text-xs",
                        cell.column.columnDef.meta?.align === "right" && "text-right",
                        cell.column.id.startsWith("__") && "px-2",
                      )}
                    >
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
                {renderExpanded && row.getIsExpanded() && (
                  <tr>
                    <td colSpan={row.getVisibleCells().length} className="border-b border-line bg-bg px-4 py-3">
                      {renderExpanded(row.original)}
                    </td>
                  </tr>
                )}
              </tbody>
            );
          })}
          {paddingBottom > 0 && (
            <tbody aria-hidden>
              <tr style={{ height: paddingBottom }} />
            </tbody>
          )}
        </table>

        {isLoading && (
          <div className="flex justify-center p-8">
            <Spinner label={`Loading ${noun}…`} />
          </div>
        )}
        {!isLoading && !!error && (
          <div role="alert" className="p-8 text-center text-sm text-danger">
            Could not load {noun}: {errorMessage(error)}
          </div>
        )}
        {!isLoading && !error && data.length === 0 && (
          <div className="flex flex-col items-center gap-3 p-10 text-center text-sm text-muted" data-testid="empty-state">
            {empty}
          </div>
        )}
        {!isLoading && !error && data.length > 0 && rows.length === 0 && filtered && (
          <div className="flex flex-col items-center gap-2 p-10 text-sm text-muted">
            No {noun} match the filter.
            <Button
              size="sm"
              onClick={() => {
                setGlobalFilter("");
                setColumnFilters([]);
              }}
            >
              Clear filters
            </Button>
          </div>
        )}
        {footer}
      </div>

      {bulkAction && (
        <ConfirmDialog
          open={confirming}
          onOpenChange={setConfirming}
          title={bulkAction.title(selected.length)}
          items={selected.map(rowName)}
          note={bulkAction.note}
          confirmLabel={`${bulkAction.label} ${selected.length}`}
          onConfirm={async () => {
            const problem = await bulkAction.run(selected);
            // on partial failure the rows that stayed remain selected, next to the reason
            if (!problem) setRowSelection({});
            return problem;
          }}
        />
      )}
    </div>
  );
}
