import { test, expect, type CDPSession, type Page } from "@playwright/test";
import { hydrated, signUpAndConfirm, totp } from "./helpers";

// Passkeys with Chromium's virtual authenticator (CDP WebAuthn domain): a platform
// authenticator that keeps discoverable credentials and verifies the person (as a phone's
// fingerprint check would) without anyone touching it. WebAuthn needs a host name, so
// scripts/test serves the suite at http://localhost:<port>.

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** Takes the browser's passkey list (conditional mediation) away, so the sign-in page offers
 * only its button: the virtual authenticator would otherwise answer the list's request by
 * itself as soon as the page loads (a person picks from the list; see the last test). */
async function withoutPasskeyList(page: Page) {
  await page.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

test("a passkey added in Settings signs in with no username; removed, it no longer does", async ({ page }) => {
  expect(new URL(test.info().project.use.baseURL!).hostname, "WebAuthn needs a host name").toBe("localhost");
  await withoutPasskeyList(page);
  const { cdp, id } = await virtualAuthenticator(page);
  const name = await signUpAndConfirm(page, "pk");
  await page.goto("/account");
  await hydrated(page);

  const card = page.locator("section[aria-labelledby=passkeys-h]");
  await expect(card.getByRole("heading", { name: "Passkeys" })).toBeVisible();
  await expect(card.getByText("No passkeys yet.")).toBeVisible();
  await card.getByLabel("Name").fill("Test laptop");
  let started = Date.now();
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await expect(card.getByText("The passkey is added.")).toBeVisible();
  console.log(`passkey added: ${Date.now() - started} ms from the button to the list`);
  await expect(card.getByText("Test laptop", { exact: true })).toBeVisible();
  const stored = (await cdp.send("WebAuthn.getCredentials", { authenticatorId: id })).credentials;
  expect(stored).toHaveLength(1);
  expect(stored[0].isResidentCredential).toBe(true);
  expect(stored[0].rpId).toBe("localhost");

  // Renamed in place.
  await card.getByRole("button", { name: "Rename — Test laptop" }).click();
  await card.getByLabel("Name", { exact: true }).first().fill("Work laptop");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByText("Work laptop", { exact: true })).toBeVisible();

  // The security activity has it.
  await page.reload();
  await hydrated(page);
  await expect(page.locator("section[aria-labelledby=security-h]")).toContainText("A passkey was added");

  // Signed out, the sign-in page signs in with it: no username, no password.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).not.toHaveURL(/\/account/);
  await page.goto("/login");
  await hydrated(page);
  started = Date.now();
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
  console.log(`passkey sign-in: ${Date.now() - started} ms from the button to the account page`);
  const used = (await cdp.send("WebAuthn.getCredentials", { authenticatorId: id })).credentials;
  expect(used[0].signCount).toBeGreaterThan(stored[0].signCount);

  // Removed: the authenticator still holds it, but it no longer signs in.
  await hydrated(page);
  const list = page.locator("section[aria-labelledby=passkeys-h]");
  await list.getByRole("button", { name: "Remove — Work laptop" }).click();
  await expect(list.getByText("No passkeys yet.")).toBeVisible();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).not.toHaveURL(/\/account/);
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "does not belong to any Ripen account" })).toBeVisible();
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toHaveCount(0);
});

test("with two-step verification on, a passkey still signs in at once and can turn it off; a cancelled one signs nothing in", async ({
  page,
}) => {
  await withoutPasskeyList(page);
  const { cdp, id } = await virtualAuthenticator(page);
  const name = await signUpAndConfirm(page, "pkc");
  await page.goto("/account");
  await hydrated(page);
  const card = page.locator("section[aria-labelledby=passkeys-h]");
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await expect(card.getByText("The passkey is added.")).toBeVisible();

  const twoStep = page.locator("section[aria-labelledby=two-step-h]");
  await twoStep.getByRole("button", { name: "Set up two-step verification" }).click();
  const key = (await twoStep.locator(".secret-key").textContent())!.trim();
  await twoStep.getByRole("textbox", { name: "Code" }).fill(totp(key, Date.now() / 1000));
  await twoStep.getByRole("button", { name: "Turn on" }).click();
  await expect(twoStep.getByText("On. 10 recovery codes left.")).toBeVisible();

  // A passkey is both steps: no code is asked.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).not.toHaveURL(/\/account/);
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();

  // And it turns two-step verification off instead of the password.
  await hydrated(page);
  await twoStep.getByRole("button", { name: "Turn off with a passkey instead" }).click();
  await expect(twoStep.getByRole("button", { name: "Set up two-step verification" })).toBeVisible();

  // The fingerprint check fails: the browser refuses, Ripen says so.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).not.toHaveURL(/\/account/);
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId: id, isUserVerified: false });
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "cancelled or timed out" })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});

test("the browser's passkey list under the username field signs in when a passkey is picked", async ({ page }) => {
  await virtualAuthenticator(page);
  const name = await signUpAndConfirm(page, "pkl");
  await page.goto("/account");
  await hydrated(page);
  const card = page.locator("section[aria-labelledby=passkeys-h]");
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await expect(card.getByText("The passkey is added.")).toBeVisible();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).not.toHaveURL(/\/account/);

  // The username field invites the browser's list (checked in the served page: once the
  // page is running it signs in at once, and the field may be gone before a look at it);
  // the page asks for a passkey through it as it loads, and the virtual authenticator picks
  // its only one, as a person would.
  const served = await (await page.request.get("/login")).text();
  expect(served).toMatch(/<input[^>]*autocomplete="username webauthn"/);
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible({ timeout: 20_000 });
});
