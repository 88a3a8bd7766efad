// The Kubernetes manager end to end with real agents (gRPC + the simulated data plane on loopback):
// seed 001's isolation experiment, seed 004's k8petstore (service VIP = floating IP on every
// backend, ECMP), NetworkPolicy → security groups, and deletes that leave nothing behind.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import { waitFor } from "../bgp/daemons";
import { ADMIN, tempDir } from "../helpers";

let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();
const NODES = [
  { name: "compute-1", address: "127.0.12.1" },
  { name: "compute-2", address: "127.0.12.2" },
  { name: "compute-3", address: "127.0.12.3" },
];

/** tests/bgp/daemons.ts's waitFor, polling every 50 ms */
const until = <T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 15_000) => waitFor(what, f, ms, 50);

const pod = (ns: string, name: string) => engine.kube.get("Pod", ns, name)!;
const portOf = (ns: string, name: string) => pod(ns, name).produced.find((p) => p.type === "virtual-machine-interface")!.uuid;
const ipOf = (ns: string, name: string) => pod(ns, name).details.podIP as string;
const routed = (node: string, vrf: string, prefix: string) => agents.get(node)!.routes(vrf).some((r) => r.prefix === prefix);

/** Every pod's address is in every agent hosting a port of its VRF (the network has converged). */
async function converged() {
  await engine.kube.idle();
  await until("pod routes in the agents", () =>
    engine.kube.list({ kind: "Pod" }).every((p) => {
      const vrf = `${p.details.network}:${String(p.details.network).split(":").pop()}`;
      return routed(p.details.node as string, vrf, `${p.details.podIP}/32`);
    }),
  );
}

async function send(fromNs: string, from: string, dst: string, dstPort = 80) {
  return engine.control.trace({ portUuid: portOf(fromNs, from), dst, protocol: "tcp", dstPort, srcPort: 40000 + Math.floor(Math.random() * 20000) });
}

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 3 });
  for (const n of NODES) {
    await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", n.name], parent_type: "global-system-config", virtual_router_ip_address: n.address }, ADMIN);
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, backoffInitialMs: 200, backoffMaxMs: 1000 }));
  }
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("seed 001: namespaces and isolation", () => {
  it("creates the cluster's networks, a project per namespace and the isolated namespace's own networks", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Namespace
metadata:
  name: ns-non-isolated
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns-isolated
  annotations:
    opencontrail.org/isolation: "true"
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: default, labels: { app: client } }
---
apiVersion: v1
kind: Pod
metadata: { name: server, namespace: ns-non-isolated, labels: { app: server } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: iso, namespace: ns-isolated }
spec:
  replicas: 2
  template:
    metadata: { labels: { app: iso } }
`,
      ADMIN,
    );
    expect(r.ok).toBe(true);
    expect(r.results.map((x) => x.action)).toEqual(["created", "created", "created", "created", "created"]);
    await converged();
    const vns = engine.config.list("virtual-network").map((v) => v.fq_name.join(":"));
    for (const n of [
      "default-domain:k8s-default:k8s-default-pod-network",
      "default-domain:k8s-default:k8s-default-service-network",
      "default-domain:k8s-ns-isolated:k8s-ns-isolated-pod-network",
      "default-domain:k8s-ns-isolated:k8s-ns-isolated-service-network",
    ])
      expect(vns).toContain(n);
    expect(engine.config.getByFqName("project", ["default-domain", "k8s-ns-non-isolated"])).toBeTruthy();
    expect(engine.config.getByFqName("virtual-network", ["default-domain", "k8s-ns-non-isolated", "k8s-ns-non-isolated-pod-network"])).toBeUndefined();
    expect(pod("ns-non-isolated", "server").details.network).toBe("default-domain:k8s-default:k8s-default-pod-network");
    expect(pod("ns-isolated", "iso-0").details.network).toBe("default-domain:k8s-ns-isolated:k8s-ns-isolated-pod-network");
    // round robin over the compute nodes
    const nodes = new Set(engine.kube.list({ kind: "Pod" }).map((p) => p.details.node));
    expect(nodes.size).toBeGreaterThan(1);
    // the port is named after the pod, in the namespace's project
    const vmi = engine.config.find(portOf("default", "client"))!;
    expect(vmi.fq_name).toEqual(["default-domain", "k8s-default", "client"]);
  });

  it("default ↔ non-isolated passes; anything ↔ isolated from outside is dropped; inside the isolated namespace passes", async () => {
    const there = await send("default", "client", ipOf("ns-non-isolated", "server"));
    expect(there.verdict, there.reason).toBe("delivered");
    const back = await send("ns-non-isolated", "server", ipOf("default", "client"));
    expect(back.verdict, back.reason).toBe("delivered");

    const toIso = await send("default", "client", ipOf("ns-isolated", "iso-0"));
    expect(toIso.verdict).not.toBe("delivered");
    expect(toIso.reason).toMatch(/no route/);
    const fromIso = await send("ns-isolated", "iso-0", ipOf("default", "client"));
    expect(fromIso.verdict).not.toBe("delivered");
    const nonIsoToIso = await send("ns-non-isolated", "server", ipOf("ns-isolated", "iso-1"));
    expect(nonIsoToIso.verdict).not.toBe("delivered");

    const inside = await send("ns-isolated", "iso-0", ipOf("ns-isolated", "iso-1"));
    expect(inside.verdict, inside.reason).toBe("delivered");
  });
});

describe("seed 004: k8petstore", () => {
  const petstore = `
apiVersion: v1
kind: Namespace
metadata: { name: petstore }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: redis-master, namespace: petstore }
spec:
  replicas: 1
  template:
    metadata: { labels: { name: redis-master } }
    spec: { containers: [{ name: redis, image: redis, ports: [{ containerPort: 6379 }] }] }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: redis-slave, namespace: petstore }
