/**
 * The host's timeline: the operation log, where the view is, and the replays that rebuild the
 * machine at any position (see timeline.ts for what operations and steps are).
 *
 * While the view is in the past the live machine is kept untouched (`live`), so returning to live is
 * exact and instant; the machine the view shows is a replay, discarded on the next move. Going back
 * restores the nearest checkpoint at or before the operation (else a new Machine of the same config),
 * replays the operations from there to op-1, then operation `op` up to the wanted event.
 *
 * Checkpoints are deep copies (clone.ts) of the machine between two operations, taken while replaying:
 * every CHECKPOINT_EVERY operations and where boot ends. They are restored by copying again, so a
 * replay never changes one. Their memory is bounded by CHECKPOINT_BUDGET: the least recently used go
 * first, and a machine too big for the budget gets none (its replays start from a new Machine).
 *
 * Generic over the host's record of a machine (`H`), which it only creates, runs operations on and
 * reads the Machine of, through `TimelineDeps`.
 */
import type { Machine } from '../core/machine.ts';
import type { KEvent } from '../core/trace.ts';
import { MAX_OP_STEPS, type TimelineOpInfo, type TimelinePos, type TimelineStep } from './protocol.ts';
import { StopReplay, eventsThrough, opInfo, stepsOf, type OpCommand, type OpRecord } from './timeline.ts';

/** A checkpoint between operations every this many operations (and at the end of boot). */
export const CHECKPOINT_EVERY = 4;
/**
 * Events all operations together keep (each at most MAX_OP_STEPS; an event with its path is a few
 * hundred bytes): past it the oldest operations lose their steps, so a long session cannot fill the
 * worker's memory. They stay operations: the view can still go to before or after them.
 */
export const EVENT_BUDGET = 500_000;
/** Bytes of typed arrays all checkpoints together may hold. */
export const CHECKPOINT_BUDGET = 256 * 2 ** 20;

export interface TimelineDeps<H, S> {
  /** a new hosted machine with the same config as `from`, nothing run yet */
  fresh(from: H): H;
  /** run one operation (the same code the live command ran) */
  apply(h: H, cmd: OpCommand): unknown;
  machine(h: H): Machine;
  /** start (an array) or stop (null) recording the machine's events */
  recorder(h: H, events: KEvent[] | null): void;
  /** a deep copy of `h` that nothing will change, and the bytes it holds */
  snapshot(h: H): { snap: S; bytes: number };
  /** a new hosted machine from a copy of `snap` (`from` gives the generation) */
  restore(snap: S, from: H): H;
}

interface Checkpoint<S> {
  snap: S;
  bytes: number;
  /** when it was last restored or taken (LRU) */
  used: number;
}

export interface Sought<H> {
  h: H;
  pos: TimelinePos | null;
  partial: boolean;
}

export type Progress = (done: number, total: number) => void;

export class Timeline<H, S> {
  private ops: OpRecord[] = [];
  /** by operation index i: the machine before operation i */
  private checkpoints = new Map<number, Checkpoint<S>>();
  private clock = 0;
  /** the live machine, kept while the view shows a replay of the past */
  private live: H | null = null;
  /** where the view is; null: live */
  pos: TimelinePos | null = null;

  /** EVENT_BUDGET; tests lower it */
  eventBudget = EVENT_BUDGET;

  constructor(private readonly deps: TimelineDeps<H, S>) {}

  /** Checkpoints held now (operation indices), and their bytes: for tests and the docs' figures. */
  get checkpointInfo(): { at: number[]; bytes: number } {
    let bytes = 0;
    for (const c of this.checkpoints.values()) bytes += c.bytes;
    return { at: [...this.checkpoints.keys()].sort((a, b) => a - b), bytes };
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
    this.deps.recorder(h, events);
    return events;
  }

  /** Stop recording without keeping an operation (a statement that failed before changing anything). */
  discard(h: H): void {
    this.deps.recorder(h, null);
  }

  commit(h: H, events: KEvent[], cmd: OpCommand, label: string): void {
    this.end(this.ops, h, events, cmd, label, true);
  }

