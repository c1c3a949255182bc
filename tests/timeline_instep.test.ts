/**
 * Stepping inside an operation (src/worker/timeline_host.ts, the step window): one arrow press at a
 * time, back across a long operation and forward again, every position is the machine a live
 * recording had right after that step's event — and the moves restore the window's snapshots
 * instead of replaying the operation up to the step each time.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineStep } from '../src/worker/protocol.ts';
import type { TimelineStats } from '../src/worker/timeline_host.ts';
import { eventsThrough } from '../src/worker/timeline.ts';
import { hostDriver } from './helpers/host_driver.ts';
import { digest } from './timeline_digest.ts';

function driver() {
  const { host, send } = hostDriver({ ticking: true });
  const stats = () => ({ ...(host as unknown as { timeline: { stats: TimelineStats } }).timeline.stats });
  return { host, send, stats };
}

/**
 * Two walks: a long write of fresh pages (thousands of events, more than the steps listed), and a
 * forked child writing the pages it shares with its parent (every fault a COW: wp_page_copy holds a
 * page reference across the allocation and drops it in a finally block, which a replay stopped
 * inside it runs while unwinding — a window must not take that machine's arrays for its snapshot's).
 */
const WALKS = [
  {
    what: '1,000 steps of a long write',
    setup: 'spawn A\nA mmap r1 8M rw\nA write r1 0 1M 4K 0x11',
    op: 'A write r1 1M 6M 4K 0x5a',
    span: 1000,
    long: true,
  },
  {
    what: "300 steps of a child's copy-on-write faults",
    setup: 'spawn A\nA mmap r1 8M rw\nA write r1 0 2M 4K 0x11\nA fork B',
    op: 'B write r1 0 2M 4K 0x5a',
    span: 300,
    long: false,
  },
];

