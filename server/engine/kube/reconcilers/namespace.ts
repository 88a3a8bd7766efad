// Namespace → project k8s-<ns> (seed 001); an isolated namespace (opencontrail.org/isolation: "true")
// gets its own pod and service networks, carved from the cluster's subnets; with weft.io/uses-labels
// the namespace generates seed 004's name/uses NetworkPolicies. Deleting a namespace deletes what is
// in it first (Kubernetes' namespace finalizer), then its project.
import type { Actor } from "../../config/api";
import type { Cidr } from "../../model/net";
import { fqString } from "../../model/types";
import { type Entry, type KubeContext, type Produced, type Reconciler, USES_LABELS, deleteIfExists, deleteProduced, prod } from "../common";
import { type KubeObject, keyOf } from "../resources";

export class NamespaceReconciler implements Reconciler {
  readonly kinds = ["Namespace"] as const;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(_key: string, e: Entry, actor: Actor) {
    const { names, networks, config } = this.ctx;
    const ns = e.object.metadata.name;
    await networks.ensureCluster(actor);
    const project = await networks.ensureProject(names.projectFq(ns), actor, ns);
    // the default namespace's project holds the cluster's networks: it is never deleted with the namespace
    const produced: Produced[] = [prod(project, ns === "default" ? "shared" : "project")];
    if (networks.isolated(ns)) {
      const has = config.getByFqName("virtual-network", names.podNetworkFq(ns));
      let podCidr: Cidr | null = null;
      let svcCidr: Cidr | null = null;
      if (!has) {
        podCidr = await networks.carve(networks.podBase, Math.min(32, Math.max(networks.podBase.prefixLen + 2, 20)));
        svcCidr = await networks.carve(networks.serviceBase, Math.min(32, Math.max(networks.serviceBase.prefixLen + 2, 22)));
      } else {
        svcCidr = config.getByFqName("virtual-network", names.serviceNetworkFq(ns)) ? null : await networks.carve(networks.serviceBase, 22);
      }
      produced.push(...(await networks.ensureNetworks(ns, podCidr, svcCidr, actor)));
      e.details = { isolated: true, podNetwork: fqString(names.podNetworkFq(ns)), serviceNetwork: fqString(names.serviceNetworkFq(ns)) };
    } else {
      e.details = { isolated: false, podNetwork: fqString(names.podNetworkFq(null)), serviceNetwork: fqString(names.serviceNetworkFq(null)) };
    }
    // the project goes last on delete (produced is deleted in reverse)
    e.produced = produced;
    this.reconcileUsesPolicies(ns, e);
  }

  /**
   * Seed 004's convention, when a namespace asks for it (weft.io/uses-labels: "true"): pods labelled
   * name=X take traffic only from pods labelled name=X or uses=X — generated NetworkPolicies
   * `uses-X`, owned by the namespace and shown like any other.
   */
  private reconcileUsesPolicies(ns: string, e: Entry) {
    const key = keyOf("Namespace", undefined, ns);
    const on = e.object.metadata.annotations?.[USES_LABELS] === "true";
    const names = new Set<string>();
    if (on) for (const [, x] of this.ctx.store.ofKind("Pod", ns)) if (x.object.metadata.labels?.name) names.add(x.object.metadata.labels.name);
    const policies: KubeObject[] = [];
    for (const n of names) {
      policies.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `uses-${n}`, namespace: ns, ownerReferences: [{ kind: "Namespace", name: ns }] },
        spec: {
          podSelector: { matchLabels: { name: n } },
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ podSelector: { matchLabels: { name: n } } }, { podSelector: { matchLabels: { uses: n } } }] }],
        },
      });
    }
    this.ctx.store.syncOwned(key, e, "NetworkPolicy", ns, policies);
    e.details = { ...e.details, usesLabels: on, usesPolicies: [...names].map((n) => `uses-${n}`) };
  }

  async teardown(_key: string, e: Entry, actor: Actor) {
    const { store, config, names } = this.ctx;
    const ns = e.object.metadata.name;
    // Kubernetes deletes what is in a namespace with it
    const inside = store.all().filter(([, x]) => x.object.metadata.namespace === ns);
    for (const [, x] of inside) store.remove(x.object.kind, ns, x.object.metadata.name, e.actor);
    await Promise.all(inside.map(([k]) => this.ctx.settled(k)));
    const project = config.getByFqName("project", names.projectFq(ns));
    if (project && ns !== "default") {
      for (const c of config.children(project.uuid)) {
        if (c.type === "security-group" && c.to[c.to.length - 1].startsWith(`${names.cluster}-allow-all-`)) await deleteIfExists(config, c.type, c.uuid, actor);
      }
    }
    await deleteProduced(config, e, actor);
  }

  /**
   * A namespace's pods, services and policies follow its isolation and pool; and every
   * NetworkPolicy, in any namespace, with a namespaceSelector peer: a namespace created, deleted or
   * relabelled may now match it or no longer (Kubernetes re-evaluates namespaceSelector against the
   * namespace's current labels — adding a label grants, removing it revokes; issue 15).
   */
  dependents(o: KubeObject): string[] {
    const out = this.ctx.store
      .all()
      .filter(([, e]) => e.object.metadata.namespace === o.metadata.name)
      .map(([k]) => k);
    for (const [k, e] of this.ctx.store.ofKind("NetworkPolicy")) if (e.object.metadata.namespace !== o.metadata.name && selectsNamespaces(e.object)) out.push(k);
    return out;
  }

  ready(e: Entry) {
    return e.details.isolated ? "isolated" : "non-isolated";
  }
}

/** Whether a NetworkPolicy has a peer chosen by namespace labels. */
function selectsNamespaces(p: KubeObject): boolean {
  const peers = [...(p.spec?.ingress ?? []).flatMap((r: { from?: unknown[] }) => r.from ?? []), ...(p.spec?.egress ?? []).flatMap((r: { to?: unknown[] }) => r.to ?? [])] as { namespaceSelector?: unknown }[];
  return peers.some((x) => x?.namespaceSelector != null);
}
