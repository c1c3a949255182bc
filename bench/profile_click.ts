/**
 * tsx bench/profile_click.ts — where the main thread spends a COW click (the click row of
 * bench/browser.ts), in real Chromium, serving BENCH_DIST (default dist/) on PW_PORT:
 *   MODE=trace (default)  a Chrome trace (devtools.timeline + V8 samples) of CLICKS clicks on a
 *                         zero-mapped page of a 4 GiB region, saved to /tmp/cp/trace.json; prints the
 *                         main thread's self time by trace event between pointerdown and "drawn"
 *                         (VERBOSE=1: each click's top-level tasks)
 *   MODE=renders          counts the React components that rendered per click (a devtools hook)
 *   MODE=profile          a CPU profile (100 µs samples) of the clicks: JS self time by function
 * ACTION=back|forward|end profiles a timeline move instead (the steps rows of bench/browser.ts: a
 * GIB GiB machine, default 1, with WRITTEN MiB, default 512, written in 64 operations): CLICKS
 * presses of ← (back), → after as many ← (forward), or ← then End timed on the End (end), each from
 * the key to the app idle, its canvases painted (window.__mmlab.idle()).
 * Build with `vite build --minify false` for readable function names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Page, CDPSession } from '@playwright/test';
import type {} from '../src/ui/test_api.ts';
import { base, idle, launchChromium, reboot, run, stepLines, withPreview } from './browser_lib.ts';

const N = Number(process.env.CLICKS ?? 5);
/** click (default), or a timeline move: back, forward, end */
const ACTION = process.env.ACTION ?? 'click';

async function setup(page: Page): Promise<void> {
  await reboot(page, '16 GiB');
  await run(page, 'spawn A\nA mmap r1 4G rw\nA madvise r1 0 4G nohugepage\nA read r1 0 4G 4K');
  await page.locator('body').press('w');
}

/** The machine of bench/browser.ts's steps rows: GIB GiB, WRITTEN MiB written in 64 operations. */
async function setupSteps(page: Page): Promise<void> {
  await reboot(page, `${Number(process.env.GIB ?? 1)} GiB`);
  await run(page, stepLines(Number(process.env.WRITTEN ?? 512)));
  await page.waitForTimeout(2000);
  await page.getByTestId('timeline').getByRole('button', { name: '← Back' }).focus();
}

/** Press `key` (marked click-start / click-drawn for the trace) until the app is idle; ms. */
function timedKey(page: Page, key: string): Promise<number> {
  return page.evaluate(async (k) => {
    const el = document.activeElement ?? document.body;
    const t0 = performance.now();
    performance.mark('click-start');
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    await window.__mmlab!.idle();
    performance.mark('click-drawn');
    return performance.now() - t0;
  }, key);
}

let stepsDone = 0;
/** One timeline move of ACTION (the keys before it untimed). */
async function stepOnce(page: Page): Promise<number> {
  stepsDone++;
  if (ACTION === 'back') return timedKey(page, 'ArrowLeft');
  if (ACTION === 'end') {
    await page.evaluate(async () => {
      const el = document.activeElement ?? document.body;
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true, cancelable: true }));
      await window.__mmlab!.idle();
    });
    return timedKey(page, 'End');
  }
  // forward: from as far back as the moves so far went
  if (stepsDone === 1)
    for (let i = 0; i < N + 1; i++)
      await page.evaluate(async () => {
        const el = document.activeElement ?? document.body;
        el.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true, cancelable: true }));
        await window.__mmlab!.idle();
      });
  return timedKey(page, 'ArrowRight');
}

/** One click like bench/browser.ts's; returns [t0, t1] in the page's performance.now(). */
async function clickOnce(page: Page, target: number): Promise<number> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByTestId('process-grid').scrollIntoViewIfNeeded();
  await page.evaluate((p) => window.__mmlab!.focusPage(p, 20), target);
  await idle(page);
  const c = await page.evaluate((p) => window.__mmlab!.pageCenter(p), target);
  const armed = page.evaluate(
    (p) =>
      new Promise<number>((resolve) => {
        const api = window.__mmlab!;
        let t0 = 0;
        window.addEventListener(
          'pointerdown',
          () => {
            t0 = performance.now();
            performance.mark('click-start');
          },
          { once: true, capture: true },
        );
        const shown = () =>
          api.pageState(p) === api.VPageState.Private &&
          api.frameState(api.pagePfn(p)) === api.FrameState.Anon;
        const poll = () => {
          if (t0 && shown())
            requestAnimationFrame(() =>
              requestAnimationFrame(() => {
                performance.mark('click-drawn');
                resolve(performance.now() - t0);
              }),
            );
          else if (performance.now() - t00 > 20000)
            resolve(-1e9 - api.pageState(p) * 1000 - api.frameState(api.pagePfn(p)) - (t0 ? 0.5 : 0));
          else requestAnimationFrame(poll);
        };
        const t00 = performance.now();
        requestAnimationFrame(poll);
      }),
    target,
  );
  await page.evaluate(() => performance.now()); // the listener above is in place
  await page.mouse.click(c.x, c.y);
  const ms = await armed;
  await idle(page);
  return ms;
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
  cat: string;
}

