// The console side of the topology: model → cytoscape elements (collapsed groups, edges moved to
// the group, traffic overlay) and the diff a live update applies (positions of nodes that stay are
// never touched because they are never re-added), and the grouped layout.
import { describe, expect, it } from "vitest";
import { diffElements, isEmptyDiff, levelOfDetail, toElements } from "../../components/topology/elements";
import { fitViewport, frameBoxes, groupedLayout, hierarchicalLayout } from "../../components/topology/layout";
import { type SvgEdge, type SvgNode, toSvg } from "../../components/topology/svg";
import type { TopologyModel } from "../../server/engine/topology/model";

const model = (extra: Partial<TopologyModel> = {}): TopologyModel => ({
  view: "logical",
  nodes: [
    { id: "project:a", kind: "project", label: "a" },
    { id: "vn:1", kind: "virtual-network", label: "web", parent: "project:a", project: "project:a", detail: "10.1.0.0/24" },
    { id: "vn:2", kind: "virtual-network", label: "db", parent: "project:a", project: "project:a" },
    { id: "port:1", kind: "port", label: "web-1", parent: "vn:1", state: "Active", tone: "ok" },
    { id: "port:2", kind: "port", label: "web-2", parent: "vn:1", state: "Active", tone: "ok" },
    { id: "port:3", kind: "port", label: "db-1", parent: "vn:2", state: "Unbound", tone: "neutral" },
    { id: "fip-pool:p", kind: "floating-ip-pool", label: "public", parent: "project:a" },
  ],
  edges: [
    { id: "policy:x:0:vn:1:vn:2", kind: "policy", source: "vn:1", target: "vn:2", action: "pass", direction: "<>", label: "Pass" },
    { id: "floating-ip:f1", kind: "floating-ip", source: "fip-pool:p", target: "port:1", label: "198.51.100.2" },
    { id: "floating-ip:f2", kind: "floating-ip", source: "fip-pool:p", target: "port:2", label: "198.51.100.3" },
  ],
  groups: [],
  aggregated: [],
  stats: { nodes: 7, edges: 3, buildMs: 0 },
  ...extra,
});

describe("toElements", () => {
  it("draws every node with its parent and a caption with the state word", () => {
    const els = toElements(model());
    expect(els.nodes).toHaveLength(7);
    expect(els.nodes.find((n) => n.id === "port:1")).toMatchObject({ parent: "vn:1", caption: "web-1\nActive" });
    expect(els.nodes.find((n) => n.id === "vn:1")).toMatchObject({ group: true, caption: "web" });
    expect(els.edges.map((e) => e.id).sort()).toEqual(["floating-ip:f1", "floating-ip:f2", "policy:x:0:vn:1:vn:2"]);
  });

  it("a collapsed group hides its members and takes over their edges, merged", () => {
    const els = toElements(model(), new Set(["vn:1"]));
    expect(els.nodes.map((n) => n.id)).not.toContain("port:1");
    expect(els.nodes.find((n) => n.id === "vn:1")).toMatchObject({ collapsed: true, hidden: 2, caption: "web\n2 hidden" });
    const fip = els.edges.filter((e) => e.kind === "floating-ip");
    expect(fip).toHaveLength(1);
    expect(fip[0]).toMatchObject({ source: "fip-pool:p", target: "vn:1", merged: 2 });
    // collapsing the project hides everything in it, and the edges inside it
    const p = toElements(model(), new Set(["project:a"]));
    expect(p.nodes.map((n) => n.id)).toEqual(["project:a"]);
    expect(p.edges).toHaveLength(0);
  });

  it("adds the traffic overlay between drawn nodes", () => {
    const els = toElements(model(), new Set(), [{ id: "flow:vn:1:vn:2", source: "vn:1", target: "vn:2", bytes: 5 * 1024 * 1024, flows: 12, packets: 100, deniedBytes: 0, denied: false, filter: 'src_vn = "a" AND dst_vn = "b"' }]);
    const f = els.edges.find((e) => e.kind === "flow")!;
    expect(f).toMatchObject({ label: "5.0 MiB", denied: false, flows: 12 });
    expect(f.width).toBeGreaterThan(5);
  });
});

