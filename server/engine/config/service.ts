// The config API server: every change to config goes through here. A write validates against
// the in-memory store (synchronously, so concurrent writers are serialized by the event loop),
// applies to memory, and joins the next group commit that persists objects, refs, IP
// allocations, audit entries and change-feed events in one database transaction. A failed
// commit rolls memory back. Reads come from memory.
import { randomUUID } from "node:crypto";
import { WeftError, conflict, forbidden, notFound } from "../model/errors";
import { DEFAULT_ENCAPSULATION_PRIORITY, NameSchema, UuidSchema } from "../model/schemas";
import { CONFIG_ROOT, type ConfigObject, type IdPerms, type ObjectType, OBJECT_TYPES, type Ref, TYPES, fqString, isObjectType, refField, underscored } from "../model/types";
import type { Actor, AuditQuery, AuditRecord, ChangeEvent, ChildRef, ConfigApi, CreateInput, ListOptions, RefUpdateInput, UpdateInput } from "./api";
import { SYSTEM_ACTOR } from "./api";
import type { Db } from "./db";
import { Access } from "./access";
import { diffObjects } from "./diff";
import { checkMeta, parseProps, resolveRefs, splitBody } from "./input";
import { persistBatch } from "./persistence";
import { MemoryStore } from "./store";
import type { RuleContext } from "./strategy";
import type { NetworkAllocator } from "../ipam/allocator";
import { Tx } from "./tx";
import { strategyOf } from "./types";
import { fail } from "./validate";

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

export { PUBLIC_POOL } from "./types/virtual-network";

function uuidPerms(uuid: string) {
  const hex = uuid.replace(/-/g, "");
  return { uuid_mslong: BigInt(`0x${hex.slice(0, 16)}`).toString(), uuid_lslong: BigInt(`0x${hex.slice(16)}`).toString() };
}

const clone = <T>(v: T): T => structuredClone(v);

