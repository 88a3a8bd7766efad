// Monitor › Flows with the lab's traffic running (issue 7): a project with two networks whose
// workloads sit on compute-1 and compute-2 and a policy that denies administrative traffic
// between them (built over the REST API, as a script would); the generator is started from the
// page and its packets go through the real agents. The dashboard shows the denied flows with their
// rule; the explorer's filter bar completes fields, operators and values and shows a bad filter's
// error at its position; the explorer filters to the denied flows of one network and changes the
// chart when the group-by changes; the records table opens a flow's drawer with the deciding rule.
// Pods applied as a manifest: their records carry namespace, pod and labels; the drawer shows the
// labels, and a label opens the explorer filtered to it, grouped by the other side's labels.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, uniq } from "./helpers";

const AUTH = { Authorization: `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString("base64")}` };
const IPAM = ["default-domain", "default-project", "default-network-ipam"];

async function create(request: APIRequestContext, type: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await request.post(`/vnc/${type}s`, { headers: AUTH, data: { [type]: body } });
  expect(res.ok(), `${type}: ${await res.text()}`).toBe(true);
  return (await res.json())[type];
}

async function workload(request: APIRequestContext, project: string[], vn: Record<string, unknown>, name: string, host: string) {
  const port = await create(request, "virtual-machine-interface", {
    fq_name: [...project, name],
    parent_type: "project",
    virtual_network_refs: [{ uuid: vn.uuid }],
    virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] },
  });
  await create(request, "instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] });
}

async function setTraffic(page: Page, on: boolean) {
  const toggle = page.getByTestId("traffic-toggle");
  await expect(toggle).toBeVisible();
  const running = /Traffic \d/.test((await toggle.textContent()) ?? "");
  // other specs' workloads share the lab: a higher rate so the web → db mix shows up soon
  if (on && !running) await page.getByTestId("traffic-rate").selectOption("100");
  if (running !== on) await toggle.click();
  // stopping the shared generator asks first
  if (running && !on) await page.getByTestId("confirm-dialog").getByTestId("confirm-button").click();
  await expect(toggle).toHaveText(on ? /Traffic \d/ : /Start traffic/);
}

const shot = async (page: Page, n: string) => { if (process.env.FLOWS_SHOTS) await page.screenshot({ path: `.reports/flows-${n}.png`, fullPage: true }); };

test.describe.configure({ timeout: 150_000 });

// the generator must not outlive this test (later specs share the lab)
test.afterEach(async ({ page }) => {
  if (!page.url().includes("/monitor/flows")) await page.goto("/monitor/flows").catch(() => undefined);
  await setTraffic(page, false).catch(() => undefined);
});

