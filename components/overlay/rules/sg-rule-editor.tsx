"use client";
import { Plus, X } from "lucide-react";
import type { FieldErrors } from "../../../lib/errors";
import { Button } from "../../ui/button";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { EndpointInput } from "./endpoint-input";
import { PROTOCOL_OPTIONS } from "./policy-rule-editor";
import { newSgRule, type SgRuleRow } from "./rule-model";

/** Security group rules: traffic allowed in (ingress) or out (egress), from/to a remote, on ports. */
export function SgRuleEditor({
  rows,
  onChange,
  errors,
  entriesField,
  securityGroups,
}: {
  rows: SgRuleRow[];
  onChange: (rows: SgRuleRow[]) => void;
  errors: FieldErrors;
  entriesField: string;
  securityGroups: string[];
}) {
  const patch = (i: number, p: Partial<SgRuleRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...p } : r)));
  return (
    <div className="flex flex-col gap-2" data-testid="rules-editor">
      <div className="grid grid-cols-[100px_80px_90px_2fr_120px_28px] gap-1.5 text-[11px] text-faint">
        <span>Traffic</span>
        <span>Ether type</span>
        <span>Protocol</span>
        <span>Remote</span>
        <span>Ports</span>
        <span />
      </div>
      {rows.map((r, i) => {
        const p = `${entriesField}.policy_rule.${i}`;
        const err = errors.at(p);
        return (
          <div key={r.key} className="flex flex-col gap-1" data-testid={`rule-${i}`}>
            <div className="grid grid-cols-[100px_80px_90px_2fr_120px_28px] items-center gap-1.5">
              <Select aria-label="Traffic" data-testid={`rule-${i}-traffic`} value={r.traffic} onChange={(e) => patch(i, { traffic: e.target.value as SgRuleRow["traffic"] })} options={[{ value: "ingress", label: "Ingress" }, { value: "egress", label: "Egress" }]} />
              <Select aria-label="Ether type" value={r.ethertype} onChange={(e) => patch(i, { ethertype: e.target.value as SgRuleRow["ethertype"] })} options={[{ value: "IPv4", label: "IPv4" }, { value: "IPv6", label: "IPv6" }]} />
              <Select aria-label="Protocol" data-testid={`rule-${i}-protocol`} value={r.protocol} onChange={(e) => patch(i, { protocol: e.target.value })} options={PROTOCOL_OPTIONS} />
              <EndpointInput label="Remote" testId={`rule-${i}-remote`} value={r.remote} onChange={(remote) => patch(i, { remote })} kinds={["any", "cidr", "security-group"]} networks={[]} securityGroups={securityGroups} />
              <Input mono aria-label="Ports" data-testid={`rule-${i}-ports`} value={r.ports} onChange={(e) => patch(i, { ports: e.target.value })} invalid={!!errors.at(`${p}.dst_ports`)} />
              <Button size="icon" variant="ghost" aria-label={`Remove rule ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                <X className="h-3.5 w-3.5" />
              </Button>
            </div>
            {err && <p role="alert" className="text-xs text-danger">Rule {i + 1}: {err}</p>}
          </div>
        );
      })}
      <div>
        <Button size="sm" variant="ghost" data-testid="add-rule" onClick={() => onChange([...rows, newSgRule()])}>
          <Plus className="h-3.5 w-3.5" /> Add rule
        </Button>
      </div>
    </div>
  );
}
