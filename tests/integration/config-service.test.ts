import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor, ChangeEvent } from "../../server/engine/config/api";
import type { Engine } from "../../server/engine/engine";
import { WeftError } from "../../server/engine/model/errors";
import { type ConfigObject, OBJECT_TYPES, type ObjectType, type Ref } from "../../server/engine/model/types";
import { ADMIN, DEFAULT_IPAM, startEngine, tempDir, vnBody } from "../helpers";

const D = "default-domain";
const VIEWER: Actor = { userId: "u-viewer", email: "viewer@test", role: "viewer", source: "console" };

async function rejected(p: Promise<unknown>): Promise<WeftError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WeftError);
    return e as WeftError;
  }
  throw new Error("expected the call to be refused");
}

interface Subnets {
  ipam_subnets: { subnet: { ip_prefix: string; ip_prefix_len: number }; default_gateway: string; dns_server_address: string; subnet_uuid: string }[];
}
const subnetsOf = (vn: ConfigObject) => (vn.network_ipam_refs as Ref[]).flatMap((r) => (r.attr as Subnets).ipam_subnets);

let engine: Engine;
let dir: string;
const svc = () => engine.config;

async function project(name: string, actor: Actor = ADMIN) {
  return svc().create("project", { fq_name: [D, name], parent_type: "domain" }, actor);
}
async function port(proj: string[], name: string, vn: ConfigObject, extra: Record<string, unknown> = {}) {
  return svc().create("virtual-machine-interface", { fq_name: [...proj, name], parent_type: "project", virtual_network_refs: [{ uuid: vn.uuid }], ...extra }, ADMIN);
}
let iipSeq = 0;
const iipName = () => `iip-${process.pid}-${++iipSeq}`;
async function iip(vn: ConfigObject, extra: Record<string, unknown> = {}) {
  return svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }], ...extra }, ADMIN);
}

