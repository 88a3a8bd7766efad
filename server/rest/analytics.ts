// Contrail's analytics query API for flows (contrail-analytics-api, port 8081 in Contrail; here on
// the console's port): GET /analytics/tables, GET /analytics/table/<t>/schema, POST /analytics/query
// with query_rest.idl's body (table, start_time, end_time, select_fields, where, filter, sort,
// sort_fields, limit, dir). Any role may query; authentication as for /vnc.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CONTRAIL_TABLES, contrailSchema } from "../engine/analytics";
import { WeftError } from "../engine/model/errors";
import type { Services } from "../services";
import { readJson, requireActor, send, sendError } from "./vnc";

export async function handleAnalytics(s: Services, req: IncomingMessage, res: ServerResponse, url: URL) {
  const started = process.hrtime.bigint();
  try {
    await requireActor(s, req);
    const method = req.method ?? "GET";
    const parts = url.pathname.replace(/^\/analytics\/?/, "").split("/").filter(Boolean);
    const base = `http://${req.headers.host ?? "localhost"}/analytics`;
    if (parts.length === 1 && parts[0] === "query" && method === "POST") return send(res, 200, await s.engine.analytics.contrailQuery(await readJson(req)));
    if (parts.length === 1 && parts[0] === "tables" && method === "GET")
      return send(res, 200, CONTRAIL_TABLES.map((name) => ({ name, href: `${base}/table/${name}`, type: "FLOW", display_name: name })));
    if (parts.length === 2 && parts[0] === "table" && method === "GET") {
      contrailSchema(parts[1]); // 404 for an unknown table
      return send(res, 200, [{ name: "schema", href: `${base}/table/${parts[1]}/schema` }]);
    }
    if (parts.length === 3 && parts[0] === "table" && parts[2] === "schema" && method === "GET") return send(res, 200, contrailSchema(parts[1]));
    throw new WeftError("not_found", `no ${method} ${url.pathname}: use GET /analytics/tables, GET /analytics/table/<table>/schema, POST /analytics/query`);
  } catch (e) {
    sendError(res, e);
  } finally {
    s.metrics.observe("analytics", req.method ?? "GET", res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
