/**
 * The host's timeline: the operation log, where the view is, and the replays that rebuild the
 * machine at any position (see timeline.ts for what operations and steps are).
 *
 * While the view is in the past the live machine is kept untouched (`live`), so returning to live is
 * exact and instant; the machine the view shows is a replay or a restore, discarded on the next move.
 * Going back restores the nearest checkpoint at or before the operation (else a new Machine of the
 * same config) and replays the operations from there to op-1. A position inside operation `op` is a
 * restore of the step window's snapshot of its event: the window (`fillWindow`) is the machine right
 * after each event around the view, snapshotted from a trace sink during one replay of `op`, so the
 * next arrow presses restore (copying only the blocks that differ) instead of replaying.
 *
 * Checkpoints are snapshots (src/core/snapshot.ts) of the machine between two operations: RAM shared
 * copy-on-write, the large metadata arrays in blocks shared with the previous checkpoint. They are
 * taken after live operations as soon as the work since the last one costs more than taking one
 * (so taking them costs at most about as much as the operations themselves, and going back replays
 * at most about that much), at the end of boot and every CHECKPOINT_EVERY operations of a replay.
 * A restore copies again, so a replay never changes one. The memory they hold apart from the live
 * machine (RAM chunks the live one has since overwritten or freed, metadata blocks) is counted
 * exactly (`PastLedger`) and bounded by CHECKPOINT_BUDGET: before a checkpoint is taken the least
 * recently used ones go until the last checkpoint's size fits, and again after.
 *
 * Generic over the host's record of a machine (`H`), which it only creates, runs operations on and
 * reads the Machine of, through `TimelineDeps`.
 */
import type { Machine } from '../core/machine.ts';
import type { PhysicalRam } from '../core/phys/ram.ts';
import { WriteTracker, type SnapshotBlock } from '../core/snapshot.ts';
import type { KEvent } from '../core/trace.ts';
import { MAX_OP_STEPS, type TimelineOpInfo, type TimelinePos, type TimelineStep } from './protocol.ts';
import { DirtyRanges } from './dirty.ts';
import { StopReplay, eventsThrough, opInfo, stepsOf, type OpCommand, type OpRecord } from './timeline.ts';

/** A checkpoint between operations every this many operations (and at the end of boot). */
export const CHECKPOINT_EVERY = 4;
/**
 * Events all operations together keep (each at most MAX_OP_STEPS; an event with its path is a few
 * hundred bytes): past it the oldest operations lose their steps, so a long session cannot fill the
 * worker's memory. They stay operations: the view can still go to before or after them.
 */
export const EVENT_BUDGET = 500_000;
/** Live checkpoints' costs the placement rule remembers (keepLive). */
const RECENT_COSTS = 4;
/** Bytes of typed arrays all checkpoints together may hold. */
export const CHECKPOINT_BUDGET = 256 * 2 ** 20;

export interface TimelineDeps<H, S> {
  /** a new hosted machine with the same config as `from`, nothing run yet */
  fresh(from: H): H;
  /** run one operation (the same code the live command ran) */
  apply(h: H, cmd: OpCommand): unknown;
  machine(h: H): Machine;
  /** start (a sink for every event) or stop (null) recording the machine's events */
  recorder(h: H, sink: ((e: KEvent) => void) | null): void;
  /**
   * A snapshot of `h` that nothing will change: the bytes copied for it, and the buffers it holds
   * (metadata blocks, RAM chunks) so the timeline can count what the past holds.
   */
  snapshot(
    h: H,
    tracked?: WriteTracker,
  ): { snap: S; bytes: number; blocks: SnapshotBlock[]; chunks: Uint8Array[] };
  /** a new hosted machine from a copy of `snap` (`from` gives the generation) */
  restore(snap: S, from: H): H;
  /**
   * `h`, a replayed machine, is let go: nothing will use it again (its buffers may be reused).
   * `unchanged`: it is a restore nothing has changed since (only shown), so a restore into its
   * buffers copies only the blocks that differ (Snapshotter.recycle).
   */
  discard(h: H, unchanged: boolean): void;
}

