/**
 * The header's tools: the "patterns" switch draws a shape over each in-use frame state (so states
 * differ without colour) and is remembered across visits; ? opens the keyboard shortcuts dialog,
 * which lists the keys and closes with Escape, giving focus back.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('patterns draw shapes over the kernel image and stay on after a reload', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  const FS = await page.evaluate(() => window.__mmlab!.FrameState);
  const kernel = (await page.evaluate((s) => window.__mmlab!.findState(s), FS.KernelImage))!;
  const orange = await page.evaluate((s) => window.__mmlab!.frameColor(s), FS.KernelImage);
  // the centre of a kernel-image cell, 24 px wide: plain orange without patterns
  const c = await app.focus(kernel + 40, 24);
  expect(await page.evaluate((p) => window.__mmlab!.pixelAt(p.x, p.y), c)).toBe(orange);

  const toggle = page.getByRole('checkbox', { name: 'patterns' });
  await toggle.check();
  await app.idle();
  // the slash pattern crosses the cell's centre in dark ink
  const ink = await page.evaluate((p) => window.__mmlab!.pixelAt(p.x, p.y), c);
  expect(ink).not.toBe(orange);
  // the legend's swatch shows the same shape
  await expect(page.locator(`.legend-row[data-state="${FS.KernelImage}"] svg line`)).toHaveCount(1);
  await app.screenshot('patterns-on');

  await page.reload();
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByRole('checkbox', { name: 'patterns' })).toBeChecked();
  const c2 = await app.focus(kernel + 40, 24);
  expect(await page.evaluate((p) => window.__mmlab!.pixelAt(p.x, p.y), c2)).not.toBe(orange);
  await page.getByRole('checkbox', { name: 'patterns' }).uncheck();
  await app.idle();
  expect(await page.evaluate((p) => window.__mmlab!.pixelAt(p.x, p.y), c2)).toBe(orange);
});

test('patterns mark page states on the process grid too: a shared page gets a cross', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  await app.runScenario('A write r1 0 1 1 7\nA fork B');
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(VPage.Shared);
  const shared = await page.evaluate((s) => window.__mmlab!.pageColor(s), VPage.Shared);
  const c = await app.showPage(0, 24);
  expect(await page.evaluate((p) => window.__mmlab!.pagePixelAt(p.x, p.y), c)).toBe(shared);
  await page.getByRole('checkbox', { name: 'patterns' }).check();
  await app.idle();
  // the cross runs through the cell's centre (asked again: checking the header's box may scroll)
  const cc = await page.evaluate(() => window.__mmlab!.pageCenter(0));
  expect(await page.evaluate((p) => window.__mmlab!.pagePixelAt(p.x, p.y), cc)).not.toBe(shared);
  await app.screenshot('patterns-process');
});

test('? opens the keyboard shortcuts, Escape closes them', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeHidden();
  await page.locator('body').press('?');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('boot: the next step');
  await expect(dialog).toContainText('zoom in');
  await expect(dialog).toContainText('read or write the selected page');
  const results = await new AxeBuilder({ page }).include('[data-testid="shortcuts"]').analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
  await app.screenshot('shortcuts');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // typing ? in a field does not open it; the header button does
  const box = page.getByRole('textbox').first();
  await box.focus();
  await page.keyboard.press('?');
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: /Keys/ }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: /Keys/ })).toBeFocused();
});
