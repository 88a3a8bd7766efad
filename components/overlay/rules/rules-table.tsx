// Read-only rule lists for overview tabs.
import { Badge } from "../../ui/badge";
import { endpointOf, endpointText, portsText, sgRowOf, type RuleJson } from "./rule-model";

export function PolicyRulesTable({ rules }: { rules: RuleJson[] }) {
  if (rules.length === 0) return <p className="text-xs text-muted">No rules: a policy without rules lets nothing through the networks it is attached to. Edit it to add rules.</p>;
  return (
    <table className="w-full text-[13px]" data-testid="rules-table">
      <thead>
        <tr className="text-left text-xs text-muted">
          <th className="pb-1 font-medium">#</th>
          <th className="pb-1 font-medium">Action</th>
          <th className="pb-1 font-medium">Protocol</th>
          <th className="pb-1 font-medium">Source</th>
          <th className="pb-1 font-medium">Ports</th>
          <th className="pb-1 font-medium">Dir</th>
          <th className="pb-1 font-medium">Destination</th>
          <th className="pb-1 font-medium">Ports</th>
        </tr>
      </thead>
      <tbody className="tabular-nums">
        {rules.map((r, i) => (
          <tr key={r.rule_uuid ?? i} className="border-t border-line">
            <td className="py-1 text-faint">{i + 1}</td>
            <td className="py-1">{r.action_list?.simple_action === "deny" ? <Badge tone="danger">Deny</Badge> : <Badge tone="ok">Pass</Badge>}</td>
            <td className="py-1 font-mono text-xs">{r.protocol ?? "any"}</td>
            <td className="py-1 font-mono text-xs">{endpointText(endpointOf(r.src_addresses?.[0]))}</td>
            <td className="py-1 font-mono text-xs">{portsText(r.src_ports)}</td>
            <td className="py-1 font-mono text-xs">{r.direction ?? "<>"}</td>
            <td className="py-1 font-mono text-xs">{endpointText(endpointOf(r.dst_addresses?.[0]))}</td>
            <td className="py-1 font-mono text-xs">{portsText(r.dst_ports)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SgRulesTable({ rules }: { rules: RuleJson[] }) {
  if (rules.length === 0) return <p className="text-xs text-muted">No rules: ports in this group accept and send nothing. Edit it to add rules.</p>;
  return (
    <table className="w-full text-[13px]" data-testid="rules-table">
      <thead>
        <tr className="text-left text-xs text-muted">
          <th className="pb-1 font-medium">Traffic</th>
          <th className="pb-1 font-medium">Ether type</th>
          <th className="pb-1 font-medium">Protocol</th>
          <th className="pb-1 font-medium">Remote</th>
          <th className="pb-1 font-medium">Ports</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r, i) => {
          const row = sgRowOf(r);
          return (
            <tr key={r.rule_uuid ?? i} className="border-t border-line">
              <td className="py-1">{row.traffic === "ingress" ? <Badge tone="accent">Ingress</Badge> : <Badge>Egress</Badge>}</td>
              <td className="py-1 text-xs">{row.ethertype}</td>
              <td className="py-1 font-mono text-xs">{row.protocol}</td>
              <td className="py-1 font-mono text-xs">{endpointText(row.remote)}</td>
              <td className="py-1 font-mono text-xs">{row.ports}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
