// The policy stages a packet goes through on one node, as the flow table records them:
// the security groups of the port (egress when leaving it, ingress when entering it) and the
// network ACL of the port's virtual network. A port with no security group is open; an ACL
// the port names but the control node has not sent (yet) denies — fail closed.
import type { Port } from "../protocol/index.ts";
import { type Action, type Decision, describeDecision, evaluate } from "./acl.ts";
import type { FlowStage } from "./flow-table.ts";
import type { Tuple } from "./packet.ts";
import type { AgentState } from "./state.ts";

export interface PolicyResult {
  action: Action;
  reason: string;
  stages: FlowStage[];
  /** Human lines for a trace, one per stage. */
  lines: string[];
  acls: string[];
  rule: { acl: string; rule_uuid: string; origin: string } | null;
}

function stage(name: string, d: Decision): FlowStage {
  return { stage: name, acl: d.acl, rule_uuid: d.entry?.rule_uuid ?? "", origin: d.entry?.origin ?? "", action: d.action };
}

/**
 * Runs the port's security groups for `direction`, then its VN's network ACL (skipped when
 * `skipNetworkAcl` names the same ACL, i.e. it was already applied on this node to this packet).
 */
export function portPolicy(state: AgentState, port: Port, direction: "ingress" | "egress", t: Tuple, skipNetworkAcl = ""): PolicyResult {
  const out: PolicyResult = { action: "pass", reason: "", stages: [], lines: [], acls: [], rule: null };
  const sgName = direction === "ingress" ? "security-group ingress" : "security-group egress";
  if (port.acls.length > 0) {
    const { acls, missing } = state.aclsNamed(port.acls);
    if (missing.length > 0) {
      out.acls.push(...missing);
      return missingAcl(out, sgName, missing[0]);
    }
    if (!decide(out, sgName, evaluate(acls, direction, t), "security-group")) return out;
  }
  if (port.network_acl && port.network_acl !== skipNetworkAcl) {
    const acl = state.acls.get(port.network_acl);
    if (!acl) {
      out.acls.push(port.network_acl);
      return missingAcl(out, "network-acl", port.network_acl);
    }
    if (!decide(out, "network-acl", evaluate([acl], null, t), "network-acl")) return out;
  }
  if (out.reason === "") out.reason = out.lines.length === 0 ? "allowed: no ACL on the port" : out.lines.length === 1 ? out.lines[0] : out.lines.join("; ");
  return out;
}

/** Records one stage's decision; false when it denied (the caller stops there). */
function decide(out: PolicyResult, name: string, d: Decision, kind: string): boolean {
  out.stages.push(stage(name, d));
  const text = describeDecision(d, kind);
  out.lines.push(name === "network-acl" ? `${name}: ${text}` : text);
  if (d.acl) out.acls.push(d.acl);
  if (d.entry) out.rule = { acl: d.acl, rule_uuid: d.entry.rule_uuid, origin: d.entry.origin };
  if (d.action === "deny") {
    out.action = "deny";
    out.reason = text;
    if (!d.entry) out.rule = { acl: d.acl, rule_uuid: "", origin: "default action" };
    return false;
  }
  return true;
}

function missingAcl(out: PolicyResult, name: string, acl: string): PolicyResult {
  out.action = "deny";
  out.reason = `denied: ${name} ACL ${acl} not received from the control node`;
  out.lines.push(`${name}: ${out.reason}`);
  out.stages.push({ stage: name, acl, rule_uuid: "", origin: "missing ACL", action: "deny" });
  out.rule = { acl, rule_uuid: "", origin: "missing ACL" };
  return out;
}
