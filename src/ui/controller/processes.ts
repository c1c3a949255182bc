/**
 * Processes: the process grid and the shown process and region (their page states fetched from the
 * worker), the page hover and selection, and every process action as one scenario line run in the
 * worker (run, spawn, mmap, touch, fork, exit, munmap).
 */
import type { Prot } from '../../core/shared/prot.ts';
import { VPageState } from '../../core/shared/page_state.ts';
import type { ProcessGrid, ProcessRegionData, RegionBlock } from '../../render/process_grid.ts';
import {
  VPAGE_HUGE_ZERO,
  type ProcessPagesReply,
  type ProcessView,
  type RanReply,
  type RegionInfo,
  type WalkReply,
} from '../../worker/protocol.ts';
import { raf } from '../../render/raf_scheduler.ts';
import type { MachineClient } from '../../worker/client.ts';
import { type AppState, type PageHoverState, type PageMode } from '../store.ts';
import { TimelineController, type EarlyPages, type SettledPages } from './timeline.ts';
import { HISTORY } from './core.ts';
import { reuse } from './reuse.ts';

/** Options of `mmap` (the scenario's `A mmap r1 64M rw [shared] [populate]`). */
export interface MmapOptions {
  region: string;
  /** e.g. `64M`, `2M`, `4096` */
  size: string;
  prot: Prot;
  shared: boolean;
  populate: boolean;
  /** MAP_LOCKED */
  locked?: boolean;
  /** map /dev/zero instead of anonymous memory */
  devZero?: boolean;
}

