// Compute node enrolment over REST (issue 14): POST /vnc/virtual-router/<uuid>/enrolment-token
// issues a one-time token to admins only (audited), GET lists tokens and certificates without
// secrets; the token then enrols a node over the agent port and is spent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrol } from "../../server/engine/agent/credentials";
import { startServer, type TestServer } from "../helpers";

let s: TestServer;
let vr = "";

beforeAll(async () => {
  s = await startServer();
  const r = await s.as(s.admin, "/vnc/virtual-routers", { method: "POST", json: { "virtual-router": { fq_name: ["default-global-system-config", "compute-9"], virtual_router_ip_address: "127.0.31.90" } } });
  expect(r.status).toBe(200);
  vr = ((await r.json()) as { "virtual-router": { uuid: string } })["virtual-router"].uuid;
}, 60_000);

afterAll(async () => {
  await s?.stop();
});

describe("POST /vnc/virtual-router/<uuid>/enrolment-token", () => {
  it("admins only: operators and viewers get a 403 and nothing is issued", async () => {
    for (const u of [s.operator, s.viewer]) {
      const r = await s.as(u, `/vnc/virtual-router/${vr}/enrolment-token`, { method: "POST", json: {} });
      expect(r.status).toBe(403);
      expect(((await r.json()) as { message: string }).message).toMatch(/only an admin/);
    }
    expect(await s.services.engine.db.agentEnrolmentToken.count()).toBe(0);
    expect((await s.as(null, `/vnc/virtual-router/${vr}/enrolment-token`, { method: "POST", json: {} })).status).toBe(401);
  });

  it("bad input: a clear 400 (ttl) or 404 (no such virtual-router)", async () => {
    const bad = await s.as(s.admin, `/vnc/virtual-router/${vr}/enrolment-token`, { method: "POST", json: { ttl_seconds: 5 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/ttl_seconds/);
    const missing = await s.as(s.admin, "/vnc/virtual-router/00000000-0000-4000-8000-000000000000/enrolment-token", { method: "POST", json: {} });
    expect(missing.status).toBe(404);
    expect(await s.services.engine.db.agentEnrolmentToken.count()).toBe(0);
  });

  it("issues a token that enrols the node once; GET lists it as used, with the certificate; audited", async () => {
    const r = await s.as(s.admin, `/vnc/virtual-router/${vr}/enrolment-token`, { method: "POST", json: { ttl_seconds: 600 } });
    expect(r.status).toBe(200);
    const t = ((await r.json()) as { "enrolment-token": { token: string; virtual_router: string; expires_at: string; agent_command: string } })["enrolment-token"];
    expect(t.virtual_router).toBe("compute-9");
    expect(t.token).toMatch(/^WEFT1\./);
    expect(t.agent_command).toContain("--name compute-9");
    const control = `127.0.0.1:${s.services.engine.control.listenPort}`;
    const c = await enrol(control, "compute-9", t.token);
    expect(c.cert).toMatch(/BEGIN CERTIFICATE/);
    await expect(enrol(control, "compute-9", t.token)).rejects.toThrow(/already used/);
    const list = (await (await s.as(s.admin, `/vnc/virtual-router/${vr}/enrolment-token`)).json()) as { "enrolment-tokens": { state: string }[]; certificates: { revoked_at: string | null }[] };
    expect(list["enrolment-tokens"].map((x) => x.state)).toEqual(["used"]);
    expect(JSON.stringify(list)).not.toContain(t.token.split(".")[2]); // never the secret
    expect(list.certificates).toHaveLength(1);
    expect((await s.as(s.viewer, `/vnc/virtual-router/${vr}/enrolment-token`)).status).toBe(403);
    const audit = await s.services.engine.db.auditEntry.findMany({ where: { objectUuid: vr } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["enrolment-token", "enrol"]));
    expect(audit.find((a) => a.action === "enrolment-token")!.actorEmail).toBe(s.admin.email);
  });
});
