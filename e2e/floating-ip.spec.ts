// Floating IPs as an admin does it (seed 001, "Create FIP Pool", "Floating IP for Pods",
// "Advertising Floating IP"): the public FIP network with its route target and the External flag
// (pool `public` appears by itself), a pool shared with the project, a floating IP associated from
// the workload port's page; the FIP shows as a /32 in the FIP network's routing instance with the
// compute node as next hop, among the routes advertised to a gateway (a real gobgpd on
// 127.0.9.4), and gobgpd has it with the network's route target and next hop = the compute node.
// The second test does the same for a Kubernetes pod applied from the console's Apply page, picks
// an allocated floating IP in the port page's dialog, and sends a packet from outside on the
// floating IP's page (both NAT translations, the answer delivered back to the gateway).
import { spawnSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { Gobgpd } from "../tests/bgp/daemons";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProject, login, uniq } from "./helpers";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
const CONTROL = process.env.WEFT_E2E_CONTROL_ADDRESS ?? "";
const BGP_PORT = Number(process.env.WEFT_E2E_BGP_PORT ?? 0);
const GATEWAY = { address: "127.0.9.4", asn: 64512, api: 50392 };
const AUTH = { Authorization: `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString("base64")}` };
/** the lab's compute-1 address: 198.18.0.1 on weft-lab0 as root, else 127.0.1.1 (server/engine/lab/lab.ts) */
let COMPUTE_1 = "";
async function compute1Address(): Promise<string> {
  const r = await fetch(`${process.env.WEFT_E2E_URL}/vnc/virtual-routers?detail=true`, { headers: AUTH });
  const list = ((await r.json()) as { "virtual-routers": { "virtual-router": { name: string; virtual_router_ip_address: string } }[] })["virtual-routers"];
  return list.find((x) => x["virtual-router"].name === "compute-1")!["virtual-router"].virtual_router_ip_address;
}
const missing = !has("gobgpd") || !has("gobgp") ? "gobgpd/gobgp not installed" : !CONTROL || !BGP_PORT ? "WEFT_E2E_CONTROL_ADDRESS / WEFT_E2E_BGP_PORT not set (run through scripts/e2e.sh)" : "";

test.describe.configure({ mode: "serial", timeout: 180_000 });

type Rib = Record<string, { nlri: { prefix: string }; attrs: { type: number; nexthop?: string; value?: { type: number; subtype: number; value?: string }[] }[] }[]>;

