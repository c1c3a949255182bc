/**
 * Embed mode (issue #16): MM Lab in an iframe of a plain course page on another origin
 * (e2e/fixtures/embed-host.html, served by a small server of this file on another port), driven only by postMessage as
 * docs/embed.md tells a teacher: load the docs' 5-step lesson, step, go to a step, read values, and
 * get an error reply (never silence) for a bad message. The frame's text and pixels are checked, and
 * that the 800×500 frame does not scroll.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Frame, type Page } from '@playwright/test';
import type { EmbedReply, EmbedState } from '../src/ui/embed/embed_api.ts';
import { MmLab } from './fixtures.ts';

const docs = readFileSync(new URL('../docs/lessons.md', import.meta.url), 'utf8');
/** the complete example of docs/lessons.md: 5 steps, a numeric, a click and a choice question */
const example = /````markdown\n([\s\S]*?)````/.exec(docs)![1]!;
const hostHtml = readFileSync(new URL('fixtures/embed-host.html', import.meta.url), 'utf8');

/**
 * The course page's server. A real one (not a Playwright route) because Chromium's local-network
 * checks refuse a loopback iframe in a page that has no address of its own; on another port, so the
 * page and the frame are different origins, as a course site and MM Lab's host are.
 */
let server: Server;
let hostUrl = '';
let frameSrc = '';
test.beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(hostHtml.replace('src="FRAME_SRC"', `src="${frameSrc.replace(/&/g, '&amp;')}"`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/course.html`;
});
test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Host {
  ask(request: Record<string, unknown>): Promise<EmbedReply>;
  post(data: unknown): Promise<EmbedReply>;
  frame: Frame;
}

declare global {
  interface Window {
    ask(request: Record<string, unknown>): Promise<EmbedReply>;
    post(data: unknown): Promise<EmbedReply>;
    events: ({ event: string } & EmbedState)[];
  }
}

/** Open the course page with the frame at `src` (relative to the app) and wait for its `ready`. */
async function openHost(page: Page, baseURL: string, src = '?embed=1'): Promise<Host> {
  frameSrc = new URL(src, `${baseURL}/`).href;
  await page.goto(hostUrl);
  await page.waitForFunction(() => window.events?.some((e) => e.event === 'ready'), undefined, {
    timeout: 30_000,
  });
  const frame = page.frame({ url: /embed=1/ })!;
  return {
    frame,
    ask: (request) => page.evaluate((r) => window.ask(r), request),
    post: (data) => page.evaluate((d) => window.post(d), data),
  };
}

function ok(r: EmbedReply): unknown {
  if (!r.ok) throw new Error(`error reply: ${r.error}`);
  return r.result;
}

async function read(host: Host, what: string): Promise<number | string> {
  return (ok(await host.ask({ type: 'read', what })) as { value: number | string }).value;
}

/** Distinct colours sampled over a canvas in the frame (a blank canvas has at most 2). */
function canvasColours(frame: Frame, selector: string): Promise<number> {
  return frame.evaluate((sel) => {
    const c = document.querySelector<HTMLCanvasElement>(sel);
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let y = 0; y < c.height; y += 3)
      for (let x = 0; x < c.width; x += 3) {
        const i = 4 * (y * c.width + x);
        seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      }
    return seen.size;
  }, selector);
}

async function expectNoScroll(frame: Frame, height = 500): Promise<void> {
  const d = await frame.evaluate(() => ({
    h: document.scrollingElement!.scrollHeight,
    ih: window.innerHeight,
    w: document.scrollingElement!.scrollWidth,
    iw: window.innerWidth,
  }));
  expect(d.ih).toBe(height);
  expect(d.h, 'frame document height').toBeLessThanOrEqual(d.ih);
  expect(d.w, 'frame document width').toBeLessThanOrEqual(d.iw);
}

test('a course page loads the 5-step lesson into the frame, steps it and reads the machine', async ({
  page,
  baseURL,
}) => {
  const host = await openHost(page, baseURL!);
  const frame = host.frame;
  const step = frame.getByTestId('embed-step');

  const loaded = ok(await host.ask({ type: 'loadLesson', markdown: example })) as EmbedState;
  expect(loaded).toMatchObject({ mode: 'lesson', title: 'What a read fault maps', step: 1, steps: 5 });
  // only the views the lesson needs: the grids, the narration, the panel its last step points at
  expect(loaded.views).toEqual(['frames', 'process', 'lessons', 'status']);
  await expect(step).toHaveText('Step 1 of 5: Map 64 KiB');
  await expect(frame.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 5/);
  await expect(frame.locator('.app-header')).toHaveCount(0);
  const rss0 = await read(host, '/proc/A/status:VmRSS');
  expect(typeof rss0).toBe('number');

  // step 2 reads all 16 pages: zero-page PTEs add no RSS
  expect(ok(await host.ask({ type: 'next' }))).toMatchObject({ step: 2, stepTitle: 'Read every page' });
  await expect(step).toHaveText('Step 2 of 5: Read every page');
  expect(await read(host, '/proc/A/status:VmRSS')).toBe(rss0);
  expect(await read(host, 'pfn(nothing)').catch(() => 'threw')).toBe('threw');

  // go to step 4: page 1 written, one private frame (4 kB) more
  expect(ok(await host.ask({ type: 'goTo', step: 4 }))).toMatchObject({ step: 4, steps: 5 });
  await expect(step).toHaveText('Step 4 of 5: Write one page');
  expect(await read(host, '/proc/A/status:VmRSS')).toBe((rss0 as number) + 4);
  const zeroPfn = await read(host, 'zero_pfn');
  expect(zeroPfn).toBeGreaterThan(0);
  await frame.evaluate(() => window.__mmlab!.idle());
  expect(await canvasColours(frame, '.frame-grid-static')).toBeGreaterThan(2);
  expect(await canvasColours(frame, '.process-grid-static')).toBeGreaterThan(2);
  await expectNoScroll(frame);
  await page.screenshot({ path: 'test-results/embed-lesson-step4.png' });

  // back to step 3: the timeline rewinds, the written page is not written yet
  expect(ok(await host.ask({ type: 'back' }))).toMatchObject({ step: 3 });
  await expect(step).toHaveText('Step 3 of 5: The one frame of zeros');
  expect(await read(host, '/proc/A/status:VmRSS')).toBe(rss0);

  // the last step points at the Status panel: its tab is shown in the frame
  ok(await host.ask({ type: 'goTo', step: 5 }));
  await expect(frame.getByRole('heading', { name: /status/i }).first()).toBeVisible();
  await expectNoScroll(frame);
  await frame.evaluate(() => window.__mmlab!.idle());
  await page.screenshot({ path: 'test-results/embed-lesson-step5.png' });

  // the frame told the host each step it moved to
  const steps = await page.evaluate(() => window.events.filter((e) => e.event === 'step').map((e) => e.step));
  expect(steps).toEqual(expect.arrayContaining([1, 2, 4, 3, 5]));
  const r = await host.ask({ type: 'next' });
  expect(r).toMatchObject({ ok: false, error: 'already at the last step (5)' });
});

test('bad messages get error replies with their id, and the frame keeps working', async ({
  page,
  baseURL,
}) => {
  const host = await openHost(page, baseURL!);
  const cases: [unknown, RegExp, string | number | null][] = [
    [{ mmlab: 1, id: 7, type: 'explode' }, /^unknown type 'explode': one of loadScenario/, 7],
    [{ mmlab: 1, id: 'g', type: 'goTo', step: 0 }, /^goTo: step: 0 must be a whole number/, 'g'],
    [{ mmlab: 1, id: 8, type: 'next', step: 3 }, /^next takes no field 'step'/, 8],
    [
      { mmlab: 1, id: 9, type: 'loadLesson', markdown: 'x'.repeat(300_000) },
      /markdown is 300,000 characters/,
      9,
    ],
    [{ mmlab: 1, id: 10, type: 'show', views: ['nope'] }, /unknown view 'nope'/, 10],
    [{ id: 11, type: 'state' }, /no mmlab field/, 11],
    ['slide:start', /^a request is an object/, null],
  ];
  for (const [data, error, id] of cases) {
    const r = await host.post(data);
    expect(r.ok, JSON.stringify(data).slice(0, 60)).toBe(false);
    expect(r.id).toBe(id);
    if (!r.ok) expect(r.error).toMatch(error);
  }
  // a lesson that does not parse: the parser's located message
  const bad = await host.ask({ type: 'loadLesson', markdown: '---\nformat: 1\n---\n' });
  expect(bad.ok).toBe(false);
  if (!bad.ok) expect(bad.error).toMatch(/lesson sent to the frame:\d+/);
  // nothing loaded: stepping says so
  expect(await host.ask({ type: 'next' })).toMatchObject({ ok: false, error: /load a lesson or a scenario/ });
  // a scenario whose line fails: located
  const failed = await host.ask({ type: 'loadScenario', text: 'spawn A\nA frobnicate r1' });
  expect(failed.ok).toBe(false);
  if (!failed.ok) expect(failed.error).toMatch(/^line 2:\d+: /);
  // the line before it ran and is a step
  expect(ok(await host.ask({ type: 'state' }))).toMatchObject({
    mode: 'scenario',
    steps: 1,
    stepTitle: 'spawn A',
  });
  // ...and the frame still answers
  expect(typeof (await read(host, '/proc/A/status:VmRSS'))).toBe('number');
});

test('a scenario steps over its operations; the host picks the views', async ({ page, baseURL }) => {
  const host = await openHost(page, baseURL!, '?embed=1&views=frames,status,explain');
  const frame = host.frame;
  const scenario = [
    'machine arch=x86_64 ram=1G zero_page_patch=before',
    'boot',
    'spawn A',
    'A mmap r1 64K rw',
    'A read r1 0 64K 4K',
    'A write r1 0 4K 4K 1',
  ].join('\n');
  const st = ok(await host.ask({ type: 'loadScenario', text: scenario })) as EmbedState;
  // one step per statement that ran (the machine line configures, it is not a step)
  expect(st).toMatchObject({ mode: 'scenario', step: 5, steps: 5, views: ['frames', 'status', 'explain'] });
  await expect(frame.getByTestId('embed-step')).toHaveText(/^Step 5 of 5: A write r1/);
  const after = await read(host, '/proc/A/status:VmRSS');
  ok(await host.ask({ type: 'goTo', step: 4 }));
  await expect(frame.getByTestId('embed-step')).toHaveText(/^Step 4 of 5: A read r1/);
  expect(await read(host, '/proc/A/status:VmRSS')).toBe((after as number) - 4);
  // "What happened" explains the step shown, as in the app
  await frame.getByRole('tab', { name: 'What happened' }).click();
  await expect(frame.locator('#embed-tabpanel-explain')).toContainText('A read r1 0 64K 4K');
  // the frame's own Back button moves too, and tells the host
  await frame.getByRole('button', { name: 'Previous step' }).click();
  await expect(frame.getByTestId('embed-step')).toHaveText(/^Step 3 of 5: A mmap r1/);
  await expect
    .poll(() => page.evaluate(() => window.events.at(-1)))
    .toMatchObject({ event: 'step', step: 3 });
  ok(await host.ask({ type: 'goTo', step: 1 }));
  await expect(frame.getByTestId('embed-step')).toHaveText(/^Step 1 of 5: boot/);
  await expect(frame.locator('.process-grid-panel')).toHaveCount(0);
  await expectNoScroll(frame);
  await frame.evaluate(() => window.__mmlab!.idle());
  await page.screenshot({ path: 'test-results/embed-scenario.png' });
});

test('the Share panel copies iframe code that embeds the open lesson', async ({ page, baseURL }) => {
  await page.goto('/?lesson=zero-page');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByTestId('lesson-progress')).toHaveText(/^Step 1 of/);
  await page.locator('[role=tab][data-panel="share"]').click();
  await page.getByTestId('embed-copy').click();
  await expect(page.getByTestId('embed-code')).toHaveValue(
    /^<iframe src="[^"]+\?embed=1&amp;lesson=zero-page" width="800" height="500"/,
  );
  const code = await page.getByTestId('embed-code').inputValue();
  const src = /src="([^"]+)"/.exec(code)![1]!.replace(/&amp;/g, '&');
  // the copied code works in a course page
  const host = await openHost(page, baseURL!, src);
  expect(ok(await host.ask({ type: 'state' }))).toMatchObject({ mode: 'lesson', step: 1 });
  await expect(host.frame.getByTestId('embed-step')).toHaveText(/^Step 1 of \d+/);
});

test('with no lesson open, the embed code carries the machine and its scenario', async ({
  page,
  baseURL,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 64K rw\nA read r1 0 64K 4K');
  await page.locator('[role=tab][data-panel="share"]').click();
  await page.getByTestId('embed-copy').click();
  // the code is made asynchronously (the share link is built from the worker's timeline)
  await expect(page.getByTestId('embed-code')).toHaveValue(/^<iframe src="[^"]+\?embed=1#s=[\w-]+/);
  const code = await page.getByTestId('embed-code').inputValue();
  const host = await openHost(page, baseURL!, /src="([^"]+)"/.exec(code)![1]!.replace(/&amp;/g, '&'));
  // the share link's machine: A and its region, read through the frame
  await expect
    .poll(() => host.ask({ type: 'read', what: '/proc/A/status:VmSize' }))
    .toMatchObject({ ok: true });
  expect(await read(host, '/proc/vmstat:pgfault')).toBeGreaterThanOrEqual(16);
});

test('an embedded built-in lesson at 800×500: no page scroll, no axe violations', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 500 });
  await page.goto('/?embed=1&lesson=cow-fork');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByTestId('embed-step')).toHaveText(/^Step 1 of \d+: /);
  await page.getByRole('button', { name: 'Next step' }).click();
  await expect(page.getByTestId('embed-step')).toHaveText(/^Step 2 of \d+: /);
  await page.evaluate(() => window.__mmlab!.idle());
  // a small slide's frame and a larger one do not scroll either
  for (const [width, height] of [
    [640, 360],
    [1024, 600],
    [800, 500],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => window.__mmlab!.idle());
    await expectNoScroll(page.mainFrame(), height);
    await page.screenshot({ path: `test-results/embed-cow-fork-${width}x${height}.png` });
  }
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    ),
  ).toEqual([]);
  await page.screenshot({ path: 'test-results/embed-cow-fork.png' });
});

test('after one load, an embedded lesson opens with the network cut', async ({ page, context }) => {
  await page.goto('/?embed=1&lesson=zero-page');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await context.setOffline(true);
  await page.goto('/?embed=1&lesson=cow-fork&views=frames,lessons');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByTestId('embed-step')).toHaveText(/^Step 1 of 7: /);
  await expect(page.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 7/);
  await expect(page.locator('.process-grid-panel')).toHaveCount(0);
  await context.setOffline(false);
});
