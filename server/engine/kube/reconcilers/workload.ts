// Workload controllers (Deployment, ReplicaSet, ReplicationController): no kube-controller-manager
// runs here, so the manager expands a workload into its pods itself (<name>-<i>), owned by the
// workload; deleting the workload deletes them (Kubernetes' garbage collector, ownerReferences).
import type { Actor } from "../../config/api";
import type { Entry, KubeContext, Reconciler } from "../common";
import type { KubeObject } from "../resources";

export class WorkloadReconciler implements Reconciler {
  readonly kinds = ["Deployment", "ReplicaSet", "ReplicationController"] as const;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(key: string, e: Entry) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const replicas = o.spec?.replicas ?? 1;
    const tpl = o.spec?.template ?? {};
    const pods: KubeObject[] = [];
    for (let i = 0; i < replicas; i++) {
      pods.push({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `${o.metadata.name}-${i}`,
          namespace: ns,
          labels: { ...(tpl.metadata?.labels ?? {}) },
          annotations: { ...(tpl.metadata?.annotations ?? {}) },
          ownerReferences: [{ kind: o.kind, name: o.metadata.name }],
        },
        spec: tpl.spec ?? {},
      });
    }
    this.ctx.store.syncOwned(key, e, "Pod", ns, pods);
    e.details = { replicas, pods: pods.map((p) => p.metadata.name) };
  }

  async teardown(key: string, e: Entry, _actor: Actor) {
    const ns = e.object.metadata.namespace!;
    for (const [, x] of this.ctx.store.all()) if (x.owner === key) this.ctx.store.remove("Pod", ns, x.object.metadata.name);
  }

  ready() {
    return "reconciled";
  }
}
