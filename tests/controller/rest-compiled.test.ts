// Compiled objects through the VNC REST API, as Contrail shows them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startServer, vnBody } from "../helpers";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

const json = async (r: Response) => (await r.json()) as Record<string, any>;

describe("routing-instance and route-target via /vnc", () => {
  it("a VN has a routing-instance child with route_target_refs to target:<ASN>:<n>", async () => {
    await s.as(s.admin, "/vnc/projects", { method: "POST", json: { project: { fq_name: ["default-domain", "rc"], parent_type: "domain" } } });
    const vn = (await json(await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "rc"], "web", "10.5.0.0/24") } })))["virtual-network"];
    await new Promise((r) => setTimeout(r, 50));
    const got = (await json(await s.as(s.viewer, `/vnc/virtual-network/${vn.uuid}`)))["virtual-network"];
    expect(got.routing_instances).toHaveLength(1);
    expect(got.routing_instances[0].to).toEqual(["default-domain", "rc", "web", "web"]);
    const ri = (await json(await s.as(s.viewer, `/vnc/routing-instance/${got.routing_instances[0].uuid}`)))["routing-instance"];
    expect(ri).toMatchObject({ parent_type: "virtual-network", parent_uuid: vn.uuid, fq_name: ["default-domain", "rc", "web", "web"] });
    const rt = `target:64512:${8000000 + vn.virtual_network_network_id}`;
    expect(ri.route_target_refs).toEqual([expect.objectContaining({ to: [rt], attr: { import_export: null } })]);
    const list = await json(await s.as(s.viewer, `/vnc/routing-instances?parent_id=${vn.uuid}&detail=true`));
    expect(list["routing-instances"]).toHaveLength(1);
    const rts = await json(await s.as(s.viewer, "/vnc/route-targets"));
    expect(rts["route-targets"].map((r: { fq_name: string[] }) => r.fq_name[0])).toContain(rt);
    const id = await json(await s.as(s.viewer, "/vnc/fqname-to-id", { method: "POST", json: { type: "route-target", fq_name: [rt] } }));
    const target = (await json(await s.as(s.viewer, `/vnc/route-target/${id.uuid}`)))["route-target"];
    expect(target.routing_instance_back_refs[0].uuid).toBe(ri.uuid);
    const refused = await s.as(s.admin, "/vnc/routing-instances", { method: "POST", json: { "routing-instance": { fq_name: ["x"] } } });
    expect(refused.status).toBe(405);
    expect((await json(refused)).message).toMatch(/compiled from virtual networks/);
  });

  it("an admin grants a route target with a route-target object (POST /vnc/route-targets); operators may not, and it is listed with the compiled ones", async () => {
    const project = (await json(await s.as(s.admin, "/vnc/fqname-to-id", { method: "POST", json: { type: "project", fq_name: ["default-domain", "rc"] } }))).uuid;
    const made = await s.as(s.admin, "/vnc/route-targets", { method: "POST", json: { "route-target": { fq_name: ["target:64512:4242"], project_refs: [{ uuid: project }] } } });
    expect(made.status, await made.clone().text()).toBe(200);
    const rt = (await json(made))["route-target"];
    expect(rt.project_refs[0].uuid).toBe(project);
    const listed = await json(await s.as(s.viewer, "/vnc/route-targets"));
    expect(listed["route-targets"].filter((r: { fq_name: string[] }) => r.fq_name[0] === "target:64512:4242")).toHaveLength(1);
    const id = await json(await s.as(s.viewer, "/vnc/fqname-to-id", { method: "POST", json: { type: "route-target", fq_name: ["target:64512:4242"] } }));
    expect(id.uuid).toBe(rt.uuid);
    expect((await json(await s.as(s.viewer, `/vnc/route-target/${rt.uuid}`)))["route-target"].project_refs[0].uuid).toBe(project);
    const byOperator = await s.as(s.operator, "/vnc/route-targets", { method: "POST", json: { "route-target": { fq_name: ["target:64512:4243"] } } });
    expect(byOperator.status).toBe(403);
    const system = await s.as(s.admin, "/vnc/route-targets", { method: "POST", json: { "route-target": { fq_name: ["target:64512:8000123"] } } });
    expect(system.status).toBe(400);
    expect((await json(system)).message).toMatch(/allocates automatically/);
    expect((await s.as(s.admin, `/vnc/route-target/${rt.uuid}`, { method: "DELETE" })).status).toBe(200);
  });

  it("test traffic needs a bound port and refuses viewers", async () => {
    const vn = (await json(await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "rc"], "tt", "10.6.0.0/24") } })))["virtual-network"];
    const port = (await json(await s.as(s.admin, "/vnc/virtual-machine-interfaces", { method: "POST", json: { "virtual-machine-interface": { fq_name: ["default-domain", "rc", "tp"], virtual_network_refs: [{ uuid: vn.uuid }] } } })))["virtual-machine-interface"];
    await new Promise((r) => setTimeout(r, 50));
    const viewer = await s.as(s.viewer, "/vnc/test-traffic", { method: "POST", json: { port: port.uuid, destination: "10.6.0.1" } });
    expect(viewer.status).toBe(403);
    const unbound = await s.as(s.admin, "/vnc/test-traffic", { method: "POST", json: { port: port.uuid, destination: "10.6.0.1" } });
    expect(unbound.status).toBe(400);
    expect((await json(unbound)).message).toMatch(/host_id/);
    const missing = await s.as(s.admin, "/vnc/test-traffic", { method: "POST", json: { port: "default-domain:rc:nope", destination: "10.6.0.1" } });
    expect(missing.status).toBe(404);
  });
});
