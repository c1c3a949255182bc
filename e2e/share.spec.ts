/**
 * Share links, the scenario editor, long work with progress and Cancel, and the exports, in the page.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { encodeShare } from '../src/ui/share/share_codec.ts';
import { MmLab } from './fixtures.ts';

test('a share link reopens the same machine, transcript, RSS and selection', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const app = new MmLab(page);
  await app.open();
  await app.reboot({ ram: '512 MiB', cpus: 3 });
  await app.runScenario('spawn A\nA mmap r1 16M rw\nA write r1 0 4M 4K 7\nA read r1 4M 4M 4K');
  await app.alloc('k1', 2);
  await app.clickPage(1500);
  const zero = await page.evaluate(() => window.__mmlab!.zeroPagePfn!);
  const c = await app.focus(zero);
  await page.mouse.click(c.x, c.y);
  await app.idle();
  const before = {
    rss: await app.statusKb('RssAnon'),
    selected: await page.evaluate(() => window.__mmlab!.selected),
    digest: await page.evaluate(() => window.__mmlab!.frameDigest()),
    nrPages: await page.evaluate(() => window.__mmlab!.nrPages),
  };
  expect(before.rss).toBe(4 * 1024 + 4);
  expect(before.selected).toEqual({ pfn: zero, proc: 'A', region: 'r1', page: 1500 });

  await app.openPanel('share');
  await page.getByRole('button', { name: 'Copy share link' }).click();
  await expect(page.getByTestId('share-status')).toContainText('Share link copied');
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(/#s=[A-Za-z0-9_-]+$/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  const other = await context.newPage();
  const again = new MmLab(other);
  await other.goto(link);
  await other.waitForFunction(() => window.__mmlab?.isReady);
  const transcript = other.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText('> A read r1 4M 4M 4K');
  // the form's alloc is the scenario statement, journalled as its canonical text
  await expect(transcript).toContainText('> alloc k1 order=2 gfp=GFP_KERNEL');
  await again.idle();
  await expect.poll(() => other.evaluate(() => window.__mmlab!.selected)).toEqual(before.selected);
  const form = other.getByRole('form', { name: 'Machine configuration', includeHidden: true });
  await expect(form.getByLabel('RAM', { exact: true })).toHaveValue(String(512 * 2 ** 20));
  await expect(form.getByLabel('CPUs', { exact: true })).toHaveValue('3');
  expect(await other.evaluate(() => window.__mmlab!.nrPages)).toBe(before.nrPages);
  expect(await other.evaluate(() => window.__mmlab!.frameDigest())).toBe(before.digest);
  expect(await again.statusKb('RssAnon')).toBe(before.rss);
  await expect(other.getByRole('alert')).toHaveCount(0);
  await again.screenshot('share-reopened', true);
});

test('a share link made in the past reopens the same timeline step, RSS and selection', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 64K rw');
  await app.runScenario('A read r1 0 16K 4K');
  const rssBefore = await app.statusKb('RssAnon');
  await app.runScenario('A write r1 0 4K 4K 0x2a');
  const rssLive = await app.statusKb('RssAnon');
  expect(rssLive).toBe(rssBefore + 4);

  // Back with ← into the write fault, to the step just before it counted the page in RSS.
  const timeline = page.getByTestId('timeline');
  const where = page.getByTestId('timeline-where');
  const step = page.getByTestId('timeline-step');
  await timeline.getByRole('button', { name: '← Back' }).focus();
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('ArrowLeft');
    await app.idle();
    found = (await step.getAttribute('data-fn')) === 'add_mm_counter';
  }
  expect(found).toBe(true);
  await page.keyboard.press('ArrowLeft');
  await app.idle();
  await expect(where).toContainText('in the middle of it');
  await expect.poll(() => app.statusKb('RssAnon')).toBe(rssBefore);
  // Select the zero page (a frame the step does not name) by clicking its cell.
  const zero = await page.evaluate(() => window.__mmlab!.zeroPagePfn!);
  const c = await app.focus(zero);
  await page.mouse.click(c.x, c.y);
  await app.idle();
  expect(await page.evaluate(() => window.__mmlab!.selection)).toBe(zero);

  const at = {
    where: await where.innerText(),
    fn: await step.getAttribute('data-fn'),
    text: await step.innerText(),
  };
  const m = /operation (\d+) of \d+, step (\d+) of/.exec(at.where)!;
  const op = Number(m[1]) - 1; // the panel counts operations from 1, the link from 0
  const stepNo = Number(m[2]);

  await app.openPanel('share');
  await page.getByRole('button', { name: 'Copy share link' }).click();
  await expect(page.getByTestId('share-status')).toContainText('Share link copied');
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(new RegExp(`#s=[A-Za-z0-9_-]+&step=${op}\\.${stepNo}$`));

  const other = await context.newPage();
  const again = new MmLab(other);
  await other.goto(link);
  await other.waitForFunction(() => window.__mmlab?.isReady);
  await again.idle();
  const where2 = other.getByTestId('timeline-where');
  const step2 = other.getByTestId('timeline-step');
  await expect(where2).toHaveText(at.where);
  await expect(step2).toHaveAttribute('data-fn', at.fn!);
  await expect.poll(() => step2.innerText()).toBe(at.text);
  // RSS as it was at that step, not the live value the scenario ends with.
  await expect.poll(() => again.statusKb('RssAnon')).toBe(rssBefore);
  await expect.poll(() => other.evaluate(() => window.__mmlab!.selection)).toBe(zero);
  await expect(other.getByTestId('inspector-pfn')).toContainText(`pfn ${zero} `);
  await expect(other.getByRole('alert')).toHaveCount(0);
  await step2.scrollIntoViewIfNeeded();
  await again.screenshot('share-step-reopened');

  // Forward to live on the reopened page: the scenario's end state is there too.
  await other.getByTestId('timeline').getByRole('button', { name: /Live/ }).click();
  await again.idle();
  await expect.poll(() => again.statusKb('RssAnon')).toBe(rssLive);

  // A link whose step the scenario does not have says so and shows the machine live.
  const bad = link.replace(/&step=.*$/, `&step=${op}.99999`);
  const third = await context.newPage();
  await third.goto(bad);
  await third.waitForFunction(() => window.__mmlab?.isReady);
  await new MmLab(third).idle();
  await expect(third.getByRole('alert')).toContainText(
    new RegExp(
      `Share link: step=${op}\\.99999 is not in this scenario \\(operation ${op + 1} \\(${op} counted from 0\\) has \\d+ steps: step 99999 is not in 0\\.\\.\\d+\\); the machine is shown live`,
    ),
  );
  await expect(third.getByTestId('timeline-where')).toContainText('Live');
  expect(await new MmLab(third).statusKb('RssAnon')).toBe(rssLive);
  await new MmLab(third).screenshot('share-step-missing');
});

test('a broken share link says what is wrong and opens the default machine', async ({ page }) => {
  await page.goto('/#s=abc$def');
  await page.waitForFunction(() => window.__mmlab?.isReady);
  const banner = page.getByRole('alert');
  await expect(banner).toContainText(
    "Share link: the data after s= is not base64url: '$' at character 4 of 7",
  );
  await expect(banner).toContainText('opened the default machine');
  const form = page.getByRole('form', { name: 'Machine configuration', includeHidden: true });
  await expect(form.getByLabel('RAM', { exact: true })).toHaveValue(String(2 ** 30));

  // A link whose scenario fails names the entry, the line and the column.
  const hash = await encodeShare({
    config: { arch: 'x86_64', ram: 256 * 2 ** 20 },
    boot: true,
    entries: ['spawn A', 'A mmap r1 4M rw\nA read r2 0 4K 4K'],
    selection: {},
  });
  await page.goto('/' + hash);
  await page.reload();
  await page.waitForFunction(() => window.__mmlab?.isReady);
  await expect(banner).toContainText(
    `Share link: scenario entry 2, line 2:8 ("A read r2 0 4K 4K"): A has no region named 'r2'`,
  );
  await expect(form.getByLabel('RAM', { exact: true })).toHaveValue(String(2 ** 30));
  await new MmLab(page).screenshot('share-broken');
});

test('the editor loads an example, marks a bad line and jumps to it', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.openPanel('scenario');
  await page.getByLabel('Examples').selectOption('zero-page');
  const box = page.getByLabel('Scenario lines', { exact: true });
  await expect(box).toHaveValue(/^# The zero page/);
  // Break line 11 (an expect after the reads): a region that does not exist.
  const text = (await box.inputValue()).split('\n');
  expect(text[10]).toMatch(/^expect \/proc\/A\/status:RssAnon == 4/);
  text[10] = 'A read nowhere 0 4K 4K';
  await box.fill(text.join('\n'));
  await page.getByRole('form', { name: 'Run scenario lines' }).getByRole('button', { name: 'Run' }).click();
  await app.idle();
  const gutter = page.getByTestId('editor-gutter');
  await expect(gutter.locator('.gutter-error')).toHaveAttribute('data-line', '11');
  await expect(gutter.locator('.gutter-error')).toHaveAttribute(
    'title',
    /line 11:8: A has no region named 'nowhere'/,
  );
  const errors = page.getByTestId('editor-errors');
  await expect(errors).toContainText("A has no region named 'nowhere'");
  // The lines before it ran on the machine the example asked for (x86-64, 1G, 2 CPUs).
  await expect(page.getByRole('log', { name: 'Scenario lines run', includeHidden: true })).toContainText(
    '> A read arr 0 64M 4K',
  );
  expect(await app.statusKb('RssAnon')).toBe(4);
  await errors.getByRole('button', { name: 'Go to line 11:8' }).click();
  await expect(box).toBeFocused();
  const caret = await box.evaluate((el: HTMLTextAreaElement) => {
    const before = el.value.slice(0, el.selectionStart);
    return { line: before.split('\n').length, col: before.length - before.lastIndexOf('\n') };
  });
  expect(caret).toEqual({ line: 11, col: 8 });
  await app.screenshot('editor-error');
});

test('a long run shows progress, and Cancel (Escape) leaves a usable machine', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 16G r');
  const box = page.getByLabel('Scenario lines', { exact: true });
  await box.fill('A read r1 0 16G 4K\nshow /proc/A/status');
  await page.getByRole('form', { name: 'Run scenario lines' }).getByRole('button', { name: 'Run' }).click();
  const progress = page.getByTestId('work-progress');
  await expect(progress).toContainText(/Running line 1 \(statement 1 of 2\): [\d,]+ of 4,194,304 accesses/);
  await expect(progress.getByRole('button', { name: 'Cancel (Esc)' })).toBeVisible();
  await progress.screenshot({ path: 'test-results/long-run-progress-bar.png' });
  await page.screenshot({ path: 'test-results/long-run-progress.png' });
  await page.keyboard.press('Escape');
  await expect(progress).toHaveCount(0);
  const transcript = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText(/cancelled during line 1: [\d]+ of 4194304 accesses ran/);
  const ran = Number(/cancelled during line 1: (\d+) of/.exec(await transcript.innerText())![1]);
  expect(ran).toBeGreaterThan(0);
  expect(ran).toBeLessThan(4194304);
  // usable: the next line runs, and the process counted exactly the faults that ran (+1: the stack)
  await app.runScenario('show /proc/A/stat');
  const stat = (await transcript.innerText())
    .split('\n')
    .filter((l) => /^\d+ \(A\) /.test(l))
    .at(-1)!;
  expect(Number(stat.split(' ')[9])).toBe(ran + 1);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await app.screenshot('long-run-cancelled');
});

test('the trace downloads as Chrome trace JSON, the grids as PNG and /proc as text', async ({ page }) => {
  // Four files through Chromium's download manager: on the shared 2-CPU machine this took up to 40 s.
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 4M rw\nA write r1 0 4M 4K 1');
  // The Share tab shares the lower dock with the scenario editor runScenario opened.
  await app.openPanel('share');
  const save = async (button: string) => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: button }).click(),
    ]);
    return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
  };
  const trace = await save('Trace (Perfetto JSON)');
  expect(trace.name).toBe('mm-lab-trace.json');
  const json = JSON.parse(trace.bytes.toString('utf8')) as {
    traceEvents: { name: string; ph: string; ts: number; dur?: number; args?: Record<string, unknown> }[];
  };
  const xs = json.traceEvents.filter((e) => e.ph === 'X');
  expect(xs.some((e) => e.name === 'handle_mm_fault')).toBe(true);
  expect(json.traceEvents.some((e) => e.ph === 'i' && e.name === 'page_fault')).toBe(true);
  for (const x of xs) expect(x.dur).toBeGreaterThan(0);
  await expect(page.getByTestId('share-status')).toContainText(/Trace: (the last )?[\d,]+ events/);

  const png = await save('Frame grid PNG');
  expect(png.name).toBe('mm-lab-frame-grid.png');
  expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  const ppng = await save('Process grid PNG');
  expect(ppng.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');

  const proc = await save('/proc as text');
  const text = proc.bytes.toString('utf8');
  expect(text).toContain('==> /proc/meminfo <==\nMemTotal:');
  expect(text).toMatch(/==> \/proc\/\d+\/status <==\nName:\tA/);
});

test('booting a 16 GiB machine shows its progress in the bar', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  // A 16 GiB boot takes well under a second here, faster than Playwright polls: the bar is asked to
  // show at the first progress notice (the worker posts one per 40 ms slice), and the page records
  // what it said the moment it appears (a MutationObserver). Cancelling a boot is tested in
  // tests/host_long.test.ts, where the timing is under control.
  await page.evaluate(() => {
    window.__mmlab!.progressAfter(0);
    const w = window as unknown as { seenProgress?: string };
    new MutationObserver((_, obs) => {
      const bar = document.querySelector('[data-testid="work-progress"]');
      if (!bar) return;
      w.seenProgress = bar.textContent ?? '';
      obs.disconnect();
    }).observe(document.body, { childList: true, subtree: true });
  });
  await app.configure({ ram: '16 GiB' });
  await app.rebootNow();
  // 16 GiB of 4 KiB frames, plus the hole below 4 GiB the frame grid also draws
  expect(await page.evaluate(() => window.__mmlab!.nrPages)).toBeGreaterThan(16 * 2 ** 18);
  const seen = await page.evaluate(() => (window as unknown as { seenProgress?: string }).seenProgress);
  expect(seen).toMatch(/^Booting: \d+ of \d+ boot stepsCancel \(Esc\)$/);
  await expect(page.getByTestId('work-progress')).toHaveCount(0);
});
