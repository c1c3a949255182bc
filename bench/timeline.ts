/**
 * Timeline figures (issue #12), measured in Node through the worker host's own code path
 * (MachineHost.handle, as the Worker runs it; replies and frame deltas built and posted):
 *
 *   step back / forward   a machine with `written` bytes written by `ops` write operations (one
 *                         `run` each, as a learner's editor lines are), then the arrow keys: back
 *                         STEPS times from live, forward STEPS times again. Each press is one `seek`.
 *                         Before the first press the worker is left idle, as it is while a learner
 *                         reads the result (it warms the buffers a restore writes into then:
 *                         MachineHost.whenIdle); the note gives the first press without that wait.
 *                         Baseline: the last write operation itself, run live in the same run.
 *   ... inside an operation  the presses the browser bench makes (bench/browser.ts BENCH_ONLY=steps):
 *                         from live, ← IN_OP times (all inside the last operation), then → as many;
 *                         the first ← enters the operation (a replay and the step window's
 *                         snapshots), the others move inside it (docs/timeline.md, the step window).
 *   ... the worst of WALK    WALK presses of ← from live inside the last operation, and the slowest
 *                         of them (the step window grows as the view walks on, within its budget).
 *
 * Targets: a step back or forward in at most 100 ms, at 1 GiB and 16 GiB.
 */
import type { Snapshotter } from '../src/core/snapshot.ts';
import { MachineHost } from '../src/worker/host.ts';
import type { TimelinePos, WorkerMessage } from '../src/worker/protocol.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
/** arrow presses measured each way */
const STEPS = 6;
/** arrow presses each way inside the last operation */
const IN_OP = 5;
/** presses of the long walk inside the last operation (its worst press is a row) */
const WALK = 60;

export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineWhat: string;
  target: number | null;
  /** lower is better unless `higher` */
  higher?: boolean;
  met: boolean | null;
  min?: number;
  max?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A host driven synchronously, as tests/timeline.test.ts drives it. */
function driver() {
  const posted: WorkerMessage[] = [];
  const host = new MachineHost((msg) => posted.push(msg), { sliceMs: Infinity });
  let seq = 1;
  const send = (body: Record<string, unknown>): Record<string, unknown> & { type: string } => {
    const s = seq++;
    host.handle({ ...body, seq: s });
    const reply = posted.find(
      (m) => m.seq === s && !['frameDelta', 'printk', 'replayProgress'].includes(m.type),
    );
    posted.length = 0;
    if (!reply) throw new Error(`no reply to ${String(body.type)}`);
    if (reply.type === 'error') throw new Error((reply as { message: string }).message);
    return reply as unknown as Record<string, unknown> & { type: string };
  };
  return { host, send };
}

/** Build the machine; returns the send function and the timeline's operation sizes. */
function build(ram: number, written: number, ops: number) {
  const d = driver();
  d.send({ type: 'init', config: { arch: 'x86_64', ram, cpus: 2 }, boot: true });
  d.send({ type: 'run', lines: `spawn A\nA mmap r1 ${written / MiB}M rw` });
  const each = Math.floor(written / ops / 4096) * 4096;
  let lastMs = 0;
  for (let i = 0; i < ops; i++) {
    const t0 = performance.now();
    d.send({ type: 'run', lines: `A write r1 ${i * each} ${each} 4K ${(i % 250) + 1}` });
    lastMs = performance.now() - t0;
  }
  return { ...d, lastMs };
}

function sizes(send: ReturnType<typeof driver>['send']): number[] {
  const t = send({ type: 'timeline', op: null }) as unknown as { ops: { steps: number }[] };
  return t.ops.map((o) => o.steps);
}

function back(sz: readonly number[], p: TimelinePos | null): TimelinePos {
  const last = sz.length - 1;
  const c = p ?? { op: last, step: sz[last]! };
  if (c.step > 0) return { op: c.op, step: c.step - 1 };
  return { op: c.op - 1, step: sz[c.op - 1]! };
}

