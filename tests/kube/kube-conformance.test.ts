// Kubernetes manifests as kubectl accepts them (issue 15), with real agents on loopback:
// NetworkPolicy re-evaluated from every direction (the policy, pod labels, namespace labels, a
// namespace created after the policy, a pod moved) and checked with test traffic; the "deny from
// other namespaces" recipe's `matchLabels: null`; kinds without a network meaning accepted with a
// warning; StatefulSet / DaemonSet / Job pods mapped and removed with their owner; hostNetwork pods;
// nodePort 0; a Deployment and a ReplicationController of the same name.
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
  { name: "compute-1", address: "127.0.33.1" },
  { name: "compute-2", address: "127.0.33.2" },
];

const until = <T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 15_000) => waitFor(what, f, ms, 50);
const pod = (ns: string, name: string) => engine.kube.get("Pod", ns, name)!;
const portOf = (ns: string, name: string) => pod(ns, name).produced.find((p) => p.type === "virtual-machine-interface")!.uuid;
const ipOf = (ns: string, name: string) => pod(ns, name).details.podIP as string;

async function apply(yaml: string) {
  const r = await engine.kube.apply(yaml, ADMIN);
  expect(r.ok, JSON.stringify(r.results.flatMap((x) => x.errors))).toBe(true);
  await engine.kube.idle();
  return r;
}

async function verdict(fromNs: string, from: string, toNs: string, to: string, dstPort = 80) {
  const t = await engine.control.trace({ portUuid: portOf(fromNs, from), dst: ipOf(toNs, to), protocol: "tcp", dstPort, srcPort: 40000 + Math.floor(Math.random() * 20000) });
  return t.verdict;
}
const delivered = (f: string, a: string, t: string, b: string) => until(`${f}/${a} → ${t}/${b} delivered`, async () => (await verdict(f, a, t, b)) === "delivered");
const refused = (f: string, a: string, t: string, b: string) => until(`${f}/${a} → ${t}/${b} refused`, async () => (await verdict(f, a, t, b)) !== "delivered");

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

describe("NetworkPolicy re-evaluated from every direction (Kubernetes selects peers by the current labels)", () => {
  const policy = (team: string) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow, namespace: db }
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { team: ${team} } }
        - podSelector: { matchLabels: { role: front } }
      ports: [{ protocol: TCP, port: 80 }]
`;

  it("setup: a policy in db granting namespaces labelled team=ops and db's pods labelled role=front", async () => {
    await apply(`
apiVersion: v1
kind: Namespace
metadata: { name: db }
---
apiVersion: v1
kind: Namespace
metadata: { name: tools }
---
apiVersion: v1
kind: Pod
metadata: { name: server, namespace: db, labels: { app: db } }
spec: { nodeName: compute-1 }
---
apiVersion: v1
kind: Pod
metadata: { name: front, namespace: db }
spec: { nodeName: compute-2 }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: tools }
spec: { nodeName: compute-2 }
${"---"}${policy("ops")}`);
    await refused("tools", "client", "db", "server");
    await refused("db", "front", "db", "server");
  });

  it("namespace label added → granted; removed → revoked (a namespace change re-queues policies elsewhere)", async () => {
    await apply("apiVersion: v1\nkind: Namespace\nmetadata: { name: tools, labels: { team: ops } }\n");
    await delivered("tools", "client", "db", "server");
    await apply("apiVersion: v1\nkind: Namespace\nmetadata: { name: tools }\n");
    await refused("tools", "client", "db", "server");
    expect(engine.kube.get("NetworkPolicy", "db", "allow")!.status.state).toBe("ready");
  });

  it("a namespace created after the policy, with a matching label, is granted", async () => {
    await apply(`
