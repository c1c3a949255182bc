/**
 * The controller's core (src/ui/controller/): the machine client, the store, the state every concern
 * shares (the mounted grids, the long work in flight, a refused action kept for the past banner), the
 * worker's notices, and the helpers every operation goes through (`op`, `track`, `idle`, errors, the
 * long work's progress and Cancel, the Compare view). The concerns build on it in one chain:
 * core → selection (the frame grid, hover, the one selection) → machine (config, boot, allocations,
 * kernel reads) → timeline (seek, continue from here) → processes (the process grid, scenario lines)
 * → AppController (app.ts). A method one concern calls and a later one defines is declared abstract
 * here.
 */
import type { FrameGrid } from '../../render/frame_grid.ts';
import type { ProcessGrid, ProcessRegionData } from '../../render/process_grid.ts';
import { raf } from '../../render/raf_scheduler.ts';
import { MachineError, type MachineClient } from '../../worker/client.ts';
import {
  type FrameDeltaNotice,
  type MachineConfig,
  type MachineInfo,
  type ProcessView,
} from '../../worker/protocol.ts';
import { CompareController } from '../compare.ts';
import { createAppStore, type AppState, type ViewMode, type WorkProgress } from '../store.ts';

/** localStorage key of the header's "patterns" switch. */
export const PATTERNS_KEY = 'mmlab.patterns';

/** How many scenario runs the history keeps. */
export const HISTORY = 60;

/** A boot replay that has run this long (ms) shows its progress. */
const PROGRESS_AFTER_MS = 250;

export abstract class ControllerCore {
  readonly store = createAppStore();
  protected grid: FrameGrid | null = null;
  /** deltas that arrived before the grid was mounted */
  protected queued: FrameDeltaNotice[] = [];
  protected readyResolve: (() => void) | undefined;
  /** resolves once the first machine is booted and its frames are on the grid */
  readonly ready: Promise<void>;
  /** async work the UI started and has not finished (tooltip fetches, /proc refreshes) */
  protected uiWork = 0;
  protected pendingView: AppState['view'] | undefined;
  protected viewQueued = false;
  protected pgrid: ProcessGrid | null = null;
  /** the region the process grid shows (kept while the grid is unmounted) */
  protected pages: ProcessRegionData | null = null;
  /** the latest processPages request: older answers are dropped */
  protected pagesToken = 0;
  /** when the running boot replay started (performance.now()), or null */
  protected replayStarted: number | null = null;
  /** a progress bar or count shows once the work has run this long (PROGRESS_AFTER_MS; tests lower it) */
  progressAfterMs = PROGRESS_AFTER_MS;
  protected compareNow: CompareController | null = null;
  /** the long command (a run, a booting init) now in flight and when it started, or null */
  protected long: { kind: WorkProgress['kind']; started: number } | null = null;
  /**
   * The last frame delta the grid got: when it arrived (MachineClient.lastDeltaAt) and when the frame
   * grid's static layer had drawn it (performance.now() in the frame that drew it; null until then).
   * The test API reads it (bench/browser.ts: "delta arriving → drawn").
   */
  deltaDrawn: { arrived: number; drawn: number | null } | null = null;
  private readonly markDeltaDrawn = (): void => {
    if (this.deltaDrawn && this.deltaDrawn.drawn === null) this.deltaDrawn.drawn = performance.now();
  };
  /** an action refused while the view was in the past, done once the learner picks a present */
  protected pastRetry: (() => Promise<OpPatch | void>) | null = null;

