// Builds and wires the engine's layers; one instance per process. The console's custom server
// (server/main.ts) creates it and publishes it on globalThis for the Next.js bundles.
import { ConfigService } from "./config/service";
import { type Db, dataDir, dbFile, migrate, openDb, tune } from "./config/db";

export interface EngineOptions {
  dataDir?: string;
  clusterAsn?: number;
}

export class Engine {
  private constructor(
    readonly db: Db,
    readonly config: ConfigService,
    readonly dataDir: string,
    readonly startedAt: Date,
  ) {}

  static async start(opts: EngineOptions = {}): Promise<Engine> {
    const dir = opts.dataDir ?? dataDir();
    const file = dbFile(dir);
    migrate(file);
    const db = openDb(file);
    await tune(db);
    const config = await ConfigService.open({ db, clusterAsn: opts.clusterAsn ?? Number(process.env.WEFT_ASN ?? 64512) });
    return new Engine(db, config, dir, new Date());
  }

  async stop() {
    await this.config.close();
    await this.db.$disconnect();
  }
}

const KEY = Symbol.for("weft.engine");

/** The process's engine, set by server/main.ts (or a test). */
export function getEngine(): Engine {
  const e = (globalThis as Record<symbol, Engine | undefined>)[KEY];
  if (!e) throw new Error("the Weft engine is not running in this process (start it with server/main.ts)");
  return e;
}

export function setEngine(e: Engine | undefined) {
  (globalThis as Record<symbol, Engine | undefined>)[KEY] = e;
}
