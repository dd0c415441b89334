import { test, expect } from "@playwright/test";
import { hydrated } from "./helpers";

// scripts/test starts a real OpenID provider (server/tests/oidc/provider.mjs) beside the
// server and configures it as "Test ID"; the provider signs in its default account, alice,
// without a login page.

test("signing up and in with another service, then seeing it in Settings", async ({ page }) => {
  await page.goto("/signup");
  await hydrated(page);
  let started = Date.now();
  await page.getByRole("link", { name: "Continue with Test ID" }).click();
  await expect(page).toHaveURL(/\/signup\/provider$/);
  await expect(page.getByRole("heading", { name: "Finish signing up" })).toBeVisible();
  await expect(page.getByText("Test ID confirmed your email address, alice@example.test.")).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Username").fill("alice-e2e");
  await page.getByLabel("I am 13 years old or older.").check();
  await page.getByLabel(/I have read and accept/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Hello, alice-e2e" })).toBeVisible();
  console.log(`provider sign-up: ${Date.now() - started} ms from the button to the account page`);

  const card = page.locator("section[aria-labelledby=sign-in-h]");
  await expect(card.getByRole("heading", { name: "Sign-in services" })).toBeVisible();
  await expect(card.getByText("Test ID")).toBeVisible();
  // Its only way in: no Remove button, and a way to set a password.
  await expect(card.getByRole("button", { name: /Remove/ })).toHaveCount(0);
  await expect(card.getByRole("button", { name: "Email me a link to set a password" })).toBeVisible();

  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).not.toHaveURL(/\/account/);
  await page.goto("/login");
  await hydrated(page);
  started = Date.now();
  await page.getByRole("link", { name: "Continue with Test ID" }).click();
  await expect(page.getByRole("heading", { name: "Hello, alice-e2e" })).toBeVisible();
  console.log(`provider sign-in: ${Date.now() - started} ms from the button to the account page`);
});

test("a sign-in that was not started in this browser says so, and nothing happens", async ({ page }) => {
  await page.goto("/api/auth/callback?code=forged&state=forged");
  await expect(page).toHaveURL(/\/login\?provider_error=expired/);
  await expect(page.getByRole("alert")).toContainText("took too long or was already used");
});