test("denied flows of one network, with the deciding rule, and a group-by that changes the chart", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const name = uniq("e2e-flows");
  const P = ["default-domain", name];
  const req = page.request;
  await create(req, "project", { fq_name: P, parent_type: "domain" });
  const vn = (n: string, prefix: string) => create(req, "virtual-network", { fq_name: [...P, n], parent_type: "project", network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: 24 } }] } }] });
  const web = await vn("web-net", "10.71.0.0");
  const db = await vn("db-net", "10.72.0.0");
  const between = { src_addresses: [{ virtual_network: `${P.join(":")}:web-net` }], dst_addresses: [{ virtual_network: `${P.join(":")}:db-net` }] };
  const pol = await create(req, "network-policy", {
    fq_name: [...P, "web-db"],
    parent_type: "project",
    network_policy_entries: {
      policy_rule: [
        // rule 1: no ssh / telnet from the web tier anywhere (the generator's "admin" mix); rule 2: no RDP to the db tier
        { direction: ">", protocol: "tcp", src_addresses: between.src_addresses, dst_addresses: [{ virtual_network: "any" }], dst_ports: [{ start_port: 22, end_port: 23 }], action_list: { simple_action: "deny" } },
        { direction: "<>", protocol: "tcp", ...between, dst_ports: [{ start_port: 3389, end_port: 3389 }], action_list: { simple_action: "deny" } },
        { direction: "<>", protocol: "any", ...between, action_list: { simple_action: "pass" } },
      ],
    },
  });
  for (const v of [web, db]) {
    const res = await req.put(`/vnc/virtual-network/${v.uuid}`, { headers: AUTH, data: { "virtual-network": { network_policy_refs: [{ uuid: pol.uuid }] } } });
    expect(res.ok(), await res.text()).toBe(true);
  }
  await workload(req, P, web, "web-1", "compute-1");
  await workload(req, P, web, "web-2", "compute-1");
  await workload(req, P, db, "db-1", "compute-2");

  // the dashboard, with the generator started from the page
  await page.goto("/monitor/flows?range=5m&refresh=2");
  // the dashboard in the page's main region: while the streamed page is revealed, React can hold a
  // second, hidden copy of the segment outside it for a moment (a strict-mode violation once in CI)
  const dashboard = page.getByRole("main").getByTestId("flows-dashboard");
  await expect(dashboard).toBeVisible();
  await setTraffic(page, true);
  const webNet = `${P.join(":")}:web-net`;
  const denyRule = `network-policy ${P.join(":")}:web-db rule`;
  // the dashboard fills from the agents' records: the new workloads' names (dense views leave out
  // the default domain), and the top denied flows with the rule that denied them
  await expect(dashboard).toContainText(`${name}:web-net`, { timeout: 30_000 });
  await expect(page.getByTestId("top-denied").locator("tbody tr").first()).toContainText(/default action|network-policy|security-group|no route/);
  await expect(page.getByTestId("top-ports").locator("tbody tr").first()).toContainText(/tcp|udp|icmp/);
  await expect(dashboard.locator("canvas")).toHaveCount(2);
  await page.waitForTimeout(process.env.FLOWS_SHOTS ? 4000 : 0);
  await shot(page, "dashboard");

  // explorer: the filter bar completes fields, operators and values (closed sets, and names the
  // store has seen), and a bad filter is shown with a caret under the offending text
  await page.getByTestId("tab-explorer").click();
  const input = page.getByTestId("flow-filter");
  const suggestions = page.getByTestId("flow-filter-suggestions");
  const pick = (item: string) => suggestions.getByRole("button", { name: item, exact: true }).click();
  await input.click();
  await input.pressSequentially("src_v");
  await expect(suggestions).toContainText("src_vn");
  await expect(suggestions).toContainText("src_vmi");
  await pick("src_vn");
  await expect(input).toHaveValue("src_vn ");
  await input.pressSequentially(`= ${name}`);
  // values of src_vn containing the project's name, from the records the agents exported
  await expect(suggestions.getByRole("button", { name: webNet, exact: true })).toBeVisible({ timeout: 15_000 });
  await pick(webNet);
  await input.pressSequentially("AND act");
  await pick("action");
  await input.pressSequentially("= d");
  await expect(suggestions.getByRole("button")).toHaveText(["deny", "drop"]); // a closed set
  await pick("deny");
  await expect(input).toHaveValue(`src_vn = ${webNet} AND action = deny `);
  await input.press("Enter");
  const chart = page.getByTestId("explorer-chart");
  await expect(chart).toHaveAttribute("data-series", webNet);
  await expect(page.getByTestId("flow-filter-error")).toHaveCount(0);

  await input.fill(`src_vn = "${webNet}" AND action = maybe`);
  await input.press("Enter");
  const error = page.getByTestId("flow-filter-error");
  const at = `src_vn = "${webNet}" AND action = `.length;
  await expect(error).toContainText(`position ${at + 1}: action is one of pass, deny, drop; "maybe" is not`);
  // the caret line: the offending word underlined at its position
  expect(await error.locator(".text-danger").first().textContent()).toBe(`${" ".repeat(at)}^^^^^`);
  await input.fill("src_vnn = x");
  await input.press("Enter");
  await expect(error).toContainText('position 1: unknown field "src_vnn" (did you mean src_vn?)');
  await shot(page, "filter-error");

  // the denied flows of web-net, grouped by source VN, then by rule
  const filter = `action = deny AND src_vn = "${webNet}"`;
  await page.getByTestId("flow-filter").fill(filter);
  await page.getByTestId("flow-filter").press("Enter");
  await expect(page).toHaveURL(/filter=action/);
  await expect(error).toHaveCount(0);
  await expect(chart).toHaveAttribute("data-series", webNet);
  await page.getByTestId("group-src_vn").click();
  await page.getByTestId("group-rule").click();
  await expect(page.getByTestId("group-rule")).toHaveAttribute("aria-pressed", "true");
  await expect(chart).toHaveAttribute("data-series", new RegExp(`${denyRule.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} 1`), { timeout: 30_000 });
  await expect(chart.locator("canvas")).toHaveCount(1);
  await shot(page, "explorer");

  // records: the same filter (it lives in the URL); a row opens the drawer with the deciding rule
  // (narrowed to the policy's named rules, not the VN's default action)
  await page.getByTestId("tab-records").click();
  await expect(page.getByTestId("flow-filter")).toHaveValue(filter);
  await page.getByTestId("flow-filter").fill(`${filter} AND rule ~ "web-db rule"`);
  await page.getByTestId("flow-filter").press("Enter");
  await expect(page).toHaveURL(/web-db/);
  const first = page.locator('[data-testid^="row-flow-"]').first();
  await expect(first).toBeVisible();
  await expect(first).toContainText(`${name}:web-db rule`);
  await expect(first).toContainText("Deny");
  await first.click();
  const drawer = page.getByTestId("flow-drawer");
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId("flow-rule")).toContainText(denyRule);
  await expect(drawer.getByTestId("flow-path")).toContainText("deny by");
  await expect(drawer.getByTestId("flow-policy-link")).toContainText(`${P.join(":")}:web-db`);
  await shot(page, "drawer");

  if (process.env.FLOWS_SHOTS) {
    await page.keyboard.press("Escape");
    await page.goto("/monitor/flows?range=5m&tab=explorer&group=src_workload,dst_workload&chart=sankey");
    await page.waitForTimeout(3000);
    await shot(page, "sankey");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.evaluate(() => localStorage.removeItem("weft.theme"));
    await page.goto("/monitor/flows?range=5m");
    await page.waitForTimeout(3000);
    await shot(page, "dashboard-dark");
    await page.goto("/monitor/flows?range=5m&tab=records");
    await page.waitForTimeout(2000);
    await shot(page, "records-dark");
  }
  await page.keyboard.press("Escape");
  await setTraffic(page, false);
});

