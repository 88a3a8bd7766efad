// /healthz (liveness: the process answers and the config database is reachable) and /metrics
// (Prometheus text format).
import type { ServerResponse } from "node:http";
import type { Services } from "../services";

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

export async function handleMetrics(s: Services, res: ServerResponse) {
  res.writeHead(200, { "content-type": s.metrics.registry.contentType });
  res.end(await s.metrics.registry.metrics());
}
