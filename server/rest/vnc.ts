// The REST API under /vnc, compatible with the Contrail / Tungsten Fabric VNC config API:
// hyphenated type names, `{ "<type>": {...} }` bodies, fq_name arrays, `<x>_refs` with to/attr,
// fqname-to-id, id-to-fqname, ref-update. Authentication: HTTP Basic (email:password) or a
// Bearer API token. Thin: parse, authenticate, one engine call, shape the answer.
import type { IncomingMessage, ServerResponse } from "node:http";
import { WeftError, fieldError, isWeftError } from "../engine/model/errors";
import { type ObjectType, OBJECT_TYPES, isObjectType } from "../engine/model/types";
import type { Actor } from "../engine/config/api";
import { renderObject } from "../engine/config/view";
import type { Services } from "../services";
import { openApiDocument } from "./openapi";
import { applySuggestion, reachability, reachabilityMatrix } from "./reachability";
import { COMPILED_TYPES, compiledFqNameToId, routeCompiled, routingInstanceChildren, testTraffic } from "./compiled";
import { trafficGenerator } from "./traffic";
import { bgpRouters } from "../engine/control/views";
import { CLIENT_IP_HEADER, checkWriteOrigin, clientIp, parseJsonBody, requireJsonType } from "../http/guard";
import { logger } from "../engine/log";

const MAX_BODY = 10 * 1024 * 1024;
const COLLECTIONS = new Map<string, ObjectType>(OBJECT_TYPES.map((t) => [`${t}s`, t]));

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: unknown) {
  if (isWeftError(e)) {
    const headers: Record<string, string> = e.code === "unauthorized" ? { "www-authenticate": 'Basic realm="weft", charset="UTF-8"' } : {};
    const retry = (e.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (e.code === "too_many_requests" && retry) headers["retry-after"] = String(retry);
    return send(res, e.status, { code: e.code, message: e.message, issues: e.issues, ...(e.details ? { details: e.details } : {}) }, headers);
  }
  // a stack overflow is always the input's depth (a manifest or body nested past what any parser walks)
  if (e instanceof RangeError && /call stack/i.test(e.message)) return send(res, 400, { code: "bad_request", message: "the input is nested too deeply", issues: [{ field: "body", message: "nested too deeply" }] });
  logger("http").error({ err: e }, "vnc: unexpected error");
  send(res, 500, { code: "internal", message: `internal error: ${(e as Error).message}` });
}

/** The request body as text, refused past `max` bytes. */
export async function readBody(req: IncomingMessage, max = MAX_BODY, what = "body"): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new WeftError("bad_request", `${what} is larger than ${max / 1024 / 1024} MiB`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON body: Content-Type application/json, at most 64 levels deep, strings at most 64 KiB. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  requireJsonType(req.headers["content-type"]);
  const text = await readBody(req);
  if (!text.trim()) throw new WeftError("bad_request", "the request needs a JSON body");
  return parseJsonBody(text);
}

/** A JSON object body (the helper endpoints read fields off it). */
async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const b = await readJson(req);
  if (!b || typeof b !== "object" || Array.isArray(b)) throw new WeftError("bad_request", "body must be a JSON object");
  return b as Record<string, unknown>;
}

/** `{ "virtual-network": {...} }` → the inner object, with a clear error otherwise. */
function unwrap(type: ObjectType, body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new WeftError("bad_request", `body must be a JSON object {"${type}": {...}}`);
  const inner = (body as Record<string, unknown>)[type];
  if (!inner || typeof inner !== "object" || Array.isArray(inner)) {
    const keys = Object.keys(body as object);
    throw new WeftError("bad_request", `body must be wrapped as {"${type}": {...}}${keys.length ? `; got key(s) ${keys.join(", ")}` : ""}`);
  }
  return inner as Record<string, unknown>;
}

/** Weft's addition to Contrail's answer: `warnings` next to the object, only when there are some. */
function withWarnings(warnings: string[], body: Record<string, unknown>) {
  return warnings.length ? { ...body, warnings } : body;
}

function typeOrNotFound(name: string): ObjectType {
  if (!isObjectType(name)) throw new WeftError("not_found", `unknown type "${name}"; types: ${OBJECT_TYPES.join(", ")}`);
  return name;
}

