// Service → a VIP floating IP from the service network on every backing pod's port (seed 004,
// ClusterIP; headless: none); NodePort: node ports shown; LoadBalancer: plus an external floating
// IP from the pool in scope (seed 001); ExternalName: nothing to map.
import type { Actor } from "../../config/api";
import { WeftError } from "../../model/errors";
import { fqString } from "../../model/types";
import { type Entry, type KubeContext, type Produced, type Reconciler, deleteProduced, hash, prod } from "../common";
import type { KubeObject } from "../resources";
import { podsOf, portOf } from "./pod";
import { ensureVip, poolFor, releaseFips } from "./vip";

export class ServiceReconciler implements Reconciler {
  readonly kinds = ["Service"] as const;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(_key: string, e: Entry, actor: Actor, warnings: string[]) {
    const { config, networks } = this.ctx;
    const o = e.object;
    const ns = o.metadata.namespace!;
    const name = o.metadata.name;
    const type = o.spec?.type ?? "ClusterIP";
    const project = await networks.waitProject(ns);
    await networks.ensureCluster(actor);
    const produced: Produced[] = [];
    const details: Record<string, unknown> = { type };
    if (type === "ExternalName") {
      e.produced = [];
      e.details = { type, externalName: o.spec?.externalName ?? "" };
      return;
    }
    const backends = podsOf(this.ctx, ns, o.spec?.selector);
    const ports = backends.map((b) => portOf(b)).filter((u): u is string => !!u);
    details.endpoints = backends.filter((b) => portOf(b)).map((b) => ({ pod: b.object.metadata.name, ip: b.details.podIP, node: b.details.node }));
    const headless = o.spec?.clusterIP === "None";
    const old = new Set(e.produced.filter((p) => p.type === "floating-ip").map((p) => p.uuid));
    if (!headless) {
      const svcVn = config.getByFqName("virtual-network", networks.serviceNetworkOf(ns));
      const pool = svcVn ? config.getByFqName("floating-ip-pool", [...svcVn.fq_name, `${svcVn.name}-vip-pool`]) : undefined;
      if (!pool) throw new WeftError("conflict", `the service network of namespace ${ns} is not ready`);
      const vip = await ensureVip(this.ctx, pool, `${ns}__${name}`, ports, actor, { address: o.spec?.clusterIP || undefined, ns, owner: name, kind: "Service" });
      produced.push(prod(vip, "cluster IP"));
      details.clusterIP = vip.floating_ip_address;
      old.delete(vip.uuid);
    }
    if (type === "NodePort" || type === "LoadBalancer") {
      details.nodePorts = this.nodePorts(e, warnings);
      if (type === "NodePort") warnings.push("NodePort: the node ports are allocated and shown; the simulated compute nodes do not forward node-address traffic (use the cluster IP or a LoadBalancer)");
    }
    if (type === "LoadBalancer") {
      const sel = poolFor(this.ctx, o);
      details.fipPoolScope = sel.scope;
      if (sel.pool) {
        details.fipPool = fqString(sel.pool.fq_name);
        const ext = await ensureVip(this.ctx, sel.pool, `${ns}__${name}`, ports, actor, { address: o.spec?.loadBalancerIP || undefined, project, ns, owner: name, kind: "Service" });
        produced.push(prod(ext, "external IP"));
        details.externalIP = ext.floating_ip_address;
        old.delete(ext.uuid);
      } else {
        warnings.push(sel.error ?? "no floating IP pool in scope: annotate the service or its namespace with opencontrail.org/fip-pool, or set the global pool (WEFT_KUBE_PUBLIC_FIP_POOL)");
        details.externalIP = null;
      }
    }
    // a pool that is no longer in scope: release what came from it
    await releaseFips(this.ctx, old, actor);
    if (!ports.length && o.spec?.selector) warnings.push("no pod matches the selector yet");
    e.produced = produced;
    e.details = details;
  }

  /**
   * Node ports, as the API server's allocator: a given nodePort is kept (a warning when another
   * service holds it — Kubernetes refuses "provided port is already allocated"); 0 or absent means
   * "allocate one" from 30000–32767, kept across reconciles and unique among the services.
   */
  private nodePorts(e: Entry, warnings: string[]): { port: number; nodePort: number }[] {
    const o = e.object;
    const used = new Map<number, string>();
    for (const [k, x] of this.ctx.store.ofKind("Service")) {
      if (x === e) continue;
      for (const p of (x.details.nodePorts as { nodePort: number }[] | undefined) ?? []) used.set(p.nodePort, k);
      for (const p of (x.object.spec?.ports ?? []) as { nodePort?: number }[]) if (p.nodePort) used.set(p.nodePort, k);
    }
    const before = (e.details.nodePorts as { port: number; nodePort: number }[] | undefined) ?? [];
    const out: { port: number; nodePort: number }[] = [];
    (o.spec?.ports ?? []).forEach((p: { port: number; nodePort?: number }, i: number) => {
      if (p.nodePort) {
        if (used.has(p.nodePort)) warnings.push(`spec.ports.${i}.nodePort: ${p.nodePort} is already allocated to ${used.get(p.nodePort)}`);
        out.push({ port: p.port, nodePort: p.nodePort });
        used.set(p.nodePort, "this");
        return;
      }
      const had = before.find((b) => b.port === p.port)?.nodePort;
      let n = had && !used.has(had) ? had : 30000 + (hash(`${o.metadata.namespace}/${o.metadata.name}/${p.port}`) % 2768);
      for (let tries = 0; used.has(n) && tries < 2768; tries++) n = n >= 32767 ? 30000 : n + 1;
      if (used.has(n)) throw new WeftError("conflict", "no free node port left in 30000–32767");
      used.set(n, "this");
      out.push({ port: p.port, nodePort: n });
    });
    return out;
  }

  teardown(_key: string, e: Entry, actor: Actor) {
    return deleteProduced(this.ctx.config, e, actor);
  }

  /** ingresses of the namespace may name the service as a backend */
  dependents(o: KubeObject): string[] {
    return this.ctx.store.ofKind("Ingress", o.metadata.namespace).map(([k]) => k);
  }

  ready(e: Entry) {
    const d = e.details;
    return [d.clusterIP ? `cluster IP ${d.clusterIP}` : "headless", d.externalIP ? `external IP ${d.externalIP}` : ""].filter(Boolean).join(", ");
  }
}
