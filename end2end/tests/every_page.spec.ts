import { test, expect, type Browser, type Page } from "@playwright/test";
import { hydrated, letterLinkFromOutbox, scheduleAtNextMinute, signUpAndConfirm } from "./helpers";

// Issue 26: "An automated check over every page (both languages, signed in and out) finds
// no duplicate ids and no console errors", and "a visitor's page should make no call that
// is bound to fail" (the timer page fired five server calls that answered 401).

/** An address that is no page: its 404 answer is the one error expected. */
const NOT_FOUND = "/no/such/page";

/** Collects what a page reports: console errors, uncaught errors and failing /api answers. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // The one deliberately bad address: the browser reports the page's own 404 status.
    const own404 = /status of 404/.test(msg.text()) && new URL(msg.location().url).pathname === NOT_FOUND;
    if (!own404) problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`error: ${err.message}`));
  page.on("response", (res) => {
    const url = new URL(res.url());
    if (url.pathname.startsWith("/api/") && res.status() >= 400) {
      problems.push(`${res.request().method()} ${url.pathname} answered ${res.status()}`);
    }
  });
  return problems;
}

/** Opens `path`, lets it hydrate and settle, and returns its problems and duplicate ids. */
async function visit(page: Page, problems: string[], path: string, lang: "en" | "zh-Hans"): Promise<string[]> {
  problems.length = 0;
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("lang", lang);
  await page.waitForLoadState("networkidle");
  // Resources that a page would fetch after hydration have had their chance by now.
  await page.waitForTimeout(300);
  const duplicates = await page.evaluate(() => {
    const seen = new Map<string, number>();
    for (const el of Array.from(document.querySelectorAll("[id]"))) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
    return Array.from(seen).filter(([, n]) => n > 1).map(([id, n]) => `id "${id}" × ${n}`);
  });
  return [...problems, ...duplicates].map((p) => `${path} (${lang}): ${p}`);
}

/** Follows the top bar's links and the diary's own from `/` without reloading, the way a
 * person moves around: pages rendered in the browser, not hydrated from the server's HTML
 * (where the visitor's timer page made its five calls that answered 401). */
async function browse(page: Page, problems: string[], lang: "en" | "zh-Hans"): Promise<string[]> {
  await page.goto("/");
  await hydrated(page);
  const found: string[] = [];
  const follow = async (link: string, href: string) => {
    problems.length = 0;
    await page.locator(link).first().click();
    await page.waitForURL((url) => url.pathname === href);
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(500);
    found.push(...problems.map((p) => `${href} (${lang}, reached by a link): ${p}`));
  };
  for (const href of ["/timer", "/diary", "/diary/stats", "/diary/history", "/diary/year", "/letters", "/wall", "/account"]) {
    const link = href.startsWith("/diary/") ? `nav.subnav a[href="${href}"]` : `header.topbar a[href="${href}"]`;
    await follow(link, href);
  }
  return found;
}

/** Every page a visitor can open, `extra` (a wall letter, a letter link) included. */
function visitorPages(extra: string[]): string[] {
  return [
    "/", "/timer", "/diary", "/diary/stats", "/diary/history", "/diary/year", "/letters", "/letters/new",
    "/account", "/wall", "/login", "/login/code", "/signup", "/signup/provider",
    "/forgot-password", "/check-email",
    "/privacy", "/terms", "/status", "/plus", NOT_FOUND, ...extra,
  ];
}

async function checkVisitor(browser: Browser, locale: string, lang: "en" | "zh-Hans", extra: string[]): Promise<string[]> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const problems = watch(page);
  const found: string[] = [];
  for (const path of visitorPages(extra)) found.push(...(await visit(page, problems, path, lang)));
  found.push(...(await browse(page, problems, lang)));
  await context.close();
  return found;
}