apiVersion: v1
kind: Namespace
metadata: { name: ops, labels: { team: ops } }
---
apiVersion: v1
kind: Pod
metadata: { name: mon, namespace: ops }
spec: { nodeName: compute-1 }
`);
    await delivered("ops", "mon", "db", "server");
  });

  it("pod label added → granted; removed → revoked", async () => {
    await apply("apiVersion: v1\nkind: Pod\nmetadata: { name: front, namespace: db, labels: { role: front } }\nspec: { nodeName: compute-2 }\n");
    await delivered("db", "front", "db", "server");
    await apply("apiVersion: v1\nkind: Pod\nmetadata: { name: front, namespace: db }\nspec: { nodeName: compute-2 }\n");
    await refused("db", "front", "db", "server");
  });

  it("a pod moved to another node keeps its grant; a pod recreated keeps it under its new address", async () => {
    await apply("apiVersion: v1\nkind: Pod\nmetadata: { name: mon, namespace: ops }\nspec: { nodeName: compute-2 }\n");
    expect(pod("ops", "mon").details.node).toBe("compute-2");
    await delivered("ops", "mon", "db", "server");
    // the selected pod itself moved: the policy's group follows its port
    await apply("apiVersion: v1\nkind: Pod\nmetadata: { name: server, namespace: db, labels: { app: db } }\nspec: { nodeName: compute-2 }\n");
    await delivered("ops", "mon", "db", "server");
    await refused("tools", "client", "db", "server");
    // recreated: a new port and address, still a peer
    await engine.kube.deleteManifest("apiVersion: v1\nkind: Pod\nmetadata: { name: mon, namespace: ops }\n", ADMIN);
    await apply("apiVersion: v1\nkind: Pod\nmetadata: { name: mon, namespace: ops }\nspec: { nodeName: compute-1 }\n");
    await delivered("ops", "mon", "db", "server");
  });

  it("the policy changed → the grant follows it", async () => {
    await apply(policy("nobody"));
    await refused("ops", "mon", "db", "server");
    await apply(policy("ops"));
    await delivered("ops", "mon", "db", "server");
  });

  it("a namespace deleted → its pods are no longer peers", async () => {
    const ip = ipOf("ops", "mon");
    await engine.kube.deleteManifest("apiVersion: v1\nkind: Namespace\nmetadata: { name: ops }\n", ADMIN);
    await engine.kube.idle();
    const sg = engine.config.getByFqName("security-group", ["default-domain", "k8s-db", "k8s-np-allow"])!;
    const rules = (sg.security_group_entries as { policy_rule: { src_addresses: { subnet?: { ip_prefix: string } }[] }[] }).policy_rule;
    expect(rules.some((r) => r.src_addresses[0].subnet?.ip_prefix === ip)).toBe(false);
  });

  it('"deny traffic from other namespaces" as the recipe writes it (podSelector: {matchLabels: null}) selects every pod', async () => {
    await apply(`
apiVersion: v1
kind: Namespace
metadata: { name: quiet }
---
apiVersion: v1
kind: Pod
metadata: { name: a, namespace: quiet }
spec: { nodeName: compute-1 }
---
apiVersion: v1
kind: Pod
metadata: { name: b, namespace: quiet }
spec: { nodeName: compute-2 }
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  namespace: quiet
  name: deny-from-other-namespaces
spec:
  podSelector:
    matchLabels:
  ingress:
  - from:
    - podSelector: {}
`);
    expect(engine.kube.get("NetworkPolicy", "quiet", "deny-from-other-namespaces")!.details.selectedPods).toEqual(["a", "b"]);
    await refused("tools", "client", "quiet", "a");
    await delivered("quiet", "b", "quiet", "a");
  });
});

describe("manifests as real applications ship them", () => {
  it("kinds without a network meaning are accepted with a warning and never block the rest", async () => {
    const r = await engine.kube.apply(
      `
apiVersion: v1
kind: Namespace
metadata: { name: app }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: app }
stringData: { password: x }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg, namespace: app }
data: { a: b }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: app }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: fast }
provisioner: kubernetes.io/no-provisioner
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: app, namespace: app }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: reader, namespace: app }
rules: []
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: tls, namespace: app }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: app }
`,
      ADMIN,
    );
    expect(r.ok, JSON.stringify(r.results.flatMap((x) => x.errors))).toBe(true);
    const byKind = Object.fromEntries(r.results.map((x) => [x.kind, x]));
    for (const k of ["Secret", "ConfigMap", "PersistentVolumeClaim", "StorageClass", "ServiceAccount", "Role"]) {
      expect(byKind[k].action).toBe("ignored");
      expect(byKind[k].warnings[0].message).toMatch(new RegExp(`^${k} accepted and not applied: it has no network meaning`));
    }
    expect(byKind.Certificate.warnings[0].message).toMatch(/custom resource \(cert-manager.io\), not a kind Weft maps/);
    expect(byKind.Pod.action).toBe("created");
    await engine.kube.idle();
    expect(pod("app", "web").status.state).toBe("ready");
    // a mapped kind mis-spelt is still an error (the API server would refuse it), and nothing is applied
    const bad = await engine.kube.apply("apiVersion: v1\nkind: pod\nmetadata: { name: x, namespace: app }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: y, namespace: app }\n", ADMIN);
    expect(bad.ok).toBe(false);
    expect(bad.results[0].errors[0].message).toMatch(/did you mean Pod/);
    // kubectl delete -f of the same file: the unmapped kinds are reported, not errors
    const del = await engine.kube.deleteManifest("apiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: app }\n", ADMIN);
    expect(del.ok).toBe(true);
    expect(del.results[0].action).toBe("ignored");
  });

  it("StatefulSet (stable <name>-<ordinal>), DaemonSet (one pod per compute node) and Job pods are mapped, and removed with their owner", async () => {
    const m = `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: pg, namespace: app }
spec:
  serviceName: pg
  replicas: 3
  selector: { matchLabels: { app: pg } }
  template: { metadata: { labels: { app: pg } } }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: app }
spec:
  selector: { matchLabels: { app: agent } }
  template: { metadata: { labels: { app: agent } } }
---
apiVersion: batch/v1
kind: Job
metadata: { name: migrate, namespace: app }
spec:
  parallelism: 2
  template: { spec: { restartPolicy: Never } }
