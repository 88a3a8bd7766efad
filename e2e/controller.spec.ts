// The controller end to end, as an operator sees it: two networks with a workload each on
// different compute nodes (the lab's compute-1 and compute-2) cannot talk — there is no route —
// until a network policy passing traffic between them is attached to both; then test traffic is
// delivered, through compute-1 and compute-2, and the routing instances show the leaked routes.
import { expect, test, type Page } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProject, createVirtualNetwork, login, uniq } from "./helpers";

test.describe.configure({ timeout: 180_000 });

async function launchWorkload(page: Page, projectUuid: string, name: string, network: string, node: string) {
  await page.goto(`/overlay/ports?project=${projectUuid}`);
  await page.getByTestId("launch-workload").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-name").fill(name);
  await dialog.getByTestId("field-network").selectOption({ label: network });
  // the nodes come from infra.computeNodes: wait for the lab's node to be listed
  await expect(dialog.getByTestId("field-compute-node").locator("option", { hasText: node })).toHaveCount(1);
  await dialog.getByTestId("field-compute-node").selectOption(node);
  await dialog.getByTestId("submit-button").click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId(`row-${name}-eth0`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("port-node")).toHaveText(node);
  return row;
}

/** opens the routing instance of a network from the Routing Instances list */
async function openInstance(page: Page, projectUuid: string, fq: string) {
  await page.goto(`/overlay/routing-instances?project=${projectUuid}`);
  const vn = fq.split(":").pop();
  await page.getByTestId(`row-${fq}:${vn}`).click();
  await expect(page).toHaveURL(/\/overlay\/routing-instances\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("instance-name")).toHaveText(`${fq}:${vn}`);
}

/** runs test traffic from a port (by name) to an address; returns the result element */
async function runTraffic(page: Page, projectUuid: string, portName: string, destination: string) {
  await page.goto(`/monitor/test-traffic?project=${projectUuid}`);
  const portSelect = page.getByTestId("traffic-port");
  const option = portSelect.locator("option", { hasText: portName });
  await expect(option).toHaveCount(1);
  await portSelect.selectOption((await option.getAttribute("value")) as string);
  await page.getByTestId("traffic-destination").fill(destination);
  await page.getByTestId("traffic-protocol").selectOption("icmp");
  await page.getByTestId("traffic-run").click();
  const result = page.getByTestId("traffic-result");
  await expect(result).toBeVisible({ timeout: 15_000 });
  return result;
}

async function attachPolicy(page: Page, projectUuid: string, vnName: string, policyName: string) {
  await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
  await page.getByTestId(`row-${vnName}`).click();
  await expect(page.getByTestId("page-title")).toHaveText(vnName);
  await page.getByTestId("edit-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId(`policy-${policyName}`).check();
  await dialog.getByTestId("submit-button").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("vn-policies")).toContainText(policyName);
}

