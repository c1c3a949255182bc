/**
 * The reclaim lesson in the browser (issue #15): "Running out of memory: kswapd, reclaim and swap"
 * opened from its link, each step run, and the Swap panel checked against what the lesson says:
 * kswapd's line (asleep, then 22 runs and balanced), the LRU lists view (sizes equal to
 * /proc/vmstat's nr_* counters, the oldest folios on the left, the activated ones on the active
 * list), a folio cell selecting its frame, and no axe violations in the panel. Screenshots at the
 * steps a learner looks at.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

/** Give the lower dock more height (as a learner drags its splitter), for the screenshots. */
async function growLowerDock(page: Page, presses: number): Promise<void> {
  const sep = page.getByRole('separator', { name: 'Resize the lower dock' });
  await sep.focus();
  for (let i = 0; i < presses; i++) await page.keyboard.press('Shift+ArrowUp');
}

async function vmstat(page: Page, name: string): Promise<number> {
  return (await page.evaluate((w) => window.__mmlab!.value(w), `/proc/vmstat:${name}`)) as number;
}

test('the reclaim lesson: kswapd wakes and sleeps, the LRU view shows the lists reclaim works on', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const app = new MmLab(page);
  await page.goto('/?lesson=reclaim-kswapd');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  const lesson = page.getByTestId('lesson-panel');
  await expect(lesson.getByTestId('lesson-progress')).toHaveText(
    'Step 1 of 6: New pages join the inactive list',
  );
  const skip = lesson.getByRole('button', { name: 'Skip: just run it' });
  const next = lesson.getByRole('button', { name: 'Next' });
  const runStep = async () => {
    await skip.click();
    await expect(lesson.getByTestId('lesson-reveal')).toBeVisible();
    await app.idle();
  };

  // Step 1: 64 MiB written, all inactive, kswapd asleep.
  await runStep();
  await app.openPanel('swap');
  const panel = page.getByTestId('swap-panel');
  const lru = panel.getByTestId('lru-lists');
  const row = (l: string) => lru.getByTestId(`lru-list-${l}`);
  const pagesOf = async (l: string) =>
    Number((await row(l).getByTestId('lru-pages').innerText()).replace(/,/g, ''));
  await expect(panel.getByTestId('kswapd-state')).toHaveText('sleeping');
  await expect(panel.getByTestId('kswapd-last')).toHaveCount(0);
  expect(await pagesOf('inactive_anon')).toBe(await vmstat(page, 'nr_inactive_anon'));
  expect(await pagesOf('inactive_anon')).toBeGreaterThan(16384 - 31);
  expect(await pagesOf('active_anon')).toBe(0);
  await expect(row('active_anon')).toContainText('empty');
  // five oldest, a gap, five newest
  await expect(row('inactive_anon').locator('button.lru-cell')).toHaveCount(10);
  await expect(row('inactive_anon').locator('.lru-gap')).toHaveCount(1);
  await expect(lru).toContainText('tail: oldest, reclaim scans here');
  await growLowerDock(page, 3);
  await lru.scrollIntoViewIfNeeded();
  await app.screenshot('reclaim-1-inactive');

  // Step 2: 40 MiB more: kswapd ran 22 times and sleeps again, balanced.
  await next.click();
  await runStep();
  await expect(panel.getByTestId('kswapd-state')).toHaveText('sleeping');
  await expect(panel.getByTestId('kswapd-last')).toContainText('22 runs');
  await expect(panel.getByTestId('kswapd-last')).toContainText('balanced');
  expect(await vmstat(page, 'pageoutrun')).toBe(22);
  expect(await pagesOf('inactive_anon')).toBe(await vmstat(page, 'nr_inactive_anon'));

  // Step 3: the oldest cells are the next to go; one selects its frame.
  await next.click();
  await runStep();
  const oldest = row('inactive_anon').locator('button.lru-cell').first();
  await expect(oldest).toHaveAttribute('aria-label', /the oldest \(tail\)/);
  const pfn = Number(await oldest.getAttribute('data-pfn'));
  await oldest.click();
  await app.idle();
  expect(await page.evaluate(() => window.__mmlab!.selection)).toBe(pfn);
  await expect(oldest).toHaveClass(/selected/);
  // the newest came in after the last scan: no PG_referenced dot
  await expect(row('inactive_anon').locator('button.lru-cell').last()).not.toHaveClass(/lru-ref/);
  await lru.scrollIntoViewIfNeeded();
  await app.screenshot('reclaim-3-oldest-selected');

  // Step 4: the 1024 pages read again were activated.
  await next.click();
  await runStep();
  expect(await vmstat(page, 'pgactivate')).toBe(1024);
  expect(await pagesOf('active_anon')).toBe(1024);
  await expect(row('active_anon').locator('button.lru-cell')).toHaveCount(10);
  expect(
    (await new AxeBuilder({ page }).include('[data-testid="swap-panel"]').analyze()).violations.map(
      (v) => v.id,
    ),
  ).toEqual([]);
  await lru.scrollIntoViewIfNeeded();
  await app.screenshot('reclaim-4-activated');

  // Step 5: no direct reclaim. Step 6: the first 4 MiB read back go straight to the active list.
  await next.click();
  await runStep();
  expect(await vmstat(page, 'allocstall_movable')).toBe(0);
  await next.click();
  await runStep();
  expect(await pagesOf('active_anon')).toBe(2048);
  expect(await vmstat(page, 'pswpin')).toBeGreaterThanOrEqual(1024);
  await lru.scrollIntoViewIfNeeded();
  await app.screenshot('reclaim-6-read-back');
});
