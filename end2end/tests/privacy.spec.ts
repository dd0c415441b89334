import { expect, test } from "@playwright/test";
import { hydrated, signUpAndConfirm } from "./helpers";

// A real first visit: no consent cookie.
test.use({ storageState: { cookies: [], origins: [] } });

const STATISTICS = "Count my visits anonymously (per day and page, no IP address)";
const FUNCTIONAL = "Remember my language and theme";
const IMPROVEMENT = "Let anonymised data help improve Ripen's features";

test("a first visit asks before anything optional is stored, and the answer is recorded and changeable", async ({
  page,
  context,
}) => {
  await page.goto("/");
  await hydrated(page);
  const dialog = page.getByRole("dialog", { name: "Your privacy choices" });
  await expect(dialog).toBeVisible();

  // Before any answer: no cookie at all, and nothing in local storage or IndexedDB.
  expect(await context.cookies()).toEqual([]);
  const stored = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    idb: (await indexedDB.databases()).length,
  }));
  expect(stored).toEqual({ local: 0, session: 0, idb: 0 });

  // Three answers of equal weight: same size and the same look.
  const answers = [
    dialog.getByRole("button", { name: "Essential only" }),
    dialog.getByRole("button", { name: "Accept all" }),
    dialog.getByText("Choose…"),
  ];
  const boxes = await Promise.all(answers.map((a) => a.boundingBox()));
  const styles = await Promise.all(
    answers.map((a) =>
      a.evaluate((el) => {
        const s = getComputedStyle(el);
        return [s.backgroundColor, s.color, s.fontWeight, s.fontSize, s.borderColor].join("|");
      }),
    ),
  );
  for (const b of boxes) {
    expect(Math.abs(b!.width - boxes[0]!.width)).toBeLessThan(2);
    expect(Math.abs(b!.height - boxes[0]!.height)).toBeLessThan(2);
  }
  expect(new Set(styles).size).toBe(1);

  // "Choose…": nothing is pre-ticked. Allow statistics only.
  await answers[2].click();
  for (const label of [FUNCTIONAL, STATISTICS, IMPROVEMENT]) {
    await expect(dialog.getByLabel(label)).not.toBeChecked();
  }
  await dialog.getByLabel(STATISTICS).check();
  await dialog.getByRole("button", { name: "Save my choices" }).click();
  await expect(dialog).toBeHidden();

  // The answer is kept in one essential, HttpOnly cookie…
  const cookies = await context.cookies();
  expect(cookies.map((c) => c.name)).toEqual(["ripen_consent"]);
  expect(cookies[0].httpOnly).toBe(true);
  expect(cookies[0].value).toMatch(/\.010$/);
  // …so the dialog does not come back.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("dialog", { name: "Your privacy choices" })).toHaveCount(0);

  // Signed in, Settings shows the choices and their history; a change is recorded too.
  await signUpAndConfirm(page, "consent");
  await page.reload();
  await hydrated(page);
  const card = page.getByRole("region", { name: "Privacy choices" });
  // This browser's answer as a visitor became the account's, with its time.
  await expect(card.getByLabel(STATISTICS)).toBeChecked();
  await expect(card.getByLabel(FUNCTIONAL)).not.toBeChecked();
  const history = card.locator(".consent-history li");
  await expect(history).toHaveCount(1);
  await expect(history.first()).toContainText("language and theme: no, statistics: yes, improvement: no");
  await card.getByLabel(FUNCTIONAL).check();
  await card.getByRole("button", { name: "Save choices" }).click();
  await expect(card.getByText("Saved.")).toBeVisible();
  await expect(history).toHaveCount(2);
  const fromSettings = history.filter({ hasText: "settings" });
  await expect(fromSettings).toHaveCount(1);
  await expect(fromSettings).toContainText("language and theme: yes, statistics: yes, improvement: no");

  await page.reload();
  await hydrated(page);
  const again = page.getByRole("region", { name: "Privacy choices" });
  await expect(again.getByLabel(STATISTICS)).toBeChecked();
  await expect(again.getByLabel(FUNCTIONAL)).toBeChecked();
  await expect(again.getByLabel(IMPROVEMENT)).not.toBeChecked();
  expect((await context.cookies()).find((c) => c.name === "ripen_consent")!.value).toMatch(/\.110$/);
});
