// network-policy and security-group: rule ids (Contrail's rule_uuid), rule checks; a security
// group gets its security_group_id from Contrail's range.
import { randomUUID } from "node:crypto";
import type { PolicyRule } from "../../model/schemas";
import type { ConfigObject } from "../../model/types";
import type { TypeStrategy } from "../strategy";
import { checkRules, fail } from "../validate";

const SG_ID_BASE = 8_000_000; // Contrail's security_group_id range starts here

function prepareRules(obj: ConfigObject, field: "network_policy_entries" | "security_group_entries", kind: "network-policy" | "security-group") {
  const rules = ((obj[field] as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []) as PolicyRule[];
  for (const r of rules) r.rule_uuid ??= randomUUID();
  const issues = checkRules(rules, `${field}.policy_rule`, kind);
  if (issues.length) fail(issues);
}

export const networkPolicy: TypeStrategy = {
  prepare(obj) {
    prepareRules(obj, "network_policy_entries", "network-policy");
  },
};

export const securityGroup: TypeStrategy = {
  prepare(obj, current, ctx) {
    prepareRules(obj, "security_group_entries", "security-group");
    if (obj.security_group_id === undefined) obj.security_group_id = current?.security_group_id ?? ctx.nextId("security-group", "security_group_id", SG_ID_BASE);
  },
};
