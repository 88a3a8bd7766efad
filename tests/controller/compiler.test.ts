// The compiler against a real config service: routing instances and route targets as Contrail
// names them, policy-driven route leaking, ACLs, and incremental output == rebuild from scratch.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Compiler } from "../../server/engine/compiler/compiler";
import type { Engine } from "../../server/engine/engine";
import { ADMIN, startEngine, vnBody } from "../helpers";

let engine: Engine;
let dir: string;
const P = ["default-domain", "cmp"];
const tick = () => new Promise((r) => setImmediate(r));
const settle = async () => {
  await engine.config.close();
  await tick();
  await tick();
};

beforeAll(async () => {
  ({ engine, dir } = await startEngine());
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
});
afterAll(async () => {
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cfg = () => engine.config;
const ri = (vn: { uuid: string }) => engine.compiler.state.instances.get(vn.uuid)!;

describe("compiler", () => {
  it("one routing instance per VN with an automatic route target from 8000000 up", async () => {
    const vn = await cfg().create("virtual-network", vnBody(P, "red", "10.1.0.0/24"), ADMIN);
    await settle();
    const r = ri(vn);
    expect(r.fq_name).toEqual([...P, "red", "red"]);
    expect(r.routeTarget).toBe(`target:64512:${8000000 + (vn.virtual_network_network_id as number)}`);
    expect(r.importTargets).toContain(r.routeTarget);
    expect(r.exportTargets).toEqual([r.routeTarget]);
    expect(r.why).toEqual([`virtual-network ${[...P, "red"].join(":")}`]);
  });

  it("user import/export route targets and route_target_list are added", async () => {
    const vn = await cfg().create(
      "virtual-network",
      vnBody(P, "ext", "10.9.0.0/24", {
        route_target_list: { route_target: ["target:64512:100"] },
        import_route_target_list: { route_target: ["target:65000:1"] },
        export_route_target_list: { route_target: ["target:192.0.2.1:7"] },
      }),
      ADMIN,
    );
    await settle();
    const r = ri(vn);
    expect(r.importTargets).toEqual(expect.arrayContaining([r.routeTarget, "target:64512:100", "target:65000:1"]));
    expect(r.exportTargets).toEqual(expect.arrayContaining([r.routeTarget, "target:64512:100", "target:192.0.2.1:7"]));
    expect(r.exportTargets).not.toContain("target:65000:1");
  });

  it("a pass <> policy on both VNs leaks routes both ways; on one side only it leaks nothing; a deny rule only makes ACL entries", async () => {
    const red = cfg().getByFqName("virtual-network", [...P, "red"])!;
    const blue = await cfg().create("virtual-network", vnBody(P, "blue", "10.2.0.0/24"), ADMIN);
    const rule = (action: string, direction = "<>") => ({
      direction,
      protocol: "any",
      src_addresses: [{ virtual_network: [...P, "red"].join(":") }],
      dst_addresses: [{ virtual_network: [...P, "blue"].join(":") }],
      action_list: { simple_action: action },
    });
    const pol = await cfg().create("network-policy", { fq_name: [...P, "red-blue"], network_policy_entries: { policy_rule: [rule("pass")] } }, ADMIN);
    await cfg().update("virtual-network", red.uuid, { network_policy_refs: [{ uuid: pol.uuid, attr: { sequence: { major: 0, minor: 0 } } }] }, ADMIN);
    await settle();
    // Contrail (issue 14): attached on red's side only, the policy connects nothing
    expect(ri(red).importTargets).not.toContain(ri(blue).routeTarget);
    expect(ri(blue).importTargets).not.toContain(ri(red).routeTarget);
    await cfg().update("virtual-network", blue.uuid, { network_policy_refs: [{ uuid: pol.uuid, attr: { sequence: { major: 0, minor: 0 } } }] }, ADMIN);
    await settle();
    expect(ri(red).importTargets).toContain(ri(blue).routeTarget);
    expect(ri(blue).importTargets).toContain(ri(red).routeTarget);
    expect(ri(red).imports.find((i) => i.rt === ri(blue).routeTarget)?.why).toMatch(/network-policy default-domain:cmp:red-blue rule 1/);
    const acl = engine.compiler.state.acls.get(`vn:${[...P, "red"].join(":")}`)!;
    expect(acl.default_action).toBe("deny");
    expect(acl.entries.map((e) => [e.action, e.src, e.dst])).toEqual([
      ["pass", ["10.1.0.0/24"], ["10.1.0.0/24"]],
      ["pass", ["10.1.0.0/24"], ["10.2.0.0/24"]],
      ["pass", ["10.2.0.0/24"], ["10.1.0.0/24"]],
    ]);

    // one-way pass on both sides: Contrail connects the two routing instances (routes both ways,
    // RoutingInstanceST.add_connection is symmetric); the direction is the ACL's
    await cfg().update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: [rule("pass", ">")] } }, ADMIN);
    await settle();
    expect(ri(red).importTargets).toContain(ri(blue).routeTarget);
    expect(ri(blue).importTargets).toContain(ri(red).routeTarget);
    const oneWay = engine.compiler.state.acls.get(`vn:${[...P, "blue"].join(":")}`)!;
    expect(oneWay.entries.filter((e) => e.origin.startsWith("network-policy")).map((e) => [e.action, e.src, e.dst])).toEqual([["pass", ["10.1.0.0/24"], ["10.2.0.0/24"]]]);

    // deny: no leaking, a deny entry naming the rule
    await cfg().update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: [rule("deny")] } }, ADMIN);
    await settle();
    expect(ri(red).importTargets).not.toContain(ri(blue).routeTarget);
    expect(ri(blue).importTargets).not.toContain(ri(red).routeTarget);
    const denied = engine.compiler.state.acls.get(`vn:${[...P, "red"].join(":")}`)!;
    expect(denied.entries.filter((e) => e.action === "deny").map((e) => e.origin)).toEqual([
      "network-policy default-domain:cmp:red-blue rule 1",
      "network-policy default-domain:cmp:red-blue rule 1 (reverse)",
    ]);
  });

  it('"any" connects a network, as Contrail\'s expand_connections, to the networks of its project and to those that name it', async () => {
    const Q = ["default-domain", "cmp-any"];
    const R = ["default-domain", "cmp-other"];
    await cfg().create("project", { fq_name: Q, parent_type: "domain" }, ADMIN);
    await cfg().create("project", { fq_name: R, parent_type: "domain" }, ADMIN);
    const x = await cfg().create("virtual-network", vnBody(Q, "x", "10.40.1.0/24"), ADMIN);
    const y = await cfg().create("virtual-network", vnBody(Q, "y", "10.40.2.0/24"), ADMIN);
    const z = await cfg().create("virtual-network", vnBody(R, "z", "10.40.3.0/24"), ADMIN);
    const anyRule = { direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "any" }], dst_addresses: [{ virtual_network: "any" }], action_list: { simple_action: "pass" } };
    const polQ = await cfg().create("network-policy", { fq_name: [...Q, "open"], network_policy_entries: { policy_rule: [anyRule] } }, ADMIN);
    const polR = await cfg().create("network-policy", { fq_name: [...R, "open"], network_policy_entries: { policy_rule: [anyRule] } }, ADMIN);
    for (const vn of [x, y]) await cfg().update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: polQ.uuid }] }, ADMIN);
    await cfg().update("virtual-network", z.uuid, { network_policy_refs: [{ uuid: polR.uuid }] }, ADMIN);
    await settle();
    expect(ri(x).importTargets).toContain(ri(y).routeTarget);
    expect(ri(y).importTargets).toContain(ri(x).routeTarget);
    // "any" on both sides, but in another project: not connected
    expect(ri(x).importTargets).not.toContain(ri(z).routeTarget);
    expect(ri(z).importTargets).not.toContain(ri(x).routeTarget);
    // z's project names x: x's "any" covers z, so both sides allow it
    const toX = { ...anyRule, src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: x.fq_name.join(":") }] };
    await cfg().update("network-policy", polR.uuid, { network_policy_entries: { policy_rule: [toX] } }, ADMIN);
    await settle();
    expect(ri(x).importTargets).toContain(ri(z).routeTarget);
    expect(ri(z).importTargets).toContain(ri(x).routeTarget);
    expect(ri(z).importTargets).not.toContain(ri(y).routeTarget);
    expect(ri(x).imports.find((i) => i.rt === ri(z).routeTarget)?.why).toMatch(/"any": default-domain:cmp-other:z names it/);
  });

  it("security groups compile to port ACLs; the default SG allows its members and all egress", async () => {
    const red = cfg().getByFqName("virtual-network", [...P, "red"])!;
    const sg = cfg().getByFqName("security-group", [...P, "default"])!;
    const port = await cfg().create(
      "virtual-machine-interface",
      {
        fq_name: [...P, "p1"],
        virtual_network_refs: [{ uuid: red.uuid }],
        security_group_refs: [{ uuid: sg.uuid }],
        virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-1" }] },
      },
      ADMIN,
    );
    const iip = await cfg().create("instance-ip", { virtual_network_refs: [{ uuid: red.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    await settle();
    const cp = engine.compiler.state.ports.get(port.uuid)!;
    expect(cp).toMatchObject({ host: "compute-1", vrf: [...P, "red", "red"].join(":"), addresses: [iip.instance_ip_address], acls: [`sg:${[...P, "default"].join(":")}`] });
    const acl = engine.compiler.state.acls.get(`sg:${[...P, "default"].join(":")}`)!;
    const ingress4 = acl.entries.find((e) => e.direction === "ingress" && e.origin.includes("IPv4"))!;
    expect(ingress4.src).toEqual([`${iip.instance_ip_address}/32`]);
    const egress4 = acl.entries.find((e) => e.direction === "egress" && e.origin.includes("IPv4"))!;
    expect(egress4.dst).toEqual(["0.0.0.0/0"]);
    expect(acl.default_action).toBe("deny");
  });

  it("incremental output equals a rebuild from scratch", async () => {
    // more churn: a port moved, an address freed, a VN deleted
    const blue = cfg().getByFqName("virtual-network", [...P, "blue"])!;
    const p2 = await cfg().create("virtual-machine-interface", { fq_name: [...P, "p2"], virtual_network_refs: [{ uuid: blue.uuid }] }, ADMIN);
    const ip2 = await cfg().create("instance-ip", { virtual_network_refs: [{ uuid: blue.uuid }], virtual_machine_interface_refs: [{ uuid: p2.uuid }] }, ADMIN);
    await cfg().update("virtual-machine-interface", p2.uuid, { virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-2" }] } }, ADMIN);
    await cfg().delete("instance-ip", ip2.uuid, ADMIN);
    const tmp = await cfg().create("virtual-network", vnBody(P, "tmp", "10.77.0.0/24"), ADMIN);
    await cfg().delete("virtual-network", tmp.uuid, ADMIN);
    await cfg().update("global-system-config", cfg().getByFqName("global-system-config", ["default-global-system-config"])!.uuid, { autonomous_system: 65010 }, ADMIN);
    await settle();
    const fresh = new Compiler(cfg());
    fresh.rebuild();
    expect(engine.compiler.snapshot()).toBe(fresh.snapshot());
    expect(engine.compiler.state.instances.get(blue.uuid)!.routeTarget).toMatch(/^target:65010:8\d{6}$/);
    expect(engine.compiler.compiledSeq).toBe(cfg().lastSeq);
  });
});
