// /healthz (liveness: the process answers and the config database is reachable) and /metrics
// (Prometheus text format).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "../services";
import { actorOf } from "../rest/vnc";

export async function handleHealthz(s: Services, res: ServerResponse) {
  try {
    await s.engine.db.$queryRawUnsafe("SELECT 1");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        status: "ok",
        db: "ok",
        uptimeSeconds: Math.round(process.uptime()),
        changeSeq: s.engine.config.lastSeq,
        agentsUp: [...s.engine.control.agents.values()].filter((a) => a.state === "Up").length,
      }),
    );
  } catch (e) {
    res.writeHead(503, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "error", db: (e as Error).message }));
  }
}

/** WEFT_METRICS_AUTH: "none" (default: Prometheus scrapes without credentials) or "token" (an API token or Basic credentials of any user). */
export function metricsAuth(): "none" | "token" {
  const v = (process.env.WEFT_METRICS_AUTH ?? "none").toLowerCase();
  if (v === "none" || v === "token") return v;
  throw new Error(`WEFT_METRICS_AUTH: "${v}" is not none or token`);
}

export async function handleMetrics(s: Services, res: ServerResponse, req?: IncomingMessage) {
  if (metricsAuth() === "token") {
    const actor = req && (req.headers.authorization ?? "") ? await actorOf(s, req, "api").catch(() => null) : null;
    if (!actor) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="weft-metrics"' });
      res.end("metrics need credentials (WEFT_METRICS_AUTH=token): Authorization: Bearer <API token>\n");
      return;
    }
  }
  res.writeHead(200, { "content-type": s.metrics.registry.contentType });
  res.end(await s.metrics.registry.metrics());
}
