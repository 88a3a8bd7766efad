// The Kubernetes manager (contrail-kube-manager's role, seed 001 and seed 004): Kubernetes objects
// from manifests or a live API's list+watch land in one object store; a work queue reconciles each
// key idempotently into config objects (projects, virtual networks, VMs, ports, instance IPs,
// floating IPs, security groups, policies) through the config service, as actor `kube`.
//
// The manager keeps the store, the queue and the dispatch; each kind's reconciler is a file of its
// own under reconcilers/ (controller-runtime's one reconciler per kind, contrail-kube-manager's
// vnc_<kind>.py), behind the Reconciler interface of common.ts.
//
// Mapping (seed 001 names):
//   Namespace ns                → project k8s-<ns>; isolated (opencontrail.org/isolation: "true") →
//                                 its own k8s-<ns>-pod-network / k8s-<ns>-service-network    (namespace.ts)
//   cluster                     → project k8s-default with k8s-default-pod-network and
//                                 k8s-default-service-network, shared by non-isolated namespaces (../cluster.ts)
//   NetworkAttachmentDefinition → VN k8s-<name>-pod-network (opencontrail.org/cidr)             (nad.ts)
//   Pod                         → virtual-machine + port (VMI, bound to a compute node) + instance IP (pod.ts)
//   Service (ClusterIP)         → a VIP floating IP from the service network, on every backing pod (ECMP) (service.ts)
//   Service (LoadBalancer), Ingress → plus a floating IP from the pool chosen by scope        (service.ts, ingress.ts)
//   NetworkPolicy               → security groups on the selected pods                          (network-policy.ts)
//   Deployment / ReplicaSet / ReplicationController → their pods (no kube-controller-manager here) (workload.ts)
import { type Actor, SYSTEM_ACTOR } from "../config/api";
import type { ConfigService } from "../config/service";
import { WeftError } from "../model/errors";
import { parseCidr } from "../model/net";
import type { Db } from "../config/db";
import { authorizeKube } from "./access";
import { ClusterNetworks } from "./cluster";
import { type Entry, type KubeContext, KubeNames, type ObjectStatus, type PoolRef, type Produced, type Reconciler, type Source, kubeActor, now } from "./common";
import { WorkQueue } from "./queue";
import { IngressReconciler } from "./reconcilers/ingress";
import { NadReconciler } from "./reconcilers/nad";
import { NamespaceReconciler } from "./reconcilers/namespace";
import { NetworkPolicyReconciler } from "./reconcilers/network-policy";
import { PodReconciler } from "./reconcilers/pod";
import { ServiceReconciler } from "./reconcilers/service";
import { poolFor } from "./reconcilers/vip";
import { WorkloadReconciler } from "./reconcilers/workload";
import { KubePersistence } from "./persist";
import { type Issue, KINDS, type Kind, type KubeObject, keyOf, objectKey, parseManifestSliced } from "./resources";
import { KubeStore } from "./store";

export { CIDR, FIP_POOL, ISOLATION, NETWORK, USES_LABELS, type ObjectStatus, type PoolRef, type Produced, type Source } from "./common";
export { parsePoolRef } from "./reconcilers/vip";

export interface KubeOptions {
  /** Contrail's cluster name: prefixes projects and networks (k8s-<ns>) */
  clusterName?: string;
  /** pod addresses: the default pod network takes the first half, isolated namespaces get /20s of the rest */
  podSubnet?: string;
  /** service VIPs: likewise, /22s for isolated namespaces */
  serviceSubnet?: string;
  /** the global floating IP pool (KUBERNETES_PUBLIC_FIP_POOL) */
  publicFipPool?: PoolRef | null;
  /** the config database: applied objects are kept there (table KubeObject; absent: memory only) */
  db?: Db;
  /** the JSON file older versions kept (<data>/kube/objects.json): imported once into the database */
  legacyStateFile?: string;
  concurrency?: number;
  log?: (line: string) => void;
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
  /** ignored: a kind without network meaning (Secret, ConfigMap, …), accepted with a warning */
  action: "created" | "configured" | "unchanged" | "deleted" | "not found" | "invalid" | "not applied" | "valid" | "ignored";
  errors: Issue[];
  warnings: Issue[];
  /** after waiting: the reconcile state and the Weft objects produced */
  status?: ObjectStatus;
  produced?: Produced[];
}