function analyseTrace(events: TraceEvent[]): void {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) throw new Error('no CrRendererMain');
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const starts = onMain.filter((e) => e.name === 'click-start').map((e) => e.ts);
  const ends = onMain.filter((e) => e.name === 'click-drawn').map((e) => e.ts);
  console.log(`clicks in trace: ${starts.length}`);
  const byName = new Map<string, number>();
  const counts = new Map<string, number>();
  let windowTotal = 0;
  for (let i = 0; i < starts.length; i++) {
    const a = starts[i]!;
    const b = ends.find((t) => t > a)!;
    windowTotal += b - a;
    // every complete event inside the window, self time by name (children subtracted)
    const xs = onMain
      .filter((e) => e.ph === 'X' && e.dur !== undefined && e.ts >= a && e.ts < b)
      .sort((p, q) => p.ts - q.ts || q.dur! - p.dur!);
    const stack: { e: TraceEvent; child: number }[] = [];
    const close = (until: number) => {
      while (stack.length && stack[stack.length - 1]!.e.ts + stack[stack.length - 1]!.e.dur! <= until) {
        const s = stack.pop()!;
        const self = s.e.dur! - s.child;
        byName.set(s.e.name, (byName.get(s.e.name) ?? 0) + self);
        counts.set(s.e.name, (counts.get(s.e.name) ?? 0) + 1);
        if (stack.length) stack[stack.length - 1]!.child += s.e.dur!;
      }
    };
    for (const e of xs) {
      close(e.ts);
      stack.push({ e, child: 0 });
    }
    close(Infinity);
    // per-click log of top-level events
    if (process.env.VERBOSE) {
      console.log(`--- click ${i}: ${((b - a) / 1000).toFixed(1)} ms`);
      let end = 0;
      // the app's own marks (performance.mark) inside the window, e.g. a move's phases
      for (const e of onMain)
        if (e.cat.includes('user_timing') && e.ts >= a && e.ts < b && !e.name.startsWith('click-'))
          console.log(`  +${((e.ts - a) / 1000).toFixed(1).padStart(6)}  mark ${e.name}`);
      for (const e of xs) {
        if (e.ts < end) continue;
        end = e.ts + e.dur!;
        if (e.dur! > 300)
          console.log(
            `  +${((e.ts - a) / 1000).toFixed(1).padStart(6)} ${(e.dur! / 1000).toFixed(1).padStart(6)} ${e.name} ${JSON.stringify(e.args?.data ?? {}).slice(0, 120)}`,
          );
        // inside a long task: what took the time (a function called, style, layout, paint...)
        if (e.dur! > 5000)
          for (const c of xs)
            if (c !== e && c.ts >= e.ts && c.ts < end && c.dur! > 2000 && c.name !== 'RunMicrotasks') {
              const d = c.args?.data as
                { functionName?: string; url?: string; lineNumber?: number } | undefined;
              const what =
                d?.functionName !== undefined ? `${d.functionName || '(anon)'}:${d.lineNumber}` : '';
              console.log(`        ${(c.dur! / 1000).toFixed(1).padStart(6)} ${c.name} ${what}`);
            }
      }
    }
  }
  console.log(`mean window ${(windowTotal / starts.length / 1000).toFixed(1)} ms`);
  const rows = [...byName].sort((p, q) => q[1] - p[1]).slice(0, 25);
  for (const [n, t] of rows)
    console.log(
      `${(t / starts.length / 1000).toFixed(2).padStart(8)} ms/click  ×${((counts.get(n) ?? 0) / starts.length).toFixed(1).padStart(6)}  ${n}`,
    );
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

