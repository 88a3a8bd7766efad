// Floating IPs for Kubernetes (seed 001, "Floating IP Pool Scope" and "Advertising Floating IP"):
// the FIP network created Kubernetes-style (a NetworkAttachmentDefinition with opencontrail.org/cidr),
// pools chosen by scope (object > namespace > global), and a LoadBalancer service whose floating IP
// reaches a real GoBGP gateway with the compute node as next hop; traffic from the gateway side
// reaches a backend pod through NAT.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import { parsePoolRef } from "../../server/engine/kube/manager";
import type { ConfigObject } from "../../server/engine/model/types";
import { testTraffic } from "../../server/rest/compiled";
import type { Services } from "../../server/services";
import { Gobgpd, gobgpMissing, waitFor } from "../bgp/daemons";
import { ADMIN, tempDir } from "../helpers";
import { startGobgpGateway } from "../bgp/gateway";

const missing = gobgpMissing();
const WEFT = "127.0.13.3";
const GW = "127.0.13.2";
const COMPUTE = "127.0.13.21";
const BGP_PORT = 11379;

let engine: Engine;
let dir: string;

const svc = (ns: string, name: string) => engine.kube.get("Service", ns, name)!;
const poolRef = (project: string, network: string, name: string) => `{'domain': 'default-domain', 'project': '${project}', 'network': '${network}', 'name': '${name}'}`;

/** A FIP network the Kubernetes way (seed 001) and a pool on it, as the admin does in the UI. */
async function fipNetwork(ns: string, vn: string, cidr: string, pool: string, rt?: string): Promise<ConfigObject> {
  const r = await engine.kube.apply(
    `
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: ${vn}
  namespace: ${ns}
  annotations:
    opencontrail.org/cidr: "${cidr}"
    opencontrail.org/ip_fabric_snat: "false"
spec:
  config: '{ "cniVersion": "0.3.0", "type": "contrail-k8s-cni" }'
`,
    ADMIN,
  );
  expect(r.ok, JSON.stringify(r.results)).toBe(true);
  const net = engine.config.getByFqName("virtual-network", ["default-domain", `k8s-${ns}`, `k8s-${vn}-pod-network`])!;
  expect(net).toBeTruthy();
  if (rt) await engine.config.update("virtual-network", net.uuid, { route_target_list: { route_target: [rt] } }, ADMIN);
  await engine.config.create("floating-ip-pool", { fq_name: [...net.fq_name, pool], parent_type: "virtual-network" }, ADMIN);
  return net;
}

