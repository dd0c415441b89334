import { expect, test } from "@playwright/test";
import { cataloguePath, englishTexts, expectNoEnglish, hydrated, logIn, signUpAndConfirm } from "./helpers";

test("switching to 简体中文 translates every main page, and sticks across reload and login", async ({ page, browser }) => {
  test.setTimeout(120_000);
  expect(cataloguePath, "E2E_CATALOGUE_EN must name the English catalogue").not.toBe("");
  const english = englishTexts();
  expect(english.size).toBeGreaterThan(300);

  const name = await signUpAndConfirm(page, "mei");
  await page.goto("/");
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: /简体中文/ }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  await expect(page.getByRole("navigation", { name: "主导航" })).toBeVisible();

  // The user's own name and address, and the sign-in provider's configured name (a proper
  // name, shown as configured in every language).
  const allowed = [name, `${name}@example.com`, "Test ID"];
  for (const path of ["/", "/timer", "/diary", "/diary/stats", "/diary/history", "/diary/year", "/letters", "/wall", "/account", "/privacy", "/plus"]) {
    await expectNoEnglish(page, path, english, allowed);
  }

  // A reload keeps it.
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");

  // Another browser, asking for English: after logging in, the account's language applies.
  const other = await browser.newContext({ locale: "en-US" });
  const laptop = await other.newPage();
  await logIn(laptop, name);
  await laptop.goto("/timer");
  await expect(laptop.locator("html")).toHaveAttribute("lang", "zh-Hans");
  await expect(laptop.getByRole("navigation", { name: "主导航" })).toBeVisible();
  await expect(laptop.getByRole("button", { name: "开始", exact: true })).toBeVisible();

  // And back to English from there.
  await laptop.getByRole("button", { name: /English/ }).click();
  await expect(laptop.locator("html")).toHaveAttribute("lang", "en");
  await other.close();
});
