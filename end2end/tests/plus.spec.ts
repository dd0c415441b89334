import AxeBuilder from "@axe-core/playwright";
import { test, expect, Page } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

/** A date `years` ahead, as the letter editor's date field takes it. */
async function yearsAhead(page: Page, years: number): Promise<string> {
  return page.evaluate((years) => {
    const t = new Date();
    t.setFullYear(t.getFullYear() + years);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
  }, years);
}

async function scheduleFar(page: Page, date: string) {
  await page.goto("/letters/new");
  await hydrated(page);
  await page.getByLabel("Title").fill("Ten years from now");
  await page.getByLabel("Letter", { exact: true }).fill("Dear me,\n\nIs the plum tree taller than the house?");
  await page.getByLabel("Date").fill(date);
  await page.getByLabel("Time").fill("09:00");
  await page.getByRole("button", { name: "Schedule letter" }).click();
}

// The e2e server runs the sandbox provider (no payment provider is configured): paying goes
// through its signed notification, as a real provider's would.
test("Plus bought through the sandbox lifts a Free limit; refunded the same day, the limit is back", async ({ page }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  await signUpAndConfirm(page, "plus");

  // Free: ten years ahead is refused, on the date field, saying what Plus changes.
  const far = await yearsAhead(page, 10);
  await scheduleFar(page, far);
  await expect(page.getByText("The Free plan delivers up to 5 years ahead; Plus, much further.")).toBeVisible();

  await page.goto("/plus");
  await hydrated(page);
  await expect(page.getByText("You are on the Free plan.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Plus", exact: true })).toBeVisible();
  await page.getByText("One year").click();
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await expect(page).toHaveURL(/\/plus\/orders\/[0-9a-f-]{36}$/);
  await expect(page.locator(".order-status")).toHaveText("Waiting for payment");

  // The pay link leaves through a GET (a form post could not, under form-action 'self').
  await page.getByRole("link", { name: "Pay ¥98.00 with Sandbox (no money moves)" }).click();
  await expect(page).toHaveURL(/\/plus\/sandbox\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(/\/plus\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Receipt");
  await expect(page.locator(".order-status")).toHaveText("Paid");
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await page.goto("/plus");
  await hydrated(page);
  await expect(page.getByText(/^You have Plus until /)).toBeVisible();
  await expect(page.locator("table.orders tbody tr")).toHaveCount(1);

  // Plus: the same letter is scheduled.
  await scheduleFar(page, far);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Scheduled letter");

  // Changed their mind the same day: all of it back, and the Free limit with it.
  await page.goto("/plus");
  await hydrated(page);
  await page.locator("table.orders tbody tr a").first().click();
  await expect(page).toHaveURL(/\/plus\/orders\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByText(/you can have the unused part back: ¥98\.00 now/)).toBeVisible();
  await page.getByRole("button", { name: "Ask for a refund" }).click();
  await expect(page.locator(".order-status")).toHaveText("Refunded");
  await expect(page.getByRole("heading", { name: "Refunds" })).toBeVisible();
  await page.goto("/plus");
  await hydrated(page);
  await expect(page.getByText("You are on the Free plan.")).toBeVisible();
  await scheduleFar(page, far);
  await expect(page.getByText("The Free plan delivers up to 5 years ahead; Plus, much further.")).toBeVisible();
  expect(problems, problems.join("\n")).toEqual([]);
});
