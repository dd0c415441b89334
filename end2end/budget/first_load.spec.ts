// What a first visit to each page downloads before it is interactive, against the release
// build (budgets: issue 27, docs/operations.md "The browser bundle").
//
// For each route: a fresh browser context (empty cache, no service worker), the CPU slowed
// 4x and the network shaped to 1.6 Mbps down / 150 ms round trip (Chrome DevTools Protocol),
// then the page is opened and `html[data-hydrated]` awaited: it is set once hydration, which
// waits for the page's lazily loaded chunks, has finished (frontend/src/lib.rs). Counted:
// every file of the bundle (`/pkg/…`: JavaScript, WebAssembly, CSS) whose response
// finished before that moment, at the size of its brotli copy on disk (what a browser that
// accepts brotli downloads). The byte counts are asserted against ceilings; the times are
// reported, never asserted (they depend on the machine's load).
//
// Issue 27's targets are 200 KB for the pages a visitor opens and 350 KB for the app's own
// pages. The split build does not reach them yet: the main module alone (the shell, the
// framework, every page's static data) is about 345 KB. Until it does, the ceilings below
// are the sizes measured on 2026-12-05 plus about 5 %, so that no change makes a first
// visit heavier unnoticed; lower them as the bundle shrinks (docs/operations.md, "The
// browser bundle").
import { expect, test, type Browser, type BrowserContextOptions } from "@playwright/test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hydrated, letterLinkFromOutbox, scheduleAtNextMinute, signUpAndConfirm } from "../tests/helpers";

const siteRoot = process.env.E2E_SITE_ROOT ?? "";
const report = process.env.E2E_BUDGET_REPORT ?? "";
const KB = 1000;
const PUBLIC = { target: 200 * KB, ceiling: 480 * KB };
const APP = { target: 350 * KB, ceiling: 650 * KB };
type Budget = typeof PUBLIC;

type Row = { route: string; budget: Budget; brotli: number; transferred: number; files: number; ms: number };

/** The brotli size of a bundle file, from the release site on disk. */
function brotliSize(path: string): number {
  const file = join(siteRoot, decodeURIComponent(path));
  try {
    return statSync(`${file}.br`).size;
  } catch {
    return statSync(file).size;
  }
}

async function firstLoad(browser: Browser, path: string, state: BrowserContextOptions["storageState"]) {
  const context = await browser.newContext({ storageState: state, serviceWorkers: "block" });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1000 * 1000) / 8,
    uploadThroughput: (750 * 1000) / 8,
  });
  const urls = new Map<string, string>();
  const done: { path: string; transferred: number }[] = [];
  cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, e.response.url));
  cdp.on("Network.loadingFinished", (e) => {
    const url = urls.get(e.requestId);
    if (!url) return;
    const p = new URL(url).pathname;
    if (p.startsWith("/pkg/")) done.push({ path: p, transferred: e.encodedDataLength });
  });
  const started = Date.now();
  await page.goto(path, { waitUntil: "commit" });
  await hydrated(page);
  const ms = Date.now() - started;
  const loaded = [...done];
  await context.close();
  return { loaded, ms };
}

test("a first visit to each page downloads no more than its ceiling", async ({ browser, page }) => {
  expect(siteRoot, "E2E_SITE_ROOT must name the release site").not.toBe("");
  // Someone with a letter on the wall and a letter link, for the pages that need them.
  const name = await signUpAndConfirm(page, "budget");
  const state = await page.context().storageState();
  await page.goto("/letters/new");
  await hydrated(page);
  const title = `Budget ${Date.now().toString(36)}`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Letter", { exact: true }).fill("Dear me,\n\nhow fast was that?");
  await page.getByLabel("After delivery, show it on the public letter wall, without my name").check();
  const scheduledAt = await scheduleAtNextMinute(page, 10_000);
  const link = new URL(await letterLinkFromOutbox(`${name}@example.com`, scheduledAt, 150_000)).pathname;
  await page.goto("/wall");
  const wallLetter = await page.locator(".wall-card a", { hasText: title }).first().getAttribute("href");
  expect(wallLetter).toBeTruthy();

  const visitor = { cookies: state.cookies.filter((c) => c.name === "ripen_consent"), origins: [] };
  const routes: [string, Budget, BrowserContextOptions["storageState"]][] = [
    ["/", PUBLIC, visitor],
    ["/wall", PUBLIC, visitor],
    [wallLetter!, PUBLIC, visitor],
    [link, PUBLIC, visitor],
    ["/login", PUBLIC, visitor],
    ["/signup", PUBLIC, visitor],
    ["/privacy", PUBLIC, visitor],
    ["/timer", APP, state],
    ["/diary", APP, state],
    ["/diary/stats", APP, state],
    ["/letters", APP, state],
    ["/letters/new", APP, state],
    ["/account", APP, state],
  ];
  const rows: Row[] = [];
  for (const [path, budget, who] of routes) {
    const { loaded, ms } = await firstLoad(browser, path, who);
    rows.push({
      route: path,
      budget,
      brotli: loaded.reduce((n, f) => n + brotliSize(f.path), 0),
      transferred: loaded.reduce((n, f) => n + f.transferred, 0),
      files: loaded.length,
      ms,
    });
  }
  const table = [
    "| route | files | brotli (B) | transferred (B) | target (B) | ceiling (B) | to hydrated (ms) |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) => `| ${r.route} | ${r.files} | ${r.brotli} | ${r.transferred} | ${r.budget.target} | ${r.budget.ceiling} | ${r.ms} |`,
    ),
  ].join("\n");
  console.log(table);
  if (report) writeFileSync(report, table + "\n");
  const over = rows
    .filter((r) => r.brotli > r.budget.ceiling)
    .map((r) => `${r.route}: ${r.brotli} B > ${r.budget.ceiling} B`);
  expect(over, `over the ceiling:\n${over.join("\n")}\n${table}`).toEqual([]);
  // Each page loaded its own code: nothing was counted from an empty list.
  for (const r of rows) expect(r.files, r.route).toBeGreaterThanOrEqual(3);
});