describe("diffElements", () => {
  it("is empty for the same model", () => {
    expect(isEmptyDiff(diffElements(toElements(model()), toElements(model())))).toBe(true);
  });

  it("adds, removes and updates only what changed", () => {
    const before = toElements(model());
    const m = model();
    m.nodes = m.nodes.filter((n) => n.id !== "port:3");
    m.nodes.push({ id: "port:4", kind: "port", label: "web-3", parent: "vn:1", state: "Active", tone: "ok" });
    m.nodes.find((n) => n.id === "port:2")!.state = "Host down";
    m.edges[0] = { ...m.edges[0], action: "deny", label: "Deny" };
    const d = diffElements(before, toElements(m));
    expect(d.addNodes.map((n) => n.id)).toEqual(["port:4"]);
    expect(d.remove).toEqual(["port:3"]);
    // vn:2 lost its only member: it is drawn as a plain node now
    expect(d.update.map((u) => u.id).sort()).toEqual(["policy:x:0:vn:1:vn:2", "port:2", "vn:2"]);
    expect(d.addEdges).toHaveLength(0);
  });

  it("re-parents a node that moved group, and replaces an edge whose ends changed", () => {
    const before = toElements(model());
    const m = model();
    m.nodes.find((n) => n.id === "port:3")!.parent = "vn:1";
    m.edges[1] = { ...m.edges[1], target: "port:3" };
    const d = diffElements(before, toElements(m));
    expect(d.reparent).toEqual([{ id: "port:3", parent: "vn:1" }]);
    expect(d.remove).toContain("floating-ip:f1");
    expect(d.addEdges.map((e) => e.id)).toEqual(["floating-ip:f1"]);
  });
});

describe("groupedLayout", () => {
  it("places every leaf, members inside their group's box, without overlaps", () => {
    const els = toElements(model());
    const pos = groupedLayout(els.nodes);
    const leaves = els.nodes.filter((n) => !n.group);
    for (const l of leaves) expect(pos.get(l.id), l.id).toBeTruthy();
    const pts = leaves.map((l) => pos.get(l.id)!);
    for (let i = 0; i < pts.length; i++) for (let j = i + 1; j < pts.length; j++) expect(Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y)).toBeGreaterThan(40);
  });

  it("is linear enough for 5,000 nodes", () => {
    const nodes = [];
    for (let p = 0; p < 20; p++) {
      nodes.push({ id: `p${p}`, kind: "project" });
      for (let v = 0; v < 25; v++) {
        nodes.push({ id: `p${p}v${v}`, parent: `p${p}`, kind: "virtual-network" });
        for (let k = 0; k < 9; k++) nodes.push({ id: `p${p}v${v}k${k}`, parent: `p${p}v${v}`, kind: "port" });
      }
    }
    const t0 = performance.now();
    const pos = groupedLayout(nodes);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(pos.size).toBe(20 * 25 * 9);
  });
});

describe("hierarchicalLayout", () => {
  it("puts projects above their networks above their ports, each parent over its members", () => {
    const els = toElements(model());
    const pos = hierarchicalLayout(els.nodes);
    for (const n of els.nodes) expect(pos.get(n.id), n.id).toBeTruthy();
    const y = (id: string) => pos.get(id)!.y;
    expect(y("project:a")).toBeLessThan(y("vn:1"));
    expect(y("vn:1")).toBeLessThan(y("port:1"));
    expect(y("vn:2")).toBe(y("vn:1"));
    expect(y("port:1")).toBe(y("port:3"));
    // a network is centred over its ports
    const x = (id: string) => pos.get(id)!.x;
    expect(x("vn:1")).toBeGreaterThanOrEqual(Math.min(x("port:1"), x("port:2")));
    expect(x("vn:1")).toBeLessThanOrEqual(Math.max(x("port:1"), x("port:2")));
    const pts = [...pos.values()];
    for (let i = 0; i < pts.length; i++) for (let j = i + 1; j < pts.length; j++) expect(Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y)).toBeGreaterThan(30);
  });

  it("lays out 5,000 nodes in bands, fast", () => {
    const nodes = [];
    for (let p = 0; p < 20; p++) {
      nodes.push({ id: `p${p}`, kind: "project" });
      for (let v = 0; v < 25; v++) {
        nodes.push({ id: `p${p}v${v}`, parent: `p${p}`, kind: "virtual-network" });
        for (let k = 0; k < 9; k++) nodes.push({ id: `p${p}v${v}k${k}`, parent: `p${p}v${v}`, kind: "port" });
      }
    }
    const t0 = performance.now();
    const pos = hierarchicalLayout(nodes);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(pos.size).toBe(nodes.length);
    const xs = [...pos.values()].map((p) => p.x);
    const ys = [...pos.values()].map((p) => p.y);
    const w = Math.max(...xs) - Math.min(...xs);
    const h = Math.max(...ys) - Math.min(...ys);
    expect(w / h).toBeLessThan(8); // not one endless row
  });
});

