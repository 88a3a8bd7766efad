// POST /vnc/reachability, /reachability/matrix and /reachability/apply as an outside client sees
// them: the test-traffic body, the answer's shape, field errors, roles.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type TestServer, startServer, vnBody } from "../helpers";

let t: TestServer;
const P = ["default-domain", "reach-rest"];
let a = "";
let bAddress = "";

beforeAll(async () => {
  t = await startServer();
  const cfg = t.services.engine.config;
  await cfg.create("virtual-router", { fq_name: ["default-global-system-config", "vr-rest"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.38.50" }, ADMIN);
  await cfg.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  const red = await cfg.create("virtual-network", vnBody(P, "red", "10.83.0.0/24"), ADMIN);
  const blue = await cfg.create("virtual-network", vnBody(P, "blue", "10.84.0.0/24"), ADMIN);
  const bind = { virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "vr-rest" }] } };
  const pa = await cfg.create("virtual-machine-interface", { fq_name: [...P, "a"], virtual_network_refs: [{ uuid: red.uuid }], ...bind }, ADMIN);
  await cfg.create("instance-ip", { virtual_network_refs: [{ uuid: red.uuid }], virtual_machine_interface_refs: [{ uuid: pa.uuid }] }, ADMIN);
  const pb = await cfg.create("virtual-machine-interface", { fq_name: [...P, "b"], virtual_network_refs: [{ uuid: blue.uuid }], ...bind }, ADMIN);
  const iip = await cfg.create("instance-ip", { virtual_network_refs: [{ uuid: blue.uuid }], virtual_machine_interface_refs: [{ uuid: pb.uuid }] }, ADMIN);
  a = pa.uuid;
  bAddress = iip.instance_ip_address as string;
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe("REST /vnc/reachability", () => {
  it("answers verdict, steps and a suggestion for the test-traffic body", async () => {
    const r = await t.as(t.admin, "/vnc/reachability", { method: "POST", json: { port: [...P, "a"].join(":"), destination: bAddress, protocol: "tcp", dst_port: 80 } });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.verdict).toBe("denied");
    expect(body.reason).toMatch(/no route to/);
    expect(Array.isArray(body.steps) && body.steps.length).toBeTruthy();
    // no agent announces b here (no compute node is connected): joining the networks is not enough, and the answer says so
    expect(body.suggestion.verified).toBe(false);
    expect(body.suggestion.remaining).toMatch(/no route to/);
    expect(body.suggestion.changes.map((c: { action: string; type: string }) => `${c.action} ${c.type}`)).toEqual(["create network-policy", "update virtual-network", "update virtual-network"]);
    expect(typeof body.elapsed_ms).toBe("number");
  });

  it("refuses bad input field by field and writes nothing", async () => {
    const before = t.services.engine.config.count("network-policy");
    for (const [json, field, status] of [
      [{ port: a, protocol: "tcp" }, "destination", 400],
      [{ port: a, destination: bAddress, protocol: "sctp" }, "protocol", 400],
      [{ port: a, destination: bAddress, dst_port: 70000 }, "dst_port", 400],
      [{ destination: bAddress }, "port", 400],
      [{ port: "no-such-port", destination: bAddress }, "port", 404],
    ] as const) {
      const r = await t.as(t.admin, "/vnc/reachability", { method: "POST", json });
      expect(r.status, JSON.stringify(json)).toBe(status);
      const e = await r.json();
      expect(e.issues.map((i: { field: string }) => i.field)).toContain(field);
    }
    expect(t.services.engine.config.count("network-policy")).toBe(before);
  });

  it("is scoped to the caller's projects; applying needs a writer", async () => {
    const r = await t.as(t.viewer, "/vnc/reachability", { method: "POST", json: { port: a, destination: bAddress } });
    expect(r.status).toBe(403);
    const anon = await t.as(null, "/vnc/reachability", { method: "POST", json: { port: a, destination: bAddress } });
    expect(anon.status).toBe(401);
    const apply = await t.as(t.viewer, "/vnc/reachability/apply", { method: "POST", json: { changes: [{}] } });
    expect(apply.status).toBe(403);
  });

  it("a matrix: sources × destinations, one verdict per cell", async () => {
    const r = await t.as(t.admin, "/vnc/reachability/matrix", {
      method: "POST",
      json: { sources: [[...P, "red"].join(":"), a], destinations: [[...P, "blue"].join(":"), bAddress, "192.0.2.1"], protocol: "tcp", dst_port: 443 },
    });
    expect(r.status).toBe(200);
    const m = await r.json();
    expect(m.sources.map((s: { label: string }) => s.label)).toEqual(["default-domain:reach-rest:red", "default-domain:reach-rest:a"]);
    expect(m.destinations.map((d: { address: string }) => d.address)).toEqual([bAddress, bAddress, "192.0.2.1"]);
    expect(m.cells).toHaveLength(2);
    for (const row of m.cells) {
      expect(row).toHaveLength(3);
      for (const c of row) expect(c.verdict).toBe("denied");
    }
    const tooBig = await t.as(t.admin, "/vnc/reachability/matrix", { method: "POST", json: { sources: Array(101).fill(a), destinations: [bAddress] } });
    expect(tooBig.status).toBe(400);
  });
});