function forward(sz: readonly number[], p: TimelinePos): TimelinePos | null {
  if (p.step < sz[p.op]!) {
    const n = { op: p.op, step: p.step + 1 };
    return n.op === sz.length - 1 && n.step >= sz[n.op]! ? null : n;
  }
  return { op: p.op + 1, step: 0 };
}

/** Until the host has warmed its restore buffers (whenIdle), at most `ms`. */
async function idle(host: MachineHost, ms: number): Promise<void> {
  const pool = host as unknown as { snapshots: { pooledBytes: number } };
  const until = performance.now() + ms;
  while (pool.snapshots.pooledBytes === 0 && performance.now() < until)
    await new Promise((r) => setTimeout(r, 50));
}

/** Step back and forward on one machine: the times of each press, both ways. */
export async function stepTimes(ram: number, written: number, ops: number) {
  const { host, send, lastMs } = build(ram, written, ops);
  const sz = sizes(send);
  // The first press with no idle time before it (cold buffers), then back to live and wait.
  const last = sz.length - 1;
  const c0 = performance.now();
  send({ type: 'seek', pos: { op: last, step: sz[last]! - 1 } });
  const coldMs = performance.now() - c0;
  send({ type: 'seek', pos: null });
  // forget the buffers End kept: the wait below warms them as before a learner's first visit
  (host as unknown as { snapshots: Snapshotter }).snapshots.clearPool();
  await idle(host, 10_000);
  const backMs: number[] = [];
  const fwdMs: number[] = [];
  let pos: TimelinePos | null = null;
  // Across an operation boundary too: back from live into the last operation, then further.
  for (let i = 0; i < STEPS; i++) {
    pos = back(sz, pos);
    // every other press jumps an operation back (a step over a whole operation: ↑ / PageUp)
    if (i % 2 === 1) pos = { op: pos.op - 1, step: sz[pos.op - 1]! - 1 };
    const t0 = performance.now();
    send({ type: 'seek', pos });
    backMs.push(performance.now() - t0);
  }
  for (let i = 0; i < STEPS && pos; i++) {
    pos = forward(sz, pos);
    const t0 = performance.now();
    send({ type: 'seek', pos });
    fwdMs.push(performance.now() - t0);
  }
  const past = (send({ type: 'timeline', op: null }) as { past?: { bytes: number; checkpoints: number } })
    .past;
  send({ type: 'seek', pos: null });
  // Inside the last operation, as the browser bench presses: ← IN_OP times from live, → as many.
  const inBackMs: number[] = [];
  const inFwdMs: number[] = [];
  let step = sz[last]!;
  for (let i = 0; i < IN_OP; i++) {
    const t0 = performance.now();
    send({ type: 'seek', pos: { op: last, step: --step } });
    inBackMs.push(performance.now() - t0);
  }
  for (let i = 0; i < IN_OP; i++) {
    const t0 = performance.now();
    send({ type: 'seek', pos: { op: last, step: ++step } });
    inFwdMs.push(performance.now() - t0);
  }
  send({ type: 'seek', pos: null });
  // A long walk inside it: WALK presses of ← from live. The step window grows as the view walks on
  // (its snapshots bounded by STEP_WINDOW_BUDGET_MS): the worst press is the figure.
  const walkMs: number[] = [];
  step = sz[last]!;
  for (let i = 0; i < WALK && step > 0; i++) {
    const t0 = performance.now();
    send({ type: 'seek', pos: { op: last, step: --step } });
    walkMs.push(performance.now() - t0);
  }
  send({ type: 'seek', pos: null });
  return { backMs, fwdMs, inBackMs, inFwdMs, walkMs, lastMs, coldMs, past, ops: sz.length };
}

