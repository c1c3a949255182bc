/**
 * The frame inspector and linked views in the browser: write a byte into a process's page, click
 * its frame on the frame grid, and the inspector shows the byte in the hexdump and the process in
 * the reverse map, while the process grid outlines the page that maps the frame. Then pick a block
 * from the free-list view: the frame grid selects it and outlines the whole buddy block, and the
 * inspector says which free list holds it. A walk entry selects the frame it points at.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

/** axe violations in the inspector and the free-list view (the rest of the page is e2e/a11y.spec.ts's). */
async function violations(app: MmLab): Promise<string[]> {
  const results = await new AxeBuilder({ page: app.page })
    .include('[data-testid="inspector"]')
    .include('[data-testid="freelists"]')
    .analyze();
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

test.describe.configure({ mode: 'serial' });

test('a written byte shows in the selected frame’s hexdump, and the rmap names the process', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  // 0x41 = 'A' at offset 0x123 of the region's 3rd page
  await app.runScenario('A write r1 0x2123 1 1 0x41');
  await expect(app.banner).toBeHidden();
  const pfn = await page.evaluate(() => window.__mmlab!.pagePfn(2));
  expect(pfn).toBeGreaterThan(0);

  // Select the frame with a click on the frame grid.
  const c = await app.focus(pfn, 24);
  await page.mouse.click(c.x, c.y);
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(pfn);
  await app.openPanel('inspector');
  const inspector = page.getByTestId('inspector');
  await expect(inspector.getByTestId('inspector-pfn')).toContainText(`pfn ${pfn} `);

  // The hexdump row at 0x120 holds 0x41 as its 4th byte, and 'A' in the ASCII column.
  const row = inspector.locator('.hexdump-row[data-offset="288"]');
  await expect(row).toContainText('00000120');
  await expect(row.locator('.hexdump-hex')).toHaveText('00 00 00 41 00 00 00 00  00 00 00 00 00 00 00 00');
  await expect(row.locator('.hexdump-ascii')).toHaveText('|...A............|');

  // kpageflags decoded, kpagecount, and the reverse map: process A at the page's address, by a PTE.
  await expect(inspector.getByRole('list', { name: 'Flags set in kpageflags' })).toContainText('KPF_ANON');
  await expect(inspector.getByTestId('kpagecount')).toHaveText('1');
  const rmap = inspector.getByTestId('rmap');
  await expect(rmap.locator('tbody tr')).toHaveCount(1);
  await expect(rmap.locator('tbody tr td').nth(1)).toHaveText('A');
  const va = await page.evaluate(() => window.__mmlab!.pageAddress(2));
  await expect(rmap.locator('tbody tr td').nth(2)).toHaveText('0x' + va.toString(16));
  await expect(rmap.locator('tbody tr td').nth(4)).toHaveText('PTE');

  // Linked: the process grid outlines page 2, the one that maps the frame.
  await expect.poll(() => page.evaluate(() => window.__mmlab!.linkedPages)).toEqual([2]);
  await inspector.getByRole('button', { name: 'First non-zero byte (0x123)' }).click();
  await inspector.scrollIntoViewIfNeeded();
  await app.screenshot('inspector-frame');

  // Fork: both processes now map it.
  await app.runScenario('A fork B');
  await expect(rmap.locator('tbody tr')).toHaveCount(2);
  await expect(rmap.locator('tbody tr').nth(1).locator('td').nth(1)).toHaveText('B');
  await expect(inspector.getByTestId('kpagecount')).toHaveText('2');

  // "Go to offset" scrolls the virtualised hexdump; a bad offset says what is wrong.
  await inspector.getByLabel('Go to offset').fill('0xff0');
  await inspector.getByRole('button', { name: 'Go' }).click();
  await expect(inspector.locator('.hexdump-row[data-offset="4080"]')).toContainText('00000ff0');
  await inspector.getByLabel('Go to offset').fill('0x1000');
  await inspector.getByRole('button', { name: 'Go' }).click();
  await expect(inspector.getByRole('alert')).toContainText('"0x1000" is not an offset in this page');
  expect(await violations(app)).toEqual([]);
});

test('a block picked in the free-list view is selected and outlined on the frame grid', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.openPanel('freelists');
  const lists = page.getByTestId('freelists');
  // The first non-empty list of blocks bigger than one page.
  const count = lists.getByRole('button', { name: /free blocks of order [1-9]\d*,/ }).first();
  await expect(count).toBeVisible();
  const order = Number(/order (\d+)/.exec((await count.getAttribute('aria-label'))!)![1]);
  const size = 2 ** order;
  await count.click();
  const first = lists.getByTestId('freelist-blocks').locator('.block-button').first();
  const pfn = Number(await first.getAttribute('data-pfn'));
  await first.click();

  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(pfn);
  await expect
    .poll(() => page.evaluate(() => window.__mmlab!.frameGridBlock))
    .toEqual({ from: pfn, to: pfn + size });
  await expect(first).toHaveAttribute('aria-pressed', 'true');
  await app.openPanel('inspector');
  const inspector = page.getByTestId('inspector');
  await expect(inspector.getByTestId('frame-block')).toContainText(
    `free, order ${order} at pfn 0x${pfn.toString(16)}`,
  );
  await expect(inspector.getByTestId('frame-block')).toContainText('free_list');
  await expect(inspector.getByRole('list', { name: 'Flags set in kpageflags' })).toContainText('KPF_BUDDY');
  await expect(inspector.getByTestId('rmap-empty')).toBeVisible();

  // Select a frame inside the block on the grid: the block stays outlined, the inspector names its head.
  const c = await app.focus(pfn + 1, 24);
  await page.mouse.click(c.x, c.y);
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(pfn + 1);
  await expect(inspector.getByTestId('frame-block')).toContainText(`at pfn 0x${pfn.toString(16)}`);
  await expect
    .poll(() => page.evaluate(() => window.__mmlab!.frameGridBlock))
    .toEqual({ from: pfn, to: pfn + size });
  await page.mouse.move(5, 5); // away from the grid: no hover outline over the block's
  await app.focus(pfn, Math.max(2, 96 / size));
  await app.screenshot('inspector-free-block');
  await lists.scrollIntoViewIfNeeded();
  await app.screenshot('free-lists');
  expect(await violations(app)).toEqual([]);
});

test('a page-table walk entry selects the table or frame it points at', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '64K', 'rw');
  await app.runScenario('A write r1 0 1 1 7');
  const pfn = await page.evaluate(() => window.__mmlab!.pagePfn(0));
  await app.showPage(0);
  const c = await page.evaluate(() => window.__mmlab!.pageCenter(0));
  await page.mouse.click(c.x, c.y); // read mode: a read of a written page changes nothing
  await app.openPanel('page');
  const details = page.getByTestId('page-details');
  const walk = details.getByRole('table', { name: /Page-table walk/ });
  await expect(walk.locator('tbody tr')).toHaveCount(4);
  await walk.getByRole('button', { name: /the PTE entry points at/ }).click();
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(pfn);
  await walk.getByRole('button', { name: /the PGD entry points at/ }).click();
  const pud = await walk.locator('tbody tr').nth(1).locator('td').first().innerText();
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(parseInt(pud, 16));
  await app.openPanel('inspector'); // its tab shares the side dock
  await expect(
    page.getByTestId('inspector').getByRole('list', { name: 'Flags set in kpageflags' }),
  ).toContainText('KPF_PGTABLE');
});
