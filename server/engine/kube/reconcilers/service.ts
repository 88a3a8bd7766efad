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
      details.nodePorts = (o.spec?.ports ?? []).map((p: { port: number; nodePort?: number }) => ({ port: p.port, nodePort: p.nodePort ?? 30000 + (hash(`${ns}/${name}/${p.port}`) % 2768) }));
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
