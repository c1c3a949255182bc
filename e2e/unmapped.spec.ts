/**
 * Unmapped pages (page_alloc_unmapped=yes): boot a 16 GiB x86-64 machine with the option from the
 * header, preempt a mermap holder so clear_page_mermap() must take its slow path, allocate with
 * __GFP_UNMAPPED|__GFP_ZERO, and check the zeroing view's per-page steps, the pageblock map's
 * UNMAPPED freetype and the direct-map strip's "absent".
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

async function bootUnmapped(app: MmLab, zeroing: 'per_block' | 'as_posted' = 'per_block'): Promise<void> {
  const form = app.page.getByRole('form', { name: 'Machine configuration', includeHidden: true });
  await app.configure({ arch: 'x86_64', ram: '16 GiB' });
  await form.getByLabel('CPUs', { exact: true }).fill('4');
  await form.getByLabel('page_alloc_unmapped').check();
  await form.getByLabel('unmapped zeroing').selectOption(zeroing);
  await app.rebootNow();
  await expect(app.page.getByTestId('machine-summary')).toContainText(
    `page_alloc_unmapped (zeroing ${zeroing})`,
  );
}

/** The colour of the pageblock map's canvas at a CSS point inside it, '#rrggbb'. */
function mapPixel(page: Page, x: number, y: number): Promise<string> {
  return page.getByTestId('pageblock-map').evaluate(
    (c, p) => {
      const canvas = c as HTMLCanvasElement;
      const k = canvas.width / canvas.getBoundingClientRect().width;
      const d = canvas.getContext('2d')!.getImageData(Math.floor(p.x * k), Math.floor(p.y * k), 1, 1).data;
      return '#' + [d[0], d[1], d[2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
    },
    { x, y },
  );
}

test('slow-path zeroing of an unmapped allocation, page by page, over the pageblock and direct maps', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  await bootUnmapped(app);
  await app.openPanel('unmapped');
  const panel = page.getByTestId('unmapped-panel');
  // 16 GiB of RAM spans 17 GiB of pfns: the PCI hole below 4 GiB moves 1 GiB of RAM above it.
  await expect(panel.getByTestId('pageblock-summary')).toContainText('0 of 8704 pageblocks UNMAPPED');

  await app.spawn('A'); // the mermap is per mm: CPU 0 needs a current process
  await app.openPanel('unmapped'); // the process forms share its dock
  await expect(panel.getByTestId('unmapped-cpu-state')).toHaveText('current: A, IRQs on');
  // spawn prepared A's mermap: each CPU's slice has its own PTE table in A's page tables
  await expect(panel.getByTestId('mermap-A-cpu0-pte')).toHaveText(
    /^0xffff880000200000: PTE table at pfn 0x[0-9a-f]+$/,
  );
  await expect(panel.getByTestId('mermap-A-cpu1-pte')).toContainText(
    '0xffff880000400000: PTE table at pfn 0x',
  );

  // A preempted task holds 511 pages of A's slice on CPU 0: mermap_get of a pageblock cannot fit.
  const preempt = panel.getByRole('form', { name: 'preempt a mermap holder' });
  await preempt.getByLabel('holder pages').fill('511');
  await preempt.getByRole('button', { name: 'Preempt' }).click();
  await app.idle();
  await expect(panel.getByTestId('mermap-A-cpu0')).toContainText('0: [0, 511) preempted task');

  const alloc = panel.getByRole('form', { name: 'allocate' });
  await alloc.getByLabel('name').fill('k1');
  await alloc.getByLabel('order').fill('9');
  await alloc.getByLabel('__GFP_UNMAPPED').check();
  await alloc.getByLabel('__GFP_ZERO').check();
  await alloc.getByRole('button', { name: 'Alloc' }).click();
  await app.idle();

  // Every control ran one scenario line: the transcript shows them.
  const transcript = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText('preempt pages=511');
  await expect(transcript).toContainText('alloc k1 order=9 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO');

  // The zeroing view plays the run back: it starts playing, and is not finished at once.
  const zero = panel.getByTestId('zeroing-view');
  await expect(zero).toContainText('alloc k1 order=9 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO');
  await expect(zero.getByTestId('zeroing-blocks')).toContainText('slow path');
  await expect(zero.getByRole('button', { name: 'Pause' })).toBeVisible();
  const early = Number(await zero.getByTestId('zero-count-slow').innerText());
  expect(early).toBeLessThan(512);
  await expect(zero.getByTestId('zeroing-current')).toContainText('mermap_get_reserved');
  await zero.scrollIntoViewIfNeeded();
  await zero.screenshot({ path: 'test-results/unmapped-zeroing-playing.png' });

  await zero.getByRole('button', { name: 'Skip to end' }).click();
  await expect(zero.getByTestId('zeroing-progress')).toContainText('512 of 512 pages cleared');
  await expect(zero.getByTestId('zero-count-slow')).toHaveText('512');
  await expect(zero.getByTestId('zero-count-fast')).toHaveText('0');
  await expect(zero.getByTestId('zero-count-direct')).toHaveText('0');

  // The block the run cleared is the one the pageblock map calls UNMAPPED and absent.
  const blockText = await zero.getByTestId('zeroing-blocks').innerText();
  const pfn = parseInt(/at pfn 0x([0-9a-f]+)/.exec(blockText)![1]!, 16);
  expect(pfn % 512).toBe(0);
  await expect(panel.getByTestId('pageblock-summary')).toContainText('1 of 8704 pageblocks UNMAPPED');
  const map = panel.getByTestId('pageblock-map');
  await map.focus();
  await page.keyboard.press('u');
  const desc = panel.getByTestId('pageblock-desc');
  await expect(desc).toHaveText(
    `pageblock ${pfn / 512}: pfn 0x${pfn.toString(16)}–0x${(pfn + 511).toString(16)}, freetype Unmovable|UNMAPPED, direct map absent`,
  );
  // ... and its cell is drawn so: a black freetype band over a magenta (absent) strip, while the
  // blocks a few cells away (clear of the cursor's ring) are mapped: a green strip.
  const cols = Number(await map.getAttribute('data-cols'));
  const box = (await map.boundingBox())!;
  const cell = Math.floor(box.width / cols);
  const strip = Math.max(2, Math.round(cell * 0.45));
  const at = (b: number) => ({
    x: (b % cols) * cell + cell / 2,
    y: Math.floor(b / cols) * (cell + strip + 1),
  });
  const b = pfn / 512;
  expect(await mapPixel(page, at(b).x, at(b).y + cell / 2)).toBe('#000000');
  expect(await mapPixel(page, at(b).x, at(b).y + cell + strip / 2)).toBe('#ee3377');
  expect(await mapPixel(page, at(b + 4).x, at(b + 4).y + cell + strip / 2)).toBe('#117733');
  await page.keyboard.press('ArrowRight');
  await expect(desc).toContainText('direct map present');

  // The TLB of CPU 0: the mermap entries are non-global; the last slow-path page's translation stays until the next wrap.
  await expect(panel.getByTestId('tlb-summary')).toContainText('CPU 0: IRQs on, mm A, PCID 1');
  await expect(panel.getByTestId('tlb-table')).toContainText('mermap');

  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: 'test-results/unmapped-panel.png' });

  const results = await new AxeBuilder({ page }).include('[data-testid="unmapped-panel"]').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('with reduced motion the run is shown finished; as posted an order-10 run clears 1536 pages', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const app = new MmLab(page);
  await app.open();
  await bootUnmapped(app, 'as_posted');
  await app.spawn('A');
  await app.openPanel('unmapped');
  const panel = page.getByTestId('unmapped-panel');
  const alloc = panel.getByRole('form', { name: 'allocate' });
  await alloc.getByLabel('name').fill('big');
  await alloc.getByLabel('order').fill('10');
  await alloc.getByRole('button', { name: 'Alloc' }).click();
  await app.idle();
  const zero = panel.getByTestId('zeroing-view');
  // no preempted holder, but 1024 pages never fit a 511-page slice: the slow path either way
  await expect(zero.getByTestId('zeroing-progress')).toContainText('1536 of 1536 pages cleared');
  await expect(zero.getByTestId('zero-count-slow')).toHaveText('1536');
  await expect(zero.getByRole('button', { name: 'Replay' })).toBeVisible();
  await expect(panel.getByTestId('pageblock-summary')).toContainText('2 of 8704 pageblocks UNMAPPED');
});

test('without page_alloc_unmapped the panel says why it is empty; off x86-64 too', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.openPanel('unmapped');
  const panel = page.getByTestId('unmapped-panel');
  await expect(panel.getByTestId('unmapped-why')).toContainText('booted without page_alloc_unmapped');
  await expect(panel.getByTestId('pageblock-map')).toHaveCount(0);
  await expect(panel.getByTestId('tlb-summary')).toContainText('CPU 0: IRQs on, mm init_mm');
  await app.configure({ arch: 'arm64' });
  await app.rebootNow();
  await expect(panel.getByTestId('unmapped-why')).toContainText('modelled on x86-64 only');
});
