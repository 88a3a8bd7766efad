// Workload controllers: no kube-controller-manager runs here, so the manager expands a workload into
// its pods itself, owned by the workload (ownerReferences with kind, name and uid); deleting the
// workload deletes them (Kubernetes' garbage collector).
//   Deployment, ReplicaSet, ReplicationController → spec.replicas pods <name>-<i>
//   StatefulSet → spec.replicas pods with the stable names <name>-<ordinal> (Kubernetes: "each Pod
//                 in a StatefulSet derives its hostname from the name of the StatefulSet and the
//                 ordinal of the Pod"), labelled statefulset.kubernetes.io/pod-name
//   DaemonSet   → one pod per compute node (virtual-router), <name>-<node>, pinned with spec.nodeName
//                 (Kubernetes: "a DaemonSet ensures that all Nodes run a copy of a Pod")
//   Job         → spec.parallelism pods (default 1) <name>-<i>, labelled job-name; Weft runs no
//                 containers, so they stay until the Job is deleted (no completion is tracked)
// A pod name already taken by another owner or by a user's pod (a Deployment and a
// ReplicationController both called web) gets the owner's kind in it (web-rc-0), so each owner
// reports only its own pods.
import type { Actor } from "../../config/api";
import type { Entry, KubeContext, Reconciler } from "../common";
import { type Kind, type KubeObject, keyOf } from "../resources";
import { computeNodes } from "./pod";

const SHORT: Partial<Record<Kind, string>> = { Deployment: "deploy", ReplicaSet: "rs", ReplicationController: "rc", StatefulSet: "sts", DaemonSet: "ds", Job: "job" };

/** A node name as an RFC 1123 label part (pod names are DNS subdomains; Weft keeps them labels). */
const labelPart = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "node";

export class WorkloadReconciler implements Reconciler {
  readonly kinds = ["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job"] as const;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(key: string, e: Entry, _actor: Actor, warnings: string[]) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const tpl = o.spec?.template ?? {};
    const wanted: { suffix: string; nodeName?: string; labels?: Record<string, string> }[] = [];
    if (o.kind === "DaemonSet") {
      for (const node of computeNodes(this.ctx.config)) wanted.push({ suffix: labelPart(node), nodeName: node });
      if (!wanted.length) warnings.push("no compute node (virtual-router) yet: a DaemonSet runs one pod per node");
    } else if (o.kind === "Job") {
      const n = o.spec?.parallelism ?? 1;
      for (let i = 0; i < n; i++) wanted.push({ suffix: String(i), labels: { "job-name": o.metadata.name } });
      if (n) warnings.push("Job: its pods are mapped while the Job exists; Weft runs no containers, so completion is not tracked");
    } else {
      const n = o.spec?.replicas ?? 1;
      for (let i = 0; i < n; i++) wanted.push({ suffix: String(i), ...(o.kind === "StatefulSet" ? { labels: { "statefulset.kubernetes.io/pod-name": `${o.metadata.name}-${i}` } } : {}) });
    }
    const pods: KubeObject[] = [];
    for (const w of wanted) {
      let name = `${o.metadata.name}-${w.suffix}`.slice(0, 63).replace(/-+$/, "");
      const taken = this.ctx.store.get(keyOf("Pod", ns, name));
      if (taken && taken.owner !== key) {
        const other = `${o.metadata.name}-${SHORT[o.kind]}-${w.suffix}`.slice(0, 63).replace(/-+$/, "");
        warnings.push(`pod ${name} belongs to ${taken.owner ?? "a pod applied on its own"}: this ${o.kind}'s pod is ${other}`);
        name = other;
      }
      const spec = { ...(tpl.spec ?? {}), ...(w.nodeName ? { nodeName: w.nodeName } : {}) };
      pods.push({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace: ns,
          labels: { ...(tpl.metadata?.labels ?? {}), ...(w.labels ?? {}) },
          annotations: { ...(tpl.metadata?.annotations ?? {}) },
          ownerReferences: [{ kind: o.kind, name: o.metadata.name, ...(o.metadata.uid ? { uid: o.metadata.uid } : {}) }],
        },
        spec,
      });
    }
    this.ctx.store.syncOwned(key, e, "Pod", ns, pods);
    // only the pods this owner holds (by owner key = kind/namespace/name), never a namesake's
    const mine = this.ctx.store
      .ofKind("Pod", ns)
      .filter(([, p]) => p.owner === key)
      .map(([, p]) => p.object.metadata.name);
    e.details = { ...(o.kind === "DaemonSet" || o.kind === "Job" ? {} : { replicas: o.spec?.replicas ?? 1 }), ...(o.kind === "Job" ? { parallelism: o.spec?.parallelism ?? 1 } : {}), pods: mine };
  }

  async teardown(key: string, e: Entry, _actor: Actor) {
    const ns = e.object.metadata.namespace!;
    for (const [, x] of this.ctx.store.all()) if (x.owner === key) this.ctx.store.remove("Pod", ns, x.object.metadata.name, e.actor);
  }

  ready(e: Entry) {
    const pods = (e.details.pods as string[] | undefined) ?? [];
    return `${pods.length} pod${pods.length === 1 ? "" : "s"}`;
  }
}
