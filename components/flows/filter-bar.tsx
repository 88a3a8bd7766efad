"use client";
// The filter bar: the flow filter language with autocomplete (fields, operators, values seen in
// the store) and errors underlined at their position.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { Input } from "../ui/input";

export interface FilterProblem {
  message: string;
  position: number;
  length: number;
}

/** FilterError details travel in the tRPC error's data.details. */
export function filterProblem(err: unknown): FilterProblem | null {
  const d = (err as { data?: { details?: { position?: number; length?: number } } } | null)?.data?.details;
  if (!d || typeof d.position !== "number") return null;
  return { message: errorMessage(err), position: d.position, length: d.length ?? 1 };
}

export function FilterBar({ value, onChange, problem }: { value: string; onChange: (v: string) => void; problem: FilterProblem | null }) {
  const trpc = useTRPC();
  const [text, setText] = useState(value);
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);
  const complete = useQuery({ ...trpc.flows.complete.queryOptions({ text, caret }), enabled: open });
  const items = complete.data?.items ?? [];

  const accept = (item: string) => {
    const c = complete.data;
    if (!c) return;
    const quoted = c.kind === "value" && /[^A-Za-z0-9_.:/\-*]/.test(item) ? `"${item}"` : item;
    const next = `${text.slice(0, c.from)}${quoted} ${text.slice(caret)}`;
    setText(next);
    setOpen(false);
    requestAnimationFrame(() => {
      const pos = c.from + quoted.length + 1;
      ref.current?.setSelectionRange(pos, pos);
      ref.current?.focus();
      setCaret(pos);
    });
  };

  return (
    <div className="relative flex-1">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setOpen(false);
          onChange(text.trim());
        }}
      >
        <Input
          ref={ref}
          mono
          data-testid="flow-filter"
          placeholder='action = deny AND src_vn = "default-domain:demo:web" AND dst_port IN (80, 443)'
          value={text}
          invalid={!!problem}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
          }}
          onKeyUp={(e) => setCaret((e.target as HTMLInputElement).selectionStart ?? 0)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
      </form>
      {problem && (
        <div className="mt-1 font-mono text-xs" data-testid="flow-filter-error">
          <div className="whitespace-pre text-faint">
            {text}
            {"\n"}
            <span className="text-danger">{" ".repeat(problem.position)}{"^".repeat(Math.max(1, Math.min(problem.length, text.length - problem.position || 1)))}</span>
          </div>
          <div className="text-danger">{problem.message}</div>
        </div>
      )}
      {open && items.length > 0 && (
        <ul className="absolute z-20 mt-1 max-h-64 w-96 overflow-auto rounded-md border border-line bg-surface py-1 text-sm shadow-lg" data-testid="flow-filter-suggestions">
          {items.slice(0, 30).map((it) => (
            <li key={it}>
              <button type="button" className="w-full px-3 py-1 text-left font-mono hover:bg-surface-2" onMouseDown={(e) => e.preventDefault()} onClick={() => accept(it)}>
                {it}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
