// Field-level differences of an audit record: path, before → after.
import type { AuditRecord } from "../../server/engine/config/api";

function show(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

export function DiffTable({ diff }: { diff: AuditRecord["diff"] }) {
  if (diff.length === 0) return <p className="text-xs text-muted">No field-level changes recorded.</p>;
  return (
    <table className="w-full table-fixed border-collapse text-xs" data-testid="diff-table">
      <colgroup>
        <col className="w-[32%]" />
        <col className="w-[34%]" />
        <col className="w-[34%]" />
      </colgroup>
      <thead>
        <tr className="text-left text-muted">
          <th className="border-b border-line py-1 pr-2 font-medium">Field</th>
          <th className="border-b border-line py-1 pr-2 font-medium">Before</th>
          <th className="border-b border-line py-1 font-medium">After</th>
        </tr>
      </thead>
      <tbody className="font-mono">
        {diff.map((d) => (
          <tr key={d.path} className="align-top">
            <td className="border-b border-line py-1 pr-2 break-all">{d.path}</td>
            <td className="border-b border-line py-1 pr-2 break-all text-danger">
              {d.before === undefined ? <span className="text-faint">—</span> : <span className="bg-danger-soft">{show(d.before)}</span>}
            </td>
            <td className="border-b border-line py-1 break-all text-ok">
              {d.after === undefined ? <span className="text-faint">—</span> : <span className="bg-ok-soft">{show(d.after)}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
