// Monitor › Overview as an operator opens it every morning: the landing page after sign-in, its
// health tiles, traffic and recent changes; a compute node's agent stopped from its page raises a
// NodeStatus alarm (also in Contrail's GET /analytics/alarms), which is acknowledged and clears
// when the agent returns. And the feedback around writes: a toast with a link after create and
// delete, a Delete the controller would refuse disabled with the reason, the confirm before
// stopping the lab's shared traffic generator.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProject, createVirtualNetwork, login, uniq } from "./helpers";

test.describe.configure({ timeout: 150_000 });

async function shot(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
}

const basic = "Basic " + Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString("base64");

async function setAgent(page: Page, node: string, running: boolean) {
  await page.goto(`/infrastructure/compute-nodes/${node}`);
  if (running) {
    const start = page.getByTestId("start-agent");
    const stop = page.getByTestId("stop-agent");
    await expect(start.or(stop)).toBeVisible();
    if (await start.isVisible()) await start.click();
    await expect(stop).toBeVisible();
    return;
  }
  await page.getByTestId("stop-agent").click();
  const dialog = page.getByTestId("confirm-dialog");
  await expect(dialog).toContainText(`Stop the agent of ${node}?`);
  await dialog.getByTestId("confirm-button").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("toast").filter({ hasText: `Stopped the agent of ${node}` })).toBeVisible();
  await expect(page.getByTestId("start-agent")).toBeVisible();
}

test("the overview lands after sign-in; stopping a compute node's agent raises NodeStatus, which clears when it returns", async ({ page, request }, testInfo) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page.getByTestId("page-title")).toHaveText("Overview");
  for (const t of ["tile-control-nodes", "tile-compute-nodes", "tile-bgp", "tile-agents"]) await expect(page.getByTestId(t)).toBeVisible();
  await expect(page.getByTestId("traffic-now")).toBeVisible();
  await expect(page.getByTestId("sparkline-flows")).toBeVisible();
  await expect(page.getByTestId("recent-changes")).toBeVisible();
  // every lab node up
  await expect(page.getByTestId("tile-compute-nodes-count")).toHaveText("2 / 2", { timeout: 30_000 });
  await expect(page.getByTestId("tile-compute-nodes")).toHaveAttribute("href", /\/infrastructure\/compute-nodes/);
  await shot(page, testInfo, "overview-healthy");

  // newest first: the alarm of this stop (an earlier one may be listed as cleared below it)
  const alarm = page.getByTestId("alarm-NodeStatus-compute-2").first();
  try {
    await setAgent(page, "compute-2", false);
    await page.goto("/monitor/overview");
    await expect(alarm).toHaveAttribute("data-state", "raised", { timeout: 30_000 });
    await expect(alarm).toContainText("Critical");
    await expect(alarm).toContainText("compute node compute-2: its agent is disconnected");
    await expect(page.getByTestId("tile-compute-nodes-count")).toHaveText("1 / 2");
    await expect(page.getByTestId("tile-compute-nodes")).toHaveAttribute("data-tone", "danger");
    await shot(page, testInfo, "overview-node-down-alarm");

    // the same alarm through Contrail's analytics API
    const res = await request.get("/analytics/alarms", { headers: { authorization: basic } });
    expect(res.status()).toBe(200);
    const body = (await res.json()) as Record<string, { name: string; value: { UVEAlarms: { alarms: { type: string; ack: boolean; token: string }[] } } }[]>;
    const row = body.vrouter?.find((r) => r.name === "compute-2");
    expect(row?.value.UVEAlarms.alarms.find((a) => a.type === "NodeStatus")).toMatchObject({ ack: false });

    // acknowledged from the table; still listed, with its new state
    await alarm.getByTestId("alarm-ack").click();
    await expect(alarm).toHaveAttribute("data-state", "acknowledged");
    await expect(page.getByTestId("toast").filter({ hasText: "Acknowledged NodeStatus on compute-2" })).toBeVisible();
    const acked = await request.get("/analytics/alarms?ackFilt=true", { headers: { authorization: basic } });
    expect(JSON.stringify(await acked.json())).toContain('"NodeStatus"');
  } finally {
    await setAgent(page, "compute-2", true);
  }
  await page.goto("/monitor/overview");
  await expect(alarm).toHaveAttribute("data-state", "cleared", { timeout: 45_000 });
  await expect(page.getByTestId("tile-compute-nodes-count")).toHaveText("2 / 2");
  await shot(page, testInfo, "overview-alarm-cleared");
  const after = await request.get("/analytics/alarms", { headers: { authorization: basic } });
  expect(JSON.stringify(await after.json())).not.toContain('"name":"compute-2"');
});

