import { test, expect } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

test("a check-in fills today's heatmap cell and grows the streak without a reload", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  await signUpAndConfirm(page, "dia");
  await page.goto("/diary");
  await hydrated(page);

  // A new habit, through the form.
  await page.getByText("New habit").click();
  await page.getByLabel("Name").fill("Read 20 pages");
  await page.getByRole("button", { name: "Add habit" }).click();
  const habit = page.getByTestId("habit").filter({ hasText: "Read 20 pages" });
  await expect(habit).toBeVisible();
  await expect(habit.getByTestId("streak")).toHaveText("streak 0 days");

  // The user's today, as the page shows it in the jump-to-day field.
  const today = await page.locator("#jump-day").inputValue();
  const cell = page.locator(`rect[data-day="${today}"]`).first();
  await expect(cell).toHaveAttribute("data-value", "0");

  // Mark the page so a reload would be noticed.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await habit.getByRole("button", { name: "Check in Read 20 pages" }).click();
  await expect(habit.getByTestId("streak")).toHaveText("streak 1 day");
  await expect(cell).toHaveAttribute("data-value", "1");
  await expect(habit.getByRole("button", { name: "Undo check-in of Read 20 pages" })).toHaveAttribute("aria-pressed", "true");
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

  // Undo puts both back.
  await habit.getByRole("button", { name: "Undo check-in of Read 20 pages" }).click();
  await expect(habit.getByTestId("streak")).toHaveText("streak 0 days");
  await expect(cell).toHaveAttribute("data-value", "0");

  // A diary entry with Markdown, rendered safely.
  await page.getByLabel("Good").check();
  await page.getByLabel("What happened today?").fill("**Finished** the book. <img src=x onerror=alert(1)>");
  await page.getByRole("button", { name: "Save entry" }).click();
  const entry = page.getByTestId("entry");
  await expect(entry.locator("strong")).toHaveText("Finished");
  await expect(entry).toContainText("Mood: Good");
  await expect(entry.locator("img")).toHaveCount(0);
  expect(problems, problems.join("\n")).toEqual([]);
});

test.describe("on a 390 × 844 phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("the statistics, diary and history pages have no horizontal scroll", async ({ page }) => {
    await signUpAndConfirm(page, "pho");
    for (const path of ["/diary/stats", "/diary", "/diary/history"]) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
    }
    // The charts are there, with their text alternatives.
    await page.goto("/diary/stats");
    await expect(page.getByRole("img", { name: /Focus minutes per week/ })).toBeVisible();
    await expect(page.locator("table.visually-hidden").first()).toBeAttached();
  });
});