/**
 * Snapshots taken inside an operation: the step window holds one per event for STEP_WINDOW_FIRST
 * events on the side the view is moving to (and STEP_WINDOW_BEHIND on the other), so the next
 * arrow presses restore one instead of replaying the operation up to the step. Each time the view
 * walks off the window the same way inside the same operation, the next one is twice as long (up
 * to STEP_WINDOW_MAX): a first step into an operation costs a replay and a few snapshots, a long
 * walk through it one replay per doubling.
 */
export const STEP_WINDOW_FIRST = 4;
export const STEP_WINDOW_MAX = 96;
export const STEP_WINDOW_BEHIND = 1;
/**
 * What one window's snapshots may cost together (ms, by the cost of the last window's): a snapshot
 * compares every block of struct page's arrays, a few ms at 1 GiB but 25 ms or more at 16 GiB, so
 * there a doubled window of 96 would stall one press for seconds. The window is as long as this
 * allows (at least the target and one step the way the view moves).
 */
export const STEP_WINDOW_BUDGET_MS = 60;
/**
 * Whether the window's snapshots watch struct page's arrays through Proxies (WriteTracker) instead
 * of comparing every block. Off: the core code that ran on a Proxy once keeps polymorphic inline
 * caches, and in Chromium every later replay was slower for it (the browser bench's first step
 * into an operation 2.5 s with them, 0.6 s without; the presses after it 380 ms against 210 ms at
 * 1 GiB) — more than the comparisons cost (a few ms at 1 GiB, 25 ms or more at 16 GiB each).
 */
const WATCH_WRITES = false;

/**
 * The machine right after each event `lo`..`lo + snaps.length - 1` of operation `op`, snapshotted by
 * a trace sink while a replay ran through them (the state a live recording has at that event).
 */
interface StepWindow<S> {
  op: number;
  /** which way the view was moving when it was filled (the next one that way is longer) */
  back: boolean;
  /** events it was asked to cover the way the view moves */
  span: number;
  lo: number;
  snaps: S[];
  held: SnapshotBlock[];
  bytes: number;
}

/** What the moves did, for tests (which check the cheap path was taken, not a time). */
export interface TimelineStats {
  /** events operations emitted in replays (whole operations and partial ones) */
  replayedEvents: number;
  /** in-operation positions restored from the step window */
  windowRestores: number;
  /** step-window snapshots taken */
  windowTakes: number;
}

interface Checkpoint<S> {
  snap: S;
  /** bytes copied for it (small arrays, chunk tables): the blocks and chunks are in the ledger */
  bytes: number;
  held: SnapshotBlock[];
  /** when it was last restored or taken (LRU) */
  used: number;
}

/**
 * What the checkpoints hold apart from the live machine: every buffer (metadata block, RAM chunk)
 * with the number of checkpoints holding it and whether the live machine still uses it. A RAM chunk
 * shared with the live machine costs nothing until the live machine writes or frees it
 * (PhysicalRam.onRelease); a metadata block is always a copy.
 */
class PastLedger {
  private held = new Map<SnapshotBlock, { n: number; live: boolean }>();
  /** bytes of held buffers the live machine does not use */
  bytes = 0;

  /** A checkpoint holds `bufs`; `live`: the live machine uses them too (its RAM chunks). */
  add(bufs: readonly SnapshotBlock[], live: boolean): void {
    for (const b of bufs) {
      const e = this.held.get(b);
      if (e) e.n++;
      else {
        this.held.set(b, { n: 1, live });
        if (!live) this.bytes += b.byteLength;
      }
    }
  }

  drop(bufs: readonly SnapshotBlock[]): void {
    for (const b of bufs) {
      const e = this.held.get(b);
      if (!e) continue;
      if (--e.n === 0) {
        this.held.delete(b);
        if (!e.live) this.bytes -= b.byteLength;
      }
    }
  }

