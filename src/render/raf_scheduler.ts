/**
 * The one frame scheduler (perfetto's core/raf_scheduler.ts): nobody else calls
 * requestAnimationFrame. In each animation frame it runs the queued actions first (state updates such
 * as applying frame deltas), then the redraws, each at most once however often it was asked for.
 * Work that must not hold up a frame (the views around the grids after a click) runs after it:
 * `afterFrame` resolves in a task of its own once the next frame has been rendered.
 */
export type Task = () => void;

export class RafScheduler {
  private actions: Task[] = [];
  private readonly redraws = new Set<Task>();
  private frameRequested = false;
  private idleWaiters: (() => void)[] = [];
  /** resolvers of afterFrame(), run once the frame they wait for has been rendered */
  private after: (() => void)[] = [];
  /** after-frame work posted, not run yet */
  private afterPosted = 0;

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

  /** Nothing is waiting for a frame (or for the end of one). */
  get idle(): boolean {
    return !this.frameRequested && this.after.length === 0 && this.afterPosted === 0;
  }

  /** Whether `fn` is asked for and waits for the next frame (tests: a grid's paint is due). */
  isScheduled(fn: Task): boolean {
    return this.redraws.has(fn);
  }

  /**
   * Resolves in a task after the next frame (its actions, redraws, style, layout and paint), so
   * that what runs then does not delay that frame; after AFTER_FRAME_LIMIT_MS at the latest (a
   * hidden page draws no frames).
   */
  afterFrame(): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(once, AFTER_FRAME_LIMIT_MS);
      this.after.push(once);
      this.request();
    });
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
    if (this.after.length) {
      // A task of its own: the browser renders this frame (style, layout, paint) before it runs.
      const after = this.after;
      this.after = [];
      this.afterPosted++;
      postTask(() => {
        this.afterPosted--;
        for (const a of after) guard(a);
        this.wakeIdle();
      });
    }
    this.wakeIdle();
  }

  private wakeIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** The longest afterFrame() waits: a page in a background tab draws no frames. */
const AFTER_FRAME_LIMIT_MS = 100;

/** Resolves in a task of its own, soon: after the current task and before the next frame's callbacks, unless one is due. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => postTask(resolve));
}

/** Run `fn` in a new task, soon (a message to ourselves: setTimeout may be clamped to 4 ms). */
function postTask(fn: Task): void {
  if (typeof MessageChannel === 'undefined') {
    setTimeout(fn, 0);
    return;
  }
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    fn();
  };
  ch.port2.postMessage(null);
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
