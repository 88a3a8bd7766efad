// The Kubernetes manager (contrail-kube-manager's role, seed 001 and seed 004): Kubernetes objects
// from manifests or a live API's list+watch land in one object store; a work queue reconciles each
// key idempotently into config objects (projects, virtual networks, VMs, ports, instance IPs,
// floating IPs, security groups, policies) through the config service, as actor `kube`.
//
// Mapping (seed 001 names):
//   Namespace ns                → project k8s-<ns>; isolated (opencontrail.org/isolation: "true") →
//                                 its own k8s-<ns>-pod-network / k8s-<ns>-service-network
//   cluster                     → project k8s-default with k8s-default-pod-network and
//                                 k8s-default-service-network, shared by non-isolated namespaces
//   NetworkAttachmentDefinition → VN k8s-<name>-pod-network (opencontrail.org/cidr)
//   Pod                         → virtual-machine + port (VMI, bound to a compute node) + instance IP
//   Service (ClusterIP)         → a VIP floating IP from the service network, on every backing pod (ECMP)
//   Service (LoadBalancer), Ingress → plus a floating IP from the pool chosen by scope
//   NetworkPolicy               → security groups on the selected pods
//   Deployment / ReplicaSet / ReplicationController → their pods (no kube-controller-manager here)
import fs from "node:fs";
import path from "node:path";
import { type Actor, SYSTEM_ACTOR } from "../config/api";
import type { ConfigService } from "../config/service";
import { WeftError } from "../model/errors";
import { type Cidr, cidrText, nthSubnet, parseCidr, subtractCidrs } from "../model/net";
import type { PolicyRule } from "../model/schemas";
import { type ConfigObject, type ObjectType, type Ref, bindingHost, fqString, labelAnnotations } from "../model/types";
import { WorkQueue } from "./queue";
import {
  type Issue,
  KINDS,
  type Kind,
  type KubeObject,
  type LabelSelector,
  WORKLOAD_KINDS,
  keyOf,
  mapSelects,
  objectKey,
  parseContrailDict,
  parseManifest,
  selects,
} from "./resources";

export const ISOLATION = "opencontrail.org/isolation";
export const NETWORK = "opencontrail.org/network";
export const FIP_POOL = "opencontrail.org/fip-pool";
export const CIDR = "opencontrail.org/cidr";
/** Weft's switch for seed 004's name/uses label convention on a namespace */
export const USES_LABELS = "weft.io/uses-labels";
/** services and policies re-evaluate their pods this long after a pod changes (coalescing bursts) */
const PEER_DELAY_MS = 50;
const DOMAIN = "default-domain";
const DEFAULT_IPAM = [DOMAIN, "default-project", "default-network-ipam"];

export interface PoolRef {
  domain: string;
  project: string;
  network: string;
  name: string;
}