test("writes say so: a toast with a link after create and delete; a refused Delete is disabled with its reason; stopping the traffic generator asks first", async ({ page }, testInfo) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const project = uniq("e2e-toast");
  const projectUuid = await createProject(page, project);
  await expect(page.getByTestId("toast").filter({ hasText: `Created project ${project}` })).toBeVisible();
  await createVirtualNetwork(page, projectUuid, "vn-toast", "10.61.0.0/24");
  const created = page.getByTestId("toast").filter({ hasText: "Created virtual network vn-toast" });
  await expect(created).toBeVisible();
  await shot(page, testInfo, "toast-created");
  await created.getByTestId("toast-link").click();
  await expect(page).toHaveURL(/\/overlay\/virtual-networks\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("page-title")).toHaveText("vn-toast");
  const vnUrl = page.url();

  // the project still holds the network: its Delete is disabled and says why
  await page.goto(`/infrastructure/projects/${projectUuid}?project=${projectUuid}`);
  await expect(page.getByTestId("delete-button")).toBeDisabled();
  await expect(page.getByTestId("delete-disabled-reason")).toHaveAttribute("title", new RegExp(`virtual-network default-domain:${project}:vn-toast`));

  // the network goes, with a toast
  await page.goto(vnUrl);
  await page.getByTestId("delete-button").click();
  await page.getByTestId("confirm-dialog").getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast").filter({ hasText: "Deleted virtual network vn-toast" })).toBeVisible();
  await expect(page).toHaveURL(/\/overlay\/virtual-networks(\?|$)/);
  // …and now the project may go
  await page.goto(`/infrastructure/projects/${projectUuid}?project=${projectUuid}`);
  await expect(page.getByTestId("delete-button")).toBeEnabled();

  // the lab's traffic generator is shared: stopping it asks, Cancel keeps it running
  await page.goto("/monitor/flows");
  const toggle = page.getByTestId("traffic-toggle").filter({ visible: true });
  await expect(toggle).toBeVisible();
  try {
    if (!/Traffic \d/.test((await toggle.textContent()) ?? "")) await toggle.click();
    await expect(toggle).toHaveText(/Traffic \d/);
    await toggle.click();
    const dialog = page.getByTestId("confirm-dialog");
    await expect(dialog).toContainText("Stop the lab's traffic generator?");
    await shot(page, testInfo, "confirm-stop-traffic");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(toggle).toHaveText(/Traffic \d/);
    await toggle.click();
    await dialog.getByTestId("confirm-button").click();
    await expect(toggle).toHaveText(/Start traffic/);
    await expect(page.getByTestId("toast").filter({ hasText: "Stopped the lab's traffic generator" })).toBeVisible();
  } finally {
    if (/Traffic \d/.test((await toggle.textContent()) ?? "")) {
      await toggle.click();
      await page.getByTestId("confirm-dialog").getByTestId("confirm-button").click();
    }
  }
});

test("polish: a Weft 404 and favicon, Escape closes the user menu, a collapsible sidebar and a list that fits 1,024 px", async ({ page, request }, testInfo) => {
  const icon = await request.get("/favicon.svg");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("svg");
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const missing = await page.goto("/no/such/page");
  expect(missing?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toContainText("This page does not exist");
  await page.getByTestId("not-found").getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(/\/monitor\/overview/);

  // Escape closes the user menu
  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("sign-out")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("sign-out")).toBeHidden();

  // 1,024 px: the sidebar starts collapsed to its icons, the list fits without a page-wide scroll
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.evaluate(() => localStorage.removeItem("weft.nav"));
  await page.goto("/overlay/virtual-networks?project=all");
  await expect(page.getByTestId("side-nav")).toHaveAttribute("data-collapsed", "true");
  await expect(page.getByTestId("row-count")).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  await testInfo.attach("list-1024px-collapsed", { body: await page.screenshot(), contentType: "image/png" });
  await page.getByTestId("nav-toggle").click();
  await expect(page.getByTestId("side-nav")).toHaveAttribute("data-collapsed", "false");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  await page.getByTestId("nav-toggle").click();
  await expect(page.getByTestId("side-nav")).toHaveAttribute("data-collapsed", "true");
});