  /** The live machine stopped using `b` (a RAM chunk copied on write or cleared). */
  released(b: Uint8Array): void {
    const e = this.held.get(b);
    if (e?.live) {
      e.live = false;
      this.bytes += b.byteLength;
    }
  }

  /** A different machine is live now (continue from here): which buffers it uses, again. */
  relive(live: ReadonlySet<SnapshotBlock>): void {
    this.bytes = 0;
    for (const [b, e] of this.held) {
      e.live = live.has(b);
      if (!e.live) this.bytes += b.byteLength;
    }
  }

  clear(): void {
    this.held.clear();
    this.bytes = 0;
  }
}

/** What the timeline keeps for the past, for the panel: checkpoints, bytes held, the budget. */
export interface PastMemory {
  checkpoints: number;
  bytes: number;
  budget: number;
}

export interface Sought<H> {
  h: H;
  pos: TimelinePos | null;
  partial: boolean;
  /**
   * The frames whose state may differ between the machine the view showed before and `h`, as
   * sorted [from, to) pfn pairs (null: any frame): the frames the operations between the two
   * positions named (OpRecord.dirty).
   */
  changed: Uint32Array | null;
}

export type Progress = (done: number, total: number) => void;

export class Timeline<H, S> {
  private ops: OpRecord[] = [];
  /** by operation index i: the machine before operation i */
  private checkpoints = new Map<number, Checkpoint<S>>();
  private clock = 0;
  /** the live machine, kept while the view shows a replay of the past */
  private live: H | null = null;
  /** snapshots of each event around the view's position inside an operation (StepWindow) */
  private window: StepWindow<S> | null = null;
  /** what the last step-window snapshot cost (ms; 0: none taken yet): the next window is sized by it */
  private windowSnapMs = 0;
  /** the machine shown is a restore nothing has changed since (discard may reuse its buffers in place) */
  private shownIsRestore = false;
  readonly stats: TimelineStats = { replayedEvents: 0, windowRestores: 0, windowTakes: 0 };
  /** where the view is; null: live */
  pos: TimelinePos | null = null;

  /** EVENT_BUDGET; tests lower it */
  eventBudget = EVENT_BUDGET;
  /** CHECKPOINT_BUDGET; tests lower it */
  checkpointBudget = CHECKPOINT_BUDGET;
  private readonly ledger = new PastLedger();
  /** the RAM whose releases the ledger hears about (the live machine's) */
  private watched: PhysicalRam | null = null;
  /**
   * ms of live operations since the last checkpoint, and what the last few took to take: the least
   * of them is the cost the rule goes by (one slowed down by a collection or a busy machine would
   * otherwise leave the next operations without one, and a step back into them replays whole
   * operations: 0.3-0.8 s each at 16 GiB).
   */
  private workSince = 0;
  private checkpointCosts: number[] = [];
  /** the clock live checkpoints are decided by (performance.now; tests may replace it) */
  now: () => number = () => performance.now();

  constructor(private readonly deps: TimelineDeps<H, S>) {}

  /** Checkpoints held now (operation indices), and their bytes: for tests and the docs' figures. */
  get checkpointInfo(): { at: number[]; bytes: number } {
    return { at: [...this.checkpoints.keys()].sort((a, b) => a - b), bytes: this.pastBytes() };
  }

  /** The snapshot of the latest checkpoint (the host warms a restore's buffers from it). */
  newestSnapshot(): S | null {
    let at = -1;
    for (const i of this.checkpoints.keys()) if (i > at) at = i;
    return this.checkpoints.get(at)?.snap ?? null;
  }

  /** Memory the past holds (checkpoints apart from the live machine), for the timeline panel. */
  get past(): PastMemory {
    return { checkpoints: this.checkpoints.size, bytes: this.pastBytes(), budget: this.checkpointBudget };
  }

  private pastBytes(): number {
    let bytes = this.ledger.bytes;
    for (const c of this.checkpoints.values()) bytes += c.bytes;
    if (this.window) bytes += this.window.bytes;
    return bytes;
  }

