// project: Contrail creates a `default` security group with every project and removes it with
// the project when nothing uses it.
import { randomUUID } from "node:crypto";
import type { PolicyRule } from "../../model/schemas";
import { type ConfigObject, fqString } from "../../model/types";
import type { RuleContext, TypeStrategy } from "../strategy";

/** Contrail's `default` security group: ingress from itself, egress anywhere (IPv4 and IPv6). */
function defaultSecurityGroup(project: ConfigObject, ctx: RuleContext): ConfigObject {
  const self = fqString([...project.fq_name, "default"]);
  const rule = (ethertype: "IPv4" | "IPv6", ingress: boolean): PolicyRule => ({
    rule_uuid: randomUUID(),
    direction: ">",
    protocol: "any",
    ethertype,
    src_addresses: [ingress ? { security_group: self } : { security_group: "local" }],
    dst_addresses: [
      ingress ? { security_group: "local" } : { subnet: { ip_prefix: ethertype === "IPv4" ? "0.0.0.0" : "::", ip_prefix_len: 0 } },
    ],
    src_ports: [{ start_port: 0, end_port: 65535 }],
    dst_ports: [{ start_port: 0, end_port: 65535 }],
  });
  return ctx.buildNew("security-group", {
    fq_name: [...project.fq_name, "default"],
    parent_type: "project",
    id_perms: { description: "Default security group" },
    security_group_entries: { policy_rule: [rule("IPv4", true), rule("IPv6", true), rule("IPv4", false), rule("IPv6", false)] },
  });
}

export const project: TypeStrategy = {
  afterWrite(obj, current, ctx) {
    if (!current) ctx.tx.put(defaultSecurityGroup(obj, ctx), "create");
  },
  ownedChildren(obj, ctx) {
    return ctx.store
      .childrenOf(obj.uuid)
      .filter((c) => c.type === "security-group" && c.name === "default" && ctx.store.backRefsOf(c.uuid).length === 0)
      .slice(0, 1);
  },
};
