/**
 * The app's one controller: it owns the machine client, the store and (once mounted) the frame grid,
 * and turns the learner's actions into protocol commands. React views call its methods and read the
 * store; the grid is fed frame deltas and store changes here, never through React re-renders
 * (tldraw's single reactor instead of N component subscriptions).
 */
import { FRAME_STATE_COUNT } from '../core/shared/frame_state.ts';
import { VPageState } from '../core/shared/page_state.ts';
import type { FrameGrid } from '../render/frame_grid.ts';
import type { GridMarker } from '../render/frame_grid.ts';
import type { ProcessGrid, ProcessRegionData, RegionBlock } from '../render/process_grid.ts';
import { raf } from '../render/raf_scheduler.ts';
import { MachineError, type MachineClient } from '../worker/client.ts';
import {
  VPAGE_HUGE_ZERO,
  type FrameDeltaNotice,
  type FrameInspectionReply,
  type FreeListsReply,
  type HugeInfo,
  type MachineConfig,
  type MachineInfo,
  type MemblockReply,
  type PageInfo,
  type ProcessView,
  type RanReply,
  type RegionInfo,
  type UnmappedInfo,
  type SoughtReply,
  type TimelinePos,
  type TimelineReply,
  type WalkReply,
  type ZerooutReply,
} from '../worker/protocol.ts';
import { CompareController } from './compare.ts';
import {
  archConfig,
  createAppStore,
  type AppState,
  type ConfigDraft,
  type HoverState,
  type PageHoverState,
  type PageMode,
  type ViewMode,
  type WorkProgress,
} from './store.ts';

/** How many scenario runs the history keeps. */
const HISTORY = 60;
/** A boot replay that has run this long (ms) shows its progress. */
const PROGRESS_AFTER_MS = 250;

/** Options of `mmap` (the scenario's `A mmap r1 64M rw [shared] [populate]`). */
export interface MmapOptions {
  region: string;
  /** e.g. `64M`, `2M`, `4096` */
  size: string;
  prot: 'none' | 'r' | 'rw';
  shared: boolean;
  populate: boolean;
}

export class AppController {
  readonly store = createAppStore();
  private grid: FrameGrid | null = null;
  /** deltas that arrived before the grid was mounted */
  private queued: FrameDeltaNotice[] = [];
  private readyResolve: (() => void) | undefined;
  /** resolves once the first machine is booted and its frames are on the grid */
  readonly ready: Promise<void>;
  /** async work the UI started and has not finished (tooltip fetches, /proc refreshes) */
  private uiWork = 0;
  private pendingView: AppState['view'] | undefined;
  private viewQueued = false;
  private pgrid: ProcessGrid | null = null;
  /** the region the process grid shows (kept while the grid is unmounted) */
  private pages: ProcessRegionData | null = null;
  /** the latest processPages request: older answers are dropped */
  private pagesToken = 0;
  /** when the running boot replay started (performance.now()), or null */
  private replayStarted: number | null = null;
  /** a progress bar or count shows once the work has run this long (PROGRESS_AFTER_MS; tests lower it) */
  progressAfterMs = PROGRESS_AFTER_MS;
  private compareNow: CompareController | null = null;
  /** the long command (a run, a booting init) now in flight and when it started, or null */
  private long: { kind: WorkProgress['kind']; started: number } | null = null;
  /** an action refused while the view was in the past, done once the learner picks a present */
  private pastRetry: (() => Promise<void>) | null = null;