describe('timeline: stepping inside an operation', () => {
  it.each(WALKS)(
    'one step at a time back across $what and forward again: every digest is the live one, and the moves restore snapshots instead of replaying',
    ({ setup, op: line, span: SPAN, long }) => {
      const { host, send, stats } = driver();
      send({ type: 'init', config: { arch: 'x86_64', ram: 128 * 2 ** 20, cpus: 2 }, boot: true });
      send({ type: 'run', lines: setup });
      // The live recording: the machine right after each event of the long operation, as a trace
      // sink sees it while the learner's command runs.
      const live = new Map<number, string>();
      const liveM = host.hosted!.m;
      let seen = 0;
      let from = Infinity;
      const off = liveM.trace.subscribe(() => {
        seen++;
        if (seen < from) return;
        // The host budgets a live run's session (Session.memory); a replay's is not budgeted: that
        // is the host's bookkeeping, not the machine's state.
        const s = host.hosted!.session;
        const budget = s.memory;
        s.memory = null;
        live.set(seen, digest(host.hosted!));
        s.memory = budget;
      });
      // The events the steps list is known only once it ran: run it once to learn where the walk
      // starts, on a twin machine, so that the live sink digests only the events the walk visits.
      const twin = driver();
      twin.send({ type: 'init', config: { arch: 'x86_64', ram: 128 * 2 ** 20, cpus: 2 }, boot: true });
      twin.send({ type: 'run', lines: setup });
      twin.send({ type: 'run', lines: line });
      const twinOps = twin.send({ type: 'timeline', op: null });
      const twinSteps = twin.send({ type: 'timeline', op: twinOps.ops.length - 1 }).steps;
      const len = twinSteps.length;
      expect(len).toBeGreaterThan(SPAN + 100);
      from = eventsThrough(twinSteps, len - 1 - SPAN);
      seen = 0;
      send({ type: 'run', lines: line });
      off();
      const ops = send({ type: 'timeline', op: null }).ops;
      const op = ops.length - 1;
      if (long) expect(ops[op]!.truncated).toBe(true); // thousands of events: more than the steps it lists
      const steps: TimelineStep[] = send({ type: 'timeline', op }).steps;
      expect(steps.length).toBe(len);
      const events = eventsThrough(steps, len - 1);
      expect(events).toBeGreaterThan(long ? 2000 : SPAN);

      const before = stats();
      let moves = 0;
      let checked = 0;
      // what each restore copied into struct page's arrays (Snapshotter.lastRestoreCopied)
      const snapshots = (host as unknown as { snapshots: { lastRestoreCopied: number } }).snapshots;
      const metadata = Object.values(liveM.pages).reduce(
        (n: number, v: unknown) => n + (ArrayBuffer.isView(v) ? v.byteLength : 0),
        0,
      );
      let copiedAll = 0;
      const at = (step: number) => {
        const inWindow = stats().windowRestores;
        send({ type: 'seek', pos: { op, step } });
        // a move inside the window copies the blocks that changed, not the arrays
        if (stats().windowRestores > inWindow) copiedAll += Number(snapshots.lastRestoreCopied >= metadata);
        moves++;
        const e = eventsThrough(steps, step);
        const want = live.get(e);
        expect(want, `live digest after event ${e}`).toBeDefined();
        expect(digest(host.hosted!), `step ${step} (after event ${e})`).toBe(want);
        checked++;
      };
      // Back from live one step at a time (the first press enters the operation from after it)...
      for (let step = len - 1; step >= len - 1 - SPAN; step--) at(step);
      // ...and forward again to its last step.
      for (let step = len - 1 - SPAN + 1; step <= len - 1; step++) at(step);
      expect(checked).toBe(2 * SPAN + 1);

      // The cheap path: nearly every move restored one of the window's snapshots; the replays (each
      // runs the operation from its start to the window's end) were few — a replay per move would
      // have run about `events` events each time.
      const s = stats();
      const restores = s.windowRestores - before.windowRestores;
      const replayed = s.replayedEvents - before.replayedEvents;
      expect(restores).toBeGreaterThan(moves * 0.9);
      expect(replayed).toBeLessThan((moves / 20) * events);
      expect(copiedAll).toBe(0);
      // Live again: the learner's machine, untouched by the walk.
      send({ type: 'seek', pos: null });
      expect(host.hosted!.m).toBe(liveM);
    },
    600_000,
  );
});

describe('timeline: the step window within its budget', () => {
  it('when a snapshot costs most of STEP_WINDOW_BUDGET_MS, a window holds the target and the next step only, and every step is still the one a jump shows', () => {
    const { host, send, stats } = driver();
    // every reading of the clock 40 ms later: a snapshot "costs" 40 of the 60 ms budget
    let t = 0;
    (host as unknown as { timeline: { now: () => number } }).timeline.now = () => (t += 40);
    send({ type: 'init', config: { arch: 'x86_64', ram: 128 * 2 ** 20, cpus: 2 }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 1M rw' });
    send({ type: 'run', lines: 'A write r1 0 64K 4K 0x21' });
    const ops = send({ type: 'timeline', op: null }).ops;
    const op = ops.length - 1;
    const len = send({ type: 'timeline', op }).steps.length;
    const walked: string[] = [];
    let fills = 0;
    for (let step = len - 1; step >= len - 12; step--) {
      const before = stats();
      send({ type: 'seek', pos: { op, step } });
      const took = stats().windowTakes - before.windowTakes;
      if (took > 0) fills++;
      expect(took, `snapshots taken for step ${step}`).toBeLessThanOrEqual(2);
      walked.push(digest(host.hosted!));
    }
    expect(fills).toBeGreaterThan(1);
    expect(fills).toBeLessThan(12); // every other press restores the window's second snapshot
    // The same positions reached by a jump from live each time: the same machines.
    for (let i = 0, step = len - 1; i < walked.length; i++, step--) {
      send({ type: 'seek', pos: null });
      send({ type: 'seek', pos: { op, step } });
      expect(digest(host.hosted!), `step ${step}`).toBe(walked[i]);
    }
  });
});
