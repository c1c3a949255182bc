/**
 * The one frame scheduler (perfetto's core/raf_scheduler.ts): nobody else calls
 * requestAnimationFrame. In each animation frame it runs the queued actions first (state updates such
 * as applying frame deltas), then the redraws, each at most once however often it was asked for.
 */
export type Task = () => void;

export class RafScheduler {
  private actions: Task[] = [];
  private readonly redraws = new Set<Task>();
  private frameRequested = false;
  private idleWaiters: (() => void)[] = [];

  /** Run `fn` at the start of the next frame, before any redraw. */
  scheduleAction(fn: Task): void {
    this.actions.push(fn);
    this.request();
  }

  /** Redraw with `fn` in the next frame; asking again before then costs nothing. */
  scheduleRedraw(fn: Task): void {
    this.redraws.add(fn);
    this.request();
  }

  /** Nothing is waiting for a frame. */
  get idle(): boolean {
    return !this.frameRequested;
  }

  /** Resolves after the next frame has run (or at once if nothing is scheduled and none is due). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves in the next animation frame. */
  nextFrame(): Promise<void> {
    return new Promise((resolve) => this.scheduleAction(resolve));
  }

  private request(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.run());
  }

  private run(): void {
    this.frameRequested = false;
    const actions = this.actions;
    this.actions = [];
    for (const a of actions) guard(a);
    const redraws = [...this.redraws];
    this.redraws.clear();
    for (const r of redraws) guard(r);
    if (this.frameRequested) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function guard(fn: Task): void {
  try {
    fn();
  } catch (e) {
    // One broken task must not stop the others or the frames after it.
    console.error(e);
  }
}

/** The application's scheduler. */
export const raf = new RafScheduler();
