// Shared steps of the console e2e tests: signing in, picking a project, creating objects through the UI.
import { expect, type Page } from "@playwright/test";

export const ADMIN_EMAIL = process.env.WEFT_E2E_ADMIN_EMAIL ?? "admin@e2e.weft";
export const ADMIN_PASSWORD = process.env.WEFT_E2E_ADMIN_PASSWORD ?? "e2e-admin-password";

/** unique per run, so tests can run against a server that already has data */
export const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

export async function login(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  // the landing page is Monitor › Overview
  await expect(page).toHaveURL(/\/monitor\/overview/);
  await expect(page.getByTestId("user-menu")).toContainText(email);
}

export async function logout(page: Page) {
  await page.getByTestId("user-menu").click();
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/login/);
}

export async function createProject(page: Page, name: string): Promise<string> {
  await page.goto("/infrastructure/projects");
  await page.getByTestId("create-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-name").fill(name);
  await dialog.getByTestId("submit-button").click();
  await expect(page.getByTestId(`row-${name}`)).toBeVisible();
  // the project's uuid, from the project selector's option
  const option = page.getByTestId("project-select").locator("option", { hasText: `default-domain:${name}` });
  await expect(option).toHaveCount(1);
  return (await option.getAttribute("value")) as string;
}

export async function selectProject(page: Page, projectUuid: string) {
  await page.getByTestId("project-select").selectOption(projectUuid);
  await expect(page).toHaveURL(new RegExp(`project=${projectUuid}`));
}

export async function createVirtualNetwork(page: Page, projectUuid: string, name: string, cidr: string) {
  await page.goto(`/overlay/virtual-networks?project=${projectUuid}`);
  await page.getByTestId("create-button").click();
  const dialog = page.getByTestId("form-dialog");
  await dialog.getByTestId("field-name").fill(name);
  await dialog.getByTestId("subnet-cidr-0").fill(cidr);
  await dialog.getByTestId("submit-button").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId(`row-${name}`)).toBeVisible();
}
