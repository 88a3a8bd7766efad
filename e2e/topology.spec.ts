// Monitor › Topology as an operator uses it (issue 8). Logical view: a project with two networks,
// a policy between them and workloads on the lab's compute nodes (built over the REST API, as a
// script would); search finds a network and focuses it, expanding the collapsed group shows its
// workloads, a new workload appears live without a reload and without moving what is drawn, the
// traffic overlay draws an edge that leads to the flows explorer (between networks, and between
// workloads); the hierarchical layout puts the project above its networks above their workloads;
// the SVG export has them all. Infrastructure view: the lab's
// two compute nodes Up, and a BGP peer (a real gobgpd) goes from Established to down when the
// daemon stops, without a reload. Screenshots go into the test report.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { Gobgpd } from "../tests/bgp/daemons";
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, selectProject, uniq } from "./helpers";

const AUTH = { Authorization: `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString("base64")}` };
const IPAM = ["default-domain", "default-project", "default-network-ipam"];

async function create(request: APIRequestContext, type: string, body: Record<string, unknown>): Promise<Record<string, unknown> & { uuid: string }> {
  const res = await request.post(`/vnc/${type}s`, { headers: AUTH, data: { [type]: body } });
  expect(res.ok(), `${type}: ${await res.text()}`).toBe(true);
  return (await res.json())[type];
}

async function workload(request: APIRequestContext, project: string[], vn: { uuid: string }, name: string, host: string) {
  const vm = await create(request, "virtual-machine", { fq_name: [name] });
  const port = await create(request, "virtual-machine-interface", {
    fq_name: [...project, `${name}-eth0`],
    parent_type: "project",
    virtual_network_refs: [{ uuid: vn.uuid }],
    virtual_machine_refs: [{ uuid: vm.uuid }],
    virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] },
  });
  await create(request, "instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] });
  return port;
}

/** What the canvas draws for one element (cytoscape's own state, through the page's test hook). */
type Drawn = Record<string, unknown> & { x: number | null; y: number | null; visible: boolean; state?: string; tone?: string; action?: string; bytes?: number };

function drawn(page: Page, id: string): Promise<Drawn | null> {
  return page.evaluate((id) => {
    const cy = window.__weftTopology?.cy;
    const el = cy?.$id(id);
    if (!el || el.empty()) return null;
    const pos = el.isNode() ? el.position() : null;
    return { ...(el.data() as Record<string, unknown>), x: pos?.x ?? null, y: pos?.y ?? null, visible: el.visible() };
  }, id);
}

async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.waitForTimeout(300); // let the canvas finish its frame
  await testInfo.attach(name, { body: await page.screenshot(), contentType: "image/png" });
}

async function canvasReady(page: Page) {
  await expect(page.getByTestId("topology-canvas")).toHaveAttribute("data-nodes", /^[1-9]\d*$/, { timeout: 20_000 });
  await expect(page.getByTestId("topology-canvas")).not.toHaveAttribute("data-layout-running", "true");
}

test.describe.configure({ mode: "serial", timeout: 120_000 });

