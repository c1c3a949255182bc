/**
 * The mremap controls of the range bar: grow a selected region to twice its length (in place when
 * the space after it is free), then move it with MREMAP_DONTUNMAP. Each runs the scenario line a
 * learner could type; the region's pages keep their frames, since mremap moves page-table entries,
 * not pages.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('mremap grow and move run their scenario lines; the pages keep their frames', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  await page.getByRole('radio', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Write all' }).click();
  await app.idle();
  const ran = page.getByTestId('process-run-line');
  const bar = page.getByTestId('range-actions');
  const pfns = () => page.evaluate(() => Array.from({ length: 16 }, (_, i) => window.__mmlab!.pagePfn(i)));
  const before = await pfns();
  expect(before.every((p) => p > 0)).toBe(true);

  // Select the whole region: page 0, then Shift+arrows to page 15.
  await page.getByTestId('process-grid').focus();
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 15; i++) await page.keyboard.press('Shift+ArrowRight');
  await expect(bar).toContainText('pages 0–15 (16 pages, 64 KiB');

  await bar.getByRole('button', { name: 'mremap grow' }).click();
  await app.idle();
  await expect(ran).toContainText('A mremap r1 0x0 64K 128K maymove');
  expect(await page.evaluate(() => window.__mmlab!.pageCount)).toBe(32);
  expect(await pfns()).toEqual(before);
  expect(await page.evaluate(() => window.__mmlab!.pageState(20))).toBe(VPage.Untouched);

  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 15; i++) await page.keyboard.press('Shift+ArrowRight');
  await bar.getByRole('button', { name: 'mremap move' }).click();
  await app.idle();
  await expect(ran).toContainText('A mremap r1 0x0 64K 64K maymove dontunmap');
  // Part of r1 moved: r1 keeps its 32 pages, the 16 it gave up are empty (DONTUNMAP)...
  expect(await page.evaluate(() => window.__mmlab!.pageCount)).toBe(32);
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(VPage.Untouched);
  // ...and the moved pages are a region of their own: the same frames at a new address.
  await page.getByTitle('The region shown').selectOption('r1_moved');
  await app.idle();
  expect(await page.evaluate(() => window.__mmlab!.pageCount)).toBe(16);
  expect(await pfns()).toEqual(before);
  await app.screenshot('mremap-moved');
});
