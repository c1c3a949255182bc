/**
 * Copy-on-write at a glance: a small region shows its pages as readable cells; after "Read all"
 * every page is linked to the one zero page (the mapping view); a Read click on a zero-mapped page
 * offers the write, and the write animates the fault: the old link to the zero page, the new one to
 * the fresh frame, the new frame ringed inside the frame grid's view and magnified in the fault card
 * within a second, RSS ticking by one page. Then fork puts parent and child side by side.
 */
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test.describe.configure({ mode: 'serial' });

async function inside(page: Page, pfn: number): Promise<boolean> {
  return page.evaluate((p) => {
    const c = window.__mmlab!.cellCenter(p);
    const r = document.querySelector('.frame-grid-static')!.getBoundingClientRect();
    return (
      c.x >= r.left &&
      c.x <= r.right &&
      c.y >= r.top &&
      c.y <= r.bottom &&
      c.x >= 0 &&
      c.y >= 0 &&
      c.x <= window.innerWidth &&
      c.y <= window.innerHeight
    );
  }, pfn);
}

test('a write to a zero-mapped page animates the fault and links the new frame', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  // The form's default size is small enough for readable cells.
  await app.openPanel('processes');
  await expect(page.getByRole('form', { name: 'mmap' }).getByLabel('size')).toHaveValue('256K');
  await page.getByRole('form', { name: 'mmap' }).getByRole('button', { name: 'Map' }).click();
  await app.idle();
  await expect(page.getByTestId('process-grid-caption')).toContainText('A r1: 64 pages');
  // Cells at least 12 px wide: the distance between two neighbours in a row.
  const cell = await page.evaluate(() => {
    const api = window.__mmlab!;
    for (let i = 0; i < 40; i++) {
      const a = api.pageCenter(i);
      const b = api.pageCenter(i + 1);
      if (Math.abs(a.y - b.y) < 1) return b.x - a.x;
    }
    return 0;
  });
  expect(cell).toBeGreaterThanOrEqual(12);

  // The mode is on screen, with what a click will do.
  await expect(page.getByRole('radio', { name: /Read/ })).toBeChecked();
  await expect(page.getByTestId('mode-hint')).toContainText('zero page');

  // Read all: 64 pages, every one linked to the same frame, the zero page.
  await page.getByRole('button', { name: 'Read all' }).click();
  await app.idle();
  const zero = await page.evaluate(() => window.__mmlab!.zeroPagePfn!);
  const links = page.getByTestId('mapping-links');
  await expect(links).toHaveAttribute('data-links', '64');
  await expect(links.locator('path.link-zero')).toHaveAttribute('data-count', '64');
  await app.screenshot('cow-read-all');

  // A read click on a zero-mapped page would change nothing: the view offers the write.
  const rssBefore = Number(await page.getByTestId('rss-value-A').innerText());
  const target = 37;
  const pc = await page.evaluate((p) => window.__mmlab!.pageCenter(p), target);
  await page.mouse.click(pc.x, pc.y);
  await expect(page.getByTestId('zero-offer')).toContainText('a read changes nothing');
  await app.screenshot('cow-offer');

  await page.getByTestId('zero-offer').getByRole('button', { name: 'Write it' }).click();
  const faults = page.getByTestId('fault-links');
  await expect(faults).toHaveAttribute('data-new-pfn', /^\d+$/);
  const pfn = Number(await faults.getAttribute('data-new-pfn'));
  expect(pfn).not.toBe(zero);
  expect(await faults.getAttribute('data-old-pfn')).toBe(String(zero));
  // The new frame is highlighted (the frame grid's link ring) and inside the viewport.
  await expect.poll(() => page.evaluate(() => window.__mmlab!.linkedPfn)).toBe(pfn);
  expect(await inside(page, pfn)).toBe(true);
  // (how fast that is drawn is bench:browser's click row: no test asserts a time on shared machines)
  // Both links are drawn: the old one to the zero page, the new one to the frame.
  await expect(faults.locator('line.fault-old')).toBeVisible();
  await expect(faults.locator('line.fault-new')).toBeVisible();
  await expect(faults.locator('rect.fault-flash')).toBeVisible();
  const line = await faults.locator('line.fault-new').evaluate((l) => ({
    x2: Number(l.getAttribute('x2')),
    y2: Number(l.getAttribute('y2')),
  }));
  const fc = await page.evaluate((p) => window.__mmlab!.cellCenter(p), pfn);
  expect(Math.abs(line.x2 - fc.x)).toBeLessThan(3);
  expect(Math.abs(line.y2 - fc.y)).toBeLessThan(3);
  // The card tells the path, the inset shows the frame, RSS ticked by one page.
  const card = page.getByTestId('fault-card');
  await expect(card).toContainText('wp_page_copy');
  await expect(page.getByTestId('frame-inset')).toHaveAttribute('data-pfn', String(pfn));
  await expect(page.getByTestId('rss-value-A')).toHaveText(String(rssBefore + 4));
  await expect(page.getByTestId('process-run-line')).toContainText(
    `A write r1 0x${(target * 4096).toString(16)} 1 1 1`,
  );
  await expect(links.locator('path.link-zero')).toHaveAttribute('data-count', '63');
  await expect(links.locator('path.link-private')).toHaveAttribute('data-count', '1');
  await page.waitForTimeout(1500); // the animation's end state
  await app.screenshot('cow-write');

  // The inset's centre cell is the anonymous frame's colour.
  const FS = await page.evaluate(() => window.__mmlab!.FrameState);
  const insetColour = await page.getByTestId('frame-inset').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(c.width / 2, c.height / 2, 1, 1).data;
    return '#' + [d[0]!, d[1]!, d[2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
  });
  expect(insetColour).toBe(await page.evaluate((s) => window.__mmlab!.frameColor(s), FS.Anon));

  // Fork: parent and child side by side, the parent stays current; the shared frame has two links.
  await app.openPanel('processes');
  const fork = page.getByRole('form', { name: 'fork' });
  await fork.getByLabel('child').fill('B');
  await fork.getByRole('button', { name: 'Fork A' }).click();
  await app.idle();
  await expect(page.getByTestId('process-pane-A')).toHaveAttribute('data-current', 'true');
  await expect(page.getByTestId('process-pane-B')).toBeVisible();
  await expect(page.getByLabel('process', { exact: true })).toHaveValue('A');
  await expect(links.locator('path.link-shared')).toHaveAttribute('data-count', '2');
  await expect(links.locator('path.link-zero')).toHaveAttribute('data-count', '126');
  await app.screenshot('cow-fork');

  // The chooser hides the child.
  await page.getByTestId('process-chooser').getByLabel('B').uncheck();
  await expect(page.getByTestId('process-pane-B')).toHaveCount(0);
  await expect(links.locator('path.link-shared')).toHaveAttribute('data-count', '1');
});

