import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The first-load budget (budget/first_load.spec.ts): run by scripts/test against a second
// server that serves the release build of the front end (`cargo leptos build --release
// --split`), as users get it. Same browser and consent as the main suite.
export default defineConfig({
  ...base,
  testDir: "./budget",
  // Each route is loaded on a throttled phone profile (4x CPU, 1.6 Mbps, 150 ms).
  timeout: 600_000,
  reporter: [["list"]],
});
