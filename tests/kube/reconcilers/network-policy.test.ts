// The NetworkPolicy reconciler alone (reconcilers/network-policy.ts): rules with peers resolved to
// pod addresses and ipBlocks, named ports, policy types, the selected pods re-evaluated.
import { afterEach, beforeEach, expect, it } from "vitest";
import { NetworkPolicyReconciler, policyTypes, securityGroupsFor } from "../../../server/engine/kube/reconcilers/network-policy";
import { ACTOR, type Harness, harness } from "./harness";

let h: Harness;
let r: NetworkPolicyReconciler;
beforeEach(async () => {
  h = await harness();
  r = new NetworkPolicyReconciler(h.ctx);
  await h.ctx.networks.ensureCluster(ACTOR);
  for (const ns of ["shop", "ops"]) {
    h.put({ kind: "Namespace", metadata: { name: ns, labels: { team: ns } } });
    await h.ctx.networks.ensureProject(["default-domain", `k8s-${ns}`], ACTOR, ns);
  }
  // pods with addresses, as the pod reconciler leaves them
  const pod = (ns: string, name: string, labels: Record<string, string>, ip: string) => {
    const e = h.put({ kind: "Pod", metadata: { name, namespace: ns, labels }, spec: { containers: [{ ports: [{ name: "http", containerPort: 8080 }] }] } });
    e.details = { podIP: ip };
  };
  pod("shop", "db", { app: "db" }, "10.32.0.10");
  pod("shop", "web", { app: "web" }, "10.32.0.11");
  pod("ops", "mon", { app: "mon" }, "10.32.0.12");
});
afterEach(() => h.close());

type Rule = { src_addresses: { subnet?: { ip_prefix: string; ip_prefix_len: number } }[]; dst_ports: { start_port: number; end_port: number }[]; protocol: string };
const rules = (ns: string, name: string) => (h.config.getByFqName("security-group", ["default-domain", `k8s-${ns}`, `k8s-np-${name}`])!.security_group_entries as { policy_rule: Rule[] }).policy_rule;
const sources = (rs: Rule[]) => rs.map((x) => `${x.src_addresses[0].subnet?.ip_prefix}/${x.src_addresses[0].subnet?.ip_prefix_len}`).sort();

it("podSelector peers in the policy's namespace, namespaceSelector peers across namespaces, named ports", async () => {
  h.put({
    kind: "NetworkPolicy",
    metadata: { name: "db", namespace: "shop" },
    spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }, { namespaceSelector: { matchLabels: { team: "ops" } } }], ports: [{ port: "http" }] }] },
  });
  const warnings = await h.run(r, "NetworkPolicy/shop/db");
  expect(warnings).toEqual([]);
  expect(sources(rules("shop", "db"))).toEqual(["10.32.0.11/32", "10.32.0.12/32"]);
  expect(rules("shop", "db").every((x) => x.dst_ports[0].start_port === 8080 && x.protocol === "tcp")).toBe(true);
  expect(h.store.get("NetworkPolicy/shop/db")!.details.selectedPods).toEqual(["db"]);
  // the namespace's pods re-evaluate their security groups
  expect(h.queued).toEqual(expect.arrayContaining(["Pod/shop/db", "Pod/shop/web"]));
});

it("ipBlock with except; an unknown named port is a warning", async () => {
  h.put({
    kind: "NetworkPolicy",
    metadata: { name: "ext", namespace: "shop" },
    spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.0.2.0/24", except: ["192.0.2.0/25"] } }] }, { ports: [{ port: "nope" }] }] },
  });
  const warnings = await h.run(r, "NetworkPolicy/shop/ext");
  expect(sources(rules("shop", "ext"))).toEqual(["192.0.2.128/25"]);
  expect(warnings).toEqual(["spec.ingress.1.ports.0: named port nope is not a containerPort of any pod in shop"]);
});

it("policy types (Kubernetes defaults) and a selected pod's groups: an allow-all for the direction not isolated", async () => {
  expect(policyTypes({ apiVersion: "v1", kind: "NetworkPolicy", metadata: { name: "x" }, spec: { podSelector: {} } })).toEqual({ ingress: true, egress: false });
  expect(policyTypes({ apiVersion: "v1", kind: "NetworkPolicy", metadata: { name: "x" }, spec: { podSelector: {}, egress: [{}] } })).toEqual({ ingress: true, egress: true });
  h.put({ kind: "NetworkPolicy", metadata: { name: "deny", namespace: "shop" }, spec: { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] } });
  await h.run(r, "NetworkPolicy/shop/deny");
  expect(rules("shop", "deny")).toEqual([]);
  const project = h.config.getByFqName("project", ["default-domain", "k8s-shop"])!;
  const sgs = await securityGroupsFor(h.ctx, h.store.get("Pod/shop/db")!, project, ACTOR);
  expect(sgs.map((s) => s.name)).toEqual(["k8s-np-deny", "k8s-allow-all-egress"]);
  expect(await securityGroupsFor(h.ctx, h.store.get("Pod/shop/web")!, project, ACTOR)).toEqual([]);
});

it("teardown deletes the security group and re-evaluates the namespace's pods", async () => {
  h.put({ kind: "NetworkPolicy", metadata: { name: "deny", namespace: "shop" }, spec: { podSelector: {} } });
  await h.run(r, "NetworkPolicy/shop/deny");
  h.queued.length = 0;
  h.store.remove("NetworkPolicy", "shop", "deny");
  h.queued.length = 0;
  await h.run(r, "NetworkPolicy/shop/deny");
  expect(h.config.getByFqName("security-group", ["default-domain", "k8s-shop", "k8s-np-deny"])).toBeUndefined();
  expect(h.queued.sort()).toEqual(["Pod/shop/db", "Pod/shop/web"]);
});
