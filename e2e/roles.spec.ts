// (b) a viewer sees the lists but no write controls, and the REST API refuses their writes;
// (c) the audit log shows the admin's network creation.
import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProject, createVirtualNetwork, login, logout, uniq } from "./helpers";

test("a viewer reads but cannot write, in the console or through the REST API", async ({ page, request }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const project = uniq("e2e-view");
  const projectUuid = await createProject(page, project);
  await createVirtualNetwork(page, projectUuid, "vn-seen", "10.20.0.0/24");

  // the admin creates a viewer through the Users page
  const viewerEmail = `${uniq("viewer")}@e2e.weft`;
  const viewerPassword = "viewer-password-1";
  await page.goto("/admin/users");
  await page.getByTestId("create-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-email").fill(viewerEmail);
  await dialog.getByTestId("field-name").fill("E2E Viewer");
  await dialog.getByTestId("field-password").fill(viewerPassword);
  await dialog.getByTestId("field-role").selectOption("viewer");
  await dialog.getByTestId("submit-button").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId(`row-${viewerEmail}`)).toContainText("viewer");
  await logout(page);

  // the viewer sees the network list, without create / delete controls
  await login(page, viewerEmail, viewerPassword);
  await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
  await expect(page.getByTestId("row-vn-seen")).toBeVisible();
  await expect(page.getByTestId("create-button")).toHaveCount(0);
  await expect(page.getByTestId("select-all")).toHaveCount(0);
  await expect(page.getByTestId("delete-selected")).toHaveCount(0);
  await page.getByTestId("row-vn-seen").click();
  await expect(page.getByTestId("page-title")).toHaveText("vn-seen");
  await expect(page.getByTestId("edit-button")).toHaveCount(0);
  await expect(page.getByTestId("delete-button")).toHaveCount(0);

  // a write through the REST API with the viewer's credentials is refused
  const basic = "Basic " + Buffer.from(`${viewerEmail}:${viewerPassword}`).toString("base64");
  const res = await request.post("/vnc/virtual-networks", {
    headers: { authorization: basic, "content-type": "application/json" },
    data: { "virtual-network": { fq_name: ["default-domain", project, "x"], parent_type: "project" } },
  });
  expect(res.status()).toBe(403);

  // …and the network does not exist afterwards
  const list = await request.get(`/vnc/virtual-networks?detail=true&parent_id=${projectUuid}`, { headers: { authorization: basic } });
  expect(list.ok()).toBeTruthy();
  expect(JSON.stringify(await list.json())).not.toContain(`"${project}","x"`);
  const lookup = await request.post("/vnc/fqname-to-id", {
    headers: { authorization: basic, "content-type": "application/json" },
    data: { type: "virtual-network", fq_name: ["default-domain", project, "x"] },
  });
  expect(lookup.status()).toBe(404);

  // Kubernetes › Apply manifests: the viewer sees the page with its controls disabled, and the
  // REST apply refuses them
  await page.goto("/kubernetes/apply?project=all");
  await expect(page.getByTestId("page-title")).toHaveText("Apply manifests");
  await expect(page.getByTestId("apply-manifest")).toBeDisabled();
  await expect(page.getByTestId("apply-run")).toBeDisabled();
  await expect(page.getByTestId("apply-delete")).toBeDisabled();
  await expect(page.getByText("Your role is viewer")).toBeVisible();
  const kube = await request.post("/api/v1/kube/apply", {
    headers: { authorization: basic, "content-type": "application/yaml" },
    data: "apiVersion: v1\nkind: Namespace\nmetadata: { name: viewer-ns }\n",
  });
  expect(kube.status()).toBe(403);
});

test("the audit log shows the admin's network creation", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const project = uniq("e2e-audit");
  const projectUuid = await createProject(page, project);
  const vn = uniq("vn-audited");
  await createVirtualNetwork(page, projectUuid, vn, "10.30.0.0/24");

  await page.goto(`/admin/audit?type=virtual-network&actor=${encodeURIComponent(ADMIN_EMAIL)}`);
  const table = page.getByTestId("data-table");
  const row = table.locator("tr", { hasText: `default-domain:${project}:${vn}` });
  await expect(row).toBeVisible();
  await expect(row).toContainText(ADMIN_EMAIL);
  await expect(row).toContainText("Create");

  // the row expands to the field diff
  await row.getByTestId("row-expand").click();
  await expect(table.getByTestId("diff-table").first()).toContainText("10.30.0.0");
});
