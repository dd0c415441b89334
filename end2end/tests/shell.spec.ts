import { test, expect, type Page, type ConsoleMessage } from "@playwright/test";

/** Fails the test on any console error or CSP violation the page reports. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg: ConsoleMessage) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return problems;
}

async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 15_000 });
}

test("landing page hydrates: the demo timer runs only once the WASM is running", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Focus today");
  await hydrated(page);

  const time = page.getByTestId("demo-time");
  await expect(time).toHaveText("1:00");
  const start = page.getByRole("button", { name: "Start a one-minute focus" });
  await start.click();
  await expect(page.getByRole("button", { name: "Pause" })).toHaveAttribute("aria-pressed", "true");
  await expect(time).not.toHaveText("1:00", { timeout: 3_000 });
  await expect(time).toHaveText(/^0:5\d$/);

  await page.getByRole("button", { name: "Pause" }).click();
  const paused = await time.textContent();
  await page.waitForTimeout(1_500);
  await expect(time).toHaveText(paused!);
  await page.getByRole("button", { name: "Reset" }).click();
  await expect(time).toHaveText("1:00");

  expect(problems, problems.join("\n")).toEqual([]);
});

test("the CSP nonce on the response matches the only inline script", async ({ page }) => {
  const response = await page.goto("/");
  const csp = response!.headers()["content-security-policy"];
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  const inline = await page.$$eval("script:not([src])", (els) =>
    els.map((e) => (e as HTMLScriptElement).nonce || e.getAttribute("nonce") || ""),
  );
  expect(inline.length).toBeGreaterThan(0);
  for (const n of inline) expect(n).toBe(nonce);
});

test("navigation between sections happens in the browser, without a reload", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__stillHere = true));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wall" }).click();
  await expect(page).toHaveURL(/\/wall$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Letter wall");
  await expect(page.getByRole("link", { name: "Wall" }).first()).toHaveAttribute("aria-current", "page");
  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
  await expect(page).toHaveTitle("Letter wall · Ripen");
  expect(problems, problems.join("\n")).toEqual([]);
});

test("an unknown address shows the 404 page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response!.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This page has not ripened");
  await hydrated(page);
  await page.getByRole("link", { name: "Go to the start" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test.describe("on a 360 px phone", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  test("sections sit in a bottom tab bar and nothing overflows sideways", async ({ page }) => {
    for (const path of ["/", "/timer", "/status", "/nope"]) {
      await page.goto(path);
      const tabs = page.getByRole("navigation", { name: "Sections" });
      await expect(tabs).toBeVisible();
      await expect(tabs.getByRole("link")).toHaveCount(5);
      await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
    }
  });

  test("the tab bar navigates", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Letters" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Letters");
  });
});

test("keyboard users can skip to the content", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});

test("status page reads the database through a server function and tells visitors no versions", async ({ page }) => {
  await page.goto("/status");
  await expect(page.getByRole("status")).toHaveText("All systems normal.");
  await expect(page.getByText("Server time (UTC)")).toBeVisible();
  // Version, engine and schema are for the bearer of the status token only.
  await expect(page.getByText("Version", { exact: true })).toHaveCount(0);
  await expect(page.getByText(/SQLite|PostgreSQL/)).toHaveCount(0);
});

test("a server function called from the browser passes the same-origin check", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  await hydrated(page);
  const call = page.waitForResponse((r) => r.url().endsWith("/api/system/status"));
  await page.getByRole("link", { name: "Status" }).click();
  const response = await call;
  expect(response.status()).toBe(200);
  expect(response.request().method()).toBe("POST");
  await expect(page.getByRole("status")).toHaveText("All systems normal.");
  expect(problems, problems.join("\n")).toEqual([]);
});

test("dark mode follows the system", async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  await page.goto("/");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe("rgb(21, 18, 15)");
  await context.close();
  const light = await browser.newContext({ colorScheme: "light" });
  const p2 = await light.newPage();
  await p2.goto("/");
  expect(await p2.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(251, 248, 244)");
  await light.close();
});
