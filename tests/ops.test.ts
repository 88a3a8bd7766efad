import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startServer, vnBody } from "./helpers";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

describe("/healthz and /metrics", () => {
  it("healthz says the database is reachable", async () => {
    const r = await fetch(`${s.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "ok", db: "ok" });
  });

  it("metrics count requests, objects and allocation failures", async () => {
    await s.as(s.admin, "/vnc/projects", { method: "POST", json: { project: { fq_name: ["default-domain", "m"], parent_type: "domain" } } });
    await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "m"], "tiny", "10.0.0.0/30") } });
    const vn = (await (await s.as(s.admin, "/vnc/fqname-to-id", { method: "POST", json: { type: "virtual-network", fq_name: ["default-domain", "m", "tiny"] } })).json()) as { uuid: string };
    // a /30 without gateway/DNS room: allocation fails, counted
    for (let i = 0; i < 3; i++) {
      await s.as(s.admin, "/vnc/instance-ips", { method: "POST", json: { "instance-ip": { virtual_network_refs: [{ uuid: vn.uuid }] } } });
    }
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/weft_http_requests_total\{surface="vnc",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/weft_http_request_duration_seconds_bucket\{le="0.005",surface="vnc",method="POST"\}/);
    expect(text).toMatch(/weft_config_objects\{type="virtual-network"\} 1/);
    const failures = Number(/weft_ipam_allocation_failures_total (\d+)/.exec(text)?.[1]);
    expect(failures).toBeGreaterThanOrEqual(1);
  });
});