test("logical view: search a network, expand it, see its workloads, live updates and the traffic overlay", async ({ page }, testInfo) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const name = uniq("e2e-topo");
  const P = ["default-domain", name];
  const req = page.request;
  const project = await create(req, "project", { fq_name: P, parent_type: "domain" });
  const vn = (n: string, prefix: string) =>
    create(req, "virtual-network", { fq_name: [...P, n], parent_type: "project", network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: 24 } }] } }] });
  const web = await vn("web-net", "10.81.0.0");
  const db = await vn("db-net", "10.82.0.0");
  const between = { src_addresses: [{ virtual_network: `${P.join(":")}:web-net` }], dst_addresses: [{ virtual_network: `${P.join(":")}:db-net` }] };
  const pol = await create(req, "network-policy", {
    fq_name: [...P, "web-db"],
    parent_type: "project",
    network_policy_entries: {
      policy_rule: [
        { direction: "<>", protocol: "tcp", ...between, dst_ports: [{ start_port: 22, end_port: 23 }], action_list: { simple_action: "deny" } },
        { direction: "<>", protocol: "any", ...between, action_list: { simple_action: "pass" } },
      ],
    },
  });
  for (const v of [web, db]) {
    const res = await req.put(`/vnc/virtual-network/${v.uuid}`, { headers: AUTH, data: { "virtual-network": { network_policy_refs: [{ uuid: pol.uuid }] } } });
    expect(res.ok(), await res.text()).toBe(true);
  }
  const web1 = await workload(req, P, web, `${name}-web-1`, "compute-1");
  const web2 = await workload(req, P, web, `${name}-web-2`, "compute-2");
  await workload(req, P, db, `${name}-db-1`, "compute-2");

  // Monitor › Topology from the left rail, filtered to the project
  await page.goto("/overlay/virtual-networks");
  await page.getByRole("link", { name: "Topology" }).click();
  await expect(page).toHaveURL(/\/monitor\/topology/);
  await canvasReady(page);
  // the top bar's project selector filters the graph
  await selectProject(page, project.uuid);
  await canvasReady(page);
  const vnId = `vn:${web.uuid}`;
  await expect.poll(() => drawn(page, vnId)).toMatchObject({ kind: "virtual-network", label: "web-net" });
  // the policy's rules are edges between the two networks: deny (ssh/telnet) and pass
  const policyEdges = () =>
    page.evaluate(
      ([s, t]) =>
        window.__weftTopology!.cy
          .edges(`[kind = "policy"][source = "${s}"][target = "${t}"]`)
          .map((e) => `${e.data("action")} ${e.data("direction")} ${e.data("state")}`)
          .sort(),
      [`vn:${web.uuid}`, `vn:${db.uuid}`],
    );
  await expect.poll(policyEdges).toEqual(["deny <> Deny", "pass <> Pass"]);
  await shot(page, testInfo, "logical-project");

  // collapse everything, then find the network by search: it is focused, highlighted and selected
  await page.getByTestId("collapse-all").click();
  await expect.poll(async () => (await drawn(page, `port:${web1.uuid}`)) === null).toBe(true);
  await page.getByTestId("topology-search").fill("web-net");
  await expect(page).toHaveURL(/q=web-net/);
  await expect(page.getByTestId("topology-canvas")).toHaveAttribute("data-focused", vnId);
  await expect(page.getByTestId("node-detail")).toHaveAttribute("data-id", vnId);
  await expect(page.getByTestId("detail-name")).toHaveText("web-net");
  expect(await drawn(page, vnId)).toMatchObject({ collapsed: true, hidden: 3 }); // 2 ports + its routing instance
  expect(await page.evaluate((id) => window.__weftTopology!.cy.$id(id).hasClass("match"), vnId)).toBe(true);
  await shot(page, testInfo, "search-collapsed");

  // expand it: its workloads are drawn, named after their VMs, Active on their compute nodes
  await page.getByTestId("detail-toggle").click();
  await expect.poll(() => drawn(page, `port:${web1.uuid}`)).toMatchObject({ label: `${name}-web-1`, state: "Active", parent: vnId, visible: true });
  expect(await drawn(page, `port:${web2.uuid}`)).toMatchObject({ state: "Active", parent: vnId });
  const members = page.getByTestId("detail-members");
  await expect(members).toContainText(`${name}-web-1`);
  await expect(members).toContainText(`${name}-web-2`);
  await expect(members.getByTestId(`member-${name}-web-1`)).toContainText("Active");
  await page.getByTestId("fit").click();
  await shot(page, testInfo, "network-expanded");

  // live: a new workload appears without a reload; what was drawn stays where it was
  const before = (await drawn(page, `port:${web1.uuid}`))!;
  const applied = Number(await page.getByTestId("topology-canvas").getAttribute("data-applied"));
  const web3 = await workload(req, P, web, `${name}-web-3`, "compute-1");
  await expect.poll(() => drawn(page, `port:${web3.uuid}`), { timeout: 10_000 }).toMatchObject({ parent: vnId, state: "Active" });
  expect(Number(await page.getByTestId("topology-canvas").getAttribute("data-applied"))).toBeGreaterThan(applied);
  const after = (await drawn(page, `port:${web1.uuid}`))!;
  expect([after.x, after.y]).toEqual([before.x, before.y]);
  await expect(members).toContainText(`${name}-web-3`);

  // a node's detail links to its page
  await members.getByTestId(`member-${name}-web-1`).click();
  await expect(page.getByTestId("node-detail")).toHaveAttribute("data-id", `port:${web1.uuid}`);
  await expect(page.getByTestId("detail-link")).toHaveAttribute("href", `/overlay/ports/${web1.uuid}`);

  // the view is in the URL: a reload shows the same search, selection and filter
  await page.reload();
  await canvasReady(page);
  await expect(page.getByTestId("topology-search")).toHaveValue("web-net");
  await expect(page.getByTestId("node-detail")).toBeVisible();

  // hierarchical layout: the project above its networks above their workloads, groups linked to
  // their members; the view stays the same (what is collapsed, the selection)
  await page.getByTestId("topology-layout").selectOption("hierarchical");
  await expect(page).toHaveURL(/layout=hierarchical/);
  await expect(page.getByTestId("topology-canvas")).toHaveAttribute("data-layout", "hierarchical");
  await canvasReady(page);
  await expect.poll(() => drawn(page, `port:${web1.uuid}`)).toMatchObject({ visible: true });
  const top = (await drawn(page, `project:${project.uuid}`))!;
  const mid = (await drawn(page, vnId))!;
  const low = (await drawn(page, `port:${web1.uuid}`))!;
  expect(top.y!).toBeLessThan(mid.y!);
  expect(mid.y!).toBeLessThan(low.y!);
  expect(await drawn(page, `member~${vnId}~port:${web1.uuid}`)).toMatchObject({ kind: "member", source: vnId });
  await expect.poll(policyEdges).toEqual(["deny <> Deny", "pass <> Pass"]);
  await shot(page, testInfo, "hierarchical");

  // SVG export: the whole graph as a drawing, with the networks and workloads named
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-svg").click()]);
  expect(download.suggestedFilename()).toBe("weft-topology-logical.svg");
  const svg = fs.readFileSync((await download.path())!, "utf8");
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg).toContain("web-net");
  expect(svg).toContain(`${name}-web-1`);
  expect(svg).toContain(`data-id="${vnId}"`);
  expect((svg.match(/<line /g) ?? []).length).toBeGreaterThanOrEqual(3); // policy rules + member links
  await testInfo.attach("topology.svg", { body: svg, contentType: "image/svg+xml" });
  await page.getByTestId("topology-layout").selectOption("fcose");
  await expect(page).not.toHaveURL(/layout=hierarchical/);
  await canvasReady(page);

  // traffic overlay: start the lab's generator, edges weighted by bytes between the networks
  await page.goto("/monitor/flows?range=5m");
  // while the page streams in, Next keeps a hidden copy of it for a moment: the visible one
  const toggle = page.getByTestId("traffic-toggle").filter({ visible: true });
  await expect(toggle).toBeVisible();
  if (!/Traffic \d/.test((await toggle.textContent()) ?? "")) await toggle.click();
  await expect(toggle).toHaveText(/Traffic \d/);
  try {
    await page.goto(`/monitor/topology?project=${project.uuid}&traffic=5m`);
    await canvasReady(page);
    const flowId = `flow:vn:${web.uuid}:vn:${db.uuid}`;
    await expect.poll(async () => (await drawn(page, flowId))?.bytes ?? 0, { timeout: 45_000, intervals: [1000] }).toBeGreaterThan(0);
    await shot(page, testInfo, "traffic-overlay");
    // click the traffic edge on the canvas: its detail links to the explorer, filtered to it
    const mid = await page.evaluate((id) => window.__weftTopology!.cy.$id(id).renderedMidpoint(), flowId);
    const box = (await page.getByTestId("topology-canvas").boundingBox())!;
    await page.mouse.click(box.x + mid.x, box.y + mid.y);
    const detail = page.getByTestId("edge-detail");
    if (!(await detail.isVisible().catch(() => false)) || (await detail.getAttribute("data-id")) !== flowId) {
      // another edge lies on top at that point: select it the way a shared link does
      await page.goto(`/monitor/topology?project=${project.uuid}&traffic=5m&sel=${encodeURIComponent(flowId)}`);
    }
    await expect(page.getByTestId("edge-detail")).toHaveAttribute("data-id", flowId);
    await page.getByTestId("open-flows").click();
    await expect(page).toHaveURL(/\/monitor\/flows\?tab=explorer/);
    expect(decodeURIComponent(new URL(page.url()).searchParams.get("filter") ?? "")).toBe(`src_vn = "${P.join(":")}:web-net" AND dst_vn = "${P.join(":")}:db-net"`);
    await expect(page.getByTestId("flows-explorer")).toBeVisible();

    // between workloads: edges from port to port, each leading to the explorer filtered to the pair
    await page.goto(`/monitor/topology?project=${project.uuid}&traffic=5m&tlevel=workload`);
    await canvasReady(page);
    await expect(page.getByTestId("traffic-level")).toHaveValue("workload");
    const portFlows = () =>
      page.evaluate(() =>
        window.__weftTopology!.cy
          .edges('[kind = "flow"]')
          .filter((e) => String(e.data("source")).startsWith("port:") && String(e.data("target")).startsWith("port:") && Number(e.data("bytes")) > 0)
          .map((e) => e.id()),
      );
    await expect.poll(async () => (await portFlows()).length, { timeout: 45_000, intervals: [1000] }).toBeGreaterThan(0);
    const portFlow = (await portFlows())[0];
    await page.goto(`/monitor/topology?project=${project.uuid}&traffic=5m&tlevel=workload&sel=${encodeURIComponent(portFlow)}`);
    await expect(page.getByTestId("edge-detail")).toHaveAttribute("data-id", portFlow);
    await shot(page, testInfo, "traffic-overlay-workloads");
    await page.getByTestId("open-flows").click();
    await expect(page).toHaveURL(/\/monitor\/flows\?tab=explorer/);
    expect(decodeURIComponent(new URL(page.url()).searchParams.get("filter") ?? "")).toMatch(/^src_vmi = "default-domain:[^"]+" AND dst_vmi = "default-domain:[^"]+"$/);
  } finally {
    await page.goto("/monitor/flows?range=5m");
    const t = page.getByTestId("traffic-toggle").filter({ visible: true });
    if (/Traffic \d/.test((await t.textContent()) ?? "")) {
      await t.click();
      // stopping the shared generator asks first
      await page.getByTestId("confirm-dialog").getByTestId("confirm-button").click();
    }
  }
});

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
const CONTROL = process.env.WEFT_E2E_CONTROL_ADDRESS ?? "";
const BGP_PORT = Number(process.env.WEFT_E2E_BGP_PORT ?? 0);

