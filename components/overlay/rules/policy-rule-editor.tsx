"use client";
import { Plus, X } from "lucide-react";
import type { FieldErrors } from "../../../lib/errors";
import { Button } from "../../ui/button";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { EndpointInput } from "./endpoint-input";
import { newRule, type RuleRow } from "./rule-model";

export const PROTOCOL_OPTIONS = ["any", "tcp", "udp", "icmp", "icmp6", "sctp"].map((p) => ({ value: p, label: p }));

/** Rows of network policy rules: action, protocol, source, ports, direction, destination, ports. */
export function PolicyRuleEditor({
  rows,
  onChange,
  errors,
  entriesField,
  networks,
  securityGroups,
}: {
  rows: RuleRow[];
  onChange: (rows: RuleRow[]) => void;
  errors: FieldErrors;
  entriesField: string;
  networks: string[];
  securityGroups: string[];
}) {
  const patch = (i: number, p: Partial<RuleRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...p } : r)));
  return (
    <div className="flex flex-col gap-2" data-testid="rules-editor">
      <div className="grid grid-cols-[80px_80px_1.6fr_90px_70px_1.6fr_90px_28px] gap-1.5 text-[11px] text-faint">
        <span>Action</span>
        <span>Protocol</span>
        <span>Source</span>
        <span>Src ports</span>
        <span>Direction</span>
        <span>Destination</span>
        <span>Dst ports</span>
        <span />
      </div>
      {rows.map((r, i) => {
        const p = `${entriesField}.policy_rule.${i}`;
        const err = errors.at(p);
        return (
          <div key={r.key} className="flex flex-col gap-1" data-testid={`rule-${i}`}>
            <div className="grid grid-cols-[80px_80px_1.6fr_90px_70px_1.6fr_90px_28px] items-center gap-1.5">
              <Select aria-label="Action" data-testid={`rule-${i}-action`} value={r.action} onChange={(e) => patch(i, { action: e.target.value as RuleRow["action"] })} options={[{ value: "pass", label: "pass" }, { value: "deny", label: "deny" }]} />
              <Select aria-label="Protocol" data-testid={`rule-${i}-protocol`} value={r.protocol} onChange={(e) => patch(i, { protocol: e.target.value })} options={PROTOCOL_OPTIONS} />
              <EndpointInput label="Source" testId={`rule-${i}-src`} value={r.src} onChange={(src) => patch(i, { src })} kinds={["any", "network", "cidr", "security-group"]} networks={networks} securityGroups={securityGroups} invalid={!!errors.at(`${p}.src_addresses`)} />
              <Input mono aria-label="Source ports" data-testid={`rule-${i}-src-ports`} value={r.srcPorts} onChange={(e) => patch(i, { srcPorts: e.target.value })} invalid={!!errors.at(`${p}.src_ports`)} />
              <Select aria-label="Direction" data-testid={`rule-${i}-direction`} value={r.direction} onChange={(e) => patch(i, { direction: e.target.value as RuleRow["direction"] })} options={[{ value: "<>", label: "<>" }, { value: ">", label: ">" }]} />
              <EndpointInput label="Destination" testId={`rule-${i}-dst`} value={r.dst} onChange={(dst) => patch(i, { dst })} kinds={["any", "network", "cidr", "security-group"]} networks={networks} securityGroups={securityGroups} invalid={!!errors.at(`${p}.dst_addresses`)} />
              <Input mono aria-label="Destination ports" data-testid={`rule-${i}-dst-ports`} value={r.dstPorts} onChange={(e) => patch(i, { dstPorts: e.target.value })} invalid={!!errors.at(`${p}.dst_ports`)} />
              <Button size="icon" variant="ghost" aria-label={`Remove rule ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                <X className="h-3.5 w-3.5" />
              </Button>
            </div>
            {err && <p role="alert" className="text-xs text-danger">Rule {i + 1}: {err}</p>}
          </div>
        );
      })}
      <div>
        <Button size="sm" variant="ghost" data-testid="add-rule" onClick={() => onChange([...rows, newRule()])}>
          <Plus className="h-3.5 w-3.5" /> Add rule
        </Button>
      </div>
    </div>
  );
}