  /**
   * `client` hosts the machine; `newClient` makes the two more that Compare runs (created when the
   * Compare view first opens).
   */
  constructor(
    readonly client: MachineClient,
    private readonly newClient?: () => MachineClient,
  ) {
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
    client.onFrameDelta((d) => {
      if (this.grid) this.grid.applyDelta(d);
      else this.queued.push(d);
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

  private set(patch: Partial<AppState>): void {
    this.store.setState(patch);
  }

  /** Boot the first machine. */
  async start(): Promise<void> {
    await this.reboot();
  }

  // --- the grid --------------------------------------------------------------------------------

  /** Connect a mounted grid; returns the function that disconnects it. */
  attachGrid(grid: FrameGrid): () => void {
    this.grid = grid;
    if (this.queued.length) {
      for (const d of this.queued) grid.applyDelta(d);
      this.queued = [];
    } else if (this.machine) {
      // A grid mounted after the machine's deltas went by (a remount): ask for every frame's state.
      void this.fetchAllFrames(grid);
    }
    const sync = (s: AppState) => {
      grid.setPatterns(s.patterns);
      grid.setSelection(s.selection);
      grid.setSelectedBlock(blockRange(s));
      // In the past, the frames the shown step changed (a boot step's); else the last allocation.
      grid.setHighlight(
        s.timelinePos && s.stepMark
          ? s.stepMark
          : s.lastAllocation
            ? { from: s.lastAllocation.pfn, to: s.lastAllocation.pfn + 2 ** s.lastAllocation.order }
            : null,
      );
      const m = s.machine;
      grid.setMarkers([...zeroMarkers(m), ...hugeMarkers(s.huge)]);
      grid.setBoundaries(
        (m?.zones ?? []).map((z) => ({ pfn: z.startPfn, label: `ZONE_${z.name.toUpperCase()} starts` })),
      );
    };
    sync(this.store.getState());
    this.syncLink();
    const unsubscribe = this.store.subscribe((s, prev) => {
      if (
        s.selection !== prev.selection ||
        s.selectedBlock !== prev.selectedBlock ||
        s.patterns !== prev.patterns ||
        s.lastAllocation !== prev.lastAllocation ||
        s.stepMark !== prev.stepMark ||
        s.timelinePos !== prev.timelinePos ||
        s.machine !== prev.machine ||
        s.huge !== prev.huge
      ) {
        sync(s);
      }
    });
    this.updateCounts();
    this.setView(grid.view);
    return () => {
      unsubscribe();
      if (this.grid === grid) this.grid = null;
    };
  }

  private async fetchAllFrames(grid: FrameGrid): Promise<void> {
    const m = this.machine!;
    try {
      const r = await this.client.frames(0, m.nrPages);
      if (this.grid !== grid || r.generation !== this.machine?.generation) return;
      grid.applyDelta({
        type: 'frameDelta',
        seq: r.seq,
        generation: r.generation,
        nrPages: m.nrPages,
        ranges: Uint32Array.of(r.from, r.to),
        states: new Uint8Array(r.states),
      });
    } catch (e) {
      this.fail(e);
    }
  }

  get frameGrid(): FrameGrid | null {
    return this.grid;
  }

  // --- the process grid ------------------------------------------------------------------------

  /** Connect a mounted process grid; returns the function that disconnects it. */
  attachProcessGrid(grid: ProcessGrid): () => void {
    this.pgrid = grid;
    grid.setData(this.pages);
    grid.setSelection(this.store.getState().pageSelection);
    grid.setFrameLink(selectedFrames(this.store.getState()));
    grid.setPatterns(this.store.getState().patterns);
    const unsubscribe = this.store.subscribe((s, prev) => {
      if (s.patterns !== prev.patterns) grid.setPatterns(s.patterns);
      if (s.pageSelection !== prev.pageSelection) grid.setSelection(s.pageSelection);
      if (s.selection !== prev.selection || s.selectedBlock !== prev.selectedBlock)
        grid.setFrameLink(selectedFrames(s));
      if (
        s.pageHover !== prev.pageHover ||
        s.pageSelection !== prev.pageSelection ||
        s.pagesVersion !== prev.pagesVersion
      )
        this.syncLink();
    });
    return () => {
      unsubscribe();
      if (this.pgrid === grid) this.pgrid = null;
    };
  }

  get processGrid(): ProcessGrid | null {
    return this.pgrid;
  }

  /** The region the process grid shows, as last fetched. */
  get regionPages(): ProcessRegionData | null {
    return this.pages;
  }

  /** The frame grid marks the frame behind the hovered (else the selected) virtual page. */
  private syncLink(): void {
    const grid = this.grid;
    if (!grid) return;
    const s = this.store.getState();
    const page = s.pageHover?.page ?? s.pageSelection;
    const d = this.pages;
    const pfn = d && page !== null && page < d.pfns.length ? d.pfns[page]! : -1;
    if (!d || page === null || pfn < 0) {
      grid.setLink(null);
      return;
    }
    const va = d.start + page * 2 ** d.pageShift;
    grid.setLink({ pfn, label: `${s.currentProc} ${'0x' + va.toString(16)}` });
  }

  /** The process the grid shows, as the worker last described it. */
  get currentProcess(): ProcessView | null {
    const s = this.store.getState();
    return s.processes.find((p) => p.name === s.currentProc) ?? null;
  }

  get currentRegionInfo(): RegionInfo | null {
    const s = this.store.getState();
    return this.currentProcess?.regions.find((r) => r.name === s.currentRegion) ?? null;
  }

  /** Show process `name` in the process grid; resolves once its pages are there. */
  selectProcess(name: string): Promise<void> {
    const p = this.store.getState().processes.find((x) => x.name === name);
    if (!p) return Promise.resolve();
    const region = this.store.getState().currentRegion;
    this.set({
      currentProc: name,
      currentRegion: p.regions.some((r) => r.name === region) ? region : (p.regions[0]?.name ?? null),
      pageSelection: null,
      pageHover: null,
    });
    return this.track(this.refreshPages());
  }

  selectRegion(name: string): void {
    this.set({ currentRegion: name, pageSelection: null, pageHover: null });
    void this.track(this.refreshPages());
  }

  setMode(mode: PageMode): void {
    if (this.store.getState().mode !== mode) this.set({ mode });
  }

  setPageHover(hover: PageHoverState | null): void {
    const cur = this.store.getState().pageHover;
    if (cur === hover || (cur && hover && cur.page === hover.page)) return;
    this.set({ pageHover: hover });
  }

  selectPage(page: number | null): void {
    this.set({ pageSelection: page });
  }

  /**
   * The page-table walk for an address of the current process, and the huge leaf it ends at, if any
   * (errors go to the caller).
   */
  walk(va: number): Promise<Pick<WalkReply, 'levels' | 'huge'>> {
    const name = this.store.getState().currentProc;
    if (!name) return Promise.resolve({ levels: [], huge: null });
    return this.track(this.client.walk(name, va).then((r) => ({ levels: r.levels, huge: r.huge })));
  }

  // --- huge pages --------------------------------------------------------------------------------

  /** Refetch THP and huge-zero-folio facts (the panel and the frame grid's markers). */
  private async refreshHuge(): Promise<void> {
    if (!this.machine) return;
    try {
      const r = await this.client.hugeInfo();
      this.set({ huge: r.info });
    } catch {
      this.set({ huge: null });
    }
  }

  /** echo 3 > drop_caches: the thp-zero shrinker runs; the panel says how many pages it freed. */
  async dropCaches(): Promise<void> {
    await this.op(async () => {
      const r = await this.client.dropCaches();
      this.store.setState((s) => ({
        machine: r.info,
        huge: r.huge,
        shrinkerResult: { freed: r.freed, output: r.output },
        history: [...s.history, { text: 'drop_caches', output: r.output, errors: [], failures: [] }].slice(
          -HISTORY,
        ),
      }));
    });
  }

  /** The bios __blkdev_issue_zero_pages() builds (errors go to the caller). */
  blkZeroout(bytes: number, zero: 'page' | 'largest', maxTransfer?: number): Promise<ZerooutReply> {
    return this.track(this.client.blkZeroout(bytes, zero, maxTransfer));
  }

  /** Fetch the current region's page states and pfns and hand them to the process grid. */
  private async refreshPages(): Promise<void> {
    const token = ++this.pagesToken;
    const p = this.currentProcess;
    const r = this.currentRegionInfo;
    if (!p || !r) {
      this.showPages(null);
      return;
    }
    try {
      const reply = await this.client.processPages(p.name, r.name);
      if (token !== this.pagesToken) return;
      const vmas = p.vmas
        .filter((v) => v.end > r.start && v.start < r.start + r.len)
        .map((v) => ({ start: v.start, end: v.end, label: v.perms + (v.shared ? ' shmem' : '') }));
      this.showPages({
        key: `${reply.pid}:${reply.region}`,
        start: reply.start,
        pageShift: reply.pageShift,
        states: new Uint8Array(reply.states),
        pfns: new Float64Array(reply.pfns),
        vmas,
        blocks: pmdBlocks(
          new Uint8Array(reply.states),
          new Float64Array(reply.pfns),
          reply.start,
          reply.pageShift,
        ),
      });
    } catch (e) {
      if (token === this.pagesToken) this.fail(e);
    }
  }

  /**
   * The page states of any process's named region, for a process view beside the current one (a
   * forked child); null when the process has no such region or has exited.
   */
  async regionPagesOf(proc: string, region: string): Promise<ProcessRegionData | null> {
    const p = this.store.getState().processes.find((x) => x.name === proc);
    const r = p?.regions.find((x) => x.name === region);
    if (!p || !r || p.state !== 'R') return null;
    const reply = await this.track(this.client.processPages(p.name, r.name));
    const states = new Uint8Array(reply.states);
    const pfns = new Float64Array(reply.pfns);
    return {
      key: `${reply.pid}:${reply.region}`,
      start: reply.start,
      pageShift: reply.pageShift,
      states,
      pfns,
      vmas: p.vmas
        .filter((v) => v.end > r.start && v.start < r.start + r.len)
        .map((v) => ({ start: v.start, end: v.end, label: v.perms + (v.shared ? ' shmem' : '') })),
      blocks: pmdBlocks(states, pfns, reply.start, reply.pageShift),
    };
  }

  private showPages(d: ProcessRegionData | null): void {
    this.pages = d;
    this.pgrid?.setData(d);
    this.store.setState((s) => ({ pagesVersion: s.pagesVersion + 1 }));
  }

  /** Keep the shown process and region valid after the process list changed. */
  private fixCurrent(processes: ProcessView[], prefer?: { proc?: string; region?: string }): void {
    const s = this.store.getState();
    const procName = prefer?.proc ?? s.currentProc;
    const p = processes.find((x) => x.name === procName) ?? processes.find((x) => x.state === 'R') ?? null;
    const regionName = prefer?.region ?? s.currentRegion;
    const region = p?.regions.find((r) => r.name === regionName)?.name ?? p?.regions[0]?.name ?? null;
    const changed = (p?.name ?? null) !== s.currentProc || region !== s.currentRegion;
    this.set({
      processes,
      currentProc: p?.name ?? null,
      currentRegion: region,
      ...(changed ? { pageSelection: null, pageHover: null } : {}),
    });
  }

  /** Copy the grid's per-state frame counts into the store (the legend shows them). */
  updateCounts(): void {
    if (!this.grid) return;
    this.set({ counts: Array.from(this.grid.counts().subarray(0, FRAME_STATE_COUNT)) });
  }

  // --- learner actions -----------------------------------------------------------------------------

  setDraft(patch: Partial<ConfigDraft>): void {
    this.store.setState((s) => ({ draft: { ...s.draft, ...patch } }));
  }

  /** Forget the settings not applied: the draft is the running machine's config again. */
  discardDraft(): void {
    const c = this.machine?.config;
    if (c) this.store.setState((s) => ({ draft: { ...s.draft, ...draftFrom(c, false), ramChosen: c.ram } }));
  }

  /**
   * Create and boot a machine from the draft config, or from `given` (a share link, a scenario's
   * `machine` line, a lesson: the header's draft follows it, and keys the header has no control for,
   * like coloured_zero, still reach the machine); on failure the current machine stays. Resolves
   * true when the new machine is up.
   */
  async reboot(given?: { config: Partial<MachineConfig>; boot: boolean }): Promise<boolean> {
    if (given) this.setDraft(draftFrom(given.config, !given.boot));
    const { draft, machine } = this.store.getState();
    this.set({ status: 'booting', error: null });
    this.long = { kind: 'boot', started: performance.now() };
    try {
      const r = await this.client.init(
        given?.config ?? {
          ...archConfig(draft),
          cpus: draft.cpus,
          thp: draft.thp,
          useZeroPage: draft.useZeroPage,
          hugeZero: draft.hugeZero,
          // the series is x86-64 only (the config checker refuses it elsewhere)
          pageAllocUnmapped: draft.arch === 'x86_64' && draft.pageAllocUnmapped,
          unmappedZeroing: draft.unmappedZeroing,
        },
        given ? given.boot : !draft.stepBoot,
      );
      this.set({
        machine: r.info,
        log: r.log,
        allocations: [],
        lastAllocation: null,
        selection: null,
        hover: null,
        processes: [],
        currentProc: null,
        currentRegion: null,
        pageSelection: null,
        pageHover: null,
        history: [],
        deaths: [],
        shrinkerResult: null,
        timelinePos: null,
        timelinePartial: false,
      });
      this.pagesToken++;
      this.showPages(null);
      this.syncLink();
      this.bump();
      this.readyResolve?.();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.long = null;
      this.set({ work: null, status: machine || this.store.getState().machine ? 'ready' : 'starting' });
    }
  }

  // --- long work: progress and cancel ------------------------------------------------------------

  /** A progress notice of the long command in flight: shown once it has run PROGRESS_AFTER_MS. */
  private progress(p: WorkProgress): void {
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

  /** Run the next boot step. */
  async bootStep(): Promise<void> {
    await this.op(async () => {
      const r = await this.client.bootStep();
      this.set({ machine: r.info });
    });
  }

  /** Run the remaining boot steps one by one (the grid follows each). */
  async finishBoot(): Promise<void> {
    await this.op(async () => {
      for (;;) {
        const r = await this.client.bootStep();
        this.set({ machine: r.info });
        if (r.info.booted || !r.step) break;
      }
    });
  }

  /** Step over the current boot phase: run to the first step of the next one. */
  async bootRunPhase(): Promise<void> {
    await this.op(async () => {
      const r = await this.client.bootRunPhase();
      this.set({ machine: r.info });
    });
  }

  /**
   * One boot step back: the worker rebuilds the machine and replays the steps before it (slow on a
   * big machine: the boot panel shows the progress after a moment).
   */
  async bootBack(): Promise<void> {
    await this.op(async () => {
      this.replayStarted = performance.now();
      try {
        const r = await this.client.bootBack();
        this.set({ machine: r.info, log: r.log, selection: null, hover: null });
      } finally {
        this.replayStarted = null;
        this.set({ work: null });
      }
    });
  }

  /** CONFIG_PAGE_ALLOC_UNMAPPED's state now: freetypes, direct map, TLBs, mermap, last zeroing (errors go to the caller). */
  unmappedInfo(): Promise<UnmappedInfo> {
    return this.track(this.client.unmappedInfo().then((r) => r.info));
  }

  // --- the timeline (TimelinePanel) ------------------------------------------------------------

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

  private async replayed(send: () => Promise<SoughtReply>): Promise<void> {
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

  /** memblock's regions now (errors go to the caller). */
  memblock(): Promise<MemblockReply> {
    return this.track(this.client.memblock());
  }

  // --- the Compare view ------------------------------------------------------------------------

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

  async alloc(name: string, order: number, gfp: string): Promise<boolean> {
    return this.op(async () => {
      try {
        const r = await this.client.alloc(name, order, gfp);
        this.set({ allocations: r.allocations, lastAllocation: r.allocation, selection: r.allocation.pfn });
      } finally {
        // The OOM killer may have run.
        await this.refreshProcesses();
      }
    });
  }

  async free(name: string): Promise<boolean> {
    return this.op(async () => {
      const r = await this.client.free(name);
      const last = this.store.getState().lastAllocation;
      this.set({ allocations: r.allocations, lastAllocation: last?.name === name ? null : last });
    });
  }

  // --- processes (scenario lines run in the worker's session) ----------------------------------------

  /**
   * Run scenario lines (docs/scenario-language.md). The reply's machine, processes and allocations
   * go to the store, the process grid refetches, deaths go to the notice; the first failed line is
   * shown in the error banner. Resolves with the reply (null if the worker could not be asked).
   */
  async run(text: string, prefer?: { proc?: string; region?: string }): Promise<RanReply | null> {
    let reply: RanReply | null = null;
    await this.op(async () => {
      this.long = { kind: 'run', started: performance.now() };
      let r: RanReply;
      try {
        r = await this.client.run(text);
      } finally {
        this.long = null;
        this.set({ work: null });
      }
      reply = r;
      const killed = r.deaths.filter((d) => d.killed);
      this.store.setState((s) => ({
        machine: r.info,
        allocations: r.allocations,
        history: [...s.history, { text, output: r.output, errors: r.errors, failures: r.failures }].slice(
          -HISTORY,
        ),
        deaths: killed.length ? [...s.deaths, ...killed].slice(-5) : s.deaths,
      }));
      if (r.errors.length) {
        const e = r.errors[0]!;
        const multi = text.trim().includes('\n');
        this.set({ error: multi ? `line ${e.line}:${e.col}: ${e.message}` : e.message });
      }
      this.fixCurrent(r.processes, r.errors.length ? undefined : prefer);
      await this.refreshPages();
    });
    return reply;
  }

  /** `spawn <name>`; the new process is shown. */
  spawn(name: string): Promise<RanReply | null> {
    return this.run(`spawn ${name.trim()}`, { proc: name.trim() });
  }

  /** `<current> mmap <region> <size> <prot> [shared] [populate]`; the new region is shown. */
  mmap(o: MmapOptions): Promise<RanReply | null> {
    const p = this.store.getState().currentProc;
    if (!p) return Promise.resolve(null);
    const flags = (o.shared ? ' shared' : '') + (o.populate ? ' populate' : '');
    return this.run(`${p} mmap ${o.region.trim()} ${o.size.trim()} ${o.prot}${flags}`, {
      region: o.region.trim(),
    });
  }

  /**
   * Read or write one byte of a page of the shown region, as the mode says (or as `mode` says: the
   * process view's "write it instead" offer): the fault path runs.
   */
  touchPage(page: number, mode?: PageMode): Promise<RanReply | null> {
    const s = this.store.getState();
    const r = this.currentRegionInfo;
    if (!s.currentProc || !r || !s.machine) return Promise.resolve(null);
    const off = '0x' + (page * 2 ** s.machine.pageShift).toString(16);
    this.set({ pageSelection: page });
    const line =
      (mode ?? s.mode) === 'read'
        ? `${s.currentProc} read ${r.name} ${off} 1 1`
        : `${s.currentProc} write ${r.name} ${off} 1 1 1`;
    return this.run(line);
  }

  /** Read (or write) every page of the shown region once, a byte per page. */
  touchRegion(): Promise<RanReply | null> {
    const s = this.store.getState();
    const r = this.currentRegionInfo;
    if (!s.currentProc || !r || !s.machine) return Promise.resolve(null);
    const ps = sizeArg(2 ** s.machine.pageShift);
    const len = sizeArg(r.len);
    const line =
      s.mode === 'read'
        ? `${s.currentProc} read ${r.name} 0 ${len} ${ps}`
        : `${s.currentProc} write ${r.name} 0 ${len} ${ps} 1`;
    return this.run(line);
  }

  /**
   * `<current> fork <child>`; the parent stays the current process (the process view shows the
   * child beside it).
   */
  fork(child: string): Promise<RanReply | null> {
    const p = this.store.getState().currentProc;
    if (!p) return Promise.resolve(null);
    return this.run(`${p} fork ${child.trim()}`);
  }

  /** `<current> exit`. */
  exitProcess(): Promise<RanReply | null> {
    const p = this.store.getState().currentProc;
    if (!p) return Promise.resolve(null);
    return this.run(`${p} exit`, { proc: p });
  }

  /** `<current> munmap <region>`. */
  munmap(): Promise<RanReply | null> {
    const s = this.store.getState();
    if (!s.currentProc || !s.currentRegion) return Promise.resolve(null);
    return this.run(`${s.currentProc} munmap ${s.currentRegion}`);
  }

  dismissDeaths(): void {
    this.set({ deaths: [] });
  }

  /** Refetch the process list (after an operation that is not a `run` but may kill: an allocation). */
  private async refreshProcesses(): Promise<void> {
    if (this.store.getState().processes.length === 0) return;
    const r = await this.client.processes();
    this.fixCurrent(r.processes);
    await this.refreshPages();
  }

  /** The value an `expect` would compare (`/proc/A/status:VmRSS`, `huge_zero_refcount`); errors go to the caller. */
  value(what: string): Promise<number | string> {
    return this.track(this.client.value(what).then((r) => r.value));
  }

  /** Read a /proc file (errors are thrown to the caller: the panel shows them in place). */
  readProc(path: string): Promise<string> {
    return this.track(this.client.readProc(path).then((r) => r.text));
  }

  describe(pfn: number): Promise<PageInfo> {
    return this.track(this.client.describePfn(pfn).then((r) => r.info));
  }

  setHover(hover: HoverState | null): void {
    const cur = this.store.getState().hover;
    if (
      cur === hover ||
      (cur &&
        hover &&
        cur.pfn === hover.pfn &&
        cur.clientX === hover.clientX &&
        cur.clientY === hover.clientY)
    )
      return;
    this.set({ hover });
  }

  /** The grid's view changed; the caption follows once per frame. */
  setView(view: AppState['view']): void {
    this.pendingView = view;
    if (this.viewQueued) return;
    this.viewQueued = true;
    raf.scheduleAction(() => {
      this.viewQueued = false;
      const v = this.pendingView;
      const cur = this.store.getState().view;
      if (v && (v.cellPx !== cur.cellPx || v.framesPerTexel !== cur.framesPerTexel)) this.set({ view: v });
    });
  }

  /**
   * Select a frame, and with `block` the buddy block or folio around it (a free-list entry, or what
   * the inspector found): every view follows the one selection in the store.
   */
  select(pfn: number | null, block?: { pfn: number; order: number } | null): void {
    this.set({ selection: pfn, ...(block !== undefined ? { selectedBlock: block } : {}) });
  }

  /** Patterns over the grid colours on or off, remembered for the next visit. */
  setPatterns(on: boolean): void {
    this.set({ patterns: on });
    try {
      localStorage.setItem(PATTERNS_KEY, on ? '1' : '0');
    } catch {
      // storage may be disabled (private mode, Node): the setting then lasts for this visit only
    }
  }

  /** The inspector learned the selected frame's block: outline it everywhere (if still selected). */
  setSelectedBlock(block: { pfn: number; order: number } | null): void {
    const s = this.store.getState();
    if (block && !inBlock(s.selection, block)) return;
    if (block?.pfn === s.selectedBlock?.pfn && block?.order === s.selectedBlock?.order) return;
    this.set({ selectedBlock: block });
  }

  /** Everything the inspector shows about a frame (errors go to the caller). */
  inspectFrame(pfn: number): Promise<FrameInspectionReply> {
    return this.track(this.client.inspectFrame(pfn));
  }

  /** The buddy and per-CPU free lists of every zone (errors go to the caller). */
  freeLists(): Promise<FreeListsReply> {
    return this.track(this.client.freeLists());
  }

  showError(message: string): void {
    this.set({ error: message });
  }

  dismissError(): void {
    this.set({ error: null });
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** A machine-changing operation: busy while it runs, errors to the banner, views refresh after. */
  private async op(body: () => Promise<void>): Promise<boolean> {
    this.set({ status: 'busy', error: null });
    try {
      await body();
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
      this.bump();
      this.set({ status: 'ready' });
    }
  }

  /** The worker refused a change because the view is in the past (host.ts's message). */
  private refusedInPast(e: unknown): boolean {
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

  private fail(e: unknown): void {
    const message = e instanceof MachineError || e instanceof Error ? e.message : String(e);
    this.set({ error: message });
  }

  /** The machine changed: /proc panels and the tooltip refetch, and so do the huge-page facts. */
  private bump(): void {
    this.store.setState((s) => ({ opVersion: s.opVersion + 1 }));
    void this.track(this.refreshHuge());
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
}

/** The header's draft for a machine config (share links, a scenario's `machine` line). */
function draftFrom(c: Partial<MachineConfig>, stepBoot: boolean): Partial<ConfigDraft> {
  const d: Partial<ConfigDraft> = { stepBoot };
  if (c.arch) d.arch = c.arch;
  if (c.granule) d.granule = c.granule;
  if (c.vce !== undefined) d.vce = c.vce;
  if (c.zeroPagePatch) d.zeroPagePatch = c.zeroPagePatch;
  if (c.ram) d.ram = c.ram;
  if (c.cpus) d.cpus = c.cpus;
  if (c.thp) d.thp = c.thp;
  if (c.useZeroPage !== undefined) d.useZeroPage = c.useZeroPage;
  if (c.hugeZero) d.hugeZero = c.hugeZero;
  if (c.pageAllocUnmapped !== undefined) d.pageAllocUnmapped = c.pageAllocUnmapped;
  if (c.unmappedZeroing) d.unmappedZeroing = c.unmappedZeroing;
  return d;
}

/** The zero page(s) marked on the grid: one marker at the first (MIPS and s390 have several). */
export function zeroMarkers(m: MachineInfo | null): { pfn: number; label: string; count?: number }[] {
  const z = m?.arch.zeroPages;
  if (z)
    return [{ pfn: z.basePfn, label: z.count > 1 ? `${z.count} zero pages` : 'zero page', count: z.count }];
  return m?.zeroPagePfn != null ? [{ pfn: m.zeroPagePfn, label: 'zero page' }] : [];
}

/** THP folios marked on the frame grid (the panel gives the total). */
export const MAX_THP_MARKERS = 8;

/** The huge zero folio and the first THPs as 512-frame blocks on the frame grid, head outlined. */
export function hugeMarkers(h: HugeInfo | null): GridMarker[] {
  if (!h?.supported) return [];
  const out: GridMarker[] = [];
  if (h.pfn !== null)
    out.push({ pfn: h.pfn, count: h.hpageNr, head: true, label: `huge zero folio (${h.kind})` });
  for (const f of h.folios.slice(0, MAX_THP_MARKERS))
    out.push({
      pfn: f.pfn,
      count: f.nr,
      head: true,
      label: `THP: head pfn 0x${f.pfn.toString(16)} + ${f.nr - 1} tails`,
    });
  return out;
}

/**
 * Runs of pages one PMD maps, for the process grid: whole PMD-aligned runs of `huge` or huge-zero
 * pages whose pfns are consecutive (one folio).
 */
export function pmdBlocks(
  states: Uint8Array,
  pfns: Float64Array,
  start: number,
  pageShift: number,
): RegionBlock[] {
  const blocks: RegionBlock[] = [];
  const ps = 2 ** pageShift;
  for (let i = 0; i < states.length;) {
    const s = states[i]!;
    if (s !== VPageState.Huge && s !== VPAGE_HUGE_ZERO) {
      i++;
      continue;
    }
    // A PMD table holds pageSize / 8 entries, so one PMD maps that many pages (512 on 4 KiB pages,
    // 2048 on arm64 16K, 8192 on 64K); a new PMD starts at each multiple of that span.
    const span = ps * (ps / 8);
    let j = i + 1;
    while (
      j < states.length &&
      states[j] === s &&
      pfns[j] === pfns[j - 1]! + 1 &&
      (start + j * ps) % span !== 0
    )
      j++;
    const kind = s === VPAGE_HUGE_ZERO ? 'huge-zero' : 'thp';
    const head = pfns[i]!;
    blocks.push({
      first: i,
      count: j - i,
      kind,
      label:
        kind === 'huge-zero'
          ? `huge zero folio · 1 PMD · ${j - i} pages`
          : `THP pfn 0x${head.toString(16)} · 1 PMD · ${j - i} pages`,
    });
    i = j;
  }
  return blocks;
}

/** A byte count as the scenario language writes sizes: `64M`, `4K`, or plain bytes. */
export function sizeArg(n: number): string {
  for (const [unit, bytes] of [
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const)
    if (n >= bytes && n % bytes === 0) return `${n / bytes}${unit}`;
  return String(n);
}

function inBlock(pfn: number | null, b: { pfn: number; order: number }): boolean {
  return pfn !== null && pfn >= b.pfn && pfn < b.pfn + 2 ** b.order;
}

/** The selected block as a pfn range, for the frame grid's outline (none for a single page). */
function blockRange(s: AppState): { from: number; to: number } | null {
  const b = s.selectedBlock;
  return b && b.order > 0 ? { from: b.pfn, to: b.pfn + 2 ** b.order } : null;
}

/** The frames the selection covers: the selected block, else the selected frame, else none. */
function selectedFrames(s: AppState): { from: number; to: number } | null {
  const b = s.selectedBlock;
  if (b) return { from: b.pfn, to: b.pfn + 2 ** b.order };
  return s.selection === null ? null : { from: s.selection, to: s.selection + 1 };
}

/** localStorage key of the header's "patterns" switch. */
export const PATTERNS_KEY = 'mmlab.patterns';

function readPatternsSetting(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(PATTERNS_KEY) === '1';
  } catch {
    return false;
  }
}
