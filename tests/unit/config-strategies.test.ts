// The per-type rules (server/engine/config/types) alone, on a real in-memory store, without the
// service around them: defaults, canonical forms, refusals and id allocation.
import { describe, expect, it } from "vitest";
import type { Actor } from "../../server/engine/config/api";
import { MemoryStore } from "../../server/engine/config/store";
import type { RuleContext } from "../../server/engine/config/strategy";
import { Tx } from "../../server/engine/config/tx";
import { STRATEGIES, strategyOf } from "../../server/engine/config/types";
import type { ConfigObject, ObjectType } from "../../server/engine/model/types";

const actor: Actor = { userId: null, email: "t", role: "admin", source: "system" };

function ctxOf(store: MemoryStore): RuleContext {
  return {
    store,
    tx: new Tx(store, actor),
    actor,
    clusterAsn: 64512,
    projectOf: (o) => {
      let x: ConfigObject | undefined = o;
      while (x && x.type !== "project") x = x.parent_uuid ? store.get(x.parent_uuid) : undefined;
      return x;
    },
    list: (t) => [...store.uuidsOfType(t)].map((u) => store.get(u)!),
    nextId: (t, field, base) => Math.max(base - 1, ...[...store.uuidsOfType(t)].map((u) => Number(store.get(u)![field] ?? 0))) + 1,
    buildNew: () => {
      throw new Error("not used here");
    },
    allocationFailed: () => {},
  };
}

let n = 0;
function obj(type: ObjectType, fields: Record<string, unknown> = {}): ConfigObject {
  n++;
  const uuid = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return { uuid, type, name: `o${n}`, fq_name: [`o${n}`], parent_type: "config-root", display_name: `o${n}`, id_perms: {} as ConfigObject["id_perms"], resource_version: 1, ...fields };
}

describe("config type strategies", () => {
  it("every registered type's strategy has at least one rule", () => {
    for (const [type, s] of Object.entries(STRATEGIES)) {
      expect(Object.keys(s!).length, type).toBeGreaterThan(0);
    }
    expect(strategyOf("domain")).toEqual({});
  });

  it("virtual-router: the address in canonical form, embedded by default; no address is refused", () => {
    const ctx = ctxOf(new MemoryStore());
    const vr = obj("virtual-router", { virtual_router_ip_address: "2001:DB8::0001" });
    strategyOf("virtual-router").prepare!(vr, null, ctx);
    expect(vr.virtual_router_ip_address).toBe("2001:db8::1");
    expect(vr.virtual_router_type).toBe("embedded");
    expect(() => strategyOf("virtual-router").prepare!(obj("virtual-router"), null, ctx)).toThrow(/virtual_router_ip_address: a virtual router needs/);
    expect(() => strategyOf("virtual-router").prepare!(obj("virtual-router", { virtual_router_ip_address: "1.2.3" }), null, ctx)).toThrow(/not a valid IP address/);
  });

  it("bgp-router: Contrail's defaults, the cluster ASN, one router per address, no MD5, not itself", () => {
    const store = new MemoryStore();
    const ctx = ctxOf(store);
    const br = obj("bgp-router", { bgp_router_parameters: { address: "127.0.34.1" } });
    strategyOf("bgp-router").prepare!(br, null, ctx);
    expect(br.bgp_router_parameters).toMatchObject({ router_type: "router", identifier: "127.0.34.1", autonomous_system: 64512, port: 179, hold_time: 90, admin_down: false, address_families: { family: ["inet", "inet-vpn"] } });
    store.put(br);
    const dup = obj("bgp-router", { bgp_router_parameters: { address: "127.0.34.1" } });
    expect(() => strategyOf("bgp-router").prepare!(dup, null, ctx)).toThrow(/already the address of bgp-router/);
    const md5 = obj("bgp-router", { bgp_router_parameters: { address: "127.0.34.2", auth_data: { key_items: [{ key: "x" }] } } });
    expect(() => strategyOf("bgp-router").prepare!(md5, null, ctx)).toThrow(/TCP MD5 authentication is not supported/);
    const self = obj("bgp-router", { bgp_router_parameters: { address: "127.0.34.3" } });
    self.bgp_router_refs = [{ to: self.fq_name, uuid: self.uuid }];
    expect(() => strategyOf("bgp-router").prepare!(self, null, ctx)).toThrow(/cannot peer with itself/);
  });

  it("security-group: ids from Contrail's 8000000 range, kept on update; rule ids filled in", () => {
    const store = new MemoryStore();
    const ctx = ctxOf(store);
    const rule = { direction: ">", protocol: "any", ethertype: "IPv4", src_addresses: [{ security_group: "local" }], dst_addresses: [{ security_group: "local" }], src_ports: [], dst_ports: [] };
    const a = obj("security-group", { security_group_entries: { policy_rule: [rule] } });
    strategyOf("security-group").prepare!(a, null, ctx);
    expect(a.security_group_id).toBe(8_000_000);
    expect((a.security_group_entries as { policy_rule: { rule_uuid?: string }[] }).policy_rule[0].rule_uuid).toMatch(/^[0-9a-f-]{36}$/);
    store.put(a);
    const b = obj("security-group");
    strategyOf("security-group").prepare!(b, null, ctx);
    expect(b.security_group_id).toBe(8_000_001);
    const a2 = { ...a, security_group_id: undefined };
    strategyOf("security-group").prepare!(a2, a, ctx);
    expect(a2.security_group_id).toBe(8_000_000);
  });

  it("network-policy: a rule without an action is refused with the field named", () => {
    const ctx = ctxOf(new MemoryStore());
    const rule = { direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "any" }], dst_addresses: [{ virtual_network: "any" }], src_ports: [], dst_ports: [] };
    expect(() => strategyOf("network-policy").prepare!(obj("network-policy", { network_policy_entries: { policy_rule: [rule] } }), null, ctx)).toThrow(
      /network_policy_entries\.policy_rule\.0\.action_list\.simple_action: each policy rule needs an action/,
    );
  });

  it("virtual-network: defaults (l2_l3, not external, not shared) and the next network id", () => {
    const store = new MemoryStore();
    const ctx = ctxOf(store);
    const a = obj("virtual-network");
    strategyOf("virtual-network").prepare!(a, null, ctx);
    expect(a).toMatchObject({ virtual_network_properties: { forwarding_mode: "l2_l3" }, router_external: false, is_shared: false, virtual_network_network_id: 1 });
    store.put(a);
    const b = obj("virtual-network");
    strategyOf("virtual-network").prepare!(b, null, ctx);
    expect(b.virtual_network_network_id).toBe(2);
  });

  it("virtual-network: route targets in the system range are refused", () => {
    const ctx = ctxOf(new MemoryStore());
    const vn = obj("virtual-network", { route_target_list: { route_target: ["target:64512:8000001"] } });
    expect(() => strategyOf("virtual-network").prepare!(vn, null, ctx)).toThrow(/route_target_list\.route_target\.0/);
  });
});
