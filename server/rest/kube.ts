// The Kubernetes manager over HTTP: `kubectl apply -f` / `kubectl delete -f` for Weft. The body is
// the manifest (YAML, several documents); the answer says per document what was created or what is
// wrong (line, field, message). Authentication as for /vnc (HTTP Basic or a Bearer API token).
import type { IncomingMessage, ServerResponse } from "node:http";
import { WeftError } from "../engine/model/errors";
import { KINDS, type Kind } from "../engine/kube/resources";
import { parsePoolRef } from "../engine/kube/manager";
import type { Services } from "../services";
import { readBody, readJson, requireActor, requireWriter, send, sendError } from "./vnc";
import { requireManifestType } from "../http/guard";

const MAX_BODY = 20 * 1024 * 1024;

const readText = (req: IncomingMessage) => readBody(req, MAX_BODY, "the manifest");

const flag = (q: URLSearchParams, name: string, dflt: boolean) => {
  const v = q.get(name);
  return v === null ? dflt : v === "" || v === "true" || v === "1";
};

export async function handleKube(s: Services, req: IncomingMessage, res: ServerResponse, url: URL) {
  try {
    const actor = await requireActor(s, req);
    const kube = s.engine.kube;
    const method = req.method ?? "GET";
    const sub = url.pathname.replace(/^\/api\/v1\/kube\/?/, "");
    const q = url.searchParams;

    if (sub === "apply" && (method === "POST" || method === "DELETE")) {
      requireWriter(actor);
      requireManifestType(req.headers["content-type"]);
      const text = await readText(req);
      if (!text.trim()) throw new WeftError("bad_request", "the body is the manifest: one or more YAML documents (apiVersion, kind, metadata …)");
      const opts = { wait: flag(q, "wait", true), namespace: q.get("namespace") ?? undefined, timeoutMs: Number(q.get("timeout_ms") ?? 30_000) };
      const out = method === "POST" ? await kube.apply(text, actor, { ...opts, dryRun: flag(q, "dry_run", false) }) : await kube.deleteManifest(text, actor, opts);
      return send(res, out.ok ? 200 : 400, out.ok ? out : { code: "bad_request", message: "the manifest has errors: nothing was applied", ...out });
    }
    if (sub === "objects" && method === "GET") {
      const kind = q.get("kind") ?? undefined;
      if (kind && !(KINDS as readonly string[]).includes(kind)) throw new WeftError("bad_request", `kind: ${kind} is not one of ${KINDS.join(", ")}`);
      return send(res, 200, { objects: kube.list({ kind: kind as Kind | undefined, namespace: q.get("namespace") ?? undefined }) });
    }
    if (sub === "settings" && method === "GET") {
      return send(res, 200, { cluster: kube.cluster, public_fip_pool: kube.publicFipPool, watch: s.engine.kubeWatch?.status ?? null, counts: kube.counts() });
    }
    if (sub === "settings" && method === "PUT") {
      if (actor.role !== "admin") throw new WeftError("forbidden", `${actor.email} is ${actor.role}: only admins change the global floating IP pool`);
      const raw = await readJson(req);
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new WeftError("bad_request", "body must be a JSON object {public_fip_pool}");
      const body = raw as { public_fip_pool?: string | null };
      if (body.public_fip_pool !== undefined && body.public_fip_pool !== null && typeof body.public_fip_pool !== "string") throw new WeftError("bad_request", "public_fip_pool: a string <domain>:<project>:<network>:<pool>, or null", [{ field: "public_fip_pool", message: "must be a string or null" }]);
      let ref = null;
      try {
        ref = body.public_fip_pool ? parsePoolRef(body.public_fip_pool) : null;
      } catch (e) {
        throw new WeftError("bad_request", (e as Error).message, [{ field: "public_fip_pool", message: (e as Error).message }]);
      }
      kube.setPublicFipPool(ref);
      return send(res, 200, { public_fip_pool: ref });
    }
    throw new WeftError("not_found", `no ${method} ${url.pathname}: use POST|DELETE /api/v1/kube/apply (YAML body), GET /api/v1/kube/objects?kind=&namespace=, GET|PUT /api/v1/kube/settings`);
  } catch (e) {
    sendError(res, e);
  }
}
