import { defineConfig, devices } from "@playwright/test";

// The server is started by scripts/test (a fresh data directory on a free port) and its URL
// passed in E2E_BASE_URL; global-setup.ts waits until it is ready.
const baseURL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000";

// Every test but the consent one starts with the privacy dialog already answered
// ("essential only"), so the dialog does not cover what they click. The version is far in
// the future so a policy change never brings the dialog back mid-suite. privacy.spec.ts
// clears this to test a real first visit.
const answeredConsent = {
  cookies: [
    {
      name: "ripen_consent",
      value: "00000000-0000-4000-8000-000000000000.9999-12-31.000",
      domain: new URL(baseURL).hostname,
      path: "/",
      expires: -1,
      httpOnly: true,
      secure: false,
      sameSite: "Lax" as const,
    },
  ],
  origins: [],
};

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  // A test loads several pages, and each waits for the WebAssembly to take over; on a busy
  // 2-core machine one such wait was seen to take over 15 s (helpers.ts `hydrated`), so a
  // test with four page loads needs more than the default 30 s. Only failures take longer.
  timeout: 90_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    storageState: answeredConsent,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's chromium; Playwright's own browser download is not possible here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], channel: undefined } },
  ],
});