beforeAll(async () => {
  ({ engine, dir } = await startEngine());
});
afterAll(async () => {
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("defaults at start", () => {
  it("creates default-domain, default-project and default-network-ipam", () => {
    const dom = svc().getByFqName("domain", [D]);
    const proj = svc().getByFqName("project", [D, "default-project"]);
    const ipam = svc().getByFqName("network-ipam", DEFAULT_IPAM);
    expect(dom).toMatchObject({ type: "domain", parent_type: "config-root", name: D });
    expect(proj).toMatchObject({ parent_type: "domain", parent_uuid: dom!.uuid });
    expect(ipam).toMatchObject({ parent_uuid: proj!.uuid, ipam_subnet_method: "user-defined-subnet" });
    expect(svc().count("domain")).toBe(1);
  });

  it("every project gets a `default` security group with Contrail's four rules", async () => {
    for (const p of [svc().getByFqName("project", [D, "default-project"])!, await project("sg-defaults")]) {
      const sg = svc().getByFqName("security-group", [...p.fq_name, "default"]);
      expect(sg, p.name).toBeDefined();
      expect(sg!.parent_uuid).toBe(p.uuid);
      expect(sg!.security_group_id).toBeGreaterThanOrEqual(8_000_000);
      expect(sg!.id_perms.description).toBe("Default security group");
      const rules = (sg!.security_group_entries as { policy_rule: Record<string, unknown>[] }).policy_rule;
      const self = `${p.fq_name.join(":")}:default`;
      const shape = rules.map((r) => ({ e: r.ethertype, src: r.src_addresses, dst: r.dst_addresses, dir: r.direction, proto: r.protocol }));
      expect(shape).toEqual([
        { e: "IPv4", src: [{ security_group: self }], dst: [{ security_group: "local" }], dir: ">", proto: "any" },
        { e: "IPv6", src: [{ security_group: self }], dst: [{ security_group: "local" }], dir: ">", proto: "any" },
        { e: "IPv4", src: [{ security_group: "local" }], dst: [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }], dir: ">", proto: "any" },
        { e: "IPv6", src: [{ security_group: "local" }], dst: [{ subnet: { ip_prefix: "::", ip_prefix_len: 0 } }], dir: ">", proto: "any" },
      ]);
      for (const r of rules) {
        expect(r.rule_uuid).toMatch(/^[0-9a-f-]{36}$/);
        expect(r.dst_ports).toEqual([{ start_port: 0, end_port: 65535 }]);
      }
    }
  });

  it("a second start does not duplicate the defaults", async () => {
    const d = tempDir();
    const a = await startEngine(d);
    const before = OBJECT_TYPES.map((t) => a.engine.config.count(t));
    const seq = a.engine.config.lastSeq;
    await a.engine.stop();
    const b = await startEngine(d);
    expect(OBJECT_TYPES.map((t) => b.engine.config.count(t))).toEqual(before);
    expect(b.engine.config.lastSeq).toBe(seq);
    await b.engine.stop();
    fs.rmSync(d, { recursive: true, force: true });
  });
});

describe("CRUD for every type", () => {
  it("creates, reads, lists, updates and deletes each type", async () => {
    const P = [D, "crud"];
    const made: Partial<Record<ObjectType, ConfigObject>> = {};
    made.domain = await svc().create("domain", { fq_name: ["crud-domain"] }, ADMIN);
    made.project = await project("crud");
    made["network-ipam"] = await svc().create("network-ipam", { fq_name: [...P, "ipam1"], parent_type: "project" }, ADMIN);
    made["network-policy"] = await svc().create(
      "network-policy",
      {
        fq_name: [...P, "pol1"],
        parent_type: "project",
        network_policy_entries: {
          policy_rule: [
            {
              direction: "<>",
              protocol: "tcp",
              src_addresses: [{ virtual_network: "any" }],
              dst_addresses: [{ subnet: { ip_prefix: "10.0.0.0", ip_prefix_len: 8 } }],
              dst_ports: [{ start_port: 80, end_port: 80 }],
              action_list: { simple_action: "pass" },
            },
          ],
        },
      },
      ADMIN,
    );
    made["virtual-network"] = await svc().create(
      "virtual-network",
      {
        ...vnBody(P, "vn1", "10.10.0.0/24"),
        network_ipam_refs: [{ to: [...P, "ipam1"], attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.10.0.0", ip_prefix_len: 24 } }] } }],
        network_policy_refs: [{ to: [...P, "pol1"], attr: { sequence: { major: 0, minor: 0 } } }],
        route_target_list: { route_target: ["target:64512:100"] },
      },
      ADMIN,
    );
    made["security-group"] = await svc().create("security-group", { fq_name: [...P, "web"], parent_type: "project" }, ADMIN);
    made["virtual-machine"] = await svc().create("virtual-machine", { fq_name: ["crud-vm1"], server_type: "container" }, ADMIN);
    made["virtual-machine-interface"] = await port(P, "port1", made["virtual-network"], {
      security_group_refs: [{ uuid: made["security-group"].uuid }],
      virtual_machine_refs: [{ to: ["crud-vm1"] }],
    });
    made["instance-ip"] = await svc().create(
      "instance-ip",
      { name: "crud-iip1", virtual_network_refs: [{ to: [...P, "vn1"] }], virtual_machine_interface_refs: [{ uuid: made["virtual-machine-interface"].uuid }] },
      ADMIN,
    );
    made["floating-ip-pool"] = await svc().create("floating-ip-pool", { fq_name: [...P, "vn1", "pool1"], parent_type: "virtual-network" }, ADMIN);
    made["floating-ip"] = await svc().create(
      "floating-ip",
      { fq_name: [...P, "vn1", "pool1", "fip1"], parent_type: "floating-ip-pool", project_refs: [{ to: P }] },
      ADMIN,
    );
    made["global-system-config"] = await svc().create("global-system-config", { fq_name: ["crud-gsc"], autonomous_system: 65001 }, ADMIN);
    made["global-vrouter-config"] = await svc().create(
      "global-vrouter-config",
      { fq_name: ["crud-gsc", "crud-gvc"], encapsulation_priorities: { encapsulation: ["VXLAN", "MPLSoUDP"] } },
      ADMIN,
    );
    made["virtual-router"] = await svc().create("virtual-router", { fq_name: ["crud-gsc", "compute-x"], virtual_router_ip_address: "127.0.9.1" }, ADMIN);
    expect(made["virtual-router"]).toMatchObject({ virtual_router_type: "embedded", parent_type: "global-system-config" });
    made["routing-instance"] = await svc().create("routing-instance", { fq_name: [...P, "vn1", "fabric-ri"], parent_type: "virtual-network" }, ADMIN);
    made["bgp-router"] = await svc().create(
      "bgp-router",
      { fq_name: [...P, "vn1", "fabric-ri", "gw1"], bgp_router_parameters: { address: "127.0.9.2", router_type: "router" } },
      ADMIN,
    );
    made["route-target"] = await svc().create("route-target", { fq_name: ["target:64512:100"], project_refs: [{ to: P }] }, ADMIN);
    expect(made["bgp-router"].bgp_router_parameters).toMatchObject({ identifier: "127.0.9.2", port: 179, hold_time: 90, autonomous_system: 64512, address_families: { family: ["inet", "inet-vpn"] } });
    expect(Object.keys(made).sort()).toEqual([...OBJECT_TYPES].sort());

    // server-side defaults and derived fields
    const vn = made["virtual-network"];
    expect(subnetsOf(vn)[0]).toMatchObject({ default_gateway: "10.10.0.254", dns_server_address: "10.10.0.253" });
    expect(vn.virtual_network_network_id).toBeGreaterThanOrEqual(1);
    expect(vn.virtual_network_properties).toMatchObject({ forwarding_mode: "l2_l3" });
    expect((made["virtual-machine-interface"].virtual_machine_interface_mac_addresses as { mac_address: string[] }).mac_address[0]).toMatch(
      /^02(:[0-9a-f]{2}){5}$/,
    );
    expect(made["instance-ip"]).toMatchObject({ instance_ip_address: "10.10.0.252", instance_ip_family: "v4", fq_name: ["crud-iip1"] });
    expect(made["floating-ip"]).toMatchObject({ floating_ip_address: "10.10.0.251", floating_ip_direction: "both" });

    for (const [type, o] of Object.entries(made) as [ObjectType, ConfigObject][]) {
      expect(o.resource_version, type).toBe(1);
      expect(o.id_perms.creator).toBe("admin@test");
      expect(svc().get(type, o.uuid)).toEqual(o);
      expect(svc().list(type).map((x) => x.uuid)).toContain(o.uuid);
      expect(svc().list(type, { fqName: o.fq_name })).toEqual([o]);
      // an update of the display name bumps resource_version
      const u = await svc().update(type, o.uuid, { display_name: `${o.name} (renamed)`, resource_version: 1 }, ADMIN);
      expect(u.resource_version, type).toBe(2);
      expect(u.display_name).toBe(`${o.name} (renamed)`);
      expect(svc().get(type, o.uuid).display_name).toBe(`${o.name} (renamed)`);
      // an update that changes nothing is not a write
      const same = await svc().update(type, o.uuid, { display_name: `${o.name} (renamed)` }, ADMIN);
      expect(same.resource_version).toBe(2);
    }

    // refs and back-refs are indexed both ways
    expect(svc().backRefs(vn.uuid).map((b) => b.type).sort()).toEqual(["instance-ip", "virtual-machine-interface"]);
    expect(svc().children(vn.uuid).map((c) => c.type).sort()).toEqual(["floating-ip-pool", "routing-instance"]);

    // list filters
    expect(svc().list("virtual-network", { projectUuid: made.project.uuid }).map((x) => x.name)).toEqual(["vn1"]);
    expect(svc().list("virtual-network", { search: "VN1" }).map((x) => x.uuid)).toContain(vn.uuid);
    expect(svc().list("security-group", { parentUuid: made.project.uuid }).map((x) => x.name).sort()).toEqual(["default", "web"]);

    // ref-update: add then remove a security group on the port
    const sg2 = await svc().create("security-group", { fq_name: [...P, "db"], parent_type: "project" }, ADMIN);
    const vmi = made["virtual-machine-interface"];
    const withSg = await svc().refUpdate({ operation: "ADD", type: "virtual-machine-interface", uuid: vmi.uuid, refType: "security-group", refUuid: sg2.uuid }, ADMIN);
    expect((withSg.security_group_refs as Ref[]).map((r) => r.uuid)).toEqual([made["security-group"].uuid, sg2.uuid]);
    const without = await svc().refUpdate({ operation: "DELETE", type: "virtual-machine-interface", uuid: vmi.uuid, refType: "security-group", refFqName: [...P, "db"] }, ADMIN);
    expect((without.security_group_refs as Ref[]).map((r) => r.uuid)).toEqual([made["security-group"].uuid]);
    await svc().delete("security-group", sg2.uuid, ADMIN);

    // property update and removal (null removes)
    const withRt = await svc().update("virtual-network", vn.uuid, { route_target_list: { route_target: ["target:64512:200"] } }, ADMIN);
    expect(withRt.route_target_list).toEqual({ route_target: ["target:64512:200"] });
    const noRt = await svc().update("virtual-network", vn.uuid, { route_target_list: null }, ADMIN);
    expect(noRt.route_target_list).toBeUndefined();
    expect(noRt.network_ipam_refs).toEqual(withRt.network_ipam_refs);

    // delete in dependency order
    const order: ObjectType[] = [
      "route-target",
      "bgp-router",
      "routing-instance",
      "floating-ip",
      "floating-ip-pool",
      "instance-ip",
      "virtual-machine-interface",
      "virtual-machine",
      "virtual-network",
      "network-policy",
      "network-ipam",
      "security-group",
      "project",
      "domain",
      "virtual-router",
      "global-vrouter-config",
      "global-system-config",
    ];
    for (const t of order) {
      await svc().delete(t, made[t]!.uuid, ADMIN);
      expect(svc().find(made[t]!.uuid), t).toBeUndefined();
      expect((await rejected(Promise.resolve().then(() => svc().get(t, made[t]!.uuid)))).code).toBe("not_found");
      expect(await engine.db.configObject.count({ where: { uuid: made[t]!.uuid } })).toBe(0);
    }
    expect(await engine.db.configRef.count({ where: { fromUuid: { in: Object.values(made).map((o) => o!.uuid) } } })).toBe(0);
  });

  it("create by name + parent_uuid, and uuid given by the client", async () => {
    const p = await project("by-parent");
    const uuid = "0b7c2a52-1111-4a2b-9c3d-123456789abc";
    const ipam = await svc().create("network-ipam", { name: "ipam-x", parent_uuid: p.uuid, uuid: uuid.toUpperCase() }, ADMIN);
    expect(ipam).toMatchObject({ uuid, fq_name: [D, "by-parent", "ipam-x"], parent_type: "project", parent_uuid: p.uuid });
    expect(ipam.id_perms.uuid).toEqual({ uuid_mslong: BigInt("0x0b7c2a5211114a2b").toString(), uuid_lslong: BigInt("0x9c3d123456789abc").toString() });
    const dup = await rejected(svc().create("network-ipam", { name: "ipam-y", parent_uuid: p.uuid, uuid }, ADMIN));
    expect(dup.code).toBe("conflict");
    expect(dup.message).toContain(`uuid ${uuid} is already in use`);
  });
});

describe("validation", () => {
  let P: string[];
  beforeAll(async () => {
    P = (await project("val")).fq_name;
  });

  it("names: characters and length", async () => {
    const bad = await rejected(svc().create("virtual-network", vnBody(P, "bad name!"), ADMIN));
    expect(bad.code).toBe("bad_request");
    expect(bad.issues[0].field).toBe("fq_name");
    expect(bad.message).toContain("may contain only letters, digits");
    const leading = await rejected(svc().create("virtual-network", vnBody(P, "-x"), ADMIN));
    expect(leading.message).toContain("must start with a letter, digit or underscore");
    const long = await rejected(svc().create("virtual-network", vnBody(P, "a".repeat(256)), ADMIN));
    expect(long.message).toContain("longer than 255");
    expect((await svc().create("virtual-network", vnBody(P, "a".repeat(255), "10.200.0.0/24"), ADMIN)).name).toHaveLength(255);
    const mismatch = await rejected(svc().create("virtual-network", { ...vnBody(P, "n1"), name: "n2" }, ADMIN));
    expect(mismatch.issues[0].field).toBe("name");
  });

  it("fq_name, parent and duplicates", async () => {
    const noParent = await rejected(svc().create("virtual-network", vnBody([D, "nope"], "vn"), ADMIN));
    expect(noParent.code).toBe("not_found");
    expect(noParent.issues[0].field).toBe("fq_name");
    const wrongParentType = await rejected(svc().create("virtual-network", { ...vnBody(P, "vn"), parent_type: "domain" }, ADMIN));
    expect(wrongParentType.issues[0]).toMatchObject({ field: "parent_type" });
    const topLevel = await rejected(svc().create("virtual-machine", { fq_name: ["a", "b"] }, ADMIN));
    expect(topLevel.message).toContain("top-level");
    await svc().create("virtual-network", vnBody(P, "dup", "10.201.0.0/24"), ADMIN);
    const dup = await rejected(svc().create("virtual-network", vnBody(P, "dup", "10.202.0.0/24"), ADMIN));
    expect(dup.code).toBe("conflict");
    expect(dup.message).toContain(`virtual-network ${P.join(":")}:dup already exists`);
  });

  it("unknown fields are refused, naming them and what is allowed", async () => {
    const e = await rejected(svc().create("virtual-network", { ...vnBody(P, "u1"), colour: "red", subnets: [] }, ADMIN));
    expect(e.code).toBe("bad_request");
    expect(e.issues.map((i) => i.field)).toEqual(["colour", "subnets"]);
    expect(e.issues[0].message).toContain("route_target_list");
    // ignored Contrail fields are accepted
    const ok = await svc().create("virtual-network", { ...vnBody(P, "u2", "10.203.0.0/24"), href: "x", perms2: {}, tag_refs: [] }, ADMIN);
    expect(ok.href).toBeUndefined();
  });

  it("property types are checked with field paths", async () => {
    const e = await rejected(
      svc().create("virtual-network", { ...vnBody(P, "t1"), virtual_network_properties: { forwarding_mode: "l4" } }, ADMIN),
    );
    expect(e.issues).toEqual([{ field: "virtual_network_properties.forwarding_mode", message: "forwarding_mode must be one of l2_l3, l2, l3" }]);
  });

  it("overlapping subnets in one VN", async () => {
    const body = vnBody(P, "ov");
    (body.network_ipam_refs[0].attr.ipam_subnets as unknown[]).push({ subnet: { ip_prefix: "10.0.0.128", ip_prefix_len: 25 } });
    const e = await rejected(svc().create("virtual-network", body, ADMIN));
    expect(e.code).toBe("bad_request");
    expect(e.issues[0].field).toBe("network_ipam_refs.0.attr.ipam_subnets.1.subnet");
    expect(e.issues[0].message).toContain("10.0.0.128/25 overlaps 10.0.0.0/24");
    // the same CIDR in two VNs is fine (separate routing instances)
    await svc().create("virtual-network", vnBody(P, "ov-a", "10.0.0.0/24"), ADMIN);
    await svc().create("virtual-network", vnBody(P, "ov-b", "10.0.0.0/24"), ADMIN);
  });

  it("host bits, gateway / DNS / pools outside the subnet", async () => {
    const sub = (extra: Record<string, unknown>, cidr = ["10.1.0.0", 24]) =>
      vnBody(P, "gw", "10.1.0.0/24", {
        network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: cidr[0], ip_prefix_len: cidr[1] }, ...extra }] } }],
      });
    const f = "network_ipam_refs.0.attr.ipam_subnets.0";
    const host = await rejected(svc().create("virtual-network", sub({}, ["10.1.0.1", 24]), ADMIN));
    expect(host.issues[0]).toEqual({ field: `${f}.subnet`, message: expect.stringContaining("did you mean 10.1.0.0/24?") });
    const gw = await rejected(svc().create("virtual-network", sub({ default_gateway: "10.2.0.1" }), ADMIN));
    expect(gw.issues[0]).toEqual({ field: `${f}.default_gateway`, message: "default_gateway 10.2.0.1 is outside the subnet 10.1.0.0/24" });
    expect(gw.message).toBe(`${f}.default_gateway: default_gateway 10.2.0.1 is outside the subnet 10.1.0.0/24`);
    const dns = await rejected(svc().create("virtual-network", sub({ dns_server_address: "10.2.0.2" }), ADMIN));
    expect(dns.issues[0].field).toBe(`${f}.dns_server_address`);
    const pool = await rejected(svc().create("virtual-network", sub({ allocation_pools: [{ start: "10.1.0.10", end: "10.1.1.10" }] }), ADMIN));
    expect(pool.issues[0]).toEqual({ field: `${f}.allocation_pools.0.end`, message: "allocation pool end 10.1.1.10 is outside the subnet 10.1.0.0/24" });
    const missing = await rejected(
      svc().create("virtual-network", vnBody(P, "gw", "10.1.0.0/24", { network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.1.0.0" } }] } }] }), ADMIN),
    );
    expect(missing.issues[0].field).toBe(`${f}.subnet.ip_prefix_len`);
    expect(svc().getByFqName("virtual-network", [...P, "gw"])).toBeUndefined();
  });

  it("route targets: syntax, auto range, duplicates", async () => {
    const rt = (list: string[], field = "route_target_list") => vnBody(P, "rt", "10.3.0.0/24", { [field]: { route_target: list } });
    const bad = await rejected(svc().create("virtual-network", rt(["target:64512:1", "64512:2"]), ADMIN));
    expect(bad.issues).toEqual([{ field: "route_target_list.route_target.1", message: expect.stringContaining("is not a route target") }]);
    const auto = await rejected(svc().create("virtual-network", rt(["target:64512:8000001"], "import_route_target_list"), ADMIN));
    expect(auto.issues[0].field).toBe("import_route_target_list.route_target.0");
    expect(auto.issues[0].message).toContain("range Weft allocates automatically");
    const range = await rejected(svc().create("virtual-network", rt(["target:70000:70000"], "export_route_target_list"), ADMIN));
    expect(range.issues[0].message).toContain("0–65535");
    const twice = await rejected(svc().create("virtual-network", rt(["target:64512:5", "target:64512:5"]), ADMIN));
    expect(twice.issues[0]).toEqual({ field: "route_target_list.route_target.1", message: "target:64512:5 is listed twice" });
    const ok = await svc().create("virtual-network", rt(["target:64512:7999999", "target:10.0.0.1:5", "target:4200000000:65535"]), ADMIN);
    expect((ok.route_target_list as { route_target: string[] }).route_target).toHaveLength(3);
  });

  it("refs to missing objects → not_found naming the field", async () => {
    const e = await rejected(
      svc().create("virtual-network", { ...vnBody(P, "mr"), network_ipam_refs: [{ to: [D, "default-project", "no-such-ipam"], attr: { ipam_subnets: [] } }] }, ADMIN),
    );
    expect(e.code).toBe("not_found");
    expect(e.message).toBe("network_ipam_refs.0: network-ipam default-domain:default-project:no-such-ipam does not exist");
    expect(e.issues).toEqual([{ field: "network_ipam_refs.0", message: "network-ipam default-domain:default-project:no-such-ipam does not exist" }]);
    const byUuid = await rejected(svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: "00000000-0000-4000-8000-000000000000" }] }, ADMIN));
    expect(byUuid.code).toBe("not_found");
    expect(byUuid.issues[0].field).toBe("virtual_network_refs.0");
    // a uuid of the wrong type is "does not exist" too
    const ipam = svc().getByFqName("network-ipam", DEFAULT_IPAM)!;
    const wrong = await rejected(svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: ipam.uuid }] }, ADMIN));
    expect(wrong.code).toBe("not_found");
    const required = await rejected(svc().create("instance-ip", { name: iipName() }, ADMIN));
    expect(required.issues).toEqual([{ field: "virtual_network_refs", message: "a instance-ip needs a ref to a virtual-network" }]);
  });

  it("policy rules are checked", async () => {
    const e = await rejected(
      svc().create(
        "network-policy",
        {
          fq_name: [...P, "badpol"],
          parent_type: "project",
          network_policy_entries: {
            policy_rule: [{ src_addresses: [{ virtual_network: "nope" }], dst_addresses: [], dst_ports: [{ start_port: 90, end_port: 80 }] }],
          },
        },
        ADMIN,
      ),
    );
    expect(e.issues.map((i) => i.field)).toEqual([
      "network_policy_entries.policy_rule.0.action_list.simple_action",
      "network_policy_entries.policy_rule.0.src_addresses.0.virtual_network",
      "network_policy_entries.policy_rule.0.dst_addresses",
      "network_policy_entries.policy_rule.0.dst_ports.0",
    ]);
  });

  it("a refused write leaves memory and database untouched", async () => {
    const counts = OBJECT_TYPES.map((t) => svc().count(t));
    const rows = await engine.db.configObject.count();
    const seq = svc().lastSeq;
    await rejected(svc().create("virtual-network", vnBody(P, "x y"), ADMIN));
    await rejected(svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ to: [...P, "nope"] }] }, ADMIN));
    expect(OBJECT_TYPES.map((t) => svc().count(t))).toEqual(counts);
    expect(await engine.db.configObject.count()).toBe(rows);
    expect(svc().lastSeq).toBe(seq);
  });
});