export class KubeManager {
  readonly cluster: string;
  readonly names: KubeNames;
  private readonly store: KubeStore;
  private readonly queue: WorkQueue;
  private readonly ctx: KubeContext;
  private readonly reconcilers = new Map<Kind, Reconciler>();
  private publicPool: PoolRef | null;
  private readonly persist: KubePersistence | null;
  /** the chain of applies/deletes (one at a time) */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly log: (l: string) => void;
  /** reconciles done / failed since start (the bench and /metrics read them) */
  readonly counters = { reconciles: 0, errors: 0 };

  constructor(
    private readonly config: ConfigService,
    private readonly opts: KubeOptions = {},
  ) {
    this.cluster = opts.clusterName ?? "k8s";
    this.names = new KubeNames(this.cluster);
    this.publicPool = opts.publicFipPool ?? null;
    const pod = parseCidr(opts.podSubnet ?? "10.32.0.0/12");
    const svc = parseCidr(opts.serviceSubnet ?? "10.96.0.0/12");
    if (!pod.ok) throw new Error(`pod subnet: ${pod.error}`);
    if (!svc.ok) throw new Error(`service subnet: ${svc.error}`);
    this.log = opts.log ?? (() => {});
    this.queue = new WorkQueue((k) => this.reconcile(k), {
      concurrency: opts.concurrency ?? 128,
      maxRetries: 6,
      retryMs: (n) => Math.min(200 * 2 ** n, 10_000),
      onError: (key, e, again) => {
        this.counters.errors++;
        const en = this.store.get(key);
        const msg = (e as Error).message ?? String(e);
        if (en) en.status = { ...en.status, state: again ? "pending" : "error", message: again ? `retrying: ${msg}` : msg, at: now() };
        if (!again) this.log(`kube: ${key}: ${msg}`);
      },
    });
    this.store = new KubeStore({ changed: (k, b, a) => this.changed(k, b, a) });
    this.persist = opts.db ? new KubePersistence(opts.db) : null;
    const settled = (k: string) => this.queue.settled(k);
    const self = this;
    this.ctx = {
      config,
      names: this.names,
      store: this.store,
      networks: new ClusterNetworks(config, this.names, this.store, settled, pod.cidr, svc.cidr),
      enqueue: (k, ms) => (ms ? this.queue.addAfter(k, ms) : this.queue.add(k)),
      settled,
      get publicPool() {
        return self.publicPool;
      },
    };
    for (const r of [
      new NamespaceReconciler(this.ctx),
      new NadReconciler(this.ctx),
      new PodReconciler(this.ctx),
      new WorkloadReconciler(this.ctx),
      new ServiceReconciler(this.ctx),
      new IngressReconciler(this.ctx),
      new NetworkPolicyReconciler(this.ctx),
    ])
      for (const k of r.kinds) this.reconcilers.set(k, r);
    // a DaemonSet runs one pod per compute node: a virtual-router added or removed re-expands them
    this.unsubscribe = config.subscribe((ev) => {
      if (ev.type === "virtual-router" && ev.op !== "update") for (const [k] of this.store.ofKind("DaemonSet")) this.queue.add(k);
    });
  }

  private readonly unsubscribe: () => void;

  // ------------------------------------------------------------------ names

