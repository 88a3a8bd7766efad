// GET /analytics/alarms and POST /analytics/alarms/acknowledge over a real socket: an address
// pool filled above 90 % raises AddressPoolUsage from IPAM's real state; who may acknowledge;
// a wrong token or a missing field is a clear 400; ackFilt as Contrail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type TestServer, startServer, vnBody } from "../helpers";

type J = Record<string, any>;
let s: TestServer;
const P = ["default-domain", "alarm-project"];

beforeAll(async () => {
  s = await startServer();
  const cfg = s.services.engine.config;
  await cfg.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  const vn = await cfg.create("virtual-network", vnBody(P, "small", "10.77.0.0/29"), ADMIN);
  // a /29 leaves 4 pool addresses after the gateway and DNS: take all of them
  for (let i = 0; i < 4; i++) await cfg.create("instance-ip", { fq_name: [`alarm-iip-${i}`], virtual_network_refs: [{ uuid: vn.uuid }] }, ADMIN);
  s.services.engine.alarms.tick();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

async function alarms(query = "", user = s.viewer): Promise<J> {
  const r = await s.as(user, `/analytics/alarms${query}`);
  expect(r.status).toBe(200);
  return (await r.json()) as J;
}

describe("/analytics/alarms", () => {
  it("lists a full pool in Contrail's shape; needs credentials", async () => {
    expect((await s.as(null, "/analytics/alarms")).status).toBe(401);
    const body = await alarms();
    const row = body["virtual-network"].find((r: J) => r.name === "default-domain:alarm-project:small");
    const a = row.value.UVEAlarms.alarms[0];
    expect(a).toMatchObject({ type: "AddressPoolUsage", severity: 1, ack: false, weft_state: "raised" });
    expect(a.description).toBe("default-domain:alarm-project:small: 10.77.0.0/29 4 of 4 pool addresses in use (100 %)");
    expect(typeof a.token).toBe("string");
    expect((await s.as(s.viewer, "/analytics/alarms?ackFilt=maybe")).status).toBe(400);
  });

  it("acknowledges with the listed token: not as a viewer, not as an operator outside the project, not with a wrong token", async () => {
    const a = (await alarms())["virtual-network"][0].value.UVEAlarms.alarms[0];
    const req = { table: "virtual-network", name: "default-domain:alarm-project:small", type: "AddressPoolUsage", token: a.token };
    const ack = (user: { email: string; password: string }, json: unknown) => s.as(user, "/analytics/alarms/acknowledge", { method: "POST", json });
    expect((await ack(s.viewer, req)).status).toBe(403);
    const op = await ack(s.operator, req);
    expect(op.status).toBe(403);
    expect(JSON.stringify(await op.json())).toContain("not in one of their projects");
    const missing = await ack(s.admin, { table: "virtual-network", name: req.name });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("missing or not a string: type, token");
    const wrong = await ack(s.admin, { ...req, token: Buffer.from("{}").toString("base64") });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain("earlier raise");
    expect((await ack(s.admin, { ...req, name: "default-domain:alarm-project:nope" })).status).toBe(404);
    expect((await alarms("?ackFilt=true"))["virtual-network"]).toBeUndefined();
    const ok = await ack(s.admin, req);
    expect(ok.status).toBe(200);
    const acked = (await alarms("?ackFilt=true"))["virtual-network"][0].value.UVEAlarms.alarms[0];
    expect(acked).toMatchObject({ ack: true, weft_state: "acknowledged", weft_acknowledged_by: "admin@test.weft" });
    expect((await alarms("?ackFilt=false"))["virtual-network"]).toBeUndefined();
  });

  it("clears when the pool has room again, and lists it with cleared=true", async () => {
    const cfg = s.services.engine.config;
    const iip = cfg.getByFqName("instance-ip", ["alarm-iip-0"])!;
    await cfg.delete("instance-ip", iip.uuid, ADMIN);
    s.services.engine.alarms.tick();
    expect((await alarms())["virtual-network"]).toBeUndefined();
    const history = (await alarms("?cleared=true"))["virtual-network"][0].value.UVEAlarms.alarms[0];
    expect(history).toMatchObject({ type: "AddressPoolUsage", weft_state: "cleared" });
  });
});