spec:
  replicas: 2
  template:
    metadata: { labels: { name: redis-slave, uses: redis-master } }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: frontend, namespace: petstore }
spec:
  replicas: 3
  template:
    metadata: { labels: { name: frontend, uses: redis-master } }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: load-generator, namespace: petstore }
spec:
  replicas: 1
  template:
    metadata: { labels: { name: load-generator, uses: frontend } }
---
apiVersion: v1
kind: Service
metadata: { name: redis-master, namespace: petstore }
spec: { selector: { name: redis-master }, ports: [{ port: 6379 }] }
---
apiVersion: v1
kind: Service
metadata: { name: redis-slave, namespace: petstore }
spec: { selector: { name: redis-slave }, ports: [{ port: 6379 }] }
---
apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: petstore }
spec: { selector: { name: frontend }, ports: [{ port: 3000 }] }
`;

  it("each service gets a VIP from the service network, attached as a floating IP to every backend", async () => {
    const r = await engine.kube.apply(petstore, ADMIN);
    expect(r.ok, JSON.stringify(r.results.flatMap((x) => x.errors))).toBe(true);
    await converged();
    const fe = engine.kube.get("Service", "petstore", "frontend")!;
    expect(fe.status.state).toBe("ready");
    const vip = fe.details.clusterIP as string;
    expect(vip).toMatch(/^10\.(9[6-9]|10[0-3])\./);
    const fip = engine.config.find(fe.produced.find((p) => p.role === "cluster IP")!.uuid)!;
    expect(fip.fq_name.slice(0, 3)).toEqual(["default-domain", "k8s-default", "k8s-default-service-network"]);
    expect((fip.virtual_machine_interface_refs as unknown[]).length).toBe(3);
    expect(r.results.find((x) => x.kind === "Service" && x.name === "frontend")!.produced!.some((p) => p.role === "cluster IP")).toBe(true);
  });

  it("the load generator reaches the frontend VIP, ECMP across the three replicas (NAT to each pod's address)", async () => {
    const vip = engine.kube.get("Service", "petstore", "frontend")!.details.clusterIP as string;
    const frontends = new Set(["frontend-0", "frontend-1", "frontend-2"].map((n) => `default-domain:k8s-petstore:${n}`));
    // the VIP route in the client's VRF has a next hop per node hosting a frontend
    const hosts = new Set(["frontend-0", "frontend-1", "frontend-2"].map((n) => pod("petstore", n).details.node));
    const clientNode = pod("petstore", "load-generator-0").details.node as string;
    await until("the VIP route with every backend node", () => {
      const r = agents.get(clientNode)!.routes("default-domain:k8s-default:k8s-default-pod-network:k8s-default-pod-network").find((x) => x.prefix === `${vip}/32`);
      return r && new Set(r.nextHops.map((n) => n.node)).size === hosts.size;
    });
    const reached = new Set<string>();
    for (let i = 0; i < 40 && reached.size < 3; i++) {
      const t = await send("petstore", "load-generator-0", vip, 3000);
      expect(t.verdict, t.reason).toBe("delivered");
      expect(t.hops.some((h) => h.step === "nat" && h.detail.startsWith(`destination ${vip} → `))).toBe(true);
      reached.add(t.delivered_to);
    }
    expect(reached).toEqual(frontends);
  });

  it("the frontend reaches redis-master through its service VIP", async () => {
    const vip = engine.kube.get("Service", "petstore", "redis-master")!.details.clusterIP as string;
    const t = await send("petstore", "frontend-1", vip, 6379);
    expect(t.verdict, t.reason).toBe("delivered");
    expect(t.delivered_to).toBe("default-domain:k8s-petstore:redis-master-0");
    expect(t.reply_verdict ?? "delivered").not.toBe("dropped");
  });

  it("scaling the frontend down takes the pod off the VIP and releases its address", async () => {
    const gone = ipOf("petstore", "frontend-2");
    await engine.kube.apply(petstore.replace("replicas: 3", "replicas: 2"), ADMIN);
    await engine.kube.idle();
    expect(engine.kube.get("Pod", "petstore", "frontend-2")).toBeNull();
    const fe = engine.kube.get("Service", "petstore", "frontend")!;
    const fip = engine.config.find(fe.produced[0].uuid)!;
    expect((fip.virtual_machine_interface_refs as unknown[]).length).toBe(2);
    expect(engine.config.list("instance-ip").some((i) => i.instance_ip_address === gone)).toBe(false);
  });
});

describe("NetworkPolicy → security groups", () => {
  it("default deny ingress, then allow from pods labelled role=frontend on port 6379 only", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: redis-allow-frontend, namespace: petstore }
spec:
  podSelector: { matchLabels: { name: redis-master } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: { matchLabels: { name: frontend } } }]
      ports: [{ protocol: TCP, port: 6379 }]
`,
      ADMIN,
    );
    expect(r.ok).toBe(true);
    await engine.kube.idle();
    const redis = ipOf("petstore", "redis-master-0");
    const sgs = pod("petstore", "redis-master-0").details.securityGroups as string[];
    expect(sgs).toContain("default-domain:k8s-petstore:k8s-np-redis-allow-frontend");
    // egress stays open: not isolated in that direction
    expect(sgs).toContain("default-domain:k8s-petstore:k8s-allow-all-egress");
    await until("the SG ACL on the agent", async () => (await send("petstore", "frontend-0", redis, 6379)).verdict === "delivered");
    const denied = await send("petstore", "load-generator-0", redis, 6379);
    expect(denied.verdict).toBe("dropped");
    expect(denied.hops.map((h) => h.detail).join("\n")).toMatch(/k8s-np-redis-allow-frontend/);
    const wrongPort = await send("petstore", "frontend-0", redis, 22);
    expect(wrongPort.verdict).toBe("dropped");
    // pods the policy does not select are untouched
    expect(pod("petstore", "frontend-0").details.securityGroups).toEqual([]);
    expect((await send("petstore", "load-generator-0", ipOf("petstore", "frontend-0"), 3000)).verdict).toBe("delivered");
  });

  it("a new frontend pod becomes an allowed peer without touching the policy", async () => {
    await engine.kube.apply(
      `
apiVersion: v1
kind: Pod
metadata: { name: frontend-extra, namespace: petstore, labels: { name: frontend } }
`,
      ADMIN,
    );
    await converged();
    const redis = ipOf("petstore", "redis-master-0");
    await until("the new peer allowed", async () => (await send("petstore", "frontend-extra", redis, 6379)).verdict === "delivered");
  });
});

