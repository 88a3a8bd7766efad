// The Namespace reconciler alone (reconcilers/namespace.ts): project k8s-<ns>, the cluster's
// networks, an isolated namespace's own networks, seed 004's uses-policies, teardown.
import { afterEach, beforeEach, expect, it } from "vitest";
import { NamespaceReconciler } from "../../../server/engine/kube/reconcilers/namespace";
import { type Harness, harness } from "./harness";

let h: Harness;
let r: NamespaceReconciler;
beforeEach(async () => {
  h = await harness();
  r = new NamespaceReconciler(h.ctx);
});
afterEach(() => h.close());

const vns = () => h.config.list("virtual-network").map((v) => v.fq_name.join(":"));

it("a non-isolated namespace: its project, and the cluster's pod and service networks in k8s-default", async () => {
  h.put({ kind: "Namespace", metadata: { name: "shop" } });
  await h.run(r, "Namespace/shop");
  expect(h.config.getByFqName("project", ["default-domain", "k8s-shop"])).toBeTruthy();
  expect(vns()).toEqual(expect.arrayContaining(["default-domain:k8s-default:k8s-default-pod-network", "default-domain:k8s-default:k8s-default-service-network"]));
  expect(vns().some((v) => v.includes("k8s-shop-pod-network"))).toBe(false);
  const e = h.store.get("Namespace/shop")!;
  expect(e.details.isolated).toBe(false);
  expect(r.ready(e)).toBe("non-isolated");
  expect(e.produced.map((p) => p.role)).toEqual(["project"]);
});

it("an isolated namespace gets its own networks from the upper halves of the pod and service subnets", async () => {
  h.put({ kind: "Namespace", metadata: { name: "iso", annotations: { "opencontrail.org/isolation": "true" } } });
  await h.run(r, "Namespace/iso");
  const pod = h.config.getByFqName("virtual-network", ["default-domain", "k8s-iso", "k8s-iso-pod-network"])!;
  const subnet = (pod.network_ipam_refs as { attr: { ipam_subnets: { subnet: { ip_prefix: string; ip_prefix_len: number } }[] } }[])[0].attr.ipam_subnets[0].subnet;
  expect(`${subnet.ip_prefix}/${subnet.ip_prefix_len}`).toBe("10.40.0.0/20");
  expect(h.config.getByFqName("floating-ip-pool", ["default-domain", "k8s-iso", "k8s-iso-service-network", "k8s-iso-service-network-vip-pool"])).toBeTruthy();
  expect(h.store.get("Namespace/iso")!.produced.map((p) => p.role)).toEqual(["project", "pod ↔ service policy", "pod network", "service network", "service VIP pool"]);
  // idempotent: a second reconcile creates nothing more
  const count = h.config.list("virtual-network").length;
  await h.run(r, "Namespace/iso");
  expect(h.config.list("virtual-network").length).toBe(count);
});

it("weft.io/uses-labels generates one uses-<name> NetworkPolicy per pod name label, owned by the namespace", async () => {
  h.put({ kind: "Namespace", metadata: { name: "shop", annotations: { "weft.io/uses-labels": "true" } } });
  h.put({ kind: "Pod", metadata: { name: "redis-0", namespace: "shop", labels: { name: "redis" } } });
  h.put({ kind: "Pod", metadata: { name: "web-0", namespace: "shop", labels: { name: "web", uses: "redis" } } });
  await h.run(r, "Namespace/shop");
  const pol = h.store.get("NetworkPolicy/shop/uses-redis")!;
  expect(pol.owner).toBe("Namespace/shop");
  expect(pol.object.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { name: "redis" } } }, { podSelector: { matchLabels: { uses: "redis" } } }]);
  expect(h.queued).toEqual(expect.arrayContaining(["NetworkPolicy/shop/uses-redis", "NetworkPolicy/shop/uses-web"]));
  // the web pod goes: its policy goes with the next reconcile
  h.store.remove("Pod", "shop", "web-0");
  await h.run(r, "Namespace/shop");
  expect(h.store.get("NetworkPolicy/shop/uses-web")).toBeUndefined();
});

it("dependents: everything in the namespace; teardown removes what is inside, then the project", async () => {
  h.put({ kind: "Namespace", metadata: { name: "shop" } });
  h.put({ kind: "Pod", metadata: { name: "a", namespace: "shop" } });
  h.put({ kind: "Service", metadata: { name: "s", namespace: "shop" } });
  h.put({ kind: "Pod", metadata: { name: "b", namespace: "other" } });
  expect(r.dependents(h.store.get("Namespace/shop")!.object).sort()).toEqual(["Pod/shop/a", "Service/shop/s"]);
  await h.run(r, "Namespace/shop");
  h.store.remove("Namespace", undefined, "shop");
  await h.run(r, "Namespace/shop");
  expect(h.store.get("Pod/shop/a")).toBeUndefined();
  expect(h.store.get("Service/shop/s")).toBeUndefined();
  expect(h.store.get("Pod/other/b")).toBeTruthy();
  expect(h.config.getByFqName("project", ["default-domain", "k8s-shop"])).toBeUndefined();
  // the cluster's networks stay
  expect(h.config.getByFqName("project", ["default-domain", "k8s-default"])).toBeTruthy();
});
