// One reconciler alone: a real config service on its own SQLite file, a real KubeStore, and a
// queue that records what the reconciler asks to re-evaluate instead of running it — so a test
// calls reconcile/teardown itself and sees exactly what that one reconciler wrote and queued.
import fs from "node:fs";
import { SYSTEM_ACTOR } from "../../../server/engine/config/api";
import { dbFile, migrate, openDb } from "../../../server/engine/config/db";
import { ConfigService } from "../../../server/engine/config/service";
import { ClusterNetworks } from "../../../server/engine/kube/cluster";
import { type Entry, type KubeContext, KubeNames, type PoolRef, type Reconciler, kubeActor } from "../../../server/engine/kube/common";
import { type KubeObject, objectKey, validateObject } from "../../../server/engine/kube/resources";
import { KubeStore } from "../../../server/engine/kube/store";
import { parseCidr } from "../../../server/engine/model/net";
import { ADMIN, tempDir } from "../../helpers";

export const ACTOR = kubeActor(SYSTEM_ACTOR);

export interface Harness {
  config: ConfigService;
  ctx: KubeContext & { publicPool: PoolRef | null };
  store: KubeStore;
  /** keys the reconcilers (or the store) asked to reconcile, in order */
  queued: string[];
  /** stores an object (validated as a manifest document would be) and returns its entry */
  put(o: Omit<KubeObject, "apiVersion"> & { apiVersion?: string }, owner?: string): Entry;
  /** runs `r` on the entry of `o`, returning its warnings */
  run(r: Reconciler, key: string): Promise<string[]>;
  computeNode(name: string, address: string): Promise<void>;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const dir = tempDir("weft-kube-unit-");
  const file = dbFile(dir);
  migrate(file);
  const db = openDb(file);
  const config = await ConfigService.open({ db });
  const queued: string[] = [];
  const store = new KubeStore({ changed: (k) => queued.push(k) });
  const names = new KubeNames("k8s");
  const ctx = {
    config,
    names,
    store,
    networks: new ClusterNetworks(config, names, store, async () => {}, cidr("10.32.0.0/12"), cidr("10.96.0.0/12")),
    enqueue: (k: string) => void queued.push(k),
    settled: async () => {},
    publicPool: null as PoolRef | null,
  };
  return {
    config,
    ctx,
    store,
    queued,
    put(o, owner) {
      const { object, issues } = validateObject({ apiVersion: "v1", ...o });
      if (!object) throw new Error(`invalid test object: ${JSON.stringify(issues)}`);
      store.put(object, "manifest", SYSTEM_ACTOR, owner);
      return store.get(objectKey(object))!;
    },
    async run(r, key) {
      const warnings: string[] = [];
      const e = store.get(key);
      if (e) await r.reconcile(key, e, ACTOR, warnings);
      else await r.teardown(key, store.orphans.get(key)!, ACTOR);
      return warnings;
    },
    async computeNode(name, address) {
      await config.create("virtual-router", { fq_name: ["default-global-system-config", name], parent_type: "global-system-config", virtual_router_ip_address: address }, ADMIN);
    },
    async close() {
      await config.close();
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function cidr(text: string) {
  const c = parseCidr(text);
  if (!c.ok) throw new Error(c.error);
  return c.cidr;
}
