// Builds and wires the engine's layers; one instance per process. The console's custom server
// (server/main.ts) creates it and publishes it on globalThis for the Next.js bundles.
import os from "node:os";
import { ConfigService } from "./config/service";
import { type Db, dataDir, dbFile, migrate, openDb, tune } from "./config/db";
import { Compiler } from "./compiler/compiler";
import { ControlNode } from "./control/control-node";
import { AgentTrust } from "./control/agent-trust";
import { Lab } from "./lab/lab";
import { Analytics } from "./analytics";
import { KubeManager, parsePoolRef } from "./kube/manager";
import { KubeWatchSource } from "./kube/watch";
import path from "node:path";
import { portLabels } from "./model/types";
import { seedLabDemo } from "./lab/demo";
import { ensureLocalBgpRouter } from "./control/local-router";
import { AlarmEngine, alarmInputs } from "./alarms";
import { Reachability } from "./reachability";
import { lineSink } from "./log";

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
  /** run the BGP speaker; its address and port come from the local control-node bgp-router, created
   *  at first start from these (WEFT_CONTROL_ADDRESS / WEFT_BGP_PORT); given values also update it */
  bgp?: { address?: string; port?: number };
  /** flow store: "" = DuckDB under <data dir>/flows/, or clickhouse://… (default WEFT_FLOW_STORE) */
  flowStore?: string;
  /** a kubeconfig to list+watch a live Kubernetes API (default WEFT_KUBECONFIG) */
  kubeconfig?: string;
  /** the global floating IP pool, Contrail's KUBERNETES_PUBLIC_FIP_POOL (default WEFT_KUBE_PUBLIC_FIP_POOL) */
  kubePublicFipPool?: string;
  /** with lab nodes: create the demo project and namespace once (WEFT_LAB_DEMO; `npm run up` sets it) */
  labDemo?: boolean;
  /** with lab nodes: start the traffic generator at this many new flows/s (WEFT_LAB_TRAFFIC; 0 = off) */
  labTraffic?: number;
}

export { FABRIC_INSTANCE, IP_FABRIC } from "./control/local-router";

export class Engine {
  lab: Lab | null = null;
  /** the Kubernetes manager (contrail-kube-manager's role) */
  kube!: KubeManager;
  /** list+watch of a live Kubernetes API, when a kubeconfig is given */
  kubeWatch: KubeWatchSource | null = null;
  /** flow collector, store, queries and the lab traffic generator (set by start) */
  analytics!: Analytics;
  /** alarms computed from the live state (contrail-alarm-gen's role) */
  alarms!: AlarmEngine;
  /** reachability questions over the compiled state (no packets sent) */
  reachability!: Reachability;

  private constructor(
    readonly db: Db,
    readonly config: ConfigService,
    readonly compiler: Compiler,
    readonly control: ControlNode,
    /** the Weft agent CA, enrolment tokens and certificates (issue 14) */
    readonly trust: AgentTrust,
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
    const controlName = opts.controlName ?? process.env.WEFT_CONTROL_NAME ?? os.hostname();
    if (opts.bgp) await ensureLocalBgpRouter(config, controlName, opts.bgp);
    const compiler = new Compiler(config, controlName);
    compiler.start();
    const trust = await AgentTrust.open(dir, db, config);
    const control = new ControlNode(compiler, {
      trust,
      name: controlName,
      bgp: !!opts.bgp,
      host: opts.agentHost ?? "127.0.0.1",
      port: opts.agentPort ?? 0,
      holdTimeSeconds: opts.holdTimeSeconds,
    });
    await control.start();
    const engine = new Engine(db, config, compiler, control, trust, dir, new Date());
    engine.reachability = new Reachability({ compiler, control, config });
    engine.analytics = await Analytics.open({
      dataDir: dir,
      storeUrl: opts.flowStore ?? process.env.WEFT_FLOW_STORE ?? "",
      ports: () => compiler.state.ports.values(),
      portLabels: (uuid) => portLabels(config.find(uuid)),
      sendTraffic: (host, items) => {
        const s = control.agents.get(host);
        if (!s || s.state !== "Up") return false;
        s.send({ msg: "traffic", traffic: { id: "", items } });
        return true;
      },
      log: lineSink("analytics"),
    });
    control.onFlowRecords = (node, batch) => engine.analytics.ingest(node, batch);
    compiler.onDelta((d) => {
      if (d.ports.changed.length || d.ports.removed.length) engine.analytics.portsChanged();
    });
    // a pod's labels change on its port's annotations, which compile to nothing
    config.subscribe((e) => {
      if (e.type === "virtual-machine-interface") engine.analytics.portsChanged();
    });
    engine.alarms = new AlarmEngine(() => alarmInputs(engine));
    engine.alarms.start();
    const labNodes = opts.labNodes ?? 0;
    if (labNodes > 0) {
      engine.lab = new Lab(config, `127.0.0.1:${control.listenPort}`, labNodes, trust, path.join(dir, "agents"));
      await engine.lab.start();
    }
    const poolText = opts.kubePublicFipPool ?? process.env.WEFT_KUBE_PUBLIC_FIP_POOL ?? process.env.KUBERNETES_PUBLIC_FIP_POOL;
    engine.kube = new KubeManager(config, {
      publicFipPool: parsePoolRef(poolText),
      podSubnet: process.env.WEFT_KUBE_POD_SUBNET,
      serviceSubnet: process.env.WEFT_KUBE_SERVICE_SUBNET,
      db,
      legacyStateFile: path.join(dir, "kube", "objects.json"),
      log: lineSink("kube"),
    });
    await engine.kube.start();
    const kubeconfig = opts.kubeconfig ?? process.env.WEFT_KUBECONFIG;
    if (kubeconfig) {
      engine.kubeWatch = new KubeWatchSource(engine.kube, kubeconfig, lineSink("kube"));
      await engine.kubeWatch.start();
    }
    if (engine.lab && opts.labDemo) await seedLabDemo(config, engine.kube, engine.lab.nodes.map((n) => n.name), lineSink("lab"), path.join(dir, "lab-demo-created"));
    if (engine.lab && opts.labTraffic && opts.labTraffic > 0) engine.analytics.startTraffic({ rate: opts.labTraffic, bursts: true });
    return engine;
  }

  async stop() {
    this.alarms?.stop();
    await this.kubeWatch?.stop();
    await this.kube?.stop();
    await this.lab?.stop();
    await this.reachability?.close();
    await this.control.stop();
    this.trust.close();
    await this.analytics?.stop();
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