export interface KubeOptions {
  /** Contrail's cluster name: prefixes projects and networks (k8s-<ns>) */
  clusterName?: string;
  /** pod addresses: the default pod network takes the first half, isolated namespaces get /20s of the rest */
  podSubnet?: string;
  /** service VIPs: likewise, /22s for isolated namespaces */
  serviceSubnet?: string;
  /** the global floating IP pool (KUBERNETES_PUBLIC_FIP_POOL) */
  publicFipPool?: PoolRef | null;
  /** where applied manifests are kept across restarts (absent: memory only) */
  stateFile?: string;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface Produced {
  type: ObjectType;
  uuid: string;
  fq_name: string[];
  /** what it is for this Kubernetes object (pod network, VIP, external IP, …) */
  role: string;
}

export type Source = "manifest" | "watch";

export interface ObjectStatus {
  state: "pending" | "ready" | "error";
  message: string;
  warnings: string[];
  at: string;
}

interface Entry {
  object: KubeObject;
  source: Source;
  actor: Actor;
  /** the workload (Kind/ns/name) that expanded this pod */
  owner?: string;
  status: ObjectStatus;
  produced: Produced[];
  details: Record<string, unknown>;
  /** what peers/back-ends last saw of this pod (labels + address): a change re-evaluates services and policies */
  signature?: string;
}

export interface KubeObjectView {
  key: string;
  kind: Kind;
  namespace: string;
  name: string;
  source: Source;
  owner: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: ObjectStatus;
  produced: Produced[];
  details: Record<string, unknown>;
  object: KubeObject;
}

export interface ApplyResult {
  index: number;
  line: number;
  kind: string;
  namespace: string;
  name: string;
  action: "created" | "configured" | "unchanged" | "deleted" | "not found" | "invalid" | "not applied" | "valid";
  errors: Issue[];
  warnings: Issue[];
  /** after waiting: the reconcile state and the Weft objects produced */
  status?: ObjectStatus;
  produced?: Produced[];
}

const now = () => new Date().toISOString();
const stable = (o: unknown) => JSON.stringify(o, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

function kubeActor(actor: Actor): Actor {
  return { ...actor, source: "kube", email: actor.source === "kube" ? actor.email : actor.email === "system" ? "kube-manager" : `${actor.email} (kube)` };
}

export function parsePoolRef(text: string | undefined | null): PoolRef | null {
  if (!text) return null;
  const d = parseContrailDict(text);
  if (!d.name || !d.network || !d.project) throw new Error(`a floating IP pool needs domain, project, network and name: ${text}`);
  return { domain: d.domain || DOMAIN, project: d.project, network: d.network, name: d.name };
}

export class KubeManager {
  readonly cluster: string;
  private readonly entries = new Map<string, Entry>();
  private readonly queue: WorkQueue;
  private publicPool: PoolRef | null;
  private readonly podBase: Cidr;
  private readonly serviceBase: Cidr;
  private clusterReady: Promise<void> | null = null;
  private carving: Promise<unknown> = Promise.resolve();
  private rr = 0;
  private saveTimer: NodeJS.Timeout | null = null;
  private readonly log: (l: string) => void;
  /** reconciles done / failed since start (the bench and /metrics read them) */
  readonly counters = { reconciles: 0, errors: 0 };

  constructor(
    private readonly config: ConfigService,
    private readonly opts: KubeOptions = {},
  ) {
    this.cluster = opts.clusterName ?? "k8s";
    this.publicPool = opts.publicFipPool ?? null;
    const pod = parseCidr(opts.podSubnet ?? "10.32.0.0/12");
    const svc = parseCidr(opts.serviceSubnet ?? "10.96.0.0/12");
    if (!pod.ok) throw new Error(`pod subnet: ${pod.error}`);
    if (!svc.ok) throw new Error(`service subnet: ${svc.error}`);
    this.podBase = pod.cidr;
    this.serviceBase = svc.cidr;
    this.log = opts.log ?? (() => {});
    this.queue = new WorkQueue((k) => this.reconcile(k), {
      concurrency: opts.concurrency ?? 128,
      maxRetries: 6,
      retryMs: (n) => Math.min(200 * 2 ** n, 10_000),
      onError: (key, e, again) => {
        this.counters.errors++;
        const en = this.entries.get(key);
        const msg = (e as Error).message ?? String(e);
        if (en) en.status = { ...en.status, state: again ? "pending" : "error", message: again ? `retrying: ${msg}` : msg, at: now() };
        if (!again) this.log(`kube: ${key}: ${msg}`);
      },
    });
  }

  // ------------------------------------------------------------------ names

  projectName = (ns: string) => `${this.cluster}-${ns}`;
  projectFq = (ns: string) => [DOMAIN, this.projectName(ns)];
  get defaultProject() {
    return this.projectFq("default");
  }
  podNetworkFq(ns: string | null) {
    return ns === null ? [...this.defaultProject, `${this.cluster}-default-pod-network`] : [...this.projectFq(ns), `${this.cluster}-${ns}-pod-network`];
  }
  serviceNetworkFq(ns: string | null) {
    return ns === null ? [...this.defaultProject, `${this.cluster}-default-service-network`] : [...this.projectFq(ns), `${this.cluster}-${ns}-service-network`];
  }
  private serviceNetworkOf(ns: string) {
    return this.serviceNetworkFq(this.isolated(ns) ? ns : null);
  }
  private isolated(ns: string) {
    return this.entries.get(keyOf("Namespace", undefined, ns))?.object.metadata.annotations?.[ISOLATION] === "true";
  }

  // ------------------------------------------------------------------ lifecycle

  async start() {
    const file = this.opts.stateFile;
    if (file && fs.existsSync(file)) {
      try {
        const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { object: KubeObject; owner?: string; actor: Actor }[];
        for (const s of saved) this.put(s.object, "manifest", s.actor, s.owner);
        for (const k of this.entries.keys()) this.queue.add(k);
      } catch (e) {
        this.log(`kube: could not read ${file}: ${(e as Error).message}`);
      }
    }
  }

  async stop() {
    this.queue.stop();
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.save();
    }
  }

  /** Resolves when every queued reconcile has run (or given up). */
  idle() {
    return this.queue.idle();
  }

  get queueDepth() {
    return this.queue.depth;
  }

  setPublicFipPool(ref: PoolRef | null) {
    this.publicPool = ref;
    for (const [k, e] of this.entries) if (e.object.kind === "Service" || e.object.kind === "Ingress") this.queue.add(k);
  }

  get publicFipPool() {
    return this.publicPool;
  }

  // ------------------------------------------------------------------ the object store (both sources)

  /** Adds or replaces an object (a manifest document or a watch event); returns what changed. */
  upsert(object: KubeObject, source: Source, actor: Actor = SYSTEM_ACTOR): "created" | "configured" | "unchanged" {
    const key = objectKey(object);
    const had = this.entries.get(key);
    if (had && stable(strip(had.object)) === stable(strip(object))) return "unchanged";
    this.put(object, source, actor, had?.owner);
    this.changed(key, had?.object ?? null, object);
    return had ? "configured" : "created";
  }

  /** Removes an object; what it produced is deleted by its reconcile. */
  remove(kind: Kind, namespace: string | undefined, name: string): boolean {
    const key = keyOf(kind, namespace, name);
    const had = this.entries.get(key);
    if (!had) return false;
    this.entries.delete(key);
    this.orphans.set(key, had);
    this.changed(key, had.object, null);
    return true;
  }

  /** Keys of the store (a watch relist compares against them). */
  keys(source?: Source): string[] {
    return [...this.entries].filter(([, e]) => !source || e.source === source).map(([k]) => k);
  }

  /** What removed objects had produced, until their reconcile has deleted it. */
  private readonly orphans = new Map<string, Entry>();

  private put(object: KubeObject, source: Source, actor: Actor, owner?: string) {
    const key = objectKey(object);
    const had = this.entries.get(key);
    object.metadata.uid ??= had?.object.metadata.uid ?? crypto.randomUUID();
    this.entries.set(key, {
      object,
      source,
      actor,
      owner,
      status: { state: "pending", message: "waiting for the kube manager", warnings: [], at: now() },
      produced: had?.produced ?? [],
      details: had?.details ?? {},
      signature: had?.signature,
    });
    this.scheduleSave();
  }

  private changed(key: string, before: KubeObject | null, after: KubeObject | null) {
    this.queue.add(key);
    const o = (after ?? before)!;
    const ns = o.metadata.namespace ?? "";
    if (o.kind === "Namespace") {
      // a namespace's pods, services and policies follow its isolation and pool
      for (const [k, e] of this.entries) if (e.object.metadata.namespace === o.metadata.name) this.queue.add(k);
    }
    if (o.kind === "NetworkPolicy") {
      for (const [k, e] of this.entries) if (e.object.kind === "Pod" && e.object.metadata.namespace === ns) this.queue.add(k);
    }
    if (o.kind === "NetworkAttachmentDefinition") {
      for (const [k, e] of this.entries) if (e.object.kind === "Pod" && e.object.metadata.namespace === ns) this.queue.add(k);
    }
    if (o.kind === "Service") {
      for (const [k, e] of this.entries) if (e.object.kind === "Ingress" && e.object.metadata.namespace === ns) this.queue.add(k);
    }
    this.scheduleSave();
  }

  private scheduleSave() {
    if (!this.opts.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, 500);
    this.saveTimer.unref?.();
  }

  private save() {
    const file = this.opts.stateFile;
    if (!file) return;
    const out = [...this.entries.values()].filter((e) => e.source === "manifest" && !e.owner).map((e) => ({ object: e.object, actor: e.actor }));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(out));
    fs.renameSync(`${file}.tmp`, file);
  }

  // ------------------------------------------------------------------ manifests

  /**
   * Applies a multi-document manifest: every document is validated first (nothing is stored when
   * any is invalid), then stored and queued. With `wait`, answers after the reconciles have run.
   */
  async apply(text: string, actor: Actor, opts: { wait?: boolean; timeoutMs?: number; dryRun?: boolean; namespace?: string } = {}): Promise<{ ok: boolean; results: ApplyResult[] }> {
    const docs = parseManifest(text, opts.namespace ?? "default");
    if (!docs.length) throw new WeftError("bad_request", "the manifest has no Kubernetes object", [{ field: "manifest", message: "paste one or more YAML documents (apiVersion, kind, metadata …)" }]);
    const inManifest = new Set(docs.filter((d) => d.object?.kind === "Namespace").map((d) => d.object!.metadata.name));
    const results: ApplyResult[] = docs.map((d) => {
      const o = d.object;
      const errors = [...d.issues];
      const ns = o?.metadata.namespace;
      if (o && ns && !inManifest.has(ns) && !this.entries.has(keyOf("Namespace", undefined, ns)) && ns !== "default") {
        errors.push({ field: "metadata.namespace", message: `namespace ${ns} not found: create it first (or in the same manifest)`, line: d.line });
      }
      return {
        index: d.index,
        line: d.line,
        kind: o?.kind ?? d.ref.kind,
        namespace: ns ?? d.ref.namespace,
        name: o?.metadata.name ?? d.ref.name,
        action: errors.length ? "invalid" : "unchanged",
        errors,
        warnings: d.warnings,
      };
    });
    const ok = results.every((r) => !r.errors.length);
    if (!ok || opts.dryRun) {
      // all or nothing: a valid document of an invalid manifest is not applied either
      for (const r of results) if (!r.errors.length) r.action = ok ? "valid" : "not applied";
      return { ok, results };
    }
    // namespaces first, then networks, then the rest, as kubectl would need them
    const order = (k: string) => ["Namespace", "NetworkAttachmentDefinition"].indexOf(k) + 1 || 9;
    const sorted = docs.map((d, i) => ({ d, i })).sort((a, b) => order(a.d.object!.kind) - order(b.d.object!.kind));
    for (const { d, i } of sorted) {
      if (d.object!.kind !== "Namespace" && !this.entries.has(keyOf("Namespace", undefined, "default"))) this.ensureDefaultNamespace(actor);
      results[i].action = this.upsert(d.object!, "manifest", actor);
    }
    if (opts.wait !== false) await this.waitFor(results.map((r) => keyOf(r.kind as Kind, r.namespace || undefined, r.name)), opts.timeoutMs ?? 30_000);
    for (const r of results) {
      const e = this.entries.get(keyOf(r.kind as Kind, r.namespace || undefined, r.name));
      if (e) {
        r.status = e.status;
        r.produced = e.produced;
      }
    }
    return { ok, results };
  }