describe("frames (flat drawing of groups)", () => {
  it("each group's frame holds its members' boxes, outer frames hold inner ones", () => {
    const els = toElements(model());
    const pos = groupedLayout(els.nodes);
    const frames = frameBoxes(els.nodes, (id) => pos.get(id));
    expect([...frames.keys()].sort()).toEqual(["project:a", "vn:1", "vn:2"]);
    const inside = (a: { x1: number; y1: number; x2: number; y2: number }, b: typeof a) => a.x1 >= b.x1 && a.y1 >= b.y1 && a.x2 <= b.x2 && a.y2 <= b.y2;
    expect(inside(frames.get("vn:1")!, frames.get("project:a")!)).toBe(true);
    for (const id of ["port:1", "port:2"]) {
      const p = pos.get(id)!;
      const f = frames.get("vn:1")!;
      expect(p.x > f.x1 && p.x < f.x2 && p.y > f.y1 && p.y < f.y2).toBe(true);
    }
    const vp = fitViewport(frames.get("project:a")!, 1000, 800, 30);
    const f = frames.get("project:a")!;
    expect(vp.zoom * (f.x2 - f.x1)).toBeLessThanOrEqual(940.001);
    expect(vp.pan.x + vp.zoom * f.x1).toBeGreaterThanOrEqual(29.9);
  });
});

describe("toSvg", () => {
  it("draws groups, then edges, then nodes with their captions, escaped", () => {
    const node = (id: string, x: number, extra: Partial<SvgNode> = {}): SvgNode => ({ id, x, y: 0, w: 30, h: 30, shape: "ellipse", fill: "#fff", fillOpacity: 1, stroke: "#333", strokeWidth: 1, dashed: false, label: id, labelAt: "bottom", color: "#000", fontSize: 11, opacity: 1, ...extra });
    const edge: SvgEdge = { id: "policy:1", x1: 0, y1: 0, x2: 100, y2: 0, color: "#b42318", width: 2, dashed: true, arrow: true, label: "Deny", opacity: 1 };
    const svg = toSvg([node("web <1>", 0, { label: "web <1>\nActive" }), node("db", 100, { shape: "round-rectangle" }), node("project", 50, { w: 200, h: 100, labelAt: "top", shape: "round-rectangle" })], [edge], { background: "#fff", font: "Inter" });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("web &lt;1&gt;");
    expect(svg).toContain(">Active</tspan>");
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain("marker-end=");
    expect(svg.indexOf('class="groups"')).toBeLessThan(svg.indexOf('class="edges"'));
    expect(svg.indexOf('class="edges"')).toBeLessThan(svg.indexOf('class="nodes"'));
    expect(svg.match(/<ellipse/g)).toHaveLength(1);
    expect(svg.match(/<rect/g)!.length).toBe(3); // background + two boxes
  });
});

describe("levelOfDetail (large graphs)", () => {
  const two = (): TopologyModel => {
    const m = model();
    m.nodes.push({ id: "project:b", kind: "project", label: "b" }, { id: "vn:3", kind: "virtual-network", label: "app", parent: "project:b", project: "project:b" }, { id: "port:4", kind: "port", label: "app-1", parent: "vn:3" });
    m.edges.push(
      { id: "policy:y:0:vn:1:vn:3", kind: "policy", source: "vn:1", target: "vn:3", action: "pass" },
      { id: "policy:y:1:vn:2:vn:3", kind: "policy", source: "vn:2", target: "vn:3", action: "pass" },
      { id: "policy:y:2:vn:2:vn:3", kind: "policy", source: "vn:2", target: "vn:3", action: "deny" },
      { id: "floating-ip:f3", kind: "floating-ip", source: "fip-pool:p", target: "port:4" },
    );
    return m;
  };
  it("overview: no ports, edges merged per pair of top-level groups, kind and action", () => {
    const lod = levelOfDetail(toElements(two()), new Set());
    expect(lod.nodes.map((n) => n.id)).not.toContain("port:1");
    expect(lod.nodes.map((n) => n.id)).toContain("vn:1");
    const ids = lod.edges.map((e) => e.id).sort();
    expect(ids).toEqual(["lod~floating-ip~project:a~project:b", "lod~policy~project:a~project:b~deny", "lod~policy~project:a~project:b~pass"]);
    expect(lod.edges.find((e) => e.id.endsWith("~pass"))).toMatchObject({ merged: 2, action: "pass" });
  });
  it("an open group draws its ports and real edges; ends in closed groups go to the nearest drawn node", () => {
    const lod = levelOfDetail(toElements(two()), new Set(["project:a"]));
    expect(lod.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(["port:1", "port:2", "port:3"]));
    expect(lod.nodes.map((n) => n.id)).not.toContain("port:4");
    const ids = lod.edges.map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining(["policy:x:0:vn:1:vn:2", "floating-ip:f1", "policy:y:0:vn:1:vn:3", "lod~floating-ip~fip-pool:p~vn:3"]));
    // opening everything gives back the whole graph
    const all = levelOfDetail(toElements(two()), new Set(["project:a", "project:b"]));
    expect(all).toEqual(toElements(two()));
  });
});
