// The live topology feed against the real engine: a cached whole model per view with a version,
// and for each change the diff to the previous version (what the live channel sends). Applying the
// diffs to the first model gives exactly the model built afresh; the wire form round-trips.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { buildWholeTopology, nodeIds } from "../../server/engine/topology/model";
import { TopologyFeed, topologyFeed } from "../../server/engine/topology/feed";
import { type SlimModel, type TopologyDiff, applyTopologyDiff, decodeModel, encodeModel, slimEdge, slimNode } from "../../server/engine/topology/wire";
import { ADMIN, startEngine, vnBody } from "../helpers";

const P = ["default-domain", "feed-a"];
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};
const slim = (m: ReturnType<typeof buildWholeTopology>, version: number): SlimModel => ({ ...m, nodes: m.nodes.map(slimNode), edges: m.edges.map(slimEdge), version, whole: true });
const canon = (m: Pick<SlimModel, "nodes" | "edges">) => ({
  nodes: [...m.nodes].sort((a, b) => a.id.localeCompare(b.id)),
  edges: [...m.edges].sort((a, b) => a.id.localeCompare(b.id)),
});

describe("topology feed", () => {
  let engine: Engine;
  let dir: string;
  let web: ConfigObject;
  let db: ConfigObject;

  beforeAll(async () => {
    ({ engine, dir } = await startEngine());
    await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    web = await engine.config.create("virtual-network", vnBody(P, "web", "10.11.0.0/24"), ADMIN);
    db = await engine.config.create("virtual-network", vnBody(P, "db", "10.12.0.0/24"), ADMIN);
  });
  afterAll(async () => {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is one per engine", () => {
    expect(topologyFeed(engine)).toBe(topologyFeed(engine));
    expect(topologyFeed(engine)).toBeInstanceOf(TopologyFeed);
  });

  it("sends the diffs of each change; applied to the first model they give the model built afresh", async () => {
    const feed = topologyFeed(engine);
    const diffs: TopologyDiff[] = [];
    const off = feed.subscribe("logical", (d) => diffs.push(d));
    try {
      const start = feed.current("logical");
      let model: SlimModel = slim(start.model, start.version);

      // a policy between the two networks: its rules become edges
      const pol = await engine.config.create(
        "network-policy",
        {
          fq_name: [...P, "web-db"],
          parent_type: "project",
          network_policy_entries: { policy_rule: [{ direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: "default-domain:feed-a:db" }], action_list: { simple_action: "pass" } }] },
        },
        ADMIN,
      );
      await engine.config.update("virtual-network", web.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ADMIN);
      await until(() => diffs.some((d) => d.edges.some((e) => e.kind === "policy")));
      // a port appears in web
      const port = await engine.config.create("virtual-machine-interface", { fq_name: [...P, "web-1"], parent_type: "project", virtual_network_refs: [{ uuid: web.uuid }] }, ADMIN);
      await until(() => diffs.some((d) => d.nodes.some((n) => n.id === nodeIds.port(port.uuid))));
      // the rule is flipped to deny: the same edge, changed
      await engine.config.update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: [{ direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: "default-domain:feed-a:db" }], action_list: { simple_action: "deny" } }] } }, ADMIN);
      await until(() => diffs.some((d) => d.edges.some((e) => e.kind === "policy" && e.action === "deny")));
      // db goes: its node, its routing instance and the edges to it leave
      await engine.config.update("virtual-network", web.uuid, { network_policy_refs: [] }, ADMIN);
      await engine.config.delete("network-policy", pol.uuid, ADMIN);
      await engine.config.delete("virtual-network", db.uuid, ADMIN);
      await until(() => diffs.some((d) => d.removeNodes.includes(nodeIds.network(db.uuid))));
      await new Promise((r) => setTimeout(r, 200));

      // versions chain, and the diffs carry only what changed
      for (let i = 0; i < diffs.length; i++) {
        expect(diffs[i].to).toBeGreaterThan(diffs[i].from);
        if (i) expect(diffs[i].from).toBe(diffs[i - 1].to);
      }
      expect(diffs[0].from).toBe(start.version);
      const portDiff = diffs.find((d) => d.nodes.some((n) => n.id === nodeIds.port(port.uuid)))!;
      expect(portDiff.nodes.length).toBeLessThan(5);
      // slim: no fields or links in a diff
      for (const d of diffs) for (const n of d.nodes) expect(n).not.toHaveProperty("fields");

      for (const d of diffs) model = applyTopologyDiff(model, d)!;
      const now = feed.current("logical");
      expect(model.version).toBe(now.version);
      expect(canon(model)).toEqual(canon(slim(buildWholeTopology(engine, "logical"), now.version)));
      // an old model is not a starting point for a newer diff
      expect(applyTopologyDiff({ ...model, version: model.version - 1 }, { ...diffs[diffs.length - 1], from: model.version })).toBeNull();
    } finally {
      off();
    }
  });

  it("without listeners, answers from the cache until the engine changes", async () => {
    const feed = topologyFeed(engine);
    const a = feed.current("logical");
    expect(feed.current("logical").model).toBe(a.model); // nothing changed: not rebuilt
    const vn = await engine.config.create("virtual-network", vnBody(P, "later", "10.13.0.0/24"), ADMIN);
    const b = feed.current("logical");
    expect(b.version).toBeGreaterThan(a.version);
    expect(b.model.nodes.some((n) => n.id === nodeIds.network(vn.uuid))).toBe(true);
  });

  it("the wire form round-trips what the canvas draws, in a fraction of the size", () => {
    const m = buildWholeTopology(engine, "logical");
    const w = encodeModel(m, 7, true);
    const back = decodeModel(JSON.parse(JSON.stringify(w)));
    expect(back.version).toBe(7);
    expect(back.whole).toBe(true);
    expect(canon(back)).toEqual(canon(slim(m, 7)));
    expect(JSON.stringify(w).length).toBeLessThan(JSON.stringify(m).length * 0.6);
  });
});