describe("integrity", () => {
  it("delete is refused while children or back-refs exist; the error lists them", async () => {
    const p = await project("integ");
    const P = p.fq_name;
    const vn = await svc().create("virtual-network", vnBody(P, "vn", "10.5.0.0/24"), ADMIN);
    const pool = await svc().create("floating-ip-pool", { fq_name: [...P, "vn", "pool"], parent_type: "virtual-network" }, ADMIN);
    const vmi = await port(P, "p1", vn);
    const e = await rejected(svc().delete("virtual-network", vn.uuid, ADMIN));
    expect(e.code).toBe("conflict");
    expect(e.message).toContain(`cannot delete virtual-network ${P.join(":")}:vn: still in use by 2 object(s)`);
    expect(e.message).toContain(`child floating-ip-pool ${P.join(":")}:vn:pool`);
    expect(e.message).toContain(`virtual-machine-interface ${P.join(":")}:p1 (virtual_network_refs)`);
    expect(e.details).toEqual({
      children: [{ type: "floating-ip-pool", uuid: pool.uuid, fq_name: pool.fq_name }],
      back_refs: [{ type: "virtual-machine-interface", uuid: vmi.uuid, fq_name: vmi.fq_name, field: "virtual_network_refs" }],
    });
    expect(svc().find(vn.uuid)).toBeDefined();
    // the project: children listed (its default SG is not in the way)
    const pe = await rejected(svc().delete("project", p.uuid, ADMIN));
    const kids = (pe.details as { children: { type: string }[] }).children.map((c) => c.type).sort();
    expect(kids).toEqual(["virtual-machine-interface", "virtual-network"]);
    // the default SG in use by a port blocks the project's delete too
    await svc().delete("floating-ip-pool", pool.uuid, ADMIN);
    await svc().delete("virtual-machine-interface", vmi.uuid, ADMIN);
    await svc().delete("virtual-network", vn.uuid, ADMIN);
  });

  it("project delete removes its default security group (unless something uses it)", async () => {
    const p = await project("pdel");
    const sg = svc().getByFqName("security-group", [...p.fq_name, "default"])!;
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.6.0.0/24"), ADMIN);
    const vmi = await port(p.fq_name, "p", vn, { security_group_refs: [{ uuid: sg.uuid }] });
    await svc().delete("virtual-machine-interface", vmi.uuid, ADMIN);
    await svc().delete("virtual-network", vn.uuid, ADMIN);
    await svc().delete("project", p.uuid, ADMIN);
    expect(svc().find(sg.uuid)).toBeUndefined();
    expect(await engine.db.configObject.count({ where: { uuid: { in: [p.uuid, sg.uuid] } } })).toBe(0);

    const q = await project("pdel2");
    const qsg = svc().getByFqName("security-group", [...q.fq_name, "default"])!;
    const qvn = await svc().create("virtual-network", vnBody(q.fq_name, "vn", "10.6.0.0/24"), ADMIN);
    const qvmi = await port(q.fq_name, "p", qvn, { security_group_refs: [{ uuid: qsg.uuid }] });
    await svc().delete("virtual-machine-interface", qvmi.uuid, ADMIN);
    await svc().delete("virtual-network", qvn.uuid, ADMIN);
    // a port of this project still refers to... nothing now: delete succeeds
    await svc().delete("project", q.uuid, ADMIN);
    expect(svc().find(qsg.uuid)).toBeUndefined();
  });

  it("optimistic concurrency: an update based on a stale resource_version is a conflict", async () => {
    const p = await project("occ");
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.7.0.0/24"), ADMIN);
    const a = await svc().update("virtual-network", vn.uuid, { is_shared: true, resource_version: 1 }, ADMIN);
    expect(a.resource_version).toBe(2);
    const e = await rejected(svc().update("virtual-network", vn.uuid, { is_shared: false, resource_version: 1 }, ADMIN));
    expect(e.code).toBe("conflict");
    expect(e.message).toContain("resource_version is 2, the update was based on 1");
    expect(e.details).toEqual({ resource_version: 2 });
    expect(svc().get("virtual-network", vn.uuid).is_shared).toBe(true);
    // without resource_version: last writer wins
    expect((await svc().update("virtual-network", vn.uuid, { is_shared: false }, ADMIN)).resource_version).toBe(3);
    // identity fields cannot change
    const fq = await rejected(svc().update("virtual-network", vn.uuid, { fq_name: [...p.fq_name, "other"] }, ADMIN));
    expect(fq.issues[0]).toEqual({ field: "fq_name", message: "fq_name cannot be changed (create a new virtual-network instead)" });
  });

  it("a subnet with addresses in use cannot be removed; a free one can", async () => {
    const p = await project("subrm");
    const two = vnBody(p.fq_name, "vn", "10.8.0.0/24");
    (two.network_ipam_refs[0].attr.ipam_subnets as unknown[]).push({ subnet: { ip_prefix: "10.9.0.0", ip_prefix_len: 24 } });
    const vn = await svc().create("virtual-network", two, ADMIN);
    const [s1, s2] = subnetsOf(vn);
    const ip = await iip(vn, { subnet_uuid: s1.subnet_uuid });
    expect(ip.instance_ip_address).toBe("10.8.0.252");
    const onlySecond = { network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [subnetsOf(vn)[1]] } }] };
    const e = await rejected(svc().update("virtual-network", vn.uuid, onlySecond, ADMIN));
    expect(e.code).toBe("conflict");
    expect(e.message).toContain("cannot remove a subnet");
    expect(e.message).toContain(`10.8.0.252 (instance-ip ${ip.uuid})`);
    expect(subnetsOf(svc().get("virtual-network", vn.uuid))).toHaveLength(2);
    const onlyFirst = { network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [s1] } }] };
    const shrunk = await svc().update("virtual-network", vn.uuid, onlyFirst, ADMIN);
    expect(subnetsOf(shrunk).map((s) => s.subnet_uuid)).toEqual([s1.subnet_uuid]);
    expect(s2.subnet_uuid).not.toBe(s1.subnet_uuid);
    // the subnet keeps its uuid when re-sent without one, and allocation continues
    const resent = await svc().update(
      "virtual-network",
      vn.uuid,
      { network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.8.0.0", ip_prefix_len: 24 } }] } }] },
      ADMIN,
    );
    expect(subnetsOf(resent)[0].subnet_uuid).toBe(s1.subnet_uuid);
    expect((await iip(vn)).instance_ip_address).toBe("10.8.0.251");
  });

  it("a subnet's gateway cannot move onto an address in use", async () => {
    const p = await project("gwmove");
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.10.0.0/24"), ADMIN);
    const ip = await iip(vn);
    expect(ip.instance_ip_address).toBe("10.10.0.252");
    const s = subnetsOf(vn)[0];
    const e = await rejected(
      svc().update("virtual-network", vn.uuid, { network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ ...s, default_gateway: "10.10.0.252" }] } }] }, ADMIN),
    );
    expect(e.code).toBe("conflict");
    expect(e.message).toContain("10.10.0.252");
    expect(subnetsOf(svc().get("virtual-network", vn.uuid))[0].default_gateway).toBe("10.10.0.254");
  });

  it("an instance IP's address cannot be changed; fixed addresses are validated", async () => {
    const p = await project("iipfix");
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.11.0.0/24"), ADMIN);
    const fixed = await iip(vn, { instance_ip_address: "10.11.0.10" });
    expect(fixed).toMatchObject({ instance_ip_address: "10.11.0.10", instance_ip_family: "v4", subnet_uuid: subnetsOf(vn)[0].subnet_uuid });
    const e = await rejected(svc().update("instance-ip", fixed.uuid, { instance_ip_address: "10.11.0.11" }, ADMIN));
    expect(e.code).toBe("bad_request");
    expect(e.issues[0].field).toBe("instance_ip_address");
    expect(e.message).toContain("cannot be changed");
    // other fields can change
    expect((await svc().update("instance-ip", fixed.uuid, { instance_ip_mode: "active-standby" }, ADMIN)).instance_ip_address).toBe("10.11.0.10");
    for (const [addr, code, text] of [
      ["10.11.0.10", "conflict", "already in use"],
      ["10.11.0.254", "conflict", "default gateway"],
      ["10.11.0.253", "conflict", "DNS server"],
      ["10.11.0.255", "bad_request", "network or broadcast"],
      ["10.12.0.1", "bad_request", "is not in any subnet"],
      ["banana", "bad_request", "not a valid IP address"],
    ] as const) {
      const r = await rejected(iip(vn, { instance_ip_address: addr }));
      expect(r.code, addr).toBe(code);
      expect(r.message).toContain(text);
      expect(r.issues[0].field).toBe("instance_ip_address");
    }
    const sn = await rejected(iip(vn, { subnet_uuid: "not-a-subnet" }));
    expect(sn.issues[0]).toMatchObject({ field: "subnet_uuid" });
    // a port on another network cannot carry this network's instance IP
    const other = await svc().create("virtual-network", vnBody(p.fq_name, "vn2", "10.12.0.0/24"), ADMIN);
    const vmi = await port(p.fq_name, "p", other);
    const wrong = await rejected(iip(vn, { virtual_machine_interface_refs: [{ uuid: vmi.uuid }] }));
    expect(wrong.issues[0].field).toBe("virtual_machine_interface_refs.0");
  });

  it("delete of an instance IP releases its address (memory and database)", async () => {
    const p = await project("release");
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.13.0.0/24"), ADMIN);
    const a = await iip(vn);
    const b = await iip(vn);
    expect([a.instance_ip_address, b.instance_ip_address]).toEqual(["10.13.0.252", "10.13.0.251"]);
    await svc().delete("instance-ip", a.uuid, ADMIN);
    expect(await engine.db.ipAllocation.findMany({ where: { networkUuid: vn.uuid }, select: { address: true } })).toEqual([{ address: "10.13.0.251" }]);
    expect((await iip(vn)).instance_ip_address).toBe("10.13.0.252");
    expect((await iip(vn)).instance_ip_address).toBe("10.13.0.250");
  });

  it("pool exhaustion is a conflict and leaves nothing behind", async () => {
    const p = await project("exhaust");
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.14.0.0/29"), ADMIN);
    for (let i = 0; i < 4; i++) await iip(vn);
    const e = await rejected(iip(vn));
    expect(e.code).toBe("conflict");
    expect(e.message).toContain("no free address left in 10.14.0.0/29");
    expect(svc().backRefs(vn.uuid)).toHaveLength(4);
    expect(await engine.db.ipAllocation.count({ where: { networkUuid: vn.uuid } })).toBe(4);
  });
});

