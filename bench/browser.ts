/**
 * npm run bench:browser — the figures of issue #12 that only a browser can give, measured in real
 * Chromium the way a learner meets them: a key press (or a click) until the app is idle again with
 * its canvases painted (window.__mmlab.idle(): worker quiet, nothing in flight, grid drawn).
 *
 *   step back / forward   ← / → in the timeline panel on a 1 GiB machine with 512 MiB written in
 *                         64 operations, and on a 16 GiB machine with 2 GiB written in 64; baseline:
 *                         one animation frame (requestAnimationFrame → next). Also, without a
 *                         target, each move's page part: from the worker's last answer (the seek
 *                         and the requests sent behind it, window.__mmlab.lastMove()) to drawn
 *   click                 a write click on a zero-mapped page of a 4 GiB region (1M pages) in the
 *                         process grid → both grids drawn (both hold the fault, both static layers
 *                         painted it, and that frame has been rendered); baseline: a worker round
 *                         trip from the page with nothing drawn. Also: the stop used before (states
 *                         held, then two more animation frames) and "every panel updated, app idle".
 *                         bench/profile_click.ts shows where a click's main-thread time goes.
 *   full-grid refresh     End after a seek to before the last click on a 16 GiB machine: from the
 *                         frame delta's message arriving in the page to the frame grid's static
 *                         layer having drawn it
 *                         (window.__mmlab.lastDelta(): the client stamps the arrival, the controller
 *                         the redraw that follows the grid's); baseline: filling a 4M-cell ImageData
 *                         and putImageData once (the floor). Also, without a target: End → app idle
 *                         (the worker back at live and every panel updated)
 *
 * Serves dist/ with `vite preview` on PW_PORT (run `vite build` first: the npm script does), drives
 * Debian's /usr/bin/chromium (CHROMIUM_PATH overrides; BENCH_ONLY=click runs the click rows alone,
 * BENCH_ONLY=click,refresh those and the full-grid refresh, BENCH_ONLY=steps the timeline rows), and
 * ends with one JSON line
 * {"bench":"mmlab-browser","rows":[{figure,value,unit,baseline,target,met},...]}.
 */
import type { Page } from '@playwright/test';
import type {} from '../src/ui/test_api.ts';
import { base, idle, launchChromium, reboot, run, stepLines, withPreview } from './browser_lib.ts';

const REPS = Number(process.env.BENCH_REPS ?? 5);

interface Row {
  figure: string;
  value: number;
  unit: string;
  min: number;
  max: number;
  baseline: number;
  baselineWhat: string;
  target: number | null;
  met: boolean | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

function row(
  figure: string,
  xs: number[],
  baseline: number,
  baselineWhat: string,
  target: number | null,
): Row {
  return {
    figure,
    value: r1(median(xs)),
    unit: 'ms',
    min: r1(Math.min(...xs)),
    max: r1(Math.max(...xs)),
    baseline: r1(baseline),
    baselineWhat,
    target: target === null ? null : r1(target),
    met: target === null ? null : median(xs) <= target,
  };
}

/** Press `key` on the focused element and time it until the app is idle and painted. */
function timedKey(page: Page, key: string): Promise<number> {
  return page.evaluate(async (k) => {
    const el = document.activeElement ?? document.body;
    const t0 = performance.now();
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    await window.__mmlab!.idle();
    return performance.now() - t0;
  }, key);
}

/** A timeline move by `key` until idle (total), and the part after the worker's last answer (page). */
function timedMove(page: Page, key: string): Promise<{ total: number; page: number | null }> {
  return page.evaluate(async (k) => {
    const api = window.__mmlab!;
    const el = document.activeElement ?? document.body;
    const t0 = performance.now();
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    await api.idle();
    const total = performance.now() - t0;
    // (a build from before lastMove, BENCH_DIST: the total alone)
    if (typeof api.lastMove !== 'function') return { total, page: null };
    const m = api.lastMove();
    if (!m || m.sent < t0 || m.replied < m.sent) throw new Error(`${k} made no timeline move`);
    if (m.answered < m.replied) throw new Error(`${k}: the move's requests were not all answered`);
    // the page's part: after the worker's last answer (its seek, then the region's pages, the
    // timeline and the huge-page facts asked for right behind the seek)
    return { total, page: total - (m.answered - t0) };
  }, key);
}

/** One animation frame, as the page sees it (the baseline of a step). */
function frameTime(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame((a) => requestAnimationFrame((b) => resolve(b - a))),
      ),
  );
}

