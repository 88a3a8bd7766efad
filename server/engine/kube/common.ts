// What the kube manager and its reconcilers share: the store's entry, the Weft objects an entry
// produced, the reconciler interface (controller-runtime's Reconciler, contrail-kube-manager's
// vnc_<kind>.py), the names of what the manager creates, and small helpers.
import type { Actor } from "../config/api";
import type { ConfigService } from "../config/service";
import type { WeftError } from "../model/errors";
import type { ConfigObject, ObjectType, Ref } from "../model/types";
import type { ClusterNetworks } from "./cluster";
import type { Kind, KubeObject } from "./resources";
import type { KubeStore } from "./store";

export const ISOLATION = "opencontrail.org/isolation";
export const NETWORK = "opencontrail.org/network";
export const FIP_POOL = "opencontrail.org/fip-pool";
export const CIDR = "opencontrail.org/cidr";
/** Weft's switch for seed 004's name/uses label convention on a namespace */
export const USES_LABELS = "weft.io/uses-labels";
/** services and policies re-evaluate their pods this long after a pod changes (coalescing bursts) */
export const PEER_DELAY_MS = 50;
export const DOMAIN = "default-domain";
export const DEFAULT_IPAM = [DOMAIN, "default-project", "default-network-ipam"];

export interface PoolRef {
  domain: string;
  project: string;
  network: string;
  name: string;
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

export interface Entry {
  object: KubeObject;
  source: Source;
  actor: Actor;
  /** the object (Kind/ns/name) that generated this one: a workload's pod, a namespace's uses-policy */
  owner?: string;
  status: ObjectStatus;
  produced: Produced[];
  details: Record<string, unknown>;
  /** what peers/back-ends last saw of this object (a pod's labels + address): a change re-evaluates them */
  signature?: string;
}

/**
 * One kind's reconciler. `reconcile` is idempotent: it reads the desired state from the entry and the
 * store, and brings the config objects in line (recording them in `e.produced` / `e.details`);
 * `teardown` deletes what a removed object produced; `dependents` names the keys to re-evaluate
 * when an object of this kind is stored, changed or removed (besides the object itself).
 */
export interface Reconciler {
  readonly kinds: readonly Kind[];
  reconcile(key: string, e: Entry, actor: Actor, warnings: string[]): Promise<void>;
  teardown(key: string, e: Entry, actor: Actor): Promise<void>;
  dependents?(o: KubeObject): string[];
  /** the status line once reconciled */
  ready(e: Entry): string;
}

/** What a reconciler may use: the config service, the store, the queue and the cluster's networks. */
export interface KubeContext {
  readonly config: ConfigService;
  readonly names: KubeNames;
  readonly store: KubeStore;
  readonly networks: ClusterNetworks;
  /** queues a reconcile of `key` (after `delayMs`, coalescing, when given) */
  enqueue(key: string, delayMs?: number): void;
  /** resolves when `key` is neither queued nor running */
  settled(key: string): Promise<void>;
  /** the global floating IP pool (KUBERNETES_PUBLIC_FIP_POOL) */
  readonly publicPool: PoolRef | null;
}

/** The names of what the manager creates (seed 001: k8s-<ns>, k8s-<ns>-pod-network, …). */
export class KubeNames {
  constructor(readonly cluster: string) {}
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
  policySgFq(ns: string, policy: string) {
    return [...this.projectFq(ns), `${this.cluster}-np-${policy}`];
  }
  /** a pod's virtual machine and instance IP (global names, as contrail-kube-manager's) */
  podVmFq(ns: string, pod: string) {
    return [`${this.cluster}__${ns}__${pod}`];
  }
  /** Contrail's key/value annotations on what the manager creates (who made it, for which object) */
  annotations(kind: string, ns: string, name: string, extra: Record<string, string> = {}) {
    const kv = { cluster: this.cluster, kind, namespace: ns, name, owner: "k8s", ...extra };
    return { key_value_pair: Object.entries(kv).map(([key, value]) => ({ key, value })) };
  }
}

export const now = () => new Date().toISOString();

/** JSON with sorted keys (content comparison independent of key order). */
export const stable = (o: unknown) =>
  JSON.stringify(o, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/**
 * The identity the reconciles write with: the kube manager (source `kube`, admin rights — it
 * allocates VIPs from the system's service pool, makes the cluster's networks) on behalf of the
 * user who applied or deleted the object, whose email the audit log shows ("alice@x (kube)"). The
 * user's own rights were checked at the Kubernetes surface (access.ts) before anything was stored;
 * what the reconciles then write is bounded by the namespace's project and the mapping.
 * config/access.ts recognises pools made this way (creator "… (kube)" / "kube-manager") as the system's.
 */
export function kubeActor(actor: Actor): Actor {
  const email = actor.source === "kube" ? actor.email : actor.email === "system" ? "kube-manager" : `${actor.email} (kube)`;
  return { userId: actor.userId, email, role: "admin", source: "kube" };
}

export function prod(o: ConfigObject, role: string): Produced {
  return { type: o.type, uuid: o.uuid, fq_name: o.fq_name, role };
}

export function refUuids(refs: unknown): string[] {
  return ((refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
}

/** What identifies an object's content (the store compares it to skip no-op applies). */
export function strip(o: KubeObject) {
  const { uid: _u, resourceVersion: _rv, ...meta } = o.metadata as Record<string, unknown>;
  return { kind: o.kind, metadata: meta, spec: o.spec ?? {} };
}

export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export async function deleteIfExists(config: ConfigService, type: ObjectType, uuid: string, actor: Actor) {
  if (!config.find(uuid)) return;
  try {
    await config.delete(type, uuid, actor);
  } catch (err) {
    if ((err as WeftError).code === "not_found") return;
    throw err;
  }
}

/** Deletes what an entry produced, in reverse creation order (floating IPs and addresses first, the project last). */
export async function deleteProduced(config: ConfigService, e: Entry, actor: Actor) {
  for (const p of [...e.produced].reverse()) {
    if (p.role === "shared") continue;
    await deleteIfExists(config, p.type, p.uuid, actor);
  }
}