describe("floating IPs", () => {
  it("are allocated in the pool network's subnets, honouring floating_ip_pool_subnets", async () => {
    const p = await project("fip");
    const P = p.fq_name;
    const body = vnBody(P, "public", "192.0.2.0/24", { router_external: true });
    (body.network_ipam_refs[0].attr.ipam_subnets as unknown[]).push({ subnet: { ip_prefix: "198.51.100.0", ip_prefix_len: 24 } });
    const pub = await svc().create("virtual-network", body, ADMIN);
    const [, second] = subnetsOf(pub);
    const any = await svc().create("floating-ip-pool", { fq_name: [...P, "public", "any"], parent_type: "virtual-network" }, ADMIN);
    const only2 = await svc().create(
      "floating-ip-pool",
      { fq_name: [...P, "public", "second"], parent_type: "virtual-network", floating_ip_pool_subnets: { subnet_uuid: [second.subnet_uuid] } },
      ADMIN,
    );
    const f1 = await svc().create("floating-ip", { fq_name: [...any.fq_name, "f1"], parent_type: "floating-ip-pool" }, ADMIN);
    expect(f1).toMatchObject({ floating_ip_address: "192.0.2.252", floating_ip_address_family: "v4" });
    const f2 = await svc().create("floating-ip", { fq_name: [...only2.fq_name, "f2"], parent_type: "floating-ip-pool" }, ADMIN);
    expect(f2.floating_ip_address).toBe("198.51.100.252");
    // the two pools share the network's allocator: no address twice
    const f3 = await svc().create("floating-ip", { fq_name: [...any.fq_name, "f3"], parent_type: "floating-ip-pool" }, ADMIN);
    expect(f3.floating_ip_address).toBe("192.0.2.251");
    // an instance IP in the same network does not get a floating IP's address
    expect((await iip(pub)).instance_ip_address).toBe("192.0.2.250");
    // fixed address outside the pool's subnets
    const outside = await rejected(
      svc().create("floating-ip", { fq_name: [...only2.fq_name, "f4"], parent_type: "floating-ip-pool", floating_ip_address: "192.0.2.10" }, ADMIN),
    );
    expect(outside.code).toBe("bad_request");
    expect(outside.issues[0].field).toBe("floating_ip_address");
    const inside = await svc().create(
      "floating-ip",
      { fq_name: [...only2.fq_name, "f5"], parent_type: "floating-ip-pool", floating_ip_address: "198.51.100.10", floating_ip_fixed_ip_address: "10.0.0.5" },
      ADMIN,
    );
    expect(inside.floating_ip_address).toBe("198.51.100.10");
    const change = await rejected(svc().update("floating-ip", inside.uuid, { floating_ip_address: "198.51.100.11" }, ADMIN));
    expect(change.issues[0].field).toBe("floating_ip_address");
    // a pool naming a subnet the network does not have
    const bad = await rejected(
      svc().create("floating-ip-pool", { fq_name: [...P, "public", "bad"], parent_type: "virtual-network", floating_ip_pool_subnets: { subnet_uuid: ["nope"] } }, ADMIN),
    );
    expect(bad.issues[0].field).toBe("floating_ip_pool_subnets.subnet_uuid.0");
    // delete releases
    await svc().delete("floating-ip", f1.uuid, ADMIN);
    const f6 = await svc().create("floating-ip", { fq_name: [...any.fq_name, "f6"], parent_type: "floating-ip-pool" }, ADMIN);
    expect(f6.floating_ip_address).toBe("192.0.2.252");
    const rows = await engine.db.ipAllocation.findMany({ where: { networkUuid: pub.uuid }, orderBy: { address: "asc" } });
    expect(rows.map((r) => [r.address, r.ownerType])).toEqual([
      ["192.0.2.250", "instance-ip"],
      ["192.0.2.251", "floating-ip"],
      ["192.0.2.252", "floating-ip"],
      ["198.51.100.10", "floating-ip"],
      ["198.51.100.252", "floating-ip"],
    ]);
  });
});

