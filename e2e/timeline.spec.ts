/**
 * The timeline: run a few lines, step back with the keyboard into the write fault, see the page as
 * it was (RSS before the fault, the frame not yet taken), and step forward to live again.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('step back into a write fault with the arrow keys and forward to live again', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 64K rw');
  await app.runScenario('A read r1 0 16K 4K');
  const rssBefore = await app.statusKb('RssAnon');
  const anonBefore = (await page.evaluate(() => window.__mmlab!.counts()))[
    await page.evaluate(() => window.__mmlab!.FrameState.Anon)
  ]!;
  await app.runScenario('A write r1 0 4K 4K 0x2a');
  const rssLive = await app.statusKb('RssAnon');
  expect(rssLive).toBe(rssBefore + 4);
  const anon = await page.evaluate(() => window.__mmlab!.FrameState.Anon);
  const anonLive = (await page.evaluate(() => window.__mmlab!.counts()))[anon]!;
  expect(anonLive).toBe(anonBefore + 1);

  const timeline = page.getByTestId('timeline');
  const where = page.getByTestId('timeline-where');
  const step = page.getByTestId('timeline-step');
  await expect(where).toContainText('Live');
  await expect(timeline.getByRole('list', { name: 'Operations' })).toContainText('A write r1 0 4K 4K 0x2a');

  // Keyboard: focus the panel's Back button and walk back with ← until the step that counted the
  // page in RSS (add_mm_counter, which do_anonymous_page runs before set_ptes); one more ← is the
  // state just before it.
  await timeline.getByRole('button', { name: '← Back' }).focus();
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('ArrowLeft');
    await app.idle();
    found = (await step.getAttribute('data-fn')) === 'add_mm_counter';
  }
  expect(found).toBe(true);
  await expect(where).toContainText('Viewing the past');
  await expect(step).toContainText(/MM_ANONPAGES: \d+ → \d+/);
  // ...made in wp_page_copy (a write to the zero page's read-only PTE is COW), which says why.
  await expect(step).toContainText(/In wp_page_copy\(\): .*the zero page/);
  await step.scrollIntoViewIfNeeded();
  await app.screenshot('timeline-rss-step');
  expect(await app.statusKb('RssAnon')).toBe(rssLive);
  await page.keyboard.press('ArrowLeft');
  await app.idle();
  await expect(where).toContainText('in the middle of it');
  // The status panel shows the earlier state: RSS before the write fault counted its page.
  await expect.poll(() => app.statusKb('RssAnon')).toBe(rssBefore);
  // A write to a zero-page PTE is a copy-on-write fault: the steps say so.
  await expect(timeline.getByRole('list', { name: /Steps of operation/ })).toContainText('wp_page_copy()');

  // Home: the start of the operation, before the fault took a frame: the grid has one anon frame less.
  await page.keyboard.press('Home');
  await app.idle();
  expect((await page.evaluate(() => window.__mmlab!.counts()))[anon]).toBe(anonBefore);
  // Step into the fault's calls: the detail names the function, its file, and why.
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  await app.idle();
  await expect(step.getByRole('link')).toHaveAttribute(
    'href',
    /elixir\.bootlin\.com\/linux\/v6\.18\/source\//,
  );
  await app.screenshot('timeline-past');

  // While in the past, changing the machine is refused with a message saying why.
  await app.runScenario('A write r1 8K 4K 4K 1');
  await expect(app.banner).toContainText('the view is in the past');
  await timeline.getByRole('button', { name: '← Back' }).focus();

  // Forward to the end: live again, exactly as it was.
  await page.keyboard.press('End');
  await app.idle();
  await expect(where).toContainText('Live');
  expect(await app.statusKb('RssAnon')).toBe(rssLive);
  expect((await page.evaluate(() => window.__mmlab!.counts()))[anon]).toBe(anonLive);
  await timeline.scrollIntoViewIfNeeded();
  await app.screenshot('timeline-live');
});

test("stepping onto a write fault's mm_page_alloc selects that frame in every view", async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 64K rw\nA read r1 0 16K 4K');
  await app.runScenario('A write r1 0 4K 4K 0x2a');
  const step = page.getByTestId('timeline-step');
  await page.getByTestId('timeline').getByRole('button', { name: '← Back' }).focus();
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('ArrowLeft');
    await app.idle();
    found = (await step.getAttribute('data-fn')) === 'trace_mm_page_alloc';
  }
  expect(found).toBe(true);
  const pfn = Number.parseInt(/allocated pfn 0x([0-9a-f]+)/.exec(await step.innerText())![1]!, 16);
  await expect(step.getByTestId('timeline-step-frames')).toContainText(
    `Selected frame: pfn ${pfn} (0x${pfn.toString(16)}), allocated.`,
  );
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selection)).toBe(pfn);
  await expect(page.getByTestId('inspector-pfn')).toContainText(`pfn ${pfn} `);
  await step.scrollIntoViewIfNeeded();
  await app.screenshot('timeline-step-selects-frame');

  // Live again, the write's PTE maps that very frame: the page the fault allocated.
  await page.keyboard.press('End');
  await app.idle();
  await app.clickPage(0);
  await app.openPanel('page');
  await expect(page.getByTestId('page-details').getByTestId('page-pfn')).toHaveText(String(pfn));
});
