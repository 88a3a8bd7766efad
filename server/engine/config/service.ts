// The config API server: every change to config goes through here. A write validates against
// the in-memory store (synchronously, so concurrent writers are serialized by the event loop),
// applies to memory, and joins the next group commit that persists objects, refs, IP
// allocations, audit entries and change-feed events in one database transaction. A failed
// commit rolls memory back. Reads come from memory.
import { createHash, randomUUID } from "node:crypto";
import { type FieldIssue, WeftError, conflict, forbidden, notFound } from "../model/errors";
import { formatAddress, parseAddress } from "../model/net";
import { type BgpRouterParameters, DEFAULT_ENCAPSULATION_PRIORITY, IdPermsInputSchema, KeyValueSchema, NameSchema, type PolicyRule, RefInputSchema, UuidSchema } from "../model/schemas";
import {
  CONFIG_ROOT,
  type ConfigObject,
  IGNORED_INPUT_FIELDS,
  type IdPerms,
  type ObjectType,
  OBJECT_TYPES,
  type Ref,
  TYPES,
  childTypes,
  fqString,
  isObjectType,
  plural,
  refField,
  underscored,
} from "../model/types";
import type { NetworkAllocator } from "../ipam/allocator";
import type {
  Actor,
  AuditQuery,
  AuditRecord,
  ChangeEvent,
  ChildRef,
  ConfigApi,
  CreateInput,
  ListOptions,
  RefUpdateInput,
  UpdateInput,
} from "./api";
import { SYSTEM_ACTOR } from "./api";
import type { Db } from "./db";
import { diffObjects } from "./diff";
import { type PendingChange, persistBatch } from "./persistence";
import { MemoryStore, subnetsOfNetwork } from "./store";
import { checkRouteTargets, checkRules, fail, normalizeNetworkSubnets, zodIssues } from "./validate";

export interface ConfigServiceOptions {
  db: Db;
  /** cluster ASN (global system config), for the auto route-target range check */
  clusterAsn?: number;
  /** most changes per group commit */
  maxBatch?: number;
}

export interface ConfigStats {
  writes: number;
  commits: number;
  allocationFailures: number;
  validationFailures: number;
}

/** the pool a router_external network gets by itself (Contrail's name) */
export const PUBLIC_POOL = "public";
const AUTO_POOL_DESCRIPTION = "created by router_external";
const SG_ID_BASE = 8_000_000; // Contrail's security_group_id range starts here
const VN_ID_BASE = 1; // virtual_network_network_id

/** One write in progress: its changes and how to undo them. */
class Tx {
  readonly changes: PendingChange[] = [];
  private readonly undo: (() => void)[] = [];
  private readonly allocations: { allocator: NetworkAllocator; address: string; owner: string }[] = [];
  resolve!: () => void;
  reject!: (e: unknown) => void;

  constructor(
    private readonly store: MemoryStore,
    readonly actor: Actor,
  ) {}

  put(obj: ConfigObject, action: "create" | "update" | "ref-update") {
    const before = this.store.get(obj.uuid) ?? null;
    this.store.put(obj);
    this.undo.push(() => (before ? this.store.put(before) : this.store.remove(obj.uuid)));
    this.record(before, obj, action);
  }

  remove(obj: ConfigObject) {
    this.store.remove(obj.uuid);
    this.undo.push(() => this.store.put(obj));
    this.record(obj, null, "delete");
  }

  allocated(allocator: NetworkAllocator, address: string, owner: string) {
    this.allocations.push({ allocator, address, owner });
  }

  private record(before: ConfigObject | null, after: ConfigObject | null, action: AuditRecord["action"]) {
    const o = (after ?? before)!;
    const at = new Date().toISOString();
    this.changes.push({
      before,
      after,
      allocation: after ? this.store.allocationOf(after) : null,
      audit: {
        at,
        actorId: this.actor.userId,
        actorEmail: this.actor.email,
        source: this.actor.source,
        action,
        objectType: o.type,
        objectUuid: o.uuid,
        fqName: fqString(o.fq_name),
        diff: diffObjects(before, after),
      },
      event: {
        at,
        op: after === null ? "delete" : before === null ? "create" : "update",
        type: o.type,
        uuid: o.uuid,
        fqName: fqString(o.fq_name),
        resourceVersion: o.resource_version,
        object: after,
      },
    });
  }

  rollback() {
    for (const u of this.undo.reverse()) u();
    this.undo.length = 0;
    for (const { allocator, address, owner } of this.allocations) {
      if (allocator.used.get(address) === owner && !this.store.get(owner)) allocator.release(address);
    }
  }
}

function uuidPerms(uuid: string) {
  const hex = uuid.replace(/-/g, "");
  return { uuid_mslong: BigInt(`0x${hex.slice(0, 16)}`).toString(), uuid_lslong: BigInt(`0x${hex.slice(16)}`).toString() };
}