describe("change feed", () => {
  it("is ordered and complete: changesSince and subscribe agree with the writes", async () => {
    const seen: ChangeEvent[] = [];
    const unsubscribe = svc().subscribe((e) => seen.push(e));
    const start = svc().lastSeq;
    const p = await project("feed");
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.20.0.0/24"), ADMIN);
    const ips = await Promise.all(Array.from({ length: 20 }, () => iip(vn)));
    const upd = await svc().update("virtual-network", vn.uuid, { is_shared: true }, ADMIN);
    await Promise.all(ips.slice(0, 5).map((i) => svc().delete("instance-ip", i.uuid, ADMIN)));
    unsubscribe();
    await svc().create("network-ipam", { fq_name: [...p.fq_name, "after-unsubscribe"], parent_type: "project" }, ADMIN);

    const feed = await svc().changesSince(start);
    // project + default SG + vn + 20 iips + update + 5 deletes + ipam
    expect(feed).toHaveLength(2 + 1 + 20 + 1 + 5 + 1);
    expect(feed.map((e) => e.seq)).toEqual(feed.map((_, i) => start + 1 + i));
    expect(svc().lastSeq).toBe(start + feed.length);
    expect(feed.slice(0, 3).map((e) => [e.op, e.type, e.fqName])).toEqual([
      ["create", "project", "default-domain:feed"],
      ["create", "security-group", "default-domain:feed:default"],
      ["create", "virtual-network", "default-domain:feed:vn"],
    ]);
    expect(new Set(feed.slice(3, 23).map((e) => e.uuid))).toEqual(new Set(ips.map((i) => i.uuid)));
    expect(feed[23]).toMatchObject({ op: "update", uuid: vn.uuid, resourceVersion: 2 });
    expect(feed[23].object).toEqual(upd);
    expect(feed.slice(24, 29).map((e) => [e.op, e.object])).toEqual(ips.slice(0, 5).map(() => ["delete", null]));
    // live events: the same sequence minus what came after unsubscribe
    expect(seen.map((e) => e.seq)).toEqual(feed.slice(0, -1).map((e) => e.seq));
    expect(seen.map((e) => [e.op, e.uuid])).toEqual(feed.slice(0, -1).map((e) => [e.op, e.uuid]));
    // paging
    const page = await svc().changesSince(start, 3);
    expect(page.map((e) => e.seq)).toEqual([start + 1, start + 2, start + 3]);
    expect(await svc().changesSince(svc().lastSeq)).toEqual([]);
  });

  it("a listener that throws does not break the feed", async () => {
    const un1 = svc().subscribe(() => {
      throw new Error("boom");
    });
    const got: number[] = [];
    const un2 = svc().subscribe((e) => got.push(e.seq));
    await svc().create("virtual-machine", { fq_name: ["feed-vm"] }, ADMIN);
    un1();
    un2();
    expect(got).toEqual([svc().lastSeq]);
  });
});

