/**
 * The timeline: the operation log, seeking to a step of an operation (or back to live) and continuing
 * from the position shown; every view refetches after a seek.
 */
import { type SoughtReply, type TimelinePos, type TimelineReply } from '../../worker/protocol.ts';
import { MachineController } from './machine.ts';

export abstract class TimelineController extends MachineController {
  /** The operation log, where the view is, and the steps of operation `op` (read-only). */
  timeline(op: number | null): Promise<TimelineReply> {
    return this.track(this.client.timeline(op));
  }

  /**
   * Show the machine right after step `step` of operation `op`, or live (`op` null). Every view
   * refetches (opVersion), the grid gets all frames. Resolves false if the worker refused.
   */
  seek(op: number | null, step = 0): Promise<boolean> {
    const pos: TimelinePos | null = op === null ? null : { op, step };
    return this.op(() => this.replayed(() => this.client.seek(pos)));
  }

  /** Continue from the position shown: the later operations are dropped and this becomes live. */
  continueFromHere(): Promise<boolean> {
    return this.op(() => this.replayed(() => this.client.truncate()));
  }

  protected async replayed(send: () => Promise<SoughtReply>): Promise<void> {
    this.replayStarted = performance.now();
    try {
      const r = await send();
      this.set({
        machine: r.info,
        log: r.log,
        allocations: r.allocations,
        timelinePos: r.pos,
        timelinePartial: r.partial,
        hover: null,
        pastRefused: null,
      });
      this.pastRetry = null;
      this.fixCurrent(r.processes);
      await this.refreshPages();
    } finally {
      this.replayStarted = null;
      this.set({ work: null });
    }
  }
}
