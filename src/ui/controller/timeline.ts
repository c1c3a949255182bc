/**
 * The timeline: the operation log, seeking to a step of an operation (or back to live) and continuing
 * from the position shown; every view shows the new position after a seek.
 *
 * A move is one round trip: what every view needs after it (the shown region's pages, the timeline
 * with the new operation's steps, the huge-page facts) is asked for right behind the `seek`, which the
 * worker answers in order; the frame grid gets its delta before the reply. The grids are handed their
 * data and paint in the next frame, and then the store changes once (the position, the machine, the
 * process list, the timeline, the frame the new step names...), so the views render once per move and
 * read nothing again (bump() refetches only what the move did not bring along).
 */
import type { MachineClient } from '../../worker/client.ts';
import type {
  HugeInfo,
  ProcessView,
  SoughtReply,
  TimelinePos,
  TimelineReply,
} from '../../worker/protocol.ts';
import { raf } from '../../render/raf_scheduler.ts';
import type { AppState } from '../store.ts';
import type { OpPatch } from './core.ts';
import { MachineController } from './machine.ts';
import { reuse } from './reuse.ts';

/** A processPages request sent right behind a command, for the region it names. */
export interface EarlyPages {
  proc: string;
  region: string;
  reply: ReturnType<MachineClient['processPages']>;
}

/** The shown process and region after a command, and whether the process grid got their pages. */
export interface SettledPages {
  current: Pick<AppState, 'processes' | 'currentProc' | 'currentRegion'> & Partial<AppState>;
  /** they were read and no later request overtook this one (pagesVersion moves) */
  fresh: boolean;
  /** why the pages could not be read (null: they were, or a later request took over) */
  error: unknown;
}

export interface SeekOptions {
  /**
   * Select the first frame the new step names (a move made in the timeline strip: linked views show
   * the allocation, the PTE write...). A share link's seek leaves the selection it restores.
   */
  selectFrame?: boolean;
}

export abstract class TimelineController extends MachineController {
  /**
   * The last move's round trips (performance.now()): when the seek (or truncate) was sent, when its
   * reply arrived and when the last of the requests sent behind it was answered; the test API reads
   * it (bench/browser.ts tells the worker's part of a step from the page's).
   */
  lastMove: { sent: number; replied: number; answered: number } | null = null;
  /** the latest timeline read: an older answer is dropped */
  private timelineToken = 0;

  /** The operation log, where the view is, and the steps of operation `op` (read-only). */
  timeline(op: number | null): Promise<TimelineReply> {
    return this.track(this.client.timeline(op));
  }

