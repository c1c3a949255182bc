/**
 * The timeline (src/worker/timeline.ts, timeline_host.ts): going back is exact, the view can stop in
 * the middle of an operation, and an operation's steps follow the kernel's call path.
 *
 * These drive the MachineHost as the UI does (commands in, replies out) and compare the hosted
 * machine itself: RAM, struct pages, page tables (they live in RAM), every /proc view.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ArchName } from '../src/core/config.ts';
import type { Machine } from '../src/core/machine.ts';
import { PROC_PATHS, readProc } from '../src/core/proc/index.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import type { Session } from '../src/core/scenario/run.ts';
import {
  KNOWN_CLOSURES,
  Snapshotter,
  ownFunctions,
  rebindMachine,
  sharedParts,
} from '../src/core/snapshot.ts';
import { MachineHost } from '../src/worker/host.ts';
import { hostDriver } from './helpers/host_driver.ts';
import { digest } from './timeline_digest.ts';
import type { TimelinePos, TimelineStep } from '../src/worker/protocol.ts';

/** A host driven synchronously, its checkpoints placed by a ticking clock (helpers/host_driver.ts). */
const driver = (opts: { eventBudget?: number } = {}) => hostDriver({ ...opts, ticking: true });

/** Every /proc file, for the machine and for each live process, by path. */
function procViews(h: { m: Machine; session: Session }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of PROC_PATHS) {
    if (!p.includes('<pid>')) out[p] = readProc(h.m, p);
    else
      for (const proc of h.session.procs.values())
        if (proc.task.state === 'R') {
          const path = p.replace('<pid>', String(proc.task.pid));
          out[path] = readProc(h.m, path);
        }
  }
  return out;
}

/** The same things a learner could look at, as plain data: RAM, page arrays, /proc. */
function state(host: MachineHost) {
  const h = host.hosted!;
  return { digest: digest(h), proc: procViews(h), log: h.m.log.join('\n') };
}

/** Faults (zero-page reads, writes), fork with COW on both sides, munmap, exit, kernel alloc/free. */
const LINES = [
  'spawn A',
  'A mmap r1 64K rw',
  'A read r1 0 16K 4K',
  'A write r1 0 8K 4K 0x11',
  'A fork B',
  'B write r1 0 4K 4K 0x22',
  'A write r1 4K 4K 4K 0x33',
  'A munmap r1 8K 8K',
  'B exit',
];

function buildSession(arch: ArchName, ram: string) {
  const d = driver();
  d.send({ type: 'init', config: { arch, ram: parseRam(ram), cpus: 2 }, boot: true });
  for (const l of LINES.slice(0, 4)) d.send({ type: 'run', lines: l });
  d.send({ type: 'run', lines: 'alloc k1 order=2 gfp=GFP_KERNEL' });
  for (const l of LINES.slice(4)) d.send({ type: 'run', lines: l });
  d.send({ type: 'run', lines: 'free k1' });
  return d;
}

function parseRam(s: string): number {
  return Number.parseInt(s, 10) * 2 ** 20;
}

/** The calls enclosing step `i`, outermost first (a step's parent: the nearest call before it one level up). */
function callers(steps: readonly TimelineStep[], i: number): TimelineStep[] {
  const chain: TimelineStep[] = [];
  let depth = steps[i]!.depth;
  for (let j = i - 1; j >= 0 && depth > 0; j--)
    if (steps[j]!.kind === 'call' && steps[j]!.depth === depth - 1) {
      chain.unshift(steps[j]!);
      depth--;
    }
  return chain;
}

/** The PTE write made directly by `fn` (not the page-table allocations on the way down). */
function pteWriteIn(steps: readonly TimelineStep[], fn: string): number {
  return steps.findIndex((s, i) => s.fn === 'set_ptes' && callers(steps, i).at(-1)?.fn === fn);
}

/** Every position of the log, in order: (op, 0..len) for each op. */
function positions(send: ReturnType<typeof driver>['send']): TimelinePos[] {
  const t = send({ type: 'timeline', op: null });
  const all: TimelinePos[] = [];
  t.ops.forEach((o, op) => {
    for (let step = 0; step <= o.steps; step++) all.push({ op, step });
  });
  return all;
}

