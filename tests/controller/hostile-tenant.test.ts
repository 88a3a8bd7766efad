// Issue 14, hostile tenant: an operator granted project A tries every way the issue lists to reach
// into project B. Each attempt is refused (403 with the field that names B's object, or 400 for a
// value that is the system's) with nothing written (the change feed does not move), and test
// traffic through two real agents shows B's workload stays out of A's reach and A's out of B's.
// The last test is the positive control: the same traffic passes once both sides allow it.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import type { Actor } from "../../server/engine/config/api";
import { Engine } from "../../server/engine/engine";
import { WeftError } from "../../server/engine/model/errors";
import type { ConfigObject } from "../../server/engine/model/types";
import { waitFor } from "../bgp/daemons";
import { ADMIN, tempDir, vnBody } from "../helpers";

const A = ["default-domain", "tenant-a"];
const B = ["default-domain", "tenant-b"];
const NODES = [
  { name: "compute-a", address: "127.0.34.1" },
  { name: "compute-b", address: "127.0.34.2" },
];
const B_RT = "target:64512:3402";
const KUBE: Actor = { userId: null, email: "kube-manager", role: "admin", source: "kube" };

let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();
let opA: Actor;
let opB: Actor;
let vnA: ConfigObject;
let vnB: ConfigObject;
let wa: { port: ConfigObject; address: string };
let wb: { port: ConfigObject; address: string };
let polB: ConfigObject;
let sgB: ConfigObject;
let poolA: ConfigObject;
let poolB: ConfigObject;
let kubePool: ConfigObject;
let vmB: ConfigObject;

const until = <T>(what: string, f: () => T | undefined | null | false, ms = 10_000) => waitFor(what, f, ms, 50);
const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");
const routeIn = (agent: string, vrf: string, prefix: string) => agents.get(agent)!.routes(vrf).find((r) => r.prefix === prefix);
const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });

async function workload(project: string[], vn: ConfigObject, name: string, host: string, actor: Actor) {
  const port = await engine.config.create(
    "virtual-machine-interface",
    { fq_name: [...project, name], virtual_network_refs: [{ uuid: vn.uuid }], security_group_refs: [{ to: [...project, "default"] }], ...bind(host) },
    actor,
  );
  const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, actor);
  return { port, address: iip.instance_ip_address as string };
}

/** The write is refused with this status and field, and nothing reaches the change feed. */
async function refused(write: Promise<unknown>, status: number, field: string | RegExp, message?: RegExp) {
  await engine.config.close();
  const seq = engine.config.lastSeq;
  const e = await write.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, "the write was accepted").toBeInstanceOf(WeftError);
  const err = e as WeftError;
  expect(err.status, err.message).toBe(status);
  expect(err.issues.map((i) => i.field).join(" "), err.message).toMatch(field);
  if (message) expect(err.message).toMatch(message);
  await engine.config.close();
  expect(engine.config.lastSeq, "something was written").toBe(seq);
}

let barriers = 0;
/** Everything written so far has reached the agents: a new port's route shows up on compute-a. */
async function barrier() {
  const w = await workload(A, vnA, `barrier-${++barriers}`, "compute-a", opA);
  await until(`barrier ${barriers}`, () => routeIn("compute-a", vrfOf(vnA), `${w.address}/32`));
}

