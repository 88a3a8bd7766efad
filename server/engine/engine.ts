// Builds and wires the engine's layers; one instance per process. The console's custom server
// (server/main.ts) creates it and publishes it on globalThis for the Next.js bundles.
import os from "node:os";
import { ConfigService } from "./config/service";
import { type Db, dataDir, dbFile, migrate, openDb, tune } from "./config/db";
import { Compiler } from "./compiler/compiler";
import { ControlNode } from "./control/control-node";
import { Lab } from "./lab";

export interface EngineOptions {
  dataDir?: string;
  clusterAsn?: number;
  /** agent protocol listen address and port (WEFT_AGENT_HOST / WEFT_AGENT_PORT; 0 = any free port) */
  agentHost?: string;
  agentPort?: number;
  /** simulated compute nodes to start (WEFT_LAB_NODES) */
  labNodes?: number;
  holdTimeSeconds?: number;
  controlName?: string;
}

export class Engine {
  lab: Lab | null = null;

  private constructor(
    readonly db: Db,
    readonly config: ConfigService,
    readonly compiler: Compiler,
    readonly control: ControlNode,
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
    const compiler = new Compiler(config);
    compiler.start();
    const control = new ControlNode(compiler, {
      name: opts.controlName ?? process.env.WEFT_CONTROL_NAME ?? os.hostname(),
      host: opts.agentHost ?? "127.0.0.1",
      port: opts.agentPort ?? 0,
      holdTimeSeconds: opts.holdTimeSeconds,
    });
    await control.start();
    const engine = new Engine(db, config, compiler, control, dir, new Date());
    const labNodes = opts.labNodes ?? 0;
    if (labNodes > 0) {
      engine.lab = new Lab(config, `127.0.0.1:${control.listenPort}`, labNodes);
      await engine.lab.start();
    }
    return engine;
  }

  async stop() {
    await this.lab?.stop();
    await this.control.stop();
    this.compiler.stop();
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