  private dropWindow(): void {
    if (this.window) this.ledger.drop(this.window.held);
    this.window = null;
  }

  get length(): number {
    return this.ops.length;
  }

  /** A new machine: a log of `ops` (init's boot, recorded aside with recordTo) or empty, the view live. */
  reset(ops: OpRecord[] = []): void {
    this.ops = ops;
    this.keepBudget();
    this.live = null;
    this.pos = null;
    this.checkpoints.clear();
    this.window = null;
    this.windowSnapMs = 0;
    this.shownIsRestore = false;
    this.ledger.clear();
    this.unwatch();
    this.workSince = 0;
    this.checkpointCosts = [];
  }

  /** The live machine: the one kept aside while the view is in the past, else `cur`. */
  liveOr(cur: H): H {
    return this.live ?? cur;
  }

  /** Every operation's command, in order (share links turn them into scenario text). */
  commands(): OpCommand[] {
    return this.ops.map((o) => o.cmd);
  }

  /**
   * Run `cmd` on the live machine as a new operation, recording its events. An operation that threw
   * after changing something (an allocation failure prints its warning) is kept: a replay fails the
   * same way. One that threw before any change (a free of an unknown name) is not an operation.
   */
  record(h: H, cmd: OpCommand, label: string): unknown {
    return this.recordTo(this.ops, h, cmd, label);
  }

  /** `record`, appending to `into` instead: a machine that is not the timeline's yet (init's boot). */
  recordTo(into: OpRecord[], h: H, cmd: OpCommand, label: string): unknown {
    const events = this.begin(h);
    let threw = false;
    this.opStart = this.now();
    try {
      return this.deps.apply(h, cmd);
    } catch (e) {
      threw = true;
      throw e;
    } finally {
      this.end(into, h, events, cmd, label, !threw || events.length > 0);
    }
  }

  /**
   * Start recording an operation the host runs itself, across several turns of the event loop (a
   * long `run` in slices); `commit` ends it with the command a replay must run to get the same state.
   */
  begin(h: H): KEvent[] {
    const events: KEvent[] = [];
    if (this.opStart < 0) this.opStart = this.now();
    const m = this.deps.machine(h);
    const dirty = new DirtyRanges(m.pages.nrPages, m.arch.maxPageOrder, m.arch.pageShift);
    this.dirtyOf.set(events, dirty);
    // One more than the cap tells `end` that the operation had more steps than it keeps.
    this.deps.recorder(h, (e) => {
      if (events.length <= MAX_OP_STEPS) events.push(e);
      dirty.addEvent(e);
    });
    return events;
  }

  /** the frames each recording's events named (every event, also those past MAX_OP_STEPS) */
  private dirtyOf = new WeakMap<KEvent[], DirtyRanges>();

  /** Stop recording without keeping an operation (a statement that failed before changing anything). */
  discard(h: H): void {
    this.deps.recorder(h, null);
    this.opStart = -1;
  }

  /** when the operation being recorded started (-1: none) */
  private opStart = -1;

  commit(h: H, events: KEvent[], cmd: OpCommand, label: string): void {
    this.end(this.ops, h, events, cmd, label, true);
  }

  private end(into: OpRecord[], h: H, events: KEvent[], cmd: OpCommand, label: string, keep: boolean): void {
    this.deps.recorder(h, null);
    this.deps.machine(h).ram.compact(); // written RAM stored compactly, as a replay's (runQuietly)
    const dirty = this.dirtyOf.get(events);
    this.dirtyOf.delete(events);
    if (keep)
      into.push({
        cmd,
        label,
        events: events.slice(0, MAX_OP_STEPS),
        truncated: events.length > MAX_OP_STEPS,
        // A boot step changes what the grid shows beyond the frames its events name (dirty.ts).
        dirty: cmd.kind === 'boot' || !dirty ? null : dirty.take(),
      });
    const took = this.opStart >= 0 ? this.now() - this.opStart : 0;
    this.opStart = -1;
    if (into !== this.ops) return;
    this.keepBudget();
    if (keep) this.keepLive(h, took);
  }

