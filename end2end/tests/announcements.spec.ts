import { test, expect } from "@playwright/test";
import { grantRole, hydrated, logIn, signUpAndConfirm } from "./helpers";

// An administrator publishes an announcement (for staff, so the other tests' pages stay as
// they are); a reader sees it in English, dismisses it, and it stays dismissed after a
// reload and on a second device; a reader in Chinese sees the Chinese text.
test("an announcement reaches readers in their language and stays dismissed on another device", async ({ browser }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  const stamp = Date.now().toString(36);
  const titleEn = `Garden closed for pruning ${stamp}`;
  const titleZh = `花园修剪暂停开放 ${stamp}`;

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  admin.on("pageerror", (err) => problems.push(err.message));
  const adminName = await signUpAndConfirm(admin, "adm");
  grantRole("administrator", adminName);
  await admin.goto("/admin/announcements");
  await hydrated(admin);
  await admin.getByLabel("Title (English)").fill(titleEn);
  await admin.getByLabel("Text (English)").fill("The wall rests for an hour on Sunday.");
  await admin.getByLabel("Title (简体中文)").fill(titleZh);
  await admin.getByLabel("Text (简体中文)").fill("周日信件墙将暂停一小时。");
  await admin.getByLabel("Show it to").selectOption("staff");
  await admin.getByLabel("Link (optional)").fill("/wall");
  await admin.getByRole("button", { name: "Publish" }).click();
  await expect(admin.getByText("Published. It shows on everyone’s next page.")).toBeVisible();
  const row = admin.locator("tr", { hasText: titleEn });
  await expect(row).toContainText("Showing");

  // A reader on a laptop: the banner, then dismissed.
  const laptopContext = await browser.newContext();
  const laptop = await laptopContext.newPage();
  laptop.on("pageerror", (err) => problems.push(err.message));
  const reader = await signUpAndConfirm(laptop, "ann");
  grantRole("support", reader);
  await laptop.goto("/timer");
  await hydrated(laptop);
  const banner = laptop.getByRole("region", { name: "Announcements" });
  await expect(banner).toContainText(titleEn);
  await expect(banner.getByRole("link", { name: "Read more" })).toHaveAttribute("href", "/wall");
  await banner.getByRole("button", { name: `Dismiss “${titleEn}”` }).click();
  await expect(laptop.getByText(titleEn)).toBeHidden();
  await laptop.reload();
  await hydrated(laptop);
  await expect(laptop.getByRole("timer", { name: "Time left" })).toBeVisible();
  await expect(laptop.getByText(titleEn)).toHaveCount(0);

  // The same reader's phone: already dismissed.
  const phoneContext = await browser.newContext();
  const phone = await phoneContext.newPage();
  await logIn(phone, reader);
  await phone.goto("/timer");
  await hydrated(phone);
  await expect(phone.getByRole("timer", { name: "Time left" })).toBeVisible();
  await expect(phone.getByText(titleEn)).toHaveCount(0);

  // A reader in Chinese.
  const zhContext = await browser.newContext();
  const zh = await zhContext.newPage();
  zh.on("pageerror", (err) => problems.push(err.message));
  const zhReader = await signUpAndConfirm(zh, "lin");
  grantRole("support", zhReader);
  await zh.goto("/timer");
  await hydrated(zh);
  await zh.getByRole("button", { name: /简体中文/ }).click();
  await expect(zh.locator("html")).toHaveAttribute("lang", "zh-Hans");
  await hydrated(zh);
  const zhBanner = zh.getByRole("region", { name: "公告" });
  await expect(zhBanner).toContainText(titleZh);
  await expect(zhBanner).not.toContainText(titleEn);

  // Withdrawn, it is gone for everyone.
  await row.getByRole("button", { name: "Withdraw" }).click();
  await expect(admin.locator("tr", { hasText: titleEn })).toContainText("Withdrawn");
  await zh.reload();
  await hydrated(zh);
  await expect(zh.getByText(titleZh)).toHaveCount(0);

  for (const c of [adminContext, laptopContext, phoneContext, zhContext]) await c.close();
  expect(problems, problems.join("\n")).toEqual([]);
});