test.describe("floating IPs: pool, association, advertisement", () => {
  test.skip(!!missing, missing);
  let gobgpd: Gobgpd | null = null;
  /** the gateway's BGP router, created by the first test */
  let gw = "";

  test.beforeAll(async () => {
    COMPUTE_1 = await compute1Address();
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

  test("the seed's three steps, associate from the port's page, the route at the gateway", async ({ page }) => {
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    const dialog = page.getByTestId("form-dialog");

    // the gateway: a BGP router of type router, associated with the control node
    gw = uniq("fip-gw");
    await page.goto("/infrastructure/bgp-routers");
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-name").fill(gw);
    await dialog.getByTestId("field-vendor").fill("gobgp");
    await dialog.getByTestId("field-router-type").selectOption("router");
    await dialog.getByTestId("field-address").fill(GATEWAY.address);
    await dialog.getByTestId("field-asn").fill(String(GATEWAY.asn));
    await dialog.getByTestId("field-port").fill(String(BGP_PORT));
    await dialog.getByTestId("family-inet").uncheck();
    await dialog.getByTestId("family-inet-vpn").check();
    await dialog.locator('[data-router-type="control-node"] input[type="checkbox"]').check();
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId(`row-${gw}`).getByTestId("bgp-state")).toHaveAttribute("data-state", "Established", { timeout: 45_000 });

    const project = uniq("e2e-fip");
    const projectUuid = await createProject(page, project);

    // steps 1 + 2: the public FIP network, with the route target the gateway imports; External → pool `public`
    await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-name").fill("vn-ns-default");
    await dialog.getByTestId("subnet-cidr-0").fill("101.101.101.0/24");
    await dialog.getByTestId("field-route-targets").fill("target:64512:101");
    await dialog.getByTestId("field-external").check();
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("row-vn-ns-default")).toBeVisible();

    // step 3: a pool on it, shared with the project
    await page.goto(`/overlay/floating-ips?view=pools&project=${projectUuid}`);
    await expect(page.getByTestId("row-public")).toBeVisible();
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-network").selectOption({ label: "vn-ns-default (external)" });
    await dialog.getByTestId("field-name").fill("pool-ns-default");
    await expect(dialog.getByTestId("fip-warnings")).toHaveCount(0); // it has a route target
    await dialog.getByTestId(`share-${project}`).check();
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("row-pool-ns-default")).toContainText(project);

    // a workload (pod) on compute-1, in a network of its own
    await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-name").fill("pod-net");
    await dialog.getByTestId("subnet-cidr-0").fill("10.88.0.0/24");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await page.goto(`/overlay/ports?project=${projectUuid}`);
    await page.getByTestId("launch-workload").click();
    await dialog.getByTestId("field-name").fill("pod-1");
    await dialog.getByTestId("field-network").selectOption({ label: "pod-net" });
    await expect(dialog.getByTestId("field-compute-node").locator("option", { hasText: "compute-1" })).toHaveCount(1);
    await dialog.getByTestId("field-compute-node").selectOption("compute-1");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    const portRow = page.getByTestId("row-pod-1-eth0");
    await expect(portRow.getByTestId("port-ips")).toHaveText(/^10\.88\.0\.\d+$/);

    // the port's page: Associate floating IP (allocated from pool-ns-default for the project)
    await portRow.click();
    await expect(page).toHaveURL(/\/overlay\/ports\/[0-9a-f-]{36}/);
    await page.getByTestId("associate-fip").click();
    await dialog.getByTestId("field-pool").selectOption({ label: `default-domain:${project}:vn-ns-default:pool-ns-default` });
    await expect(dialog.getByTestId("field-direction")).toHaveValue("both");
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    const fipRow = page.locator('[data-testid^="port-fip-101.101.101."]');
    await expect(fipRow).toHaveCount(1);
    const fip = ((await fipRow.getAttribute("data-testid")) as string).replace("port-fip-", "");

    // the FIP network's routing instance: the /32, next hop compute-1
    await page.goto(`/overlay/routing-instances?project=${projectUuid}`);
    await page.getByTestId(`row-default-domain:${project}:vn-ns-default:vn-ns-default`).click();
    await expect(page).toHaveURL(/\/overlay\/routing-instances\/[0-9a-f-]{36}/);
    const prefix = page.getByTestId("route-prefix").filter({ hasText: `${fip}/32` });
    await expect(prefix).toHaveCount(1, { timeout: 20_000 });
    const routeRow = page.locator('[data-testid^="row-"]', { has: prefix });
    await expect(routeRow.getByTestId("route-nexthop")).toContainText(COMPUTE_1);
    await expect(routeRow.getByTestId("route-nexthop")).toContainText("compute-1");

    // the gateway's page: the FIP among the routes advertised to it, with the FIP network's RT
    await page.goto("/infrastructure/bgp-routers");
    await page.getByTestId(`row-${gw}`).getByRole("link", { name: gw }).click();
    await page.getByTestId("tab-advertised").click();
    const advertised = page.getByTestId("bgp-route-prefix").filter({ hasText: `${fip}/32` });
    await expect(advertised).toHaveCount(1, { timeout: 30_000 });
    await expect(page.locator('[data-testid^="row-"]', { has: advertised })).toContainText("target:64512:101");
    // … and gobgpd has it: next hop = the compute node, route target of the FIP network
    await expect
      .poll(async () => Object.keys(await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"])).some((k) => k.endsWith(`:${fip}/32`)), { timeout: 30_000 })
      .toBe(true);
    const rib = await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"]);
    const path = rib[Object.keys(rib).find((k) => k.endsWith(`:${fip}/32`))!][0];
    expect(path.attrs.find((a) => a.type === 14)?.nexthop).toBe(COMPUTE_1);
    expect((path.attrs.find((a) => a.type === 16)?.value ?? []).some((c) => c.type === 0 && c.subtype === 2 && c.value === "64512:101")).toBe(true);

    // disassociate from the port's page: the route goes from the gateway
    await page.goto(`/overlay/ports?project=${projectUuid}`);
    await page.getByTestId("row-pod-1-eth0").click();
    await page.getByTestId("disassociate-fip").click();
    await expect(page.locator('[data-testid^="port-fip-"]')).toHaveCount(0);
    await expect
      .poll(async () => Object.keys(await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"])).some((k) => k.endsWith(`:${fip}/32`)), { timeout: 30_000 })
      .toBe(false);

    // release: the floating IP list, delete
    await page.goto(`/overlay/floating-ips?project=${projectUuid}`);
    const listRow = page.locator('[data-testid^="row-"]', { hasText: fip });
    await expect(listRow).toHaveCount(1);
    await expect(listRow).toContainText("not associated");
  });
  // Issue 6's acceptance with a Kubernetes pod: the pod comes from a manifest applied on the Apply
  // page (its namespace is project k8s-<ns>), the seed's three FIP steps are done for that project,
  // a floating IP allocated from the pool is associated from the pod port's page (choosing the
  // allocated address), the gateway has the route, and a packet from outside reaches the pod with
  // both translations shown on the floating IP's page.
  test("a Kubernetes pod's port: apply, the three FIP steps, associate an allocated FIP, the route at the gateway, traffic from outside", async ({ page }) => {
    test.skip(!gw, "the first test creates the gateway's BGP router");
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    const dialog = page.getByTestId("form-dialog");
    const ns = uniq("e2e-kfip");
    const project = `k8s-${ns}`;

    // the pod, through Apply manifests, on compute-1
    await page.goto("/kubernetes/apply?project=all");
    await page.getByTestId("apply-manifest").fill(
      [
        "apiVersion: v1",
        "kind: Namespace",
        "metadata:",
        `  name: ${ns}`,
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        "  name: web",
        `  namespace: ${ns}`,
        "  labels: { app: web }",
        "spec:",
        "  nodeName: compute-1",
        "  containers: [{ name: web, image: nginx }]",
      ].join("\n"),
    );
    await page.getByTestId("apply-run").click();
    await expect(page.getByTestId("apply-summary")).toContainText("2 documents applied", { timeout: 40_000 });
    await expect(page.getByTestId("apply-result-1").getByTestId("kube-status")).toHaveAttribute("data-state", "ready");
    const option = page.getByTestId("project-select").locator("option", { hasText: `default-domain:${project}` });
    await expect(option).toHaveCount(1);
    const projectUuid = (await option.getAttribute("value")) as string;

    // steps 1 + 2: the public FIP network of the namespace's project, with its route target
    await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-name").fill("vn-public");
    await dialog.getByTestId("subnet-cidr-0").fill("101.101.102.0/24");
    await dialog.getByTestId("field-route-targets").fill("target:64512:102");
    await dialog.getByTestId("field-external").check();
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("row-vn-public")).toBeVisible();

    // step 3: a pool on it, shared with the namespace's project
    await page.goto(`/overlay/floating-ips?view=pools&project=${projectUuid}`);
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-network").selectOption({ label: "vn-public (external)" });
    await dialog.getByTestId("field-name").fill("pool-k8s");
    await expect(dialog.getByTestId("fip-warnings")).toHaveCount(0);
    await dialog.getByTestId(`share-${project}`).check();
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("row-pool-k8s")).toContainText(project);

    // allocate an address from the pool for the project (not associated yet)
    await page.goto(`/overlay/floating-ips?project=${projectUuid}`);
    await page.getByTestId("create-button").click();
    await dialog.getByTestId("field-pool").selectOption({ label: `default-domain:${project}:vn-public:pool-k8s` });
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    const allocated = page.locator('[data-testid^="row-"]', { hasText: "101.101.102." });
    await expect(allocated).toHaveCount(1);
    await expect(allocated).toContainText("not associated");
    // the address cell (the row's text runs into the name, a uuid that may start with digits)
    const fip = (await allocated.locator("td").allTextContents()).map((t) => t.trim()).find((t) => /^101\.101\.102\.\d+$/.test(t))!;
    expect(fip).toBeTruthy();

    // the pod's port, from the Pods list
    await page.goto(`/kubernetes/pods?project=${projectUuid}`);
    const podRow = page.getByTestId(`row-${ns}/web`);
    await expect(podRow.getByTestId("kube-status")).toHaveAttribute("data-state", "ready");
    const podIp = (await podRow.getByTestId("pod-ip").textContent()) as string;
    await expect(podRow).toContainText("compute-1");
    await podRow.getByTestId("produced-virtual-machine-interface").getByRole("link").click();
    await expect(page).toHaveURL(/\/overlay\/ports\/[0-9a-f-]{36}/);
    await expect(page.getByTestId("kube-owner")).toContainText(`Created by Kubernetes pod ${ns}/web`);

    // Associate floating IP: the address the project holds
    await page.getByTestId("associate-fip").click();
    await dialog.getByTestId("field-fip").selectOption({ label: `${fip} — vn-public:pool-k8s` });
    await expect(dialog.getByTestId("field-pool")).toHaveCount(0);
    await dialog.getByTestId("submit-button").click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId(`port-fip-${fip}`)).toBeVisible();

    // the gateway's page: the FIP among the routes advertised to it, with the network's RT
    await page.goto("/infrastructure/bgp-routers");
    await page.getByTestId(`row-${gw}`).getByRole("link", { name: gw }).click();
    await page.getByTestId("tab-advertised").click();
    const advertised = page.getByTestId("bgp-route-prefix").filter({ hasText: `${fip}/32` });
    await expect(advertised).toHaveCount(1, { timeout: 30_000 });
    await expect(page.locator('[data-testid^="row-"]', { has: advertised })).toContainText("target:64512:102");
    await expect
      .poll(async () => Object.keys(await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"])).some((k) => k.endsWith(`:${fip}/32`)), { timeout: 30_000 })
      .toBe(true);
    const rib = await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"]);
    const path = rib[Object.keys(rib).find((k) => k.endsWith(`:${fip}/32`))!][0];
    expect(path.attrs.find((a) => a.type === 14)?.nexthop).toBe(COMPUTE_1);

    // the floating IP's page: a packet from outside reaches the pod; both translations shown
    await page.goto(`/overlay/floating-ips?project=${projectUuid}`);
    await page.locator('[data-testid^="row-"]', { hasText: fip }).click();
    await expect(page).toHaveURL(/\/overlay\/floating-ips\/[0-9a-f-]{36}/);
    await expect(page.getByTestId("kv-port").first()).toContainText("web");
    // without a way back the answer is dropped ("no route to 198.51.100.7"): the gateway advertises
    // the outside network with the FIP network's route target, as a real gateway's default would
    await gobgpd!.cli("global rib -a vpnv4 add 198.51.100.0/24 label 100 rd 64512:9 rt 64512:102 nexthop 127.0.9.4".split(" "));
    await page.getByTestId("outside-source").fill("198.51.100.7");
    const result = page.getByTestId("outside-result");
    await expect(async () => {
      await page.getByTestId("outside-run").click();
      await expect(result).toHaveAttribute("data-verdict", "delivered", { timeout: 5_000 });
      await expect(result).toHaveAttribute("data-reply-verdict", "delivered", { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    const nat = page.getByTestId("outside-nat-hop");
    await expect(nat.filter({ hasText: `destination ${fip} → ${podIp}` })).toHaveCount(1);
    await expect(nat.filter({ hasText: new RegExp(`source ${podIp.replace(/\./g, "\\.")} → ${fip.replace(/\./g, "\\.")}`) })).toHaveCount(1);

    await gobgpd!.cli("global rib -a vpnv4 del 198.51.100.0/24 label 100 rd 64512:9".split(" "));

    // delete the pod from its page: its port goes, the FIP stays allocated but is no longer advertised
    await page.goto(`/kubernetes/pods/${ns}/web?project=${projectUuid}`);
    await page.getByTestId("delete-button").click();
    await page.getByTestId("confirm-button").click();
    await expect(page).toHaveURL(/\/kubernetes\/pods/);
    await expect(page.getByTestId(`row-${ns}/web`)).toHaveCount(0);
    await expect
      .poll(async () => Object.keys(await gobgpd!.json<Rib>(["global", "rib", "-a", "vpnv4"])).some((k) => k.endsWith(`:${fip}/32`)), { timeout: 30_000 })
      .toBe(false);
  });
});
