// A bad filter through tRPC (the explorer's path): 400 with the position and length in data.details,
// which the filter bar uses to underline the offending text.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appRouter } from "../../server/api/root";
import { type TestServer, startServer } from "../helpers";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

it("flows.series with a bad filter answers BAD_REQUEST with details { position, length }", async () => {
  const input = encodeURIComponent(JSON.stringify({ last: "5m", filter: 'src_vn = "x" AND action = maybe' }));
  const req = new Request(`http://localhost/api/trpc/flows.series?input=${input}`);
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({ services: s.services, actor: { userId: null, email: "admin@test", role: "admin" as const, source: "console" as const } }),
  });
  const body = (await res.json()) as { error: { message: string; data: { code: string; httpStatus: number; details?: { position: number; length: number } } } };
  expect(res.status).toBe(400);
  expect(body.error.data.code).toBe("BAD_REQUEST");
  expect(body.error.message).toBe('position 27: action is one of pass, deny, drop; "maybe" is not');
  expect(body.error.data.details).toMatchObject({ position: 26, length: 5 });
});