  /**
   * After a live operation: a checkpoint before the next one, once the operations since the last
   * took longer than taking a checkpoint does (so going back replays at most about that much).
   */
  private keepLive(h: H, took: number): void {
    this.workSince += took;
    const i = this.ops.length;
    const cost = this.checkpointCosts.length ? Math.min(...this.checkpointCosts) : 0;
    if (this.checkpoints.has(i) || this.workSince < cost) return;
    this.watch(h);
    const t0 = this.now();
    if (this.keep(i, h, true)) {
      this.checkpointCosts.push(this.now() - t0);
      if (this.checkpointCosts.length > RECENT_COSTS) this.checkpointCosts.shift();
      this.workSince = 0;
    }
  }

  /** Hear about the live machine's RAM releasing chunks that checkpoints share. */
  private watch(h: H): void {
    const ram = this.deps.machine(h).ram;
    if (this.watched === ram) return;
    this.unwatch();
    this.watched = ram;
    ram.onRelease = (c) => this.ledger.released(c);
    this.ledger.relive(new Set(ram.backed()));
  }

  private unwatch(): void {
    if (this.watched) this.watched.onRelease = null;
    this.watched = null;
  }

  /** Drop the steps of the oldest operations until the events kept fit eventBudget. */
  private keepBudget(): void {
    let total = 0;
    for (const o of this.ops) total += o.events.length;
    for (const o of this.ops) {
      if (total <= this.eventBudget) break;
      if (o.events.length === 0) continue;
      total -= o.events.length;
      o.events = [];
      o.steps = [];
      o.truncated = true;
    }
  }

  /** The log as listed, the view's position and the steps of operation `op`. */
  describe(
    cur: H,
    op: number | null,
    have: readonly number[] = [],
  ): {
    ops: TimelineOpInfo[];
    pos: TimelinePos | null;
    op: number | null;
    opId: number | null;
    steps: TimelineStep[];
    stepsHeld?: boolean;
  } {
    const m = this.deps.machine(this.live ?? cur);
    const which = op ?? this.pos?.op ?? this.ops.length - 1;
    const rec = this.ops[which];
    const opId = rec ? this.idOf(rec) : null;
    const held = opId !== null && have.includes(opId);
    return {
      ops: this.ops.map((o) => opInfo(o, m)),
      pos: this.pos,
      op: rec ? which : null,
      opId,
      steps: rec && !held ? stepsOf(rec, m) : [],
      ...(held ? { stepsHeld: true } : {}),
    };
  }

  /** An operation's id: given on first request, never reused (records are replaced, not edited). */
  private idOf(rec: OpRecord): number {
    let id = this.opIds.get(rec);
    if (id === undefined) this.opIds.set(rec, (id = this.nextOpId++));
    return id;
  }
  private readonly opIds = new WeakMap<OpRecord, number>();
  private nextOpId = 1;

  /** Move the view to `pos` (null: live). `cur` is the machine the host holds now. */
  seek(cur: H, pos: TimelinePos | null, progress: Progress): Sought<H> {
    const live = this.live ?? cur;
    // The machine shown now, when it is a replay: let go once the new one is there.
    const shown = cur !== live ? cur : null;
    if (pos === null) {
      const changed = this.changedBetween(this.pos, null, live);
      this.live = null;
      this.pos = null;
      if (shown) this.deps.discard(shown, this.shownIsRestore);
      this.shownIsRestore = false;
      return { h: live, pos: null, partial: false, changed };
    }
    const at = this.check(pos, live);
    // Its buffers serve the restore (Snapshotter.recycle): it is not shown any more from here, and
    // if the replay fails the view goes back to live (the host shows `liveOr` then).
    if (shown) this.deps.discard(shown, this.shownIsRestore);
    this.shownIsRestore = false;
    let r: { h: H; partial: boolean };
    try {
      r = this.replay(live, at, progress, this.pos);
    } catch (e) {
      this.live = null;
      this.pos = null;
      throw e;
    }
    const changed = this.changedBetween(this.pos, at, live);
    this.live = live;
    this.pos = at;
    return { h: r.h, pos: at, partial: r.partial, changed };
  }