  private end(into: OpRecord[], h: H, events: KEvent[], cmd: OpCommand, label: string, keep: boolean): void {
    this.deps.recorder(h, null);
    if (keep)
      into.push({
        cmd,
        label,
        events: events.slice(0, MAX_OP_STEPS),
        truncated: events.length > MAX_OP_STEPS,
      });
    if (into === this.ops) this.keepBudget();
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
  ): { ops: TimelineOpInfo[]; pos: TimelinePos | null; op: number | null; steps: TimelineStep[] } {
    const m = this.deps.machine(this.live ?? cur);
    const which = op ?? this.pos?.op ?? this.ops.length - 1;
    const rec = this.ops[which];
    return {
      ops: this.ops.map((o) => opInfo(o, m)),
      pos: this.pos,
      op: rec ? which : null,
      steps: rec ? stepsOf(rec, m) : [],
    };
  }

  /** Move the view to `pos` (null: live). `cur` is the machine the host holds now. */
  seek(cur: H, pos: TimelinePos | null, progress: Progress): Sought<H> {
    const live = this.live ?? cur;
    if (pos === null) {
      this.live = null;
      this.pos = null;
      return { h: live, pos: null, partial: false };
    }
    const at = this.check(pos, live);
    const r = this.replay(live, at, progress);
    this.live = live;
    this.pos = at;
    return { h: r.h, pos: at, partial: r.partial };
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
    const r = this.replay(live, { op: pos.op, step: steps.length }, progress);
    this.ops.length = pos.op + 1;
    // A checkpoint before operation i holds operations 0..i-1: the ones past the log are gone.
    for (const i of [...this.checkpoints.keys()]) if (i > this.ops.length) this.checkpoints.delete(i);
    this.live = null;
    this.pos = null;
    return { h: r.h, pos: null, partial: false };
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
   * A new machine at `pos`: operations 0..op-1 in full, then operation `op` stopped right after
   * step `pos.step` (a sink throws StopReplay on the event that step shows). Operations that threw
   * when they ran throw again here, at the same point; that is part of replaying them.
   */
  private replay(live: H, pos: TimelinePos, progress: Progress): { h: H; partial: boolean } {
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
    const m = this.deps.machine(h);
    const total = pos.op + 1;
    const every = Math.max(1, Math.floor(total / 50));
    for (let i = start; i < pos.op; i++) {
      if (i > start) this.maybeKeep(i, h);
      this.runQuietly(h, this.ops[i]!.cmd);
      if ((i + 1) % every === 0) progress(i + 1, total);
    }
    if (pos.op > start) this.maybeKeep(pos.op, h);
    const rec = this.ops[pos.op]!;
    const steps = stepsOf(rec, this.deps.machine(live));
    if (pos.step >= steps.length) {
      this.runQuietly(h, rec.cmd);
      progress(total, total);
      return { h, partial: false };
    }
    const stopAfter = eventsThrough(steps, pos.step);
    if (stopAfter > 0) {
      let seen = 0;
      const off = m.trace.subscribe(() => {
        if (++seen >= stopAfter) throw new StopReplay();
      });
      try {
        this.runQuietly(h, rec.cmd);
      } finally {
        off();
      }
    }
    progress(total, total);
    return { h, partial: stopAfter > 0 };
  }

  /** Keep a checkpoint before operation i if it is on the grid or where boot ends. */
  private maybeKeep(i: number, h: H): void {
    if (i === 0 || this.checkpoints.has(i)) return;
    const bootEnds = this.ops[i - 1]?.cmd.kind === 'boot' && this.ops[i]?.cmd.kind !== 'boot';
    if (i % CHECKPOINT_EVERY !== 0 && !bootEnds) return;
    const { snap, bytes } = this.deps.snapshot(h);
    if (bytes > CHECKPOINT_BUDGET) return;
    this.checkpoints.set(i, { snap, bytes, used: ++this.clock });
    let total = 0;
    for (const c of this.checkpoints.values()) total += c.bytes;
    while (total > CHECKPOINT_BUDGET) {
      let oldest = -1;
      let used = Infinity;
      for (const [k, c] of this.checkpoints)
        if (c.used < used) {
          used = c.used;
          oldest = k;
        }
      total -= this.checkpoints.get(oldest)!.bytes;
      this.checkpoints.delete(oldest);
    }
  }

  private runQuietly(h: H, cmd: OpCommand): void {
    try {
      this.deps.apply(h, cmd);
    } catch (e) {
      if (e instanceof StopReplay) return;
      // The operation failed when the learner ran it too (kept because it changed something).
    }
  }
}
