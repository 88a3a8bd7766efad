// BGP routers as an admin sets them up in Contrail Command (seed 001, "BGP Router > Create"),
// against a real gobgpd playing the data-centre gateway on 127.0.9.2: the router created through
// the form (address, ASN, inet-vpn, associated peer = the control node) reaches Established on the
// list; a workload's /32 shows among the routes advertised to the gateway — and gobgpd has it, with
// the network's route target; a wrong ASN takes the session down and the console says why.
// scripts/e2e.sh runs the console's speaker on WEFT_E2E_CONTROL_ADDRESS:WEFT_E2E_BGP_PORT.
import { spawnSync } from "node:child_process";
import { expect, test, type Page } from "@playwright/test";
import { Gobgpd } from "../tests/bgp/daemons";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProject, login, uniq } from "./helpers";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
const CONTROL = process.env.WEFT_E2E_CONTROL_ADDRESS ?? "";
const BGP_PORT = Number(process.env.WEFT_E2E_BGP_PORT ?? 0);
const GATEWAY = { address: "127.0.9.2", asn: 64512, api: 50391 };
const missing = !has("gobgpd") || !has("gobgp") ? "gobgpd/gobgp not installed (scripts/ensure-bgp-daemons.sh installs them)" : !CONTROL || !BGP_PORT ? "WEFT_E2E_CONTROL_ADDRESS / WEFT_E2E_BGP_PORT not set (run through scripts/e2e.sh)" : "";

test.describe.configure({ mode: "serial", timeout: 180_000 });

type Rib = Record<string, { nlri: { prefix: string; labels?: number[] }; attrs: { type: number; nexthop?: string; value?: { type: number; subtype: number; value?: string }[] }[] }[]>;