async function steps(page: Page, gib = 1, writtenMiB = 512): Promise<Row[]> {
  await reboot(page, `${gib} GiB`);
  await run(page, stepLines(writtenMiB));
  // a learner reads the result before pressing a key: the worker warms its restore buffers then
  await page.waitForTimeout(2000);
  await page.getByTestId('timeline').getByRole('button', { name: '← Back' }).focus();
  const back: number[] = [];
  const fwd: number[] = [];
  // the page's part: the worker's last answer → drawn
  const backPage: (number | null)[] = [];
  const fwdPage: (number | null)[] = [];
  for (let i = 0; i < REPS; i++) {
    const t = await timedMove(page, 'ArrowLeft');
    back.push(t.total);
    backPage.push(t.page);
  }
  for (let i = 0; i < REPS; i++) {
    const t = await timedMove(page, 'ArrowRight');
    fwd.push(t.total);
    fwdPage.push(t.page);
  }
  const frames: number[] = [];
  for (let i = 0; i < 5; i++) frames.push(await frameTime(page));
  await timedKey(page, 'End');
  const f = median(frames);
  const known = (xs: (number | null)[]): xs is number[] => xs.every((x) => x !== null);
  return [
    row(
      `browser: timeline step back, ${gib} GiB, ${writtenMiB} MiB written, 66 ops (key → drawn)`,
      back,
      f,
      'one frame',
      100,
    ),
    row(
      `browser: timeline step forward, ${gib} GiB, ${writtenMiB} MiB written, 66 ops (key → drawn)`,
      fwd,
      f,
      'one frame',
      100,
    ),
    // Not targets: the same moves after the worker's last answer (the seek, then the pages of the
    // shown region, the timeline and the huge-page facts asked for behind it): the page's part.
    ...(known(backPage) && known(fwdPage)
      ? [
          row(
            `browser: timeline step back, ${gib} GiB, ${writtenMiB} MiB written: the page's part (last worker answer → drawn)`,
            backPage,
            f,
            'one frame',
            null,
          ),
          row(
            `browser: timeline step forward, ${gib} GiB, ${writtenMiB} MiB written: the page's part (last worker answer → drawn)`,
            fwdPage,
            f,
            'one frame',
            null,
          ),
        ]
      : []),
  ];
}

async function click(page: Page): Promise<Row[]> {
  await reboot(page, '16 GiB');
  await run(page, 'spawn A\nA mmap r1 4G rw\nA madvise r1 0 4G nohugepage\nA read r1 0 4G 4K');
  await page.locator('body').press('w');
  const times: number[] = [];
  const drawn: number[] = [];
  const late: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const target = 1000 + i * 4099;
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByTestId('process-grid').scrollIntoViewIfNeeded();
    await page.evaluate((p) => window.__mmlab!.focusPage(p, 20), target);
    await idle(page);
    const c = await page.evaluate((p) => window.__mmlab!.pageCenter(p), target);
    // Until both grids show the fault: the process grid holds the page as private, mapping a frame
    // the frame grid holds as anonymous, both static layers have painted what they hold, and the
    // frame that painted them has been rendered (checked in a task each frame's callback posts,
    // which runs after that frame's style, layout and paint). `late`, the stop used before: the
    // states held, then the next two animation frames (one more frame than the paint needs).
    // The panels that follow (/proc, timeline) are the `idle` figure below.
    // (Checks cost microseconds: a digest of 4M frames per poll took 70 ms of the main thread.)
    const armed = page.evaluate(
      (p) =>
        new Promise<{ drawn: number; late: number }>((resolve, reject) => {
          const api = window.__mmlab!;
          let t0 = 0;
          let drawn = 0;
          let late = 0;
          let lateArmed = false;
          window.addEventListener('pointerdown', () => (t0 = performance.now()), {
            once: true,
            capture: true,
          });
          const give = performance.now() + 30_000;
          const shown = () =>
            api.pageState(p) === api.VPageState.Private &&
            api.frameState(api.pagePfn(p)) === api.FrameState.Anon;
          const finish = () => {
            if (drawn && late) resolve({ drawn: drawn - t0, late: late - t0 });
          };
          const afterRender = (fn: () => void) => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => {
              ch.port1.close();
              fn();
            };
            ch.port2.postMessage(null);
          };
          const poll = () => {
            if (t0 && !lateArmed && shown()) {
              lateArmed = true;
              requestAnimationFrame(() =>
                requestAnimationFrame(() => {
                  late = performance.now();
                  finish();
                }),
              );
            }
            afterRender(() => {
              if (t0 && !drawn && shown() && api.gridsPainted()) {
                drawn = performance.now();
                finish();
              }
            });
            if (drawn && late) return;
            if (performance.now() > give)
              reject(
                new Error(
                  `the click was not drawn in 30 s: page state ${api.pageState(p)}, frame ${api.pagePfn(p)} state ${api.frameState(api.pagePfn(p))}, painted ${api.gridsPainted()}`,
                ),
              );
            else requestAnimationFrame(poll);
          };
          requestAnimationFrame(poll);
        }),
      target,
    );
    const t0 = await page.evaluate(() => performance.now());
    await page.mouse.click(c.x, c.y);
    const got = await armed;
    drawn.push(got.drawn);
    late.push(got.late);
    await idle(page);
    times.push((await page.evaluate(() => performance.now())) - t0);
  }
  // Baseline: the same kind of round trip with nothing drawn (a read-only `value` query).
  const rt: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = await page.evaluate(() => performance.now());
    await page.evaluate(() => window.__mmlab!.value('/proc/A/status:VmRSS'));
    rt.push((await page.evaluate(() => performance.now())) - t0);
  }
  return [
    row(
      'browser: click (COW of a zero-mapped page, 4 GiB region of 1M pages) → both grids drawn',
      drawn,
      median(rt),
      'a worker round trip from the page, nothing drawn',
      50,
    ),
    // For comparison with figures taken before: the same click, stopped two frames after the data.
    row(
      'browser: click (the same) → both grids hold it, two frames later (the earlier stop)',
      late,
      median(rt),
      'a worker round trip from the page, nothing drawn',
      null,
    ),
    // Not a target of the issue: how long until every open panel (/proc, timeline...) has caught up.
    row(
      'browser: click (the same) → every panel updated, app idle',
      times,
      median(rt),
      'a worker round trip from the page, nothing drawn',
      null,
    ),
  ];
}

