import { test, expect, type Page } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

// Issue 26, rough edges: the visitor's top bar at every width, consent that follows into
// the account, habits renamed and reordered, a session's tags changed from the history.

/** Server functions called the way a form does, from the signed-in page's cookies. */
async function api(page: Page, path: string, form: Record<string, string>) {
  const origin = new URL(page.url()).origin;
  const res = await page.request.post(path, { form, headers: { Origin: origin, Accept: "application/json" } });
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return res.json();
}

for (const [locale, lang, logIn] of [["en-US", "en", "Log in"], ["zh-CN", "zh-Hans", "登录"]] as const) {
  test(`the visitor's top bar holds one row at 1280, 1024, 768 and 390 px (${lang})`, async ({ browser }) => {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    for (const width of [1280, 1024, 768, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto("/wall");
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      const header = (await page.locator("header.topbar").boundingBox())!;
      const inside = async (what: string, sel: string) => {
        const boxes = await page.locator(sel).evaluateAll((els) =>
          els.filter((e) => getComputedStyle(e).display !== "none").map((e) => e.getBoundingClientRect().toJSON()),
        );
        for (const b of boxes) {
          expect(b.top, `${width}px: ${what} above the bar`).toBeGreaterThanOrEqual(header.y - 0.5);
          expect(b.bottom, `${width}px: ${what} below the bar`).toBeLessThanOrEqual(header.y + header.height + 0.5);
          expect(b.right, `${width}px: ${what} past the right edge`).toBeLessThanOrEqual(width + 0.5);
        }
        return boxes;
      };
      await inside("the brand", ".topbar .brand");
      await inside("a section link", ".topbar .nav a");
      await inside("the theme button", ".topbar .theme-form");
      const account = page.locator(".topbar .account-link");
      if (width >= 720) {
        await expect(account).toHaveText(logIn);
        const [box] = await inside("Log in", ".topbar .account-link");
        // One line: every fragment of the label's text sits on the same line box.
        const lines = await account.locator("span").evaluate((s) => {
          const range = document.createRange();
          range.selectNodeContents(s);
          return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
        });
        expect(lines, `${width}px: "${logIn}" wraps`).toBe(1);
        // Nothing in the bar overlaps the link.
        const nav = (await page.locator(".topbar .nav").boundingBox())!;
        expect(nav.x + nav.width, `${width}px: the sections run under the end of the bar`).toBeLessThanOrEqual(box.left + 0.5);
      } else {
        // Phones: the sections and the account are in the tab bar instead.
        await expect(account).toBeHidden();
        await expect(page.locator(".tabbar")).toBeVisible();
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${width}px: the page scrolls sideways`).toBeLessThanOrEqual(0);
    }
    await context.close();
  });
}

test("the privacy answer a visitor gives before signing up is on the account page", async ({ browser }) => {
  // A first visit: no answer yet, so the dialog asks.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/signup");
  await hydrated(page);
  const dialog = page.locator("[aria-labelledby=consent-h]");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Accept all" }).click();
  await expect(dialog).toBeHidden();
  await signUpAndConfirm(page, "csn");
  const choices = page.locator("section[aria-labelledby=consent-settings-h]");
  await expect(choices.locator(".consent-history li")).toHaveCount(1);
  await expect(choices).not.toContainText("None recorded");
  await expect(choices.locator(".consent-history li")).toContainText("first visit");
  await context.close();
});

/** Opens a habit's "⋯" menu unless it is open already. */
async function openMenu(habit: ReturnType<Page["locator"]>) {
  const menu = habit.locator("details.habit-more");
  if ((await menu.getAttribute("open")) === null) await menu.locator("summary").click();
  await expect(menu).toHaveAttribute("open", "");
}

test("habits are renamed and moved from their menu, and keep their order", async ({ page }) => {
  await signUpAndConfirm(page, "hab");
  for (const name of ["Walk", "Read"]) await api(page, "/api/diary/habit/create", { name, colour: "#336699", schedule: "daily" });
  await page.goto("/diary");
  await hydrated(page);
  const names = page.locator("[data-testid=habit] .habit-name");
  await expect(names).toHaveText(["Walk", "Read"]);

  const read = page.locator("[data-testid=habit]", { hasText: "Read" });
  await read.getByLabel("More for Read").click();
  await expect(read.getByRole("button", { name: "Move down" })).toBeDisabled();
  await read.getByRole("button", { name: "Move up" }).click();
  await expect(names).toHaveText(["Read", "Walk"]);

  const first = page.locator("[data-testid=habit]").first();
  await openMenu(first);
  const field = first.getByLabel("Habit name");
  await field.fill("Read a chapter");
  await first.getByRole("button", { name: "Rename" }).click();
  await expect(names).toHaveText(["Read a chapter", "Walk"]);

  // A name of only spaces is refused on its field (the browser's own check is bypassed).
  const renamed = page.locator("[data-testid=habit]").first();
  await expect(renamed.getByLabel("More for Read a chapter")).toBeVisible();
  await openMenu(renamed);
  await renamed.getByLabel("Habit name").fill("   ");
  await renamed.getByRole("button", { name: "Rename" }).click();
  await expect(renamed.locator("[id^=rename-][id$=-error]")).toHaveText("Give the habit a name.");
  await expect(renamed.getByLabel("Habit name")).toHaveAttribute("aria-invalid", "true");

  await page.reload();
  await hydrated(page);
  await expect(names).toHaveText(["Read a chapter", "Walk"]);
});

test("a finished session's tags are changed from the timer's history", async ({ page }) => {
  await signUpAndConfirm(page, "tgs");
  await api(page, "/api/focus/tag/create", { name: "Writing", colour: "#c2410c" });
  await page.goto("/timer");
  await hydrated(page);
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForTimeout(1_500);
  await page.getByRole("button", { name: "Stop" }).click();
  const item = page.getByTestId("history").locator(".history-item").first();
  await expect(item).toBeVisible();
  await expect(item.locator(".chip")).toHaveCount(0);
  await item.getByText("Edit tags").click();
  await item.getByLabel("Writing").check();
  await item.getByRole("button", { name: "Save tags" }).click();
  await expect(item.locator(".chip")).toHaveText(["Writing"]);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("history").locator(".history-item").first().locator(".chip")).toHaveText(["Writing"]);
});
