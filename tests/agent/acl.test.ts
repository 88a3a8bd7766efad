import { describe, expect, it } from "vitest";
import type { Acl, AclEntry } from "../../server/engine/protocol/index.ts";
import { compileAcl, describeDecision, evaluate } from "../../server/engine/agent/acl.ts";
import type { Tuple } from "../../server/engine/agent/packet.ts";

const any = [{ start: -1, end: -1 }];
const entry = (e: Partial<AclEntry>): AclEntry => ({ rule_uuid: "r", action: "pass", protocol: "any", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "", origin: "", ...e });
const acl = (name: string, entries: AclEntry[], default_action = "deny"): Acl => ({ name, entries, default_action, why: [] });
const tcp = (src: string, dst: string, dstPort: number, srcPort = 40000): Tuple => ({ protocol: 6, src, dst, srcPort, dstPort });

describe("ACL evaluation", () => {
  const web = compileAcl(
    acl("sg:web", [
      entry({ rule_uuid: "r1", action: "deny", protocol: "tcp", src: ["10.0.0.66/32"], dst_ports: [{ start: 80, end: 80 }], direction: "ingress", origin: "security-group default-domain:p:web" }),
      entry({ rule_uuid: "r2", action: "pass", protocol: "tcp", src: ["10.0.0.0/24"], dst_ports: [{ start: 80, end: 443 }], direction: "ingress", origin: "security-group default-domain:p:web" }),
      entry({ rule_uuid: "r3", action: "pass", protocol: "icmp", direction: "ingress" }),
      entry({ rule_uuid: "r4", action: "pass", direction: "egress" }),
    ]),
  );

  it("first match wins, in order", () => {
    const d = evaluate([web], "ingress", tcp("10.0.0.66", "10.0.0.5", 80));
    expect(d.action).toBe("deny");
    expect(d.entry?.rule_uuid).toBe("r1");
    expect(evaluate([web], "ingress", tcp("10.0.0.67", "10.0.0.5", 80)).entry?.rule_uuid).toBe("r2");
  });

  it("port ranges, protocols and CIDRs must all match; -1 means any", () => {
    expect(evaluate([web], "ingress", tcp("10.0.0.7", "10.0.0.5", 443)).entry?.rule_uuid).toBe("r2");
    expect(evaluate([web], "ingress", tcp("10.0.0.7", "10.0.0.5", 444)).entry).toBeNull();
    expect(evaluate([web], "ingress", tcp("10.0.1.7", "10.0.0.5", 80)).entry).toBeNull();
    expect(evaluate([web], "ingress", { protocol: 1, src: "192.0.2.1", dst: "10.0.0.5", srcPort: 0, dstPort: 0 }).entry?.rule_uuid).toBe("r3");
    expect(evaluate([web], "ingress", { protocol: 17, src: "10.0.0.7", dst: "10.0.0.5", srcPort: 1, dstPort: 80 }).action).toBe("deny");
  });

  it("direction filters port ACL entries", () => {
    const d = evaluate([web], "egress", tcp("10.0.0.5", "8.8.8.8", 53));
    expect(d.entry?.rule_uuid).toBe("r4");
    expect(d.action).toBe("pass");
  });

  it("no match → default action, deny wins across ACLs; no ACLs → pass", () => {
    const open = compileAcl(acl("sg:open", [], "pass"));
    const d = evaluate([open, web], "ingress", tcp("192.0.2.1", "10.0.0.5", 22));
    expect(d).toMatchObject({ action: "deny", acl: "sg:web", entry: null });
    expect(evaluate([open], "ingress", tcp("192.0.2.1", "10.0.0.5", 22)).action).toBe("pass");
    expect(evaluate([], "ingress", tcp("192.0.2.1", "10.0.0.5", 22)).action).toBe("pass");
  });

  it("later ACLs are consulted when earlier ones do not match", () => {
    const a = compileAcl(acl("a", [entry({ rule_uuid: "a1", protocol: "udp" })]));
    const b = compileAcl(acl("b", [entry({ rule_uuid: "b1", action: "deny", protocol: "tcp" })]));
    expect(evaluate([a, b], null, tcp("1.1.1.1", "2.2.2.2", 1)).entry?.rule_uuid).toBe("b1");
  });

  it("unknown actions and unparseable CIDRs fail closed", () => {
    const x = compileAcl(acl("x", [entry({ rule_uuid: "bad", src: ["not-a-cidr"] }), entry({ rule_uuid: "weird", action: "maybe" })], "pass"));
    const d = evaluate([x], null, tcp("1.1.1.1", "2.2.2.2", 1));
    expect(d.entry?.rule_uuid).toBe("weird");
    expect(d.action).toBe("deny");
  });

  it("IPv6 CIDRs", () => {
    const x = compileAcl(acl("x", [entry({ rule_uuid: "v6", src: ["fd00::/64"] })]));
    expect(evaluate([x], null, { protocol: 6, src: "fd00::9", dst: "fd00::1", srcPort: 1, dstPort: 2 }).entry?.rule_uuid).toBe("v6");
    expect(evaluate([x], null, { protocol: 6, src: "fd01::9", dst: "fd00::1", srcPort: 1, dstPort: 2 }).action).toBe("deny");
  });

  it("describes the deciding rule", () => {
    const d = evaluate([web], "ingress", tcp("10.0.0.66", "10.0.0.5", 80));
    expect(describeDecision(d, "security-group")).toBe("denied by security-group default-domain:p:web rule r1");
    expect(describeDecision(evaluate([web], "ingress", tcp("10.9.0.1", "10.0.0.5", 9)), "security-group")).toBe("denied by security-group sg:web default action");
  });
});