describe("floating IP pool scope (seed 001): object > namespace > global", () => {
  beforeAll(async () => {
    dir = tempDir();
    engine = await Engine.start({ dataDir: dir, agentPort: 0 });
    await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-1"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.13.31" }, ADMIN);
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gives exactly the pools the seed says", async () => {
    await engine.kube.apply(
      `
apiVersion: v1
kind: Namespace
metadata: { name: ns-user-1 }
---
apiVersion: v1
kind: Namespace
metadata: { name: dev }
---
apiVersion: v1
kind: Namespace
metadata: { name: sales }
---
apiVersion: v1
kind: Namespace
metadata: { name: test-only }
`,
      ADMIN,
    );
    await fipNetwork("ns-user-1", "vn-global-default", "203.0.113.0/24", "pool-global-default");
    await fipNetwork("dev", "vn-dev", "198.18.1.0/24", "pool-dev");
    await fipNetwork("sales", "vn-sales", "198.18.2.0/24", "pool-sales");
    // KUBERNETES_PUBLIC_FIP_POOL, then the namespace-level pools as annotations
    engine.kube.setPublicFipPool(parsePoolRef(poolRef("k8s-ns-user-1", "vn-global-default", "pool-global-default")));
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Namespace
metadata:
  name: dev
  annotations:
    opencontrail.org/fip-pool: "${poolRef("k8s-dev", "vn-dev", "pool-dev")}"
---
apiVersion: v1
kind: Namespace
metadata:
  name: sales
  annotations:
    opencontrail.org/fip-pool: "${poolRef("k8s-sales", "vn-sales", "pool-sales")}"
---
apiVersion: v1
kind: Service
metadata: { name: webservice, namespace: dev }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata:
  name: dev-webservice
  namespace: dev
  annotations:
    opencontrail.org/fip-pool: "${poolRef("k8s-sales", "vn-sales", "pool-sales")}"
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: webservice, namespace: sales }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: webservice, namespace: test-only }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: internal, namespace: test-only }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`,
      ADMIN,
    );
    expect(r.ok, JSON.stringify(r.results.flatMap((x) => x.errors))).toBe(true);
    const got = (ns: string, name: string) => [svc(ns, name).details.fipPoolScope, svc(ns, name).details.fipPool, svc(ns, name).details.externalIP];
    expect(got("dev", "webservice")).toEqual(["namespace", "default-domain:k8s-dev:k8s-vn-dev-pod-network:pool-dev", expect.stringMatching(/^198\.18\.1\./)]);
    expect(got("dev", "dev-webservice")).toEqual(["object", "default-domain:k8s-sales:k8s-vn-sales-pod-network:pool-sales", expect.stringMatching(/^198\.18\.2\./)]);
    expect(got("sales", "webservice")).toEqual(["namespace", "default-domain:k8s-sales:k8s-vn-sales-pod-network:pool-sales", expect.stringMatching(/^198\.18\.2\./)]);
    expect(got("test-only", "webservice")).toEqual(["global", "default-domain:k8s-ns-user-1:k8s-vn-global-default-pod-network:pool-global-default", expect.stringMatching(/^203\.0\.113\./)]);
    // floating IPs go to services and ingresses only; a ClusterIP service gets none
    expect(svc("test-only", "internal").details.externalIP).toBeUndefined();
    expect(svc("test-only", "internal").details.clusterIP).toMatch(/^10\./);
  });

  it("a pool that does not exist is a warning on the service, not a silent default", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Service
metadata:
  name: typo
  namespace: dev
  annotations:
    opencontrail.org/fip-pool: "${poolRef("k8s-dev", "vn-dev", "pool-nope")}"
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] }
`,
      ADMIN,
    );
    expect(r.results[0].status?.warnings.join(" ")).toMatch(/floating IP pool default-domain:k8s-dev:vn-dev:pool-nope \(object scope\) not found/);
    expect(svc("dev", "typo").details.externalIP).toBeNull();
  });

  it("an ingress gets a floating IP from the namespace's pool, on the pods of its backend services", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Pod
metadata: { name: web-a, namespace: dev, labels: { app: web } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: site, namespace: dev }
spec:
  rules:
    - host: shop.example
      http: { paths: [{ path: /, backend: { service: { name: webservice, port: { number: 80 } } } }] }
`,
      ADMIN,
    );
    expect(r.ok).toBe(true);
    await engine.kube.idle();
    const ing = engine.kube.get("Ingress", "dev", "site")!;
    expect(ing.details).toMatchObject({ backends: ["webservice"], fipPoolScope: "namespace", fipPool: "default-domain:k8s-dev:k8s-vn-dev-pod-network:pool-dev", externalIP: expect.stringMatching(/^198\.18\.1\./) });
    const fip = engine.config.find(ing.produced[0].uuid)!;
    const port = engine.config.getByFqName("virtual-machine-interface", ["default-domain", "k8s-dev", "web-a"])!;
    expect((fip.virtual_machine_interface_refs as { uuid: string }[]).map((x) => x.uuid)).toEqual([port.uuid]);
  });

  it("opencontrail.org/network on a pod puts its port on that network (by name, or the NAD's k8s-<name>-pod-network)", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Pod
metadata:
  name: on-dev-net
  namespace: dev
  annotations:
    opencontrail.org/network: '{"domain":"default-domain","project":"k8s-dev","name":"vn-dev"}'
---
apiVersion: v1
kind: Pod
metadata:
  name: nowhere
  namespace: dev
  annotations:
    opencontrail.org/network: '{"domain":"default-domain","project":"k8s-dev","name":"vn-nope"}'
`,
      ADMIN,
      { timeoutMs: 2000 },
    );
    expect(r.ok).toBe(true);
    expect(engine.kube.get("Pod", "dev", "on-dev-net")!.details.network).toBe("default-domain:k8s-dev:k8s-vn-dev-pod-network");
    expect(engine.kube.get("Pod", "dev", "nowhere")!.status.message).toMatch(/virtual network default-domain:k8s-dev:vn-nope not found/);
    await engine.kube.deleteManifest("apiVersion: v1\nkind: Pod\nmetadata: { name: nowhere, namespace: dev }\n", ADMIN);
  });

  it("NetworkPolicy peers: namespaceSelector picks the pods of matching namespaces, ipBlock keeps its except holes", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Namespace
metadata: { name: sales, labels: { team: sales } }
---
apiVersion: v1
kind: Pod
metadata: { name: crm, namespace: sales, labels: { app: crm } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: from-sales, namespace: dev }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
    - from: [{ namespaceSelector: { matchLabels: { team: sales } } }]
    - from: [{ ipBlock: { cidr: 192.0.2.0/24, except: [192.0.2.128/25] } }]
      ports: [{ protocol: UDP, port: 53 }]
`,
      ADMIN,
    );
    expect(r.ok, JSON.stringify(r.results.flatMap((x) => x.errors))).toBe(true);
    await engine.kube.idle();
    const sg = engine.config.getByFqName("security-group", ["default-domain", "k8s-dev", "k8s-np-from-sales"])!;
    const rules = (sg.security_group_entries as { policy_rule: { protocol: string; src_addresses: { subnet?: { ip_prefix: string; ip_prefix_len: number } }[]; dst_ports: { start_port: number }[] }[] }).policy_rule;
    const crm = engine.kube.get("Pod", "sales", "crm")!.details.podIP as string;
    const srcs = rules.map((x) => `${x.protocol} ${x.src_addresses[0].subnet?.ip_prefix}/${x.src_addresses[0].subnet?.ip_prefix_len}`);
    expect(srcs).toEqual([`any ${crm}/32`, "udp 192.0.2.0/25"]);
    expect(rules[1].dst_ports[0].start_port).toBe(53);
    expect(engine.kube.get("Pod", "dev", "web-a")!.details.securityGroups).toEqual(["default-domain:k8s-dev:k8s-np-from-sales", "default-domain:k8s-dev:k8s-allow-all-egress"]);
  });

  it("pods deleted while their reconcile is still running leave no VM, port or address behind", async () => {
    await engine.kube.apply("apiVersion: v1\nkind: Namespace\nmetadata: { name: churn }\n", ADMIN);
    const before = { vm: engine.config.count("virtual-machine"), vmi: engine.config.count("virtual-machine-interface"), iip: engine.config.count("instance-ip") };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) engine.kube.upsert({ apiVersion: "v1", kind: "Pod", metadata: { name: `churn-${round}-${i}`, namespace: "churn" } }, "manifest", ADMIN);
      // delete half of them at once, the rest a moment later, mid-reconcile
      for (let i = 0; i < 20; i++) engine.kube.remove("Pod", "churn", `churn-${round}-${i}`);
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 20; i < 40; i++) engine.kube.remove("Pod", "churn", `churn-${round}-${i}`);
    }
    await engine.kube.idle();
    expect({ vm: engine.config.count("virtual-machine"), vmi: engine.config.count("virtual-machine-interface"), iip: engine.config.count("instance-ip") }).toEqual(before);
  });

  it("invalid manifests name the document, line and field, and apply nothing", async () => {
    const before = engine.kube.list().length;
    const r = await engine.kube.apply(
      `apiVersion: v1
kind: Namespace
metadata: { name: fine }
---
apiVersion: v1
kind: Service
metadata:
  name: Bad_Name
  namespace: dev
spec:
  ports:
    - port: 99999
---
apiVersion: v1
kind: Gizmo
metadata: { name: x }
`,
      ADMIN,
    );
    expect(r.ok).toBe(false);
    expect(r.results[0].errors).toEqual([]);
    const bad = r.results[1];
    expect(bad.line).toBe(5);
    expect(bad.errors.find((e) => e.field === "metadata.name")).toMatchObject({ line: 8, message: expect.stringMatching(/RFC 1123/) });
    expect(bad.errors.find((e) => e.field === "spec.ports.0.port")).toMatchObject({ line: 12, message: "ports are 1–65535" });
    expect(r.results[2].errors[0]).toMatchObject({ field: "kind", message: expect.stringMatching(/kind Gizmo is not handled/) });
    expect(engine.kube.list().length).toBe(before);
    expect(engine.kube.get("Namespace", undefined, "fine")).toBeNull();
  });
});

describe.skipIf(!!missing)("a LoadBalancer service's floating IP at the gateway (GoBGP), traffic from outside to a backend", () => {
  let gobgp: Gobgpd;
  let agent: AgentHandle;

  beforeAll(async () => {
    dir = tempDir();
    engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "weft-k8s", bgp: { address: WEFT, port: BGP_PORT } });
    ({ gobgp } = await startGobgpGateway(engine, { controlName: "weft-k8s", weft: WEFT, gw: GW, port: BGP_PORT, apiPort: 50381 }));
    await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-1"], parent_type: "global-system-config", virtual_router_ip_address: COMPUTE }, ADMIN);
    agent = await startAgent({ name: "compute-1", address: COMPUTE, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200 });
    await waitFor("gobgpd sees Established", () => gobgp.established(WEFT), 30_000);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await gobgp?.stop();
    await engine?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the service's FIP is in GoBGP's RIB with next hop = the compute node hosting the backend, and traffic reaches the pod", async () => {
    await engine.kube.apply("apiVersion: v1\nkind: Namespace\nmetadata: { name: ns-user-1 }\n", ADMIN);
    // the seed's objects: ns-user-1, FIP VN vn-ns-default (101.101.101/24) with its RT, pool-ns-default
    const fipVn = await fipNetwork("ns-user-1", "vn-ns-default", "101.101.101.0/24", "pool-ns-default", "target:64512:101");
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Namespace
metadata:
  name: ns-user-1
  annotations:
    opencontrail.org/fip-pool: "${poolRef("k8s-ns-user-1", "vn-ns-default", "pool-ns-default")}"
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: webserver, namespace: ns-user-1 }
spec:
  replicas: 2
  template:
    metadata: { labels: { app: webserver } }
    spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: service-web-lb, namespace: ns-user-1 }
spec: { type: LoadBalancer, selector: { app: webserver }, ports: [{ port: 80, targetPort: 80 }] }
`,
      ADMIN,
    );
    expect(r.ok, JSON.stringify(r.results.flatMap((x) => x.errors))).toBe(true);
    const s = svc("ns-user-1", "service-web-lb");
    const fip = s.details.externalIP as string;
    expect(fip).toMatch(/^101\.101\.101\./);
    expect(s.details.fipPoolScope).toBe("namespace");

    const key = `${COMPUTE}:${fipVn.virtual_network_network_id}:${fip}/32`;
    type Paths = { nlri: { prefix: string }; attrs: { type: number; nexthop?: string; value?: { type: number; subtype: number; value: string }[] }[] }[];
    const paths = await waitFor("the service FIP in GoBGP's vpnv4 RIB", async () => ((await gobgp.json<Record<string, Paths>>(["global", "rib", "-a", "vpnv4"])) ?? {})[key], 20_000);
    expect(paths[0].attrs.find((a) => a.type === 14)?.nexthop).toBe(COMPUTE);
    expect((paths[0].attrs.find((a) => a.type === 16)?.value ?? []).some((c) => c.value === "64512:101")).toBe(true);

    // the gateway's outside world in the FIP network, then a packet from outside to the FIP
    await gobgp.cli(["global", "rib", "-a", "vpnv4", "add", "198.51.100.0/24", "label", "400", "rd", "64512:9", "rt", "64512:101", "nexthop", GW]);
    const vrf = [...fipVn.fq_name, fipVn.name].join(":");
    await waitFor("the outside prefix in the agent", () => agent.routes(vrf).find((x) => x.prefix === "198.51.100.0/24"), 15_000);
    const t = await testTraffic({ engine } as unknown as Services, ADMIN, { from_vrf: fipVn.fq_name.join(":"), source: "198.51.100.7", destination: fip, protocol: "tcp", dst_port: 80 });
    expect(t.verdict, t.reason).toBe("delivered");
    expect(["default-domain:k8s-ns-user-1:webserver-0", "default-domain:k8s-ns-user-1:webserver-1"]).toContain(t.delivered_to);
    expect(t.reply_verdict).toBe("delivered");

    // deleting the service withdraws the route from the gateway and releases the address
    await engine.kube.deleteManifest("apiVersion: v1\nkind: Service\nmetadata: { name: service-web-lb, namespace: ns-user-1 }\n", ADMIN);
    await waitFor("withdrawn from GoBGP", async () => !((await gobgp.json<Record<string, Paths>>(["global", "rib", "-a", "vpnv4"])) ?? {})[key], 20_000);
    expect(engine.config.list("floating-ip").some((f) => f.floating_ip_address === fip)).toBe(false);
  });
});
