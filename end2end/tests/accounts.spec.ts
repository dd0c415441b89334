import { test, expect } from "@playwright/test";
import { hydrated, linkFromOutbox } from "./helpers";

test("sign up, confirm from the emailed link, log out, log in, reset the password", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  const name = `e2e${Date.now().toString(36)}`;
  const email = `${name}@example.com`;
  const password = "plum orchard at dusk";

  // Sign up.
  const started = Date.now() - 1000;
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("password1");
  await page.getByRole("button", { name: "Create account" }).click();
  // Field errors show in place: common password, missing age and consent.
  await expect(page.locator("#field-password-error")).toContainText("common");
  await expect(page.locator("#field-age-error")).toContainText("13");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("I am 13 years old or older.").check();
  await page.getByLabel(/I have read and accept/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  // Confirm from the link in the outbox: the page has a button; the link alone changes nothing.
  const verify = await linkFromOutbox(email, "/verify-email", started);
  await page.goto(verify);
  await hydrated(page);
  // The link proves the address; the password proves the account (see the takeover test).
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
  await expect(page.getByText("Your email address is confirmed.")).toBeVisible();
  await expect(page.locator(".account-link")).toContainText(name);

  // Log out, then in again.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(".account-link")).toContainText("Log in");
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username or email").fill(email);
  await page.getByLabel("Password").fill("not my password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toBeVisible();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);

  // Forgot password → link → new password → log in with it.
  const asked = Date.now() - 1000;
  await page.goto("/forgot-password");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const reset = await linkFromOutbox(email, "/reset-password", asked);
  await page.goto(reset);
  await hydrated(page);
  await page.getByLabel("New password").fill("a brand new secret");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByText("Your password has been changed.")).toBeVisible();
  await page.getByLabel("Username or email").fill(name);
  await page.getByLabel("Password").fill("a brand new secret");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();

  expect(problems, problems.join("\n")).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login form posts as plain HTML and shows the error from the server", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Username or email").fill("nobody-here");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toBeVisible();
  });
});
