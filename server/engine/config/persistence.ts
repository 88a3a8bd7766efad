// Writes a batch of changes to the database in one transaction (group commit): whatever the
// number of changes, a batch is a handful of statements. Objects are rewritten whole
// (delete + insert of every touched uuid), which keeps updates, renames of refs and deletes
// on one simple path; refs and IP allocations follow their owner.
import type { ConfigObject } from "../model/types";
import { fqString, refsOf } from "../model/types";
import type { AuditRecord, ChangeEvent } from "./api";
import type { Db } from "./db";

export interface PendingChange {
  before: ConfigObject | null;
  after: ConfigObject | null;
  allocation: { network: string; address: string } | null;
  audit: Omit<AuditRecord, "id">;
  event: Omit<ChangeEvent, "seq">;
}

const CHUNK = 400;
function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export async function persistBatch(db: Db, changes: PendingChange[], firstSeq: number) {
  const final = new Map<string, PendingChange>();
  for (const c of changes) final.set((c.after ?? c.before)!.uuid, c);
  const touched = [...final.keys()];
  const live = [...final.values()].filter((c) => c.after !== null);

  const objects = live.map(({ after: o }) => ({
    uuid: o!.uuid,
    type: o!.type,
    fqName: fqString(o!.fq_name),
    name: o!.name,
    parentType: o!.parent_type,
    parentUuid: o!.parent_uuid ?? null,
    resourceVersion: o!.resource_version,
    body: JSON.stringify(o),
    createdAt: new Date(o!.id_perms.created),
    updatedAt: new Date(o!.id_perms.last_modified),
  }));
  const refs = live.flatMap(({ after: o }) =>
    refsOf(o!).flatMap(({ def, refs }) =>
      refs.map((r) => ({
        fromUuid: o!.uuid,
        fromType: o!.type,
        toUuid: r.uuid,
        toType: def.to,
        attr: r.attr === undefined || r.attr === null ? null : JSON.stringify(r.attr),
      })),
    ),
  );
  const allocations = live
    .filter((c) => c.allocation)
    .map((c) => ({ networkUuid: c.allocation!.network, address: c.allocation!.address, ownerUuid: c.after!.uuid, ownerType: c.after!.type }));
  const events = changes.map((c, i) => ({
    seq: firstSeq + i,
    at: new Date(c.event.at),
    op: c.event.op,
    type: c.event.type,
    uuid: c.event.uuid,
    fqName: c.event.fqName,
    resourceVersion: c.event.resourceVersion,
    body: c.event.object ? JSON.stringify(c.event.object) : null,
  }));
  const audits = changes.map((c) => ({
    at: new Date(c.audit.at),
    actorId: c.audit.actorId,
    actorEmail: c.audit.actorEmail,
    source: c.audit.source,
    action: c.audit.action,
    objectType: c.audit.objectType,
    objectUuid: c.audit.objectUuid,
    fqName: c.audit.fqName,
    diff: JSON.stringify(c.audit.diff),
  }));

  const ops = [];
  for (const part of chunks(touched)) {
    ops.push(db.configObject.deleteMany({ where: { uuid: { in: part } } }));
    ops.push(db.configRef.deleteMany({ where: { fromUuid: { in: part } } }));
    ops.push(db.ipAllocation.deleteMany({ where: { ownerUuid: { in: part } } }));
  }
  for (const part of chunks(objects)) ops.push(db.configObject.createMany({ data: part }));
  for (const part of chunks(refs)) ops.push(db.configRef.createMany({ data: part }));
  for (const part of chunks(allocations)) ops.push(db.ipAllocation.createMany({ data: part }));
  for (const part of chunks(events)) ops.push(db.changeEvent.createMany({ data: part }));
  for (const part of chunks(audits)) ops.push(db.auditEntry.createMany({ data: part }));
  await db.$transaction(ops);
}