  /**
   * `client` hosts the machine; `newClient` makes the two more that Compare runs (created when the
   * Compare view first opens).
   */
  constructor(
    readonly client: MachineClient,
    protected readonly newClient?: () => MachineClient,
  ) {
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
    client.onFrameDelta((d) => {
      if (this.grid) {
        this.grid.applyDelta(d);
        this.deltaDrawn = { arrived: client.lastDeltaAt, drawn: null };
        // A redraw asked for after the grid's own (applyDelta): it runs right after the static
        // layer has drawn the delta, in the same frame.
        raf.scheduleRedraw(this.markDeltaDrawn);
      } else this.queued.push(d);
    });
    client.onPrintk((n) => {
      if (n.generation !== this.store.getState().machine?.generation) return;
      this.store.setState((s) => ({ log: [...s.log, ...n.lines] }));
    });
    this.set({ patterns: readPatternsSetting() });
    // One selection: a block stays selected only while the selected frame is inside it.
    this.store.subscribe((st, prev) => {
      const b = st.selectedBlock;
      if (st.selection !== prev.selection && b && !inBlock(st.selection, b))
        this.set({ selectedBlock: null });
    });
    client.onBootProgress((n) => {
      if (this.long?.kind === 'boot') this.progress({ kind: 'boot', done: n.done, total: n.total });
      if (this.replayStarted === null || performance.now() - this.replayStarted < this.progressAfterMs)
        return;
      this.set({ work: { kind: 'boot-replay', done: n.done, total: n.total } });
    });
    client.onReplayProgress((n) => {
      if (this.replayStarted === null || performance.now() - this.replayStarted < this.progressAfterMs)
        return;
      this.set({ work: { kind: 'replay', done: n.done, total: n.total } });
    });
    client.onRunProgress((n) => {
      if (this.long?.kind !== 'run') return;
      this.progress({
        kind: 'run',
        done: n.done,
        total: n.total,
        line: n.line,
        accessesDone: n.accessesDone,
        accessesTotal: n.accessesTotal,
      });
    });
  }

  protected set(patch: Partial<AppState>): void {
    this.store.setState(patch);
  }

  /** Boot the first machine. */
  async start(): Promise<void> {
    await this.reboot();
  }

  /** A progress notice of the long command in flight: shown once it has run PROGRESS_AFTER_MS. */
  protected progress(p: WorkProgress): void {
    if (!this.long || performance.now() - this.long.started < this.progressAfterMs) return;
    this.set({ work: { ...p, cancelling: this.store.getState().work?.cancelling ?? false } });
  }

  /**
   * Stop the long run or boot in flight (the Cancel button, Escape). The worker stops between
   * slices: a run keeps what its completed lines did, a boot keeps the previous machine.
   */
  async cancel(): Promise<void> {
    if (!this.long) return;
    const work = this.store.getState().work;
    if (work) this.set({ work: { ...work, cancelling: true } });
    try {
      await this.client.cancel();
    } catch (e) {
      this.fail(e);
    }
  }

  setViewMode(viewMode: ViewMode): void {
    this.set({ viewMode, hover: null, pageHover: null });
  }

  /** The two machines of the Compare view (their workers start on first use). */
  get compare(): CompareController {
    if (!this.compareNow) {
      const make = this.newClient;
      if (!make) throw new Error('this app has no way to start more machines for Compare');
      this.compareNow = new CompareController([make(), make()], (p) => this.track(p));
    }
    return this.compareNow;
  }

  showError(message: string): void {
    this.set({ error: message });
  }

  dismissError(): void {
    this.set({ error: null });
  }

  /**
   * A machine-changing operation: busy while it runs, errors to the banner, views refresh after.
   * `body` may resolve with what it changes in the store: that is set together with the end of the
   * operation (the version bump, ready), so the views re-render once for it, not once per part.
   */
  protected async op(body: () => Promise<OpPatch | void>): Promise<boolean> {
    this.set({ status: 'busy', error: null });
    let patch: OpPatch | void = undefined;
    try {
      patch = await body();
      return true;
    } catch (e) {
      if (this.refusedInPast(e)) {
        // Not an error: the past banner offers to continue from here or go live, then do it.
        this.pastRetry = body;
        this.set({ pastRefused: e instanceof Error ? e.message : String(e) });
        return false;
      }
      this.fail(e);
      return false;
    } finally {
      this.bump(patch ?? undefined, true);
    }
  }