test("two networks on two compute nodes talk only once a policy passes traffic between them", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "live", { timeout: 15_000 });

  // the lab's compute nodes are Up
  await page.goto("/infrastructure/compute-nodes");
  for (const node of ["compute-1", "compute-2"]) await expect(page.getByTestId(`row-${node}`)).toContainText("Up", { timeout: 30_000 });

  const project = uniq("e2e-ctl");
  const projectUuid = await createProject(page, project);
  const fqA = `default-domain:${project}:vn-a`;
  const fqB = `default-domain:${project}:vn-b`;
  await createVirtualNetwork(page, projectUuid, "vn-a", "10.1.0.0/24");
  await createVirtualNetwork(page, projectUuid, "vn-b", "10.2.0.0/24");

  // a workload on each network, on different compute nodes
  const rowA = await launchWorkload(page, projectUuid, "wl-a", "vn-a", "compute-1");
  await expect(rowA.getByTestId("port-ips")).toHaveText("10.1.0.252");
  const rowB = await launchWorkload(page, projectUuid, "wl-b", "vn-b", "compute-2");
  await expect(rowB.getByTestId("port-ips")).toHaveText("10.2.0.252");

  // each port's address is announced by its agent and reaches the instance's RIB (live page)
  await openInstance(page, projectUuid, fqA);
  await expect(page.getByTestId("route-prefix").filter({ hasText: "10.1.0.252" })).toHaveCount(1, { timeout: 30_000 });
  await expect(page.getByTestId("route-nexthop").first()).toContainText("compute-1");
  await expect(page.getByTestId("route-prefix").filter({ hasText: "10.2.0.252" })).toHaveCount(0);
  await openInstance(page, projectUuid, fqB);
  await expect(page.getByTestId("route-prefix").filter({ hasText: "10.2.0.252" })).toHaveCount(1, { timeout: 30_000 });

  // the compute nodes host the ports
  await page.goto(`/infrastructure/compute-nodes/compute-1?tab=ports&project=${projectUuid}`);
  await expect(page.getByTestId("row-wl-a-eth0")).toBeVisible({ timeout: 15_000 });

  // without a policy: vn-a has no route to vn-b
  let result = await runTraffic(page, projectUuid, "wl-a-eth0", "10.2.0.252");
  await expect(result).not.toHaveAttribute("data-verdict", "delivered");
  await expect(page.getByTestId("traffic-reason")).toContainText(/no route/i);

  // a policy: pass, <>, any protocol, network vn-a to network vn-b
  await page.goto(`/overlay/network-policies?project=${projectUuid}`);
  await page.getByTestId("create-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-name").fill("a-b");
  await dialog.getByTestId("rule-0-action").selectOption("pass");
  await dialog.getByTestId("rule-0-protocol").selectOption("any");
  await dialog.getByTestId("rule-0-src-kind").selectOption("network");
  await dialog.getByTestId("rule-0-src").selectOption(fqA);
  await dialog.getByTestId("rule-0-direction").selectOption("<>");
  await dialog.getByTestId("rule-0-dst-kind").selectOption("network");
  await dialog.getByTestId("rule-0-dst").selectOption(fqB);
  await dialog.getByTestId("submit-button").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("row-a-b")).toBeVisible();

  // attached to both networks
  await attachPolicy(page, projectUuid, "vn-a", "a-b");
  await expect(page.getByTestId("vn-routing-instance")).toHaveText(`${fqA}:vn-a`);
  await attachPolicy(page, projectUuid, "vn-b", "a-b");

  // the instances now import each other's target: vn-b's port address is in vn-a's instance, and why
  await openInstance(page, projectUuid, fqA);
  const leaked = page.getByTestId("row-10.2.0.252/32");
  await expect(leaked).toBeVisible({ timeout: 30_000 });
  await expect(leaked).toContainText("compute-2");
  await leaked.getByTestId("row-expand").click();
  await expect(page.getByTestId("route-why")).toContainText(/imported from/);

  // test traffic again: delivered, through compute-1 then compute-2
  await expect(async () => {
    result = await runTraffic(page, projectUuid, "wl-a-eth0", "10.2.0.252");
    await expect(result).toHaveAttribute("data-verdict", "delivered", { timeout: 2_000 });
  }).toPass({ timeout: 45_000, intervals: [1_000, 2_000, 3_000] });
  await expect(page.getByTestId("traffic-verdict")).toHaveText("Delivered");
  const hops = page.getByTestId("traffic-hop");
  await expect(page.locator('[data-testid="traffic-hop"][data-node="compute-1"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="traffic-hop"][data-node="compute-2"]').first()).toBeVisible();
  const nodes = await hops.evaluateAll((els) => els.map((e) => e.getAttribute("data-node")));
  expect(nodes.indexOf("compute-1")).toBeGreaterThanOrEqual(0);
  expect(nodes.lastIndexOf("compute-2")).toBeGreaterThan(nodes.indexOf("compute-1"));
});
