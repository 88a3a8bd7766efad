// The lab's traffic generator over REST (the console's Monitor › Flows button and tRPC
// flows.traffic.* do the same): GET /vnc/traffic-generator (status), POST
// /vnc/traffic-generator/start {rate, bursts, duration_seconds, mix}, POST
// /vnc/traffic-generator/stop. Starting and stopping need operator or admin, as test traffic does.
// Like test traffic, these are actions on the lab, not config changes: they are not in the audit log.
import { z } from "zod";
import { WeftError } from "../engine/model/errors";
import type { Actor } from "../engine/config/api";
import type { Services } from "../services";

export const TrafficStartSchema = z
  .object({
    rate: z.number().min(0.1).max(50_000).default(20).describe("new flows per second"),
    bursts: z.boolean().default(true).describe("occasional 5× bursts for a few seconds"),
    duration_seconds: z.number().int().min(1).max(86_400).optional().describe("stop by itself after this many seconds"),
    mix: z
      .object({ web: z.number().min(0), db: z.number().min(0), dns: z.number().min(0), admin: z.number().min(0), probe: z.number().min(0) })
      .partial()
      .strict()
      .optional()
      .describe("relative weights of the patterns (defaults web 5, db 2, dns 3, admin 1, probe 0.5)"),
  })
  .strict();

function requireOperator(actor: Actor, what: string) {
  if (actor.role === "viewer") throw new WeftError("forbidden", `${actor.email} has the viewer role: ${what} needs operator or admin`);
}

/** Handles /vnc/traffic-generator[/start|/stop]; returns undefined when the path is not one of them. */
export function trafficGenerator(s: Services, actor: Actor, method: string, parts: string[], body: () => Promise<Record<string, unknown>>): Promise<unknown> | undefined {
  if (parts[0] !== "traffic-generator" || parts.length > 2) return undefined;
  const action = parts[1] ?? "";
  const analytics = s.engine.analytics;
  if (action === "" && method === "GET") return Promise.resolve(analytics.traffic.status());
  if (action === "start" && method === "POST")
    return (async () => {
      requireOperator(actor, "starting the traffic generator");
      const parsed = TrafficStartSchema.safeParse(await body());
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "body", message: i.message }));
        throw new WeftError("bad_request", issues.map((i) => `${i.field}: ${i.message}`).join("; "), issues);
      }
      const b = parsed.data;
      return analytics.startTraffic({ rate: b.rate, bursts: b.bursts, mix: b.mix, durationMs: b.duration_seconds ? b.duration_seconds * 1000 : undefined });
    })();
  if (action === "stop" && method === "POST")
    return (async () => {
      requireOperator(actor, "stopping the traffic generator");
      return analytics.stopTraffic();
    })();
  if (action === "" || action === "start" || action === "stop")
    throw new WeftError("bad_request", `${method} is not allowed on /vnc/traffic-generator${action ? `/${action}` : ""}: use ${action ? "POST" : "GET"}`);
  throw new WeftError("not_found", `no such resource: /vnc/traffic-generator/${action} (status: GET /vnc/traffic-generator; POST …/start, …/stop)`);
}