describe("audit log", () => {
  it("records actor, action, type, fq_name and diff for every change, nothing for refused writes", async () => {
    const alice: Actor = { userId: "u-alice", email: "alice@example.com", role: "admin", source: "console" };
    const p = await project("audit", alice);
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.30.0.0/24"), alice);
    await svc().update("virtual-network", vn.uuid, { is_shared: true }, alice);
    const pol = await svc().create("network-policy", { fq_name: [...p.fq_name, "pol"], parent_type: "project" }, alice);
    await svc().refUpdate({ operation: "ADD", type: "virtual-network", uuid: vn.uuid, refType: "network-policy", refUuid: pol.uuid }, alice);
    await rejected(svc().update("virtual-network", vn.uuid, { is_shared: "yes" }, alice));
    await rejected(svc().create("virtual-network", vnBody(p.fq_name, "vn", "10.31.0.0/24"), alice));
    await rejected(svc().create("virtual-network", vnBody(p.fq_name, "v2"), VIEWER));
    await rejected(svc().delete("network-policy", pol.uuid, alice));
    await svc().delete("virtual-network", vn.uuid, alice);

    const rows = (await svc().audit({ actor: "alice@example.com" })).filter((r) => r.objectUuid !== pol.uuid || r.action !== "create");
    const sg = svc().getByFqName("security-group", [...p.fq_name, "default"])!;
    expect(rows.map((r) => [r.action, r.objectType, r.fqName])).toEqual([
      ["delete", "virtual-network", "default-domain:audit:vn"],
      ["ref-update", "virtual-network", "default-domain:audit:vn"],
      ["update", "virtual-network", "default-domain:audit:vn"],
      ["create", "virtual-network", "default-domain:audit:vn"],
      ["create", "security-group", "default-domain:audit:default"],
      ["create", "project", "default-domain:audit"],
    ]);
    for (const r of rows) expect(r).toMatchObject({ actorId: "u-alice", actorEmail: "alice@example.com", source: "console" });
    expect(rows[4].objectUuid).toBe(sg.uuid);
    expect(rows[1].diff).toEqual([
      { path: "network_policy_refs.0.to.0", after: "default-domain" },
      { path: "network_policy_refs.0.to.1", after: "audit" },
      { path: "network_policy_refs.0.to.2", after: "pol" },
      { path: "network_policy_refs.0.uuid", after: pol.uuid },
      { path: "network_policy_refs.0.attr", after: {} },
    ]);
    expect(rows[2].diff).toEqual([{ path: "is_shared", before: false, after: true }]);
    expect(rows[3].diff).toContainEqual({ path: "network_ipam_refs.0.attr.ipam_subnets.0.subnet.ip_prefix", after: "10.30.0.0" });
    expect(rows[0].diff).toContainEqual({ path: "is_shared", before: true });
    expect(rows[0].diff.every((d) => d.after === undefined)).toBe(true);
    // query filters
    expect((await svc().audit({ objectUuid: vn.uuid })).map((r) => r.action)).toEqual(["delete", "ref-update", "update", "create"]);
    expect((await svc().audit({ actor: "alice", objectType: "project" })).map((r) => r.objectUuid)).toEqual([p.uuid]);
    expect(await svc().audit({ actor: VIEWER.email })).toEqual([]);
    const limited = await svc().audit({ actor: "alice", limit: 2 });
    expect(limited).toHaveLength(2);
    expect((await svc().audit({ actor: "alice", objectType: "virtual-network", before: limited[1].id })).map((r) => r.action)).toEqual(["update", "create"]);
  });
});

