import { test, expect } from "@playwright/test";
import { grantRole, hydrated, letterLinkFromOutbox, signUpAndConfirm } from "./helpers";

// Publish → visible logged out → like → report → a moderator hides it → gone from the wall.
// The e2e server's 30-second minimum lead (scripts/test) makes the letter due within ~95 s.
test("a public letter reaches the wall, is liked and reported, and a moderator hides it", async ({ page, browser }) => {
  test.setTimeout(200_000);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  const author = await signUpAndConfirm(page, "wal");
  const title = `Under the plum tree ${Date.now().toString(36)}`;
  await page.goto("/letters/new");
  await hydrated(page);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Letter", { exact: true }).fill("Dear me,\n\nKeep planting trees.");
  await page.getByLabel("After delivery, show it on the public letter wall, without my name").check();
  await page.getByLabel("Pen name (optional)").fill("Gardener");
  await page.getByRole("group", { name: /Topics on the wall/ }).getByLabel("Hope").check();
  const { date, time } = await page.evaluate(() => {
    const t = new Date(Date.now() + 35_000);
    t.setSeconds(0, 0);
    t.setMinutes(t.getMinutes() + 1);
    const p = (n: number) => String(n).padStart(2, "0");
    return {
      date: `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`,
      time: `${p(t.getHours())}:${p(t.getMinutes())}`,
    };
  });
  await page.getByLabel("Date").fill(date);
  await page.getByLabel("Time").fill(time);
  const scheduledAt = Date.now();
  await page.getByRole("button", { name: "Schedule letter" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Scheduled letter");
  await letterLinkFromOutbox(`${author}@example.com`, scheduledAt, 150_000);

  // Logged out: on the wall, signed with the pen name, never the username.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto("/wall?topic=hope");
  const card = visitor.locator(".wall-card", { hasText: title });
  await expect(card).toBeVisible();
  await expect(card).toContainText("Gardener");
  await expect(visitor.locator("body")).not.toContainText(author);
  // Searching the wall with its form finds it by a word of its text, and a word in no
  // letter says so.
  const search = visitor.getByRole("search", { name: "Search the wall" });
  await search.getByLabel("Search letters by words in their title or text").fill("planting");
  await search.getByRole("button", { name: "Search" }).click();
  await expect(visitor).toHaveURL(/[?&]q=planting/);
  await expect(visitor.locator(".wall-card", { hasText: title })).toBeVisible();
  await visitor.goto("/wall?q=zebrafinch");
  await expect(visitor.getByText("No letters match “zebrafinch”")).toBeVisible();
  await visitor.goto("/wall?topic=hope");
  await card.getByRole("link", { name: title }).click();
  await expect(visitor.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(visitor).toHaveTitle(`${title} · Ripen`);
  const letterUrl = visitor.url();

  // A reader likes it and reports it.
  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  await signUpAndConfirm(reader, "rdr");
  await reader.goto(letterUrl);
  await hydrated(reader);
  const like = reader.getByRole("button", { name: "This touched me" });
  await expect(like).toHaveAttribute("aria-pressed", "false");
  await like.click();
  await expect(like).toHaveAttribute("aria-pressed", "true");
  await expect(reader.locator(".like-count")).toHaveText("1 person was touched");
  await reader.getByRole("button", { name: "Report this letter" }).click();
  await reader.getByLabel("It reveals someone's personal information").check();
  await reader.getByLabel("Anything the moderators should know (optional)").fill("Names a neighbour.");
  await reader.getByRole("button", { name: "Send report" }).click();
  await expect(reader.getByText("Thank you. A moderator will look at this letter.")).toBeVisible();

  // A moderator, granted from the command line, hides it.
  const modContext = await browser.newContext();
  const moderator = await modContext.newPage();
  const modName = await signUpAndConfirm(moderator, "mod");
  grantRole("moderator", modName);
  await moderator.goto("/admin/moderation");
  await hydrated(moderator);
  const item = moderator.locator(".moderation-item", { hasText: title });
  await expect(item).toContainText("Names a neighbour.");
  await expect(item).toContainText("1 open report");
  await item.getByRole("button", { name: "Hide from the wall" }).click();
  await expect(item.getByText("Hidden", { exact: true })).toBeVisible();

  // Gone for everyone, at once.
  await visitor.goto("/wall");
  await expect(visitor.getByRole("heading", { level: 1 })).toHaveText("Letter wall");
  await expect(visitor.locator(".wall-card", { hasText: title })).toHaveCount(0);
  const gone = await visitor.goto(letterUrl);
  expect(gone!.status()).toBe(404);
  for (const c of [visitorContext, readerContext, modContext]) await c.close();
  expect(problems, problems.join("\n")).toEqual([]);
});
