// The Pod reconciler alone (reconcilers/pod.ts): VM + port + instance IP on the pod network, bound
// to a compute node; spec.nodeName checked; peers re-evaluated on a label change; teardown.
import { afterEach, beforeEach, expect, it } from "vitest";
import { PodReconciler } from "../../../server/engine/kube/reconcilers/pod";
import { ACTOR, type Harness, harness } from "./harness";

let h: Harness;
let r: PodReconciler;
beforeEach(async () => {
  h = await harness();
  r = new PodReconciler(h.ctx);
  await h.computeNode("compute-1", "127.0.33.1");
  await h.computeNode("compute-2", "127.0.33.2");
  h.put({ kind: "Namespace", metadata: { name: "shop" } });
  await h.ctx.networks.ensureCluster(ACTOR);
  await h.ctx.networks.ensureProject(["default-domain", "k8s-shop"], ACTOR, "shop");
});
afterEach(() => h.close());

it("maps a pod to a VM, a port in the namespace's project on the cluster pod network, and an address", async () => {
  h.put({ kind: "Pod", metadata: { name: "web", namespace: "shop", labels: { app: "web" } } });
  await h.run(r, "Pod/shop/web");
  const e = h.store.get("Pod/shop/web")!;
  expect(e.produced.map((p) => p.role)).toEqual(["virtual machine", "port", "pod IP"]);
  const vmi = h.config.getByFqName("virtual-machine-interface", ["default-domain", "k8s-shop", "web"])!;
  expect(vmi).toBeTruthy();
  expect(e.details.network).toBe("default-domain:k8s-default:k8s-default-pod-network");
  expect(e.details.podIP).toMatch(/^10\.(3[2-9])\./);
  expect(["compute-1", "compute-2"]).toContain(e.details.node);
  expect(r.ready(e)).toBe(`${e.details.podIP} on ${e.details.node}`);
});

it("spec.nodeName must be a compute node; a valid one binds the port there", async () => {
  h.put({ kind: "Pod", metadata: { name: "bad", namespace: "shop" }, spec: { nodeName: "nowhere" } });
  await expect(h.run(r, "Pod/shop/bad")).rejects.toThrow(/spec.nodeName nowhere is not a compute node \(known: compute-1, compute-2\)/);
  h.put({ kind: "Pod", metadata: { name: "good", namespace: "shop" }, spec: { nodeName: "compute-2" } });
  await h.run(r, "Pod/shop/good");
  expect(h.store.get("Pod/shop/good")!.details.node).toBe("compute-2");
});

it("a label change re-evaluates services of the namespace and every network policy", async () => {
  h.put({ kind: "Pod", metadata: { name: "web", namespace: "shop", labels: { app: "web" } } });
  h.put({ kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" } } });
  h.put({ kind: "NetworkPolicy", metadata: { name: "p", namespace: "elsewhere" }, spec: { podSelector: {} } });
  await h.run(r, "Pod/shop/web");
  expect(h.queued).toEqual(expect.arrayContaining(["Service/shop/web", "NetworkPolicy/elsewhere/p"]));
  h.queued.length = 0;
  await h.run(r, "Pod/shop/web");
  expect(h.queued).toEqual([]); // nothing changed: nothing re-evaluated
  h.put({ kind: "Pod", metadata: { name: "web", namespace: "shop", labels: { app: "other" } } });
  await h.run(r, "Pod/shop/web");
  expect(h.queued).toEqual(expect.arrayContaining(["Service/shop/web", "NetworkPolicy/elsewhere/p"]));
});

it("teardown deletes the VM, port and address", async () => {
  h.put({ kind: "Pod", metadata: { name: "web", namespace: "shop" } });
  await h.run(r, "Pod/shop/web");
  const ip = h.store.get("Pod/shop/web")!.details.podIP;
  h.store.remove("Pod", "shop", "web");
  await h.run(r, "Pod/shop/web");
  expect(h.config.getByFqName("virtual-machine-interface", ["default-domain", "k8s-shop", "web"])).toBeUndefined();
  expect(h.config.list("virtual-machine").length).toBe(0);
  expect(h.config.list("instance-ip").some((i) => i.instance_ip_address === ip)).toBe(false);
});