export abstract class ProcessController extends TimelineController {
  /** Connect a mounted process grid; returns the function that disconnects it. */
  attachProcessGrid(grid: ProcessGrid): () => void {
    this.pgrid = grid;
    grid.setData(this.pages);
    grid.setSelection(this.store.getState().pageSelection);
    let link = selectedFrames(this.store.getState());
    grid.setFrameLink(link);
    grid.setPatterns(this.store.getState().patterns);
    const unsubscribe = this.store.subscribe((s, prev) => {
      if (s.patterns !== prev.patterns) grid.setPatterns(s.patterns);
      if (s.pageSelection !== prev.pageSelection) grid.setSelection(s.pageSelection);
      if (s.selection !== prev.selection || s.selectedBlock !== prev.selectedBlock) {
        // From the store as it is now: a listener that changed it during this notification (the one
        // selection drops a block the new selection left) has already been told, and `s` is older.
        // Only a new range is handed on: the grid looks at every page's pfn for it.
        const now = selectedFrames(this.store.getState());
        if (now?.from !== link?.from || now?.to !== link?.to) grid.setFrameLink((link = now));
      }
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
  protected syncLink(): void {
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
  walk(va: number): Promise<Pick<WalkReply, 'levels' | 'huge' | 'swap'>> {
    const name = this.store.getState().currentProc;
    if (!name) return Promise.resolve({ levels: [], huge: null, swap: null });
    return this.track(
      this.client.walk(name, va).then((r) => ({ levels: r.levels, huge: r.huge, swap: r.swap })),
    );
  }

  /** Fetch the current region's page states and pfns and hand them to the process grid. */
  protected async refreshPages(): Promise<void> {
    const token = ++this.pagesToken;
    try {
      const d = await this.fetchPages(this.currentProcess, this.currentRegionInfo);
      if (token === this.pagesToken) this.showPages(d);
    } catch (e) {
      if (token === this.pagesToken) this.fail(e);
    }
  }

  /** The page states and pfns of region `r` of process `p` (null when there is none to show). */
  protected async fetchPages(
    p: ProcessView | null,
    r: RegionInfo | null,
    sent?: ReturnType<MachineClient['processPages']>,
  ): Promise<ProcessRegionData | null> {
    if (!p || !r) return null;
    const reply = await (sent ?? this.client.processPages(p.name, r.name));
    return this.counted(regionData(p, r, reply, false), reply.version, reply.changed);
  }

  /**
   * The current region's pages per state and its PMD blocks, kept from answer to answer: a delta
   * (`changed`) is counted page by page against a copy of the states last counted (the client
   * patches its window in place), so a click on a 1M-page region does not recount a million pages.
   */
  private tally: {
    key: string;
    version: number;
    states: Uint8Array;
    counts: Uint32Array;
    blocks: RegionBlock[];
  } | null = null;

  private counted(
    d: ProcessRegionData,
    version: number,
    changed: { base: number; pages: Uint32Array } | null,
  ): ProcessRegionData {
    const t = this.tally;
    const n = d.states.length;
    if (t && changed && t.key === d.key && t.version === changed.base && t.states.length === n) {
      let pmd = false;
      for (const i of changed.pages) {
        const was = t.states[i]!;
        const now = d.states[i]!;
        // a huge mapping's block (its extent, its head pfn in the label) may change with its state
        if (isPmdState(was) || isPmdState(now)) pmd = true;
        if (was === now) continue;
        t.counts[was]!--;
        t.counts[now]!++;
        t.states[i] = now;
      }
      if (pmd) t.blocks = pmdBlocks(d.states, d.pfns, d.start, d.pageShift);
      t.version = version;
    } else {
      this.tally = {
        key: d.key,
        version,
        states: d.states.slice(),
        counts: stateCounts(d.states),
        blocks: pmdBlocks(d.states, d.pfns, d.start, d.pageShift),
      };
    }
    const now = this.tally!;
    return { ...d, version, changed, counts: now.counts.slice(), blocks: now.blocks };
  }

  /**
   * The page states of any process's named region, for a process view beside the current one (a
   * forked child); null when the process has no such region or has exited.
   */
  async regionPagesOf(proc: string, region: string): Promise<ProcessRegionData | null> {
    const p = this.store.getState().processes.find((x) => x.name === proc);
    const r = p?.regions.find((x) => x.name === region);
    if (!p || !r || p.state !== 'R') return null;
    return regionData(p, r, await this.track(this.client.processPages(p.name, r.name)), true);
  }

  protected showPages(d: ProcessRegionData | null): void {
    if (!d) this.tally = null; // nothing shown (a new machine): the next answer is counted whole
    this.pages = d;
    this.pgrid?.setData(d);
    this.store.setState((s) => ({ pagesVersion: s.pagesVersion + 1 }));
  }

  /** Keep the shown process and region valid after the process list changed. */
  protected fixCurrent(processes: ProcessView[], prefer?: { proc?: string; region?: string }): void {
    this.set(this.currentFor(reuse(this.store.getState().processes, processes), prefer));
  }

  /** The process list and the shown process and region it leaves valid (preferring `prefer`). */
  protected currentFor(
    processes: ProcessView[],
    prefer?: { proc?: string; region?: string },
  ): Pick<AppState, 'processes' | 'currentProc' | 'currentRegion'> & Partial<AppState> {
    const s = this.store.getState();
    const procName = prefer?.proc ?? s.currentProc;
    const p = processes.find((x) => x.name === procName) ?? processes.find((x) => x.state === 'R') ?? null;
    const regionName = prefer?.region ?? s.currentRegion;
    const region = p?.regions.find((r) => r.name === regionName)?.name ?? p?.regions[0]?.name ?? null;
    const changed = (p?.name ?? null) !== s.currentProc || region !== s.currentRegion;
    return {
      processes,
      currentProc: p?.name ?? null,
      currentRegion: region,
      ...(changed ? { pageSelection: null, pageHover: null } : {}),
    };
  }

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
      // The region shown after the run is most often the one shown now (a click, a range control):
      // its pages are asked for right behind the run, which the worker answers in order, so they
      // come back without a second round trip. Used only if the run leaves that region shown.
      const s0 = this.store.getState();
      const ran = this.client.run(text);
      const early = this.pagesBehind({
        proc: prefer?.proc ?? s0.currentProc,
        region: prefer?.region ?? s0.currentRegion,
      });
      try {
        r = await ran;
      } finally {
        this.long = null;
        if (this.store.getState().work) this.set({ work: null });
      }
      reply = r;
      // The page states of the region shown after the run are fetched before the store changes:
      // everything a run changes is then set at once (op), so a click re-renders the views once.
      const {
        current,
        fresh,
        error: pagesError,
      } = await this.settlePages(r.processes, r.errors.length ? undefined : prefer, early);
      // The grids now hold what the run did and paint it in the next frame. The rest of the views
      // (toolbar, legend, transcript, fault card, links, timeline...) change after that frame, so
      // the grids are not held up by their render, style and layout: a click shows in one frame.
      if (fresh && this.pgrid) await raf.afterFrame();
      let error: string | null = null;
      if (r.errors.length) {
        const e = r.errors[0]!;
        const multi = text.trim().includes('\n');
        error = multi ? `line ${e.line}:${e.col}: ${e.message}` : e.message;
      } else if (pagesError !== null)
        error = pagesError instanceof Error ? pagesError.message : String(pagesError);
      const killed = r.deaths.filter((d) => d.killed);
      return (s: AppState): Partial<AppState> => ({
        machine: reuse(s.machine, r.info),
        allocations: reuse(s.allocations, r.allocations),
        history: [...s.history, { text, output: r.output, errors: r.errors, failures: r.failures }].slice(
          -HISTORY,
        ),
        deaths: killed.length ? [...s.deaths, ...killed].slice(-5) : s.deaths,
        ...current,
        ...(fresh ? { pagesVersion: s.pagesVersion + 1 } : {}),
        ...(error !== null ? { error } : {}),
      });
    });
    return reply;
  }

  /**
   * Ask for the pages of the region `guess` names right behind a command just sent (the worker
   * answers in order, so they come back without a second round trip); null when that region is not
   * shown now (a new process or region is asked for once the command's reply names it).
   */
  protected pagesBehind(guess: { proc: string | null; region: string | null }): EarlyPages | null {
    const shownNow = this.currentProcess;
    const { proc, region } = guess;
    if (
      !shownNow ||
      !proc ||
      !region ||
      shownNow.name !== proc ||
      !shownNow.regions.some((x) => x.name === region)
    )
      return null;
    const reply = this.client.processPages(proc, region);
    reply.catch(() => {}); // not used, or used and its error handled by settlePages
    return { proc, region, reply };
  }

  /**
   * After a command that may have changed the processes: the store patch that keeps the shown
   * process and region valid (preferring `prefer`), and that region's pages, fetched (the `early`
   * answer when it is for that region) and handed to the process grid before the store changes.
   * `fresh`: they were read and no later request overtook this one (the views that follow the pages
   * then bump pagesVersion); `error`: why they could not be read.
   */
  protected async settlePages(
    processes: ProcessView[],
    prefer: { proc?: string; region?: string } | undefined,
    early: EarlyPages | null,
  ): Promise<SettledPages> {
    const current = this.currentFor(reuse(this.store.getState().processes, processes), prefer);
    const p = current.processes.find((x) => x.name === current.currentProc) ?? null;
    const region = p?.regions.find((x) => x.name === current.currentRegion) ?? null;
    const token = ++this.pagesToken;
    let pages: ProcessRegionData | null | undefined;
    let pagesError: unknown = null;
    const sent = early && p?.name === early.proc && region?.name === early.region ? early.reply : undefined;
    try {
      pages = await this.fetchPages(p, region, sent);
    } catch (e) {
      pagesError = e;
      // the early request failed (the command changed the process under it): ask again, now
      if (sent)
        try {
          pages = await this.fetchPages(p, region);
          pagesError = null;
        } catch (e2) {
          pagesError = e2;
        }
    }
    const fresh = token === this.pagesToken && pages !== undefined;
    const before = this.pages;
    // The same window with no page changed (a move in the timeline that did not touch it): the grid
    // keeps what it shows, and `regionPages` its object (the mapping links redraw on a new one). The
    // client patched the window's buffers, which both hold, in place: they are equal. pagesVersion
    // still moves: the other panes (a forked child) and the selected page's walk read again.
    const same =
      fresh && !!pages && !!before && before.key === pages.key && pages.changed?.pages.length === 0;
    if (fresh && !same) {
      this.pages = pages!;
      this.pgrid?.setData(pages!);
    }
    return { current, fresh, error: token === this.pagesToken ? pagesError : null };
  }

  /** `spawn <name>`; the new process is shown. */
  spawn(name: string): Promise<RanReply | null> {
    return this.run(`spawn ${name.trim()}`, { proc: name.trim() });
  }

  /** `<current> mmap <region> <size> <prot> [shared] [populate] [locked] [devzero]`; the new region is shown. */
  mmap(o: MmapOptions): Promise<RanReply | null> {
    const p = this.store.getState().currentProc;
    if (!p) return Promise.resolve(null);
    const flags =
      (o.shared ? ' shared' : '') +
      (o.populate ? ' populate' : '') +
      (o.locked ? ' locked' : '') +
      (o.devZero ? ' devzero' : '');
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
  protected async refreshProcesses(): Promise<void> {
    if (this.store.getState().processes.length === 0) return;
    const r = await this.client.processes();
    this.fixCurrent(r.processes);
    await this.refreshPages();
  }
}

/**
 * A processPages reply as the process grid takes it, with the VMAs of the region (and its PMD blocks
 * when `blocks`; the current region's are kept by `counted`).
 */
function regionData(
  p: ProcessView,
  r: RegionInfo,
  reply: ProcessPagesReply,
  blocks: boolean,
): ProcessRegionData {
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
      .map((v) => ({
        start: v.start,
        end: v.end,
        label: v.perms + (v.shared ? ' shmem' : v.file ? ` ${v.file}` : ''),
      })),
    ...(blocks ? { blocks: pmdBlocks(states, pfns, reply.start, reply.pageShift) } : {}),
  };
}

/** Pages mapped by a PMD (a THP or the huge zero folio): they make the region's blocks. */
function isPmdState(s: number): boolean {
  return s === VPageState.Huge || s === VPAGE_HUGE_ZERO;
}

/** How many pages are in each state (index: the state byte). */
export function stateCounts(states: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256);
  for (let i = 0; i < states.length; i++) counts[states[i]!]!++;
  return counts;
}

/**
 * Runs of pages one PMD maps, for the process grid: whole PMD-aligned runs of `huge` or huge-zero
 * pages whose pfns are consecutive (one folio).
 */
function pmdBlocks(states: Uint8Array, pfns: Float64Array, start: number, pageShift: number): RegionBlock[] {
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

/** The frames the selection covers: the selected block, else the selected frame, else none. */
function selectedFrames(s: AppState): { from: number; to: number } | null {
  const b = s.selectedBlock;
  if (b) return { from: b.pfn, to: b.pfn + 2 ** b.order };
  return s.selection === null ? null : { from: s.selection, to: s.selection + 1 };
}
