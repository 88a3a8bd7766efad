// The lab traffic generator over REST (real socket, HTTP Basic): viewers read the status, operators
// and admins start and stop it, bad bodies are 400 with the field, and the OpenAPI document lists it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestServer, startServer } from "../helpers";

type J = Record<string, any>;
let s: TestServer;

beforeAll(async () => {
  s = await startServer();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

async function body(r: Response, status = 200): Promise<J> {
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as J;
}

it("status for any signed-in user, none without credentials", async () => {
  await body(await s.as(null, "/vnc/traffic-generator"), 401);
  const st = await body(await s.as(s.viewer, "/vnc/traffic-generator"));
  expect(st).toMatchObject({ running: false, flows: 0 });
});

it("a viewer may not start or stop it, and nothing starts", async () => {
  const r = await body(await s.as(s.viewer, "/vnc/traffic-generator/start", { method: "POST", json: { rate: 5 } }), 403);
  expect(r.message).toMatch(/viewer role/);
  await body(await s.as(s.viewer, "/vnc/traffic-generator/stop", { method: "POST" }), 403);
  expect(s.services.engine.analytics.traffic.status().running).toBe(false);
});

it("an operator starts it with a rate and duration, and stops it", async () => {
  const st = await body(await s.as(s.operator, "/vnc/traffic-generator/start", { method: "POST", json: { rate: 7.5, bursts: false, duration_seconds: 600, mix: { web: 1, probe: 0 } } }));
  expect(st).toMatchObject({ running: true, rate: 7.5 });
  expect(s.services.engine.analytics.traffic.status().running).toBe(true);
  const stopped = await body(await s.as(s.operator, "/vnc/traffic-generator/stop", { method: "POST" }));
  expect(stopped.running).toBe(false);
  // an empty body starts with the defaults (admin)
  expect(await body(await s.as(s.admin, "/vnc/traffic-generator/start", { method: "POST" }))).toMatchObject({ running: true, rate: 20 });
  await body(await s.as(s.admin, "/vnc/traffic-generator/stop", { method: "POST" }));
});

it("bad bodies and methods are refused with the field", async () => {
  const bad = await body(await s.as(s.admin, "/vnc/traffic-generator/start", { method: "POST", json: { rate: -1, mix: { smtp: 1 } } }), 400);
  expect(bad.issues.map((i: J) => i.field)).toEqual(expect.arrayContaining(["rate", "mix"]));
  expect(s.services.engine.analytics.traffic.status().running).toBe(false);
  await body(await s.as(s.admin, "/vnc/traffic-generator/start"), 400);
  await body(await s.as(s.admin, "/vnc/traffic-generator/restart", { method: "POST" }), 404);
});

it("is in the OpenAPI document", async () => {
  const doc = await body(await s.as(null, "/vnc/openapi.json"));
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/traffic-generator", "/traffic-generator/start", "/traffic-generator/stop"]));
  expect(doc.paths["/traffic-generator/start"].post.requestBody.content["application/json"].schema.properties.rate).toBeTruthy();
});