describe('timeline: going back is exact', () => {
  for (const [arch, ram] of [
    ['x86_64', '256'],
    ['arm64', '256'],
  ] as const) {
    it(`${arch}: back N steps and forward N again gives bit-identical state`, () => {
      const { host, send } = buildSession(arch, ram);
      const live = state(host);
      const all = positions(send);
      const end = all.length - 1;
      // The last position replayed from scratch is the live machine, bit for bit.
      send({ type: 'seek', pos: all[end]! });
      expect(state(host)).toEqual(live);
      // Back N steps, then forward N steps, one at a time as the arrow keys do.
      const N = 40;
      const target = all[end - N]!;
      for (let i = 1; i <= N; i++) send({ type: 'seek', pos: all[end - i]! });
      const there = state(host);
      for (let i = N - 1; i >= 0; i--) send({ type: 'seek', pos: all[end - i]! });
      expect(state(host)).toEqual(live);
      // ...and the position N back is the same whichever way it was reached.
      send({ type: 'seek', pos: target });
      expect(state(host)).toEqual(there);
      // Live again: the machine the learner had.
      send({ type: 'seek', pos: null });
      expect(state(host)).toEqual(live);
      expect(there.digest).not.toEqual(live.digest);
      // Those replays started from checkpoints after the first (one at the end of boot at least).
      const cps = (host as unknown as { timeline: { checkpointInfo: { at: number[]; bytes: number } } })
        .timeline.checkpointInfo;
      expect(cps.at.length).toBeGreaterThan(1);
      expect(cps.bytes).toBeGreaterThan(0);
    });
  }
});

/**
 * A host driven synchronously, with what the frame grid holds: every frameDelta applied, as
 * FrameGrid.applyDelta does; `gridIsTheMachine` compares it with the hosted machine's frames.
 */
function gridDriver() {
  // What the frame grid holds: every frameDelta applied, as FrameGrid.applyDelta does.
  let grid = new Uint8Array(0);
  let sent = 0;
  const { host, send } = hostDriver({
    ticking: true,
    notice: (m) => {
      if (m.type !== 'frameDelta') return;
      if (grid.length !== m.nrPages) grid = new Uint8Array(m.nrPages);
      for (let i = 0, at = 0; i < m.ranges.length; i += 2) {
        const n = m.ranges[i + 1]! - m.ranges[i]!;
        grid.set(m.states.subarray(at, at + n), m.ranges[i]!);
        at += n;
        sent += n;
      }
    },
  });
  const gridIsTheMachine = () => {
    const m = host.hosted!.m;
    const want = new Uint8Array(m.pages.nrPages);
    m.frameStates(want);
    return Buffer.compare(want, grid) === 0;
  };
  /** frames the deltas carry from now on */
  const sentSince = () => {
    const at = sent;
    return () => sent - at;
  };
  return { host, send, gridIsTheMachine, sentSince };
}

describe('timeline: going back is exact at scale', () => {
  it('2 GiB written in 64 operations (and a fork, a COW): every operation boundary, back and forth, equals the live state; the grid gets only the frames that changed', () => {
    const { host, send, gridIsTheMachine, sentSince } = gridDriver();
    // THP: 2 GiB written (RSS) by 1024 huge-page write faults, a byte in each huge page, so the host
    // keeps little RAM and the test takes seconds; checkpoints and replays do the same work per fault.
    send({
      type: 'init',
      config: { arch: 'x86_64', ram: 2560 * 2 ** 20, cpus: 2, thp: 'always' },
      boot: true,
    });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 2G rw' });
    const first = send({ type: 'timeline', op: null }).ops.length;
    const lines: string[] = [];
    for (let i = 0; i < 64; i++) lines.push(`A write r1 ${i * 32}M 32M 2M ${(i % 200) + 1}`);
    lines.splice(40, 0, 'A fork B', 'B write r1 0 2M 4K 0x77', 'B exit');
    const live: string[] = [digest(host.hosted!)]; // live[k]: after operation first + k - 1
    for (const l of lines) {
      expect(send({ type: 'run', lines: l }).errors).toEqual([]);
      live.push(digest(host.hosted!));
    }
    const ops = send({ type: 'timeline', op: null }).ops;
    expect(ops.length - first).toBe(lines.length);
    expect(ops.length - first).toBeGreaterThanOrEqual(60);
    const a = send({ type: 'processes' }).processes.find((p) => p.name === 'A')!;
    expect(a.rssAnonKb * 1024).toBeGreaterThanOrEqual(2 * 2 ** 30);
    expect(gridIsTheMachine()).toBe(true);
    // Back across every operation, one boundary at a time (step 0: before the operation)...
    for (let op = ops.length - 1; op >= first; op--) {
      const sent = sentSince();
      send({ type: 'seek', pos: { op, step: 0 } });
      expect(digest(host.hosted!), `before operation ${op}`).toBe(live[op - first]);
      expect(gridIsTheMachine(), `grid before operation ${op}`).toBe(true);
      // one operation back changes at most what it wrote (16 huge pages, their tables), not the grid
      if (op < ops.length - 1 && !ops[op]!.label.includes('fork'))
        expect(sent()).toBeLessThan(host.hosted!.m.pages.nrPages / 8);
    }
    // ...and forward again, to the end of each operation.
    for (let op = first; op < ops.length; op++) {
      send({ type: 'seek', pos: { op, step: ops[op]!.steps } });
      expect(digest(host.hosted!), `after operation ${op}`).toBe(live[op - first + 1]);
      expect(gridIsTheMachine(), `grid after operation ${op}`).toBe(true);
    }
    send({ type: 'seek', pos: null });
    expect(digest(host.hosted!)).toBe(live.at(-1));
    expect(gridIsTheMachine()).toBe(true);
    // The memory the past holds is reported, and bounded.
    const { past } = send({ type: 'timeline', op: null });
    expect(past.checkpoints).toBeGreaterThan(10);
    expect(past.bytes).toBeLessThanOrEqual(past.budget);
  }, 600_000);
});

