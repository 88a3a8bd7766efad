// Floating IPs for services and ingresses (seed 004: a service VIP is a floating IP on every backing
// pod's port, ECMP), and the pool a LoadBalancer service or an ingress takes its external IP from
// (seed 001: object annotation > namespace annotation > the global pool).
import type { Actor } from "../../config/api";
import { type ConfigObject, type Ref } from "../../model/types";
import { FIP_POOL, type KubeContext, type PoolRef, refUuids, stable } from "../common";
import { parseContrailDict, type KubeObject } from "../resources";

export function parsePoolRef(text: string | undefined | null): PoolRef | null {
  if (!text) return null;
  const d = parseContrailDict(text);
  if (!d.name || !d.network || !d.project) throw new Error(`a floating IP pool needs domain, project, network and name: ${text}`);
  return { domain: d.domain || "default-domain", project: d.project, network: d.network, name: d.name };
}

/** A floating IP (a VIP) on `ports`, created or brought up to date. */
export async function ensureVip(
  ctx: KubeContext,
  pool: ConfigObject,
  name: string,
  ports: string[],
  actor: Actor,
  opts: { address?: string; project?: ConfigObject; ns: string; owner: string; kind: string },
): Promise<ConfigObject> {
  const fq = [...pool.fq_name, name];
  const refs = [...new Set(ports)].sort().map((uuid) => ({ uuid }));
  const had = ctx.config.getByFqName("floating-ip", fq);
  if (had) {
    if (stable(refUuids(had.virtual_machine_interface_refs).sort()) === stable(refs.map((r) => r.uuid))) return had;
    return ctx.config.update("floating-ip", had.uuid, { virtual_machine_interface_refs: refs }, actor);
  }
  const shared = ((pool.project_refs as Ref[] | undefined) ?? []).length > 0;
  return ctx.config.create(
    "floating-ip",
    {
      fq_name: fq,
      parent_type: "floating-ip-pool",
      floating_ip_is_virtual_ip: true,
      annotations: ctx.names.annotations(opts.kind, opts.ns, opts.owner),
      ...(opts.address ? { floating_ip_address: opts.address } : {}),
      ...(shared && opts.project ? { project_refs: [{ uuid: opts.project.uuid }] } : {}),
      virtual_machine_interface_refs: refs,
    },
    actor,
  );
}

/** The floating IP pool for a LoadBalancer service or an ingress: object > namespace > global (seed 001). */
export function poolFor(ctx: KubeContext, o: KubeObject): { pool: ConfigObject | null; scope: "object" | "namespace" | "global" | "none"; ref: PoolRef | null; error?: string } {
  const ns = o.metadata.namespace!;
  const nsObj = ctx.store.namespace(ns)?.object;
  const candidates: ["object" | "namespace" | "global", string | PoolRef | undefined][] = [
    ["object", o.metadata.annotations?.[FIP_POOL]],
    ["namespace", nsObj?.metadata.annotations?.[FIP_POOL]],
    ["global", ctx.publicPool ?? undefined],
  ];
  for (const [scope, v] of candidates) {
    if (!v) continue;
    const ref = typeof v === "string" ? parsePoolRef(v)! : v;
    for (const net of [ref.network, `${ctx.names.cluster}-${ref.network}-pod-network`]) {
      const pool = ctx.config.getByFqName("floating-ip-pool", [ref.domain, ref.project, net, ref.name]);
      if (pool) return { pool, scope, ref };
    }
    return { pool: null, scope, ref, error: `floating IP pool ${ref.domain}:${ref.project}:${ref.network}:${ref.name} (${scope} scope) not found` };
  }
  return { pool: null, scope: "none", ref: null };
}

/** Deletes the floating IPs in `uuids` that still exist (a pool no longer in scope, a VIP no longer wanted). */
export async function releaseFips(ctx: KubeContext, uuids: Iterable<string>, actor: Actor) {
  for (const u of uuids) if (ctx.config.find(u)) await ctx.config.delete("floating-ip", u, actor);
}