test("infrastructure view: compute nodes Up, a BGP peer's session going down shows live", async ({ page }, testInfo) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto("/monitor/topology?view=infrastructure");
  await canvasReady(page);
  for (const c of ["compute-1", "compute-2"]) {
    await expect.poll(() => drawn(page, `compute:${c}`)).toMatchObject({ kind: "compute-node", state: "Up", tone: "ok" });
    expect((await drawn(page, `agent-session:${c}`))?.state).toBe("Up");
  }
  await page.getByTestId("topology-search").fill("compute-2");
  await expect(page.getByTestId("node-detail")).toHaveAttribute("data-id", "compute:compute-2");
  await expect(page.getByTestId("detail-state")).toHaveAttribute("data-state", "Up");
  await expect(page.getByTestId("detail-link")).toHaveAttribute("href", "/infrastructure/compute-nodes/compute-2");
  await page.getByTestId("topology-search").fill("");
  await page.getByTestId("fit").click();
  await shot(page, testInfo, "infrastructure");

  if (!has("gobgpd") || !CONTROL || !BGP_PORT) {
    testInfo.annotations.push({ type: "skipped part", description: "BGP peer: gobgpd or WEFT_E2E_CONTROL_ADDRESS/BGP_PORT missing" });
    return;
  }
  // a gateway peered with the control node, played by a real gobgpd
  const GW = "127.0.9.6";
  const list = await page.request.get("/vnc/bgp-routers?detail=true", { headers: AUTH });
  const routers = ((await list.json())["bgp-routers"] as { "bgp-router": { uuid: string; bgp_router_parameters?: { router_type?: string; address?: string } } }[]).map((r) => r["bgp-router"]);
  const local = routers.find((r) => r.bgp_router_parameters?.router_type === "control-node" && r.bgp_router_parameters.address === CONTROL)!;
  expect(local, "the control node's own bgp-router").toBeTruthy();
  const gwName = uniq("topo-gw");
  const peer = await create(page.request, "bgp-router", {
    fq_name: ["default-domain", "default-project", "ip-fabric", "__default__", gwName],
    parent_type: "routing-instance",
    bgp_router_parameters: { vendor: "gobgp", router_type: "router", address: GW, identifier: GW, autonomous_system: 64512, port: BGP_PORT, hold_time: 30, address_families: { family: ["inet-vpn"] } },
    bgp_router_refs: [{ uuid: local.uuid }],
  });
  const gobgpd = new Gobgpd({ asn: 64512, routerId: GW, port: BGP_PORT, apiPort: 50396, neighbors: [{ address: CONTROL, peerAs: 64512, remotePort: BGP_PORT, families: ["l3vpn-ipv4-unicast"] }] });
  await gobgpd.start();
  try {
    const id = `bgp:${peer.uuid}`;
    await expect.poll(async () => (await drawn(page, id))?.state, { timeout: 45_000, intervals: [1000] }).toBe("Established");
    expect(await drawn(page, `bgp-session:${peer.uuid}`)).toMatchObject({ state: "Established", tone: "ok" });
    await page.getByTestId("topology-search").fill(gwName);
    await expect(page.getByTestId("detail-state")).toHaveAttribute("data-state", "Established");
    await shot(page, testInfo, "bgp-established");
    const applied = Number(await page.getByTestId("topology-canvas").getAttribute("data-applied"));
    await gobgpd.stop();
    // the same page, no reload: the peer's node and its session edge say it is down
    await expect.poll(async () => (await drawn(page, id))?.state, { timeout: 30_000, intervals: [500] }).not.toBe("Established");
    const down = (await drawn(page, id))!;
    expect(["warn", "danger"]).toContain(down.tone);
    expect(Number(await page.getByTestId("topology-canvas").getAttribute("data-applied"))).toBeGreaterThan(applied);
    await expect(page.getByTestId("detail-state")).not.toHaveAttribute("data-state", "Established");
    await shot(page, testInfo, "bgp-down");
  } finally {
    await gobgpd.stop();
    await page.request.delete(`/vnc/bgp-router/${peer.uuid}`, { headers: AUTH });
  }
});

