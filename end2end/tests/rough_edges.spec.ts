import { test, expect, type Page } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

// Issue 26, item 4: rough edges a new user met that only a browser shows (what the server
// renders is tested in server/tests/it and the app's unit tests).

/** Every text of every chart on the page lies inside its SVG's viewBox, as the browser
 * lays it out in the page's own font (the server's geometry only estimates widths). */
async function chartTextsOutsideTheirViewBox(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const svg of Array.from(document.querySelectorAll<SVGSVGElement>("svg.chart"))) {
      const vb = svg.viewBox.baseVal;
      for (const text of Array.from(svg.querySelectorAll<SVGTextElement>("text"))) {
        // The text's box in the SVG's user units, its rotation included.
        const box = text.getBBox();
        const m = text.getCTM();
        const svgM = svg.getCTM();
        if (!m || !svgM) continue;
        const toSvg = svgM.inverse().multiply(m);
        const corners = [
          [box.x, box.y],
          [box.x + box.width, box.y],
          [box.x, box.y + box.height],
          [box.x + box.width, box.y + box.height],
        ].map(([x, y]) => new DOMPoint(x, y).matrixTransform(toSvg));
        const left = Math.min(...corners.map((c) => c.x));
        const right = Math.max(...corners.map((c) => c.x));
        const top = Math.min(...corners.map((c) => c.y));
        const bottom = Math.max(...corners.map((c) => c.y));
        if (left < vb.x - 0.5 || top < vb.y - 0.5 || right > vb.x + vb.width + 0.5 || bottom > vb.y + vb.height + 0.5) {
          out.push(`"${text.textContent}" spans ${left.toFixed(1)}…${right.toFixed(1)} × ${top.toFixed(1)}…${bottom.toFixed(1)} in ${vb.width}×${vb.height}`);
        }
      }
    }
    return out;
  });
}

test("'Go to day' and the history filter leave clean addresses once the page is interactive", async ({ page }) => {
  await signUpAndConfirm(page, "jmp");
  await page.goto("/diary");
  await hydrated(page);
  const today = await page.locator("#jump-day").inputValue();
  const [y, m, d] = today.split("-").map(Number);
  const yesterday = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
  await page.locator("#jump-day").fill(yesterday);
  await page.getByRole("button", { name: "Go", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/diary\\?day=${yesterday}$`));
  await expect(page.locator("#jump-day")).toHaveValue(yesterday);

  await page.goto("/diary/history");
  await hydrated(page);
  await page.getByLabel("Kind").selectOption("entry");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/diary\/history\?/);
  expect(page.url()).toContain("kind=entry");
  expect(page.url()).not.toMatch(/&=|\?=/);
});

test("a delivery time in the past is refused at once, in the error colour", async ({ page }) => {
  await signUpAndConfirm(page, "pst");
  await page.goto("/letters/new");
  await hydrated(page);
  await page.getByLabel("Date").fill("2020-01-01");
  await page.getByLabel("Time").fill("09:00");
  const error = page.locator("#letter-date-error");
  await expect(error).toHaveText("That moment has already passed. Pick a time in the future.");
  await expect(page.locator(".delivery-preview")).toHaveText("");
  await expect(page.getByLabel("Date")).toHaveAttribute("aria-invalid", "true");
  const colours = await page.evaluate(() => {
    const probe = document.createElement("span");
    probe.style.color = "var(--danger)";
    document.body.append(probe);
    const danger = getComputedStyle(probe).color;
    probe.remove();
    return { danger, shown: getComputedStyle(document.querySelector("#letter-date-error")!).color };
  });
  expect(colours.shown).toBe(colours.danger);

  // A time ahead is spelled out again, and the error goes.
  await page.getByLabel("Date").fill(`${new Date().getFullYear() + 1}-06-01`);
  await expect(page.locator(".delivery-preview")).toContainText("UTC");
  await expect(error).toHaveText("");
});

test.describe("at 1280 × 800", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("the letter editor's date and time sit side by side and its actions fit one row", async ({ page }) => {
    await signUpAndConfirm(page, "edt");
    await page.goto("/letters/new");
    await hydrated(page);
    const date = await page.getByLabel("Date").boundingBox();
    const time = await page.getByLabel("Time").boundingBox();
    expect(date && time).toBeTruthy();
    expect(date!.x + date!.width, "the date field runs under the time field").toBeLessThanOrEqual(time!.x);
    const dateCard = await page.locator("fieldset", { hasText: "When" }).first().boundingBox();
    expect(time!.x + time!.width).toBeLessThanOrEqual(dateCard!.x + dateCard!.width);

    const bar = page.locator(".letter-actions");
    const tops = await bar.locator("button:visible").evaluateAll((bs) => bs.map((b) => Math.round(b.getBoundingClientRect().top)));
    expect(tops.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tops).size, `the action bar wraps: button tops ${tops}`).toBe(1);

    // Scrolled to the end, the sticky bar covers none of the cards above it.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const barBox = await bar.boundingBox();
    const cards = await page.locator(".letter-side > fieldset").evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().bottom));
    for (const bottom of cards) expect(bottom).toBeLessThanOrEqual(barBox!.y + 0.5);
  });

  test("statistics labels are drawn whole inside their charts", async ({ page }) => {
    await signUpAndConfirm(page, "sta");
    await page.goto("/diary/stats");
    await hydrated(page);
    await expect(page.locator("svg.chart-bars").first()).toBeVisible();
    expect(await chartTextsOutsideTheirViewBox(page)).toEqual([]);
    expect(await page.locator(".bar-label", { hasText: "…" }).count()).toBe(0);
  });
});

test.describe("on a 360 px phone in Chinese", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  test("the 今天 badge stays on one line and the charts keep their labels inside", async ({ page }) => {
    await signUpAndConfirm(page, "zhb");
    await page.goto("/diary");
    await hydrated(page);
    await page.getByRole("button", { name: /简体中文/ }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
    await hydrated(page);
    const badge = page.locator(".day-title .badge");
    await expect(badge).toHaveText("今天");
    const oneLine = async () => {
      const box = await badge.boundingBox();
      const lineHeight = await badge.evaluate((b) => parseFloat(getComputedStyle(b).fontSize) * 1.8);
      expect(box!.height, "the badge breaks onto two lines").toBeLessThan(lineHeight);
      expect(box!.width).toBeGreaterThan(box!.height);
    };
    await oneLine();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // A long date ("2026年11月30日 星期一") leaves the title less room than today's may:
    // squeezed, the date wraps and the badge keeps its line (it used to go "今/天").
    await page.locator(".day-title").evaluate((h: HTMLElement) => {
      h.style.flex = "0 0 10rem";
    });
    await oneLine();

    await page.goto("/diary/stats");
    await hydrated(page);
    await expect(page.locator("svg.chart-bars").first()).toBeVisible();
    expect(await chartTextsOutsideTheirViewBox(page)).toEqual([]);

    // The letter editor fits the phone too (its fieldsets grew to their widest content).
    await page.goto("/letters/new");
    await hydrated(page);
    const editorOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(editorOverflow, `the editor overflows by ${editorOverflow}px`).toBeLessThanOrEqual(0);
  });
});
