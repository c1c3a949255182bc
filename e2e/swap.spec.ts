/**
 * The Swap panel and swap PTEs in the process view (issue #15, views): swapon from the panel, half a
 * region written with zeros and half with data, MADV_PAGEOUT from the range bar; then the slots
 * (zero-filled vs written and in the swap cache), the zeromap bits beside them, the counters, the
 * swap-PTE colour and tooltip in the process view, a slot's detail, and reading back (swpin_zero,
 * no pswpin). A second test checks a 4 GiB and a 16 GiB device draw at once (one run each, several
 * slots a cell) and records how long.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

/** The colour of a swap grid's canvas at slot `off`, '#rrggbb' (cells drawn 1 canvas px = 1 CSS px). */
function slotPixel(grid: Locator, off: number): Promise<string> {
  return grid.locator('canvas.swap-canvas').evaluate((c, off) => {
    const canvas = c as HTMLCanvasElement;
    const cell = Number(canvas.dataset.cell);
    const perCell = Number(canvas.dataset.perCell);
    const cols = Math.floor(canvas.width / cell);
    const i = Math.floor(off / perCell);
    const x = (i % cols) * cell + Math.floor(cell / 2) - (cell >= 4 ? 1 : 0);
    const y = Math.floor(i / cols) * cell + Math.floor(cell / 2) - (cell >= 4 ? 1 : 0);
    const d = canvas.getContext('2d')!.getImageData(x, y, 1, 1).data;
    return '#' + [d[0], d[1], d[2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
  }, off);
}

/** The client position of slot `off`'s cell centre on a swap grid. */
async function slotPoint(grid: Locator, off: number): Promise<{ x: number; y: number }> {
  const canvas = grid.locator('canvas.swap-canvas');
  // the bottom dock is shorter than a big grid: bring the grid's top rows into its view
  await canvas.evaluate((c) => c.scrollIntoView({ block: 'start' }));
  const box = (await canvas.boundingBox())!;
  const { cell, perCell, width } = await canvas.evaluate((c) => {
    const e = c as HTMLCanvasElement;
    return { cell: Number(e.dataset.cell), perCell: Number(e.dataset.perCell), width: e.width };
  });
  const cols = Math.floor(width / cell);
  const i = Math.floor(off / perCell);
  return { x: box.x + (i % cols) * cell + cell / 2, y: box.y + Math.floor(i / cols) * cell + cell / 2 };
}

const ZERO_SLOT = '#f7c8a6';
const CACHED_SLOT = '#0077bb';
const FREE_SLOT = '#f4f4ef';
const ZEROMAP_SET = '#000000';
const SWAPPED_PAGE = '#ee7733';

async function swapon(app: MmLab, size: string): Promise<Locator> {
  await app.openPanel('swap');
  const panel = app.page.getByTestId('swap-panel');
  const form = panel.getByTestId('swapon-form');
  await form.getByLabel('Swap area size').selectOption(size);
  await form.getByRole('button', { name: 'swapon' }).click();
  await app.idle();
  return panel;
}

/** Give the lower dock more height (as a learner drags its splitter), for the screenshots. */
async function growLowerDock(page: Page, presses: number): Promise<void> {
  const sep = page.getByRole('separator', { name: 'Resize the lower dock' });
  await sep.focus();
  for (let i = 0; i < presses; i++) await page.keyboard.press('Shift+ArrowUp');
}

async function selectPages(page: Page, app: MmLab, first: number, last: number): Promise<void> {
  const a = await app.showPage(first, 20);
  await page.mouse.click(a.x, a.y); // Read mode: the page is mapped already, nothing changes
  await app.idle();
  const b = await page.evaluate((p) => window.__mmlab!.pageCenter(p), last);
  await page.keyboard.down('Shift');
  await page.mouse.click(b.x, b.y);
  await page.keyboard.up('Shift');
}

test('MADV_PAGEOUT of half zero-filled pages: zeromap bits, counters, swap PTEs, read back', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);

  await app.openPanel('swap');
  const panel = page.getByTestId('swap-panel');
  await expect(panel.getByTestId('swap-none')).toContainText('No swap area');
  await expect(panel.getByTestId('kswapd-state')).toHaveText('sleeping');
  await swapon(app, '16M');
  const transcript = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText('swapon 16M');
  await expect(panel.getByTestId('swap-SwapTotal')).toHaveText('16,380 kB');
  await expect(panel.getByTestId('swap-used')).toHaveText('0 of 16,380 kB used');

  await app.spawn('A');
  await app.mmap('r', '64K', 'rw');
  await app.runScenario('A write r 0 32K 4K 0\nA write r 32K 32K 4K 0xab');
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(VPage.Private);

  // MADV_PAGEOUT on pages 0-15 from the range bar's "more…" menu.
  await selectPages(page, app, 0, 15);
  const bar = page.getByTestId('range-actions');
  await expect(bar).toContainText('pages 0–15 (16 pages, 64 KiB');
  await bar.getByLabel('more madvise').selectOption('pageout');
  await app.idle();
  await expect(page.getByTestId('process-run-line')).toContainText('A madvise r 0x0 64K pageout');

  // The process view: every page is a swap PTE now, in its own colour and legend line.
  for (const p of [0, 7, 8, 15])
    expect(await page.evaluate((i) => window.__mmlab!.pageState(i), p)).toBe(VPage.Swapped);
  await expect(page.getByTestId(`page-count-${VPage.Swapped}`)).toHaveText('16');
  const legendSwatch = page.locator(`[data-testid="page-legend"] li[data-state="${VPage.Swapped}"] .swatch`);
  await expect(legendSwatch).toHaveCSS('background-color', 'rgb(238, 119, 51)');
  // The tooltip of a zero-filled page and of a written one.
  const c0 = await app.showPage(0, 20);
  await page.mouse.move(c0.x, c0.y);
  const tip = page.getByTestId('page-tooltip');
  await expect(tip.getByTestId('page-state')).toHaveText('swapped out (swap PTE)');
  await expect(tip.getByTestId('page-swap')).toContainText('swapped out: type 0 offset 1 · zeromap slot');
  const c9 = await page.evaluate(() => window.__mmlab!.pageCenter(9));
  await page.mouse.move(c9.x, c9.y);
  await expect(tip.getByTestId('page-swap')).toContainText(
    'swapped out: type 0 offset 10 · written to the device',
  );
  await expect(tip.getByTestId('page-swap')).toContainText('in the swap cache as pfn');
  // the walk's leaf is the swap entry itself, not PTE flags
  await expect(tip.getByTestId('walk-swap-entry')).toHaveText('swap entry: type 0, offset 10, exclusive');
  const cellColour = await page.getByTestId('process-grid').evaluate((el, p) => {
    const canvas = (el.querySelector('canvas') ?? el) as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    const k = canvas.width / r.width;
    const d = canvas
      .getContext('2d')!
      .getImageData(Math.floor((p.x - r.left) * k), Math.floor((p.y - r.top) * k), 1, 1).data;
    return '#' + [d[0], d[1], d[2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
  }, c0);
  expect(cellColour).toBe(SWAPPED_PAGE);
  await app.screenshot('swap-process-view');
  await page.mouse.move(0, 0);

  // The Swap panel: 8 zero-filled slots (zeromap set), 8 written ones in the swap cache.
  await app.openPanel('swap');
  await app.idle();
  await expect(panel.getByTestId('swap-pswpout')).toHaveText('8');
  await expect(panel.getByTestId('swap-swpout_zero')).toHaveText('8');
  await expect(panel.getByTestId('swap-SwapCached')).toHaveText('32 kB');
  await expect(panel.getByTestId('swap-SwapFree')).toHaveText('16,316 kB');
  await expect(panel.getByTestId('swap-used')).toHaveText('64 of 16,380 kB used');
  await expect(panel.getByTestId('swap-cache')).toContainText('Swap cache: 8 folios');
  const slots = panel.getByTestId('swap-slots-0');
  const zeromap = panel.getByTestId('swap-zeromap-0');
  for (let off = 1; off <= 8; off++) {
    expect(await slotPixel(slots, off), `slot ${off}`).toBe(ZERO_SLOT);
    expect(await slotPixel(zeromap, off), `zeromap ${off}`).toBe(ZEROMAP_SET);
  }
  for (let off = 9; off <= 16; off++) {
    expect(await slotPixel(slots, off), `slot ${off}`).toBe(CACHED_SLOT);
    expect(await slotPixel(zeromap, off), `zeromap ${off}`).toBe(FREE_SLOT);
  }
  expect(await slotPixel(slots, 17)).toBe(FREE_SLOT);

  // Hover names a slot; a click asks for its detail, with the PTE that holds its entry.
  const p1 = await slotPoint(slots, 1);
  await page.mouse.move(p1.x, p1.y);
  await expect(panel.getByTestId('swap-slot-line')).toHaveText(
    'slot 1 (0x1): swap PTEs, zero-filled (zeromap) · zeromap 1',
  );
  await page.mouse.click(p1.x, p1.y);
  const detail = panel.getByTestId('swap-slot-detail');
  await expect(detail).toContainText('slot 1 of type 0');
  await expect(detail).toContainText('1 swap PTE');
  await expect(detail.getByTestId('swap-slot-zeromap')).toHaveText('1');
  await expect(detail).toContainText(/held by: A \(pid \d+\) 0x[0-9a-f]+/);
  await page.mouse.move(0, 0);
  await growLowerDock(page, 3);
  await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await app.screenshot('swap-panel-after-pageout');
  // the panel with a device, a chosen slot and the zone gauges passes axe
  const axe = await new AxeBuilder({ page }).include('[data-testid="swap-panel"]').analyze();
  expect(
    axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);

  // The zone gauge: free pages against the watermarks, the LRU sizes; kswapd asleep (nothing woke it).
  const dma32 = panel.getByTestId('zone-DMA32');
  await expect(dma32).toContainText('above high');
  // nothing is mlocked in this scenario: the unevictable list is empty
  await expect(dma32.getByTestId('lru-unevictable')).toHaveText('0');
  await expect(panel.getByTestId('kswapd-state')).toHaveText('sleeping');

  // A click on a swapped-out page (Read mode) swaps it in: the fault card names do_swap_page().
  await app.clickPage(0, 20);
  await expect(page.getByTestId('fault-card')).toContainText('swap-in fault: do_swap_page()');
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(VPage.Private);

  // Read back the rest from the process view: the zero-filled pages come back from the zeromap.
  await page.getByRole('button', { name: 'Read all' }).click();
  await app.idle();
  expect(await page.evaluate(() => window.__mmlab!.pageState(0))).toBe(VPage.Private);
  await app.openPanel('swap');
  await app.idle();
  await expect(panel.getByTestId('swap-swpin_zero')).toHaveText('8');
  await expect(panel.getByTestId('swap-pswpin')).toHaveText('0');
  await expect(panel.getByTestId('swap-pgmajfault')).toHaveText('8');
  await expect(panel.getByTestId('swap-SwapCached')).toHaveText('64 kB');
  // the zeromap bits stay with the slots as long as the swap cache holds them
  expect(await slotPixel(zeromap, 1)).toBe(ZEROMAP_SET);
  await app.screenshot('swap-panel-after-read');
});

test('a 4 GiB and a 16 GiB swap device draw at once (run-length encoded)', async ({ page }) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  await app.openPanel('swap');
  const panel = page.getByTestId('swap-panel');
  for (const [size, type, slots] of [
    ['4G', 0, 1 << 20],
    ['16G', 1, 1 << 22],
  ] as const) {
    const t0 = Date.now();
    await swapon(app, size);
    const slotsGrid = panel.getByTestId(`swap-slots-${type}`);
    await expect(slotsGrid).toBeVisible();
    const roundTrip = Date.now() - t0;
    const canvas = slotsGrid.locator('canvas.swap-canvas');
    const perCell = Number(await canvas.getAttribute('data-per-cell'));
    const drawMs = Number(await canvas.getAttribute('data-draw-ms'));
    expect(perCell).toBeGreaterThan(1);
    expect(Math.ceil(slots / perCell)).toBeLessThanOrEqual(180 * 100);
    await expect(slotsGrid).toHaveAttribute('aria-label', new RegExp(`${slots} slots, ${perCell} per cell`));
    test.info().annotations.push({
      type: 'timing',
      description: `swapon ${size} (${slots} slots, ${perCell} a cell): click to drawn ${roundTrip} ms, canvas paint ${drawMs} ms`,
    });
    console.log(
      `swapon ${size}: ${slots} slots, ${perCell}/cell, click→drawn ${roundTrip} ms, paint ${drawMs} ms`,
    );
    // The panel still answers: hover a cell and the line names its slots.
    const p = await slotPoint(slotsGrid, 0);
    await page.mouse.move(p.x, p.y);
    await expect(panel.getByTestId(`swap-device-${type}`).getByTestId('swap-slot-line')).toHaveText(
      `slots 0–${(perCell - 1).toLocaleString('en')}: 1 header (SWAP_MAP_BAD), ${(perCell - 1).toLocaleString('en')} free · zeromap bits 0`,
    );
  }
  await page.mouse.move(0, 0);
  await growLowerDock(page, 3);
  await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await app.screenshot('swap-panel-big');
});