/** fq names of the ports the canvas draws */
function drawnPorts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cy = window.__weftTopology?.cy;
    return cy ? cy.nodes('[kind = "port"]').map((n) => String(n.data("fqName") ?? "")).sort() : [];
  });
}

test("label filter: only the pods with the label, in their network and project; positions follow the user", async ({ page, browser }, testInfo) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const ns = uniq("e2e-lbl");
  const key = `team-${ns.slice(-6)}`;
  const manifest = [
    "apiVersion: v1",
    "kind: Namespace",
    `metadata: { name: ${ns} }`,
    "---",
    "apiVersion: v1",
    "kind: Pod",
    `metadata: { name: blue, namespace: ${ns}, labels: { ${key}: blue, tier: web } }`,
    "spec: { containers: [{ name: c, image: nginx }] }",
    "---",
    "apiVersion: v1",
    "kind: Pod",
    `metadata: { name: green, namespace: ${ns}, labels: { ${key}: green } }`,
    "spec: { containers: [{ name: c, image: nginx }] }",
  ].join("\n");
  const res = await page.request.post("/api/v1/kube/apply", { headers: { ...AUTH, "Content-Type": "application/yaml" }, data: manifest });
  expect(res.ok(), await res.text()).toBe(true);
  const blue = `default-domain:k8s-${ns}:blue`;
  const green = `default-domain:k8s-${ns}:green`;
  try {
    await page.goto(`/monitor/topology?project=all`);
    await canvasReady(page);
    await expect.poll(() => drawnPorts(page), { timeout: 20_000 }).toEqual(expect.arrayContaining([blue, green]));

    // key=value: only the blue pod's port, with its network and project
    await page.getByTestId("topology-label-filter").fill(`${key}=blue`);
    await expect(page).toHaveURL(new RegExp(`label=${key}(%3D|=)blue`));
    await expect.poll(() => drawnPorts(page), { timeout: 20_000 }).toEqual([blue]);
    await expect(page.getByTestId("topology-stats")).toContainText(`label ${key}=blue`);
    const kinds = await page.evaluate(() => [...new Set(window.__weftTopology!.cy.nodes().map((n) => String(n.data("kind"))))].sort());
    expect(kinds).toEqual(expect.arrayContaining(["port", "project", "virtual-network"]));
    expect(kinds.every((k) => ["port", "project", "virtual-network", "service"].includes(k))).toBe(true);
    await shot(page, testInfo, "label-filter");

    // the filter is in the URL: a reload keeps it
    await page.reload();
    await canvasReady(page);
    await expect(page.getByTestId("topology-label-filter")).toHaveValue(`${key}=blue`);
    await expect.poll(() => drawnPorts(page), { timeout: 20_000 }).toEqual([blue]);

    // positions are the user's, on the server: moved here, the same place in another browser
    const portId = await page.evaluate(() => window.__weftTopology!.cy.nodes('[kind = "port"]')[0].id());
    const saved = page.waitForResponse((r) => r.url().includes("topology.saveLayout") && r.ok(), { timeout: 15_000 });
    const target = await page.evaluate((id) => {
      const n = window.__weftTopology!.cy.$id(id);
      const p = { x: Math.round(n.position().x + 137), y: Math.round(n.position().y - 71) };
      n.position(p);
      n.emit("dragfree");
      return p;
    }, portId);
    await saved;
    await page.waitForTimeout(3000); // the first layout's own save (2.5 s after it) may still come: let it
    const other = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
    try {
      const p2 = await other.newPage();
      await login(p2, ADMIN_EMAIL, ADMIN_PASSWORD);
      expect(await p2.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("weft.topology.positions")).length)).toBe(0);
      await p2.goto(page.url());
      await canvasReady(p2);
      await expect.poll(() => drawnPorts(p2), { timeout: 20_000 }).toEqual([blue]);
      await expect.poll(async () => { const d = await drawn(p2, portId); return d && { x: Math.round(d.x!), y: Math.round(d.y!) }; }, { timeout: 10_000 }).toEqual(target);
    } finally {
      await other.close();
    }

    // the key alone: both pods; a value no pod has: nothing drawn
    await page.getByTestId("topology-label-filter").fill(key);
    await expect.poll(() => drawnPorts(page), { timeout: 20_000 }).toEqual([blue, green].sort());
    await page.getByTestId("topology-label-filter").fill(`${key}=red`);
    await expect(page.getByTestId("topology-label-empty")).toBeVisible();
    // cleared: everything again
    await page.getByTestId("topology-label-filter").fill("");
    await expect(page).not.toHaveURL(/label=/);
    await canvasReady(page);
    await expect.poll(() => drawnPorts(page), { timeout: 20_000 }).toEqual(expect.arrayContaining([blue, green]));
  } finally {
    await page.request.delete("/api/v1/kube/apply", { headers: { ...AUTH, "Content-Type": "application/yaml" }, data: manifest });
  }
});