/** Test traffic both ways through the agents: neither workload reaches the other. */
async function isolated() {
  await barrier();
  expect(routeIn("compute-a", vrfOf(vnA), `${wb.address}/32`), "B's address is routed in A's VRF").toBeUndefined();
  expect(routeIn("compute-b", vrfOf(vnB), `${wa.address}/32`), "A's address is routed in B's VRF").toBeUndefined();
  const ab = await engine.control.trace({ portUuid: wa.port.uuid, dst: wb.address, protocol: "tcp", dstPort: 80, srcPort: 41000 + barriers });
  expect(ab.verdict, ab.reason).not.toBe("delivered");
  const ba = await engine.control.trace({ portUuid: wb.port.uuid, dst: wa.address, protocol: "tcp", dstPort: 80, srcPort: 42000 + barriers });
  expect(ba.verdict, ba.reason).not.toBe("delivered");
}

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 3 });
  for (const n of NODES) {
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, backoffInitialMs: 200, backoffMaxMs: 1000 }));
  }
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
  const pa = await engine.config.create("project", { fq_name: A, parent_type: "domain" }, ADMIN);
  const pb = await engine.config.create("project", { fq_name: B, parent_type: "domain" }, ADMIN);
  opA = { userId: "op-a", email: "op-a@test", role: "operator", source: "api", projectUuids: [pa.uuid] };
  opB = { userId: "op-b", email: "op-b@test", role: "operator", source: "api", projectUuids: [pb.uuid] };
  vnA = await engine.config.create("virtual-network", vnBody(A, "net-a", "10.34.1.0/24"), opA);
  vnB = await engine.config.create("virtual-network", vnBody(B, "net-b", "10.34.2.0/24", { route_target_list: { route_target: [B_RT] } }), opB);
  wa = await workload(A, vnA, "wa", "compute-a", opA);
  wb = await workload(B, vnB, "wb", "compute-b", opB);
  polB = await engine.config.create(
    "network-policy",
    {
      fq_name: [...B, "b-open"],
      network_policy_entries: { policy_rule: [{ direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "any" }], dst_addresses: [{ virtual_network: "any" }], action_list: { simple_action: "pass" } }] },
    },
    opB,
  );
  sgB = engine.config.getByFqName("security-group", [...B, "default"])!;
  poolA = await engine.config.create("floating-ip-pool", { fq_name: [...vnA.fq_name, "pool-a"], parent_type: "virtual-network" }, opA);
  poolB = await engine.config.create("floating-ip-pool", { fq_name: [...vnB.fq_name, "pool-b"], parent_type: "virtual-network" }, opB);
  kubePool = await engine.config.create("floating-ip-pool", { fq_name: [...vnB.fq_name, "net-b-vip-pool"], parent_type: "virtual-network" }, KUBE);
  vmB = await engine.config.create("virtual-machine", { fq_name: ["vm-b"], server_type: "container" }, opB);
  await engine.config.update("virtual-machine-interface", wb.port.uuid, { virtual_machine_refs: [{ uuid: vmB.uuid }] }, opB);
  await until("wa routed on compute-a", () => routeIn("compute-a", vrfOf(vnA), `${wa.address}/32`));
  await until("wb routed on compute-b", () => routeIn("compute-b", vrfOf(vnB), `${wb.address}/32`));
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("hostile tenant (operator of A against project B)", () => {
  it("a policy attached on A's side only leaks nothing, either way", async () => {
    const pol = await engine.config.create(
      "network-policy",
      {
        fq_name: [...A, "a-to-b"],
        network_policy_entries: {
          policy_rule: [{ direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: vnB.fq_name.join(":") }], action_list: { simple_action: "pass" } }],
        },
      },
      opA,
    );
    await engine.config.update("virtual-network", vnA.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, opA);
    const ri = engine.compiler.state.instances;
    await isolated();
    expect(ri.get(vnA.uuid)!.importTargets).not.toContain(ri.get(vnB.uuid)!.routeTarget);
    expect(ri.get(vnB.uuid)!.importTargets).not.toContain(ri.get(vnA.uuid)!.routeTarget);
    // nor can A put B's side in place: B's policy on A's network, A's policy on B's network
    await refused(engine.config.update("virtual-network", vnA.uuid, { network_policy_refs: [{ uuid: pol.uuid }, { uuid: polB.uuid }] }, opA), 403, /^network_policy_refs\.1$/, /tenant-b/);
    await refused(engine.config.update("virtual-network", vnB.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, opA), 403, "", /not granted on project default-domain:tenant-b/);
    await refused(engine.config.refUpdate({ operation: "ADD", type: "virtual-network", uuid: vnB.uuid, refType: "network-policy", refUuid: pol.uuid }, opA), 403, "");
    // a one-way rule (A > B) on A's side only is no different
    await engine.config.update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: [{ direction: ">", protocol: "any", src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: "any" }], action_list: { simple_action: "pass" } }] } }, opA);
    await isolated();
  });

  it("A cannot export, import or share B's route target; system and granted route targets are refused too", async () => {
    for (const f of ["export_route_target_list", "import_route_target_list", "route_target_list"]) {
      await refused(engine.config.update("virtual-network", vnA.uuid, { [f]: { route_target: [B_RT] } }, opA), 403, `${f}.route_target.0`, /belongs to project default-domain:tenant-b/);
    }
    await refused(
      engine.config.create("virtual-network", vnBody(A, "net-a2", "10.34.3.0/24", { export_route_target_list: { route_target: ["target:64512:1", B_RT] } }), opA),
      403,
      "export_route_target_list.route_target.1",
    );
    // the automatic range stays the system's
    const autoB = engine.compiler.state.instances.get(vnB.uuid)!.routeTarget;
    await refused(engine.config.update("virtual-network", vnA.uuid, { import_route_target_list: { route_target: [autoB] } }, opA), 400, "import_route_target_list.route_target.0", /range Weft allocates automatically/);
    // an admin's grant: a route-target object gives target:64512:3403 to B only, used or not
    await engine.config.create("route-target", { fq_name: ["target:64512:3403"], project_refs: [{ uuid: engine.config.projectOf(vnB)!.uuid }] }, ADMIN);
    await refused(engine.config.update("virtual-network", vnA.uuid, { route_target_list: { route_target: ["target:64512:3403"] } }, opA), 403, "route_target_list.route_target.0");
    await refused(engine.config.create("route-target", { fq_name: ["target:64512:3404"] }, opA), 403, "", /only an admin/);
    await engine.config.update("virtual-network", vnB.uuid, { route_target_list: { route_target: [B_RT, "target:64512:3403"] } }, opB);
    // a free route target: the first project to use it owns it, and B cannot take it
    await engine.config.update("virtual-network", vnA.uuid, { route_target_list: { route_target: ["target:64512:3410"] } }, opA);
    await refused(engine.config.update("virtual-network", vnB.uuid, { import_route_target_list: { route_target: ["target:64512:3410"] } }, opB), 403, "import_route_target_list.route_target.0", /tenant-a/);
    await isolated();
    expect(engine.compiler.state.instances.get(vnA.uuid)!.importTargets).not.toContain(B_RT);
  });

  it("network ids are the system's: A cannot choose B's (nor its VXLAN id) to share B's automatic route target", async () => {
    const idB = vnB.virtual_network_network_id as number;
    await refused(engine.config.create("virtual-network", vnBody(A, "net-a3", "10.34.4.0/24", { virtual_network_network_id: idB }), opA), 403, "virtual_network_network_id", /cannot set the virtual network ID/);
    await refused(engine.config.update("virtual-network", vnA.uuid, { virtual_network_network_id: idB }, opA), 403, "virtual_network_network_id", /cannot update the virtual network ID/);
    // Contrail refuses it from anyone, admins included
    await refused(engine.config.create("virtual-network", vnBody(A, "net-a4", "10.34.5.0/24", { virtual_network_network_id: 9999 }), ADMIN), 403, "virtual_network_network_id");
    await refused(
      engine.config.update("virtual-network", vnA.uuid, { virtual_network_properties: { forwarding_mode: "l2_l3", vxlan_network_identifier: idB } }, opA),
      400,
      "virtual_network_properties.vxlan_network_identifier",
      /VXLAN id of default-domain:tenant-b:net-b/,
    );
    await isolated();
  });

  it("floating IPs: not on B's ports, not from B's pool, not from the system's pool", async () => {
    await refused(
      engine.config.create("floating-ip", { fq_name: [...poolA.fq_name, "f-on-b"], parent_type: "floating-ip-pool", virtual_machine_interface_refs: [{ uuid: wb.port.uuid }] }, opA),
      403,
      "virtual_machine_interface_refs.0",
      /own project's ports/,
    );
    const fip = await engine.config.create("floating-ip", { fq_name: [...poolA.fq_name, "f-a"], parent_type: "floating-ip-pool" }, opA);
    await refused(engine.config.update("floating-ip", fip.uuid, { virtual_machine_interface_refs: [{ uuid: wb.port.uuid }] }, opA), 403, "virtual_machine_interface_refs.0");
    await refused(engine.config.refUpdate({ operation: "ADD", type: "floating-ip", uuid: fip.uuid, refType: "virtual-machine-interface", refUuid: wb.port.uuid }, opA), 403, "virtual_machine_interface_refs.0");
    const pa = engine.config.projectOf(vnA)!;
    await refused(
      engine.config.create("floating-ip", { fq_name: [...poolB.fq_name, "f-steal"], parent_type: "floating-ip-pool", project_refs: [{ uuid: pa.uuid }] }, opA),
      403,
      "parent_uuid",
      /not shared with default-domain:tenant-a/,
    );
    await refused(
      engine.config.create("floating-ip", { fq_name: [...kubePool.fq_name, "f-vip"], parent_type: "floating-ip-pool", project_refs: [{ uuid: pa.uuid }] }, opA),
      403,
      "parent_uuid",
      /the system's/,
    );
    // nor can A move its floating IP to B, or share its pool with B
    await refused(engine.config.update("floating-ip", fip.uuid, { project_refs: [{ uuid: engine.config.projectOf(vnB)!.uuid }] }, opA), 403, "");
    // the floating IP stays unassociated: A's traffic to it reaches nothing of B's
    const r = await engine.control.trace({ portUuid: wa.port.uuid, dst: fip.floating_ip_address as string, protocol: "tcp", dstPort: 80, srcPort: 43000 });
    expect(r.delivered_to).not.toBe(wb.port.fq_name.join(":"));
    await isolated();
  });

  it("instance IPs, ports, security groups and virtual machines stay in their project", async () => {
    await refused(engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vnB.uuid }] }, opA), 403, "", /not granted on project default-domain:tenant-b/);
    await refused(engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vnB.uuid }], virtual_machine_interface_refs: [{ uuid: wb.port.uuid }] }, opA), 403, "");
    await refused(engine.config.create("virtual-machine-interface", { fq_name: [...A, "p-on-b"], virtual_network_refs: [{ uuid: vnB.uuid }], ...bind("compute-a") }, opA), 403, "virtual_network_refs.0");
    await refused(engine.config.update("virtual-machine-interface", wa.port.uuid, { security_group_refs: [{ uuid: sgB.uuid }] }, opA), 403, "security_group_refs.0");
    await refused(engine.config.update("virtual-machine-interface", wa.port.uuid, { virtual_machine_refs: [{ uuid: vmB.uuid }] }, opA), 403, "virtual_machine_refs.0", /port default-domain:tenant-b:wb/);
    await refused(engine.config.delete("virtual-machine", vmB.uuid, opA), 403, "", /tenant-b/);
    await refused(engine.config.update("virtual-machine", vmB.uuid, { display_name: "mine" }, opA), 403, "");
    // a virtual machine A made itself is A's
    const vmA = await engine.config.create("virtual-machine", { fq_name: ["vm-a"], server_type: "container" }, opA);
    await engine.config.update("virtual-machine-interface", wa.port.uuid, { virtual_machine_refs: [{ uuid: vmA.uuid }] }, opA);
    await refused(engine.config.delete("virtual-machine", vmA.uuid, opB), 403, "");
    await isolated();
  });

  it("control: once both sides allow it (B attaches its own policy too), the same traffic passes", async () => {
    // A's policy names B's network (one way, A > B: routes go both ways, the ACL keeps the
    // direction); B's own policy passes anything ("any" reaches the networks that name B)
    const pol = engine.config.getByFqName("network-policy", [...A, "a-to-b"])!;
    const oneWay = { direction: ">", protocol: "any", src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: vnB.fq_name.join(":") }], action_list: { simple_action: "pass" } };
    await engine.config.update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: [oneWay] } }, opA);
    await engine.config.update("virtual-network", vnB.uuid, { network_policy_refs: [{ uuid: polB.uuid }] }, opB);
    await until("wb's route leaked into A's VRF", () => routeIn("compute-a", vrfOf(vnA), `${wb.address}/32`));
    const ab = await engine.control.trace({ portUuid: wa.port.uuid, dst: wb.address, protocol: "tcp", dstPort: 80, srcPort: 44000 });
    expect(ab.verdict, ab.reason).toBe("delivered");
    expect(ab.delivered_to).toBe(wb.port.fq_name.join(":"));
  });
});
