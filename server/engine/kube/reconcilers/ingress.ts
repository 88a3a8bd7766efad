// Ingress → an external floating IP from the pool in scope (seed 001) on the ports of every pod
// behind the services its rules and default backend name (contrail-kube-manager's vnc_ingress.py
// puts a load balancer there; Weft's VIP is a 1:1 floating IP, ECMP across the backends).
import type { Actor } from "../../config/api";
import { fqString } from "../../model/types";
import { type Entry, type KubeContext, type Produced, type Reconciler, deleteProduced, prod } from "../common";
import { keyOf } from "../resources";
import { podsOf, portOf } from "./pod";
import { ensureVip, poolFor, releaseFips } from "./vip";

export class IngressReconciler implements Reconciler {
  readonly kinds = ["Ingress"] as const;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(_key: string, e: Entry, actor: Actor, warnings: string[]) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const project = await this.ctx.networks.waitProject(ns);
    const names = new Set<string>();
    const add = (b: { service?: { name: string }; serviceName?: string } | undefined) => {
      const n = b?.service?.name ?? b?.serviceName;
      if (n) names.add(n);
    };
    add(o.spec?.defaultBackend ?? o.spec?.backend);
    for (const r of o.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend);
    const ports: string[] = [];
    const backends: string[] = [];
    for (const n of names) {
      const svc = this.ctx.store.get(keyOf("Service", ns, n));
      if (!svc) {
        warnings.push(`backend service ${n} not found`);
        continue;
      }
      backends.push(n);
      for (const p of podsOf(this.ctx, ns, svc.object.spec?.selector)) {
        const u = portOf(p);
        if (u) ports.push(u);
      }
    }
    const sel = poolFor(this.ctx, o);
    const produced: Produced[] = [];
    const details: Record<string, unknown> = { backends, fipPoolScope: sel.scope };
    const old = new Set(e.produced.filter((p) => p.type === "floating-ip").map((p) => p.uuid));
    if (sel.pool) {
      const fip = await ensureVip(this.ctx, sel.pool, `${ns}__ingress__${o.metadata.name}`, ports, actor, { project, ns, owner: o.metadata.name, kind: "Ingress" });
      produced.push(prod(fip, "external IP"));
      details.externalIP = fip.floating_ip_address;
      details.fipPool = fqString(sel.pool.fq_name);
      old.delete(fip.uuid);
    } else {
      warnings.push(sel.error ?? "no floating IP pool in scope: annotate the ingress or its namespace with opencontrail.org/fip-pool, or set the global pool");
    }
    await releaseFips(this.ctx, old, actor);
    e.produced = produced;
    e.details = details;
  }

  teardown(_key: string, e: Entry, actor: Actor) {
    return deleteProduced(this.ctx.config, e, actor);
  }

  ready(e: Entry) {
    return e.details.externalIP ? `external IP ${e.details.externalIP}` : "no external IP";
  }
}
