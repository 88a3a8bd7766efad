// Opening the config database: Prisma 6.19 with the JS engine over better-sqlite3 (docs/stack.md),
// migrations applied in order from prisma/migrations. The Prisma client is cached on globalThis
// so the process opens one, whichever bundle (tsx, Turbopack) asks for it.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../generated/prisma/client";

export type Db = InstanceType<typeof PrismaClient>;

export function dataDir(): string {
  return path.resolve(process.env.WEFT_DATA_DIR ?? "./data");
}

export function dbFile(dir = dataDir()): string {
  return path.join(dir, "weft.db");
}

function migrationsDir(): string {
  // scripts and tests run from the repository root; WEFT_MIGRATIONS overrides for odd layouts
  return path.resolve(process.env.WEFT_MIGRATIONS ?? "prisma/migrations");
}

/** Applies pending migrations (plain SQL files, in name order). Returns the names applied. */
export function migrate(file: string): string[] {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_weft_migrations" (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
    const done = new Set(db.prepare(`SELECT name FROM "_weft_migrations"`).all().map((r) => (r as { name: string }).name));
    const dir = migrationsDir();
    const names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
      .map((d) => d.name)
      .sort();
    const applied: string[] = [];
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      db.transaction(() => {
        db.exec(sql);
        db.prepare(`INSERT INTO "_weft_migrations" (name, applied_at) VALUES (?, ?)`).run(name, new Date().toISOString());
      })();
      applied.push(name);
    }
    return applied;
  } finally {
    db.close();
  }
}

export function openDb(file: string): Db {
  const adapter = new PrismaBetterSQLite3({ url: `file:${file}`, timeout: 10_000 });
  return new PrismaClient({ adapter });
}

/** Runs a statement that may return rows (PRAGMAs), ignoring the result. */
export async function tune(db: Db) {
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 10000");
}