/**
 * Press `key` and time it until the app is idle; with the frame delta it brought: from its message
 * arriving in the page to the frame grid's static layer having drawn it (window.__mmlab.lastDelta()).
 */
function timedKeyDelta(
  page: Page,
  key: string,
): Promise<{ idle: number; delta: number | null; measured: boolean }> {
  return page.evaluate(async (k) => {
    const api = window.__mmlab!;
    const el = document.activeElement ?? document.body;
    const t0 = performance.now();
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    await api.idle();
    const idle = performance.now() - t0;
    // (a build from before lastDelta, BENCH_DIST: key → idle alone)
    if (typeof api.lastDelta !== 'function') return { idle, delta: null, measured: false };
    const d = api.lastDelta();
    const delta = d && d.arrived >= t0 && d.drawn !== null ? d.drawn - d.arrived : null;
    return { idle, delta, measured: true };
  }, key);
}

async function refresh(page: Page): Promise<Row[]> {
  // The 16 GiB machine of click(): seek to the end of the operation before the last click (←, Home:
  // the first step of the click, ←: the end of the one before), then End (back to live) and time
  // that: End then brings the frames the click changed (one step back may change none).
  await page.getByTestId('timeline').getByRole('button', { name: '← Back' }).focus();
  const times: number[] = [];
  const deltas: number[] = [];
  let measured = true;
  for (let i = 0; i < REPS; i++) {
    for (const k of ['ArrowLeft', 'Home', 'ArrowLeft']) await timedKey(page, k);
    const t = await timedKeyDelta(page, 'End');
    times.push(t.idle);
    measured = t.measured;
    if (!measured) continue;
    if (t.delta === null) throw new Error('End brought no frame delta (or the grid did not draw it)');
    deltas.push(t.delta);
  }
  const floor = await page.evaluate(() => {
    const n = 4 * 1024 * 1024;
    const w = 2048;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = n / w;
    const ctx = c.getContext('2d')!;
    const xs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const img = ctx.createImageData(w, n / w);
      new Uint32Array(img.data.buffer).fill(0xff336699);
      ctx.putImageData(img, 0, 0);
      ctx.getImageData(0, 0, 1, 1); // wait for the put to land
      xs.push(performance.now() - t0);
    }
    return xs.sort((a, b) => a - b)[1]!;
  });
  return [
    // The figure: the frame delta's message arriving in the page → the frame grid's static
    // layer has drawn it (in the animation frame that paints it).
    ...(measured
      ? [
          row(
            'browser: full-grid refresh after seek/End, 16 GiB (delta arriving → drawn)',
            deltas,
            floor,
            'fill + putImageData of 4M cells (the floor)',
            2 * floor,
          ),
        ]
      : []),
    // Not the figure: End pressed → the worker back at live, every panel updated, app idle.
    row(
      'browser: End after a seek, 16 GiB (key → every panel updated, app idle)',
      times,
      floor,
      'fill + putImageData of 4M cells (the floor)',
      null,
    ),
  ];
}

async function main(): Promise<void> {
  await withPreview(async () => {
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(180_000);
    await page.goto(base);
    await page.waitForFunction(() => window.__mmlab !== undefined);
    // tsx compiles named closures with an `__name` helper that only exists on the Node side.
    await page.evaluate('window.__name = (f) => f');
    await page.evaluate(() => window.__mmlab!.ready);
    await idle(page);
    // BENCH_ONLY=click: the click rows alone (a quicker loop while working on them).
    const only = process.env.BENCH_ONLY;
    const timeline = async () => [...(await steps(page)), ...(await steps(page, 16, 2048))];
    const rows: Row[] =
      only === 'click'
        ? await click(page)
        : only === 'steps'
          ? await timeline()
          : only === 'click,refresh'
            ? [...(await click(page)), ...(await refresh(page))]
            : [...(await timeline()), ...(await click(page)), ...(await refresh(page))];
    await browser.close();
    console.table(rows);
    console.log(JSON.stringify({ bench: 'mmlab-browser', rows }));
  });
}

await main();