test("pods' Kubernetes labels in the records: drawer chips open the explorer filtered to a label", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const ns = uniq("e2e-lbl");
  const manifest = `
apiVersion: v1
kind: Namespace
metadata: { name: ${ns} }
---
apiVersion: v1
kind: Pod
metadata: { name: shop-web, namespace: ${ns}, labels: { app: web, run: ${ns} } }
spec: { nodeName: compute-1 }
---
apiVersion: v1
kind: Pod
metadata: { name: shop-db, namespace: ${ns}, labels: { app: db, run: ${ns} } }
spec: { nodeName: compute-2 }
`;
  const applied = await page.request.post("/api/v1/kube/apply", { headers: { ...AUTH, "Content-Type": "application/yaml" }, data: manifest });
  expect(applied.ok(), await applied.text()).toBe(true);
  try {
    const pods = (await (await page.request.get(`/api/v1/kube/objects?kind=Pod&namespace=${ns}`, { headers: AUTH })).json()).objects as { name: string; details: { podIP: string } }[];
    const dbIp = pods.find((p) => p.name === "shop-db")!.details.podIP;
    // a test packet from one pod to the other, through the agents (until the route is there)
    await expect
      .poll(async () => (await (await page.request.post("/vnc/test-traffic", { headers: AUTH, data: { port: `default-domain:k8s-${ns}:shop-web`, destination: dbIp, protocol: "tcp", dst_port: 5432 } })).json()).verdict, { timeout: 20_000 })
      .toBe("delivered");

    await page.goto(`/monitor/flows?range=15m&refresh=2&tab=records&filter=${encodeURIComponent(`src_namespace = ${ns} AND src_labels = "run=${ns}"`)}`);
    const first = page.locator('[data-testid^="row-flow-"]').first();
    await expect(first).toBeVisible({ timeout: 30_000 });
    await first.click();
    const drawer = page.getByTestId("flow-drawer");
    await expect(drawer.getByTestId("flow-src_labels")).toContainText("app=web");
    await expect(drawer.getByTestId("flow-src_labels")).toContainText(`run=${ns}`);
    await expect(drawer.getByTestId("flow-dst_labels")).toContainText("app=db");
    await shot(page, "drawer-labels");
    // a destination label → the explorer, filtered to it and grouped by the source's labels
    await drawer.getByTestId("flow-dst_labels").getByRole("link", { name: `run=${ns}` }).click();
    await expect(page).toHaveURL(/tab=explorer/);
    await expect(page.getByTestId("flow-filter")).toHaveValue(`dst_labels = "run=${ns}"`);
    await expect(page.getByTestId("group-src_labels")).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("explorer-chart")).toHaveAttribute("data-series", new RegExp(`app=web,run=${ns}`), { timeout: 30_000 });
    // one label key as the group: the source pods' app
    await page.getByTestId("group-src_labels").click();
    // the URL carries the group-by: let the removal land before adding the key (both edit it)
    await expect(page.getByTestId("group-src_labels")).toHaveAttribute("aria-pressed", "false");
    await page.getByTestId("group-label-key").selectOption("src_labels.app");
    await expect(page.getByTestId("group-src_labels.app")).toHaveAttribute("aria-pressed", "true");
    await expect(page).toHaveURL(/group=src_labels\.app/);
    await expect(page.getByTestId("explorer-chart")).toHaveAttribute("data-series", /(^|\|)web(\||$)/, { timeout: 30_000 });
    await shot(page, "explorer-label-key");
  } finally {
    await page.request.delete("/api/v1/kube/apply", { headers: { ...AUTH, "Content-Type": "application/yaml" }, data: manifest });
  }
});