`;
    await apply(m);
    expect(engine.kube.get("StatefulSet", "app", "pg")!.details.pods).toEqual(["pg-0", "pg-1", "pg-2"]);
    expect(pod("app", "pg-1").object.metadata.labels).toMatchObject({ app: "pg", "statefulset.kubernetes.io/pod-name": "pg-1" });
    const ds = engine.kube.list({ kind: "Pod", namespace: "app" }).filter((p) => p.owner === "DaemonSet/app/agent");
    expect(ds.map((p) => [p.name, p.details.node])).toEqual([
      ["agent-compute-1", "compute-1"],
      ["agent-compute-2", "compute-2"],
    ]);
    expect(engine.kube.get("Job", "app", "migrate")!.details.pods).toEqual(["migrate-0", "migrate-1"]);
    expect(pod("app", "migrate-0").object.metadata.labels).toMatchObject({ "job-name": "migrate" });
    for (const p of ["pg-0", "pg-2", "agent-compute-1", "migrate-1"]) expect(pod("app", p).status.state).toBe("ready");
    await delivered("app", "pg-0", "app", "agent-compute-2");
    // a compute node added: the DaemonSet gets a pod there
    await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-3"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.33.3" }, ADMIN);
    await until("the DaemonSet's third pod", () => engine.kube.get("Pod", "app", "agent-compute-3"));
    await engine.kube.idle();
    const ips = ["pg-0", "agent-compute-1", "migrate-0"].map((p) => ipOf("app", p));
    const r = await engine.kube.deleteManifest(m, ADMIN);
    expect(r.results.map((x) => x.action)).toEqual(["deleted", "deleted", "deleted"]);
    await engine.kube.idle();
    expect(engine.kube.list({ kind: "Pod", namespace: "app" }).map((p) => p.name)).toEqual(["web"]);
    expect(engine.config.list("instance-ip").filter((i) => ips.includes(i.instance_ip_address as string))).toEqual([]);
    expect(engine.config.list("virtual-machine").filter((v) => /__(pg|agent|migrate)-/.test(v.name))).toEqual([]);
  });

  it("a Deployment and a ReplicationController with the same name each report only their own pods", async () => {
    await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web2, namespace: app }
spec: { replicas: 2, template: { metadata: { labels: { app: web2 } } } }
---
apiVersion: v1
kind: ReplicationController
metadata: { name: web2, namespace: app }
spec: { replicas: 1, template: { metadata: { labels: { app: web2-rc } } } }
`);
    const dep = engine.kube.get("Deployment", "app", "web2")!.details.pods as string[];
    const rc = engine.kube.get("ReplicationController", "app", "web2")!.details.pods as string[];
    expect(dep).toEqual(["web2-0", "web2-1"]);
    expect(rc).toEqual(["web2-rc-0"]);
    expect(pod("app", "web2-rc-0").owner).toBe("ReplicationController/app/web2");
    expect(pod("app", "web2-rc-0").object.metadata.ownerReferences![0]).toMatchObject({ kind: "ReplicationController", name: "web2", uid: engine.kube.get("ReplicationController", "app", "web2")!.object.metadata.uid });
    await engine.kube.deleteManifest("apiVersion: v1\nkind: ReplicationController\nmetadata: { name: web2, namespace: app }\n", ADMIN);
    await engine.kube.idle();
    expect(engine.kube.get("Pod", "app", "web2-rc-0")).toBeNull();
    expect(engine.kube.get("Pod", "app", "web2-0")).toBeTruthy();
  });

  it("hostNetwork pods get no overlay port and say so; nodePort 0 is allocated", async () => {
    const r = await apply(`
apiVersion: v1
kind: Pod
metadata: { name: node-exporter, namespace: app, labels: { app: ne } }
spec: { hostNetwork: true, nodeName: compute-2 }
---
apiVersion: v1
kind: Service
metadata: { name: np, namespace: app }
spec: { type: NodePort, selector: { app: ne }, ports: [{ port: 9100, nodePort: 0 }, { port: 9101 }] }
`);
    expect(r.results[1].errors).toEqual([]);
    const ne = pod("app", "node-exporter");
    expect(ne.status.state).toBe("ready");
    expect(ne.produced).toEqual([]);
    expect(ne.details).toMatchObject({ hostNetwork: true, node: "compute-2", podIP: "127.0.33.2" });
    expect(ne.status.warnings.join()).toMatch(/hostNetwork: true .* no overlay port/);
    expect(engine.config.getByFqName("virtual-machine-interface", ["default-domain", "k8s-app", "node-exporter"])).toBeUndefined();
    const ports = engine.kube.get("Service", "app", "np")!.details.nodePorts as { port: number; nodePort: number }[];
    expect(ports.map((p) => p.port)).toEqual([9100, 9101]);
    for (const p of ports) expect(p.nodePort).toBeGreaterThanOrEqual(30000);
    expect(ports[0].nodePort).not.toBe(ports[1].nodePort);
  });
});
