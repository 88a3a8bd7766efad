"use client";
import { typeLabel } from "../../lib/object-routes";
import type { RouterOutputs } from "../../lib/trpc";
import { Card } from "../ui/card";
import { ObjectLink } from "./cells";

type GetResult = RouterOutputs["config"]["get"];

export function RelatedTab({ data }: { data: GetResult }) {
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title={`Children (${data.children.length})`}>
        {data.children.length === 0 ? (
          <p className="text-xs text-muted">No children.</p>
        ) : (
          <table className="w-full text-[13px]">
            <tbody>
              {data.children.map((c) => (
                <tr key={c.uuid} className="border-b border-line last:border-0">
                  <td className="w-40 py-1 text-xs text-muted">{typeLabel(c.type)}</td>
                  <td className="truncate py-1 font-mono text-xs">
                    <ObjectLink type={c.type} uuid={c.uuid} fq={c.to} full />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title={`Referenced by (${data.backRefs.length})`}>
        {data.backRefs.length === 0 ? (
          <p className="text-xs text-muted">Nothing refers to this object.</p>
        ) : (
          <table className="w-full text-[13px]">
            <tbody>
              {data.backRefs.map((b) => (
                <tr key={`${b.uuid}-${b.field}`} className="border-b border-line last:border-0">
                  <td className="w-40 py-1 text-xs text-muted">{typeLabel(b.type)}</td>
                  <td className="truncate py-1 font-mono text-xs">
                    <ObjectLink type={b.type} uuid={b.uuid} fq={b.to} full />
                  </td>
                  <td className="w-48 py-1 text-right font-mono text-[11px] text-faint">{b.field}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
