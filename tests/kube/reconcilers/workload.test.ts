// The workload and NetworkAttachmentDefinition reconcilers alone (reconcilers/workload.ts, nad.ts).
import { afterEach, beforeEach, expect, it } from "vitest";
import { NadReconciler } from "../../../server/engine/kube/reconcilers/nad";
import { WorkloadReconciler } from "../../../server/engine/kube/reconcilers/workload";
import { ACTOR, type Harness, harness } from "./harness";

let h: Harness;
beforeEach(async () => {
  h = await harness();
  h.put({ kind: "Namespace", metadata: { name: "shop" } });
  await h.ctx.networks.ensureProject(["default-domain", "k8s-shop"], ACTOR, "shop");
});
afterEach(() => h.close());

it("a Deployment expands into <name>-<i> pods with the template's labels, owned by it; scaling down removes pods; teardown removes them all", async () => {
  const r = new WorkloadReconciler(h.ctx);
  const dep = { kind: "Deployment" as const, metadata: { name: "web", namespace: "shop" }, spec: { replicas: 3, template: { metadata: { labels: { app: "web" } } } } };
  h.put(dep);
  await h.run(r, "Deployment/shop/web");
  expect(h.store.ofKind("Pod", "shop").map(([k]) => k)).toEqual(["Pod/shop/web-0", "Pod/shop/web-1", "Pod/shop/web-2"]);
  expect(h.store.get("Pod/shop/web-1")!.owner).toBe("Deployment/shop/web");
  expect(h.store.get("Pod/shop/web-1")!.object.metadata.labels).toEqual({ app: "web" });
  expect(h.queued).toEqual(["Pod/shop/web-0", "Pod/shop/web-1", "Pod/shop/web-2"]);
  h.put({ ...dep, spec: { ...dep.spec, replicas: 1 } });
  await h.run(r, "Deployment/shop/web");
  expect(h.store.ofKind("Pod", "shop").map(([k]) => k)).toEqual(["Pod/shop/web-0"]);
  h.store.remove("Deployment", "shop", "web");
  await h.run(r, "Deployment/shop/web");
  expect(h.store.ofKind("Pod", "shop")).toEqual([]);
});

it("a user's pod of the same name is left alone", async () => {
  const r = new WorkloadReconciler(h.ctx);
  h.put({ kind: "Pod", metadata: { name: "web-0", namespace: "shop", labels: { mine: "yes" } } });
  h.put({ kind: "ReplicaSet", metadata: { name: "web", namespace: "shop" }, spec: { replicas: 1, template: {} } });
  await h.run(r, "ReplicaSet/shop/web");
  expect(h.store.get("Pod/shop/web-0")!.owner).toBeUndefined();
  expect(h.store.get("Pod/shop/web-0")!.object.metadata.labels).toEqual({ mine: "yes" });
});

it("a NetworkAttachmentDefinition becomes k8s-<name>-pod-network with its opencontrail.org/cidr; dependents are the namespace's pods", async () => {
  const r = new NadReconciler(h.ctx);
  h.put({ apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition", metadata: { name: "fip", namespace: "shop", annotations: { "opencontrail.org/cidr": "192.0.2.0/24" } } });
  h.put({ kind: "Pod", metadata: { name: "p", namespace: "shop" } });
  await h.run(r, "NetworkAttachmentDefinition/shop/fip");
  expect(h.store.get("NetworkAttachmentDefinition/shop/fip")!.details).toEqual({ network: "default-domain:k8s-shop:k8s-fip-pod-network", cidr: "192.0.2.0/24" });
  expect(r.dependents(h.store.get("NetworkAttachmentDefinition/shop/fip")!.object)).toEqual(["Pod/shop/p"]);
  h.store.remove("NetworkAttachmentDefinition", "shop", "fip");
  await h.run(r, "NetworkAttachmentDefinition/shop/fip");
  expect(h.config.getByFqName("virtual-network", ["default-domain", "k8s-shop", "k8s-fip-pod-network"])).toBeUndefined();
});