  /** Deletes what a manifest names (kubectl delete -f). */
  async deleteManifest(text: string, actor: Actor, opts: { wait?: boolean; timeoutMs?: number; namespace?: string } = {}): Promise<{ ok: boolean; results: ApplyResult[] }> {
    const docs = parseManifest(text, opts.namespace ?? "default");
    const results: ApplyResult[] = docs.map((d) => {
      const o = d.object;
      return { index: d.index, line: d.line, kind: o?.kind ?? d.ref.kind, namespace: o?.metadata.namespace ?? d.ref.namespace, name: o?.metadata.name ?? d.ref.name, action: "invalid", errors: d.issues, warnings: [] };
    });
    const keys: string[] = [];
    // the reverse of apply's order: what is inside a namespace first, so that a namespace's own
    // teardown (which removes what it holds) does not turn the manifest's other documents into "not found"
    const order = (k: string) => ["NetworkAttachmentDefinition", "Namespace"].indexOf(k) + 1;
    const sorted = docs.map((d, i) => ({ d, i })).sort((a, b) => order(a.d.object?.kind ?? "") - order(b.d.object?.kind ?? ""));
    for (const { d, i } of sorted) {
      const o = d.object;
      if (!o) continue;
      results[i].action = this.remove(o.kind, o.metadata.namespace, o.metadata.name) ? "deleted" : "not found";
      keys.push(objectKey(o));
    }
    void actor;
    if (opts.wait !== false) await this.waitFor(keys, opts.timeoutMs ?? 30_000);
    return { ok: results.every((r) => !r.errors.length), results };
  }

  private ensureDefaultNamespace(actor: Actor) {
    this.upsert({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }, "manifest", actor);
  }