describe("seed 004's name/uses labels (weft.io/uses-labels on the namespace)", () => {
  it("X uses Y: X reaches Y's VIP; what does not use Y is dropped at Y", async () => {
    const m = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, annotations: { weft.io/uses-labels: "true" } }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: redis-master, namespace: shop }
spec: { replicas: 1, template: { metadata: { labels: { name: redis-master } } } }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: frontend, namespace: shop }
spec: { replicas: 2, template: { metadata: { labels: { name: frontend, uses: redis-master } } } }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: load-generator, namespace: shop }
spec: { replicas: 1, template: { metadata: { labels: { name: load-generator, uses: frontend } } } }
---
apiVersion: v1
kind: Service
metadata: { name: redis-master, namespace: shop }
spec: { selector: { name: redis-master }, ports: [{ port: 6379 }] }
---
apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: shop }
spec: { selector: { name: frontend }, ports: [{ port: 3000 }] }
`;
    expect((await engine.kube.apply(m, ADMIN)).ok).toBe(true);
    await converged();
    expect(engine.kube.get("Namespace", undefined, "shop")!.details.usesPolicies).toEqual(expect.arrayContaining(["uses-redis-master", "uses-frontend", "uses-load-generator"]));
    expect(engine.kube.get("NetworkPolicy", "shop", "uses-redis-master")!.owner).toBe("Namespace/shop");
    const redisVip = engine.kube.get("Service", "shop", "redis-master")!.details.clusterIP as string;
    const feVip = engine.kube.get("Service", "shop", "frontend")!.details.clusterIP as string;
    await until("frontend → redis-master allowed", async () => (await send("shop", "frontend-0", redisVip, 6379)).verdict === "delivered");
    expect((await send("shop", "load-generator-0", feVip, 3000)).verdict).toBe("delivered");
    const denied = await send("shop", "load-generator-0", redisVip, 6379);
    expect(denied.verdict).toBe("dropped");
    expect(denied.hops.map((h) => h.detail).join("\n")).toMatch(/k8s-np-uses-redis-master/);
  });
});

describe("deletes", () => {
  it("deleting a namespace removes its pods, ports, addresses, VIPs, security groups and project", async () => {
    const before = engine.config.list("instance-ip").length;
    const pods = engine.kube.list({ kind: "Pod", namespace: "petstore" }).length;
    const r = await engine.kube.deleteManifest("apiVersion: v1\nkind: Namespace\nmetadata: { name: petstore }\n", ADMIN);
    expect(r.results[0].action).toBe("deleted");
    await engine.kube.idle();
    expect(engine.kube.list({ namespace: "petstore" })).toEqual([]);
    expect(engine.config.list("instance-ip").length).toBe(before - pods);
    expect(engine.config.getByFqName("project", ["default-domain", "k8s-petstore"])).toBeUndefined();
    expect(engine.config.list("floating-ip").filter((f) => f.name.startsWith("petstore__"))).toEqual([]);
    expect(engine.config.list("virtual-machine").filter((v) => v.name.startsWith("k8s__petstore__"))).toEqual([]);
  });
});