describe("roles", () => {
  it("a viewer is refused with forbidden and nothing is written", async () => {
    const p = svc().getByFqName("project", [D, "default-project"])!;
    const vn = await svc().create("virtual-network", vnBody(p.fq_name, "role-vn", "10.40.0.0/24"), ADMIN);
    const seq = svc().lastSeq;
    const rows = await engine.db.configObject.count();
    const audits = (await svc().audit({ limit: 1 }))[0].id;
    const attempts = [
      () => svc().create("virtual-network", vnBody(p.fq_name, "viewer-vn", "10.41.0.0/24"), VIEWER),
      () => svc().create("virtual-machine", { fq_name: ["viewer-vm"] }, VIEWER),
      () => svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }] }, VIEWER),
      () => svc().update("virtual-network", vn.uuid, { is_shared: true }, VIEWER),
      () => svc().delete("virtual-network", vn.uuid, VIEWER),
      () => svc().refUpdate({ operation: "DELETE", type: "virtual-network", uuid: vn.uuid, refType: "network-ipam", refFqName: DEFAULT_IPAM }, VIEWER),
    ];
    for (const a of attempts) {
      const e = await rejected(a());
      expect(e.code).toBe("forbidden");
      expect(e.message).toContain("read-only");
    }
    expect(svc().lastSeq).toBe(seq);
    expect(await engine.db.configObject.count()).toBe(rows);
    expect((await svc().audit({ limit: 1 }))[0].id).toBe(audits);
    expect(svc().get("virtual-network", vn.uuid).is_shared).toBe(false);
    // the viewer's instance-ip attempt did not take an address
    expect((await iip(vn)).instance_ip_address).toBe("10.40.0.252");
  });

  it("an operator writes only in granted projects", async () => {
    const mine = await project("op-mine");
    const theirs = await project("op-theirs");
    const op: Actor = { userId: "u-op", email: "op@test", role: "operator", source: "console", projectUuids: [mine.uuid] };
    const vn = await svc().create("virtual-network", vnBody(mine.fq_name, "vn", "10.50.0.0/24"), op);
    const vmi = await port(mine.fq_name, "p", vn);
    const ip = await svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] }, op);
    expect(ip.instance_ip_address).toBe("10.50.0.252");
    await svc().update("virtual-network", vn.uuid, { is_shared: true }, op);
    await svc().create("virtual-machine", { fq_name: ["op-vm"] }, op);

    const theirVn = await svc().create("virtual-network", vnBody(theirs.fq_name, "vn", "10.51.0.0/24"), ADMIN);
    const seq = svc().lastSeq;
    for (const a of [
      () => svc().create("virtual-network", vnBody(theirs.fq_name, "op-vn", "10.52.0.0/24"), op),
      () => svc().update("virtual-network", theirVn.uuid, { is_shared: true }, op),
      () => svc().delete("virtual-network", theirVn.uuid, op),
      () => svc().create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: theirVn.uuid }] }, op),
      () => svc().create("project", { fq_name: [D, "op-new"], parent_type: "domain" }, op),
      () => svc().delete("project", mine.uuid, op),
    ]) {
      const e = await rejected(a());
      expect(e.code).toBe("forbidden");
    }
    expect(svc().lastSeq).toBe(seq);
    // grants are per project: no grants, no writes
    const none: Actor = { ...op, projectUuids: [] };
    expect((await rejected(svc().create("network-ipam", { fq_name: [...mine.fq_name, "x"], parent_type: "project" }, none))).code).toBe("forbidden");
  });
});