  projectName = (ns: string) => this.names.projectName(ns);
  projectFq = (ns: string) => this.names.projectFq(ns);
  get defaultProject() {
    return this.names.defaultProject;
  }
  podNetworkFq(ns: string | null) {
    return this.names.podNetworkFq(ns);
  }
  serviceNetworkFq(ns: string | null) {
    return this.names.serviceNetworkFq(ns);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Loads the applied objects from the config database (importing an old objects.json once) and reconciles them. */
  async start() {
    if (!this.persist) return;
    if (this.opts.legacyStateFile) await this.persist.importFile(this.opts.legacyStateFile, objectKey, this.log);
    for (const s of await this.persist.load()) this.store.put(s.object, "manifest", s.actor);
    for (const k of this.store.keys()) this.queue.add(k);
  }

  async stop() {
    this.unsubscribe();
    this.queue.stop();
    await this.writes.catch(() => {});
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
    for (const [k, e] of this.store.all()) if (e.object.kind === "Service" || e.object.kind === "Ingress") this.queue.add(k);
  }

  get publicFipPool() {
    return this.publicPool;
  }

  /** The floating IP pool for a LoadBalancer service or an ingress: object > namespace > global (seed 001). */
  poolFor(o: KubeObject) {
    return poolFor(this.ctx, o);
  }

  // ------------------------------------------------------------------ the object store (both sources)

  /**
   * Adds or replaces an object in memory (a watch event; tests' churn): not written to the
   * database — durable applies go through apply(), deletes through deleteManifest()/deleteObject().
   */
  upsert(object: KubeObject, source: Source, actor: Actor = SYSTEM_ACTOR): "created" | "configured" | "unchanged" {
    return this.store.upsert(object, source, actor);
  }

  /** Removes an object from memory (a watch event); what it produced is deleted by its teardown, as `actor`. */
  remove(kind: Kind, namespace: string | undefined, name: string, actor: Actor = SYSTEM_ACTOR): boolean {
    return this.store.remove(kind, namespace, name, actor);
  }

  /** Keys of the store (a watch relist compares against them). */
  keys(source?: Source): string[] {
    return this.store.keys(source);
  }

  /** An object was stored, changed or removed: reconcile it and what depends on it. */
  private changed(key: string, before: KubeObject | null, after: KubeObject | null) {
    this.queue.add(key);
    const o = (after ?? before)!;
    for (const k of this.reconcilers.get(o.kind)?.dependents?.(o) ?? []) this.queue.add(k);
  }

  /** Applies and deletes one at a time: the database and the store see them in the same order. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.writes.then(f, f);
    this.writes = run.catch(() => {});
    return run;
  }

  private async parse(text: string, namespace: string | undefined) {
    try {
      return await parseManifestSliced(text, namespace ?? "default");
    } catch (e) {
      if ((e as { code?: string }).code === "bad_request") throw new WeftError("bad_request", (e as Error).message, [{ field: "manifest", message: (e as Error).message }]);
      throw e;
    }
  }

  // ------------------------------------------------------------------ manifests

  /**
   * Applies a multi-document manifest: every document is validated and authorised first (nothing
   * is stored when any is invalid or forbidden), then written to the database in one transaction,
   * then stored and queued — an answer means the objects are durable. With `wait`, answers after
   * the reconciles have run.
   */
  async apply(text: string, actor: Actor, opts: { wait?: boolean; timeoutMs?: number; dryRun?: boolean; namespace?: string } = {}): Promise<{ ok: boolean; results: ApplyResult[] }> {
    const docs = await this.parse(text, opts.namespace);
    if (!docs.length) throw new WeftError("bad_request", "the manifest has no Kubernetes object", [{ field: "manifest", message: "paste one or more YAML documents (apiVersion, kind, metadata …)" }]);
    const inManifest = new Set(docs.filter((d) => d.object?.kind === "Namespace").map((d) => d.object!.metadata.name));
    const results: ApplyResult[] = docs.map((d) => {
      const o = d.object;
      const errors = [...d.issues];
      const ns = o?.metadata.namespace;
      if (o && ns && !inManifest.has(ns) && !this.store.has(keyOf("Namespace", undefined, ns)) && ns !== "default") {
        errors.push({ field: "metadata.namespace", message: `namespace ${ns} not found: create it first (or in the same manifest)`, line: d.line });
      }
      return {
        index: d.index,
        line: d.line,
        kind: o?.kind ?? d.ref.kind,
        namespace: ns ?? d.ref.namespace,
        name: o?.metadata.name ?? d.ref.name,
        action: errors.length ? "invalid" : d.ignored ? "ignored" : "unchanged",
        errors,
        warnings: d.warnings,
      };
    });
    const ok = results.every((r) => !r.errors.length);
    const objects = docs.filter((d) => d.object);
    // forbidden → 403 and nothing written, also for a dry run (it answers what an apply would do)
    authorizeKube(this.config, this.names, actor, objects.map((d) => ({ kind: d.object!.kind, namespace: d.object!.metadata.namespace, name: d.object!.metadata.name, object: d.object, line: d.line })), "apply");
    if (!ok || opts.dryRun) {
      // all or nothing: a valid document of an invalid manifest is not applied either
      for (const r of results) if (!r.errors.length && r.action !== "ignored") r.action = ok ? "valid" : "not applied";
      return { ok, results };
    }
    await this.exclusive(async () => {
      // namespaces first, then networks, then the rest, as kubectl would need them
      const order = (k: string) => ["Namespace", "NetworkAttachmentDefinition"].indexOf(k) + 1 || 9;
      const sorted = docs
        .map((d, i) => ({ d, i }))
        .filter(({ d }) => d.object)
        .sort((a, b) => order(a.d.object!.kind) - order(b.d.object!.kind));
      const writes: KubeObject[] = [];
      // Kubernetes' default namespace exists implicitly: made when something first goes in it
      const needDefault = sorted.some(({ d }) => d.object!.kind !== "Namespace") && !this.store.has(keyOf("Namespace", undefined, "default")) && !inManifest.has("default");
      const defaultNs: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } };
      if (needDefault) writes.push(defaultNs);
      for (const { d } of sorted) if (this.store.wouldChange(d.object!)) writes.push(d.object!);
      // durable before it is stored, queued or acknowledged (uids are given before, so the row and the store agree)
      for (const o of writes) this.store.assignUid(o);
      await this.persist?.write(writes.map((o) => ({ key: objectKey(o), object: o, actor })));
      let since = performance.now();
      if (needDefault) this.store.upsert(defaultNs, "manifest", actor);
      for (const { d, i } of sorted) {
        results[i].action = this.store.upsert(d.object!, "manifest", actor);
        if (performance.now() - since > 8) {
          await new Promise((r) => setImmediate(r));
          since = performance.now();
        }
      }
    });
    const applied = results.filter((r) => r.action !== "ignored");
    if (opts.wait !== false) await this.waitFor(applied.map((r) => keyOf(r.kind as Kind, r.namespace || undefined, r.name)), opts.timeoutMs ?? 30_000);
    for (const r of applied) {
      const e = this.store.get(keyOf(r.kind as Kind, r.namespace || undefined, r.name));
      if (e) {
        r.status = e.status;
        r.produced = e.produced;
      }
    }
    return { ok, results };
  }

  /** Deletes what a manifest names (kubectl delete -f), as `actor`: authorised, durable, then torn down. */
  async deleteManifest(text: string, actor: Actor, opts: { wait?: boolean; timeoutMs?: number; namespace?: string } = {}): Promise<{ ok: boolean; results: ApplyResult[] }> {
    const docs = await this.parse(text, opts.namespace);
    // kubectl delete -f needs only kind, namespace and name: a document whose spec would not apply
    // (a workload without its template) still names what to delete
    const targets = docs.map((d) => {
      if (d.object) return { kind: d.object.kind, namespace: d.object.metadata.namespace, name: d.object.metadata.name, line: d.line };
      const onlySpec = d.issues.length > 0 && d.issues.every((x) => x.field.startsWith("spec"));
      if (onlySpec && (KINDS as readonly string[]).includes(d.ref.kind) && d.ref.name) return { kind: d.ref.kind as Kind, namespace: d.ref.kind === "Namespace" ? undefined : d.ref.namespace, name: d.ref.name, line: d.line };
      return null;
    });
    const results: ApplyResult[] = docs.map((d, i) => {
      const t = targets[i];
      return { index: d.index, line: d.line, kind: t?.kind ?? d.ref.kind, namespace: t?.namespace ?? d.ref.namespace, name: t?.name ?? d.ref.name, action: d.ignored ? "ignored" : "invalid", errors: t ? [] : d.issues, warnings: d.warnings };
    });
    const named = targets.filter((t): t is NonNullable<typeof t> => !!t);
    authorizeKube(this.config, this.names, actor, named, "delete");
    const keys: string[] = [];
    await this.exclusive(async () => {
      const gone = named.filter((t) => this.store.has(keyOf(t.kind, t.namespace, t.name)));
      await this.persist?.write(
        [],
        gone.map((t) => keyOf(t.kind, t.namespace, t.name)),
        gone.filter((t) => t.kind === "Namespace").map((t) => t.name),
      );
      // the reverse of apply's order: what is inside a namespace first, so that a namespace's own
      // teardown (which removes what it holds) does not turn the manifest's other documents into "not found"
      const order = (k: string) => ["NetworkAttachmentDefinition", "Namespace"].indexOf(k) + 1;
      const sorted = targets.map((t, i) => ({ t, i })).sort((a, b) => order(a.t?.kind ?? "") - order(b.t?.kind ?? ""));
      for (const { t, i } of sorted) {
        if (!t) continue;
        results[i].action = this.store.remove(t.kind, t.namespace, t.name, actor) ? "deleted" : "not found";
        keys.push(keyOf(t.kind, t.namespace, t.name));
      }
    });
    if (opts.wait !== false) await this.waitFor(keys, opts.timeoutMs ?? 30_000);
    return { ok: results.every((r) => !r.errors.length), results };
  }

  /** Deletes one object (the console's delete button), as `actor`: authorised, durable, then torn down. */
  async deleteObject(kind: Kind, namespace: string | undefined, name: string, actor: Actor, opts: { wait?: boolean } = {}): Promise<boolean> {
    const ns = kind === "Namespace" ? undefined : namespace;
    authorizeKube(this.config, this.names, actor, [{ kind, namespace: ns, name }], "delete");
    const key = keyOf(kind, ns, name);
    const done = await this.exclusive(async () => {
      if (!this.store.has(key)) return false;
      await this.persist?.write([], [key], kind === "Namespace" ? [name] : []);
      return this.store.remove(kind, ns, name, actor);
    });
    if (done && opts.wait !== false) await this.waitFor([key], 30_000);
    return done;
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
    for (const [key, e] of this.store.all()) {
      if (filter.kind && e.object.kind !== filter.kind) continue;
      if (filter.namespace && (e.object.metadata.namespace ?? e.object.metadata.name) !== filter.namespace) continue;
      out.push(this.view(key, e));
    }
    return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  get(kind: Kind, namespace: string | undefined, name: string): KubeObjectView | null {
    const key = keyOf(kind, namespace, name);
    const e = this.store.get(key);
    return e ? this.view(key, e) : null;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
    for (const e of this.store.values()) out[e.object.kind]++;
    return out;
  }

  /** The Kubernetes object that produced a config object, if any (for the console's links). */
  ownerOf(uuid: string): KubeObjectView | null {
    for (const [key, e] of this.store.all()) if (e.produced.some((p) => p.uuid === uuid)) return this.view(key, e);
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

  // ------------------------------------------------------------------ reconcile (dispatch)

  private async reconcile(key: string) {
    this.counters.reconciles++;
    const kind = key.split("/")[0] as Kind;
    const r = this.reconcilers.get(kind);
    if (!r) return;
    const e = this.store.get(key);
    if (!e) {
      const gone = this.store.orphans.get(key);
      if (gone) {
        // as whoever deleted it (store.remove records them), not as whoever applied it
        await r.teardown(key, gone, kubeActor(gone.actor));
        this.store.orphans.delete(key);
      }
      return;
    }
    const warnings: string[] = [];
    await r.reconcile(key, e, kubeActor(e.actor), warnings);
    if (this.store.get(key) === e) e.status = { state: "ready", message: r.ready(e), warnings, at: now() };
  }
}
