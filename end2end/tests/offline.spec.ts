import { expect, test, type Page } from "@playwright/test";
import { hydrated, signUpAndConfirm, useOneMinuteFocus } from "./helpers";

/** Calls a server function with the page's session, as the browser would. */
async function call(page: Page, path: string): Promise<any> {
  const res = await page.request.post(path, {
    headers: { origin: new URL(page.url()).origin, accept: "application/json" },
  });
  expect(res.ok(), path).toBeTruthy();
  return res.json();
}

/** The paths the service worker keeps for offline use, for whoever is signed in. */
async function keptPages(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const name = (await caches.keys()).find((n) => n.startsWith("ripen-pages-"));
    if (!name) return [];
    const cache = await caches.open(name);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
}

test("offline, the timer and diary load from the cache, a focus session and a check-in wait on the device, and each is saved exactly once when back online", async ({ page, context }) => {
  test.setTimeout(240_000);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  await signUpAndConfirm(page, "off");
  await page.evaluate(() => navigator.serviceWorker.ready);

  // Online: a habit, a one-minute focus, and both pages visited (so the worker keeps them).
  await page.goto("/diary");
  await hydrated(page);
  await page.getByText("New habit").click();
  await page.getByLabel("Name").fill("Stretch");
  await page.getByRole("button", { name: "Add habit" }).click();
  await expect(page.getByTestId("habit").filter({ hasText: "Stretch" })).toBeVisible();
  await page.goto("/timer");
  await hydrated(page);
  await useOneMinuteFocus(page);
  await page.goto("/diary");
  await page.goto("/timer");
  await hydrated(page);
  await expect.poll(() => keptPages(page)).toEqual(expect.arrayContaining(["/timer", "/diary", "/__ripen/viewer"]));

  await context.setOffline(true);
  // The diary from the cache: a check-in waits on the device.
  await page.goto("/diary");
  await hydrated(page);
  await page.getByRole("button", { name: "Check in Stretch" }).click();
  await expect(page.getByTestId("offline-status")).toContainText("Checked in on this device");
  await expect(page.getByRole("button", { name: "Undo check-in of Stretch" })).toHaveAttribute("aria-pressed", "true");

  // The timer from the cache, reloaded: it runs here and completes a session.
  await page.goto("/timer");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("timer-time")).toHaveText("1:00");
  await page.getByRole("button", { name: "Start" }).click();
  const status = page.getByTestId("offline-status");
  await expect(status).toContainText("You are offline. The timer keeps running on this device.");
  await expect(page.getByRole("button", { name: "Pause" })).toBeVisible();
  await expect(page.locator(".timer-phase")).toHaveText("Short break", { timeout: 75_000 });
  await expect(page.getByTestId("announce")).toContainText("Focus finished");
  await expect(status).toContainText("2 records will be saved when you are back online.");
  await expect(page.getByTestId("history")).toContainText("Not saved yet");

  // Back online, the first upload reaches the server but its answer is lost: the page keeps
  // its outbox and sends it again. Nothing may be stored twice.
  let uploads = 0;
  await page.route("**/api/offline/sync", async (route) => {
    uploads += 1;
    if (uploads === 1) {
      await route.fetch();
      await route.abort("connectionreset");
    } else {
      await route.continue();
    }
  });
  await context.setOffline(false);
  await expect(status).toContainText("Back online: 2 records made offline are saved.", { timeout: 30_000 });
  expect(uploads).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("history")).not.toContainText("Not saved yet");

  const sessions = await call(page, "/api/focus/sessions");
  expect(sessions).toHaveLength(1);
  expect(sessions[0].completed).toBe(true);
  expect(sessions[0].focused_seconds).toBe(60);
  const day = await call(page, "/api/diary/day");
  expect(day.habits.filter((h: any) => h.checkin !== null)).toHaveLength(1);
  // The server took the timer as it ran here: on the short break after that session.
  const timer = await call(page, "/api/focus/timer");
  expect(timer.state.phase).toBe("short_break");
  expect(timer.state.focus_done_in_cycle).toBe(1);
  // The outbox is empty: nothing is sent again.
  expect(await page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((ok, fail) => {
      const r = indexedDB.open("ripen", 1);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    return new Promise((ok) => {
      const r = db.transaction("outbox").objectStore("outbox").count();
      r.onsuccess = () => ok(r.result);
    });
  })).toBe(0);
  expect(problems).toEqual([]);
});

test("signing out makes the service worker forget the pages it kept", async ({ page }) => {
  await signUpAndConfirm(page, "forget");
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.goto("/timer");
  await hydrated(page);
  await expect.poll(() => keptPages(page)).toContain("/timer");
  await page.goto("/account");
  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect.poll(() => keptPages(page)).toEqual([]);
});
