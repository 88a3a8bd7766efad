import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../server/engine/engine";
import { WeftError } from "../../server/engine/model/errors";
import type { ConfigObject } from "../../server/engine/model/types";
import { ADMIN, startEngine, vnBody } from "../helpers";

let engine: Engine;
let dir: string;
let n = 0;
const name = () => `c-${++n}`;

function createIip(e: Engine, vn: ConfigObject, extra: Record<string, unknown> = {}) {
  return e.config.create("instance-ip", { name: name(), virtual_network_refs: [{ uuid: vn.uuid }], ...extra }, ADMIN);
}

/** Addresses held in the database for a network, with a check that the table has no duplicate. */
async function dbAddresses(e: Engine, vnUuid: string) {
  const rows = await e.db.ipAllocation.findMany({ where: { networkUuid: vnUuid } });
  const addrs = rows.map((r) => r.address);
  expect(new Set(addrs).size).toBe(addrs.length);
  return { rows, addrs: new Set(addrs) };
}

beforeAll(async () => {
  ({ engine, dir } = await startEngine());
  await engine.config.create("project", { fq_name: ["default-domain", "conc"], parent_type: "domain" }, ADMIN);
});
afterAll(async () => {
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("concurrent allocation", () => {
  it("50+ concurrent creates per round, mixed with deletes: no address twice, none lost, all persisted", async () => {
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn", "10.100.0.0/22"), ADMIN);
    const live = new Map<string, string>(); // uuid → address
    let successes = 0;
    for (let round = 0; round < 6; round++) {
      // delete a third of what exists while 60 new ones are created
      const victims = [...live.keys()].filter((_, i) => i % 3 === round % 3);
      const ops: Promise<unknown>[] = [];
      const created: Promise<ConfigObject>[] = [];
      for (let i = 0; i < 60; i++) {
        const p = createIip(engine, vn);
        created.push(p);
        ops.push(p);
        if (i < victims.length) ops.push(engine.config.delete("instance-ip", victims[i], ADMIN));
      }
      for (const v of victims.slice(60)) ops.push(engine.config.delete("instance-ip", v, ADMIN));
      const results = await Promise.allSettled(ops);
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      for (const v of victims) live.delete(v);
      for (const o of await Promise.all(created)) {
        const addr = o.instance_ip_address as string;
        // no two live objects share an address
        expect([...live.values()]).not.toContain(addr);
        live.set(o.uuid, addr);
        successes++;
      }
      expect(new Set(live.values()).size).toBe(live.size);
      // memory, objects and the allocation table agree
      const { rows, addrs } = await dbAddresses(engine, vn.uuid);
      expect(addrs).toEqual(new Set(live.values()));
      expect(new Map(rows.map((r) => [r.ownerUuid, r.address]))).toEqual(live);
      expect(new Map(engine.config.store.allocators.get(vn.uuid)!.used)).toEqual(new Map([...live].map(([u, a]) => [a, u])));
      for (const a of addrs) {
        const [, , c, d] = a.split(".").map(Number);
        expect(c >= 0 && c <= 3).toBe(true);
        expect(a).not.toBe("10.100.3.254"); // gateway
        expect(a).not.toBe("10.100.3.253"); // DNS
        expect(d === 255 && c === 3).toBe(false);
      }
    }
    expect(successes).toBe(360);

    // after a restart: the DB holds exactly the live objects, and allocation goes on without collisions
    const objects = await engine.db.configObject.count({ where: { type: "instance-ip" } });
    await engine.stop();
    ({ engine } = await startEngine(dir));
    expect(engine.config.count("instance-ip")).toBe(objects);
    expect(engine.config.list("instance-ip").filter((o) => (o.virtual_network_refs as { uuid: string }[])[0].uuid === vn.uuid)).toHaveLength(live.size);
    const more = await Promise.all(Array.from({ length: 80 }, () => createIip(engine, vn)));
    const all = [...live.values(), ...more.map((o) => o.instance_ip_address as string)];
    expect(new Set(all).size).toBe(all.length);
    const { addrs } = await dbAddresses(engine, vn.uuid);
    expect(addrs).toEqual(new Set(all));
  });

  it("fixed-address requests racing for the same address: exactly one wins", async () => {
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn-fixed", "10.101.0.0/24"), ADMIN);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => createIip(engine, vn, { instance_ip_address: "10.101.0.10" })));
    const ok = results.filter((r) => r.status === "fulfilled");
    const bad = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(bad).toHaveLength(49);
    for (const r of bad) {
      expect(r.reason).toBeInstanceOf(WeftError);
      expect((r.reason as WeftError).code).toBe("conflict");
      expect((r.reason as WeftError).message).toContain("10.101.0.10 is already in use");
    }
    expect((await dbAddresses(engine, vn.uuid)).rows).toHaveLength(1);
  });

  it("a pool exhausted under concurrency fails cleanly for the surplus only", async () => {
    // /27: 30 usable, minus gateway and DNS = 28 addresses
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn-small", "10.102.0.0/27"), ADMIN);
    const seqBefore = engine.config.lastSeq;
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => createIip(engine, vn)));
    const ok = results.filter((r): r is PromiseFulfilledResult<ConfigObject> => r.status === "fulfilled").map((r) => r.value);
    const bad = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(28);
    expect(bad).toHaveLength(22);
    // the first 28 requests win (the event loop serializes validation in arrival order)
    expect(results.slice(0, 28).every((r) => r.status === "fulfilled")).toBe(true);
    for (const r of bad) {
      expect((r.reason as WeftError).code).toBe("conflict");
      expect((r.reason as WeftError).message).toContain("no free address left in 10.102.0.0/27");
    }
    const addrs = ok.map((o) => o.instance_ip_address as string);
    expect(new Set(addrs).size).toBe(28);
    expect(addrs).not.toContain("10.102.0.30");
    expect(addrs).not.toContain("10.102.0.29");
    expect((await dbAddresses(engine, vn.uuid)).addrs).toEqual(new Set(addrs));
    expect(await engine.db.configObject.count({ where: { uuid: { in: ok.map((o) => o.uuid) } } })).toBe(28);
    // refused creates left no objects, no feed events
    expect(engine.config.lastSeq).toBe(seqBefore + 28);
    expect(engine.config.backRefs(vn.uuid)).toHaveLength(28);
    // freeing two makes exactly two available again
    await Promise.all(ok.slice(0, 2).map((o) => engine.config.delete("instance-ip", o.uuid, ADMIN)));
    const again = await Promise.allSettled(Array.from({ length: 10 }, () => createIip(engine, vn)));
    expect(again.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(new Set(again.filter((r): r is PromiseFulfilledResult<ConfigObject> => r.status === "fulfilled").map((r) => r.value.instance_ip_address))).toEqual(
      new Set(ok.slice(0, 2).map((o) => o.instance_ip_address)),
    );
  });

  it("floating IPs and instance IPs racing in one network never share an address", async () => {
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn-mixed", "10.103.0.0/24"), ADMIN);
    const pool = await engine.config.create("floating-ip-pool", { fq_name: [...vn.fq_name, "pool"], parent_type: "virtual-network" }, ADMIN);
    const ops: Promise<ConfigObject>[] = [];
    for (let i = 0; i < 60; i++) {
      ops.push(i % 2 ? createIip(engine, vn) : engine.config.create("floating-ip", { fq_name: [...pool.fq_name, `f${i}`], parent_type: "floating-ip-pool" }, ADMIN));
    }
    const objs = await Promise.all(ops);
    const addrs = objs.map((o) => (o.instance_ip_address ?? o.floating_ip_address) as string);
    expect(new Set(addrs).size).toBe(60);
    expect((await dbAddresses(engine, vn.uuid)).addrs).toEqual(new Set(addrs));
  });
});

describe("concurrent updates", () => {
  it("updates of one object with the same resource_version: exactly one wins, the others get conflict", async () => {
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn-occ", "10.104.0.0/24"), ADMIN);
    for (let round = 0; round < 3; round++) {
      const rv = engine.config.get("virtual-network", vn.uuid).resource_version;
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => engine.config.update("virtual-network", vn.uuid, { display_name: `r${round}-w${i}`, resource_version: rv }, ADMIN)),
      );
      const ok = results.filter((r): r is PromiseFulfilledResult<ConfigObject> => r.status === "fulfilled");
      const bad = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(ok).toHaveLength(1);
      expect(bad).toHaveLength(49);
      for (const r of bad) expect((r.reason as WeftError).code).toBe("conflict");
      const winner = ok[0].value;
      expect(winner.resource_version).toBe(rv + 1);
      expect(engine.config.get("virtual-network", vn.uuid)).toEqual(winner);
      const row = await engine.db.configObject.findUnique({ where: { uuid: vn.uuid } });
      expect(row!.resourceVersion).toBe(rv + 1);
      expect(JSON.parse(row!.body).display_name).toBe(winner.display_name);
      const audits = await engine.config.audit({ objectUuid: vn.uuid, limit: 1000 });
      expect(audits.filter((a) => a.action === "update")).toHaveLength(round + 1);
    }
  });

  it("concurrent deletes of one object: one succeeds, the rest are not_found", async () => {
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn-del", "10.105.0.0/24"), ADMIN);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => engine.config.delete("virtual-network", vn.uuid, ADMIN)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === "rejected")) expect((r.reason as WeftError).code).toBe("not_found");
    expect(await engine.db.configObject.count({ where: { uuid: vn.uuid } })).toBe(0);
  });

  it("a delete racing with creates that refer to the object: either the delete or the create fails, never both succeed", async () => {
    const vn = await engine.config.create("virtual-network", vnBody(["default-domain", "conc"], "vn-race", "10.106.0.0/24"), ADMIN);
    const creates = Array.from({ length: 10 }, () => createIip(engine, vn));
    const del = engine.config.delete("virtual-network", vn.uuid, ADMIN);
    const more = Array.from({ length: 10 }, () => createIip(engine, vn));
    const [c1, d, c2] = await Promise.all([Promise.allSettled(creates), Promise.allSettled([del]), Promise.allSettled(more)]);
    expect(c1.every((r) => r.status === "fulfilled")).toBe(true);
    expect(d[0].status).toBe("rejected");
    expect(((d[0] as PromiseRejectedResult).reason as WeftError).code).toBe("conflict");
    expect(c2.every((r) => r.status === "fulfilled")).toBe(true);
    expect(await engine.db.configObject.count({ where: { uuid: vn.uuid } })).toBe(1);
  });
});
