/**
 * File-backed memory in the app (issue #15): a disk file of 0x5a bytes mapped privately, read (a
 * major fault; fault-around maps 16 page-cache pages: the process view shows them in the file-page
 * state), one page written (copied to a private anonymous page: magenta, the file keeps its bytes);
 * the frame inspector of a file page names the file and the page's index in it.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('a private file mapping: read maps page-cache pages, a write copies one; the frame names file and index', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.runScenario('file data 256K disk fill=0x5a\nA mmap r 256K rw file=data\nA read r 0 1 4K');
  await expect(app.banner).toBeHidden();
  const states = () =>
    page.evaluate(() => Array.from({ length: 64 }, (_, i) => window.__mmlab!.pageState(i)));
  let s = await states();
  expect(s.slice(0, 16)).toEqual(new Array(16).fill(VPage.File));
  expect(s.slice(16)).toEqual(new Array(48).fill(VPage.Untouched));
  // the legend lists the new state
  await expect(page.getByTestId('page-legend')).toContainText('file page (page cache)');
  expect(await app.statusKb('RssFile')).toBe(64);

  await app.runScenario('A write r 0x2000 1 4K 0x41');
  s = await states();
  expect(s[2]).toBe(VPage.Private);
  expect(s.filter((x) => x === VPage.File)).toHaveLength(15);
  expect(await app.statusKb('RssFile')).toBe(60);
  // the process header counts file pages in RSS (RssAnon 8 + RssFile 60), and the VMA names the file
  await expect(page.locator('.pane-head').first()).toContainText('RSS 68 kB');
  await app.showPage(2, 20);
  await app.screenshot('file-private-mapping');

  // The frame of page 3: a page of the file's page cache, index 3, clean
  const pfn = await page.evaluate(() => window.__mmlab!.pagePfn(3));
  expect(pfn).toBeGreaterThan(0);
  const c = await app.focus(pfn, 24);
  await page.mouse.click(c.x, c.y);
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(pfn);
  await app.openPanel('inspector');
  const inspector = page.getByTestId('inspector');
  await expect(inspector.getByTestId('frame-page-cache')).toContainText('/mnt/disk/data, index 3');
  await expect(inspector.locator('.hexdump-row[data-offset="0"] .hexdump-hex')).toHaveText(
    '5a 5a 5a 5a 5a 5a 5a 5a  5a 5a 5a 5a 5a 5a 5a 5a',
  );
  await app.screenshot('file-frame-inspector');
});
