// The kube manager's object store on disk: a table of the config database (Prisma model
// KubeObject, migration 0003_kube_objects). An apply writes its objects here, in one SQLite
// transaction, before it is acknowledged — the desired state is durable first and the reconciles
// (idempotent, level-triggered like Kubernetes' controllers over etcd) converge the config objects
// from it, again after a restart. kill -9 right after a 200 loses nothing.
//
// Raw statements through the Prisma client rather than its generated model accessors: the table is
// in schema.prisma for the record, and this way an engine built against an older generated client
// (another worktree, a stale `prisma generate`) still compiles and runs.
import fs from "node:fs";
import type { Actor } from "../config/api";
import type { Db } from "../config/db";
import type { KubeObject } from "./resources";

export interface StoredObject {
  key: string;
  object: KubeObject;
  actor: Actor;
}

const ROWS_PER_STATEMENT = 400;

/** Only what the audit needs: never a session's grants or secrets. */
const actorRecord = (a: Actor): Actor => ({ userId: a.userId, email: a.email, role: a.role, source: a.source });

export class KubePersistence {
  constructor(private readonly db: Db) {}

  async load(): Promise<StoredObject[]> {
    const rows = await this.db.$queryRawUnsafe<{ key: string; body: string; actor: string }[]>(`SELECT "key", "body", "actor" FROM "KubeObject" ORDER BY rowid`);
    return rows.map((r) => ({ key: r.key, object: JSON.parse(r.body) as KubeObject, actor: JSON.parse(r.actor) as Actor }));
  }

  /**
   * One transaction: `puts` written (insert or replace), `deletes` removed, and every object of
   * the namespaces in `namespaces` removed (a namespace's delete takes what is in it).
   */
  async write(puts: StoredObject[], deletes: string[] = [], namespaces: string[] = []): Promise<void> {
    if (!puts.length && !deletes.length && !namespaces.length) return;
    const at = new Date().toISOString();
    const statements = [];
    for (let i = 0; i < puts.length; i += ROWS_PER_STATEMENT) {
      const batch = puts.slice(i, i + ROWS_PER_STATEMENT);
      const values = batch.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ");
      const params = batch.flatMap((p) => [p.key, p.object.kind, p.object.metadata.namespace ?? "", p.object.metadata.name, JSON.stringify(p.object), JSON.stringify(actorRecord(p.actor)), at]);
      statements.push(
        this.db.$executeRawUnsafe(
          `INSERT INTO "KubeObject" ("key", "kind", "namespace", "name", "body", "actor", "updatedAt") VALUES ${values} ON CONFLICT("key") DO UPDATE SET "body" = excluded."body", "actor" = excluded."actor", "updatedAt" = excluded."updatedAt"`,
          ...params,
        ),
      );
    }
    for (let i = 0; i < deletes.length; i += ROWS_PER_STATEMENT) {
      const batch = deletes.slice(i, i + ROWS_PER_STATEMENT);
      statements.push(this.db.$executeRawUnsafe(`DELETE FROM "KubeObject" WHERE "key" IN (${batch.map(() => "?").join(", ")})`, ...batch));
    }
    for (const ns of namespaces) statements.push(this.db.$executeRawUnsafe(`DELETE FROM "KubeObject" WHERE "namespace" = ?`, ns));
    await this.db.$transaction(statements);
  }

  /**
   * One-time import of the JSON file older versions kept (<data>/kube/objects.json): its objects go
   * into the table in one transaction, then the file is renamed *.imported so it is never read again.
   */
  async importFile(file: string, keyOf: (o: KubeObject) => string, log: (l: string) => void): Promise<number> {
    if (!fs.existsSync(file)) return 0;
    let saved: { object: KubeObject; actor: Actor }[];
    try {
      saved = JSON.parse(fs.readFileSync(file, "utf8"));
      if (!Array.isArray(saved)) throw new Error("not a list of objects");
    } catch (e) {
      log(`kube: could not import ${file}: ${(e as Error).message} (left in place)`);
      return 0;
    }
    const existing = new Set((await this.load()).map((s) => s.key));
    const puts = saved.filter((s) => s?.object?.kind && s.object.metadata?.name && !existing.has(keyOf(s.object))).map((s) => ({ key: keyOf(s.object), object: s.object, actor: s.actor }));
    await this.write(puts);
    fs.renameSync(file, `${file}.imported`);
    log(`kube: imported ${puts.length} objects from ${file} into the config database (the file is now ${file}.imported)`);
    return puts.length;
  }
}
