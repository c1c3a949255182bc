/**
 * The host's timeline: the operation log, where the view is, and the replays that rebuild the
 * machine at any position (see timeline.ts for what operations and steps are).
 *
 * While the view is in the past the live machine is kept untouched (`live`), so returning to live is
 * exact and instant; the machine the view shows is a replay, discarded on the next move. Going back
 * rebuilds from a new Machine of the same config and replays operations 0..op-1, then operation `op`
 * up to the wanted event. Without checkpoints the cost grows with the log; the replay posts progress.
 *
 * Generic over the host's record of a machine (`H`), which it only creates, runs operations on and
 * reads the Machine of, through `TimelineDeps`.
 */
import type { Machine } from '../core/machine.ts';
import type { KEvent } from '../core/trace.ts';
import { MAX_OP_STEPS, type TimelineOpInfo, type TimelinePos, type TimelineStep } from './protocol.ts';
import { StopReplay, eventsThrough, opInfo, stepsOf, type OpCommand, type OpRecord } from './timeline.ts';

export interface TimelineDeps<H> {
  /** a new hosted machine with the same config as `from`, nothing run yet */
  fresh(from: H): H;
  /** run one operation (the same code the live command ran) */
  apply(h: H, cmd: OpCommand): unknown;
  machine(h: H): Machine;
  /** start (an array) or stop (null) recording the machine's events */
  recorder(h: H, events: KEvent[] | null): void;
}

export interface Sought<H> {
  h: H;
  pos: TimelinePos | null;
  partial: boolean;
}

export type Progress = (done: number, total: number) => void;

export class Timeline<H> {
  private ops: OpRecord[] = [];
  /** the live machine, kept while the view shows a replay of the past */
  private live: H | null = null;
  /** where the view is; null: live */
  pos: TimelinePos | null = null;

  constructor(private readonly deps: TimelineDeps<H>) {}

  get length(): number {
    return this.ops.length;
  }

  /** A new machine: an empty log, the view live. */
  reset(): void {
    this.ops = [];
    this.live = null;
    this.pos = null;
  }

  /**
   * Run `cmd` on the live machine as a new operation, recording its events. An operation that threw
   * after changing something (an allocation failure prints its warning) is kept: a replay fails the
   * same way. One that threw before any change (a free of an unknown name) is not an operation.
   */
  record(h: H, cmd: OpCommand, label: string): unknown {
    const events: KEvent[] = [];
    this.deps.recorder(h, events);
    let threw = false;
    try {
      return this.deps.apply(h, cmd);
    } catch (e) {
      threw = true;
      throw e;
    } finally {
      this.deps.recorder(h, null);
      if (!threw || events.length > 0)
        this.ops.push({
          cmd,
          label,
          events: events.slice(0, MAX_OP_STEPS),
          truncated: events.length > MAX_OP_STEPS,
        });
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
    this.live = null;
    this.pos = null;
    return { h: r.h, pos: null, partial: false };
  }

  private check(pos: TimelinePos, live: H): TimelinePos {
    const n = this.ops.length;
    if (n === 0) throw new RangeError('timeline: nothing has been done on this machine yet');
    const op = Number(pos?.op);
    if (!Number.isInteger(op) || op < 0 || op >= n)
      throw new RangeError(`timeline: operation ${String(pos?.op)} does not exist (0..${n - 1})`);
    const len = stepsOf(this.ops[op]!, this.deps.machine(live)).length;
    const step = Number(pos.step);
    if (!Number.isInteger(step) || step < 0 || step > len)
      throw new RangeError(
        `timeline: operation ${op} has ${len} steps: step ${String(pos.step)} is not in 0..${len}`,
      );
    return { op, step };
  }

  /**
   * A new machine at `pos`: operations 0..op-1 in full, then operation `op` stopped right after
   * step `pos.step` (a sink throws StopReplay on the event that step shows). Operations that threw
   * when they ran throw again here, at the same point; that is part of replaying them.
   */
  private replay(live: H, pos: TimelinePos, progress: Progress): { h: H; partial: boolean } {
    const h = this.deps.fresh(live);
    const m = this.deps.machine(h);
    const total = pos.op + 1;
    const every = Math.max(1, Math.floor(total / 50));
    for (let i = 0; i < pos.op; i++) {
      this.runQuietly(h, this.ops[i]!.cmd);
      if ((i + 1) % every === 0) progress(i + 1, total);
    }
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

  private runQuietly(h: H, cmd: OpCommand): void {
    try {
      this.deps.apply(h, cmd);
    } catch (e) {
      if (e instanceof StopReplay) return;
      // The operation failed when the learner ran it too (kept because it changed something).
    }
  }
}
