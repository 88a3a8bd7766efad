import type { ReactNode } from "react";

/** Label/value rows for overview cards. */
export function KV({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-6 gap-y-1.5 text-[13px]">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-xs leading-5 text-muted">{k}</dt>
          <dd className="min-w-0 leading-5" data-testid={`kv-${k.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`}>
            {v ?? <span className="text-faint">—</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}