describe("restart", () => {
  it("keeps objects, allocations and the change-feed sequence; allocation continues correctly", async () => {
    const d = tempDir();
    const a = (await startEngine(d)).engine;
    const c = a.config;
    const p = await c.create("project", { fq_name: [D, "persist"], parent_type: "domain" }, ADMIN);
    const vn = await c.create("virtual-network", vnBody(p.fq_name, "vn", "10.60.0.0/24"), ADMIN);
    const up = await c.create("virtual-network", vnBody(p.fq_name, "up", "10.61.0.0/24", {
      network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.61.0.0", ip_prefix_len: 24 }, addr_from_start: true }] } }],
    }), ADMIN);
    const pool = await c.create("floating-ip-pool", { fq_name: [...vn.fq_name, "pool"], parent_type: "virtual-network" }, ADMIN);
    const ips = [];
    for (let i = 0; i < 5; i++) ips.push(await c.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }] }, ADMIN)); // .252 … .248
    const fip = await c.create("floating-ip", { fq_name: [...pool.fq_name, "f"], parent_type: "floating-ip-pool" }, ADMIN); // .247
    const upIps = [];
    for (let i = 0; i < 3; i++) upIps.push(await c.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: up.uuid }] }, ADMIN)); // .3 .4 .5
    await c.delete("instance-ip", ips[1].uuid, ADMIN); // frees .251
    await c.delete("instance-ip", upIps[0].uuid, ADMIN); // frees .3
    await c.update("virtual-network", vn.uuid, { display_name: "Persisted" }, ADMIN);
    expect(fip.floating_ip_address).toBe("10.60.0.247");

    const snapshot = OBJECT_TYPES.flatMap((t) => c.list(t)).sort((x, y) => x.uuid.localeCompare(y.uuid));
    const allocRows = await a.db.ipAllocation.findMany({ orderBy: { address: "asc" }, select: { networkUuid: true, address: true, ownerUuid: true, ownerType: true } });
    const seq = c.lastSeq;
    const feed = await c.changesSince(0);
    await a.stop();

    const b = (await startEngine(d)).engine;
    const c2 = b.config;
    expect(OBJECT_TYPES.flatMap((t) => c2.list(t)).sort((x, y) => x.uuid.localeCompare(y.uuid))).toEqual(snapshot);
    expect(await b.db.ipAllocation.findMany({ orderBy: { address: "asc" }, select: { networkUuid: true, address: true, ownerUuid: true, ownerType: true } })).toEqual(allocRows);
    expect([...c2.store.allocators.get(vn.uuid)!.used.keys()].sort()).toEqual(["10.60.0.247", "10.60.0.248", "10.60.0.249", "10.60.0.250", "10.60.0.252"]);
    expect(c2.get("virtual-network", vn.uuid).display_name).toBe("Persisted");
    expect(c2.backRefs(vn.uuid).map((r) => r.uuid).sort()).toEqual(c.backRefs(vn.uuid).map((r) => r.uuid).sort());
    expect(c2.lastSeq).toBe(seq);
    expect(await c2.changesSince(0)).toEqual(feed);

    // allocation continues where the first engine would have: the freed address first, then down
    const n1 = await c2.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }] }, ADMIN);
    const n2 = await c2.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }] }, ADMIN);
    expect([n1.instance_ip_address, n2.instance_ip_address]).toEqual(["10.60.0.251", "10.60.0.246"]);
    const u1 = await c2.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: up.uuid }] }, ADMIN);
    const u2 = await c2.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: up.uuid }] }, ADMIN);
    expect([u1.instance_ip_address, u2.instance_ip_address]).toEqual(["10.61.0.3", "10.61.0.6"]);
    // fixed addresses still collide with what was allocated before the restart
    expect((await rejected(c2.create("instance-ip", { name: iipName(), virtual_network_refs: [{ uuid: vn.uuid }], instance_ip_address: "10.60.0.247" }, ADMIN))).code).toBe("conflict");
    // the feed continues
    const next = await c2.changesSince(seq);
    expect(next.map((e) => e.seq)).toEqual([seq + 1, seq + 2, seq + 3, seq + 4]);
    // integrity checks still hold after the restart
    expect((await rejected(c2.delete("virtual-network", vn.uuid, ADMIN))).code).toBe("conflict");
    await b.stop();
    fs.rmSync(d, { recursive: true, force: true });
  });
});
