// The console's Kubernetes area as an admin uses it: Apply manifests refuses a manifest with an
// invalid document (the error names the line and the field, and nothing is applied), then applies
// a namespace + deployment + service and answers per document; Pods and Services show them ready
// with their addresses; the top bar's project k8s-<ns> filters by namespace; a pod's port links
// to the port's page, which says which pod created it; the same manifest uploaded as two files and
// deleted removes them again.
import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, uniq } from "./helpers";

test.describe.configure({ mode: "serial", timeout: 120_000 });

const IP = /^\d+\.\d+\.\d+\.\d+$/;

test("apply manifests, see pods and services ready, click through to the produced port", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const ns = uniq("e2e-kube");

  // the Kubernetes area in the left rail
  await page.getByTestId("nav-apply").click();
  await expect(page).toHaveURL(/\/kubernetes\/apply/);
  await expect(page.getByTestId("page-title")).toHaveText("Apply manifests");

  // an invalid document (a port out of range on line 16): nothing is applied
  const invalid = [
    "apiVersion: v1",
    "kind: Namespace",
    "metadata:",
    `  name: ${ns}`,
    "---",
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: web",
    `  namespace: ${ns}`,
    "spec:",
    "  selector:",
    "    app: web",
    "  ports:",
    "  - protocol: TCP",
    "    port: 70000",
  ].join("\n");
  await page.getByTestId("apply-manifest").fill(invalid);
  await page.getByTestId("apply-run").click();
  const results = page.getByTestId("apply-results");
  await expect(results).toHaveAttribute("data-ok", "false");
  await expect(page.getByTestId("apply-summary")).toContainText("nothing was applied");
  await expect(page.getByTestId("apply-result-0")).toHaveAttribute("data-action", "not applied");
  await expect(page.getByTestId("apply-result-1")).toHaveAttribute("data-action", "invalid");
  const err = page.getByTestId("apply-result-1").getByTestId("apply-error");
  await expect(err).toContainText("line 16");
  await expect(err).toContainText("spec.ports.0.port");
  await expect(err).toContainText("1–65535");
  // the namespace of the first (valid) document was not created
  await page.goto("/kubernetes/namespaces?project=all");
  await expect(page.getByTestId("page-title")).toHaveText("Namespaces");
  await expect(page.getByTestId(`row-${ns}`)).toHaveCount(0);

  // a valid manifest: namespace + deployment (2 replicas) + service
  await page.getByTestId("nav-apply").click();
  const valid = [
    "apiVersion: v1",
    "kind: Namespace",
    "metadata:",
    `  name: ${ns}`,
    "---",
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: web",
    `  namespace: ${ns}`,
    "spec:",
    "  replicas: 2",
    "  selector:",
    "    matchLabels: { app: web }",
    "  template:",
    "    metadata:",
    "      labels: { app: web }",
    "    spec:",
    "      containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }]",
    "---",
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: web",
    `  namespace: ${ns}`,
    "spec:",
    "  selector: { app: web }",
    "  ports: [{ protocol: TCP, port: 80 }]",
  ].join("\n");
  await page.getByTestId("apply-manifest").fill(valid);
  // dry run first: valid, nothing applied
  await page.getByTestId("apply-dry-run").click();
  await expect(results).toHaveAttribute("data-ok", "true");
  await expect(page.getByTestId("apply-summary")).toContainText("dry run");
  await expect(page.getByTestId("apply-result-2")).toHaveAttribute("data-action", "valid");
  await page.getByTestId("apply-run").click();
  await expect(page.getByTestId("apply-summary")).toContainText("3 documents applied", { timeout: 40_000 });
  for (const i of [0, 1, 2]) await expect(page.getByTestId(`apply-result-${i}`)).toHaveAttribute("data-action", "created");
  await expect(page.getByTestId("apply-result-0").getByTestId("kube-status")).toHaveAttribute("data-state", "ready");
  // the namespace produced its project; the service its VIP floating IP
  await expect(page.getByTestId("apply-result-0").getByTestId("produced-project")).toContainText(`k8s-${ns}`);
  await expect(page.getByTestId("apply-result-2").getByTestId("kube-status")).toHaveAttribute("data-state", "ready");
  await expect(page.getByTestId("apply-result-2").getByTestId("produced-floating-ip")).toHaveCount(1);

  // Pods: both replicas ready, with addresses, nodes and their ports
  await page.getByTestId("nav-pods").click();
  await expect(page).toHaveURL(/\/kubernetes\/pods/);
  const pods = page.locator(`[data-testid^="row-${ns}/web-"]`);
  await expect(pods).toHaveCount(2, { timeout: 20_000 });
  for (const row of await pods.all()) {
    await expect(row.getByTestId("kube-status")).toHaveAttribute("data-state", "ready", { timeout: 20_000 });
    await expect(row.getByTestId("pod-ip")).toHaveText(IP);
    await expect(row).toContainText(/compute-\d/);
    await expect(row.getByTestId("produced-virtual-machine-interface")).toHaveCount(1);
  }
  const podIps = (await pods.getByTestId("pod-ip").allTextContents()).sort();

  // Services: ready, a cluster IP, two endpoints
  await page.getByTestId("nav-services").click();
  const svc = page.getByTestId(`row-${ns}/web`);
  await expect(svc.getByTestId("kube-status")).toHaveAttribute("data-state", "ready");
  await expect(svc.getByTestId("cluster-ip")).toHaveText(IP);
  await expect(svc.getByTestId("endpoints")).toHaveText("2");
  // its page: the endpoints are the two pods
  await svc.locator("td").nth(1).click();
  await expect(page).toHaveURL(new RegExp(`/kubernetes/services/${ns}/web`));
  for (const ip of podIps) await expect(page.getByTestId("service-endpoints")).toContainText(ip);
  await page.getByTestId("tab-yaml").click();
  await expect(page.getByTestId("object-yaml")).toContainText("kind: Service");

  // the project selector: project k8s-<ns> stands for namespace <ns>
  const option = page.getByTestId("project-select").locator("option", { hasText: `default-domain:k8s-${ns}` });
  await expect(option).toHaveCount(1);
  const projectUuid = (await option.getAttribute("value")) as string;
  await page.goto(`/kubernetes/pods?project=${projectUuid}`);
  await expect(page.getByText(`namespace ${ns}`, { exact: true })).toBeVisible();
  await expect(page.getByTestId("data-table").locator('[data-testid^="row-"]')).toHaveCount(2);
  await page.goto(`/kubernetes/namespaces?project=${projectUuid}`);
  await expect(page.getByTestId(`row-${ns}`)).toBeVisible();
  await expect(page.getByTestId("data-table").locator('[data-testid^="row-"]')).toHaveCount(1);

  // a pod's page, then its port: the port's page says which pod created it
  await page.goto(`/kubernetes/pods?project=${projectUuid}`);
  const first = page.locator(`[data-testid^="row-${ns}/web-"]`).first();
  const podName = ((await first.getAttribute("data-testid")) as string).replace(`row-${ns}/`, "");
  const podIp = (await first.getByTestId("pod-ip").textContent()) as string;
  await first.locator("td").nth(1).click(); // the name cell (other cells hold links)
  await expect(page).toHaveURL(new RegExp(`/kubernetes/pods/${ns}/${podName}`));
  await expect(page.getByTestId("kube-status-card")).toHaveAttribute("data-state", "ready");
  await expect(page.getByTestId("kube-labels")).toContainText("app");
  await page.getByTestId("produced-row-virtual-machine-interface").getByRole("link").click();
  await expect(page).toHaveURL(/\/overlay\/ports\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("kube-owner")).toContainText(`Created by Kubernetes pod ${ns}/${podName}`);
  await expect(page.getByTestId("port-addresses")).toContainText(podIp);

  // delete the manifest from the Apply page, uploaded as two files: everything goes
  await page.goto("/kubernetes/apply?project=all");
  const [nsDoc, ...rest] = valid.split("\n---\n");
  await page.getByTestId("apply-file").setInputFiles([
    { name: "namespace.yaml", mimeType: "text/yaml", buffer: Buffer.from(nsDoc) },
    { name: "web.yaml", mimeType: "text/yaml", buffer: Buffer.from(rest.join("\n---\n")) },
  ]);
  await expect(page.getByTestId("apply-files")).toHaveText("namespace.yaml, web.yaml");
  await expect(page.getByTestId("apply-manifest")).toHaveValue(valid);
  await page.getByTestId("apply-delete").click();
  await expect(page.getByTestId("apply-summary")).toContainText("3 deleted", { timeout: 40_000 });
  await page.goto("/kubernetes/pods?project=all");
  await expect(page.locator(`[data-testid^="row-${ns}/"]`)).toHaveCount(0, { timeout: 20_000 });
});