  private async waitFor(keys: string[], timeoutMs: number) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
    });
    // settle the keys, then anything they queued (pods of a deployment, services of a pod)
    await Promise.race([Promise.all(keys.map((k) => this.queue.settled(k))).then(() => this.queue.idle()), timeout]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------------ reads (console, REST)

  list(filter: { kind?: Kind; namespace?: string } = {}): KubeObjectView[] {
    const out: KubeObjectView[] = [];
    for (const [key, e] of this.entries) {
      if (filter.kind && e.object.kind !== filter.kind) continue;
      if (filter.namespace && (e.object.metadata.namespace ?? e.object.metadata.name) !== filter.namespace) continue;
      out.push(this.view(key, e));
    }
    return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  get(kind: Kind, namespace: string | undefined, name: string): KubeObjectView | null {
    const key = keyOf(kind, namespace, name);
    const e = this.entries.get(key);
    return e ? this.view(key, e) : null;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
    for (const e of this.entries.values()) out[e.object.kind]++;
    return out;
  }

  /** The Kubernetes object that produced a config object, if any (for the console's links). */
  ownerOf(uuid: string): KubeObjectView | null {
    for (const [key, e] of this.entries) if (e.produced.some((p) => p.uuid === uuid)) return this.view(key, e);
    return null;
  }

  private view(key: string, e: Entry): KubeObjectView {
    const m = e.object.metadata;
    return {
      key,
      kind: e.object.kind,
      namespace: m.namespace ?? "",
      name: m.name,
      source: e.source,
      owner: e.owner ?? null,
      labels: m.labels ?? {},
      annotations: m.annotations ?? {},
      status: e.status,
      produced: e.produced,
      details: e.details,
      object: e.object,
    };
  }

  // ------------------------------------------------------------------ reconcile

  private async reconcile(key: string) {
    this.counters.reconciles++;
    const kind = key.split("/")[0] as Kind;
    const e = this.entries.get(key);
    if (!e) {
      const gone = this.orphans.get(key);
      if (gone) {
        await this.teardown(key, gone);
        this.orphans.delete(key);
      }
      return;
    }
    const warnings: string[] = [];
    const actor = kubeActor(e.actor);
    switch (kind) {
      case "Namespace":
        await this.reconcileNamespace(e, actor);
        break;
      case "NetworkAttachmentDefinition":
        await this.reconcileNad(e, actor);
        break;
      case "Pod":
        await this.reconcilePod(key, e, actor);
        break;
      case "Deployment":
      case "ReplicaSet":
      case "ReplicationController":
        this.reconcileWorkload(key, e);
        break;
      case "Service":
        await this.reconcileService(e, actor, warnings);
        break;
      case "Ingress":
        await this.reconcileIngress(e, actor, warnings);
        break;
      case "NetworkPolicy":
        await this.reconcilePolicy(key, e, actor, warnings);
        break;
    }
    if (this.entries.get(key) === e) e.status = { state: "ready", message: readyMessage(e), warnings, at: now() };
  }

  private async teardown(key: string, e: Entry) {
    const actor = kubeActor(e.actor);
    const ns = e.object.metadata.namespace ?? e.object.metadata.name;
    if (e.object.kind === "Namespace") {
      // Kubernetes deletes what is in a namespace with it
      const inside = [...this.entries].filter(([, x]) => x.object.metadata.namespace === ns).map(([k, x]) => ({ k, x }));
      for (const { x } of inside) this.remove(x.object.kind, ns, x.object.metadata.name);
      await Promise.all(inside.map(({ k }) => this.queue.settled(k)));
      const project = this.config.getByFqName("project", this.projectFq(ns));
      if (project && ns !== "default") {
        for (const c of this.config.children(project.uuid)) {
          if (c.type === "security-group" && c.to[c.to.length - 1].startsWith(`${this.cluster}-allow-all-`)) await this.deleteIfExists(c.type, c.uuid, actor);
        }
      }
    }
    if (WORKLOAD_KINDS.includes(e.object.kind)) {
      for (const [, x] of [...this.entries]) if (x.owner === key) this.remove("Pod", ns, x.object.metadata.name);
      return;
    }
    if (e.object.kind === "Pod") {
      // by name too: a reconcile that failed half-way (or was cut short by the delete) recorded nothing
      const byName = this.podObjects(ns, e.object.metadata.name);
      e.produced = [...byName, ...e.produced.filter((p) => !byName.some((b) => b.uuid === p.uuid))];
      await this.detachFromVips(e);
    }
    // delete in reverse creation order: floating IPs and addresses first, the project last
    for (const p of [...e.produced].reverse()) {
      if (p.role === "shared") continue;
      await this.deleteIfExists(p.type, p.uuid, actor);
    }
    if (e.object.kind === "Pod") {
      this.requeuePeers(ns);
      if (this.entries.get(keyOf("Namespace", undefined, ns))?.object.metadata.annotations?.[USES_LABELS] === "true") this.queue.add(keyOf("Namespace", undefined, ns));
    }
    if (e.object.kind === "NetworkPolicy") for (const [k, x] of this.entries) if (x.object.kind === "Pod" && x.object.metadata.namespace === ns) this.queue.add(k);
  }

  private async deleteIfExists(type: ObjectType, uuid: string, actor: Actor) {
    if (!this.config.find(uuid)) return;
    try {
      await this.config.delete(type, uuid, actor);
    } catch (err) {
      if ((err as WeftError).code === "not_found") return;
      throw err;
    }
  }

  // ---- cluster and namespaces

  /** k8s-default with the cluster's pod and service networks and the policy between them (once). */
  private ensureCluster(actor: Actor): Promise<void> {
    this.clusterReady ??= (async () => {
      await this.ensureProject(this.defaultProject, actor, "default");
      const half = (c: Cidr) => nthSubnet(c, c.prefixLen + 1, 0)!;
      await this.ensureNetworks(null, half(this.podBase), half(this.serviceBase), actor);
    })().catch((e) => {
      this.clusterReady = null;
      throw e;
    });
    return this.clusterReady;
  }

  private async ensureProject(fq: string[], actor: Actor, ns: string): Promise<ConfigObject> {
    const had = this.config.getByFqName("project", fq);
    if (had) return had;
    return this.config.create("project", { fq_name: fq, parent_type: "domain", annotations: this.annotations("Namespace", "", ns) }, actor);
  }

  private annotations(kind: string, ns: string, name: string, extra: Record<string, string> = {}) {
    const kv = { cluster: this.cluster, kind, namespace: ns, name, owner: "k8s", ...extra };
    return { key_value_pair: Object.entries(kv).map(([key, value]) => ({ key, value })) };
  }

  /** A pod network, a service network (with its VIP pool) and the policy that joins them. */
  private async ensureNetworks(ns: string | null, podCidr: Cidr | null, svcCidr: Cidr | null, actor: Actor): Promise<Produced[]> {
    const podFq = this.podNetworkFq(ns);
    const svcFq = this.serviceNetworkFq(ns);
    const pod = this.config.getByFqName("virtual-network", podFq) ?? (await this.createNetwork(podFq, podCidr!, actor, ns ?? "default", ns === null));
    const svc = this.config.getByFqName("virtual-network", svcFq) ?? (await this.createNetwork(svcFq, svcCidr!, actor, ns ?? "default", ns === null));
    const poolFq = [...svcFq, `${svc.name}-vip-pool`];
    const pool =
      this.config.getByFqName("floating-ip-pool", poolFq) ??
      (await this.config.create("floating-ip-pool", { fq_name: poolFq, parent_type: "virtual-network", id_perms: { description: "service VIPs (Kubernetes ClusterIP)" } }, actor));
    // Contrail: "network policy is enabled between the service and pod networks". Routes leak
    // between two networks only when the policy is on both (issue 14, Contrail's
    // add_ri_connection), so it is attached to the service and to the pod network. Its second
    // rule keeps the pod network open to and from everything else by address (a subnet end
    // connects no network, so it leaks nothing): pods stay reachable through floating IPs from
    // outside, as with no policy at all.
    const polFq = [...svcFq.slice(0, 2), `${pod.name.replace(/-pod-network$/, "")}-pod-service-np`];
    const rules: PolicyRule[] = [
      {
        direction: "<>",
        protocol: "any",
        ethertype: "IPv4",
        src_addresses: [{ virtual_network: fqString(pod.fq_name) }],
        dst_addresses: [{ virtual_network: fqString(svc.fq_name) }],
        src_ports: [{ start_port: -1, end_port: -1 }],
        dst_ports: [{ start_port: -1, end_port: -1 }],
        action_list: { simple_action: "pass" },
      } as PolicyRule,
      {
        direction: "<>",
        protocol: "any",
        ethertype: "IPv4",
        src_addresses: [{ virtual_network: fqString(pod.fq_name) }],
        dst_addresses: [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }],
        src_ports: [{ start_port: -1, end_port: -1 }],
        dst_ports: [{ start_port: -1, end_port: -1 }],
        action_list: { simple_action: "pass" },
      } as PolicyRule,
    ];
    let pol = this.config.getByFqName("network-policy", polFq);
    if (!pol) {
      pol = await this.config.create("network-policy", { fq_name: polFq, parent_type: "project", network_policy_entries: { policy_rule: rules } }, actor);
    } else if (((pol.network_policy_entries as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []).length < rules.length) {
      // a policy made before both-sided leaking had only the first rule
      pol = await this.config.update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: rules } }, actor);
    }
    for (const vn of [svc, pod]) {
      const refs = (vn.network_policy_refs as Ref[] | undefined) ?? [];
      if (!refs.some((r) => r.uuid === pol!.uuid)) {
        await this.config.update("virtual-network", vn.uuid, { network_policy_refs: [...refs, { uuid: pol.uuid, attr: { sequence: { major: 0, minor: 0 }, timer: null } }] }, actor);
      }
    }
    // deleted in reverse: the pool, the service network (and its policy ref), the pod network, the policy
    return [prod(pol, "pod ↔ service policy"), prod(pod, "pod network"), prod(svc, "service network"), prod(pool, "service VIP pool")];
  }

  private createNetwork(fq: string[], cidr: Cidr, actor: Actor, ns: string, shared = false) {
    return this.config.create(
      "virtual-network",
      {
        fq_name: fq,
        parent_type: "project",
        // the cluster's networks serve every non-isolated namespace's project
        ...(shared ? { is_shared: true } : {}),
        annotations: this.annotations("Namespace", ns, ns),
        network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: cidr.prefix, ip_prefix_len: cidr.prefixLen } }] } }],
      },
      actor,
    );
  }

  /** The next free block for an isolated namespace's network (serialized: two namespaces never get the same). */
  private carve(base: Cidr, len: number): Promise<Cidr> {
    const run = this.carving.then(() => {
      const upper = nthSubnet(base, base.prefixLen + 1, 1)!;
      const used = new Set<string>();
      for (const vn of this.config.list("virtual-network")) {
        for (const r of (vn.network_ipam_refs as Ref[] | undefined) ?? []) {
          for (const s of ((r.attr as { ipam_subnets?: { subnet: { ip_prefix: string; ip_prefix_len: number } }[] })?.ipam_subnets ?? [])) used.add(`${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`);
        }
      }
      for (let i = 0; ; i++) {
        const c = nthSubnet(upper, len, i);
        if (!c) throw new WeftError("conflict", `no free /${len} left in ${cidrText(upper)} for another isolated namespace`);
        if (!used.has(cidrText(c))) return c;
      }
    });
    this.carving = run.catch(() => {});
    return run;
  }

  private async reconcileNamespace(e: Entry, actor: Actor) {
    const ns = e.object.metadata.name;
    await this.ensureCluster(actor);
    const project = await this.ensureProject(this.projectFq(ns), actor, ns);
    // the default namespace's project holds the cluster's networks: it is never deleted with the namespace
    const produced: Produced[] = [prod(project, ns === "default" ? "shared" : "project")];
    if (this.isolated(ns)) {
      const has = this.config.getByFqName("virtual-network", this.podNetworkFq(ns));
      let podCidr: Cidr | null = null;
      let svcCidr: Cidr | null = null;
      if (!has) {
        podCidr = await this.carve(this.podBase, Math.min(32, Math.max(this.podBase.prefixLen + 2, 20)));
        svcCidr = await this.carve(this.serviceBase, Math.min(32, Math.max(this.serviceBase.prefixLen + 2, 22)));
      } else {
        svcCidr = this.config.getByFqName("virtual-network", this.serviceNetworkFq(ns)) ? null : await this.carve(this.serviceBase, 22);
      }
      produced.push(...(await this.ensureNetworks(ns, podCidr, svcCidr, actor)));
      e.details = { isolated: true, podNetwork: fqString(this.podNetworkFq(ns)), serviceNetwork: fqString(this.serviceNetworkFq(ns)) };
    } else {
      e.details = { isolated: false, podNetwork: fqString(this.podNetworkFq(null)), serviceNetwork: fqString(this.serviceNetworkFq(null)) };
    }
    // the project goes last on delete (produced is deleted in reverse)
    e.produced = produced;
    this.reconcileUsesPolicies(ns, e);
  }

  /**
   * Seed 004's convention, when a namespace asks for it (weft.io/uses-labels: "true"): pods labelled
   * name=X take traffic only from pods labelled name=X or uses=X — generated NetworkPolicies
   * `uses-X`, owned by the namespace and shown like any other.
   */
  private reconcileUsesPolicies(ns: string, e: Entry) {
    const key = keyOf("Namespace", undefined, ns);
    const on = e.object.metadata.annotations?.[USES_LABELS] === "true";
    const names = new Set<string>();
    if (on) for (const x of this.entries.values()) if (x.object.kind === "Pod" && x.object.metadata.namespace === ns && x.object.metadata.labels?.name) names.add(x.object.metadata.labels.name);
    const policies: KubeObject[] = [];
    for (const n of names) {
      const pol: KubeObject = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `uses-${n}`, namespace: ns, ownerReferences: [{ kind: "Namespace", name: ns }] },
        spec: {
          podSelector: { matchLabels: { name: n } },
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ podSelector: { matchLabels: { name: n } } }, { podSelector: { matchLabels: { uses: n } } }] }],
        },
      };
      policies.push(pol);
    }
    this.syncOwned(key, e, "NetworkPolicy", ns, policies);
    e.details = { ...e.details, usesLabels: on, usesPolicies: [...names].map((n) => `uses-${n}`) };
  }

  private async reconcileNad(e: Entry, actor: Actor) {
    const ns = e.object.metadata.namespace!;
    const project = await this.waitProject(ns);
    const cidr = parseCidr(e.object.metadata.annotations?.[CIDR] ?? "");
    if (!cidr.ok) throw new WeftError("bad_request", `annotation ${CIDR}: ${cidr.error}`);
    const fq = [...project.fq_name, `${this.cluster}-${e.object.metadata.name}-pod-network`];
    const vn = this.config.getByFqName("virtual-network", fq) ?? (await this.createNetwork(fq, cidr.cidr, actor, ns));
    e.produced = [prod(vn, "network")];
    e.details = { network: fqString(fq), cidr: cidrText(cidr.cidr) };
  }

  private async waitProject(ns: string): Promise<ConfigObject> {
    const fq = this.projectFq(ns);
    const p = this.config.getByFqName("project", fq);
    if (p) return p;
    if (!this.entries.has(keyOf("Namespace", undefined, ns))) throw new WeftError("not_found", `namespace ${ns} not found`);
    await this.queue.settled(keyOf("Namespace", undefined, ns));
    const again = this.config.getByFqName("project", fq);
    if (!again) throw new WeftError("conflict", `namespace ${ns} is not reconciled yet (project ${fqString(fq)} missing)`);
    return again;
  }

  /** A VN named by an opencontrail.org/network annotation: exact name, else the NAD's k8s-<name>-pod-network. */
  private networkByAnnotation(text: string, ns: string): ConfigObject {
    const d = parseContrailDict(text);
    const project = d.project ?? this.projectName(ns);
    const domain = d.domain ?? DOMAIN;
    const name = d.name ?? d.network;
    for (const n of [name, `${this.cluster}-${name}-pod-network`]) {
      const vn = this.config.getByFqName("virtual-network", [domain, project, n]);
      if (vn) return vn;
    }
    throw new WeftError("not_found", `annotation ${NETWORK}: virtual network ${domain}:${project}:${name} not found`);
  }

  // ---- workloads and pods

  private reconcileWorkload(key: string, e: Entry) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const replicas = o.spec?.replicas ?? 1;
    const tpl = o.spec?.template ?? {};
    const pods: KubeObject[] = [];
    for (let i = 0; i < replicas; i++) {
      const name = `${o.metadata.name}-${i}`;
      const pod: KubeObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: ns, labels: { ...(tpl.metadata?.labels ?? {}) }, annotations: { ...(tpl.metadata?.annotations ?? {}) }, ownerReferences: [{ kind: o.kind, name: o.metadata.name }] },
        spec: tpl.spec ?? {},
      };
      pods.push(pod);
    }
    this.syncOwned(key, e, "Pod", ns, pods);
    e.details = { replicas, pods: pods.map((p) => p.metadata.name) };
  }

  /**
   * Objects the manager generates for `owner` (a workload's pods, a namespace's uses-policies):
   * stored when new or changed, left alone when a user object of that name exists, and the
   * owner's objects of that kind no longer wanted are removed.
   */
  private syncOwned(owner: string, e: Entry, kind: Kind, ns: string, objects: KubeObject[]) {
    for (const o of objects) {
      const k = objectKey(o);
      const had = this.entries.get(k);
      if (had && had.owner !== owner) continue;
      if (!had || stable(strip(had.object)) !== stable(strip(o))) {
        this.put(o, e.source, e.actor, owner);
        this.changed(k, had?.object ?? null, o);
      }
    }
    const want = new Set(objects.map((o) => o.metadata.name));
    for (const [, x] of [...this.entries]) if (x.owner === owner && x.object.kind === kind && !want.has(x.object.metadata.name)) this.remove(kind, ns, x.object.metadata.name);
  }

  private computeNodes(): string[] {
    return this.config
      .list("virtual-router")
      .map((v) => v.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  }

  private async reconcilePod(key: string, e: Entry, actor: Actor) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const name = o.metadata.name;
    const project = await this.waitProject(ns);
    await this.ensureCluster(actor);
    const nsEntry = this.entries.get(keyOf("Namespace", undefined, ns));
    const chosen = o.metadata.annotations?.[NETWORK] ?? nsEntry?.object.metadata.annotations?.[NETWORK];
    const vn = chosen ? this.networkByAnnotation(chosen, ns) : this.config.getByFqName("virtual-network", this.podNetworkFq(this.isolated(ns) ? ns : null));
    if (!vn) throw new WeftError("conflict", `the pod network of namespace ${ns} does not exist yet`);

    const vmFq = [`${this.cluster}__${ns}__${name}`];
    // The config service validates and applies a write synchronously and only the commit is awaited:
    // a new pod's VM, port and address go out together and share one group commit.
    const pending: Promise<unknown>[] = [];
    const begin = async (type: ObjectType, fq: string[], body: Record<string, unknown>): Promise<ConfigObject> => {
      const p = this.config.create(type, { fq_name: fq, ...body }, actor);
      const o = this.config.getByFqName(type, fq);
      if (!o) return p; // refused by validation: the error surfaces here
      pending.push(p.catch((e) => e)); // a failed commit rolls back; the next reconcile sees it
      return o;
    };
    const vm = this.config.getByFqName("virtual-machine", vmFq) ?? (await begin("virtual-machine", vmFq, { server_type: "container", annotations: this.annotations("Pod", ns, name) }));

    const vmiFq = [...project.fq_name, name];
    let vmi = this.config.getByFqName("virtual-machine-interface", vmiFq);
    const nodes = this.computeNodes();
    let host = vmi ? bindingHost(vmi) : "";
    if (o.spec?.nodeName) {
      if (!nodes.includes(o.spec.nodeName)) throw new WeftError("bad_request", `spec.nodeName ${o.spec.nodeName} is not a compute node (known: ${nodes.join(", ") || "none"})`, [{ field: "spec.nodeName", message: `not a compute node (known: ${nodes.join(", ") || "none"})` }]);
      host = o.spec.nodeName;
    }
    if (!host) {
      if (!nodes.length) throw new WeftError("conflict", "no compute node to schedule the pod on (no virtual-router)");
      host = nodes[this.rr++ % nodes.length];
    }
    const sgs = await this.securityGroupsFor(e, project, actor);
    const wantRefs = {
      virtual_network_refs: [{ uuid: vn.uuid }],
      virtual_machine_refs: [{ uuid: vm.uuid }],
      security_group_refs: sgs.map((s) => ({ uuid: s.uuid })),
      virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] },
    };
    const iipFq = [`${this.cluster}__${ns}__${name}`];
    if (vmi && ((vmi.virtual_network_refs as Ref[])[0]?.uuid !== vn.uuid)) {
      // the pod moved to another network: a new port and address
      await this.detachFromVips(e);
      const iip = this.config.getByFqName("instance-ip", iipFq);
      if (iip) await this.config.delete("instance-ip", iip.uuid, actor);
      await this.config.delete("virtual-machine-interface", vmi.uuid, actor);
      vmi = undefined;
    }
    if (!vmi) {
      vmi = await begin("virtual-machine-interface", vmiFq, { parent_type: "project", annotations: this.annotations("Pod", ns, name, labelAnnotations(o.metadata.labels)), ...wantRefs });
    } else {
      const cur = {
        virtual_network_refs: refUuids(vmi.virtual_network_refs),
        virtual_machine_refs: refUuids(vmi.virtual_machine_refs),
        security_group_refs: refUuids(vmi.security_group_refs),
        host: bindingHost(vmi),
        labels: stable(vmi.annotations),
      };
      const want = {
        virtual_network_refs: [vn.uuid],
        virtual_machine_refs: [vm.uuid],
        security_group_refs: sgs.map((s) => s.uuid),
        host,
        labels: stable(this.annotations("Pod", ns, name, labelAnnotations(o.metadata.labels))),
      };
      if (stable(cur) !== stable(want)) {
        vmi = await this.config.update("virtual-machine-interface", vmi.uuid, { annotations: this.annotations("Pod", ns, name, labelAnnotations(o.metadata.labels)), ...wantRefs }, actor);
      }
    }
    const iip = this.config.getByFqName("instance-ip", iipFq) ?? (await begin("instance-ip", iipFq, { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] }));
    for (const r of await Promise.all(pending)) if (r instanceof Error) throw r;
    e.produced = [prod(vm, "virtual machine"), prod(vmi, "port"), prod(iip, "pod IP"), ...sgs.map((s) => ({ ...prod(s, "security group"), role: "shared" }))];
    e.details = { podIP: iip.instance_ip_address, node: host, network: fqString(vn.fq_name), securityGroups: sgs.map((s) => fqString(s.fq_name)) };
    const sig = stable({ labels: o.metadata.labels ?? {}, ip: iip.instance_ip_address, vmi: vmi.uuid });
    if (sig !== e.signature) {
      e.signature = sig;
      this.requeuePeers(ns);
      if (nsEntry?.object.metadata.annotations?.[USES_LABELS] === "true") this.queue.add(keyOf("Namespace", undefined, ns));
    }
  }

  /** Services that may select pods of `ns`, and every network policy (peers cross namespaces). */
  private requeuePeers(ns: string) {
    for (const [k, x] of this.entries) {
      const kind = x.object.kind;
      if ((kind === "Service" || kind === "Ingress") && x.object.metadata.namespace === ns) this.queue.addAfter(k, PEER_DELAY_MS);
      if (kind === "NetworkPolicy") this.queue.addAfter(k, PEER_DELAY_MS);
    }
  }

  /** Takes a pod's port off every service VIP / external IP that has it (before the port goes). */
  /** A pod's VM, port and address as the manager names them (virtual-machine first). */
  private podObjects(ns: string, name: string): Produced[] {
    const out: Produced[] = [];
    const vm = this.config.getByFqName("virtual-machine", [`${this.cluster}__${ns}__${name}`]);
    const vmi = this.config.getByFqName("virtual-machine-interface", [...this.projectFq(ns), name]);
    const iip = this.config.getByFqName("instance-ip", [`${this.cluster}__${ns}__${name}`]);
    if (vm) out.push(prod(vm, "virtual machine"));
    if (vmi) out.push(prod(vmi, "port"));
    if (iip) out.push(prod(iip, "pod IP"));
    return out;
  }

  private async detachFromVips(e: Entry) {
    const vmi = e.produced.find((p) => p.type === "virtual-machine-interface");
    if (!vmi) return;
    for (const b of this.config.backRefs(vmi.uuid)) {
      if (b.type !== "floating-ip") continue;
      const fip = this.config.find(b.uuid);
      if (!fip) continue;
      const refs = ((fip.virtual_machine_interface_refs as Ref[] | undefined) ?? []).filter((r) => r.uuid !== vmi.uuid).map((r) => ({ uuid: r.uuid }));
      await this.config.update("floating-ip", fip.uuid, { virtual_machine_interface_refs: refs }, kubeActor(e.actor));
    }
  }

  private podsOf(ns: string, sel: Record<string, string> | undefined): Entry[] {
    const out: Entry[] = [];
    for (const e of this.entries.values()) if (e.object.kind === "Pod" && e.object.metadata.namespace === ns && mapSelects(sel, e.object.metadata.labels)) out.push(e);
    return out;
  }

  private portOf(pod: Entry): string | null {
    return pod.produced.find((p) => p.type === "virtual-machine-interface")?.uuid ?? null;
  }

  // ---- services and ingress

  /** A floating IP (a VIP) on `ports`, created or brought up to date. */
  private async ensureVip(pool: ConfigObject, name: string, ports: string[], actor: Actor, opts: { address?: string; project?: ConfigObject; ns: string; owner: string; kind: string }): Promise<ConfigObject> {
    const fq = [...pool.fq_name, name];
    const refs = [...new Set(ports)].sort().map((uuid) => ({ uuid }));
    const had = this.config.getByFqName("floating-ip", fq);
    if (had) {
      if (stable(refUuids(had.virtual_machine_interface_refs).sort()) === stable(refs.map((r) => r.uuid))) return had;
      return this.config.update("floating-ip", had.uuid, { virtual_machine_interface_refs: refs }, actor);
    }
    const shared = ((pool.project_refs as Ref[] | undefined) ?? []).length > 0;
    return this.config.create(
      "floating-ip",
      {
        fq_name: fq,
        parent_type: "floating-ip-pool",
        floating_ip_is_virtual_ip: true,
        annotations: this.annotations(opts.kind, opts.ns, opts.owner),
        ...(opts.address ? { floating_ip_address: opts.address } : {}),
        ...(shared && opts.project ? { project_refs: [{ uuid: opts.project.uuid }] } : {}),
        virtual_machine_interface_refs: refs,
      },
      actor,
    );
  }

  /** The floating IP pool for a LoadBalancer service or an ingress: object > namespace > global (seed 001). */
  poolFor(o: KubeObject): { pool: ConfigObject | null; scope: "object" | "namespace" | "global" | "none"; ref: PoolRef | null; error?: string } {
    const ns = o.metadata.namespace!;
    const nsObj = this.entries.get(keyOf("Namespace", undefined, ns))?.object;
    const candidates: ["object" | "namespace" | "global", string | PoolRef | undefined][] = [
      ["object", o.metadata.annotations?.[FIP_POOL]],
      ["namespace", nsObj?.metadata.annotations?.[FIP_POOL]],
      ["global", this.publicPool ?? undefined],
    ];
    for (const [scope, v] of candidates) {
      if (!v) continue;
      const ref = typeof v === "string" ? parsePoolRef(v)! : v;
      for (const net of [ref.network, `${this.cluster}-${ref.network}-pod-network`]) {
        const pool = this.config.getByFqName("floating-ip-pool", [ref.domain, ref.project, net, ref.name]);
        if (pool) return { pool, scope, ref };
      }
      return { pool: null, scope, ref, error: `floating IP pool ${ref.domain}:${ref.project}:${ref.network}:${ref.name} (${scope} scope) not found` };
    }
    return { pool: null, scope: "none", ref: null };
  }

  private async reconcileService(e: Entry, actor: Actor, warnings: string[]) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const name = o.metadata.name;
    const type = o.spec?.type ?? "ClusterIP";
    const project = await this.waitProject(ns);
    await this.ensureCluster(actor);
    const produced: Produced[] = [];
    const details: Record<string, unknown> = { type };
    if (type === "ExternalName") {
      e.produced = [];
      e.details = { type, externalName: o.spec?.externalName ?? "" };
      return;
    }
    const backends = this.podsOf(ns, o.spec?.selector);
    const ports = backends.map((b) => this.portOf(b)).filter((u): u is string => !!u);
    details.endpoints = backends.filter((b) => this.portOf(b)).map((b) => ({ pod: b.object.metadata.name, ip: b.details.podIP, node: b.details.node }));
    const headless = o.spec?.clusterIP === "None";
    const old = new Set(e.produced.filter((p) => p.type === "floating-ip").map((p) => p.uuid));
    if (!headless) {
      const svcVn = this.config.getByFqName("virtual-network", this.serviceNetworkOf(ns));
      const pool = svcVn ? this.config.getByFqName("floating-ip-pool", [...svcVn.fq_name, `${svcVn.name}-vip-pool`]) : undefined;
      if (!pool) throw new WeftError("conflict", `the service network of namespace ${ns} is not ready`);
      const vip = await this.ensureVip(pool, `${ns}__${name}`, ports, actor, { address: o.spec?.clusterIP || undefined, ns, owner: name, kind: "Service" });
      produced.push(prod(vip, "cluster IP"));
      details.clusterIP = vip.floating_ip_address;
      old.delete(vip.uuid);
    }
    if (type === "NodePort" || type === "LoadBalancer") {
      details.nodePorts = (o.spec?.ports ?? []).map((p: { port: number; nodePort?: number }) => ({ port: p.port, nodePort: p.nodePort ?? 30000 + (hash(`${ns}/${name}/${p.port}`) % 2768) }));
      if (type === "NodePort") warnings.push("NodePort: the node ports are allocated and shown; the simulated compute nodes do not forward node-address traffic (use the cluster IP or a LoadBalancer)");
    }
    if (type === "LoadBalancer") {
      const sel = this.poolFor(o);
      details.fipPoolScope = sel.scope;
      if (sel.pool) {
        details.fipPool = fqString(sel.pool.fq_name);
        const ext = await this.ensureVip(sel.pool, `${ns}__${name}`, ports, actor, { address: o.spec?.loadBalancerIP || undefined, project, ns, owner: name, kind: "Service" });
        produced.push(prod(ext, "external IP"));
        details.externalIP = ext.floating_ip_address;
        old.delete(ext.uuid);
      } else {
        warnings.push(sel.error ?? "no floating IP pool in scope: annotate the service or its namespace with opencontrail.org/fip-pool, or set the global pool (WEFT_KUBE_PUBLIC_FIP_POOL)");
        details.externalIP = null;
      }
    }
    // a pool that is no longer in scope: release what came from it
    for (const u of old) {
      const f = this.config.find(u);
      if (f) await this.config.delete("floating-ip", u, actor);
    }
    if (!ports.length && o.spec?.selector) warnings.push("no pod matches the selector yet");
    e.produced = produced;
    e.details = details;
  }

  private async reconcileIngress(e: Entry, actor: Actor, warnings: string[]) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const project = await this.waitProject(ns);
    const names = new Set<string>();
    const add = (b: { service?: { name: string }; serviceName?: string } | undefined) => {
      const n = b?.service?.name ?? b?.serviceName;
      if (n) names.add(n);
    };
    add(o.spec?.defaultBackend ?? o.spec?.backend);
    for (const r of o.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend);
    const ports: string[] = [];
    const backends: string[] = [];
    for (const n of names) {
      const svc = this.entries.get(keyOf("Service", ns, n));
      if (!svc) {
        warnings.push(`backend service ${n} not found`);
        continue;
      }
      backends.push(n);
      for (const p of this.podsOf(ns, svc.object.spec?.selector)) {
        const u = this.portOf(p);
        if (u) ports.push(u);
      }
    }
    const sel = this.poolFor(o);
    const produced: Produced[] = [];
    const details: Record<string, unknown> = { backends, fipPoolScope: sel.scope };
    const old = new Set(e.produced.filter((p) => p.type === "floating-ip").map((p) => p.uuid));
    if (sel.pool) {
      const fip = await this.ensureVip(sel.pool, `${ns}__ingress__${o.metadata.name}`, ports, actor, { project, ns, owner: o.metadata.name, kind: "Ingress" });
      produced.push(prod(fip, "external IP"));
      details.externalIP = fip.floating_ip_address;
      details.fipPool = fqString(sel.pool.fq_name);
      old.delete(fip.uuid);
    } else {
      warnings.push(sel.error ?? "no floating IP pool in scope: annotate the ingress or its namespace with opencontrail.org/fip-pool, or set the global pool");
    }
    for (const u of old) if (this.config.find(u)) await this.config.delete("floating-ip", u, actor);
    e.produced = produced;
    e.details = details;
  }

  // ---- network policy

  private policySgFq(ns: string, policy: string) {
    return [...this.projectFq(ns), `${this.cluster}-np-${policy}`];
  }

  /** A NetworkPolicy's security group: its ingress and/or egress rules with peers resolved to addresses. */
  private async reconcilePolicy(key: string, e: Entry, actor: Actor, warnings: string[]) {
    const o = e.object;
    const ns = o.metadata.namespace!;
    const project = await this.waitProject(ns);
    const types = policyTypes(o);
    const rules: PolicyRule[] = [];
    const local = { security_group: "local" };
    const peersOf = (peers: Peer[] | undefined, ruleIndex: string): { subnet: { ip_prefix: string; ip_prefix_len: number } }[] | null => {
      if (!peers || peers.length === 0) return null; // every source / destination
      const out: Cidr[] = [];
      for (const p of peers) {
        if (p.ipBlock) {
          const base = parseCidr(p.ipBlock.cidr);
          if (!base.ok) {
            warnings.push(`${ruleIndex} ipBlock.cidr: ${base.error}`);
            continue;
          }
          const except = (p.ipBlock.except ?? []).map((x) => parseCidr(x)).filter((x): x is { ok: true; cidr: Cidr } => x.ok).map((x) => x.cidr);
          out.push(...subtractCidrs(base.cidr, except));
          continue;
        }
        for (const pod of this.entries.values()) {
          if (pod.object.kind !== "Pod" || !pod.details.podIP) continue;
          const pns = pod.object.metadata.namespace!;
          if (p.namespaceSelector) {
            const nsLabels = { "kubernetes.io/metadata.name": pns, ...(this.entries.get(keyOf("Namespace", undefined, pns))?.object.metadata.labels ?? {}) };
            if (!selects(p.namespaceSelector, nsLabels)) continue;
          } else if (pns !== ns) continue;
          if (p.podSelector && !selects(p.podSelector, pod.object.metadata.labels)) continue;
          const c = parseCidr(`${pod.details.podIP}/32`);
          if (c.ok) out.push(c.cidr);
        }
      }
      return out.map((c) => ({ subnet: { ip_prefix: c.prefix, ip_prefix_len: c.prefixLen } }));
    };
    const portRules = (ports: PolicyPort[] | undefined, where: string) => {
      if (!ports || ports.length === 0) return [{ protocol: "any", range: { start_port: 0, end_port: 65535 } }];
      const out: { protocol: string; range: { start_port: number; end_port: number } }[] = [];
      ports.forEach((p, i) => {
        const protocol = (p.protocol ?? "TCP").toLowerCase();
        if (typeof p.port === "string") {
          const n = this.namedPort(ns, p.port);
          if (n === null) {
            warnings.push(`${where}.ports.${i}: named port ${p.port} is not a containerPort of any pod in ${ns}`);
            return;
          }
          out.push({ protocol, range: { start_port: n, end_port: n } });
        } else if (p.port === undefined) out.push({ protocol, range: { start_port: 0, end_port: 65535 } });
        else out.push({ protocol, range: { start_port: p.port, end_port: p.endPort ?? p.port } });
      });
      return out;
    };
    const rule = (src: unknown, dst: unknown, protocol: string, range: { start_port: number; end_port: number }): PolicyRule =>
      ({ direction: ">", protocol, ethertype: "IPv4", src_addresses: [src], dst_addresses: [dst], src_ports: [{ start_port: 0, end_port: 65535 }], dst_ports: [range] }) as PolicyRule;
    if (types.ingress) {
      (o.spec.ingress ?? []).forEach((r: { from?: Peer[]; ports?: PolicyPort[] }, i: number) => {
        const peers = peersOf(r.from, `spec.ingress.${i}`);
        const srcs = peers === null ? [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }] : peers;
        for (const pr of portRules(r.ports, `spec.ingress.${i}`)) for (const s of srcs) rules.push(rule(s, local, pr.protocol, pr.range));
      });
    }
    if (types.egress) {
      (o.spec.egress ?? []).forEach((r: { to?: Peer[]; ports?: PolicyPort[] }, i: number) => {
        const peers = peersOf(r.to, `spec.egress.${i}`);
        const dsts = peers === null ? [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }] : peers;
        for (const pr of portRules(r.ports, `spec.egress.${i}`)) for (const d of dsts) rules.push(rule(local, d, pr.protocol, pr.range));
      });
    }
    const fq = this.policySgFq(ns, o.metadata.name);
    const body = { security_group_entries: { policy_rule: rules } };
    let sg = this.config.getByFqName("security-group", fq);
    if (!sg) sg = await this.config.create("security-group", { fq_name: fq, parent_type: "project", annotations: this.annotations("NetworkPolicy", ns, o.metadata.name), ...body }, actor);
    else if (stable(stripRuleIds(sg.security_group_entries)) !== stable(stripRuleIds(body.security_group_entries))) sg = await this.config.update("security-group", sg.uuid, body, actor);
    e.produced = [prod(sg, "security group")];
    const selected = [...this.entries.values()].filter((p) => p.object.kind === "Pod" && p.object.metadata.namespace === ns && selects(o.spec.podSelector, p.object.metadata.labels));
    e.details = { policyTypes: [types.ingress && "Ingress", types.egress && "Egress"].filter(Boolean), rules: rules.length, selectedPods: selected.map((p) => p.object.metadata.name) };
    // pods whose selection changed pick the SG up (or drop it) in their own reconcile
    const sig = stable({ sel: o.spec.podSelector, types });
    if (sig !== e.signature) {
      e.signature = sig;
      for (const [k, x] of this.entries) if (x.object.kind === "Pod" && x.object.metadata.namespace === ns) this.queue.add(k);
    }
    void key;
    void project;
  }

  private namedPort(ns: string, name: string): number | null {
    for (const e of this.entries.values()) {
      if (e.object.kind !== "Pod" || e.object.metadata.namespace !== ns) continue;
      for (const c of e.object.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
    }
    return null;
  }

  /**
   * A pod's security groups: those of the NetworkPolicies selecting it, plus an allow-all group for
   * a direction no policy isolates (Kubernetes: a pod is isolated only in the directions a selecting
   * policy names). No selecting policy: no security group, the port is open.
   */
  private async securityGroupsFor(pod: Entry, project: ConfigObject, actor: Actor): Promise<ConfigObject[]> {
    const ns = pod.object.metadata.namespace!;
    const policies = [...this.entries.values()].filter((p) => p.object.kind === "NetworkPolicy" && p.object.metadata.namespace === ns && selects(p.object.spec.podSelector, pod.object.metadata.labels));
    if (!policies.length) return [];
    let ingress = false;
    let egress = false;
    const out: ConfigObject[] = [];
    for (const p of policies) {
      const t = policyTypes(p.object);
      ingress ||= t.ingress;
      egress ||= t.egress;
      const sg = this.config.getByFqName("security-group", this.policySgFq(ns, p.object.metadata.name));
      if (!sg) throw new WeftError("conflict", `network policy ${p.object.metadata.name} is not reconciled yet`);
      out.push(sg);
    }
    if (!ingress) out.push(await this.allowAll(project, "ingress", actor));
    if (!egress) out.push(await this.allowAll(project, "egress", actor));
    return out;
  }

  private async allowAll(project: ConfigObject, dir: "ingress" | "egress", actor: Actor): Promise<ConfigObject> {
    const fq = [...project.fq_name, `${this.cluster}-allow-all-${dir}`];
    const had = this.config.getByFqName("security-group", fq);
    if (had) return had;
    const any = { subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } };
    const local = { security_group: "local" };
    const rule = { direction: ">", protocol: "any", ethertype: "IPv4", src_addresses: [dir === "ingress" ? any : local], dst_addresses: [dir === "ingress" ? local : any], src_ports: [{ start_port: 0, end_port: 65535 }], dst_ports: [{ start_port: 0, end_port: 65535 }] };
    try {
      return await this.config.create("security-group", { fq_name: fq, parent_type: "project", id_perms: { description: `Kubernetes: ${dir} a NetworkPolicy does not isolate` }, security_group_entries: { policy_rule: [rule] } }, actor);
    } catch (e) {
      const again = this.config.getByFqName("security-group", fq);
      if (again) return again; // created by a concurrent reconcile
      throw e;
    }
  }
}

