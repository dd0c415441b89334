import { test, expect } from "@playwright/test";
import { join } from "node:path";
import { hydrated, letterLinkFromOutbox, signUpAndConfirm } from "./helpers";

const photo = join(__dirname, "../../server/tests/fixtures/photo-with-gps.jpg");

// The e2e server runs with a 30-second minimum lead (RIPEN_LETTERS__MIN_LEAD_SECS in
// scripts/test); the time field takes minutes, so the letter is due within ~95 s.
test("a letter with a picture is composed, delivered, and read through its link", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  const email = `${await signUpAndConfirm(page, "let")}@example.com`;
  await page.goto("/letters/new");
  await hydrated(page);

  await page.getByLabel("Title").fill("Open this on a quiet evening");
  await page.getByLabel("Letter", { exact: true }).fill("Dear me,\n\nRemember the **orchard**.");
  await page.locator('input[type="file"]').setInputFiles(photo);
  const tiles = page.getByRole("list", { name: "Attached pictures" }).getByRole("img");
  await expect(tiles).toHaveCount(1, { timeout: 15_000 });

  // The next whole minute at least 35 s away, in the browser's (and so the account's) zone.
  const { date, time } = await page.evaluate(() => {
    const t = new Date(Date.now() + 35_000);
    t.setSeconds(0, 0);
    t.setMinutes(t.getMinutes() + 1);
    const p = (n: number) => String(n).padStart(2, "0");
    return {
      date: `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`,
      time: `${p(t.getHours())}:${p(t.getMinutes())}`,
    };
  });
  await page.getByLabel("Date").fill(date);
  await page.getByLabel("Time").fill(time);
  await expect(page.locator(".delivery-preview")).toContainText("UTC");

  const scheduledAt = Date.now();
  await page.getByRole("button", { name: "Schedule letter" }).click();
  await expect(page).toHaveURL(/\/letters\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Scheduled letter");

  const link = await letterLinkFromOutbox(email, scheduledAt, 150_000);

  // The recipient needs no account: a fresh browser context opens the letter and its picture.
  const visitor = await browser.newContext();
  const reader = await visitor.newPage();
  await reader.goto(link);
  await expect(reader.getByRole("heading", { name: "Open this on a quiet evening" })).toBeVisible();
  await expect(reader.locator(".prose strong")).toHaveText("orchard");
  const img = reader.locator(".letter-images img");
  await expect(img).toHaveCount(1);
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(48);
  await visitor.close();

  await page.reload();
  await hydrated(page);
  await expect(page.locator(".page-head .status")).toHaveText("Delivered");
  expect(problems, problems.join("\n")).toEqual([]);
});