  /**
   * The frames that may differ between the machines at positions `a` and `b` (null: live): those the
   * operations between them named, the operations the positions are inside included. Null when one
   * of those operations was a boot step (or recorded before operations kept their frames).
   */
  private changedBetween(a: TimelinePos | null, b: TimelinePos | null, live: H): Uint32Array | null {
    const end = this.ops.length - 1;
    const x = a?.op ?? end + 1;
    const y = b?.op ?? end + 1;
    const lo = Math.min(x, y);
    const hi = Math.min(Math.max(x, y), end);
    if (lo > hi) return new Uint32Array(0);
    const all = new DirtyRanges(this.deps.machine(live).pages.nrPages, 0, 0);
    for (let i = lo; i <= hi; i++) {
      const d = this.ops[i]!.dirty;
      if (!d) return null;
      for (let j = 0; j < d.length; j += 2) all.add(d[j]!, d[j + 1]!);
    }
    return all.take();
  }

  /**
   * Continue from where the view is: drop the later operations and make the machine there the live
   * one. Inside an operation, that operation is completed first (a half-run operation cannot go on).
   */
  truncate(progress: Progress): Sought<H> {
    const pos = this.pos;
    const live = this.live;
    if (!pos || !live) throw new Error('continue from here: the view is already live; nothing to drop');
    const steps = stepsOf(this.ops[pos.op]!, this.deps.machine(live));
    const end = { op: pos.op, step: steps.length };
    const r = this.replay(live, end, progress, pos);
    // the machine shown (a replay or a restore) is dropped by the host: it becomes the live one's
    this.shownIsRestore = false;
    this.dropWindow();
    const changed = this.changedBetween(pos, end, live);
    this.ops.length = pos.op + 1;
    // A checkpoint before operation i holds operations 0..i-1: the ones past the log are gone.
    for (const i of [...this.checkpoints.keys()]) if (i > this.ops.length) this.evict(i);
    this.live = null;
    this.pos = null;
    this.unwatch();
    this.watch(r.h);
    this.workSince = 0;
    return { h: r.h, pos: null, partial: false, changed };
  }

  private check(pos: TimelinePos, live: H): TimelinePos {
    const n = this.ops.length;
    if (n === 0) throw new RangeError('timeline: nothing has been done on this machine yet');
    const op = Number(pos?.op);
    if (!Number.isInteger(op) || op < 0 || op >= n)
      // The panel numbers operations from 1; a link's step=<op>.<step> and the protocol from 0.
      throw new RangeError(
        `timeline: operation ${String(pos?.op)} (0-based) does not exist: the log has ${n}, 0..${n - 1}`,
      );
    const len = stepsOf(this.ops[op]!, this.deps.machine(live)).length;
    const step = Number(pos.step);
    if (!Number.isInteger(step) || step < 0 || step > len)
      throw new RangeError(
        `timeline: operation ${op + 1} (${op} counted from 0) has ${len} steps: step ${String(pos.step)} is not in 0..${len}`,
      );
    return { op, step };
  }

