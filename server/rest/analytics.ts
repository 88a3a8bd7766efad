// Contrail's analytics query API for flows (contrail-analytics-api, port 8081 in Contrail; here on
// the console's port): GET /analytics/tables, GET /analytics/table/<t>/schema, POST /analytics/query
// with query_rest.idl's body (table, start_time, end_time, select_fields, where, filter, sort,
// sort_fields, limit, dir) — synchronous, or asynchronous with `Expect: 202-accepted` (202 and
// /analytics/query/<qid> to poll; its chunk at /analytics/query/<qid>/chunk-final/0). Any role may
// query; authentication as for /vnc. GET /analytics/alarms and POST /analytics/alarms/acknowledge
// serve the alarm engine (server/engine/alarms) in Contrail's shape.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CONTRAIL_TABLES, contrailSchema } from "../engine/analytics";
import { WeftError } from "../engine/model/errors";
import type { Services } from "../services";
import { flowProjects } from "../auth/scope";
import { readJson, requireActor, send, sendError } from "./vnc";
import { acknowledgeAlarm } from "../engine/alarms";

function badParam(name: string, value: string): never {
  throw new WeftError("bad_request", `${name}=${value}: use true or false`, [{ field: name, message: "true or false" }]);
}

/**
 * `{"value": [...]}` written a few hundred rows at a time, one row per line (as
 * contrail-analytics-api streams it), yielding to the event loop between slices and waiting when the
 * client reads slowly: 100,000 rows never stall the process while they are serialised.
 */
async function sendRows(res: ServerResponse, rows: Record<string, unknown>[]) {
  res.writeHead(200, { "content-type": "application/json" });
  res.write(`{"value": [\n`);
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500).map((r, j) => (i + j ? ", " : "") + JSON.stringify(r)).join("\n") + "\n";
    if (!res.write(part)) await new Promise<void>((r) => res.once("drain", () => r()));
    await new Promise<void>((r) => setImmediate(r));
    if (res.destroyed) return;
  }
  res.end("]}");
}

export async function handleAnalytics(s: Services, req: IncomingMessage, res: ServerResponse, url: URL) {
  const started = process.hrtime.bigint();
  try {
    const actor = await requireActor(s, req);
    const projects = flowProjects(s, actor);
    const owner = actor.userId ?? actor.email;
    const method = req.method ?? "GET";
    const parts = url.pathname.replace(/^\/analytics\/?/, "").split("/").filter(Boolean);
    const base = `${s.baseURL.replace(/\/+$/, "")}/analytics`;
    const a = s.engine.analytics;
    if (parts.length === 1 && parts[0] === "query" && method === "POST") {
      const body = await readJson(req);
      // contrail-analytics-api's asynchronous mode: 202 and the status entity's href
      if (/202-accepted/i.test(String(req.headers.expect ?? ""))) return send(res, 202, { href: `/analytics/query/${await a.startContrailQuery(body, { projects, owner })}` });
      return sendRows(res, (await a.contrailQuery(body, { projects })).value);
    }
    if (parts.length === 2 && parts[0] === "query" && method === "GET") return send(res, 200, a.contrailQueries.status(parts[1], Date.now(), owner));
    if (parts.length === 4 && parts[0] === "query" && parts[2] === "chunk-final" && method === "GET") {
      // one row per line, as contrail-analytics-api streams a chunk (its clients read it line by line)
      return sendRows(res, a.contrailQueries.chunk(parts[1], /^\d+$/.test(parts[3]) ? Number(parts[3]) : -1, Date.now(), owner));
    }
    // contrail-analytics-api's alarms: the list (ackFilt=true|false as Contrail; cleared=true adds
    // the recent history, a Weft extension) and the acknowledgement with the listed token
    if (parts.length === 1 && parts[0] === "alarms" && method === "GET") {
      const ackFilt = url.searchParams.get("ackFilt");
      const acknowledged = ackFilt === null ? undefined : /^true$/i.test(ackFilt) ? true : /^false$/i.test(ackFilt) ? false : badParam("ackFilt", ackFilt);
      return send(res, 200, s.engine.alarms.contrailView({ acknowledged, cleared: url.searchParams.get("cleared") === "true" }));
    }
    if (parts.length === 2 && parts[0] === "alarms" && parts[1] === "acknowledge" && method === "POST") {
      const body = (await readJson(req)) as Record<string, unknown> | null;
      const missing = ["table", "name", "type", "token"].filter((k) => typeof body?.[k] !== "string" || !(body[k] as string));
      if (missing.length)
        throw new WeftError("bad_request", `acknowledge needs {table, name, type, token} as listed by GET /analytics/alarms; missing or not a string: ${missing.join(", ")}`, missing.map((field) => ({ field, message: "required string" })));
      const b = body as Record<string, string>;
      acknowledgeAlarm(s.engine, { table: b.table, name: b.name, type: b.type, token: b.token }, actor);
      return send(res, 200, {});
    }
    if (parts.length === 1 && parts[0] === "tables" && method === "GET")
      return send(res, 200, CONTRAIL_TABLES.map((name) => ({ name, href: `${base}/table/${name}`, type: "FLOW", display_name: name })));
    if (parts.length === 2 && parts[0] === "table" && method === "GET") {
      contrailSchema(parts[1]); // 404 for an unknown table
      return send(res, 200, [{ name: "schema", href: `${base}/table/${parts[1]}/schema` }]);
    }
    if (parts.length === 3 && parts[0] === "table" && parts[2] === "schema" && method === "GET") return send(res, 200, contrailSchema(parts[1]));
    throw new WeftError("not_found", `no ${method} ${url.pathname}: use GET /analytics/alarms, POST /analytics/alarms/acknowledge, GET /analytics/tables, GET /analytics/table/<table>/schema, POST /analytics/query (Expect: 202-accepted for an asynchronous query), GET /analytics/query/<qid>, GET /analytics/query/<qid>/chunk-final/0`);
  } catch (e) {
    sendError(res, e);
  } finally {
    s.metrics.observe("analytics", req.method ?? "GET", res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
