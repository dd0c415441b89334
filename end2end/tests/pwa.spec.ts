import { expect, test } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

test("the manifest parses with the members an installable app needs, and its icons load", async ({ page, request }) => {
  await page.goto("/");
  const href = await page.locator('link[rel="manifest"]').getAttribute("href");
  expect(href).toBe("/manifest.webmanifest");
  const res = await request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("application/manifest+json");
  const m = await res.json();
  for (const member of ["name", "short_name", "start_url", "scope", "theme_color", "background_color"]) {
    expect(m[member], member).toBeTruthy();
  }
  expect(m.display).toBe("standalone");
  const sizes = m.icons.map((i: { sizes: string }) => i.sizes);
  expect(sizes).toContain("192x192");
  expect(sizes).toContain("512x512");
  expect(m.icons.some((i: { purpose?: string }) => i.purpose?.includes("maskable"))).toBe(true);
  for (const icon of m.icons) {
    const r = await request.get(icon.src);
    expect(r.status(), icon.src).toBe(200);
    expect(r.headers()["content-type"]).toBe("image/png");
    // The size in the manifest is the image's real size (PNG header: width, height).
    const png = await r.body();
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
  }
});

test("the service worker registers, controls the page, and serves the offline page without a network", async ({ page, context }) => {
  await page.goto("/");
  await hydrated(page);
  const active = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active?.scriptURL ?? null;
  });
  expect(active).toMatch(/\/sw\.js$/);
  await page.reload();
  await hydrated(page);
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  // The worker precached this build's files (named by their hash) and nothing personal
  // (a signed-in person's own pages live in a cache of their own: see offline.spec.ts).
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const cache = await caches.open(names.find((n) => n.startsWith("ripen-") && !n.startsWith("ripen-pages-"))!);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  expect(cached).toContain("/offline.html");
  expect(cached.some((p) => p.endsWith(".wasm"))).toBe(true);
  expect(cached.every((p) => !p.startsWith("/api/") && p !== "/" && p !== "/timer")).toBe(true);

  await context.setOffline(true);
  await page.goto("/diary").catch(() => {});
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await context.setOffline(false);
});

test("the theme button switches the theme at once, and a signed-in choice is rendered by the server", async ({ page }) => {
  await signUpAndConfirm(page, "theme");
  const html = page.locator("html");
  await expect(html).toHaveAttribute("data-theme", "system");
  const button = page.getByRole("button", { name: /^Theme: System/ });
  await button.click();
  await expect(html).toHaveAttribute("data-theme", "light");
  await page.getByRole("button", { name: /^Theme: Light/ }).click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await expect
    .poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor))
    .toBe("rgb(21, 18, 15)");
  // The server stored it: the HTML itself carries it (no flash before the app loads).
  await expect
    .poll(async () => (await (await page.request.get("/timer")).text()).includes('data-theme="dark"'))
    .toBe(true);
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await hydrated(page);
  await expect(page.getByRole("button", { name: /^Theme: Dark/ })).toBeVisible();
});
