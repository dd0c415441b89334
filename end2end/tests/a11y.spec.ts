import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

// WCAG 2.1 A and AA: labels, roles, names, contrast, language, landmarks.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The violations on one page, as readable lines (empty when there are none). */
async function audit(page: Page, path: string, scheme: "light" | "dark"): Promise<string[]> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(path);
  await hydrated(page);
  // Let data-driven parts (resources, charts) settle before auditing.
  await page.waitForLoadState("networkidle");
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = result.violations.map(
    (v) =>
      `${path} in ${scheme}: ${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(" ")} — ${n.failureSummary?.split("\n").slice(1).join(" ")}`)
        .join("\n"),
  );
  // Something was actually checked.
  expect(result.passes.length, `${path}: rules that passed`).toBeGreaterThan(10);
  return found;
}

test.describe("axe-core finds no WCAG A/AA violations", () => {
  test.setTimeout(120_000);

  for (const scheme of ["light", "dark"] as const) {
    test(`visitor pages in the ${scheme} theme`, async ({ page }) => {
      const found: string[] = [];
      for (const path of ["/", "/wall", "/login", "/signup", "/privacy", "/plus"]) {
        found.push(...(await audit(page, path, scheme)));
      }
      expect(found).toEqual([]);
    });

    test(`signed-in pages in the ${scheme} theme`, async ({ page }) => {
      await signUpAndConfirm(page, `a11y${scheme}`);
      const found: string[] = [];
      for (const path of ["/timer", "/diary", "/diary/stats", "/diary/history", "/letters", "/account", "/plus"]) {
        found.push(...(await audit(page, path, scheme)));
      }
      expect(found).toEqual([]);
    });
  }
});

test("keyboard only: skip link, visible focus, and the timer starts from the keyboard", async ({ page }) => {
  await signUpAndConfirm(page, "keys");
  await page.goto("/timer");
  await hydrated(page);
  // The first Tab lands on the skip link, which is visible when focused.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();

  // Tabbing from the content reaches the Start button; every stop shows a focus ring.
  const start = page.getByRole("button", { name: "Start", exact: true });
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const ring = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return "none";
      const s = getComputedStyle(el);
      return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 ? "ring" : `${el.tagName}: ${s.outlineStyle} ${s.outlineWidth}`;
    });
    expect(ring, `focus stop ${i + 1}`).toBe("ring");
    if (await start.evaluate((el) => el === document.activeElement)) break;
  }
  await expect(start).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
});
