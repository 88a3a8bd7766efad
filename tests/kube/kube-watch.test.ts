// The live source: @kubernetes/client-node informers (list+watch with resourceVersion, 410 Gone →
// relist) against a local server speaking the API's wire format (tests/kube/fake-apiserver.ts),
// feeding the same reconcilers as manifests.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../server/engine/engine";
import { waitFor } from "../bgp/daemons";
import { ADMIN, tempDir } from "../helpers";
import { FakeApiServer } from "./fake-apiserver";

const PODS = "/api/v1/pods";
const NAMESPACES = "/api/v1/namespaces";
const SERVICES = "/api/v1/services";

let api: FakeApiServer;
let engine: Engine;
let dir: string;

const pod = (ns: string, name: string, labels: Record<string, string> = { app: "web" }) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: "c", image: "nginx" }] } });
const port = (ns: string, name: string) => engine.config.getByFqName("virtual-machine-interface", ["default-domain", `k8s-${ns}`, name]);

beforeAll(async () => {
  api = await new FakeApiServer().start();
  api.put(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  api.put(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", annotations: { "opencontrail.org/isolation": "true" } } });
  api.put(PODS, pod("shop", "web-1"));
  dir = tempDir();
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, api.kubeconfig());
  engine = await Engine.start({ dataDir: dir, agentPort: 0, kubeconfig });
  await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-1"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.14.1" }, ADMIN);
}, 30_000);

afterAll(async () => {
  await engine?.stop();
  await api?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("list+watch of a Kubernetes API", () => {
  it("the initial list creates the isolated namespace's project and networks and the pod's port", async () => {
    const vmi = await waitFor("web-1's port", () => port("shop", "web-1"), 15_000);
    expect(engine.config.getByFqName("virtual-network", ["default-domain", "k8s-shop", "k8s-shop-pod-network"])).toBeTruthy();
    expect((vmi.virtual_network_refs as { to: string[] }[])[0].to).toEqual(["default-domain", "k8s-shop", "k8s-shop-pod-network"]);
    expect(engine.kube.get("Pod", "shop", "web-1")!.source).toBe("watch");
    expect(api.requests.some((r) => r.startsWith(`GET ${PODS}?`) && r.includes("watch=true"))).toBe(true);
  });

  it("watch events: a new pod, a service selecting both, a label change, a delete", async () => {
    api.put(PODS, pod("shop", "web-2"));
    await waitFor("web-2's port", () => port("shop", "web-2"), 10_000);
    api.put(SERVICES, { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    const vip = await waitFor("the service VIP on both pods", () => {
      const s = engine.kube.get("Service", "shop", "web");
      const f = s?.produced[0] ? engine.config.find(s.produced[0].uuid) : undefined;
      return f && (f.virtual_machine_interface_refs as unknown[]).length === 2 ? f : null;
    }, 10_000);
    expect(vip.fq_name.slice(0, 3)).toEqual(["default-domain", "k8s-shop", "k8s-shop-service-network"]);
    api.put(PODS, pod("shop", "web-2", { app: "other" }));
    await waitFor("web-2 off the VIP", () => (engine.config.find(vip.uuid)!.virtual_machine_interface_refs as unknown[]).length === 1, 10_000);
    api.delete(PODS, "shop", "web-2");
    await waitFor("web-2's port deleted", () => !port("shop", "web-2"), 10_000);
  });

  it("a compacted history (410 Gone) makes the informer relist: changes made meanwhile are found, deletes included", async () => {
    const relists = engine.kubeWatch!.status.kinds.find((k) => k.kind === "Pod")!.relists;
    api.offline(() => {
      api.delete(PODS, "shop", "web-1");
      api.put(PODS, pod("shop", "web-3"));
    });
    await waitFor("web-3 created after the relist", () => port("shop", "web-3"), 15_000);
    await waitFor("web-1 deleted after the relist", () => !port("shop", "web-1"), 15_000);
    expect(engine.kubeWatch!.status.kinds.find((k) => k.kind === "Pod")!.relists).toBeGreaterThan(relists);
    expect(api.requests.filter((r) => r.startsWith(`GET ${PODS}`) && !r.includes("watch")).length).toBeGreaterThanOrEqual(2);
  });

  it("deleting the namespace in the API removes its project", async () => {
    api.delete(SERVICES, "shop", "web");
    api.delete(PODS, "shop", "web-3");
    api.delete(NAMESPACES, undefined, "shop");
    await waitFor("project k8s-shop gone", () => !engine.config.getByFqName("project", ["default-domain", "k8s-shop"]), 15_000);
  });
});
