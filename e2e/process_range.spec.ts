/**
 * Range controls: select a run of pages in the process grid (shift-click, shift-drag, Shift+arrows)
 * and madvise, mprotect or munmap it. Each control runs the scenario line a learner could type; the
 * view shows the line and the pages change state.
 */
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

async function states(page: Page, first: number, last: number): Promise<number[]> {
  return page.evaluate(
    (r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => window.__mmlab!.pageState(r.first + i)),
    { first, last },
  );
}

test('range select, then madvise, mprotect and munmap run their scenario lines', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.mmap('r1', '1M', 'rw');
  await page.getByRole('button', { name: 'Read all' }).click();
  await app.idle();
  // the transcript sits in the Scenario tab, closed while the process forms are shown
  const log = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  const ran = page.getByTestId('process-run-line');
  const bar = page.getByTestId('range-actions');

  // Shift-click: from the selected page to the clicked one.
  await page.getByRole('radio', { name: /Write/ }).check();
  const c10 = await page.evaluate(() => window.__mmlab!.pageCenter(10));
  await page.mouse.click(c10.x, c10.y); // writes page 10 and selects it
  await app.idle();
  const c17 = await page.evaluate(() => window.__mmlab!.pageCenter(17));
  await page.keyboard.down('Shift');
  await page.mouse.click(c17.x, c17.y);
  await page.keyboard.up('Shift');
  await expect(bar).toContainText('pages 10–17 (8 pages, 32 KiB');
  expect(await page.evaluate(() => window.__mmlab!.pageState(17))).toBe(VPage.Zero); // no access
  await app.screenshot('range-selected');

  await bar.getByRole('button', { name: 'dontneed' }).click();
  await app.idle();
  await expect(ran).toContainText('A madvise r1 0xa000 32K dontneed');
  await expect(log).toContainText('> A madvise r1 0xa000 32K dontneed');
  expect(await states(page, 10, 17)).toEqual(new Array(8).fill(VPage.Untouched));
  expect(await page.evaluate(() => window.__mmlab!.pageState(18))).toBe(VPage.Zero);

  // populate_write on the same range: a frame each.
  await bar.getByRole('button', { name: 'populate_write' }).click();
  await app.idle();
  await expect(ran).toContainText('A madvise r1 0xa000 32K populate_write');
  expect(await states(page, 10, 17)).toEqual(new Array(8).fill(VPage.Private));

  // Shift-drag selects without panning; mprotect none.
  const c20 = await page.evaluate(() => window.__mmlab!.pageCenter(20));
  const c23 = await page.evaluate(() => window.__mmlab!.pageCenter(23));
  await page.keyboard.down('Shift');
  await page.mouse.move(c20.x, c20.y);
  await page.mouse.down();
  await page.mouse.move((c20.x + c23.x) / 2, c20.y, { steps: 3 });
  await page.mouse.move(c23.x, c23.y, { steps: 3 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(bar).toContainText('pages 20–23 (4 pages');
  await bar.getByRole('button', { name: 'mprotect none' }).click();
  await app.idle();
  await expect(ran).toContainText('A mprotect r1 0x14000 16K none');
  expect(await states(page, 20, 23)).toEqual(new Array(4).fill(VPage.ProtNone));

  // Keyboard: Escape clears, an arrow selects the first page, Shift+arrows extend; munmap.
  await page.getByTestId('process-grid').focus();
  await page.keyboard.press('Escape');
  await expect(bar).toContainText('Select pages');
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
  await expect(bar).toContainText('pages 0–3 (4 pages, 16 KiB');
  await bar.getByRole('button', { name: 'munmap' }).click();
  await app.idle();
  await expect(ran).toContainText('A munmap r1 0x0 16K');
  expect(await states(page, 0, 3)).toEqual(new Array(4).fill(VPage.Unmapped));
  expect(await page.evaluate(() => window.__mmlab!.pageState(4))).toBe(VPage.Zero);
  await app.screenshot('range-after');
});
