/**
 * The userfaultfd controls of the range bar (#15): register a region (UFFDIO_REGISTER, MISSING mode),
 * then UFFDIO_ZEROPAGE on part of it: those pages map the shared zero page without a fault, and a
 * second zeropage over them is EEXIST. Each button runs the scenario line a learner could type.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('uffd register and zeropage run their lines; the pages map the zero page, then EEXIST', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  const ran = page.getByTestId('process-run-line');
  const bar = page.getByTestId('range-actions');
  const grid = page.getByTestId('process-grid');
  const select = async (first: number, last: number) => {
    await grid.focus();
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowRight');
    for (let i = 0; i < first; i++) await page.keyboard.press('ArrowRight');
    for (let i = first; i < last; i++) await page.keyboard.press('Shift+ArrowRight');
  };

  await select(0, 15);
  await expect(bar).toContainText('pages 0–15 (16 pages, 64 KiB');
  await bar.getByRole('button', { name: 'uffd register' }).click();
  await app.idle();
  await expect(ran).toContainText('A uffd register r1 0x0 64K');

  await select(4, 7);
  await expect(bar).toContainText('pages 4–7 (4 pages, 16 KiB');
  await bar.getByRole('button', { name: 'uffd zeropage' }).click();
  await app.idle();
  await expect(ran).toContainText('A uffd zeropage r1 0x4000 16K');
  const states = () =>
    page.evaluate(() => Array.from({ length: 16 }, (_, i) => window.__mmlab!.pageState(i)));
  const s = await states();
  expect(s.slice(4, 8)).toEqual([VPage.Zero, VPage.Zero, VPage.Zero, VPage.Zero]);
  expect(s.filter((x) => x === VPage.Zero)).toHaveLength(4);
  await app.screenshot('uffd-zeropage');

  // Again over the same pages: the first already has a PTE
  await bar.getByRole('button', { name: 'uffd zeropage' }).click();
  await app.idle();
  // the transcript (the scenario panel's history) has what the ioctl returned
  await expect(page.getByText(/A: uffd zeropage: EEXIST/).first()).toContainText(
    'A: uffd zeropage: EEXIST (zeropage=-17)',
  );
  expect(await states()).toEqual(s);
});
