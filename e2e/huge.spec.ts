/**
 * Transparent huge pages in the browser: a 2 MiB-aligned MADV_HUGEPAGE region, read (one PMD maps
 * the huge zero folio, drawn as one 512-page block, huge_zero_refcount 2), written (a 512-frame THP
 * in the frame grid, AnonHugePages 2048 kB), then the process exits and the shrinker frees the huge
 * zero folio. Block zeroing: 1 GiB in 4 KiB bvecs versus the persistent huge zero folio's 2 MiB.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test.describe.configure({ mode: 'serial' });

test('a MADV_HUGEPAGE region maps the huge zero folio, then a THP; the shrinker frees the folio', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open(); // x86-64, 1 GiB
  const HZ = await page.evaluate(() => window.__mmlab!.VPAGE_HUGE_ZERO);
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.openPanel('huge');
  const panel = page.getByTestId('huge-panel');
  await expect(panel.getByTestId('huge-zero-pfn')).toHaveText('not allocated');

  await app.spawn('A');
  await app.mmap('r1', '4M', 'rw'); // a multiple of 2 MiB: placed PMD-aligned
  const start = await page.evaluate(() => window.__mmlab!.pageCount);
  expect(start).toBe(1024);
  await app.runScenario('A madvise r1 0 4M hugepage');
  await expect(app.banner).toBeHidden();

  // Read one byte: one PMD maps the huge zero folio, 512 pages as one block.
  await app.clickPage(3, 14);
  await expect(app.banner).toBeHidden();
  const counts = await page.evaluate(() => window.__mmlab!.pageCounts());
  expect(counts[HZ]).toBe(512);
  expect(counts[VPage.Untouched]).toBe(512);
  await expect(page.getByTestId(`page-count-${HZ}`)).toHaveText('512');
  await expect(panel.getByTestId('huge-zero-refcount')).toHaveText('2');
  await expect(panel.getByTestId('huge-zero-holders')).toHaveText('A (pid 100)');
  const hugeZeroPfn = await page.evaluate(() => window.__mmlab!.hugeInfo!.pfn!);
  expect(hugeZeroPfn).toBeGreaterThan(0);
  expect(await page.evaluate(() => window.__mmlab!.pagePfn(0))).toBe(hugeZeroPfn);
  expect(await page.evaluate(() => window.__mmlab!.pagePfn(511))).toBe(hugeZeroPfn + 511);
  // Distinct from the 4 KiB zero page: not black.
  const c3 = await app.showPage(3, 14);
  expect(await page.evaluate((p) => window.__mmlab!.pagePixelAt(p.x, p.y), c3)).toBe(
    await page.evaluate((s) => window.__mmlab!.pageColor(s), HZ),
  );
  expect(await page.evaluate((s) => window.__mmlab!.pageColor(s), HZ)).not.toBe('#000000');
  // The walk ends at the PMD, with the deposited PTE table.
  await app.openPanel('page');
  const details = page.getByTestId('page-details');
  await expect(details.getByTestId('page-state')).toHaveText('huge zero page (PMD)');
  await expect(details.getByTestId('huge-leaf')).toContainText('huge leaf (the huge zero folio');
  await expect(details.getByTestId('huge-leaf')).toContainText('deposited PTE table at pfn 0x');
  await app.screenshot('huge-zero-read', true);

  // Write one byte in the other PMD: a THP, 512 frames in the frame grid.
  await page.locator('body').press('w');
  await app.clickPage(600, 14);
  await expect(app.banner).toBeHidden();
  const after = await page.evaluate(() => window.__mmlab!.pageCounts());
  expect(after[VPage.Huge]).toBe(512);
  expect(after[HZ]).toBe(512);
  const thp = await page.evaluate(() => window.__mmlab!.pagePfn(512));
  expect(thp % 512).toBe(0);
  expect(await page.evaluate(() => window.__mmlab!.pagePfn(1023))).toBe(thp + 511);
  await expect(details.getByTestId('huge-leaf')).toContainText('huge leaf (a THP');
  await expect(panel.getByTestId('thp-count')).toHaveText('1');
  expect(await page.evaluate(() => window.__mmlab!.hugeInfo!.folios)).toEqual([
    { pfn: thp, nr: 512, kind: 'thp' },
  ]);
  const FS = await page.evaluate(() => window.__mmlab!.FrameState);
  for (const pfn of [thp, thp + 1, thp + 511])
    expect(await page.evaluate((p) => window.__mmlab!.frameState(p), pfn)).toBe(FS.Anon);
  // smaps_rollup is read while its tab is open (it walks every page table): open it, then go back
  await app.openPanel('status');
  await expect(page.getByTestId('proc-smaps-rollup')).toContainText(/AnonHugePages:\s+2048 kB/);
  await app.openPanel('page');
  await expect(panel.getByTestId('huge-zero-refcount')).toHaveText('2');
  // The frame grid, zoomed on the THP: one 512-frame block, head outlined.
  await page.mouse.move(1, 1);
  await app.focus(thp, 10);
  await app.screenshot('huge-thp-frames');

  // Exit: the mm's reference goes; the shrinker's is the last, so drop_caches frees the folio.
  await app.openPanel('processes'); // the Page tab shares its dock
  await page.getByRole('button', { name: 'Exit A' }).click();
  await app.idle();
  await expect(panel.getByTestId('huge-zero-refcount')).toHaveText('1');
  await expect(panel.getByTestId('huge-zero-holders')).toHaveText('no mm');
  await app.openPanel('huge'); // the Selected page tab shares its dock
  await panel.getByRole('button', { name: 'Run shrinker (drop_caches)' }).click();
  await app.idle();
  await expect(panel.getByTestId('shrinker-result')).toHaveText(/freed 512 pages \(2 MiB\)/);
  await expect(panel.getByTestId('huge-zero-pfn')).toHaveText('not allocated');
  await expect(panel.getByTestId('huge-zero-refcount')).toHaveText('0');
  expect(await page.evaluate((p) => window.__mmlab!.frameState(p), hugeZeroPfn)).toBeLessThan(FS.Pcp);
  await panel.scrollIntoViewIfNeeded();
  await app.screenshot('huge-shrinker');
});

test('block zeroing: 1 GiB is 1024 bios of 4K bvecs, or 2 bios with a persistent huge zero folio', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  const form = await app.settings();
  await form.getByLabel('huge zero').selectOption('persistent');
  await app.rebootNow();
  await expect(page.getByTestId('machine-summary')).toContainText('huge zero persistent');
  await expect(page.getByTestId('huge-zero-kind')).toHaveText('persistent');
  await expect(page.getByTestId('huge-zero-pfn')).not.toHaveText('not allocated');

  await app.openPanel('blkzero');
  const bz = page.getByTestId('block-zero');
  const zform = page.getByRole('form', { name: 'Block zeroing' });
  await zform.getByLabel('bytes to zero').fill('1G');
  await zform.getByLabel('4K zero page').check();
  await zform.getByRole('button', { name: 'Build bios' }).click();
  await app.idle();
  await expect(bz.getByTestId('zeroout-bios')).toHaveText('1,024 bios');
  await expect(bz.getByTestId('zeroout-bvecs')).toHaveText('262,144 bvecs');
  await expect(bz.getByTestId('zeroout-bvec-bytes')).toHaveText('4 KiB per bvec');
  await expect(bz.getByTestId('bio-more')).toHaveText('… 1,020 more');
  await bz.scrollIntoViewIfNeeded();
  await app.screenshot('huge-blkzero-page');

  // Keyboard: the radio and the button.
  await zform.getByLabel('largest zero folio').focus();
  await page.keyboard.press('Space');
  await zform.getByRole('button', { name: 'Build bios' }).focus();
  await page.keyboard.press('Enter');
  await app.idle();
  await expect(bz.getByTestId('zeroout-bios')).toHaveText('2 bios');
  await expect(bz.getByTestId('zeroout-bvecs')).toHaveText('512 bvecs');
  await expect(bz.getByTestId('zeroout-bvec-bytes')).toHaveText('2 MiB per bvec');

  // A device limit splits them.
  await zform.getByLabel('max transfer (optional)').fill('1M');
  await zform.getByRole('button', { name: 'Build bios' }).click();
  await app.idle();
  await expect(bz.getByTestId('zeroout-split')).toHaveText('1,024 bios');
  await bz.scrollIntoViewIfNeeded();
  await app.screenshot('huge-blkzero-largest');
});
