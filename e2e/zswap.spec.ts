/**
 * zswap in the Swap panel (issue #15): with zswap on, MADV_PAGEOUT stores the written pages in the
 * compressed pool instead of the device — their slots drawn in zswap's colour, Zswap/Zswapped and
 * zswpout in the counters, a slot's detail naming the pool — while zero-filled pages still only set
 * their zeromap bit; reading back loads them (zswpin) and empties the pool.
 */
import { expect, test, type Locator } from '@playwright/test';
import { MmLab } from './fixtures.ts';

/** The colour of a swap grid's canvas at slot `off`, '#rrggbb'. */
function slotPixel(grid: Locator, off: number): Promise<string> {
  return grid.locator('canvas.swap-canvas').evaluate((c, off) => {
    const canvas = c as HTMLCanvasElement;
    const cell = Number(canvas.dataset.cell);
    const cols = Math.floor(canvas.width / cell);
    const i = Math.floor(off / Number(canvas.dataset.perCell));
    const x = (i % cols) * cell + Math.floor(cell / 2) - (cell >= 4 ? 1 : 0);
    const y = Math.floor(i / cols) * cell + Math.floor(cell / 2) - (cell >= 4 ? 1 : 0);
    const d = canvas.getContext('2d')!.getImageData(x, y, 1, 1).data;
    return '#' + [d[0], d[1], d[2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
  }, off);
}

const ZSWAP_SLOT = '#aa4411';
const ZERO_SLOT = '#f7c8a6';
const FREE_SLOT = '#f4f4ef';

test('zswap: written pages go to the compressed pool, zero-filled ones to the zeromap', async ({ page }) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('swapon 16M\nzswap on');
  await app.spawn('A');
  await app.mmap('r', '64K', 'rw');
  await app.runScenario('A write r 0 32K 4K 0\nA write r 32K 32K 4K 0xab\nA madvise r 0 64K pageout');

  await app.openPanel('swap');
  await app.idle();
  const panel = page.getByTestId('swap-panel');
  await expect(panel.getByTestId('swap-zswap')).toHaveText('on');
  await expect(panel.getByTestId('swap-zswpout')).toHaveText('8');
  await expect(panel.getByTestId('swap-pswpout')).toHaveText('0');
  await expect(panel.getByTestId('swap-swpout_zero')).toHaveText('8');
  await expect(panel.getByTestId('swap-Zswapped')).toHaveText('32 kB');
  // nothing stays in the swap cache: a stored page is freed in the same reclaim pass
  await expect(panel.getByTestId('swap-SwapCached')).toHaveText('0 kB');
  const slots = panel.getByTestId('swap-slots-0');
  for (let off = 1; off <= 8; off++) expect(await slotPixel(slots, off), `slot ${off}`).toBe(ZERO_SLOT);
  for (let off = 9; off <= 16; off++) expect(await slotPixel(slots, off), `slot ${off}`).toBe(ZSWAP_SLOT);
  expect(await slotPixel(slots, 17)).toBe(FREE_SLOT);
  await expect(panel.getByRole('list', { name: 'Slot states' })).toContainText('held compressed in zswap');

  // a slot's detail names the pool and the (estimated) compressed length
  const canvas = slots.locator('canvas.swap-canvas');
  await canvas.evaluate((c) => c.scrollIntoView({ block: 'start' }));
  const box = (await canvas.boundingBox())!;
  const cell = Number(await canvas.getAttribute('data-cell'));
  await page.mouse.click(box.x + 9 * cell + cell / 2, box.y + cell / 2);
  const detail = panel.getByTestId('swap-slot-detail');
  await expect(detail).toContainText('slot 9 of type 0');
  await expect(detail).toContainText(/held by zswap in \d+ bytes \(compressed, estimated\)/);
  await page.mouse.move(0, 0);
  await app.screenshot('zswap-panel-after-pageout');

  // reading everything back loads the pool's pages (zswpin) and empties it
  await app.runScenario('A read r 0 64K 4K');
  await app.openPanel('swap');
  await app.idle();
  await expect(panel.getByTestId('swap-zswpin')).toHaveText('8');
  await expect(panel.getByTestId('swap-swpin_zero')).toHaveText('8');
  await expect(panel.getByTestId('swap-pswpin')).toHaveText('0');
  await expect(panel.getByTestId('swap-Zswapped')).toHaveText('0 kB');
  await expect(panel.getByTestId('swap-Zswap')).toHaveText('0 kB');
  await app.screenshot('zswap-panel-after-read');
});
