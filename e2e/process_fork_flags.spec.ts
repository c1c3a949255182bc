/**
 * The rarer range controls (issue #14): MADV_DONTFORK and MADV_WIPEONFORK from the bar's "more…"
 * menu, mlock/munlock buttons; then a fork shows what each did to the child: no pages where the
 * parent said DONTFORK, empty pages where it said WIPEONFORK, shared frames elsewhere.
 */
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

async function states(page: Page, first: number, last: number): Promise<number[]> {
  return page.evaluate(
    (r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => window.__mmlab!.pageState(r.first + i)),
    { first, last },
  );
}

/** Select pages first..last of the shown region: click the first (in read mode), shift-click the last. */
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

test('dontfork, wipeonfork and mlock from the range bar; fork shows their effect on the child', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  // the toolbar's "… all" button follows the Read/Write switch
  await page.getByRole('radio', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Write all' }).click();
  await app.idle();
  expect(await states(page, 0, 15)).toEqual(new Array(16).fill(VPage.Private));
  await page.getByRole('radio', { name: /Read/ }).check();
  const bar = page.getByTestId('range-actions');
  const ran = page.getByTestId('process-run-line');

  await select(page, app, 0, 3);
  await bar.getByLabel('more madvise').selectOption('dontfork');
  await app.idle();
  await expect(ran).toContainText('A madvise r1 0x0 16K dontfork');

  await select(page, app, 8, 11);
  await bar.getByLabel('more madvise').selectOption('wipeonfork');
  await app.idle();
  await expect(ran).toContainText('A madvise r1 0x8000 16K wipeonfork');
  // the menu resets, so the same advice can be picked again
  await expect(bar.getByLabel('more madvise')).toHaveValue('');

  await select(page, app, 4, 7);
  await bar.getByRole('button', { name: 'mlock', exact: true }).click();
  await app.idle();
  await expect(ran).toContainText('A mlock r1 0x4000 16K');
  expect(await app.statusKb('VmLck')).toBe(16);
  await app.screenshot('fork-flags-parent');

  await app.openPanel('processes');
  const fork = page.getByRole('form', { name: 'fork' });
  await fork.getByLabel('child').fill('B');
  await fork.getByRole('button', { name: 'Fork A' }).click();
  await app.idle();
  await page.getByLabel('process', { exact: true }).selectOption('B');
  await app.idle();
  // DONTFORK: no VMA in the child; WIPEONFORK: a VMA with no pages; the rest shared with A
  expect(await states(page, 0, 3)).toEqual(new Array(4).fill(VPage.Unmapped));
  expect(await states(page, 4, 7)).toEqual(new Array(4).fill(VPage.Shared));
  expect(await states(page, 8, 11)).toEqual(new Array(4).fill(VPage.Untouched));
  expect(await states(page, 12, 15)).toEqual(new Array(4).fill(VPage.Shared));
  // mlock is not inherited
  expect(await app.statusKb('VmLck')).toBe(0);
  await app.screenshot('fork-flags-child');

  // the parent's pages it kept out of fork stay its own: no copy-on-write there
  await page.getByLabel('process', { exact: true }).selectOption('A');
  await app.idle();
  expect(await states(page, 0, 3)).toEqual(new Array(4).fill(VPage.Private));
  expect(await states(page, 8, 11)).toEqual(new Array(4).fill(VPage.Private));
  await select(page, app, 4, 7);
  await bar.getByRole('button', { name: 'munlock' }).click();
  await app.idle();
  expect(await app.statusKb('VmLck')).toBe(0);
});

test('the mmap form maps /dev/zero: named in maps, and MADV_WIPEONFORK refuses it', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.openPanel('processes');
  const form = page.getByRole('form', { name: 'mmap' });
  await form.getByLabel('region').fill('z');
  await form.getByLabel('size').fill('64K');
  await form.getByLabel('/dev/zero').check();
  await form.getByRole('button', { name: 'Map' }).click();
  await app.idle();
  const log = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(log).toContainText('> A mmap z 64K rw devzero');
  const before = await app.statusKb('RssAnon');
  await page.getByRole('radio', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Write all' }).click();
  await app.idle();
  expect(await app.statusKb('RssAnon')).toBe(before + 64); // anonymous memory, though a file is named

  await page.getByRole('radio', { name: /Read/ }).check();
  await select(page, app, 0, 3);
  await page.getByTestId('range-actions').getByLabel('more madvise').selectOption('wipeonfork');
  await app.idle();
  await expect(log).toContainText('A: madvise wipeonfork: EINVAL');
  await app.runScenario('show /proc/A/maps');
  await expect(log).toContainText(/rw-p 00000000 00:06 4 +\/dev\/zero/);
  await app.screenshot('devzero-maps');
});

test('the brk form grows the heap, which the process view shows as region heap', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.openPanel('processes');
  const form = page.getByRole('form', { name: 'brk' });
  await form.getByRole('button', { name: 'Move the break' }).click();
  await app.idle();
  const log = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(log).toContainText('A: brk(0x555555569000) = 0x555555569000');
  await expect(page.locator('.pgrid-controls').getByLabel('region', { exact: true })).toHaveValue('heap');
  const vmData = await app.statusKb('VmData');
  await app.openPanel('processes');
  await form.getByLabel('brk').fill('-16K');
  await form.getByRole('button', { name: 'Move the break' }).click();
  await app.idle();
  expect(await app.statusKb('VmData')).toBe(vmData - 16);
  await app.screenshot('brk-heap');
});

test('New thread: a thread writes, and the process sees the same pages (one address space)', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  await app.openPanel('processes');
  const fork = page.getByRole('form', { name: 'fork' });
  await fork.getByLabel('child').fill('T');
  await fork.getByRole('button', { name: 'New thread' }).click();
  await app.idle();
  const log = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(log).toContainText('> A thread T');
  const chooser = page.locator('.pgrid-controls').getByLabel('process', { exact: true });
  await expect(chooser).toHaveValue('T');
  await page.getByRole('radio', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Write all' }).click();
  await app.idle();
  await chooser.selectOption('A');
  await app.idle();
  expect(await states(page, 0, 15)).toEqual(new Array(16).fill(VPage.Private));
  await app.runScenario('expect /proc/A/status:Threads == 2');
  await expect(log).toContainText('> expect /proc/A/status:Threads == 2');
  await expect(log).not.toContainText('Threads == 2: found');
  await app.screenshot('thread-shared-pages');
});

test('Grow the stack and mlockall from the Processes panel', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  const stk = await app.statusKb('VmStk');
  await app.openPanel('processes');
  await page.getByRole('button', { name: 'Grow the stack' }).click();
  await app.idle();
  expect(await app.statusKb('VmStk')).toBe(stk + 64);
  await app.openPanel('processes');
  await page.getByRole('button', { name: 'mlockall', exact: true }).click();
  await app.idle();
  expect(await app.statusKb('VmLck')).toBe(stk + 64);
  await app.openPanel('processes');
  await page.getByRole('button', { name: 'munlockall' }).click();
  await app.idle();
  expect(await app.statusKb('VmLck')).toBe(0);
  await app.screenshot('stack-mlockall');
});