  /**
   * A machine at `pos`: operations 0..op-1 in full, then operation `op` up to the event step
   * `pos.step` shows. Inside an operation the machine is a restore of the step window's snapshot of
   * that event (built by `fillWindow` when the window does not hold it), so every position inside an
   * operation is the state a trace sink saw right after the event, whichever way it was reached.
   * Operations that threw when they ran throw again here, at the same point; that is part of
   * replaying them. `from`: where the view was (the window extends the way the view moves).
   */
  private replay(
    live: H,
    pos: TimelinePos,
    progress: Progress,
    from: TimelinePos | null = null,
  ): { h: H; partial: boolean } {
    const rec = this.ops[pos.op]!;
    const steps = stepsOf(rec, this.deps.machine(live));
    // The end of an operation is the start of the next: its checkpoint, when there is one, is it.
    const after = pos.step >= steps.length ? this.checkpoints.get(pos.op + 1) : undefined;
    if (after) {
      after.used = ++this.clock;
      progress(1, 1);
      this.shownIsRestore = true;
      return { h: this.deps.restore(after.snap, live), partial: false };
    }
    const inside = pos.step < steps.length ? eventsThrough(steps, pos.step) : 0;
    const w = this.window;
    if (inside > 0 && w?.op === pos.op && inside >= w.lo && inside < w.lo + w.snaps.length) {
      this.stats.windowRestores++;
      progress(1, 1);
      this.shownIsRestore = true;
      return { h: this.deps.restore(w.snaps[inside - w.lo]!, live), partial: true };
    }
    let start = -1;
    for (const i of this.checkpoints.keys()) if (i <= pos.op && i > start) start = i;
    let h: H;
    if (start >= 0) {
      const cp = this.checkpoints.get(start)!;
      cp.used = ++this.clock;
      h = this.deps.restore(cp.snap, live);
    } else {
      start = 0;
      h = this.deps.fresh(live);
    }
    const total = pos.op + 1;
    const every = Math.max(1, Math.floor(total / 50));
    for (let i = start; i < pos.op; i++) {
      if (i > start) this.maybeKeep(i, h);
      this.runQuietly(h, this.ops[i]!.cmd);
      if ((i + 1) % every === 0) progress(i + 1, total);
    }
    // Whole operations were replayed to get here: the next move inside this one starts from here.
    if (pos.op > start && !this.checkpoints.has(pos.op)) this.keep(pos.op, h, false);
    if (pos.step >= steps.length) {
      this.runQuietly(h, rec.cmd);
      progress(total, total);
      return { h, partial: false };
    }
    if (inside === 0) {
      progress(total, total);
      return { h, partial: false };
    }
    // Moving back (or in from a later operation, or from live): the window reaches back from here.
    const back = from === null || from.op > pos.op || (from.op === pos.op && from.step > pos.step);
    // Snapshots the budget affords (at least the target and the next step the view moves to); one
    // behind only when there is room. Before any window was taken, a checkpoint's cost (it compares
    // the same arrays) stands in for a snapshot's.
    const snapMs =
      this.windowSnapMs > 0
        ? this.windowSnapMs
        : this.checkpointCosts.length
          ? Math.min(...this.checkpointCosts)
          : 1;
    const room = Math.max(2, Math.floor(STEP_WINDOW_BUDGET_MS / Math.max(0.1, snapMs)));
    const behind = room > 2 ? STEP_WINDOW_BEHIND : 0;
    const span = Math.min(
      room - 1 - behind,
      w?.op === pos.op && w.back === back ? Math.min(STEP_WINDOW_MAX, 2 * w.span) : STEP_WINDOW_FIRST,
    );
    const lo = Math.max(1, inside - (back ? span : behind));
    const hi = Math.min(rec.events.length, inside + (back ? behind : span));
    const win = this.fillWindow(h, pos.op, lo, hi, back, span);
    progress(total, total);
    this.shownIsRestore = true;
    return { h: this.deps.restore(win.snaps[inside - win.lo]!, live), partial: true };
  }