export async function timelineBench(configs = DEFAULT_CONFIGS): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of configs) {
    const name = `${c.ram / GiB} GiB, ${c.written / MiB} MiB written, ${c.ops} ops`;
    const r = await stepTimes(c.ram, c.written, c.ops);
    const note =
      (r.past
        ? `; past holds ${(r.past.bytes / MiB).toFixed(0)} MiB in ${r.past.checkpoints} checkpoints`
        : '') + `; first step back with no idle time before it: ${round(r.coldMs)} ms`;
    for (const [what, xs] of [
      ['step back', r.backMs],
      ['step forward', r.fwdMs],
      ['step back inside an operation', r.inBackMs],
      ['step forward inside an operation', r.inFwdMs],
      [`step back inside an operation, the worst of ${WALK} presses in a row`, r.walkMs],
    ] as const) {
      const v = what.startsWith('step back inside an operation, the worst') ? Math.max(...xs) : median(xs);
      rows.push({
        figure: `timeline ${what}, ${name}`,
        value: round(v),
        unit: 'ms',
        min: round(Math.min(...xs)),
        max: round(Math.max(...xs)),
        baseline: round(r.lastMs),
        baselineWhat: `the last write operation run live${note}`,
        target: 100,
        met: v <= 100,
      });
    }
  }
  return rows;
}

/**
 * The worker's share of two browser figures (bench/browser.ts measures them to the pixel):
 *   click: a write to one zero-mapped page of a 4 GiB region (1M pages) — the fault's `run`, then
 *          the process view's `processPages` of the whole region, as the page asks for it;
 *          baseline: the `run` alone;
 *   full-grid refresh: back to live (End) after a seek on a 16 GiB machine — the `seek` reply with its
 *          frame delta; baseline: computing every frame's state once (Machine.frameStates).
 */
export function workerViewBench(): BenchRow[] {
  const rows: BenchRow[] = [];
  const d = driver();
  d.send({ type: 'init', config: { arch: 'x86_64', ram: 16 * GiB, cpus: 2 }, boot: true });
  d.send({ type: 'run', lines: 'spawn A\nA mmap r1 4G r\nA madvise r1 0 4G nohugepage\nA read r1 0 4G 4K' });
  const click: number[] = [];
  const fault: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    d.send({ type: 'run', lines: `A write r1 ${(i + 1) * 1000 * 4096} 1 1 0x5a` });
    const t1 = performance.now();
    d.send({ type: 'processPages', name: 'A', region: 'r1' });
    click.push(performance.now() - t0);
    fault.push(t1 - t0);
  }
  rows.push({
    figure: 'click (COW of a zero-mapped page, 4 GiB region of 1M pages): worker part',
    value: round(median(click)),
    unit: 'ms',
    min: round(Math.min(...click)),
    max: round(Math.max(...click)),
    baseline: round(median(fault)),
    baselineWhat: 'the write fault `run` alone',
    target: 50,
    met: median(click) <= 50,
  });
  const sz = sizes(d.send);
  const refresh: number[] = [];
  const floor: number[] = [];
  const m = d.host.hosted!.m;
  const states = new Uint8Array(m.pages.nrPages);
  for (let i = 0; i < 3; i++) {
    d.send({ type: 'seek', pos: { op: sz.length - 1 - i, step: 0 } });
    const t0 = performance.now();
    d.send({ type: 'seek', pos: null });
    refresh.push(performance.now() - t0);
    const t1 = performance.now();
    m.frameStates(states);
    floor.push(performance.now() - t1);
  }
  rows.push({
    figure: 'full-grid refresh after seek/End, 16 GiB (4M frames): worker part',
    value: round(median(refresh)),
    unit: 'ms',
    min: round(Math.min(...refresh)),
    max: round(Math.max(...refresh)),
    baseline: round(median(floor)),
    baselineWhat: 'every frame state computed once (the floor)',
    target: round(2 * median(floor)),
    met: median(refresh) <= 2 * median(floor),
  });
  return rows;
}

const round = (x: number) => Math.round(x * 10) / 10;

export const DEFAULT_CONFIGS = [
  { ram: 1 * GiB, written: 512 * MiB, ops: 64 },
  { ram: 16 * GiB, written: 2 * GiB, ops: 64 },
];

// Run alone: npx tsx bench/timeline.ts [ramGiB writtenMiB ops]
if (process.argv[1]?.endsWith('timeline.ts')) {
  const [g, w, o] = process.argv.slice(2).map(Number);
  const cfgs = g ? [{ ram: g * GiB, written: (w ?? 512) * MiB, ops: o ?? 64 }] : DEFAULT_CONFIGS;
  console.table(await timelineBench(cfgs));
  if (!g) console.table(workerViewBench());
}
