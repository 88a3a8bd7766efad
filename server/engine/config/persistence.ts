// Writes a batch of changes to the database in one transaction (group commit): whatever the
// number of changes, a batch is a handful of statements. Objects are rewritten whole
// (delete + insert of every touched uuid), which keeps updates, renames of refs and deletes
// on one simple path; refs and IP allocations follow their owner.
import type { ConfigObject } from "../model/types";
import { fqString, refsOf } from "../model/types";
import type { AuditRecord, ChangeEvent } from "./api";
import type { Db } from "./db";
import { Prisma } from "../../generated/prisma/client";

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

  // Raw multi-row statements through Prisma (Prisma.sql picks the provider's placeholders, so
  // this stays portable to PostgreSQL): ~10× less CPU than createMany's query compilation.
  const ops = [];
  for (const part of chunks(touched)) {
    const ids = Prisma.join(part);
    ops.push(db.$executeRaw`DELETE FROM "ConfigObject" WHERE "uuid" IN (${ids})`);
    ops.push(db.$executeRaw`DELETE FROM "ConfigRef" WHERE "fromUuid" IN (${ids})`);
    ops.push(db.$executeRaw`DELETE FROM "IpAllocation" WHERE "ownerUuid" IN (${ids})`);
  }
  const insert = <T>(table: string, cols: (keyof T & string)[], rows: T[]) => {
    const head = Prisma.raw(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES `);
    for (const part of chunks(rows)) {
      const values = Prisma.join(part.map((r) => Prisma.sql`(${Prisma.join(cols.map((c) => r[c] as unknown))})`));
      ops.push(db.$executeRaw`${head}${values}`);
    }
  };
  insert("ConfigObject", ["uuid", "type", "fqName", "name", "parentType", "parentUuid", "resourceVersion", "body", "createdAt", "updatedAt"], objects);
  insert("ConfigRef", ["fromUuid", "fromType", "toUuid", "toType", "attr"], refs);
  insert("IpAllocation", ["networkUuid", "address", "ownerUuid", "ownerType"], allocations);
  insert("ChangeEvent", ["seq", "at", "op", "type", "uuid", "fqName", "resourceVersion", "body"], events);
  insert("AuditEntry", ["at", "actorId", "actorEmail", "source", "action", "objectType", "objectUuid", "fqName", "diff"], audits);
  await db.$transaction(ops);
}