  /**
   * Run operation `op` on `h` (the machine before it) and snapshot it right after each of the events
   * lo..hi (counted from 1), from a trace sink; stop after hi. Each snapshot shares the blocks of
   * the large arrays that did not change with the one before (compared, or, with WATCH_WRITES, known
   * from a WriteTracker), and goes into the tracker's slabs.
   */
  private fillWindow(h: H, op: number, lo: number, hi: number, back: boolean, span: number): StepWindow<S> {
    this.dropWindow();
    const m = this.deps.machine(h);
    const win: StepWindow<S> = { op, back, span, lo, snaps: [], held: [], bytes: 0 };
    let seen = 0;
    let tracker: WriteTracker | null = null;
    const take = () => {
      const t0 = this.now();
      const t = tracker;
      const s = t ? t.bare(() => this.deps.snapshot(h, t)) : this.deps.snapshot(h);
      t?.clear();
      win.snaps.push(s.snap);
      win.bytes += s.bytes;
      this.ledger.add(s.blocks, false);
      this.ledger.add(s.chunks, false);
      for (const b of s.blocks) win.held.push(b);
      for (const c of s.chunks) win.held.push(c);
      this.stats.windowTakes++;
      this.windowSnapMs = this.now() - t0;
    };
    const off = m.trace.subscribe(() => {
      seen++;
      if (seen < lo) return;
      take();
      tracker ??= new WriteTracker(m.pages, WATCH_WRITES);
      if (seen >= hi) throw new StopReplay();
    });
    try {
      this.runQuietly(h, this.ops[op]!.cmd);
    } finally {
      off();
      (tracker as WriteTracker | null)?.stop();
    }
    this.window = win;
    // The replayed machine stopped inside the operation: only its buffers are of use now. Not as
    // "unchanged since the last snapshot": the core's finally blocks ran while StopReplay unwound the
    // stack and wrote after it (wp_page_copy and do_cow_fault drop the reference they hold across
    // the allocation), so the restore that follows compares nothing and copies every block
    // (tests/timeline_instep.test.ts, the COW walk, failed at its first step when it did).
    this.deps.discard(h, false);
    return win;
  }

  /** Keep a checkpoint before operation i if it is on the grid or where boot ends. */
  private maybeKeep(i: number, h: H): void {
    if (i === 0 || this.checkpoints.has(i)) return;
    const bootEnds = this.ops[i - 1]?.cmd.kind === 'boot' && this.ops[i]?.cmd.kind !== 'boot';
    if (i % CHECKPOINT_EVERY !== 0 && !bootEnds) return;
    this.keep(i, h, false);
  }

  /**
   * Take a checkpoint before operation i. The budget is checked first (room for one as large as the
   * last one), and again after, the least recently used going first. `live`: `h` is the live
   * machine (the RAM chunks it shares with the checkpoint cost nothing yet).
   */
  private keep(i: number, h: H, live: boolean): boolean {
    const budget = this.checkpointBudget;
    while (this.checkpoints.size > 0 && this.pastBytes() + this.lastBytes > budget) this.evictLru();
    if (this.pastBytes() + this.lastBytes > budget) return false;
    const before = this.pastBytes();
    const { snap, bytes, blocks, chunks } = this.deps.snapshot(h);
    this.ledger.add(blocks, false);
    this.ledger.add(chunks, live);
    this.checkpoints.set(i, { snap, bytes, held: blocks.concat(chunks), used: ++this.clock });
    this.lastBytes = this.pastBytes() - before;
    while (this.pastBytes() > budget && this.checkpoints.size > 1) this.evictLru(i);
    if (this.pastBytes() > budget) {
      this.evict(i);
      return false;
    }
    return true;
  }

  /** bytes the last checkpoint cost: what the next one is assumed to need before it is taken */
  private lastBytes = 0;

  private evictLru(keep = -1): void {
    let oldest = -1;
    let used = Infinity;
    for (const [k, c] of this.checkpoints)
      if (k !== keep && c.used < used) {
        used = c.used;
        oldest = k;
      }
    if (oldest >= 0) this.evict(oldest);
  }

  private evict(i: number): void {
    const cp = this.checkpoints.get(i);
    if (!cp) return;
    this.checkpoints.delete(i);
    this.ledger.drop(cp.held);
  }

  private runQuietly(h: H, cmd: OpCommand): void {
    const off = this.deps.machine(h).trace.subscribe(() => this.stats.replayedEvents++);
    try {
      this.deps.apply(h, cmd);
    } catch (e) {
      if (e instanceof StopReplay) return;
      // The operation failed when the learner ran it too (kept because it changed something).
    } finally {
      off();
    }
    this.deps.machine(h).ram.compact(); // as after the live operation (end)
  }
}
