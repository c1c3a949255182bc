/**
 * KSM with use_zero_pages through the app (issue #15), as a learner drives it: a 64 KiB region
 * with zeros in pages 0-7 and a different byte pattern in each of pages 8-15, pages 0-15 selected
 * and made MADV_MERGEABLE from the range bar's "more…" menu, then the Processes panel's "ksmd scan"
 * clicked twice. The first scan merges nothing (it only records checksums); the second maps the
 * zero-filled pages to the zero page: the process view shows them in the zero-page state, the walk
 * of one shows its PTE dirty (a KSM zero page), /proc/<pid>/status shows RssAnon 32 kB lower and
 * ksm_stat says ksm_zero_pages 8. A write click copies one back (7), MADV_UNMERGEABLE the rest (0).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

async function states(page: Page, first: number, last: number): Promise<number[]> {
  return page.evaluate(
    (r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => window.__mmlab!.pageState(r.first + i)),
    { first, last },
  );
}

/** Select pages first..last of the shown region: click the first (in Read mode), shift-click the last. */
async function select(page: Page, app: MmLab, first: number, last: number): Promise<void> {
  const a = await app.showPage(first);
  await page.mouse.click(a.x, a.y);
  await app.idle();
  const b = await page.evaluate((p) => window.__mmlab!.pageCenter(p), last);
  await page.keyboard.down('Shift');
  await page.mouse.click(b.x, b.y);
  await page.keyboard.up('Shift');
  await expect(page.getByTestId('range-actions')).toContainText(`pages ${first}–${last}`);
}

const ksmZeroPages = (page: Page) =>
  page.evaluate(() => window.__mmlab!.value('/proc/A/ksm_stat:ksm_zero_pages'));

