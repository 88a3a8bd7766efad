import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startServer, vnBody } from "./helpers";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

describe("REST smoke", () => {
  it("creates a project and a VN, and refuses a viewer's write", async () => {
    const p = await s.as(s.admin, "/vnc/projects", { method: "POST", json: { project: { fq_name: ["default-domain", "smoke"], parent_type: "domain" } } });
    expect(p.status).toBe(200);
    const vn = await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "smoke"], "vn1") } });
    expect(vn.status).toBe(200);
    const body = (await vn.json()) as { "virtual-network": { network_ipam_refs: { attr: { ipam_subnets: { default_gateway: string }[] } }[] } };
    expect(body["virtual-network"].network_ipam_refs[0].attr.ipam_subnets[0].default_gateway).toBe("10.0.0.254");
    const denied = await s.as(s.viewer, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "smoke"], "vn2") } });
    expect(denied.status).toBe(403);
    const list = (await (await s.as(s.viewer, "/vnc/virtual-networks")).json()) as { "virtual-networks": { fq_name: string[] }[] };
    expect(list["virtual-networks"].map((v) => v.fq_name.join(":"))).toEqual(["default-domain:smoke:vn1"]);
    expect((await s.as(null, "/vnc/virtual-networks")).status).toBe(401);
  });
});