type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: { cidr: string; except?: string[] } };
type PolicyPort = { protocol?: string; port?: number | string; endPort?: number };

function policyTypes(o: KubeObject): { ingress: boolean; egress: boolean } {
  const t: string[] | undefined = o.spec?.policyTypes;
  if (t?.length) return { ingress: t.includes("Ingress"), egress: t.includes("Egress") };
  return { ingress: true, egress: (o.spec?.egress ?? []).length > 0 };
}

function prod(o: ConfigObject, role: string): Produced {
  return { type: o.type, uuid: o.uuid, fq_name: o.fq_name, role };
}

function refUuids(refs: unknown): string[] {
  return ((refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
}


function stripRuleIds(entries: unknown) {
  const rules = (entries as { policy_rule?: Record<string, unknown>[] } | undefined)?.policy_rule ?? [];
  return rules.map(({ rule_uuid: _r, ...rest }) => ({ ...rest, action_list: undefined, application: undefined }));
}

/** What identifies an object's content (the store compares it to skip no-op applies). */
function strip(o: KubeObject) {
  const { uid: _u, resourceVersion: _rv, ...meta } = o.metadata as Record<string, unknown>;
  return { kind: o.kind, metadata: meta, spec: o.spec ?? {} };
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function readyMessage(e: Entry): string {
  const d = e.details;
  switch (e.object.kind) {
    case "Pod":
      return `${d.podIP} on ${d.node}`;
    case "Service":
      return [d.clusterIP ? `cluster IP ${d.clusterIP}` : "headless", d.externalIP ? `external IP ${d.externalIP}` : ""].filter(Boolean).join(", ");
    case "Ingress":
      return d.externalIP ? `external IP ${d.externalIP}` : "no external IP";
    case "Namespace":
      return d.isolated ? "isolated" : "non-isolated";
    default:
      return "reconciled";
  }
}