function analyseProfile(
  p: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] },
  clicks: number,
): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  const byFn = new Map<string, number>();
  for (const [id, t] of self) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
  }
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${(t / clicks / 1000).toFixed(2).padStart(8)} ms/click  ${k}`);
}

async function main(): Promise<void> {
  await withPreview(async () => {
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(180_000);
    await page.addInitScript({ content: 'window.__name = (f) => f' });
    if (process.env.MODE === 'renders')
      await page.addInitScript(() => {
        const log: { t: number; names: string[] }[] = [];
        (window as unknown as { __renders: typeof log }).__renders = log;
        const nameOf = (f: { type: unknown; tag: number }): string | null => {
          const t = f.type as {
            name?: string;
            displayName?: string;
            type?: { name?: string };
            render?: { name?: string };
          } | null;
          if (!t || typeof t === 'string') return null;
          return t.displayName ?? t.name ?? t.type?.name ?? t.render?.name ?? null;
        };
        interface Fiber {
          tag: number;
          type: unknown;
          flags: number;
          alternate: Fiber | null;
          child: Fiber | null;
          sibling: Fiber | null;
          memoizedProps: unknown;
          memoizedState: unknown;
        }
        const seen = new WeakMap<object, { p: unknown; s: unknown }>();
        (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
          supportsFiber: true,
          renderers: new Map(),
          inject: () => 1,
          checkDCE: () => {},
          onScheduleFiberRoot: () => {},
          onPostCommitFiberRoot: () => {},
          onCommitFiberUnmount: () => {},
          onCommitFiberRoot: (_id: number, root: { current: Fiber }) => {
            const names: string[] = [];
            const visit = (f: Fiber | null) => {
              for (; f; f = f.sibling) {
                // function, forwardRef, memo, simple memo components that did work in this commit
                if ([0, 1, 11, 14, 15].includes(f.tag)) {
                  const last = seen.get(f) ?? (f.alternate ? seen.get(f.alternate) : undefined);
                  if (!last || last.p !== f.memoizedProps || last.s !== f.memoizedState) {
                    const n = nameOf(f);
                    if (n) names.push(n);
                  }
                  seen.set(f, { p: f.memoizedProps, s: f.memoizedState });
                }
                visit(f.child);
              }
            };
            visit(root.current);
            log.push({ t: performance.now(), names });
          },
        };
      });
    await page.goto(base);
    await page.waitForFunction(() => window.__mmlab !== undefined);
    await page.evaluate('window.__name = (f) => f');
    await page.evaluate(() => window.__mmlab!.ready);
    await idle(page);
    const act = ACTION === 'click' ? (i: number) => clickOnce(page, 1000 + i * 4099) : () => stepOnce(page);
    if (ACTION === 'click') {
      await setup(page);
      console.log('setup done');
      await clickOnce(page, 500);
    } else {
      await setupSteps(page);
      console.log('setup done');
      if (ACTION === 'back') await stepOnce(page);
    }
    console.log('warm done'); // warm up
    const mode = process.env.MODE ?? 'trace';
    const times: number[] = [];
    if (mode === 'renders') {
      const marks: [number, number][] = [];
      await page.evaluate(() => ((window as unknown as { __renders: unknown[] }).__renders.length = 0));
      for (let i = 0; i < N; i++) {
        const t = await page.evaluate(() => performance.now());
        times.push(await act(i));
        marks.push([t, await page.evaluate(() => performance.now())]);
      }
      const log = await page.evaluate(
        () => (window as unknown as { __renders: { t: number; names: string[] }[] }).__renders,
      );
      const count = new Map<string, number>();
      let commits = 0;
      for (const c of log) {
        commits++;
        for (const n of c.names) count.set(n, (count.get(n) ?? 0) + 1);
      }
      console.log(`commits per click ${(commits / N).toFixed(1)}`);
      for (const [n, k] of [...count].sort((a, b) => b[1] - a[1]))
        console.log(`${(k / N).toFixed(1).padStart(6)}  ${n}`);
      if (process.env.VERBOSE)
        for (const c of log.slice(-12)) console.log(c.t.toFixed(1), c.names.length, c.names.join(' '));
    } else if (mode === 'trace') {
      await browser.startTracing(page, {
        categories: [
          'devtools.timeline',
          'disabled-by-default-devtools.timeline',
          'blink.user_timing',
          'v8.execute',
          'disabled-by-default-v8.cpu_profiler',
        ],
      });
      for (let i = 0; i < N; i++) {
        times.push(await act(i));
        console.log(ACTION, i, times[i]);
      }
      console.log('stopping');
      const buf = await browser.stopTracing();
      console.log('stopped', buf.length);
      mkdirSync('/tmp/cp', { recursive: true });
      writeFileSync('/tmp/cp/trace.json', buf);
      const j = JSON.parse(buf.toString()) as { traceEvents: TraceEvent[] };
      analyseTrace(j.traceEvents);
    } else {
      const cdp: CDPSession = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
      for (let i = 0; i < N; i++) {
        times.push(await act(i));
        console.log(ACTION, i, times[i]);
      }
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync('/tmp/cp', { recursive: true });
      writeFileSync('/tmp/cp/profile.cpuprofile', JSON.stringify(profile));
      analyseProfile(profile as never, N);
    }
    console.log(`${ACTION} → drawn ms:`, times.map((t) => t.toFixed(1)).join(' '));
    await browser.close();
  });
}

await main();