describe('timeline: a step back at 16 GiB', () => {
  it('restores into the buffers of the machine it replaces, and every digest equals the live one', () => {
    const { host, send, gridIsTheMachine } = gridDriver();
    // 2 GiB written by huge-page faults (a byte in each), in 8 operations.
    send({ type: 'init', config: { arch: 'x86_64', ram: 16 * 2 ** 30, cpus: 2, thp: 'always' }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 2G rw' });
    const first = send({ type: 'timeline', op: null }).ops.length;
    const live: string[] = [digest(host.hosted!)];
    for (let i = 0; i < 8; i++) {
      expect(send({ type: 'run', lines: `A write r1 ${i * 256}M 256M 2M ${i + 1}` }).errors).toEqual([]);
      live.push(digest(host.hosted!));
    }
    const ops = send({ type: 'timeline', op: null }).ops;
    const last = ops.length - 1;
    const buffersOf = (m: Machine) =>
      new Set(Object.values(m.pages).flatMap((v) => (ArrayBuffer.isView(v) ? [v.buffer] : [])));
    let shown: Set<ArrayBufferLike> | null = null;
    let reused = 0;
    const seek = (pos: TimelinePos | null) => {
      send({ type: 'seek', pos });
      const m = host.hosted!.m;
      if (shown?.has(m.pages.flags.buffer)) reused++;
      shown = pos ? buffersOf(m) : null;
      expect(gridIsTheMachine(), `grid at ${JSON.stringify(pos)}`).toBe(true);
    };
    // Back from live into the last operation (its middle: a partial machine), then one operation
    // boundary at a time, and forward again to the end of each.
    seek({ op: last, step: Math.floor(ops[last]!.steps / 2) });
    for (let op = last; op >= first; op--) {
      seek({ op, step: 0 });
      expect(digest(host.hosted!), `before operation ${op}`).toBe(live[op - first]);
    }
    for (let op = first; op <= last; op++) {
      seek({ op, step: ops[op]!.steps });
      expect(digest(host.hosted!), `after operation ${op}`).toBe(live[op - first + 1]);
    }
    // every move but the first (from live) restored into the arrays of the machine it replaced
    expect(reused).toBe(2 * (last - first + 1));
    seek(null);
    expect(digest(host.hosted!)).toBe(live.at(-1));
  }, 600_000);
});

describe('timeline: inside an operation', () => {
  it('a write fault seen half way: the page is allocated, RSS counted, the PTE not yet written', () => {
    const { host, send } = driver();
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 64K rw' });
    const before = send({ type: 'processes' }).processes.find((p) => p.name === 'A')!;
    send({ type: 'run', lines: 'A write r1 0 1 1 0x5a' });
    const after = send({ type: 'processes' }).processes.find((p) => p.name === 'A')!;
    expect(after.rssAnonKb).toBe(before.rssAnonKb + 4);

    const t0 = send({ type: 'timeline', op: null });
    const op = t0.ops.length - 1;
    const { steps } = send({ type: 'timeline', op });
    const alloc = steps.findIndex((s) => s.fn === 'trace_mm_page_alloc');
    const pte = pteWriteIn(steps, 'do_anonymous_page');
    expect(alloc).toBeGreaterThan(0);
    expect(pte).toBeGreaterThan(alloc);
    expect(steps[pte]!.detail.join(' ')).toMatch(/^PTE table .* bits: P RW US .* maps pfn 0x/);

    // Linux's order in do_anonymous_page: inc_mm_counter(MM_ANONPAGES) before set_ptes.
    const rss = steps.findIndex((s) => s.fn === 'add_mm_counter');
    expect(rss).toBeGreaterThan(alloc);
    expect(rss).toBeLessThan(pte);
    const rssOf = (pos: TimelinePos) =>
      send({ type: 'seek', pos }).processes.find((p) => p.name === 'A')!.rssAnonKb;
    expect(rssOf({ op, step: rss - 1 })).toBe(before.rssAnonKb);
    expect(rssOf({ op, step: rss })).toBe(after.rssAnonKb);
    // Just before the PTE write: the frame is taken and counted but not mapped.
    const r = send({ type: 'seek', pos: { op, step: pte - 1 } });
    expect(r.partial).toBe(true);
    const h = host.hosted!;
    const start = h.session.procs.get('A')!.regions.get('r1')!.start;
    const walkMid = send({ type: 'walk', name: 'A', va: start }).levels;
    expect(walkMid.at(-1)?.present ?? false).toBe(false);
    // One step on: the PTE is written and maps the new frame.
    send({ type: 'seek', pos: { op, step: pte } });
    const walkPte = send({ type: 'walk', name: 'A', va: start }).levels;
    expect(walkPte.length).toBeGreaterThan(0);
    expect(walkPte.at(-1)!.present).toBe(true);
  });

  it('machine-changing commands are refused in the past; continue-from-here drops the later operations', () => {
    const { send } = driver();
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 64K rw' });
    send({ type: 'run', lines: 'A write r1 0 4K 4K 1' });
    const oneWritten = send({ type: 'processes' }).processes.find((p) => p.name === 'A')!.rssAnonKb;
    send({ type: 'run', lines: 'A write r1 4K 4K 4K 1' });
    const n = send({ type: 'timeline', op: null }).ops.length;
    send({ type: 'seek', pos: { op: n - 2, step: 0 } });
    expect(() => send({ type: 'run', lines: 'A read r1 0 4K 4K' })).toThrow(/the view is in the past/);
    expect(() => send({ type: 'seek', pos: { op: n + 3, step: 0 } })).toThrow(/does not exist/);
    const r = send({ type: 'truncate' });
    expect(r.pos).toBeNull();
    // Operation n-2 is completed, the last one dropped: one page written, not two.
    expect(send({ type: 'timeline', op: null }).ops.length).toBe(n - 1);
    expect(r.processes.find((p) => p.name === 'A')!.rssAnonKb).toBe(oneWritten);
    // The machine that continues keeps the trace for export, and adds to it.
    const kept = send({ type: 'trace' }).events.length;
    expect(kept).toBeGreaterThan(0);
    send({ type: 'run', lines: 'A read r1 8K 4K 4K' }); // an untouched page: a zero-page fault
    const trace = send({ type: 'trace' });
    expect(trace.events.length).toBeGreaterThan(kept);
    expect(trace.events.at(-1)!.path).toContain('handle_mm_fault');
  });
});

describe('timeline: operations', () => {
  it('each statement of a run is one operation, labelled by its line; a failing line adds none', () => {
    const { send } = driver();
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    const before = send({ type: 'timeline', op: null }).ops.length;
    const r = send({
      type: 'run',
      lines: 'spawn A\nA mmap r1 64K rw\n\n# a comment\nA read r1 0 8K 4K\nA nosuch',
    });
    expect(r.errors).toHaveLength(1);
    const ops = send({ type: 'timeline', op: null }).ops.slice(before);
    expect(ops.map((o) => o.label)).toEqual(['spawn A', 'A mmap r1 64K rw', 'A read r1 0 8K 4K']);
    // the read's steps are its own two zero-page faults, not the spawn's or the mmap's
    const steps = send({ type: 'timeline', op: before + 2 }).steps;
    expect(steps.filter((s) => / read fault at 0x/.test(s.summary))).toHaveLength(2);
    expect(steps.some((s) => /spawn|mmap/.test(s.summary))).toBe(false);
  });
});

describe('timeline: memory', () => {
  it('past the event budget the oldest operations lose their steps but can still be gone back to', () => {
    const { send } = driver({ eventBudget: 3000 });
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 4M rw' });
    for (let i = 0; i < 6; i++) send({ type: 'run', lines: `A write r1 ${i * 64}K 64K 4K ${i + 1}` });
    const ops = send({ type: 'timeline', op: null }).ops;
    // the boot's steps went first; the last writes kept theirs
    expect(ops[0]!.steps).toBe(0);
    expect(ops[0]!.truncated).toBe(true);
    expect(ops.at(-1)!.steps).toBeGreaterThan(0);
    expect(ops.at(-1)!.truncated).toBe(false);
    // going back to right after an operation that lost its steps still rebuilds that machine: the
    // last boot step's is gone, and after it the machine is booted with no process yet
    const lastBoot = ops.map((o) => o.kind).lastIndexOf('boot');
    expect(ops[lastBoot]!.steps).toBe(0);
    const r = send({ type: 'seek', pos: { op: lastBoot, step: 0 } });
    expect(r.partial).toBe(false);
    expect(r.info.booted).toBe(true);
    expect(r.processes).toEqual([]);
    // and to the middle of one that kept its steps
    const steps = send({ type: 'timeline', op: ops.length - 1 }).steps;
    const event = steps.findIndex((st) => st.kind === 'event');
    const mid = send({ type: 'seek', pos: { op: ops.length - 1, step: event } });
    expect(mid.partial).toBe(true);
    const live = send({ type: 'seek', pos: null });
    expect(live.processes.find((p) => p.name === 'A')!.rssAnonKb).toBe(6 * 64 + 4);
  });
});

describe('timeline: steps follow the kernel path', () => {
  it('a zero-page read fault: handle_mm_fault -> do_anonymous_page -> set_ptes, with the entry decoded', () => {
    const { send } = driver();
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 64K rw' });
    send({ type: 'run', lines: 'A read r1 0 1 1' });
    const ops = send({ type: 'timeline', op: null }).ops;
    const { steps } = send({ type: 'timeline', op: ops.length - 1 });
    const pte = pteWriteIn(steps, 'do_anonymous_page');
    expect(pte).toBeGreaterThan(0);
    const chain = callers(steps, pte);
    const names = chain.map((s) => s.fn);
    expect(names.slice(-2)).toEqual(['handle_mm_fault', 'do_anonymous_page']);
    expect(names).toContain('do_user_addr_fault');
    expect(chain.find((s) => s.fn === 'do_anonymous_page')).toMatchObject({ file: 'mm/memory.c' });
    expect(chain.find((s) => s.fn === 'do_anonymous_page')!.why).toMatch(/zero page/);
    // The zero page is mapped: no allocation anywhere in the fault, and the entry maps zero_page_pfn.
    const allocs = steps.flatMap((s, i) => (s.fn === 'trace_mm_page_alloc' ? [callers(steps, i)] : []));
    expect(allocs.length).toBeGreaterThan(0); // the page tables the first fault needs
    expect(allocs.some((c) => c.some((s) => s.fn === 'do_anonymous_page'))).toBe(false);
    const zeroPfn = send({ type: 'printVar', name: 'zero_page_pfn' }).value;
    expect(steps[pte]!.detail.join(' ')).toContain(`maps pfn ${zeroPfn}`);
  });
});

describe('timeline: each era names the zero page variable as its kernel does (issue #17)', () => {
  for (const [patch, name, other] of [
    ['before', 'zero_pfn', 'zero_page_pfn'],
    ['after', 'zero_page_pfn', 'zero_pfn'],
  ] as const) {
    it(`zero_page_patch=${patch}: boot sets ${name}, print reads it, ${other} does not exist`, () => {
      const { send } = driver();
      send({
        type: 'init',
        config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2, zeroPagePatch: patch },
        boot: true,
      });
      const ops = send({ type: 'timeline', op: null }).ops;
      const sets = ops.flatMap((_, op) =>
        send({ type: 'timeline', op }).steps.filter((st) => st.summary.startsWith(`${name}: `)),
      );
      expect(sets).toHaveLength(1);
      const value = send({ type: 'printVar', name }).value;
      expect(sets[0]!.summary).toBe(`${name}: 0x0 → ${value}`);
      expect(() => send({ type: 'printVar', name: other })).toThrow(/does not exist in this configuration/);
    });
  }
});

describe('timeline: every step says where in the kernel it is', () => {
  for (const arch of ['x86_64', 'arm64'] as const) {
    it(`${arch}: each call of boot, faults, fork, COW, munmap, exit, alloc and free has a file and a why`, () => {
      const { send } = buildSession(arch, '256');
      const { ops } = send({ type: 'timeline', op: null });
      expect(ops.length).toBeGreaterThan(10);
      const missing = new Set<string>();
      ops.forEach((_, op) => {
        for (const s of send({ type: 'timeline', op }).steps) {
          if (s.kind === 'call' && (!s.why || !s.url)) missing.add(s.fn);
          if (s.url) expect(s.url).toMatch(/^https:\/\/elixir\.bootlin\.com\/linux\/v6\.18\/source\/\S+$/);
        }
      });
      expect([...missing]).toEqual([]);
      const boot = send({ type: 'timeline', op: 0 }).steps;
      expect(boot[0]).toMatchObject({ kind: 'call', fn: 'setup_arch', depth: 0 });
    });
  }
});

/** A machine and session restored from a snapshot of `src`, as the timeline's checkpoints are. */
function cloneMachine(src: { m: Machine; session: Session }, out: (t: string) => void) {
  const snaps = new Snapshotter();
  const share = sharedParts(src.m);
  const c = snaps.restore(snaps.take({ m: src.m, session: src.session }, share), share);
  rebindMachine(c.m);
  (c.session as unknown as { opts: { out: (t: string) => void } }).opts = { out };
  return c;
}

describe('timeline: checkpoints are independent copies', () => {
  it('a copy and the original run the same lines to the same state, without touching each other', () => {
    const a = buildSession('x86_64', '256');
    const src = a.host.hosted!;
    const copy = cloneMachine(src, () => {});
    const before = digest(src);
    expect(digest(copy)).toBe(before);
    const more = 'A write r1 0 4K 4K 0x44\nalloc k2 order=3\nA fork C\nC write r1 0 8K 4K 0x55\nA exit';
    expect(a.send({ type: 'run', lines: more }).errors).toEqual([]);
    const after = digest(a.host.hosted!);
    expect(digest(copy)).toBe(before); // the original's run did not reach the copy
    const out: string[] = [];
    const c2 = cloneMachine(copy, (t) => out.push(t));
    for (const st of parseScenario(more)) c2.session.exec(st); // as the host's `run` does
    expect(digest(c2)).toBe(after);
  });

  for (const config of [
    { arch: 'x86_64', page_alloc_unmapped: true },
    { arch: 'arm64' },
    { arch: 'mips' },
  ] as const) {
    it(`${config.arch}${'page_alloc_unmapped' in config ? ' (page_alloc_unmapped)' : ''}: every closure in a machine is one the copy rebinds`, () => {
      const { host, send } = driver();
      send({
        type: 'init',
        config: { arch: config.arch, pageAllocUnmapped: 'page_alloc_unmapped' in config },
        boot: true,
      });
      send({ type: 'run', lines: 'spawn A\nA mmap r1 64K rw\nA write r1 0 8K 4K 1\nA fork B' });
      const h = host.hosted!;
      const fns = ownFunctions({ m: h.m, session: h.session }, sharedParts(h.m));
      expect(fns.length).toBeGreaterThan(0);
      expect(fns.filter((f) => !KNOWN_CLOSURES.some((re) => re.test(f)))).toEqual([]);
      // ...and in the copy none of them still points at the original machine: a printk lands in the copy.
      const c = cloneMachine(h, () => {});
      const n = h.m.log.length;
      c.m.alloc.onPrintk('from the copy');
      expect(c.m.log.at(-1)).toBe('from the copy');
      expect(h.m.log.length).toBe(n);
    });
  }
});

describe('timeline: the first step back restores into buffers warmed while the worker was idle', () => {
  it('after IDLE_MS with the view live, the pool holds a machine (counted with the view); the step back uses it', () => {
    vi.useFakeTimers();
    try {
      const { host, send } = driver();
      send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
      send({ type: 'run', lines: 'spawn A\nA mmap r1 4M rw' });
      send({ type: 'run', lines: 'A write r1 0 4M 4K 1' });
      const pool = (host as unknown as { snapshots: { pool: Map<number, ArrayBuffer[]> } }).snapshots;
      expect(send({ type: 'memory' }).use.view).toBe(0);
      vi.advanceTimersByTime(1000);
      const warm = new Set([...pool.pool.values()].flat());
      expect(warm.size).toBeGreaterThan(0);
      expect(send({ type: 'memory' }).use.view).toBeGreaterThan(0);
      const { ops } = send({ type: 'timeline', op: null });
      send({ type: 'seek', pos: { op: ops.length - 1, step: 0 } });
      expect(warm.has(host.hosted!.m.pages.flags.buffer as ArrayBuffer)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
