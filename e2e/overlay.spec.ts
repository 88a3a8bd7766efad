// (a) an admin builds a project, a network with a subnet and a port on it, and sees the port's
// allocated address; (d) a CIDR with host bits set is refused at the field, in words.
import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProject, createVirtualNetwork, login, uniq } from "./helpers";

test("admin creates a project, a network and a port, and sees the allocated address", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const project = uniq("e2e-proj");
  const projectUuid = await createProject(page, project);

  await createVirtualNetwork(page, projectUuid, "vn-e2e", "10.10.0.0/24");
  const vnRow = page.getByTestId("row-vn-e2e");
  await expect(vnRow).toContainText("10.10.0.0/24");
  await expect(vnRow).toContainText(project);

  // the port: the network is the only one in the project, the default security group is preselected
  await page.goto(`/overlay/ports?project=${projectUuid}`);
  await page.getByTestId("create-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-name").fill("port-e2e");
  await expect(dialog.getByTestId("field-network")).toHaveValue(/.+/);
  await expect(dialog.getByTestId("sg-default")).toBeChecked();
  await dialog.getByTestId("submit-button").click();
  await expect(dialog).toBeHidden();

  // Contrail allocates from the end of the subnet: .254 gateway, .253 DNS, first port .252
  const portRow = page.getByTestId("row-port-e2e");
  await expect(portRow).toBeVisible();
  await expect(portRow.getByTestId("port-ips")).toHaveText("10.10.0.252");
  await expect(portRow).toContainText("vn-e2e");
  await expect(portRow).toContainText("default");

  // the detail page shows the same address and the network as a link
  await portRow.click();
  await expect(page).toHaveURL(/\/overlay\/ports\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("page-title")).toHaveText("port-e2e");
  await expect(page.getByTestId("port-addresses")).toContainText("10.10.0.252");
  await page.getByTestId("tab-json").click();
  await expect(page.getByTestId("object-json")).toContainText('"virtual_network_refs"');
});

test("a subnet with host bits set is refused at the field", async ({ page }) => {
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto("/overlay/virtual-networks");
  await page.getByTestId("create-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-name").fill(uniq("vn-bad"));
  await dialog.getByTestId("subnet-cidr-0").fill("10.0.0.1/24");
  await dialog.getByTestId("submit-button").click();
  const error = dialog.getByTestId("error-subnet-cidr-0");
  await expect(error).toBeVisible();
  await expect(error).toContainText("host bits");
  await expect(error).toContainText("10.0.0.0/24");
  // nothing was sent: the dialog is still open
  await expect(dialog).toBeVisible();
});