test('with reduced motion the fault shows its end state without animation', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '1M', 'rw');
  await page.locator('body').press('w');
  await page.getByTestId('process-grid').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await app.idle();
  const faults = page.getByTestId('fault-links');
  await expect(faults).toHaveAttribute('data-new-pfn', /^\d+$/);
  const anim = await faults.locator('line.fault-new').evaluate((l) => getComputedStyle(l).animationName);
  expect(anim).toBe('none');
  await app.screenshot('cow-reduced-motion');
});

test('by keyboard: Enter on a zero-mapped page offers the write, Enter again writes it', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '1M', 'rw');
  await page.getByRole('button', { name: 'Read all' }).click();
  await app.idle();
  const VPage = await page.evaluate(() => window.__mmlab!.VPageState);
  await page.getByTestId('process-grid').focus();
  await page.keyboard.press('ArrowRight'); // selects page 0
  await page.keyboard.press('ArrowDown'); // one row down
  const sel = await page.evaluate(() => window.__mmlab!.selected.page!);
  expect(sel).toBeGreaterThan(0);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('zero-offer')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Write it' })).toBeFocused();
  await page.keyboard.press('Enter');
  await app.idle();
  expect(await page.evaluate((p) => window.__mmlab!.pageState(p), sel)).toBe(VPage.Private);
  await expect(page.getByTestId('process-grid')).toBeFocused();
  await expect(page.getByTestId('fault-card')).toContainText('wp_page_copy');
});

test('mapping links: runs of pages on one frame are bands with a count, and past the cap the rest are counted, not drawn', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  // 16,384 pages on the zero page: one band (per run in view), not a fan of thousands of lines.
  await app.runScenario('spawn A\nA mmap r1 64M rw\nA read r1 0 64M 4K');
  const links = page.getByTestId('mapping-links');
  await expect(links).toHaveAttribute('data-bands', /^[1-9]\d*$/);
  const linked = Number(await links.getAttribute('data-links'));
  expect(linked).toBeGreaterThan(1000);
  await expect(links.locator('path.link-zero')).toHaveAttribute('data-count', String(linked));
  expect(Number(await links.getAttribute('data-drawn'))).toBeLessThanOrEqual(120);
  await expect(links.locator('text.link-count').first()).toHaveText(/^×\d+$/);
  const counted = await links
    .locator('text.link-count')
    .evaluateAll((ts) => ts.reduce((n, t) => n + Number(t.textContent!.slice(1)), 0));
  expect(counted).toBe(linked);
  await expect(links).toHaveAttribute('data-more', '0');
  await app.screenshot('links-bands');

  // Every other page written: 128 runs of one page each, more than the cap; the rest are said.
  await app.runScenario('spawn B\nB mmap r1 1M rw\nB write r1 0 1M 8K 1');
  await page.getByLabel('process', { exact: true }).selectOption('B');
  await page.getByTestId('process-chooser').getByLabel('A').uncheck();
  await app.idle();
  await expect(links).toHaveAttribute('data-links', '128');
  await expect(links).toHaveAttribute('data-drawn', '120');
  await expect(links).toHaveAttribute('data-more', '8');
  await expect(links.locator('text.link-more')).toHaveText('8 more links not drawn');
  await app.screenshot('links-capped');
});
