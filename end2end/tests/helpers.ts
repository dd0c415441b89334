import { expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The outbox the server writes emails to (no SMTP server configured in e2e runs). */
const outbox = process.env.E2E_OUTBOX ?? "";

function decodePart(headers: string, body: string): string {
  const cte = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (cte === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (cte === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** Decoded text of every MIME part of a raw message. */
function mimeText(raw: string): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  if (!boundary) {
    const [h, ...b] = raw.split(/\r?\n\r?\n/);
    return decodePart(h, b.join("\n\n"));
  }
  return raw
    .split(`--${boundary}`)
    .map((part) => {
      const [h, ...b] = part.split(/\r?\n\r?\n/);
      return decodePart(h, b.join("\n\n"));
    })
    .join("\n");
}

/** Waits for an email to `to` whose text contains `path`, and returns that link. */
export async function linkFromOutbox(to: string, path: string, after: number): Promise<string> {
  expect(outbox, "E2E_OUTBOX must name the server's outbox").not.toBe("");
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const files = readdirSync(outbox)
      .map((f) => join(outbox, f))
      .filter((f) => statSync(f).mtimeMs >= after)
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    for (const f of files) {
      const raw = readFileSync(f, "utf8");
      if (!raw.toLowerCase().includes(`to: ${to}`) && !raw.includes(`<${to}>`)) continue;
      const m = new RegExp(`https?://[^\\s"<>]*${path}\\?token=[A-Za-z0-9_-]+`).exec(mimeText(raw));
      if (m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} with ${path}`);
}

/** Waits for the page's WebAssembly to take over. Generous: on a 2-core machine busy with a
 * build, loading and compiling the debug bundle was seen to take over 15 s. */
export async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 45_000 });
}


export const PASSWORD = "plum orchard at dusk";

/** Signs up a fresh user, confirms the address from the outbox, and leaves the page signed in. */
export async function signUpAndConfirm(page: Page, prefix: string): Promise<string> {
  const name = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const email = `${name}@example.com`;
  const started = Date.now() - 1000;
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("I am 13 years old or older.").check();
  await page.getByLabel(/I have read and accept/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await page.goto(await linkFromOutbox(email, "/verify-email", started));
  await hydrated(page);
  // Confirming asks for the account's password (the link alone proves the address only).
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
  return name;
}

/** `ripen admin grant --role <role> <name>` against the e2e server's data directory. */
export function grantRole(role: "administrator" | "moderator" | "support", name: string) {
  const dataDir = join(outbox, "..");
  const ripen = join(__dirname, "../../target/debug/ripen");
  const out = execFileSync(ripen, ["admin", "grant", "--role", role, name], {
    env: { PATH: process.env.PATH ?? "", RIPEN_DATA_DIR: dataDir, RIPEN_LOG_FILTER: "error" },
  }).toString();
  expect(out).toContain(`${name} is now a`);
}

/** Sets the focus phase to one minute from the timer page's settings. */
export async function useOneMinuteFocus(page: Page) {
  await page.getByText("Timer settings").click();
  await page.getByLabel("Focus (minutes)").fill("1");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByTestId("timer-time")).toHaveText("1:00");
}

/** Logs in an existing user on this page. */
export async function logIn(page: Page, name: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username or email").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
}

/** Fills the letter editor's date and time with the first whole minute at least `leadMs`
 * from now, schedules the letter, and returns when it was scheduled (for the outbox). */
export async function scheduleAtNextMinute(page: Page, leadMs: number): Promise<number> {
  const { date, time } = await page.evaluate((lead) => {
    const t = new Date(Date.now() + lead);
    t.setSeconds(0, 0);
    t.setMinutes(t.getMinutes() + 1);
    const p = (n: number) => String(n).padStart(2, "0");
    return { date: `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`, time: `${p(t.getHours())}:${p(t.getMinutes())}` };
  }, leadMs);
  await page.getByLabel("Date").fill(date);
  await page.getByLabel("Time").fill(time);
  const scheduledAt = Date.now();
  await page.getByRole("button", { name: "Schedule letter" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Scheduled letter");
  return scheduledAt;
}

/** Waits (up to `ms`) for an email to `to` carrying a letter link (`/l/<token>`). */
export async function letterLinkFromOutbox(to: string, after: number, ms: number): Promise<string> {
  expect(outbox, "E2E_OUTBOX must name the server's outbox").not.toBe("");
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const f of readdirSync(outbox).map((f) => join(outbox, f))) {
      if (statSync(f).mtimeMs < after) continue;
      const raw = readFileSync(f, "utf8");
      if (!raw.toLowerCase().includes(`to: ${to}`) && !raw.includes(`<${to}>`)) continue;
      const m = /https?:\/\/[^\s"<>]*\/l\/[A-Za-z0-9_-]+/.exec(mimeText(raw));
      if (m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no letter to ${to} within ${ms} ms`);
}

/** RFC 6238 (HMAC-SHA1, six digits, 30 s) for a base32 key, at `unixSecs`. */
export function totp(key: string, unixSecs: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of key.replace(/\s/g, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSecs / 30)));
  const mac = createHmac("sha1", bytes).update(counter).digest();
  const o = mac[mac.length - 1] & 0x0f;
  const n = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  return (n % 1_000_000).toString().padStart(6, "0");
}

// The English catalogue, as `ripen catalogue en` prints it (scripts/test writes the file).
export const cataloguePath = process.env.E2E_CATALOGUE_EN ?? "";

/** Every English text, split at its {placeholders} into the fixed parts around them. */
export function englishTexts(): Set<string> {
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
export async function pageTexts(page: Page): Promise<string[]> {
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

export async function expectNoEnglish(page: Page, path: string, english: Set<string>, allowed: string[]) {
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
