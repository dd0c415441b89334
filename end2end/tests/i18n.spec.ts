import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { hydrated, logIn, signUpAndConfirm } from "./helpers";

// The English catalogue, as `ripen catalogue en` prints it (scripts/test writes the file).
const cataloguePath = process.env.E2E_CATALOGUE_EN ?? "";

/** Every English text, split at its {placeholders} into the fixed parts around them. */
function englishTexts(): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      for (const part of v.split(/\{[a-z_]+\}/)) {
        const p = part.trim();
        // Words, not symbols; "Ripen" and language names are the same in both languages.
        if (/[A-Za-z]{2}/.test(p) && !["Ripen", "English", "Markdown"].includes(p)) out.add(p);
      }
    } else if (v && typeof v === "object") {
      Object.values(v).forEach(walk);
    }
  };
  walk(JSON.parse(readFileSync(cataloguePath, "utf8")));
  return out;
}

/** Visible text nodes and accessible names/labels/placeholders of the page. */
async function pageTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest("script,style,[translate=no]")) continue;
      const t = (n.textContent ?? "").trim();
      if (t) out.push(t);
    }
    for (const el of Array.from(document.querySelectorAll("[aria-label],[placeholder],[title],[alt]"))) {
      for (const a of ["aria-label", "placeholder", "title", "alt"]) {
        const v = el.getAttribute(a)?.trim();
        if (v) out.push(v);
      }
    }
    out.push(document.title);
    return out;
  });
}

async function expectNoEnglish(page: Page, path: string, english: Set<string>, allowed: string[]) {
  await page.goto(path);
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  const found = (await pageTexts(page)).filter((t) => {
    if (allowed.some((a) => t.includes(a))) return false;
    // A whole text that is an English catalogue entry, or contains a longer one...
    if (english.has(t)) return true;
    // ...or any two English words in a row: text that never reached the catalogue.
    if (/\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b/.test(t)) return true;
    for (const e of english) if (e.length >= 12 && t.includes(e)) return true;
    return false;
  });
  expect(found, `English text on ${path}`).toEqual([]);
}

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
  for (const path of ["/", "/timer", "/diary", "/diary/stats", "/diary/history", "/letters", "/wall", "/account", "/privacy", "/plus"]) {
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