export function requireWriter(actor: Actor) {
  if (actor.role === "viewer") throw new WeftError("forbidden", `${actor.email} has the viewer role: read-only access`);
}

function listFilters(q: URLSearchParams): Record<string, unknown> | undefined {
  // Contrail: filters=router_external==true,is_shared==false
  const raw = q.get("filters");
  if (!raw) return undefined;
  const out: Record<string, unknown> = {};
  for (const part of raw.split(",")) {
    const m = /^([A-Za-z0-9_]+)==(.*)$/.exec(part);
    if (!m) throw new WeftError("bad_request", `filters: "${part}" is not <field>==<value>`);
    let v: unknown = m[2];
    try {
      v = JSON.parse(m[2]);
    } catch {
      // a bare string
    }
    out[m[1]] = v;
  }
  return out;
}

/** The caller of a REST request (HTTP Basic or a Bearer API token); weftctl says so in x-weft-client. */
export async function actorOf(s: Services, req: IncomingMessage, source: Actor["source"] = req.headers["x-weft-client"] === "weftctl" ? "cli" : "api"): Promise<Actor | null> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  // the client's address as the server sees it (X-Forwarded-For only from WEFT_TRUSTED_PROXIES)
  headers.set(CLIENT_IP_HEADER, clientIp(req));
  return s.accounts.actorFromHeaders(headers, source);
}

/**
 * actorOf, or 401. A write (any method but GET/HEAD/OPTIONS) from a browser must come from the
 * console's origin: checked first, so a forged request learns nothing and writes nothing.
 */
export async function requireActor(s: Services, req: IncomingMessage): Promise<Actor> {
  checkWriteOrigin({ method: req.method ?? "GET", header: (n) => (typeof req.headers[n] === "string" ? (req.headers[n] as string) : undefined) }, s.baseURL);
  const actor = await actorOf(s, req);
  if (!actor) throw new WeftError("unauthorized", "authentication required: HTTP Basic (email:password) or Authorization: Bearer <API token>");
  return actor;
}

