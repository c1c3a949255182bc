/**
 * Processes in the browser: spawn a process, map a region, read it all (every PTE points at the zero
 * page and RSS does not move), then write one zero-mapped page with a click: the page turns private,
 * a new anonymous frame appears in the frame grid at the pfn the worker reports, and VmRSS rises by
 * exactly one page. Fork then shares the page with the child. Bad lines and a SIGSEGV keep the
 * machine, and say what happened.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test.describe.configure({ mode: 'serial' });

test('a write fault on a zero-mapped page draws a new anon frame and adds 4 kB of RSS', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  const api = () => page.evaluate(() => window.__mmlab!);
  const VPage = (await api()).VPageState;
  const FS = (await api()).FrameState;

  await app.spawn('A');
  await expect(page.getByTestId('process-list')).toContainText('A');
  await app.mmap('r1', '64M', 'rw');
  await expect(page.getByTestId('process-grid-caption')).toContainText('A r1: 16,384 pages');
  expect(await page.evaluate(() => window.__mmlab!.pageCount)).toBe(16384);
  expect((await page.evaluate(() => window.__mmlab!.pageCounts()))[VPage.Untouched]).toBe(16384);
  await expect.poll(() => app.statusKb('VmSize')).toBeGreaterThanOrEqual(65536);
  const rssBefore = await app.statusKb('VmRSS');

  // Read every page: each PTE now points at the zero page, and no memory was used for it.
  await app.runScenario('A read r1 0 64M 4K');
  await expect(app.banner).toBeHidden();
  const counts = await page.evaluate(() => window.__mmlab!.pageCounts());
  expect(counts[VPage.Zero]).toBe(16384);
  await expect(page.getByTestId(`page-count-${VPage.Zero}`)).toHaveText('16,384');
  const zero = await page.evaluate(() => window.__mmlab!.zeroPagePfn!);
  expect(await page.evaluate(() => window.__mmlab!.pagePfn(100))).toBe(zero);
  await expect.poll(() => app.statusKb('VmRSS')).toBe(rssBefore);
  expect(await app.statusKb('VmPTE')).toBeGreaterThan(0);
  await expect(page.getByRole('log', { name: 'Scenario lines run', includeHidden: true })).toContainText(
    '> A read r1 0 64M 4K',
  );

  // Zero-mapped pages are black in the process grid, as the zero page is in the frame grid.
  const c100 = await app.showPage(100);
  expect(await page.evaluate((p) => window.__mmlab!.pagePixelAt(p.x, p.y), c100)).toBe('#000000');

  // Hovering a zero-mapped page shows its walk and marks the zero page in the frame grid.
  await page.mouse.move(c100.x, c100.y);
  const tip = page.getByTestId('page-tooltip');
  await expect(tip.getByTestId('page-state')).toHaveText('zero page');
  await expect(tip.getByTestId('page-pfn')).toHaveText(String(zero));
  await expect(tip.getByRole('table', { name: /Page-table walk/ })).toContainText('SPECIAL');
  await expect.poll(() => page.evaluate(() => window.__mmlab!.linkedPfn)).toBe(zero);
  await app.screenshot('processes-read');

  // Write mode with the keyboard, then click a zero-mapped page.
  await page.locator('body').press('w');
  await expect(page.getByRole('radio', { name: /Write/ })).toBeChecked();
  const anonBefore = (await page.evaluate(() => window.__mmlab!.counts()))[FS.Anon]!;
  const target = 1234;
  expect(await page.evaluate((p) => window.__mmlab!.pageState(p), target)).toBe(VPage.Zero);
  await app.clickPage(target);
  await expect(app.banner).toBeHidden();

  // The page is private now, on a fresh frame the worker reports...
  expect(await page.evaluate((p) => window.__mmlab!.pageState(p), target)).toBe(VPage.Private);
  const pfn = await page.evaluate((p) => window.__mmlab!.pagePfn(p), target);
  expect(pfn).toBeGreaterThan(0);
  expect(pfn).not.toBe(zero);
  const ct = await app.showPage(target);
  expect(await page.evaluate((p) => window.__mmlab!.pagePixelAt(p.x, p.y), ct)).toBe(
    await page.evaluate((s) => window.__mmlab!.pageColor(s), VPage.Private),
  );
  await app.openPanel('page');
  const details = page.getByTestId('page-details');
  await expect(details.getByTestId('page-state')).toHaveText('private');
  await expect(details.getByTestId('page-pfn')).toHaveText(String(pfn));
  await expect(page.getByRole('log', { name: 'Scenario lines run', includeHidden: true })).toContainText(
    `> A write r1 0x${(target * 4096).toString(16)} 1 1 1`,
  );

  // ...which the frame grid now draws as an anonymous page, where it was free before.
  expect(await page.evaluate((p) => window.__mmlab!.frameState(p), pfn)).toBe(FS.Anon);
  expect((await page.evaluate(() => window.__mmlab!.counts()))[FS.Anon]).toBe(anonBefore + 1);
  const cf = await app.focus(pfn, 20);
  expect(await page.evaluate((p) => window.__mmlab!.pixelAt(p.x, p.y), cf)).toBe(
    await page.evaluate((s) => window.__mmlab!.frameColor(s), FS.Anon),
  );
  expect(await page.evaluate(() => window.__mmlab!.linkedPfn)).toBe(pfn);

  // VmRSS rose by exactly one 4 kB page; the other pages still read the zero page.
  await expect.poll(() => app.statusKb('VmRSS')).toBe(rssBefore + 4);
  expect(await app.statusKb('RssAnon')).toBe(rssBefore + 4);
  expect((await page.evaluate(() => window.__mmlab!.pageCounts()))[VPage.Zero]).toBe(16383);
  await app.openPanel('page'); // /proc status shares its dock
  await expect(details.getByRole('table', { name: /Page-table walk/ })).toContainText('RW');
  const ct2 = await app.showPage(target);
  await page.mouse.move(ct2.x, ct2.y);
  await expect(tip.getByTestId('page-state')).toHaveText('private');
  await expect(tip.getByRole('table', { name: /Page-table walk/ })).toContainText('RW');
  expect(await page.evaluate(() => window.__mmlab!.linkedPfn)).toBe(pfn);
  await app.screenshot('processes-write');

  // Zoomed out, the one written page still shows among 16,383 zero-mapped ones, and its frame is
  // ringed in the frame grid.
  // The process grid's zoom is in its View disclosure (the toolbar stays two rows).
  await page.locator('.pgrid-more summary').click();
  await page.getByRole('button', { name: 'Fit the region' }).click();
  await page.locator('.pgrid-more summary').click();
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  const cfit = await page.evaluate((p) => window.__mmlab!.pageCenter(p), target);
  await page.mouse.move(cfit.x, cfit.y);
  await expect(tip.getByTestId('page-state')).toHaveText('private');
  await app.screenshot('processes-overview');
  await app.openPanel('status');
  await page.getByTestId('proc-status').scrollIntoViewIfNeeded();
  await app.screenshot('processes-panels');

  // Fork: the child has the same region; the written page is now shared by both.
  await app.openPanel('processes');
  const fork = page.getByRole('form', { name: 'fork' });
  await fork.getByLabel('child').fill('B');
  await fork.getByRole('button', { name: 'Fork A' }).click();
  await app.idle();
  await expect(page.getByTestId('process-list')).toContainText('B');
  // The parent stays current; the child is shown beside it. Make the child current to look at it.
  await expect(page.getByLabel('process', { exact: true })).toHaveValue('A');
  await expect(page.getByTestId('process-pane-B')).toBeVisible();
  await page.getByLabel('process', { exact: true }).selectOption('B');
  await app.idle();
  await expect(page.getByTestId('process-grid-caption')).toContainText('B r1: 16,384 pages');
  expect(await page.evaluate((p) => window.__mmlab!.pageState(p), target)).toBe(VPage.Shared);
  expect(await page.evaluate((p) => window.__mmlab!.pagePfn(p), target)).toBe(pfn);
  const child = await page.evaluate(() => window.__mmlab!.pageCounts());
  expect(child[VPage.Shared]).toBe(1);
  expect(child[VPage.Zero]).toBe(16383);
  await expect(page.getByTestId('proc-status')).toContainText('Name:\tB');
  await expect.poll(() => app.statusKb('RssAnon')).toBeGreaterThanOrEqual(4);
  const cs = await app.showPage(target);
  await page.mouse.move(cs.x, cs.y);
  await expect(tip.getByTestId('page-state')).toHaveText('shared');
  await app.screenshot('processes-fork');

  // The parent sees the same: its private page became shared (copy-on-write) at fork.
  await page.getByLabel('process', { exact: true }).selectOption('A');
  await app.idle();
  expect(await page.evaluate((p) => window.__mmlab!.pageState(p), target)).toBe(VPage.Shared);
});

test('a bad line and a SIGSEGV keep the machine and say what happened', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('guard', '16K', 'none');
  await expect(page.getByTestId('process-grid-caption')).toContainText('A guard: 4 pages');

  // A malformed line: the error names line and column; nothing is lost.
  await app.runScenario('A frobnicate\nA read guard 0 4K 4K');
  await expect(app.banner).toContainText("line 1:3: A: unknown operation 'frobnicate'");
  await expect(page.getByTestId('process-list')).not.toContainText('killed');
  await page.getByRole('button', { name: 'Dismiss the error' }).click();

  await app.runScenario('A read guard 0 4K 4K');
  await expect(page.getByTestId('kernel-notice')).toContainText(
    /A \(pid \d+\): killed by SIGSEGV \(SEGV_ACCERR\) at 0x[0-9a-f]+/,
  );
  await expect(page.getByTestId('process-list')).toContainText('killed by SIGSEGV');
  await expect(app.frameCount).toHaveText('frames: 262144');
  await page.evaluate(() => window.scrollTo(0, 0));
  await app.screenshot('processes-segv');
  await app.openPanel('scenario');
  await page.getByRole('log', { name: 'Scenario lines run', includeHidden: true }).scrollIntoViewIfNeeded();
  await expect(page.getByRole('log', { name: 'Scenario lines run', includeHidden: true })).toContainText(
    '> A read guard 0 4K 4K   (not run)',
  );
  await app.screenshot('processes-segv-transcript');

  // The machine goes on: a new process runs.
  await page.getByRole('button', { name: 'Dismiss the kill notice' }).click();
  await app.spawn('B');
  await app.mmap('r1', '2M', 'rw');
  await app.clickPage(0);
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(
    await page.evaluate(() => window.__mmlab!.VPageState.Zero),
  );
});

test('/proc status and smaps_rollup are read while their tab is open, and afresh when it is opened', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '1M', 'rw');
  await app.runScenario('A read r1 0 1M 4K');
  const rss = page.getByTestId('proc-smaps-rollup');
  const field = async (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(await rss.innerText());
    if (!m) throw new Error(`no ${name} in smaps_rollup`);
    return Number(m[1]);
  };
  await app.openPanel('status');
  await app.idle();
  await expect(page.getByTestId('smaps-rollup-note')).toBeVisible();
  const anonBefore = await field('Anonymous');
  const rssBefore = await app.statusKb('RssAnon');
  const status = page.getByTestId('proc-status');
  const readAt = await status.getAttribute('data-version');

  // With another tab of the dock in front, the learner writes three zero-mapped pages...
  await app.openPanel('page');
  await expect(rss).toBeHidden();
  await page.locator('body').press('w');
  for (const p of [3, 40, 200]) await app.clickPage(p);
  expect(await page.evaluate(() => window.__mmlab!.pageState(200))).toBe(
    await page.evaluate(() => window.__mmlab!.VPageState.Private),
  );
  // (hidden, the panel did not read them again: smaps_rollup walks every page table)
  await expect(status).toHaveAttribute('data-version', readAt!);

  // ...and opening /proc shows the numbers after the three COW faults, not the ones it last read.
  await app.openPanel('status');
  await app.idle();
  await expect(status).not.toHaveAttribute('data-version', readAt!);
  expect(await field('Anonymous')).toBe(anonBefore + 12);
  expect(await field('Private_Dirty')).toBeGreaterThanOrEqual(12);
  expect(await app.statusKb('RssAnon')).toBe(rssBefore + 12);

  // Open, it follows every click.
  await app.clickPage(250);
  expect(await field('Anonymous')).toBe(anonBefore + 16);
  await app.screenshot('processes-proc-fresh');
});