test.describe("BGP routers against a real gobgpd", () => {
  test.skip(!!missing, missing);
  let gobgpd: Gobgpd | null = null;

  test.beforeAll(async () => {
    gobgpd = new Gobgpd({
      asn: GATEWAY.asn,
      routerId: GATEWAY.address,
      port: BGP_PORT,
      apiPort: GATEWAY.api,
      neighbors: [{ address: CONTROL, peerAs: 64512, remotePort: BGP_PORT, families: ["l3vpn-ipv4-unicast"] }],
    });
    await gobgpd.start();
  });

  test.afterAll(async () => {
    await gobgpd?.stop();
  });

  async function routerRow(page: Page, name: string) {
    await page.goto("/infrastructure/bgp-routers");
    const row = page.getByTestId(`row-${name}`);
    await expect(row).toBeVisible();
    return row;
  }

  test("a gateway created in the form peers, receives the workload's route, and a wrong ASN is explained", async ({ page }) => {
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);

    // the list shows this control node's own router, listening on the e2e address
    await page.goto("/infrastructure/bgp-routers");
    const localRow = page.locator('[data-testid^="row-"]', { has: page.getByText("local", { exact: true }) });
    await expect(localRow).toHaveCount(1);
    await expect(localRow).toContainText(CONTROL);
    await expect(localRow.getByTestId("bgp-state")).toHaveAttribute("data-state", "Listening");

    // BGP Router > Create: the gateway, associated with the control node
    const gw = uniq("gw");
    await page.getByTestId("create-button").click();
    const dialog = page.getByTestId("form-dialog");
    await expect(dialog.getByTestId("field-auth-key")).toBeDisabled();
    await expect(dialog.getByTestId("field-auth")).toBeVisible();
    await expect(dialog).toContainText("TCP MD5 is not supported");
    await dialog.getByTestId("field-name").fill(gw);
    await dialog.getByTestId("field-vendor").fill("gobgp");
    await dialog.getByTestId("field-router-type").selectOption("router");
    await dialog.getByTestId("field-address").fill(GATEWAY.address);
    await dialog.getByTestId("field-asn").fill(String(GATEWAY.asn));
    await dialog.getByTestId("field-port").fill(String(BGP_PORT));
    await dialog.getByTestId("field-hold-time").fill("30");
    await dialog.getByTestId("family-inet").uncheck();
    await dialog.getByTestId("family-inet-vpn").check();
    const controlPeer = dialog.locator('[data-router-type="control-node"] input[type="checkbox"]');
    await expect(controlPeer).toHaveCount(1);
    await controlPeer.check();
    // same ASN and a family the control node carries: nothing to warn about
    await expect(dialog.getByTestId("warning-autonomous_system")).toHaveCount(0);
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();

    // the session comes up by itself; the list shows it live
    const row = page.getByTestId(`row-${gw}`);
    await expect(row).toBeVisible();
    await expect(row.getByTestId("bgp-state")).toHaveAttribute("data-state", "Established", { timeout: 45_000 });
    await expect(row.getByTestId("bgp-state")).toHaveText("Established");
    await expect(row).toContainText("inet-vpn");
    expect(await gobgpd!.established(CONTROL)).toBeTruthy();

    // a project, a network with route target target:64512:100 and a workload on compute-1
    const project = uniq("e2e-bgp");
    const projectUuid = await createProject(page, project);
    await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-name").fill("vn-gw");
    await dialog.getByTestId("subnet-cidr-0").fill("10.77.0.0/24");
    await dialog.getByTestId("field-route-targets").fill("target:64512:100");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("row-vn-gw")).toBeVisible();

    await page.goto(`/overlay/ports?project=${projectUuid}`);
    await page.getByTestId("launch-workload").click();
    await dialog.getByTestId("field-name").fill("wl-gw");
    await dialog.getByTestId("field-network").selectOption({ label: "vn-gw" });
    await expect(dialog.getByTestId("field-compute-node").locator("option", { hasText: "compute-1" })).toHaveCount(1);
    await dialog.getByTestId("field-compute-node").selectOption("compute-1");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    const portRow = page.getByTestId("row-wl-gw-eth0");
    await expect(portRow.getByTestId("port-ips")).toHaveText(/^10\.77\.0\.\d+$/);
    const ip = (await portRow.getByTestId("port-ips").textContent())!.trim();

    // the gateway's detail page: the /32 among the routes advertised to it, with the route target
    await (await routerRow(page, gw)).getByRole("link", { name: gw }).click();
    await expect(page).toHaveURL(/\/infrastructure\/bgp-routers\/[0-9a-f-]{36}/);
    await expect(page.getByTestId("page-title")).toHaveText(gw);
    await page.getByTestId("tab-advertised").click();
    const advertised = page.getByTestId("bgp-route-prefix").filter({ hasText: `${ip}/32` });
    await expect(advertised).toHaveCount(1, { timeout: 30_000 });
    const routeRow = page.locator('[data-testid^="row-"]', { has: advertised });
    await expect(routeRow).toContainText("target:64512:100");
    await expect(routeRow).toContainText("inet-vpn");
    // searchable
    await page.getByTestId("table-filter").fill("target:64512:100");
    await expect(advertised).toHaveCount(1);
    await page.getByTestId("table-filter").fill("192.0.2.255");
    await expect(advertised).toHaveCount(0);
    await expect(page.getByTestId("row-count")).toContainText(/^0 of \d+ routes advertised/);
    await page.getByTestId("table-filter").fill("");
    await expect(advertised).toHaveCount(1);
    // … and gobgpd has it, next hop = the compute node, with the network's route target
    await expect
      .poll(async () => Object.keys(await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"])).some((k) => k.endsWith(`:${ip}/32`)), { timeout: 30_000 })
      .toBe(true);
    const rib = await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"]);
    const path = rib[Object.keys(rib).find((k) => k.endsWith(`:${ip}/32`))!][0];
    const rts = path.attrs.find((a) => a.type === 16)?.value ?? [];
    expect(rts.some((c) => c.type === 0 && c.subtype === 2 && c.value === "64512:100")).toBe(true);

    // the session card: Established, negotiated inet-vpn, gateway's router ID
    await page.getByTestId("tab-overview").click();
    await expect(page.getByTestId("kv-remote-router-id")).toContainText(GATEWAY.address);
    await expect(page.getByTestId("kv-negotiated-families")).toContainText("inet-vpn");

    // a route looping through the cluster's AS: the speaker ignores it and the page says so (issue 15)
    await expect(page.getByTestId("bgp-ignored-as-loop")).toHaveText("0");
    await gobgpd!.cli(["global", "rib", "-a", "vpnv4", "add", "10.250.0.0/24", "label", "100", "rd", "64512:250", "rt", "64512:100", "nexthop", GATEWAY.address, "aspath", "65001,64512"]);
    await expect(page.getByTestId("bgp-ignored-as-loop")).toHaveText("1", { timeout: 30_000 });
    await expect(page.getByTestId("bgp-ignored-current")).toHaveText("1");
    await expect(page.getByTestId("bgp-ignored-last")).toContainText("AS loop: our AS 64512 is in the AS_PATH");
    await expect(page.getByTestId("bgp-rfc7606-taw")).toHaveText("0");
    await gobgpd!.cli(["global", "rib", "-a", "vpnv4", "del", "10.250.0.0/24", "label", "100", "rd", "64512:250"]);
    await expect(page.getByTestId("bgp-ignored-current")).toHaveText("0", { timeout: 30_000 });

    // a wrong ASN: warned before saving, saved anyway; the session leaves Established and says why
    await page.getByTestId("edit-button").click();
    await dialog.getByTestId("field-asn").fill("65099");
    await expect(dialog.getByTestId("warning-autonomous_system")).toContainText("differs from the control node's 64512");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog.getByTestId("check-warnings")).toBeVisible();
    await expect(dialog.getByTestId("submit-button")).toHaveText("Save anyway");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("bgp-param-asn")).toHaveText("65099");

    const listRow = await routerRow(page, gw);
    await expect(listRow.getByTestId("bgp-state")).not.toHaveAttribute("data-state", "Established", { timeout: 30_000 });
    await expect(listRow.getByTestId("bgp-last-error")).toContainText("Bad Peer AS", { timeout: 30_000 });
    await expect(listRow.getByTestId("bgp-last-error")).toContainText("OPEN Message Error");
    await expect(listRow.getByTestId("bgp-asn")).toHaveText("65099");
  });
});