export async function handleVnc(s: Services, req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
  const started = process.hrtime.bigint();
  let status = 500;
  const orig = res.writeHead.bind(res);
  res.writeHead = ((code: number, ...rest: unknown[]) => {
    status = code;
    return (orig as (...a: unknown[]) => ServerResponse)(code, ...rest);
  }) as typeof res.writeHead;
  try {
    await route(s, req, res, url);
  } catch (e) {
    sendError(res, e);
  } finally {
    s.metrics.observe("vnc", req.method ?? "GET", status, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return status;
}

async function route(s: Services, req: IncomingMessage, res: ServerResponse, url: URL) {
  const svc = s.engine.config;
  const method = req.method ?? "GET";
  const parts = url.pathname.replace(/^\/vnc\/?/, "").split("/").filter(Boolean);
  // links name the configured address (WEFT_BASE_URL), never the request's Host header
  const base = `${s.baseURL.replace(/\/+$/, "")}/vnc`;

  if (parts[0] === "openapi.json" && method === "GET") return send(res, 200, openApiDocument(base));

  const actor = await requireActor(s, req);

  if (parts.length === 0 && method === "GET") {
    return send(res, 200, {
      href: base,
      links: [...OBJECT_TYPES, ...COMPILED_TYPES].map((t) => ({ link: { rel: "collection", href: `${base}/${t}s`, name: t } })),
    });
  }

  if (routeCompiled(s, parts, method, url, base, res, send)) return;

  // operational state of every bgp-router (the BGP router page's view): session state and why,
  // prefixes, RFC 7606 outcomes and routes set aside per peer; read-only, any role
  if (parts[0] === "bgp-router-status" && method === "GET" && parts.length <= 2) {
    const all = bgpRouters(s.engine);
    if (parts.length === 1) return send(res, 200, { "bgp-router-status": all });
    const one = all.find((r) => r.uuid === parts[1] || r.fq_name.join(":") === parts[1]);
    if (!one) throw new WeftError("not_found", `bgp-router ${parts[1]} not found (give its uuid or fq_name joined with ':')`);
    return send(res, 200, { "bgp-router-status": one });
  }

  if (parts[0] === "reachability" && method === "POST" && parts.length <= 2) {
    const body = (await readObject(req)) as Record<string, unknown>;
    if (parts.length === 1) return send(res, 200, await reachability(s, actor, body));
    if (parts[1] === "apply") return send(res, 200, await applySuggestion(s, actor, body));
    if (parts[1] === "matrix") return send(res, 200, await reachabilityMatrix(s, actor, body));
  }

  if (parts.length === 1 && parts[0] === "test-traffic" && method === "POST") {
    return send(res, 200, await testTraffic(s, actor, (await readObject(req)) as Record<string, unknown>));
  }

  const traffic = trafficGenerator(s, actor, method, parts, async () => {
    // an empty body is a start with the defaults
    if ((!req.headers["content-length"] || req.headers["content-length"] === "0") && !req.headers["transfer-encoding"]) return {};
    return readObject(req);
  });
  if (traffic) return send(res, 200, await traffic);

  if (parts.length === 1 && parts[0] === "fqname-to-id" && method === "POST") {
    const b = (await readObject(req)) as { type?: string; fq_name?: string[] };
    if (!Array.isArray(b.fq_name)) throw new WeftError("bad_request", "fq_name: must be a list of names");
    const compiled = compiledFqNameToId(s, String(b.type ?? ""), b.fq_name);
    if (compiled) return send(res, 200, { uuid: compiled });
    if (compiled === null) throw new WeftError("not_found", `${b.type} ${b.fq_name.join(":")} not found`);
    const type = typeOrNotFound(String(b.type ?? ""));
    const o = svc.getByFqName(type, b.fq_name);
    if (!o) throw new WeftError("not_found", `${type} ${b.fq_name.join(":")} not found`);
    return send(res, 200, { uuid: o.uuid });
  }

  if (parts.length === 1 && parts[0] === "id-to-fqname" && method === "POST") {
    const b = (await readObject(req)) as { uuid?: string };
    const o = typeof b.uuid === "string" ? svc.find(b.uuid) : undefined;
    if (!o) throw new WeftError("not_found", `uuid ${b.uuid} not found`);
    return send(res, 200, { type: o.type, fq_name: o.fq_name });
  }

  if (parts.length === 1 && parts[0] === "ref-update" && method === "POST") {
    requireWriter(actor);
    const b = await readObject(req);
    const op = String(b.operation ?? "").toUpperCase();
    if (op !== "ADD" && op !== "DELETE") throw new WeftError("bad_request", "operation: must be ADD or DELETE");
    const o = await svc.refUpdate(
      {
        operation: op,
        type: typeOrNotFound(String(b.type ?? "")),
        uuid: String(b.uuid ?? ""),
        refType: typeOrNotFound(String(b["ref-type"] ?? "")),
        refUuid: typeof b["ref-uuid"] === "string" ? b["ref-uuid"] : undefined,
        refFqName: Array.isArray(b["ref-fq-name"]) ? (b["ref-fq-name"] as string[]) : undefined,
        attr: b.attr ?? undefined,
      },
      actor,
    );
    return send(res, 200, { uuid: o.uuid });
  }

  const collectionType = parts.length === 1 ? COLLECTIONS.get(parts[0]) : undefined;
  if (collectionType) {
    const type = collectionType;
    const key = `${type}s`;
    if (method === "GET") {
      const q = url.searchParams;
      const csv = (k: string) => q.get(k)?.split(",").filter(Boolean);
      let items = svc.list(type, {
        parentUuid: csv("parent_id"),
        uuids: csv("obj_uuids"),
        filters: listFilters(q),
        fqName: q.get("fq_name_str")?.split(":"),
      });
      const backRef = csv("back_ref_id");
      if (backRef) {
        const want = new Set(backRef);
        items = items.filter((o) => Object.entries(o).some(([k, v]) => k.endsWith("_refs") && Array.isArray(v) && v.some((r) => want.has((r as { uuid: string }).uuid))));
      }
      // Contrail's python client sends Python booleans: detail=True
      const flag = (k: string) => q.get(k)?.toLowerCase() === "true";
      if (flag("count")) return send(res, 200, { [key]: { count: items.length } });
      if (flag("detail")) {
        const fields = csv("fields");
        return send(res, 200, { [key]: items.map((o) => ({ [type]: renderObject(svc, o, { base, fields }) })) });
      }
      const fields = csv("fields");
      return send(res, 200, {
        [key]: items.map((o) => {
          const entry: Record<string, unknown> = { href: `${base}/${type}/${o.uuid}`, fq_name: o.fq_name, uuid: o.uuid };
          if (fields) Object.assign(entry, renderObject(svc, o, { base, fields }));
          return entry;
        }),
      });
    }
    if (method === "POST") {
      requireWriter(actor);
      const body = unwrap(type, await readJson(req));
      const o = await svc.create(type, body, actor);
      return send(res, 200, withWarnings(svc.warningsFor(o), { [type]: renderObject(svc, o, { base }) }));
    }
    throw new WeftError("bad_request", `${method} is not allowed on /vnc/${key}: use GET or POST`);
  }

  // compute node enrolment (issue 14): a one-time token for a virtual-router, admins only
  if (parts.length === 3 && parts[0] === "virtual-router" && parts[2] === "enrolment-token") {
    if (actor.role !== "admin") throw new WeftError("forbidden", `${actor.email}: only an admin may issue or list compute node enrolment tokens`);
    const vr = svc.get("virtual-router", parts[1]);
    if (method === "POST") {
      const empty = (!req.headers["content-length"] || req.headers["content-length"] === "0") && !req.headers["transfer-encoding"];
      const b = empty ? {} : await readObject(req);
      const ttl = b.ttl_seconds === undefined ? undefined : Number(b.ttl_seconds);
      if (b.ttl_seconds !== undefined && typeof b.ttl_seconds !== "number") throw fieldError("ttl_seconds", "must be a number of seconds");
      const t = await s.engine.trust.issueToken(vr.uuid, actor, ttl);
      return send(res, 200, {
        "enrolment-token": {
          ...t,
          control: `${s.engine.control.opts.host}:${s.engine.control.listenPort}`,
          agent_command: `WEFT_ENROL_TOKEN=${t.token} npm run agent -- --control <control-node>:${s.engine.control.listenPort} --name ${vr.name} --address ${(vr.virtual_router_ip_address as string | undefined) ?? "<address>"}`,
        },
      });
    }
    if (method === "GET") {
      return send(res, 200, {
        "enrolment-tokens": await s.engine.trust.tokens(vr.uuid),
        certificates: s.engine.trust.certificatesOf(vr.uuid).map((c) => ({
          serial: c.serial,
          issued_at: c.issuedAt.toISOString(),
          not_after: c.notAfter.toISOString(),
          fingerprint: c.fingerprint,
          revoked_at: c.revokedAt?.toISOString() ?? null,
          revoked_why: c.revokedWhy,
        })),
      });
    }
    throw new WeftError("bad_request", `${method} is not allowed on /vnc/virtual-router/<uuid>/enrolment-token: use POST (issue) or GET (list)`);
  }

  if (parts.length === 2) {
    const type = typeOrNotFound(parts[0]);
    const uuid = parts[1];
    if (method === "GET") {
      const fields = url.searchParams.get("fields")?.split(",").filter(Boolean);
      const o = renderObject(svc, svc.get(type, uuid), { base, fields });
      if (type === "virtual-network" && (!fields || fields.includes("routing_instances"))) o.routing_instances = routingInstanceChildren(s, uuid, base);
      return send(res, 200, { [type]: o });
    }
    if (method === "PUT") {
      requireWriter(actor);
      const body = unwrap(type, await readJson(req));
      // the engine compares with !==: a string "3" would be reported as a stale version
      if (body.resource_version !== undefined && !Number.isInteger(body.resource_version)) {
        throw fieldError("resource_version", "must be an integer: the resource_version of the object the update is based on");
      }
      const o = await svc.update(type, uuid, body, actor);
      return send(res, 200, withWarnings(svc.warningsFor(o), { [type]: renderObject(svc, o, { base }) }));
    }
    if (method === "DELETE") {
      requireWriter(actor);
      await svc.delete(type, uuid, actor);
      return send(res, 200, {});
    }
    throw new WeftError("bad_request", `${method} is not allowed on /vnc/${type}/<uuid>: use GET, PUT or DELETE`);
  }

  throw new WeftError("not_found", `no such resource: ${url.pathname}`);
}
