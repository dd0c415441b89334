import { test, expect } from "@playwright/test";
import { hydrated, logIn, PASSWORD, signUpAndConfirm, totp } from "./helpers";

test("a sign-in from a second browser shows in Security activity, in English and in 简体中文", async ({
  page,
  browser,
}) => {
  const name = await signUpAndConfirm(page, "sec");
  const other = await browser.newContext();
  const second = await other.newPage();
  await logIn(second, name);
  await other.close();

  await page.goto("/account#security-h");
  await hydrated(page);
  const card = page.locator("section[aria-labelledby=security-h]");
  await expect(card.getByRole("heading", { name: "Security activity" })).toBeVisible();
  await expect(card.getByRole("heading", { name: "Security notices" })).toBeVisible();
  await expect(card.locator("table tbody tr")).toHaveCount(1);
  await expect(card.locator("table tbody tr").first()).toContainText("New sign-in to your account");
  await expect(card.locator("table tbody tr").first()).toContainText("/24");

  // The same notice and row, worded in Chinese once the page is.
  await page.goto("/account");
  await hydrated(page);
  await page.locator("#field-lang").selectOption("zh-Hans");
  await page.locator("section[aria-labelledby=language-h]").getByRole("button").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  await hydrated(page);
  const zh = page.locator("section[aria-labelledby=security-h]");
  await expect(zh.getByRole("heading", { name: "安全记录" })).toBeVisible();
  await expect(zh.locator("table tbody tr").first()).toContainText("你的账户有新的登录");
  await expect(zh).not.toContainText("New sign-in");
  // Marked read, the notice goes; the activity stays.
  await zh.getByRole("button", { name: "全部标为已读" }).click();
  await expect(zh.getByRole("heading", { name: "安全通知" })).toHaveCount(0);
  await expect(zh.locator("table tbody tr")).toHaveCount(1);
  await page.locator("#field-lang").selectOption("en");
  await page.locator("section[aria-labelledby=language-h]").getByRole("button").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test("signing in to a closed account says it was reopened, and one button closes it again", async ({ page }) => {
  const name = await signUpAndConfirm(page, "reo");
  const close = page.locator("section[aria-labelledby=close-h]");
  await close.getByLabel("Current password").fill(PASSWORD);
  await close.getByLabel("Your username").fill(name);
  await close.getByRole("button", { name: "Close my account" }).click();
  await expect(page).toHaveURL(/\/login\?closed=1/);

  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username or email").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/account\?reopened=1/);
  await expect(page.getByRole("heading", { name: "Your account was reopened" })).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Close it again" }).click();
  await expect(page).toHaveURL(/\/login\?closed=1/);
  await expect(page.getByText("Your account is closed")).toBeVisible();
});


test("two-step verification: set up from the QR code's key, then signing in asks for a code", async ({ page }) => {
  const name = await signUpAndConfirm(page, "tsv");
  const card = page.locator("section[aria-labelledby=two-step-h]");
  await hydrated(page);
  await card.getByRole("button", { name: "Set up two-step verification" }).click();
  await expect(card.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await expect(card.locator(".qr svg")).toHaveCount(1);
  const key = (await card.locator(".secret-key").textContent())!.trim();
  const at = Date.now() / 1000;
  await card.getByRole("textbox", { name: "Code" }).fill(totp(key, at));
  await card.getByRole("button", { name: "Turn on" }).click();
  await expect(card.getByRole("heading", { name: "Your recovery codes" })).toBeVisible();
  await expect(card.locator(".code-list li")).toHaveCount(10);
  await expect(card.getByText("On. 10 recovery codes left.")).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username or email").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login\/code/);
  await expect(page.getByRole("heading", { name: "Enter your code" })).toBeVisible();
  await hydrated(page);
  // The code that turned it on was used; the next step's code signs in.
  await page.getByLabel("Code").fill(totp(key, at));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-code-error")).toContainText("already used");
  await page.getByLabel("Code").fill(totp(key, at + 30));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
});