test('MADV_MERGEABLE from the range bar, "ksmd scan" twice: zero-filled pages become KSM zero pages', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.mmap('r', '64K', 'rw');
  // zeros into pages 0-7; 0xab into pages 8-15, 4 bytes further into each page: no two are equal
  await app.runScenario('A write r 0 32K 4K 0\nA write r 32K 32K 4100 0xab');
  expect(await states(page, 0, 15)).toEqual(new Array(16).fill(VPage.Private));
  const rss0 = await app.statusKb('RssAnon');

  await select(page, app, 0, 15);
  const bar = page.getByTestId('range-actions');
  await bar.getByLabel('more madvise').selectOption('mergeable');
  await app.idle();
  const ran = page.getByTestId('process-run-line');
  await expect(ran).toContainText('A madvise r 0x0 64K mergeable');

  // The first scan only records checksums: nothing changes in the process view.
  await app.openPanel('processes');
  const scan = page.getByRole('button', { name: 'ksmd scan' });
  await scan.click();
  await app.idle();
  const log = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(log).toContainText('> ksm scan use_zero_pages=yes');
  await expect(log).toContainText(
    'ksm: 1 full scan (full_scans 1), 0 pages merged into KSM pages, 0 with the zero page',
  );
  expect(await states(page, 0, 15)).toEqual(new Array(16).fill(VPage.Private));
  expect(await ksmZeroPages(page)).toBe(0);

  // The second scan: the zero-filled pages map the zero page, the others stay private.
  await app.openPanel('processes');
  await scan.click();
  await app.idle();
  await expect(log).toContainText(
    // the 8 different data pages wait in the unstable tree
    'ksm: 1 full scan (full_scans 2), 0 pages merged into KSM pages, 8 with the zero page; pages_shared 0, pages_sharing 0, pages_unshared 8, ksm_zero_pages 8',
  );
  expect(await states(page, 0, 7)).toEqual(new Array(8).fill(VPage.Zero));
  expect(await states(page, 8, 15)).toEqual(new Array(8).fill(VPage.Private));
  await expect(page.getByTestId(`page-count-${VPage.Zero}`)).toHaveText('8');
  expect(await ksmZeroPages(page)).toBe(8);
  // /proc/<pid>/status: 8 pages of 4 KiB left A's RSS
  expect(await app.statusKb('RssAnon')).toBe(rss0 - 32);

  // A KSM zero page: the zero page, and its PTE is dirty (D), which a read fault never sets.
  await app.clickPage(3);
  // a read click on a zero-page mapping offers a write instead; the learner only wanted to look
  const offer = page.getByTestId('zero-offer');
  await expect(offer).toContainText('Page 3 already maps the zero page');
  await offer.getByRole('button', { name: 'Dismiss' }).click();
  await app.openPanel('page');
  const details = page.getByTestId('page-details');
  await expect(details.getByTestId('page-state')).toHaveText('zero page');
  const zeroPfn = await page.evaluate(() => window.__mmlab!.value('zero_page_pfn'));
  await expect(details.getByTestId('page-pfn')).toHaveText(String(zeroPfn));
  const leafBits = details.locator('table.walk tr.leaf abbr.bit');
  await expect(leafBits.filter({ hasText: /^D$/ })).toHaveCount(1);
  await expect(leafBits.filter({ hasText: /^SPECIAL$/ })).toHaveCount(1);
  await expect(leafBits.filter({ hasText: /^RW$/ })).toHaveCount(0);
  // the leaf row is at the bottom of the walk: scroll the dock that holds it down to it (vertically
  // only: scrollIntoView would also pan the workspace sideways)
  await details.evaluate((el) => {
    for (let p = el.parentElement; p; p = p.parentElement)
      if (p.scrollHeight > p.clientHeight && getComputedStyle(p).overflowY !== 'visible') {
        p.scrollTop = p.scrollHeight;
        return;
      }
  });
  await app.expectNoDocumentScroll('with the walk of a KSM zero page');
  await app.screenshot('ksm-zero-pages');

  // ksm_stat, as the learner reads it: typed into the scenario box
  await app.runScenario('show /proc/A/ksm_stat');
  await expect(log).toContainText('ksm_zero_pages 8');
  await expect(log).toContainText('ksm_mergeable: yes');
  // a taller lower dock (as a learner drags its splitter) to read the file in the transcript
  const sep = page.getByRole('separator', { name: 'Resize the lower dock' });
  await sep.focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowUp');
  await log.getByText('> show /proc/A/ksm_stat').scrollIntoViewIfNeeded();
  await app.screenshot('ksm-stat-transcript');

  // The zero page a read fault maps is clean: not a KSM zero page.
  await app.mmap('z', '16K', 'rw');
  await app.clickPage(0);
  await app.openPanel('page');
  await expect(details.getByTestId('page-state')).toHaveText('zero page');
  await expect(leafBits.filter({ hasText: /^SPECIAL$/ })).toHaveCount(1);
  await expect(leafBits.filter({ hasText: /^D$/ })).toHaveCount(0);
  expect(await ksmZeroPages(page)).toBe(8);

  // Back to r: a write click on page 0 is an ordinary copy-on-write fault from the zero page.
  await page.locator('.pgrid-controls').getByLabel('region', { exact: true }).selectOption('r');
  await app.idle();
  await page.getByRole('radio', { name: /Write/ }).check();
  await app.clickPage(0);
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(VPage.Private);
  await expect(page.getByTestId('fault-card')).toContainText('wp_page_copy');
  expect(await ksmZeroPages(page)).toBe(7);
  expect(await app.statusKb('RssAnon')).toBe(rss0 - 28);

  // MADV_UNMERGEABLE on pages 0-15: every KSM zero page gets a page of its own again.
  await page.getByRole('radio', { name: /Read/ }).check();
  await select(page, app, 0, 15);
  await bar.getByLabel('more madvise').selectOption('unmergeable');
  await app.idle();
  await expect(ran).toContainText('A madvise r 0x0 64K unmergeable');
  expect(await states(page, 0, 15)).toEqual(new Array(16).fill(VPage.Private));
  expect(await ksmZeroPages(page)).toBe(0);
  expect(await app.statusKb('RssAnon')).toBe(rss0);
  await page.mouse.move(0, 0);
  await app.screenshot('ksm-unmerged');
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});