test("every page, signed in and out, in both languages: no console errors, no failing /api answers, unique ids", async ({ page, browser }) => {
  test.setTimeout(300_000);
  const name = await signUpAndConfirm(page, "all");
  const origin = new URL(page.url()).origin;
  // Something on every list, so per-item ids are on the pages too.
  const api = async (path: string, form: Record<string, string>) => {
    const res = await page.request.post(path, { form, headers: { Origin: origin, Accept: "application/json" } });
    expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
    return res.json();
  };
  for (const h of ["Walk", "Read"]) await api("/api/diary/habit/create", { name: h, colour: "#336699", schedule: "daily" });
  await api("/api/focus/tag/create", { name: "Writing", colour: "#c2410c" });
  for (const t of ["Draft chapter", "Edit chapter"]) await api("/api/focus/task/create", { title: t, estimate: "2" });

  // A public letter to arrive on the wall while the pages are checked, and a draft.
  await page.goto("/letters/new");
  await hydrated(page);
  // Written in Chinese: it stays on the shared wall, where the language test
  // (i18n.spec.ts, which runs later) looks for English on Chinese pages.
  const title = `每一页 ${Date.now().toString(36)}`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Letter", { exact: true }).fill("亲爱的自己：\n\n看看每一页。");
  await page.getByLabel("After delivery, show it on the public letter wall, without my name").check();
  const scheduledAt = await scheduleAtNextMinute(page, 35_000);
  await page.goto("/letters/new");
  await hydrated(page);
  await page.getByLabel("Title").fill("A draft");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).toBeVisible();
  // A scheduled letter whose time stays ahead while every page is checked twice (the one
  // above falls due meanwhile, and its editor would rightly say its time has passed).
  await page.goto("/letters/new");
  await hydrated(page);
  await page.getByLabel("Title").fill("A later letter");
  await page.getByLabel("Letter", { exact: true }).fill("明天见。");
  const tomorrow = await page.evaluate(() => {
    const t = new Date(Date.now() + 24 * 3600 * 1000);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
  });
  await page.getByLabel("Date").fill(tomorrow);
  await page.getByLabel("Time").fill("09:00");
  await page.getByRole("button", { name: "Schedule letter" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Scheduled letter");
  const later = new URL(page.url()).pathname;
  await page.goto("/letters");
  await hydrated(page);
  const draft = (await page.getByRole("link", { name: "A draft" }).first().getAttribute("href"))!;
  expect(draft).toMatch(/^\/letters\/[0-9a-f-]{36}$/);

  const signedIn = [
    "/", "/timer", "/diary", "/diary/stats", "/diary/history", "/diary/year", "/letters", "/letters/new",
    draft, later, "/account", "/wall", "/privacy", "/terms", "/status", "/plus",
  ];
  const problems = watch(page);
  const found: string[] = [];
  for (const path of signedIn) found.push(...(await visit(page, problems, path, "en")));
  found.push(...(await browse(page, problems, "en")));
  await page.goto("/account");
  await hydrated(page);
  await page.getByRole("button", { name: /简体中文/ }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  for (const path of signedIn) found.push(...(await visit(page, problems, path, "zh-Hans")));
  found.push(...(await browse(page, problems, "zh-Hans")));

  // The letter arrives: its wall page and its link are pages anyone can open.
  const link = new URL(await letterLinkFromOutbox(`${name}@example.com`, scheduledAt, 150_000)).pathname;
  await page.goto("/wall");
  const wallLetter = await page.locator(".wall-card a", { hasText: title }).first().getAttribute("href");
  expect(wallLetter).toBeTruthy();
  for (const path of [wallLetter!, link]) found.push(...(await visit(page, problems, path, "zh-Hans")));

  found.push(...(await checkVisitor(browser, "en-US", "en", [wallLetter!, link])));
  found.push(...(await checkVisitor(browser, "zh-CN", "zh-Hans", [wallLetter!, link])));
  expect(found, found.join("\n")).toEqual([]);
});