export class ConfigService implements ConfigApi {
  readonly store = new MemoryStore();
  readonly access = new Access(this.store, (o) => this.projectOf(o));
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
        // a scoped reader sees its projects' objects, and no user or token administration
        ...(q.projects === null || q.projects === undefined
          ? {}
          : {
              AND: [
                { objectType: { not: "user" } },
                { OR: q.projects.length ? q.projects.flatMap((p) => [{ fqName: p }, { fqName: { startsWith: `${p}:` } }]) : [{ id: -1 }] },
              ],
            }),
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
      strategyOf(type).afterWrite?.(obj, null, this.ctx(tx));
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
      strategyOf(type).afterWrite?.(next, current, this.ctx(tx));
      return next;
    });
  }

  /** What keeps an object from being deleted (children and back-refs), and what goes with it. */
  private deleteBlockersOf(obj: ConfigObject, ctx: RuleContext) {
    // what the type created by itself goes with it (a project's default security group, an
    // external network's automatic `public` pool) when nothing else uses it
    const owned = strategyOf(obj.type).ownedChildren?.(obj, ctx) ?? [];
    const ownedUuids = new Set(owned.map((o) => o.uuid));
    const children = this.store.childrenOf(obj.uuid).filter((c) => !ownedUuids.has(c.uuid));
    const backRefs = this.store.backRefsOf(obj.uuid).filter((b) => !ownedUuids.has(b.from));
    return { children, backRefs, owned };
  }

  private blockerLines(b: { children: ConfigObject[]; backRefs: { from: string; field: string }[] }): string[] {
    return [
      ...b.children.map((c) => `child ${c.type} ${fqString(c.fq_name)}`),
      ...b.backRefs.map((r) => {
        const o = this.store.get(r.from)!;
        return `${o.type} ${fqString(o.fq_name)} (${r.field})`;
      }),
    ];
  }

  /** Why a delete would be refused now, one line per blocking object (empty: it would go through). */
  deleteBlockers(type: ObjectType, uuid: string): string[] {
    const obj = this.get(type, uuid);
    // outside a write: the strategies' ownedChildren only read the store
    const readOnly = {
      store: this.store,
      clusterAsn: this.clusterAsn,
      projectOf: (o: ConfigObject) => this.projectOf(o),
      list: (t: ObjectType) => this.list(t),
      get tx(): never {
        throw new Error("deleteBlockers: no write in progress");
      },
      get actor(): never {
        throw new Error("deleteBlockers: no write in progress");
      },
    } as unknown as RuleContext;
    return this.blockerLines(this.deleteBlockersOf(obj, readOnly));
  }

  delete(type: ObjectType, uuid: string, actor: Actor): Promise<void> {
    return this.run(actor, (tx) => {
      const obj = this.get(type, uuid);
      this.authorize(actor, obj, "delete");
      const { children, backRefs, owned } = this.deleteBlockersOf(obj, this.ctx(tx));
      if (children.length || backRefs.length) {
        const list = this.blockerLines({ children, backRefs });
        throw conflict(
          `cannot delete ${type} ${fqString(obj.fq_name)}: still in use by ${list.length} object(s): ${list.slice(0, 20).join(", ")}${list.length > 20 ? ", …" : ""}`,
          {
            children: children.map((c) => ({ type: c.type, uuid: c.uuid, fq_name: c.fq_name })),
            back_refs: backRefs.map((b) => ({ type: this.store.get(b.from)!.type, uuid: b.from, fq_name: this.store.get(b.from)!.fq_name, field: b.field })),
          },
        );
      }
      for (const o of owned) tx.remove(o);
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

  private authorize(actor: Actor, obj: ConfigObject, action: string) {
    this.access.authorize(actor, obj, action);
  }

  private buildNew(type: ObjectType, body: CreateInput, tx: Tx): ConfigObject {
    if (!isObjectType(type)) throw notFound(`unknown type ${type}`);
    const def = TYPES[type];
    const { props: rawProps, refs: rawRefs } = splitBody(type, body);

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
    checkMeta(body);
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
    const n = (def.name ?? NameSchema).safeParse(name);
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

    const props = parseProps(type, rawProps);
    const refs = resolveRefs(this.store, type, rawRefs);
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
    this.access.checkNamed(tx.actor, obj, null);
    strategyOf(type).prepare?.(obj, null, this.ctx(tx));
    return obj;
  }

  private buildUpdate(current: ConfigObject, body: UpdateInput, tx: Tx): ConfigObject {
    const type = current.type;
    checkMeta(body);
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
    const { props: rawProps, refs: rawRefs } = splitBody(type, body);
    const merged = { ...this.propsOf(current), ...rawProps };
    for (const k of Object.keys(rawProps)) if (rawProps[k] === null) delete merged[k];
    const props = parseProps(type, merged);
    const refs = resolveRefs(this.store, type, rawRefs, current);
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
    // the result too: a floating IP moved to another project, an address moved to another port
    this.authorize(tx.actor, next, "update");
    this.access.checkNamed(tx.actor, next, current);
    strategyOf(type).prepare?.(next, current, this.ctx(tx));
    if (diffObjects(current, next).length === 0) return current;
    next.id_perms.last_modified = new Date().toISOString();
    next.resource_version = current.resource_version + 1;
    return next;
  }

  private propsOf(o: ConfigObject): Record<string, unknown> {
    const keys = Object.keys(TYPES[o.type].props.shape);
    return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, clone(o[k])]));
  }

  /** What is allowed but probably not what the user wants (the type's strategy says). */
  warningsFor(o: ConfigObject): string[] {
    return strategyOf(o.type).warnings?.(o, this.store) ?? [];
  }

  /** The view of this write a type's strategy works with. */
  private ctx(tx: Tx): RuleContext {
    return {
      store: this.store,
      tx,
      actor: tx.actor,
      clusterAsn: this.clusterAsn,
      projectOf: (o) => this.projectOf(o),
      list: (type) => this.list(type),
      nextId: (type, field, base) => {
        let max = base - 1;
        for (const u of this.store.uuidsOfType(type)) max = Math.max(max, Number(this.store.get(u)![field] ?? 0));
        return max + 1;
      },
      buildNew: (type, body) => this.buildNew(type, body, tx),
      allocationFailed: () => void this.stats.allocationFailures++,
    };
  }
}
