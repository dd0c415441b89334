import { test, expect } from "@playwright/test";
import {
  cataloguePath,
  englishTexts,
  expectNoEnglish,
  hydrated,
  letterLinkFromOutbox,
  signUpAndConfirm,
  useOneMinuteFocus,
} from "./helpers";

// Where the two halves meet: a letter that opens after one focus session arrives when the
// session ends, shows the figures it was sealed with beside today's, and the letters,
// notifications and year pages have no English left in Chinese.
test("a letter that opens after one focus session arrives when it ends, with then and now", async ({ page }) => {
  test.setTimeout(240_000);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  const name = await signUpAndConfirm(page, "goal");
  const email = `${name}@example.com`;

  await page.goto("/letters/new");
  await hydrated(page);
  await page.getByLabel("Title").fill("After the first session");
  await page.getByLabel("Letter", { exact: true }).fill("You started. Keep going.");
  await page.getByLabel("When I reach a goal").check();
  await page.getByLabel("Goal", { exact: true }).selectOption({ label: "Focus sessions" });
  await page.getByLabel("How many").fill("1");
  // The date is now the latest it arrives: a week ahead.
  const { date } = await page.evaluate(() => {
    const t = new Date(Date.now() + 7 * 86_400_000);
    const p = (n: number) => String(n).padStart(2, "0");
    return { date: `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}` };
  });
  await expect(page.getByRole("group", { name: "At the latest" })).toBeVisible();
  await page.getByLabel("Date").fill(date);
  await page.getByLabel("Time").fill("09:00");
  await expect(page.locator(".delivery-preview")).toContainText("UTC");
  const scheduledAt = Date.now();
  await page.getByRole("button", { name: "Schedule letter" }).click();
  await expect(page).toHaveURL(/\/letters\/[0-9a-f-]{36}$/);
  const letterUrl = page.url();
  await expect(page.locator(".goal-progress-text")).toHaveText("0 of 1 focus session");

  // The overview shows the progress without the letter.
  await page.goto("/letters");
  await hydrated(page);
  await expect(page.locator(".letter-row .goal-progress-text")).toHaveText("0 of 1 focus session");

  // One short session on the timer.
  await page.goto("/timer");
  await hydrated(page);
  await useOneMinuteFocus(page);
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByRole("heading", { name: "Session recorded" })).toBeVisible({ timeout: 75_000 });

  // The goal is reached: the letter arrives by email, and its page shows then and now.
  await letterLinkFromOutbox(email, scheduledAt, 60_000);
  await page.goto(letterUrl);
  await hydrated(page);
  await expect(page.locator(".page-head .status")).toHaveText("Delivered");
  const thenNow = page.getByRole("region", { name: "Then and now" });
  await expect(thenNow).toBeVisible();
  const sessions = thenNow.getByRole("row", { name: /^Focus sessions/ });
  await expect(sessions.getByRole("cell")).toHaveText(["0", "1"]);

  // The year in review counts the session.
  await page.goto("/diary/year");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Your \d{4}$/);
  await expect(page.getByRole("link", { name: "Write to next year's you" })).toBeVisible();

  // In Chinese: the letter, the letters page with its notification, and the year page.
  await page.getByRole("button", { name: /简体中文/ }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  expect(cataloguePath, "E2E_CATALOGUE_EN must name the English catalogue").not.toBe("");
  const english = englishTexts();
  const allowed = [name, email, "After the first session", "You started. Keep going."];
  for (const path of [new URL(letterUrl).pathname, "/letters", "/diary/year"]) {
    await expectNoEnglish(page, path, english, allowed);
  }
  await page.goto(new URL(letterUrl).pathname);
  await hydrated(page);
  await expect(page.getByRole("region", { name: "当时与现在" })).toBeVisible();
  expect(problems, problems.join("\n")).toEqual([]);
});