  /** Read the timeline into the store (after an operation that did not bring it along). */
  protected async refreshTimeline(): Promise<void> {
    const token = ++this.timelineToken;
    try {
      const r = await this.client.timeline(null);
      if (token !== this.timelineToken) return;
      this.set({ timeline: r, timelineError: null, stepMark: markOf(r, this.store.getState().timelinePos) });
    } catch (e) {
      if (token === this.timelineToken)
        this.set({ timelineError: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * Show the machine right after step `step` of operation `op`, or live (`op` null). Every view
   * shows the new position when the promise resolves; resolves false if the worker refused.
   */
  seek(op: number | null, step = 0, opts: SeekOptions = {}): Promise<boolean> {
    const pos: TimelinePos | null = op === null ? null : { op, step };
    return this.op(() => this.replayed(() => this.client.seek(pos), opts));
  }

  /** Continue from the position shown: the later operations are dropped and this becomes live. */
  continueFromHere(): Promise<boolean> {
    return this.op(() => this.replayed(() => this.client.truncate()));
  }

  protected async replayed(send: () => Promise<SoughtReply>, opts: SeekOptions = {}): Promise<OpPatch> {
    this.replayStarted = performance.now();
    try {
      const s0 = this.store.getState();
      const move = { sent: performance.now(), replied: -1, answered: -1 };
      // when the last of the move's requests was answered (the worker's part ends there)
      const answered = () => (move.answered = Math.max(move.answered, performance.now()));
      this.lastMove = move;
      const sought = send();
      // Right behind the move (the worker answers in order): what the views show after it.
      const early = this.pagesBehind({ proc: s0.currentProc, region: s0.currentRegion });
      early?.reply.then(answered, answered);
      const timelineToken = ++this.timelineToken;
      const tl = this.client.timeline(null);
      const huge = s0.machine ? this.client.hugeInfo() : null;
      tl.then(answered, answered);
      huge?.then(answered, answered);
      const r = await sought;
      move.replied = answered();
      const pages = await this.settlePages(r.processes, undefined, early);
      const [tlr, hr] = await Promise.allSettled([tl, huge]);
      // The grids hold the new position (the frame delta came before the reply) and paint it in the
      // next frame; the rest of the views change after that frame, so they do not hold it up (the
      // figure "delta arriving → drawn" in bench/browser.ts).
      const delta = this.deltaDrawn !== null && this.deltaDrawn.arrived >= move.sent;
      if (delta || (pages.fresh && this.pgrid)) await raf.afterFrame();
      const timeline = tlr.status === 'fulfilled' && timelineToken === this.timelineToken ? tlr.value : null;
      const hugeInfo: { huge: HugeInfo | null } | null =
        hr.status === 'fulfilled' ? { huge: hr.value?.info ?? null } : null;
      this.pastRetry = null;
      const selection = opts.selectFrame && timeline ? stepFrame(timeline, r.pos, r.info.nrPages) : null;
      const error =
        pages.error === null
          ? null
          : pages.error instanceof Error
            ? pages.error.message
            : String(pages.error);
      return (s: AppState): Partial<AppState> => ({
        // the parts equal to what the views hold keep their identity: only what changed re-renders
        machine: reuse(s.machine, r.info),
        log: reuse(s.log, r.log),
        allocations: reuse(s.allocations, r.allocations),
        timelinePos: r.pos,
        timelinePartial: r.partial,
        hover: null,
        pastRefused: null,
        work: null,
        ...pages.current,
        ...(pages.fresh ? { pagesVersion: s.pagesVersion + 1 } : {}),
        ...(timeline
          ? {
              timeline: reuse(s.timeline, timeline),
              timelineError: null,
              stepMark: reuse(s.stepMark, markOf(timeline, r.pos)),
            }
          : {}),
        ...(hugeInfo ? { huge: reuse(s.huge, hugeInfo.huge) } : {}),
        ...(selection !== null ? { selection } : {}),
        ...(error !== null ? { error } : {}),
      });
    } finally {
      this.replayStarted = null;
      if (this.store.getState().work) this.set({ work: null });
    }
  }

  protected abstract pagesBehind(guess: { proc: string | null; region: string | null }): EarlyPages | null;
  protected abstract settlePages(
    processes: ProcessView[],
    prefer: { proc?: string; region?: string } | undefined,
    early: EarlyPages | null,
  ): Promise<SettledPages>;
}

/**
 * The frames the shown operation names up to the shown step, as one range to outline on the frame
 * grid while viewing the past (a boot step's frames: the zero page, memmap, the frames freed to the
 * buddy allocator...).
 */
export function markOf(tl: TimelineReply, pos: TimelinePos | null): { from: number; to: number } | null {
  if (!pos || tl.op !== pos.op) return null;
  let from = Infinity;
  let to = -1;
  for (const s of tl.steps.slice(0, pos.step + 1))
    for (const f of s.frames ?? []) {
      from = Math.min(from, f.pfn);
      to = Math.max(to, f.pfn + 1);
    }
  return to > from ? { from, to } : null;
}

/** The first frame the step at `pos` names (linked views select it), or null. */
function stepFrame(tl: TimelineReply, pos: TimelinePos | null, nrPages: number): number | null {
  if (!pos || tl.op !== pos.op) return null;
  const f = tl.steps[pos.step]?.frames?.[0];
  return f && f.pfn < nrPages ? f.pfn : null;
}