  /** The worker refused a change because the view is in the past (host.ts's message). */
  protected refusedInPast(e: unknown): boolean {
    return (
      this.store.getState().timelinePos !== null &&
      e instanceof Error &&
      e.message.includes('the view is in the past')
    );
  }

  /**
   * The past banner's answer to a refused action: `continue` makes the shown state the present (the
   * later operations are dropped), `live` goes back to the present; either way the action is then
   * done. `dismiss` forgets it.
   */
  async resolvePast(how: 'continue' | 'live' | 'dismiss'): Promise<void> {
    const retry = this.pastRetry;
    this.pastRetry = null;
    this.set({ pastRefused: null });
    if (how === 'dismiss') return;
    const ok = how === 'continue' ? await this.continueFromHere() : await this.seek(null);
    if (ok && retry) await this.op(retry);
  }

  protected fail(e: unknown): void {
    const message = e instanceof MachineError || e instanceof Error ? e.message : String(e);
    this.set({ error: message });
  }

  /**
   * The machine changed: /proc panels and the tooltip refetch, and so do the huge-page facts and the
   * timeline (unless `patch` holds them). One store update: `patch` (what the operation changed), the
   * version, and `ready` (status ready).
   */
  protected bump(patch?: OpPatch, ready = false): void {
    let given: Partial<AppState> = {};
    this.store.setState((s) => {
      given = patch?.(s) ?? {};
      return { ...given, opVersion: s.opVersion + 1, ...(ready ? { status: 'ready' as const } : {}) };
    });
    // What the operation did not bring along (a seek asks for both right behind the move) is read now.
    if (!('huge' in given)) void this.track(this.refreshHuge());
    if (!('timeline' in given)) void this.track(this.refreshTimeline());
  }

  /** Count UI-started work so that `idle()` waits for it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.uiWork++;
    return p.finally(() => this.uiWork--);
  }

  /** Mark a stretch of UI work (a debounce timer) that idle() should wait for. */
  beginWork(): () => void {
    this.uiWork++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.uiWork--;
    };
  }

  /**
   * Resolves when the worker is quiet, the UI has nothing in flight and two animation frames in a row
   * had nothing to draw (perfetto's "wait for idle" before a screenshot).
   */
  async idle(): Promise<void> {
    let quietFrames = 0;
    while (quietFrames < 2) {
      await this.client.whenQuiet();
      await raf.nextFrame();
      await raf.whenIdle();
      if (this.client.pendingCount === 0 && this.uiWork === 0 && raf.idle) quietFrames++;
      else quietFrames = 0;
    }
  }

  get machine(): MachineInfo | null {
    return this.store.getState().machine;
  }

  // Defined by the concerns later in the chain (selection, machine, timeline, processes).
  abstract reboot(given?: { config: Partial<MachineConfig>; boot: boolean }): Promise<boolean>;
  abstract seek(op: number | null, step?: number): Promise<boolean>;
  abstract continueFromHere(): Promise<boolean>;
  protected abstract refreshHuge(): Promise<void>;
  protected abstract refreshTimeline(): Promise<void>;
  protected abstract syncLink(): void;
  protected abstract showPages(d: ProcessRegionData | null): void;
  protected abstract refreshPages(): Promise<void>;
  protected abstract refreshProcesses(): Promise<void>;
  protected abstract fixCurrent(processes: ProcessView[], prefer?: { proc?: string; region?: string }): void;
}

/** What an operation changes in the store, computed from the state at the moment it is set. */
export type OpPatch = (s: AppState) => Partial<AppState>;

export function inBlock(pfn: number | null, b: { pfn: number; order: number }): boolean {
  return pfn !== null && pfn >= b.pfn && pfn < b.pfn + 2 ** b.order;
}

function readPatternsSetting(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(PATTERNS_KEY) === '1';
  } catch {
    return false;
  }
}