/** Contrail-style MAC for a port: 02: + five octets from the uuid. */
function macFor(uuid: string): string {
  const h = createHash("sha1").update(uuid).digest("hex");
  return ["02", h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(":");
}

const clone = <T>(v: T): T => structuredClone(v);

export class ConfigService implements ConfigApi {
  readonly store = new MemoryStore();
  readonly stats: ConfigStats = { writes: 0, commits: 0, allocationFailures: 0, validationFailures: 0 };
  private seq = 0;
  private queue: Tx[] = [];
  private flushing = false;
  private listeners = new Set<(e: ChangeEvent) => void>();
  private readonly db: Db;
  private readonly defaultAsn: number;
  private readonly maxBatch: number;

  private constructor(opts: ConfigServiceOptions) {
    this.db = opts.db;
    this.defaultAsn = opts.clusterAsn ?? 64512;
    this.maxBatch = opts.maxBatch ?? 2000;
  }

  /** Loads every object from the database and creates the defaults on first start. */
  static async open(opts: ConfigServiceOptions): Promise<ConfigService> {
    const s = new ConfigService(opts);
    await s.load();
    await s.bootstrap();
    return s;
  }

  get lastSeq() {
    return this.seq;
  }

  /** The cluster ASN: global-system-config's autonomous_system (Contrail's default 64512). */
  get clusterAsn(): number {
    const g = this.store.getByFq("global-system-config", ["default-global-system-config"]);
    return (g?.autonomous_system as number | undefined) ?? this.defaultAsn;
  }

  /** Encapsulations in priority order (global-vrouter-config). */
  get encapsulationPriority(): string[] {
    const g = this.store.getByFq("global-vrouter-config", ["default-global-system-config", "default-global-vrouter-config"]);
    return (g?.encapsulation_priorities as { encapsulation?: string[] } | undefined)?.encapsulation ?? [...DEFAULT_ENCAPSULATION_PRIORITY];
  }

  private async load() {
    const rows = await this.db.configObject.findMany({ select: { body: true, type: true } });
    // networks (and pools) before the addresses allocated from them
    const order = new Map<string, number>(OBJECT_TYPES.map((t, i) => [t, i]));
    const objs = rows.map((r) => JSON.parse(r.body) as ConfigObject);
    objs.sort((a, b) => order.get(a.type)! - order.get(b.type)!);
    for (const o of objs) this.store.put(o);
    const last = await this.db.changeEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
    this.seq = last?.seq ?? 0;
  }

  /** Contrail's defaults: global system / vRouter config, default-domain, default-project and its default-network-ipam. */
  private async bootstrap() {
    if (!this.store.getByFq("global-system-config", ["default-global-system-config"])) {
      await this.create("global-system-config", { fq_name: ["default-global-system-config"], autonomous_system: this.defaultAsn }, SYSTEM_ACTOR);
    }
    if (!this.store.getByFq("global-vrouter-config", ["default-global-system-config", "default-global-vrouter-config"])) {
      await this.create(
        "global-vrouter-config",
        {
          fq_name: ["default-global-system-config", "default-global-vrouter-config"],
          parent_type: "global-system-config",
          encapsulation_priorities: { encapsulation: [...DEFAULT_ENCAPSULATION_PRIORITY] },
          vxlan_network_identifier_mode: "automatic",
        },
        SYSTEM_ACTOR,
      );
    }
    if (!this.store.getByFq("domain", ["default-domain"])) {
      await this.create("domain", { fq_name: ["default-domain"] }, SYSTEM_ACTOR);
    }
    if (!this.store.getByFq("project", ["default-domain", "default-project"])) {
      await this.create("project", { fq_name: ["default-domain", "default-project"], parent_type: "domain" }, SYSTEM_ACTOR);
    }
    if (!this.store.getByFq("network-ipam", ["default-domain", "default-project", "default-network-ipam"])) {
      await this.create(
        "network-ipam",
        { fq_name: ["default-domain", "default-project", "default-network-ipam"], parent_type: "project", ipam_subnet_method: "user-defined-subnet" },
        SYSTEM_ACTOR,
      );
    }
  }

  async close() {
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
  }

  // ---------------------------------------------------------------- reads

  find(uuid: string): ConfigObject | undefined {
    return this.store.get(uuid);
  }

  get(type: ObjectType, uuid: string): ConfigObject {
    const o = this.store.get(uuid);
    if (!o || o.type !== type) throw notFound(`${type} ${uuid} not found`);
    return o;
  }

  getByFqName(type: ObjectType, fq: string[]): ConfigObject | undefined {
    return this.store.getByFq(type, fq);
  }

  count(type: ObjectType): number {
    return this.store.uuidsOfType(type).size;
  }

  list(type: ObjectType, opts: ListOptions = {}): ConfigObject[] {
    let uuids: Iterable<string> = this.store.uuidsOfType(type);
    if (opts.uuids) uuids = opts.uuids.filter((u) => this.store.get(u)?.type === type);
    const parents = opts.parentUuid === undefined ? null : new Set([opts.parentUuid].flat());
    const search = opts.search?.toLowerCase();
    const out: ConfigObject[] = [];
    for (const u of uuids) {
      const o = this.store.get(u)!;
      if (parents && !parents.has(o.parent_uuid ?? "")) continue;
      if (opts.fqName && fqString(o.fq_name) !== fqString(opts.fqName)) continue;
      if (opts.projectUuid && this.projectOf(o)?.uuid !== opts.projectUuid) continue;
      if (search && !o.name.toLowerCase().includes(search) && !fqString(o.fq_name).toLowerCase().includes(search) && !o.uuid.includes(search)) continue;
      if (opts.filters && !Object.entries(opts.filters).every(([k, v]) => JSON.stringify(o[k]) === JSON.stringify(v))) continue;
      out.push(o);
    }
    return out;
  }

  /** Allocation-pool usage of every virtual network's subnets (IPAM's view, for alarms and pages). */
  addressUsage(): { networkUuid: string; fq_name: string[]; subnets: ReturnType<NetworkAllocator["usage"]> }[] {
    const out: { networkUuid: string; fq_name: string[]; subnets: ReturnType<NetworkAllocator["usage"]> }[] = [];
    for (const [uuid, a] of this.store.allocators) {
      const vn = this.store.get(uuid);
      if (vn) out.push({ networkUuid: uuid, fq_name: vn.fq_name, subnets: a.usage() });
    }
    return out;
  }

  children(uuid: string): ChildRef[] {
    return this.store.childrenOf(uuid).map((c) => ({ to: c.fq_name, uuid: c.uuid, type: c.type }));
  }

  backRefs(uuid: string): (ChildRef & { field: string; attr?: unknown })[] {
    return this.store.backRefsOf(uuid).map((b) => {
      const o = this.store.get(b.from)!;
      return { to: o.fq_name, uuid: o.uuid, type: o.type, field: b.field, attr: b.attr };
    });
  }

  projectOf(obj: ConfigObject): ConfigObject | undefined {
    let o: ConfigObject | undefined = obj;
    for (let depth = 0; o && depth < 6; depth++) {
      if (o.type === "project") return o;
      if (o.parent_uuid) {
        o = this.store.get(o.parent_uuid);
        continue;
      }
      // parentless types belong to the project of what they attach to
      const via =
        (o.virtual_machine_interface_refs as Ref[] | undefined)?.[0] ?? (o.virtual_network_refs as Ref[] | undefined)?.[0];
      o = via ? this.store.get(via.uuid) : undefined;
    }
    return undefined;
  }

  async audit(q: AuditQuery): Promise<AuditRecord[]> {
    const rows = await this.db.auditEntry.findMany({
      where: {
        actorEmail: q.actor ? { contains: q.actor } : undefined,
        objectType: q.objectType || undefined,
        objectUuid: q.objectUuid || undefined,
        at: q.from || q.to ? { gte: q.from, lte: q.to } : undefined,
        id: q.before ? { lt: q.before } : undefined,
      },
      orderBy: { id: "desc" },
      take: Math.min(q.limit ?? 100, 1000),
    });
    return rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorId: r.actorId,
      actorEmail: r.actorEmail,
      source: r.source as AuditRecord["source"],
      action: r.action as AuditRecord["action"],
      objectType: r.objectType,
      objectUuid: r.objectUuid,
      fqName: r.fqName,
      diff: JSON.parse(r.diff),
    }));
  }

  async changesSince(seq: number, limit = 10_000): Promise<ChangeEvent[]> {
    const rows = await this.db.changeEvent.findMany({ where: { seq: { gt: seq } }, orderBy: { seq: "asc" }, take: limit });
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at.toISOString(),
      op: r.op as ChangeEvent["op"],
      type: r.type as ObjectType,
      uuid: r.uuid,
      fqName: r.fqName,
      resourceVersion: r.resourceVersion,
      object: r.body ? JSON.parse(r.body) : null,
    }));
  }

  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- writes

  create(type: ObjectType, body: CreateInput, actor: Actor): Promise<ConfigObject> {
    return this.run(actor, (tx) => {
      const obj = this.buildNew(type, body, tx);
      tx.put(obj, "create");
      if (type === "project") tx.put(this.defaultSecurityGroup(obj, tx), "create");
      if (type === "virtual-network") this.externalPool(obj, null, tx);
      return obj;
    });
  }

  update(type: ObjectType, uuid: string, body: UpdateInput, actor: Actor): Promise<ConfigObject> {
    return this.run(actor, (tx) => {
      const current = this.get(type, uuid);
      this.authorize(actor, current, "update");
      const next = this.buildUpdate(current, body, tx);
      if (next === current) return current;
      tx.put(next, "update");
      if (type === "virtual-network") this.externalPool(next, current, tx);
      return next;
    });
  }

  /** What keeps an object from being deleted (children and back-refs), and what goes with it. */
  private deleteBlockersOf(type: ObjectType, uuid: string) {
    let children = this.store.childrenOf(uuid);
    // Contrail removes a project's default security group with the project
    const autoSg = children.find(
      (c) => type === "project" && c.type === "security-group" && c.name === "default" && this.store.backRefsOf(c.uuid).length === 0,
    );
    if (autoSg) children = children.filter((c) => c !== autoSg);
    // … and an external network's automatic `public` pool, when no floating IP came from it
    const autoPool = type === "virtual-network" ? children.find((c) => this.isUnusedAutoPool(c)) : undefined;
    if (autoPool) children = children.filter((c) => c !== autoPool);
    const backRefs = this.store.backRefsOf(uuid).filter((b) => b.from !== autoSg?.uuid);
    return { children, backRefs, autoSg, autoPool };
  }

  /** Why a delete would be refused, one line per blocking object (empty: it would go through). */
  deleteBlockers(type: ObjectType, uuid: string): string[] {
    const { children, backRefs } = this.deleteBlockersOf(type, uuid);
    return [
      ...children.map((c) => `child ${c.type} ${fqString(c.fq_name)}`),
      ...backRefs.map((b) => {
        const o = this.store.get(b.from)!;
        return `${o.type} ${fqString(o.fq_name)} (${b.field})`;
      }),
    ];
  }

  delete(type: ObjectType, uuid: string, actor: Actor): Promise<void> {
    return this.run(actor, (tx) => {
      const obj = this.get(type, uuid);
      this.authorize(actor, obj, "delete");
      const { children, backRefs, autoSg, autoPool } = this.deleteBlockersOf(type, uuid);
      if (children.length || backRefs.length) {
        const list = this.deleteBlockers(type, uuid);
        throw conflict(
          `cannot delete ${type} ${fqString(obj.fq_name)}: still in use by ${list.length} object(s): ${list.slice(0, 20).join(", ")}${list.length > 20 ? ", …" : ""}`,
          {
            children: children.map((c) => ({ type: c.type, uuid: c.uuid, fq_name: c.fq_name })),
            back_refs: backRefs.map((b) => ({ type: this.store.get(b.from)!.type, uuid: b.from, fq_name: this.store.get(b.from)!.fq_name, field: b.field })),
          },
        );
      }
      if (autoSg) tx.remove(autoSg);
      if (autoPool) tx.remove(autoPool);
      tx.remove(obj);
    });
  }

  /**
   * Bulk delete (the console's multi-select): deletes what it can; objects still in use only by
   * others in the same request are retried after those go, so order does not matter.
   */
  async deleteMany(type: ObjectType, uuids: string[], actor: Actor): Promise<{ deleted: string[]; failed: { uuid: string; message: string }[] }> {
    const deleted: string[] = [];
    let pending = [...new Set(uuids)];
    let failed: { uuid: string; message: string }[] = [];
    while (pending.length) {
      const results = await Promise.allSettled(pending.map((u) => this.delete(type, u, actor)));
      failed = [];
      results.forEach((r, i) => {
        if (r.status === "fulfilled") deleted.push(pending[i]);
        else failed.push({ uuid: pending[i], message: (r.reason as Error).message });
      });
      if (failed.length === pending.length) break;
      pending = failed.map((f) => f.uuid);
    }
    return { deleted, failed };
  }

  refUpdate(input: RefUpdateInput, actor: Actor): Promise<ConfigObject> {
    return this.run(actor, (tx) => {
      const obj = this.get(input.type, input.uuid);
      this.authorize(actor, obj, "update");
      const key = underscored(input.refType);
      const def = TYPES[obj.type].refs[key];
      if (!def) {
        const allowed = Object.values(TYPES[obj.type].refs).map((d) => d.to);
        throw new WeftError("bad_request", `ref-type: ${obj.type} has no refs to ${input.refType}; allowed: ${allowed.join(", ") || "none"}`, [
          { field: "ref-type", message: `allowed: ${allowed.join(", ") || "none"}` },
        ]);
      }
      const target = input.refUuid ? this.store.get(input.refUuid) : input.refFqName ? this.store.getByFq(def.to, input.refFqName) : undefined;
      if (!target || target.type !== def.to) {
        throw notFound(`${def.to} ${input.refUuid ?? fqString(input.refFqName ?? [])} not found`);
      }
      const field = refField(key);
      const refs = ((obj[field] as Ref[] | undefined) ?? []).filter((r) => r.uuid !== target.uuid).map((r) => ({ ...r }));
      if (input.operation === "ADD") refs.push({ to: target.fq_name, uuid: target.uuid, ...(input.attr !== undefined ? { attr: input.attr } : {}) });
      const next = this.buildUpdate(obj, { [field]: refs }, tx);
      if (next !== obj) tx.put(next, "ref-update");
      return next;
    });
  }

  // ---------------------------------------------------------------- machinery

  private run<T>(actor: Actor, fn: (tx: Tx) => T): Promise<T> {
    const tx = new Tx(this.store, actor);
    let result: T;
    try {
      result = fn(tx);
    } catch (e) {
      tx.rollback();
      if (e instanceof WeftError && e.code === "bad_request") this.stats.validationFailures++;
      return Promise.reject(e);
    }
    if (tx.changes.length === 0) return Promise.resolve(result);
    this.stats.writes += tx.changes.length;
    return new Promise<T>((resolve, reject) => {
      tx.resolve = () => resolve(result);
      tx.reject = reject;
      this.queue.push(tx);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush() {
    while (this.queue.length) {
      const batch: Tx[] = [];
      let n = 0;
      while (this.queue.length && (n === 0 || n + this.queue[0].changes.length <= this.maxBatch)) {
        const t = this.queue.shift()!;
        batch.push(t);
        n += t.changes.length;
      }
      const changes = batch.flatMap((t) => t.changes);
      const first = this.seq + 1;
      try {
        await persistBatch(this.db, changes, first);
      } catch (e) {
        // undo this batch and everything validated on top of it, newest first
        const all = [...batch, ...this.queue.splice(0)];
        for (const t of [...all].reverse()) t.rollback();
        const err = new WeftError("internal", `config store write failed: ${(e as Error).message}`);
        for (const t of all) t.reject(err);
        continue;
      }
      this.seq += changes.length;
      this.stats.commits++;
      changes.forEach((c, i) => {
        const ev: ChangeEvent = { ...c.event, seq: first + i };
        for (const l of this.listeners) {
          try {
            l(ev);
          } catch {
            // a listener's failure is its own business
          }
        }
      });
      for (const t of batch) t.resolve();
    }
    this.flushing = false;
  }

  /** viewer: nothing; operator: objects in granted projects; admin: everything. */
  private authorize(actor: Actor, obj: ConfigObject, action: string) {
    if (actor.role === "admin") return;
    const what = `${action} ${obj.type} ${fqString(obj.fq_name)}`;
    if (actor.role !== "operator") throw forbidden(`role ${actor.role} may not ${what}: read-only access`);
    if (["domain", "project", "global-system-config", "global-vrouter-config", "virtual-router", "routing-instance", "bgp-router"].includes(obj.type)) {
      throw forbidden(`only an admin may ${what}`);
    }
    if (obj.type === "virtual-machine") return;
    // a floating IP belongs to the project it was allocated for (project_refs), wherever its pool lives
    const fipProject = obj.type === "floating-ip" ? (obj.project_refs as Ref[] | undefined)?.[0] : undefined;
    const project = fipProject ? this.store.get(fipProject.uuid) : this.projectOf(obj);
    if (!project || !(actor.projectUuids ?? []).includes(project.uuid)) {
      throw forbidden(`${actor.email} may not ${what}: not granted on project ${project ? fqString(project.fq_name) : "(none)"}`);
    }
  }

  /** Splits a request body into meta fields, ref fields and properties; refuses unknown fields. */
  private split(type: ObjectType, body: Record<string, unknown>) {
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new WeftError("bad_request", `the body must be a JSON object with the ${type}'s fields`);
    }
    const def = TYPES[type];
    const propKeys = new Set(Object.keys(def.props.shape));
    const refKeys = new Set(Object.keys(def.refs).map(refField));
    const meta = new Set(["uuid", "name", "fq_name", "parent_type", "parent_uuid", "display_name", "id_perms", "resource_version", "annotations", "type"]);
    const childKeys = new Set(childTypes(type).map((t) => underscored(plural(t))));
    const props: Record<string, unknown> = {};
    const refs: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const [k, v] of Object.entries(body)) {
      if (meta.has(k) || (IGNORED_INPUT_FIELDS as readonly string[]).includes(k) || k.endsWith("_back_refs") || childKeys.has(k)) continue;
      if (refKeys.has(k)) refs[k] = v;
      else if (propKeys.has(k)) props[k] = v;
      else unknown.push(k);
    }
    if (unknown.length) {
      const allowed = [...propKeys, ...refKeys].join(", ") || "none";
      fail(unknown.map((k) => ({ field: k, message: `unknown field for ${type}; its properties and refs are: ${allowed}` })));
    }
    return { props, refs };
  }

  private parseProps(type: ObjectType, props: Record<string, unknown>): Record<string, unknown> {
    const r = TYPES[type].props.safeParse(props);
    if (!r.success) fail(zodIssues(r.error, ""));
    // keep only what the client sent (zod fills defaults inside nested objects only)
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(props)) if ((r.data as Record<string, unknown>)[k] !== undefined) out[k] = (r.data as Record<string, unknown>)[k];
    return out;
  }

  /** Resolves `<x>_refs` input to stored refs: target exists, attr valid, cardinality. */
  private resolveRefs(type: ObjectType, input: Record<string, unknown>, current?: ConfigObject): Record<string, Ref[]> {
    const out: Record<string, Ref[]> = {};
    const issues: FieldIssue[] = [];
    let missing: string | null = null;
    for (const [key, def] of Object.entries(TYPES[type].refs)) {
      const field = refField(key);
      if (!(field in input)) {
        if (current?.[field]) out[field] = current[field] as Ref[];
        else if (def.required && !current) issues.push({ field, message: `a ${type} needs a ref to a ${def.to}` });
        continue;
      }
      const raw = input[field] ?? [];
      if (!Array.isArray(raw)) {
        issues.push({ field, message: `must be a list of refs [{"to": [...fq_name], "attr": ...}] or [{"uuid": "..."}]` });
        continue;
      }
      const refs: Ref[] = [];
      raw.forEach((item, i) => {
        const f = `${field}.${i}`;
        const r = RefInputSchema.safeParse(item);
        if (!r.success) {
          issues.push(...zodIssues(r.error, f));
          return;
        }
        const target = r.data.uuid ? this.store.get(r.data.uuid) : this.store.getByFq(def.to, r.data.to!);
        if (!target || target.type !== def.to) {
          const what = r.data.uuid ?? fqString(r.data.to!);
          missing ??= `${f}: ${def.to} ${what} does not exist`;
          issues.push({ field: f, message: `${def.to} ${what} does not exist` });
          return;
        }
        if (r.data.uuid && r.data.to && fqString(r.data.to) !== fqString(target.fq_name)) {
          issues.push({ field: `${f}.to`, message: `uuid ${target.uuid} is ${fqString(target.fq_name)}, not ${fqString(r.data.to)}` });
          return;
        }
        if (refs.some((x) => x.uuid === target.uuid)) {
          issues.push({ field: f, message: `${def.to} ${fqString(target.fq_name)} is referenced twice` });
          return;
        }
        const ref: Ref = { to: target.fq_name, uuid: target.uuid };
        if (def.attr) {
          const a = def.attr.safeParse(r.data.attr ?? {});
          if (!a.success) {
            issues.push(...zodIssues(a.error, `${f}.attr`));
            return;
          }
          ref.attr = a.data;
        } else if (r.data.attr !== undefined && r.data.attr !== null) {
          ref.attr = r.data.attr;
        }
        refs.push(ref);
      });
      if (def.single && refs.length > 1) issues.push({ field, message: `a ${type} refers to at most one ${def.to}` });
      if (def.required && refs.length === 0 && raw.length === 0) issues.push({ field, message: `a ${type} needs a ref to a ${def.to}` });
      out[field] = refs;
    }
    if (issues.length) {
      if (missing && issues.length === 1) throw new WeftError("not_found", missing, issues);
      fail(issues);
    }
    return out;
  }

  private buildNew(type: ObjectType, body: CreateInput, tx: Tx): ConfigObject {
    if (!isObjectType(type)) throw notFound(`unknown type ${type}`);
    const def = TYPES[type];
    const { props: rawProps, refs: rawRefs } = this.split(type, body);

    // name, fq_name, parent
    let fq = body.fq_name;
    let parent: ConfigObject | undefined;
    const topLevel = def.parents.includes(CONFIG_ROOT);
    if (fq !== undefined && (!Array.isArray(fq) || fq.length === 0 || fq.some((c) => typeof c !== "string" || c === ""))) {
      fail([{ field: "fq_name", message: "must be a non-empty list of names, e.g. [\"default-domain\", \"my-project\", \"my-network\"]" }]);
    }
    if (body.parent_type !== undefined && !(def.parents as string[]).includes(body.parent_type)) {
      fail([{ field: "parent_type", message: `a ${type}'s parent must be ${def.parents.join(" or ")}, not ${body.parent_type}` }]);
    }
    this.checkMeta(body);
    if (!fq) {
      // top-level objects (instance-ip, virtual-machine) may come without a name: Contrail names them by uuid
      const name = body.name ?? (topLevel ? ((body.uuid as string | undefined)?.toLowerCase() ?? (body.uuid = randomUUID())) : undefined);
      if (typeof name !== "string") fail([{ field: "fq_name", message: "give fq_name, or name with parent_uuid" }]);
      if (topLevel) fq = [name];
      else {
        if (!body.parent_uuid) fail([{ field: "parent_uuid", message: `give fq_name, or parent_uuid of the ${def.parents.join("/")} to create the ${type} in` }]);
        parent = this.store.get(body.parent_uuid);
        if (!parent || !(def.parents as string[]).includes(parent.type)) throw notFound(`parent_uuid: ${def.parents.join("/")} ${body.parent_uuid} not found`);
        fq = [...parent.fq_name, name];
      }
    }
    const name = fq[fq.length - 1];
    const n = NameSchema.safeParse(name);
    if (!n.success) fail([{ field: "fq_name", message: `"${name}": ${n.error.issues[0].message}` }]);
    if (body.name !== undefined && body.name !== name) fail([{ field: "name", message: `name "${body.name}" differs from the last fq_name component "${name}"` }]);
    if (topLevel) {
      if (fq.length !== 1) fail([{ field: "fq_name", message: `a ${type} is top-level: fq_name has one component, e.g. ["${name}"]` }]);
    } else if (!parent) {
      const parentFq = fq.slice(0, -1);
      const candidates = (body.parent_type ? [body.parent_type] : def.parents) as ObjectType[];
      for (const pt of candidates) parent = parent ?? this.store.getByFq(pt, parentFq);
      if (!parent) {
        throw new WeftError("not_found", `fq_name: parent ${candidates.join("/")} ${fqString(parentFq)} does not exist`, [
          { field: "fq_name", message: `parent ${candidates.join("/")} ${fqString(parentFq)} does not exist` },
        ]);
      }
      if (body.parent_uuid && body.parent_uuid !== parent.uuid) fail([{ field: "parent_uuid", message: `does not match fq_name's parent ${fqString(parent.fq_name)} (${parent.uuid})` }]);
    }
    const existing = this.store.getByFq(type, fq);
    if (existing) throw conflict(`${type} ${fqString(fq)} already exists (uuid ${existing.uuid})`, { uuid: existing.uuid });

    let uuid: string = randomUUID();
    if (body.uuid !== undefined) {
      const u = UuidSchema.safeParse(body.uuid);
      if (!u.success) fail([{ field: "uuid", message: u.error.issues[0].message }]);
      if (this.store.get(body.uuid.toLowerCase())) throw conflict(`uuid ${body.uuid} is already in use`);
      uuid = body.uuid.toLowerCase();
    }

    const props = this.parseProps(type, rawProps);
    const refs = this.resolveRefs(type, rawRefs);
    const now = new Date().toISOString();
    const idp = (body.id_perms ?? {}) as { description?: string; enable?: boolean };
    const obj: ConfigObject = {
      uuid,
      type,
      name,
      fq_name: fq,
      parent_type: topLevel ? CONFIG_ROOT : parent!.type,
      ...(parent ? { parent_uuid: parent.uuid } : {}),
      display_name: typeof body.display_name === "string" && body.display_name ? body.display_name : name,
      id_perms: {
        enable: idp.enable ?? true,
        user_visible: true,
        created: now,
        last_modified: now,
        creator: tx.actor.email,
        description: idp.description ?? null,
        uuid: uuidPerms(uuid),
      } satisfies IdPerms,
      resource_version: 1,
      ...(body.annotations !== undefined ? { annotations: body.annotations } : {}),
      ...props,
      ...refs,
    };
    this.authorize(tx.actor, obj, "create");
    this.applyTypeRules(obj, null, tx);
    return obj;
  }

  /** Types of the meta fields a client may send. */
  private checkMeta(body: Record<string, unknown>) {
    const issues: FieldIssue[] = [];
    if (body.display_name !== undefined && body.display_name !== null && typeof body.display_name !== "string") issues.push({ field: "display_name", message: "must be a string" });
    if (body.id_perms !== undefined && body.id_perms !== null && (typeof body.id_perms !== "object" || Array.isArray(body.id_perms))) {
      issues.push({ field: "id_perms", message: "must be an object, e.g. {\"description\": \"…\", \"enable\": true}" });
    } else if (body.id_perms) {
      const r = IdPermsInputSchema.safeParse(body.id_perms);
      if (!r.success) issues.push(...zodIssues(r.error, "id_perms"));
    }
    if (body.annotations !== undefined && body.annotations !== null) {
      const r = KeyValueSchema.safeParse(body.annotations);
      if (!r.success) issues.push(...zodIssues(r.error, "annotations"));
    }
    if (body.resource_version !== undefined && (typeof body.resource_version !== "number" || !Number.isInteger(body.resource_version) || body.resource_version < 1)) {
      issues.push({ field: "resource_version", message: "must be the positive integer resource_version of the object you read" });
    }
    if (issues.length) fail(issues);
  }

  private buildUpdate(current: ConfigObject, body: UpdateInput, tx: Tx): ConfigObject {
    const type = current.type;
    this.checkMeta(body);
    if (body.resource_version !== undefined && body.resource_version !== current.resource_version) {
      throw conflict(
        `${type} ${fqString(current.fq_name)} was changed by someone else: resource_version is ${current.resource_version}, the update was based on ${body.resource_version}; reload and retry`,
        { resource_version: current.resource_version },
      );
    }
    for (const k of ["fq_name", "name", "parent_type", "parent_uuid", "uuid"] as const) {
      if (body[k] === undefined) continue;
      const same = JSON.stringify(body[k]) === JSON.stringify(k === "uuid" ? current.uuid : current[k]);
      if (!same) fail([{ field: k, message: `${k} cannot be changed (create a new ${type} instead)` }]);
    }
    const { props: rawProps, refs: rawRefs } = this.split(type, body);
    const merged = { ...this.propsOf(current), ...rawProps };
    for (const k of Object.keys(rawProps)) if (rawProps[k] === null) delete merged[k];
    const props = this.parseProps(type, merged);
    const refs = this.resolveRefs(type, rawRefs, current);
    const next: ConfigObject = {
      ...Object.fromEntries(Object.entries(current).filter(([k]) => !(k in merged) && !(k in rawProps) && !k.endsWith("_refs"))),
      uuid: current.uuid,
      type,
      name: current.name,
      fq_name: current.fq_name,
      parent_type: current.parent_type,
      display_name: typeof body.display_name === "string" && body.display_name ? body.display_name : current.display_name,
      id_perms: { ...current.id_perms },
      resource_version: current.resource_version,
      ...props,
      ...refs,
    } as ConfigObject;
    if (body.annotations !== undefined) next.annotations = body.annotations;
    const idp = body.id_perms as { description?: string; enable?: boolean } | undefined;
    if (idp?.description !== undefined) next.id_perms.description = idp.description;
    if (idp?.enable !== undefined) next.id_perms.enable = idp.enable;
    this.applyTypeRules(next, current, tx);
    if (diffObjects(current, next).length === 0) return current;
    next.id_perms.last_modified = new Date().toISOString();
    next.resource_version = current.resource_version + 1;
    return next;
  }

  private propsOf(o: ConfigObject): Record<string, unknown> {
    const keys = Object.keys(TYPES[o.type].props.shape);
    return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, clone(o[k])]));
  }

  /** Semantics per type: defaults, cross-field checks, IPAM. Mutates `obj` (a fresh copy). */
  private applyTypeRules(obj: ConfigObject, current: ConfigObject | null, tx: Tx) {
    switch (obj.type) {
      case "virtual-network":
        return this.networkRules(obj, current);
      case "virtual-machine-interface":
        return this.portRules(obj, current);
      case "instance-ip":
        return this.instanceIpRules(obj, current, tx);
      case "floating-ip-pool":
        return this.fipPoolRules(obj);
      case "floating-ip":
        return this.floatingIpRules(obj, current, tx);
      case "security-group": {
        const rules = ((obj.security_group_entries as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []) as PolicyRule[];
        this.ruleIds(rules);
        const issues = checkRules(rules, "security_group_entries.policy_rule", "security-group");
        if (issues.length) fail(issues);
        if (obj.security_group_id === undefined) obj.security_group_id = current?.security_group_id ?? this.nextId("security-group", "security_group_id", SG_ID_BASE);
        return;
      }
      case "bgp-router":
        return this.bgpRouterRules(obj);
      case "virtual-router": {
        const ip = obj.virtual_router_ip_address as string | undefined;
        if (!ip) fail([{ field: "virtual_router_ip_address", message: "a virtual router needs the compute node's address" }]);
        const a = parseAddress(ip);
        if (!a) fail([{ field: "virtual_router_ip_address", message: `"${ip}" is not a valid IP address` }]);
        obj.virtual_router_ip_address = formatAddress(a.family, a.value);
        obj.virtual_router_type ??= "embedded";
        return;
      }
      case "network-policy": {
        const rules = ((obj.network_policy_entries as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []) as PolicyRule[];
        this.ruleIds(rules);
        const issues = checkRules(rules, "network_policy_entries.policy_rule", "network-policy");
        if (issues.length) fail(issues);
        return;
      }
      default:
        return;
    }
  }

  private ruleIds(rules: PolicyRule[]) {
    for (const r of rules) r.rule_uuid ??= randomUUID();
  }

  private nextId(type: ObjectType, field: string, base: number): number {
    let max = base - 1;
    for (const u of this.store.uuidsOfType(type)) max = Math.max(max, Number(this.store.get(u)![field] ?? 0));
    return max + 1;
  }

  private networkRules(vn: ConfigObject, current: ConfigObject | null) {
    const refs = (vn.network_ipam_refs as Ref[] | undefined) ?? [];
    vn.network_ipam_refs = refs.map((r) => ({ ...r, attr: clone(r.attr) }));
    const previous = new Map<string, string>();
    if (current) for (const s of subnetsOfNetwork(current)) previous.set(`${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`, s.subnet_uuid!);
    const { plans, issues } = normalizeNetworkSubnets(vn.network_ipam_refs as Ref[], previous);
    issues.push(...checkRouteTargets(vn, this.clusterAsn));
    if (issues.length) fail(issues);
    if (current) {
      // a subnet with addresses in use cannot go away
      const alloc = this.store.allocators.get(vn.uuid);
      const stranded = [...(alloc?.used ?? [])].filter(([address]) => {
        const a = parseAddress(address)!;
        return !plans.some((p) => p.cidr.family === a.family && a.value >= p.cidr.network && a.value <= (p.cidr.network | ((1n << BigInt((a.family === 4 ? 32 : 128) - p.cidr.prefixLen)) - 1n)));
      });
      if (stranded.length) {
        const list = stranded.slice(0, 10).map(([addr, owner]) => `${addr} (${this.store.get(owner)?.type ?? "?"} ${owner})`);
        throw conflict(`network_ipam_refs: cannot remove a subnet of ${fqString(vn.fq_name)} while addresses in it are in use: ${list.join(", ")}${stranded.length > 10 ? ", …" : ""}`);
      }
      // nor can a gateway or DNS address move onto an address someone holds
      for (const p of plans) {
        for (const [what, v] of [["default gateway", p.gateway], ["DNS server address", p.dns]] as const) {
          const address = v === null ? null : formatAddress(p.cidr.family, v);
          const owner = address === null ? undefined : alloc?.used.get(address);
          if (owner !== undefined) {
            throw conflict(`network_ipam_refs: ${address} cannot be the ${what} of ${p.cidr.prefix}/${p.cidr.prefixLen}: it is in use (${this.store.get(owner)?.type ?? "?"} ${owner})`);
          }
        }
      }
    }
    vn.virtual_network_properties = { forwarding_mode: "l2_l3", ...((vn.virtual_network_properties as object) ?? {}) };
    vn.router_external ??= false;
    vn.is_shared ??= false;
    vn.virtual_network_network_id ??= current?.virtual_network_network_id ?? this.nextId("virtual-network", "virtual_network_network_id", VN_ID_BASE);
  }

  private portRules(vmi: ConfigObject, current: ConfigObject | null) {
    const vnRef = (vmi.virtual_network_refs as Ref[])[0];
    const vn = this.store.get(vnRef.uuid)!;
    if (current && (current.virtual_network_refs as Ref[])[0]?.uuid !== vnRef.uuid && this.store.backRefsOf(vmi.uuid).some((b) => this.store.get(b.from)?.type === "instance-ip")) {
      fail([{ field: "virtual_network_refs", message: "the port's network cannot change while it has instance IPs" }]);
    }
    const project = this.projectOf(vmi);
    const vnProject = this.projectOf(vn);
    if (project && vnProject && project.uuid !== vnProject.uuid && !vn.is_shared && !vn.router_external) {
      fail([{
        field: "virtual_network_refs.0",
        message: `virtual network ${fqString(vn.fq_name)} belongs to project ${fqString(vnProject.fq_name)} and is neither shared (is_shared) nor external (router_external)`,
      }]);
    }
    for (const [i, r] of ((vmi.security_group_refs as Ref[] | undefined) ?? []).entries()) {
      const sg = this.store.get(r.uuid)!;
      const sgProject = this.projectOf(sg);
      if (project && sgProject && sgProject.uuid !== project.uuid) {
        fail([{ field: `security_group_refs.${i}`, message: `security group ${fqString(sg.fq_name)} belongs to another project` }]);
      }
    }
    if (!vmi.virtual_machine_interface_mac_addresses) {
      vmi.virtual_machine_interface_mac_addresses = (current?.virtual_machine_interface_mac_addresses as object) ?? { mac_address: [macFor(vmi.uuid)] };
    }
  }

  private instanceIpRules(iip: ConfigObject, current: ConfigObject | null, tx: Tx) {
    const vnRef = (iip.virtual_network_refs as Ref[])[0];
    const allocator = this.store.allocators.get(vnRef.uuid)!;
    if (current) {
      if ((current.virtual_network_refs as Ref[])[0].uuid !== vnRef.uuid) fail([{ field: "virtual_network_refs", message: "an instance IP's network cannot be changed" }]);
      if (iip.instance_ip_address !== current.instance_ip_address) {
        fail([{ field: "instance_ip_address", message: "an instance IP's address cannot be changed: delete it and create another" }]);
      }
      return;
    }
    for (const [i, r] of ((iip.virtual_machine_interface_refs as Ref[] | undefined) ?? []).entries()) {
      const port = this.store.get(r.uuid)!;
      if ((port.virtual_network_refs as Ref[])[0].uuid !== vnRef.uuid) {
        fail([{ field: `virtual_machine_interface_refs.${i}`, message: `port ${fqString(port.fq_name)} is on another network than ${fqString(vnRef.to)}` }]);
      }
    }
    const family = iip.instance_ip_family === "v6" ? 6 : 4;
    const subnetUuids = iip.subnet_uuid ? [iip.subnet_uuid as string] : undefined;
    if (subnetUuids && !allocator.subnets().some((p) => p.subnetUuid === subnetUuids[0])) {
      fail([{ field: "subnet_uuid", message: `${subnetUuids[0]} is not a subnet of ${fqString(vnRef.to)}` }]);
    }
    try {
      const got =
        typeof iip.instance_ip_address === "string" && iip.instance_ip_address
          ? allocator.reserve(iip.uuid, iip.instance_ip_address, "instance_ip_address", { subnetUuids })
          : allocator.allocate(iip.uuid, { family, subnetUuids });
      tx.allocated(allocator, got.address, iip.uuid);
      iip.instance_ip_address = got.address;
      iip.subnet_uuid = got.subnetUuid;
      iip.instance_ip_family = parseAddress(got.address)!.family === 6 ? "v6" : "v4";
    } catch (e) {
      this.stats.allocationFailures++;
      throw e;
    }
  }

  /** Contrail's BGP router: defaults, one object per address, no TCP MD5 (Node cannot set it). */
  private bgpRouterRules(br: ConfigObject) {
    const p = br.bgp_router_parameters as BgpRouterParameters | undefined;
    if (!p) fail([{ field: "bgp_router_parameters", message: "a BGP router needs bgp_router_parameters with at least its address" }]);
    const issues: FieldIssue[] = [];
    const addr = parseAddress(p.address);
    if (!addr || addr.family !== 4) issues.push({ field: "bgp_router_parameters.address", message: `"${p.address}" is not an IPv4 address` });
    p.router_type ??= "router";
    p.vendor ??= p.router_type === "control-node" ? "contrail" : "";
    p.identifier ||= p.address;
    const id = parseAddress(p.identifier);
    if (!id || id.family !== 4) issues.push({ field: "bgp_router_parameters.identifier", message: `router ID "${p.identifier}" must be a dotted-quad IPv4 address (RFC 4271 §4.2)` });
    p.autonomous_system ??= this.clusterAsn;
    p.port ??= 179;
    p.hold_time ??= 90;
    p.admin_down ??= false;
    p.address_families = { family: p.address_families?.family?.length ? p.address_families.family : ["inet", "inet-vpn"] };
    if (p.auth_data?.key_items?.length) {
      issues.push({
        field: "bgp_router_parameters.auth_data",
        message: "TCP MD5 authentication is not supported: Node.js cannot set TCP_MD5SIG on a Linux socket without native code; leave it empty",
      });
    }
    for (const other of this.list("bgp-router")) {
      if (other.uuid !== br.uuid && (other.bgp_router_parameters as BgpRouterParameters | undefined)?.address === p.address) {
        issues.push({ field: "bgp_router_parameters.address", message: `${p.address} is already the address of bgp-router ${fqString(other.fq_name)}` });
      }
    }
    ((br.bgp_router_refs as Ref[] | undefined) ?? []).forEach((r, i) => {
      if (r.uuid === br.uuid) issues.push({ field: `bgp_router_refs.${i}`, message: "a BGP router cannot peer with itself" });
    });
    if (issues.length) fail(issues);
  }

  /**
   * Contrail: a network marked router_external gets a floating IP pool named `public` by itself;
   * clearing the flag removes that pool again when no floating IP came from it.
   */
  private externalPool(vn: ConfigObject, current: ConfigObject | null, tx: Tx) {
    const fq = [...vn.fq_name, PUBLIC_POOL];
    const existing = this.store.getByFq("floating-ip-pool", fq);
    if (vn.router_external && !current?.router_external && !existing) {
      const pool = this.buildNew("floating-ip-pool", { fq_name: fq, parent_type: "virtual-network", id_perms: { description: AUTO_POOL_DESCRIPTION } }, tx);
      tx.put(pool, "create");
    } else if (!vn.router_external && current?.router_external && existing && this.isUnusedAutoPool(existing)) {
      tx.remove(existing);
    }
  }

  private isUnusedAutoPool(o: ConfigObject): boolean {
    return (
      o.type === "floating-ip-pool" &&
      o.name === PUBLIC_POOL &&
      o.id_perms.description === AUTO_POOL_DESCRIPTION &&
      this.store.childrenOf(o.uuid).length === 0 &&
      this.store.backRefsOf(o.uuid).length === 0
    );
  }

  /**
   * What is allowed but probably not what the user wants: a floating IP (or pool) on a network
   * without a route target is not imported by any gateway, so not reachable from outside.
   */
  warningsFor(o: ConfigObject): string[] {
    const pool = o.type === "floating-ip" ? this.store.get(o.parent_uuid ?? "") : o.type === "floating-ip-pool" ? o : undefined;
    const vn = o.type === "virtual-network" ? o : pool?.parent_uuid ? this.store.get(pool.parent_uuid) : undefined;
    if (!vn || vn.type !== "virtual-network") return [];
    if (o.type === "virtual-network" && !this.store.childrenOf(vn.uuid).some((c) => c.type === "floating-ip-pool")) return [];
    const rts = ["route_target_list", "export_route_target_list"].flatMap((f) => (vn[f] as { route_target?: string[] } | undefined)?.route_target ?? []);
    if (rts.length) return [];
    return [`not reachable from outside: the VN ${fqString(vn.fq_name)} has no route target, so no gateway imports its floating IPs (set route_target_list on the network)`];
  }

  private fipPoolRules(pool: ConfigObject) {
    const wanted = (pool.floating_ip_pool_subnets as { subnet_uuid?: string[] } | undefined)?.subnet_uuid ?? [];
    const vn = this.store.get(pool.parent_uuid!)!;
    const have = new Set(subnetsOfNetwork(vn).map((s) => s.subnet_uuid));
    wanted.forEach((u, i) => {
      if (!have.has(u)) fail([{ field: `floating_ip_pool_subnets.subnet_uuid.${i}`, message: `${u} is not a subnet of ${fqString(vn.fq_name)}` }]);
    });
  }

  private floatingIpRules(fip: ConfigObject, current: ConfigObject | null, tx: Tx) {
    fip.floating_ip_direction ??= "both";
    const pool = this.store.get(fip.parent_uuid!)!;
    const allocator = this.store.allocators.get(pool.parent_uuid!)!;
    const fixed = fip.floating_ip_fixed_ip_address as string | null | undefined;
    if (fixed) {
      const a = parseAddress(fixed);
      if (!a) fail([{ field: "floating_ip_fixed_ip_address", message: `"${fixed}" is not a valid IP address` }]);
      fip.floating_ip_fixed_ip_address = formatAddress(a.family, a.value);
    }
    this.fipAssociationRules(fip, current, pool);
    if (current) {
      if (fip.floating_ip_address !== current.floating_ip_address) {
        fail([{ field: "floating_ip_address", message: "a floating IP's address cannot be changed: delete it and create another" }]);
      }
      return;
    }
    const subnetUuids = (pool.floating_ip_pool_subnets as { subnet_uuid?: string[] } | undefined)?.subnet_uuid;
    try {
      const got =
        typeof fip.floating_ip_address === "string" && fip.floating_ip_address
          ? allocator.reserve(fip.uuid, fip.floating_ip_address, "floating_ip_address", { subnetUuids })
          : allocator.allocate(fip.uuid, { family: fip.floating_ip_address_family === "v6" ? 6 : 4, subnetUuids });
      tx.allocated(allocator, got.address, fip.uuid);
      fip.floating_ip_address = got.address;
      fip.floating_ip_address_family = parseAddress(got.address)!.family === 6 ? "v6" : "v4";
    } catch (e) {
      this.stats.allocationFailures++;
      if (e instanceof WeftError && /no free address left/.test(e.message)) {
        throw new WeftError(e.code, `floating IP pool ${fqString(pool.fq_name)} is exhausted: ${e.message}`, e.issues, e.details);
      }
      throw e;
    }
  }

  /** Sharing (pool project_refs) and one floating IP per port and pool. */
  private fipAssociationRules(fip: ConfigObject, current: ConfigObject | null, pool: ConfigObject) {
    const projects = ((fip.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
    const shared = ((pool.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
    const changedProjects = !current || JSON.stringify(projects) !== JSON.stringify(((current.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
    if (shared.length && changedProjects) {
      const owner = this.projectOf(pool)?.uuid;
      const names = shared.map((u) => fqString(this.store.get(u)?.fq_name ?? [u]));
      if (!projects.length) {
        fail([{ field: "project_refs", message: `floating IP pool ${fqString(pool.fq_name)} is shared with ${names.join(", ")} only: give the project the floating IP is for` }]);
      }
      projects.forEach((u, i) => {
        if (u === owner || shared.includes(u)) return;
        const p = fqString(this.store.get(u)?.fq_name ?? [u]);
        fail([{ field: `project_refs.${i}`, message: `floating IP pool ${fqString(pool.fq_name)} is not shared with project ${p} (shared with ${names.join(", ")}): add the project to the pool's project_refs` }]);
      });
    }
    const before = new Set(((current?.virtual_machine_interface_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
    ((fip.virtual_machine_interface_refs as Ref[] | undefined) ?? []).forEach((r, i) => {
      if (before.has(r.uuid)) return;
      // a virtual IP (a Kubernetes service VIP) is shared by many ports and a port may back many services
      if (fip.floating_ip_is_virtual_ip) return;
      for (const b of this.store.backRefsOf(r.uuid)) {
        const other = this.store.get(b.from);
        if (!other || other.type !== "floating-ip" || other.uuid === fip.uuid || other.parent_uuid !== pool.uuid || other.floating_ip_is_virtual_ip) continue;
        fail([{
          field: `virtual_machine_interface_refs.${i}`,
          message: `port ${fqString(r.to)} already has a floating IP from this pool (${String(other.floating_ip_address)} of ${fqString(pool.fq_name)}): disassociate it first`,
        }]);
      }
    });
  }

  /** Contrail's `default` security group: ingress from itself, egress anywhere (IPv4 and IPv6). */
  private defaultSecurityGroup(project: ConfigObject, tx: Tx): ConfigObject {
    const self = fqString([...project.fq_name, "default"]);
    const rule = (ethertype: "IPv4" | "IPv6", ingress: boolean): PolicyRule => ({
      rule_uuid: randomUUID(),
      direction: ">",
      protocol: "any",
      ethertype,
      src_addresses: [ingress ? { security_group: self } : { security_group: "local" }],
      dst_addresses: [
        ingress ? { security_group: "local" } : { subnet: { ip_prefix: ethertype === "IPv4" ? "0.0.0.0" : "::", ip_prefix_len: 0 } },
      ],
      src_ports: [{ start_port: 0, end_port: 65535 }],
      dst_ports: [{ start_port: 0, end_port: 65535 }],
    });
    return this.buildNew(
      "security-group",
      {
        fq_name: [...project.fq_name, "default"],
        parent_type: "project",
        id_perms: { description: "Default security group" },
        security_group_entries: { policy_rule: [rule("IPv4", true), rule("IPv6", true), rule("IPv4", false), rule("IPv6", false)] },
      },
      tx,
    );
  }
}
