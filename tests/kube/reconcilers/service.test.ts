// The Service and Ingress reconcilers alone (reconcilers/service.ts, ingress.ts): the VIP floating IP
// on the backends' ports, headless, NodePort, LoadBalancer without a pool, an ingress's backends.
import { afterEach, beforeEach, expect, it } from "vitest";
import { IngressReconciler } from "../../../server/engine/kube/reconcilers/ingress";
import { PodReconciler } from "../../../server/engine/kube/reconcilers/pod";
import { ServiceReconciler } from "../../../server/engine/kube/reconcilers/service";
import { ACTOR, type Harness, harness } from "./harness";

let h: Harness;
let svc: ServiceReconciler;
beforeEach(async () => {
  h = await harness();
  svc = new ServiceReconciler(h.ctx);
  await h.computeNode("compute-1", "127.0.33.1");
  h.put({ kind: "Namespace", metadata: { name: "shop" } });
  await h.ctx.networks.ensureCluster(ACTOR);
  await h.ctx.networks.ensureProject(["default-domain", "k8s-shop"], ACTOR, "shop");
  const pods = new PodReconciler(h.ctx);
  for (const n of ["web-0", "web-1", "db-0"]) {
    h.put({ kind: "Pod", metadata: { name: n, namespace: "shop", labels: { app: n.split("-")[0] } } });
    await h.run(pods, `Pod/shop/${n}`);
  }
});
afterEach(() => h.close());

const ports = (uuid: string) => (h.config.find(uuid)!.virtual_machine_interface_refs as { uuid: string }[]).map((r) => r.uuid).sort();
const portOf = (pod: string) => h.store.get(`Pod/shop/${pod}`)!.produced.find((p) => p.role === "port")!.uuid;

it("ClusterIP: a VIP from the cluster service network's pool on every selected pod's port", async () => {
  h.put({ kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
  const warnings = await h.run(svc, "Service/shop/web");
  expect(warnings).toEqual([]);
  const e = h.store.get("Service/shop/web")!;
  const vip = e.produced.find((p) => p.role === "cluster IP")!;
  expect(vip.fq_name.slice(0, 4)).toEqual(["default-domain", "k8s-default", "k8s-default-service-network", "k8s-default-service-network-vip-pool"]);
  expect(ports(vip.uuid)).toEqual([portOf("web-0"), portOf("web-1")].sort());
  expect(e.details.clusterIP).toMatch(/^10\.(9[6-9]|10[0-3])\./);
  expect(svc.ready(e)).toBe(`cluster IP ${e.details.clusterIP}`);
});

it("headless: no VIP; no pod selected: a warning", async () => {
  h.put({ kind: "Service", metadata: { name: "h", namespace: "shop" }, spec: { clusterIP: "None", selector: { app: "none" } } });
  const warnings = await h.run(svc, "Service/shop/h");
  expect(h.store.get("Service/shop/h")!.produced).toEqual([]);
  expect(warnings).toEqual(["no pod matches the selector yet"]);
});

it("LoadBalancer without a pool in scope: the cluster IP, and a warning saying how to give it one", async () => {
  h.put({ kind: "Service", metadata: { name: "lb", namespace: "shop" }, spec: { type: "LoadBalancer", selector: { app: "db" }, ports: [{ port: 5432 }] } });
  const warnings = await h.run(svc, "Service/shop/lb");
  expect(warnings.join()).toMatch(/no floating IP pool in scope/);
  expect(h.store.get("Service/shop/lb")!.details.externalIP).toBeNull();
  expect((h.store.get("Service/shop/lb")!.details.nodePorts as { nodePort: number }[])[0].nodePort).toBeGreaterThanOrEqual(30000);
});

it("teardown releases the VIP; dependents are the namespace's ingresses", async () => {
  h.put({ kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" } } });
  h.put({ kind: "Ingress", metadata: { name: "in", namespace: "shop" }, spec: { defaultBackend: { service: { name: "web" } } } });
  expect(svc.dependents(h.store.get("Service/shop/web")!.object)).toEqual(["Ingress/shop/in"]);
  await h.run(svc, "Service/shop/web");
  const vip = h.store.get("Service/shop/web")!.produced[0].uuid;
  h.store.remove("Service", "shop", "web");
  await h.run(svc, "Service/shop/web");
  expect(h.config.find(vip)).toBeUndefined();
});

it("Ingress: backends resolved through its services; a missing backend and a missing pool are warnings", async () => {
  const ing = new IngressReconciler(h.ctx);
  h.put({ kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" } } });
  h.put({ kind: "Ingress", metadata: { name: "in", namespace: "shop" }, spec: { rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "web" } } }, { path: "/x", backend: { service: { name: "gone" } } }] } }] } });
  const warnings = await h.run(ing, "Ingress/shop/in");
  expect(warnings).toEqual(expect.arrayContaining(["backend service gone not found", expect.stringMatching(/no floating IP pool in scope/)]));
  expect(h.store.get("Ingress/shop/in")!.details.backends).toEqual(["web"]);
  expect(ing.ready(h.store.get("Ingress/shop/in")!)).toBe("no external IP");
});
