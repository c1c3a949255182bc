/**
 * Issue #13 in the page: a hostile share link cannot hang or crash the tab. The decompression bomb
 * and the `blkdev_zeroout 8000T` link are refused with a message saying why, the default machine
 * opens, the page keeps answering and its JavaScript heap stays small.
 */
import { deflateRawSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { encodeShare, toBase64Url } from '../src/ui/share/share_codec.ts';
import { MmLab } from './fixtures.ts';

/** The renderer's JS heap, in MiB (Chromium's performance.memory). */
const heapMiB = (page: Page) =>
  page.evaluate(
    () =>
      (performance as Performance & { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 2 ** 20,
  );

/** Open `hash` as a link and wait for the app to settle on whatever it decided. */
async function openLink(page: Page, hash: string): Promise<MmLab> {
  const app = new MmLab(page);
  await page.goto(`/${hash}`);
  await page.waitForFunction(() => window.__mmlab?.isReady);
  await app.idle();
  return app;
}

/** The page still works: a scenario line runs and its result shows. */
async function stillResponsive(app: MmLab): Promise<void> {
  await app.runScenario('spawn R\nR mmap r1 64K rw\nR write r1 0 64K 4K 1');
  expect(await app.statusKb('RssAnon')).toBeGreaterThanOrEqual(64);
}

test('a decompression-bomb link is refused after 8 MiB, and the page stays responsive', async ({ page }) => {
  // 25 MiB of JSON in a ~25 KB link: it once became 1.5 GB in the renderer
  const head = Buffer.from('{"v":1,"config":{},"boot":true,"entries":["');
  const bomb = deflateRawSync(Buffer.concat([head, Buffer.alloc(25 * 2 ** 20, 0x20)]), { level: 9 });
  expect(bomb.length).toBeLessThan(30_000);
  const app = await openLink(page, `#s=${toBase64Url(new Uint8Array(bomb))}`);
  await expect(page.getByTestId('error-banner')).toContainText(
    "Share link: the link's data decompresses to more than 8 MiB (a real scenario is far smaller): not opened. The app opened the default machine instead.",
  );
  expect(await heapMiB(page)).toBeLessThan(200);
  await app.screenshot('robustness-bomb-link');
  await stillResponsive(app);
});

test('a blkdev_zeroout 8000T link is refused at its line with the limit, and the page stays responsive', async ({
  page,
}) => {
  const hash = await encodeShare({
    config: {},
    boot: true,
    entries: ['blkdev_zeroout 8000T'],
    selection: {},
  });
  const app = await openLink(page, hash);
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText(
    'Share link: scenario entry 1, line 1:16 ("blkdev_zeroout 8000T"): blkdev_zeroout: 8388608000 bios is over the limit of 1048576',
  );
  await expect(banner).toContainText("raise it with 'limit zeroout_bios=<n>'");
  expect(await heapMiB(page)).toBeLessThan(200);
  await app.screenshot('robustness-8000T-link');
  await stillResponsive(app);
});

test('a link that would write 8 GiB is refused at its line by the memory budget, and the page stays responsive', async ({
  page,
}) => {
  // 8 GiB written on a 16 GiB machine: the tab once grew to 9.2 GB and crashed
  test.setTimeout(120_000);
  const hash = await encodeShare({
    config: { ram: 16 * 2 ** 30 },
    boot: true,
    entries: ['spawn A\nA mmap r1 8G rw\nA write r1 0 8G 4K 1'],
    selection: {},
  });
  const app = await openLink(page, hash);
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('A write: may write 8 GiB of emulated RAM (2097152 pages and');
  await expect(banner).toContainText('over the memory budget of 2 GiB; nothing was done');
  expect(await heapMiB(page)).toBeLessThan(200);
  await app.screenshot('robustness-8G-write-link');
  await stillResponsive(app);
});

test('a populate of many GiB shows progress in the middle of its one statement, and Escape stops it', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A');
  const box = page.getByLabel('Scenario lines', { exact: true });
  // 4,194,304 read faults in one statement: it once ran to its end before a Cancel was seen
  await box.fill('A mmap r1 16G r populate\nshow /proc/A/status');
  await page.getByRole('form', { name: 'Run scenario lines' }).getByRole('button', { name: 'Run' }).click();
  const progress = page.getByTestId('work-progress');
  await expect(progress).toContainText(/Running line 1 \(statement 1 of 2\): [\d,]+ of 4,194,304 accesses/);
  await progress.screenshot({ path: 'test-results/populate-progress-bar.png' });
  await page.keyboard.press('Escape');
  await expect(progress).toHaveCount(0);
  const transcript = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText(/cancelled during line 1: \d+ of 4194304 pages done/);
  const done = Number(/cancelled during line 1: (\d+) of/.exec(await transcript.innerText())![1]);
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(4194304);
  // the machine is as after the pages that ran: the process counted them (+1, the stack page)
  await app.runScenario('show /proc/A/stat');
  const stat = (await transcript.innerText())
    .split('\n')
    .filter((l) => /^\d+ \(A\) /.test(l))
    .at(-1)!;
  expect(Number(stat.split(' ')[9])).toBe(done + 1);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await app.screenshot('populate-cancelled');
  // and usable: A writes a new region
  await app.runScenario('A mmap r2 64K rw\nA write r2 0 64K 4K 1');
  expect(await app.statusKb('RssAnon')).toBe(64 + 4);
});

test("the header shows the emulator's own memory, and a line over the chosen budget is refused, saying why", async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  const meter = page.getByTestId('memory-meter');
  await expect(meter.locator('summary')).toHaveAccessibleName(/^Emulator memory: \d+ MiB of a 2 GiB budget$/);
  await meter.locator('summary').click();
  const table = page.getByTestId('memory-table');
  await expect(table).toContainText('Emulated RAM written');
  await expect(table).toContainText('struct page and metadata');
  await page.screenshot({
    path: 'test-results/memory-meter.png',
    clip: { x: 560, y: 0, width: 720, height: 260 },
  });
  await page.getByLabel('Memory budget').selectOption({ label: '256 MiB' });
  await expect(meter.locator('summary')).toHaveAccessibleName(/of a 256 MiB budget$/);
  await meter.locator('summary').click(); // close it
  // 512 MiB written page by page would take the emulator over 256 MiB: refused at the length, unchanged
  await app.runScenario('spawn A\nA mmap r1 512M rw\nA write r1 0 512M 4K 1');
  const errors = page.getByTestId('editor-errors');
  await expect(errors).toContainText(
    'A write: may write 513 MiB of emulated RAM (131072 pages and 257 page-table pages of 4 KiB), and with',
  );
  await expect(errors).toContainText('over the memory budget of 256 MiB; nothing was done');
  await expect(errors).toContainText("raise the budget in the app's memory meter");
  await expect(page.getByTestId('editor-gutter').locator('.gutter-error')).toHaveAttribute('data-line', '3');
  expect(await app.statusKb('RssAnon')).toBe(4);
  await app.screenshot('memory-budget-refused');
  // a raised budget lets it run, and the meter shows the RAM it wrote
  await meter.locator('summary').click();
  await page.getByLabel('Memory budget').selectOption({ label: '2 GiB' });
  await meter.locator('summary').click();
  const before = Number(/(\d+) MiB/.exec((await meter.locator('summary').getAttribute('aria-label'))!)![1]);
  await app.runScenario('A write r1 0 512M 4K 1');
  expect(await app.statusKb('RssAnon')).toBe(512 * 1024 + 4);
  await expect(meter.locator('summary')).toHaveAccessibleName(/^Emulator memory: \d+ MiB of a 2 GiB budget$/);
  // stored compactly: every page holds byte 1 at its start, so the 8,192 chunks share one copy
  // (the page tables remain: 1 MiB)
  const total = Number(/(\d+) MiB/.exec((await meter.locator('summary').getAttribute('aria-label'))!)![1]);
  expect(total - before).toBeLessThan(16);
  await meter.locator('summary').click();
  await expect(page.getByTestId('memory-deduped')).toContainText(/, and 8,1\d\d more stored compactly/);
  await page.screenshot({
    path: 'test-results/memory-meter-compact.png',
    clip: { x: 560, y: 0, width: 720, height: 260 },
  });
});

test('if the worker dies, the page says so and Restart and restore rebuilds the machine', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 1M rw\nA write r1 0 256K 4K 7');
  expect(await app.statusKb('RssAnon')).toBe(256 + 4);
  // an uncaught exception kills the worker (as a crash or an out-of-memory abort would)
  const worker = page.workers()[0]!;
  await worker.evaluate(() => {
    setTimeout(() => {
      throw new Error('emulated worker crash');
    }, 0);
  });
  const banner = page.getByTestId('worker-banner');
  await expect(banner).toContainText('The emulator worker stopped');
  await expect(banner).toContainText('emulated worker crash');
  await app.screenshot('worker-died');
  await banner.getByRole('button', { name: 'Restart and restore' }).click();
  await expect(banner).toHaveCount(0);
  await app.idle();
  // the journal replayed on a new worker: the same process, with the bytes it wrote
  expect(await app.statusKb('RssAnon')).toBe(256 + 4);
  await app.runScenario('A dump r1 0x3f000 1');
  const transcript = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText(/A: dump 0x[0-9a-f]+ 1\n[0-9a-f]{16} {2}07 /);
});
