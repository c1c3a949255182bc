/**
 * The UI's small state (DESIGN.md): the config being edited, the machine's summary, selection, hover,
 * versions, the error banner. Bulk per-frame data never comes here: it lives in the renderer.
 * Canvases subscribe to this store directly (controller.ts), React views through `useApp`.
 */
import { createStore, useStore } from 'zustand';
import { RAM_LIMITS } from '../core/config.ts';
import type {
  AllocationInfo,
  ArchName,
  DeathInfo,
  HugeInfo,
  MachineConfig,
  MachineInfo,
  ProcessView,
  RunErrorInfo,
  TimelinePos,
  TimelineReply,
} from '../worker/protocol.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The RAM sizes the header offers (each arch offers those within its RAM_LIMITS). */
const RAM_CHOICES: readonly { label: string; bytes: number }[] = [
  { label: '32 MiB', bytes: 32 * MiB },
  { label: '64 MiB', bytes: 64 * MiB },
  { label: '128 MiB', bytes: 128 * MiB },
  { label: '256 MiB', bytes: 256 * MiB },
  { label: '512 MiB', bytes: 512 * MiB },
  { label: '1 GiB', bytes: 1 * GiB },
  { label: '2 GiB', bytes: 2 * GiB },
  { label: '4 GiB', bytes: 4 * GiB },
  { label: '16 GiB', bytes: 16 * GiB },
];

/** The RAM sizes an architecture can have (src/core/config.ts RAM_LIMITS). */
export function ramChoicesFor(arch: ArchName): readonly { label: string; bytes: number }[] {
  const lim = RAM_LIMITS[arch];
  return RAM_CHOICES.filter((c) => c.bytes >= lim.min && c.bytes <= lim.max);
}

/** `ram` if the arch can have it, else the nearest size it can (1 GiB where allowed). */
function fitRam(arch: ArchName, ram: number): number {
  const choices = ramChoicesFor(arch);
  if (choices.some((c) => c.bytes === ram)) return ram;
  const lim = RAM_LIMITS[arch];
  if (ram > lim.max) return choices[choices.length - 1]!.bytes;
  return choices[0]!.bytes;
}

/** Human names of the architectures, for selects. */
export const ARCH_LABELS: Record<ArchName, string> = {
  x86_64: 'x86-64',
  arm64: 'arm64',
  arm: 'arm (32-bit)',
  sparc64: 'sparc64',
  mips: 'MIPS',
  s390: 's390x',
};

/** The machine settings a form edits (the header, each side of Compare). */
export interface ArchDraft {
  arch: ArchName;
  /** arm64 only; 4 elsewhere */
  granule: 4 | 16 | 64;
  /** MIPS only: an R4400 with virtual coherency exceptions (8 coloured zero pages) */
  vce: boolean;
  /** "mm: cache struct page for empty_zero_page" (2026): before or after */
  zeroPagePatch: 'before' | 'after';
  ram: number;
  /**
   * The RAM the learner last chose themselves: switching to an arch that cannot have it clamps `ram`,
   * switching back restores it (withArch), so RAM never changes behind the learner's back.
   */
  ramChosen?: number;
}

export interface ConfigDraft extends ArchDraft {
  cpus: number;
  /** transparent_hugepage= (never, madvise, always) */
  thp: MachineConfig['thp'];
  /** /sys/kernel/mm/transparent_hugepage/use_zero_page */
  useZeroPage: boolean;
  /** how the huge zero folio lives: dynamic, persistent, static_pmd */
  hugeZero: MachineConfig['hugeZero'];
  /** boot one step at a time instead of all at once */
  stepBoot: boolean;
  /** CONFIG_PAGE_ALLOC_UNMAPPED (x86-64 only): freetypes, __GFP_UNMAPPED, the mermap */
  pageAllocUnmapped: boolean;
  /** how kernel_init_pages() clears unmapped pageblocks */
  unmappedZeroing: 'as_posted' | 'per_block';
}

/** A draft with a new arch: RAM moved into the arch's range, options that do not apply reset. */
export function withArch<T extends ArchDraft>(d: T, arch: ArchName): T {
  const chosen = d.ramChosen ?? d.ram;
  return {
    ...d,
    arch,
    ramChosen: chosen,
    ram: fitRam(arch, chosen),
    granule: arch === 'arm64' ? d.granule : 4,
    vce: arch === 'mips' ? d.vce : false,
  };
}

/** Why the draft's RAM is not the one the learner chose (the arch cannot have it); null when it is. */
export function ramClampNote(d: ArchDraft): string | null {
  if (d.ramChosen === undefined || d.ramChosen === d.ram) return null;
  const name = (b: number) => RAM_CHOICES.find((c) => c.bytes === b)?.label ?? `${b} bytes`;
  const lim = RAM_LIMITS[d.arch];
  return `${ARCH_LABELS[d.arch]} can have ${name(lim.min)}–${name(lim.max)} of RAM: ${name(d.ram)} instead of the ${name(d.ramChosen)} you chose`;
}

/** The config keys an ArchDraft sets (the options that do not apply to the arch are left at defaults). */
export function archConfig(d: ArchDraft): {
  arch: ArchName;
  granule: 4 | 16 | 64;
  vce: boolean;
  zeroPagePatch: 'before' | 'after';
  ram: number;
} {
  return {
    arch: d.arch,
    granule: d.arch === 'arm64' ? d.granule : 4,
    vce: d.arch === 'mips' ? d.vce : false,
    zeroPagePatch: d.zeroPagePatch,
    ram: d.ram,
  };
}

/** Which screen the page shows: the one machine, or two machines side by side. */
export type ViewMode = 'machine' | 'compare';

export interface HoverState {
  pfn: number;
  clientX: number;
  clientY: number;
}

export type Status = 'starting' | 'booting' | 'ready' | 'busy';

/** What a click on a virtual page does: `A read r1 <off> 1 1` or `A write r1 <off> 1 1 1`. */
export type PageMode = 'read' | 'write';

/** The pointer on a page of the process grid (index into the shown region). */
export interface PageHoverState {
  page: number;
  clientX: number;
  clientY: number;
}

/** Scenario lines the app ran and what they printed (the scenario panel shows them). */
export interface RunResult {
  text: string;
  output: string;
  errors: RunErrorInfo[];
  failures: string[];
}

/**
 * The one progress state: a long command the worker is running in slices, shown by WorkProgress once
 * it has taken a moment. `run` (a big scenario run) and `boot` (a big boot) can be cancelled; the
 * replays cannot: `boot-replay` (one boot step back rebuilds and replays the steps before it) and
 * `replay` (a timeline seek replays the operations before the position). `line` and the accesses are
 * for runs; boots count steps, replays operations.
 */
export interface WorkProgress {
  kind: 'run' | 'boot' | 'boot-replay' | 'replay';
  done: number;
  total: number;
  /** the scenario line running now (runs) */
  line?: number;
  /** a big read/write line split into pieces: accesses done of its total (0 of 0 otherwise) */
  accessesDone?: number;
  accessesTotal?: number;
  /** Cancel was pressed and the worker has not stopped yet */
  cancelling?: boolean;
}

export interface AppState {
  /** the config in the header's form, applied by Reboot */
  draft: ConfigDraft;
  /** the running machine (null until the first boot finishes) */
  machine: MachineInfo | null;
  status: Status;
  /** what the banner says; null when there is nothing wrong */
  error: string | null;
  hover: HoverState | null;
  /** the frame the learner clicked */
  selection: number | null;
  /**
   * The buddy block or folio around `selection` (linked views: the frame grid outlines all of it,
   * the process grid the pages that map any of it, the free-list view the block); null for a lone
   * page or when not known yet. Cleared whenever `selection` leaves it.
   */
  selectedBlock: { pfn: number; order: number } | null;
  /** the machine screen or the side-by-side comparison */
  viewMode: ViewMode;
  /** named kernel allocations now live */
  allocations: AllocationInfo[];
  /** the block of the last allocation, outlined on the grid */
  lastAllocation: AllocationInfo | null;
  /** dmesg */
  log: string[];
  /** frames per state (FrameState index), refreshed once per frame after deltas */
  counts: number[];
  /** bumps when the machine changes: views that read the kernel (/proc, tooltip) refetch */
  opVersion: number;
  /** the grid's zoom: CSS pixels per frame, frames per drawn texel side (>1 in the overview) */
  view: { cellPx: number; framesPerTexel: number };
  /** every process the scenario session knows, alive or not */
  processes: ProcessView[];
  /** the process and the region the process grid shows */
  currentProc: string | null;
  currentRegion: string | null;
  mode: PageMode;
  pageHover: PageHoverState | null;
  /** the page last clicked (or moved to with the keyboard) in the process grid */
  pageSelection: number | null;
  /** bumps when the process grid got new page states */
  pagesVersion: number;
  /** scenario lines run so far on this machine (the UI's clicks too), newest last */
  history: RunResult[];
  /** processes killed (SIGSEGV, SIGBUS, OOM) and not yet dismissed */
  deaths: DeathInfo[];
  /** THP and the huge zero folio, refetched after every machine-changing operation */
  huge: HugeInfo | null;
  /** shapes over the grid colours (the header's switch; remembered in localStorage) */
  patterns: boolean;
  /** what the last "Run shrinker" press did */
  shrinkerResult: { freed: number; output: string } | null;
  /** where the timeline view is (TimelinePanel); null: live, the present */
  timelinePos: TimelinePos | null;
  /** the state shown is the middle of an operation (a replay stopped after a step) */
  timelinePartial: boolean;
  /** long work in progress (a run, a boot, a replay: the one progress bar); null when none is slow */
  work: WorkProgress | null;
  /**
   * the timeline as last fetched: the controller reads it after every operation and move (a seek asks
   * for it right behind the move); the strip, the explanation column and the header read it here
   */
  timeline: TimelineReply | null;
  /** why the last timeline read failed (the last one read stays shown), or null */
  timelineError: string | null;
  /** the frames the shown timeline operation names (a boot step's), outlined on the frame grid */
  stepMark: { from: number; to: number } | null;
  /**
   * An action refused because the view is in the past: the past banner offers "Continue from here"
   * or "Back to live" (and then does the action) instead of an error.
   */
  pastRefused: string | null;
  /** the tab each dock shows (panels.ts: a panel id) */
  docks: Record<string, string>;
  /** the workspace's resizable sizes in CSS pixels (Splitter) */
  sizes: { side: number; bottom: number; explain: number; timeline: number };
}

export const initialState: AppState = {
  draft: {
    arch: 'x86_64',
    granule: 4,
    vce: false,
    zeroPagePatch: 'after',
    ram: 1 * GiB,
    cpus: 2,
    thp: 'madvise',
    useZeroPage: true,
    hugeZero: 'dynamic',
    stepBoot: false,
    pageAllocUnmapped: false,
    unmappedZeroing: 'per_block',
  },
  machine: null,
  status: 'starting',
  error: null,
  hover: null,
  selection: null,
  selectedBlock: null,
  viewMode: 'machine',
  allocations: [],
  lastAllocation: null,
  log: [],
  counts: [],
  opVersion: 0,
  view: { cellPx: 1, framesPerTexel: 1 },
  processes: [],
  currentProc: null,
  currentRegion: null,
  mode: 'read',
  pageHover: null,
  pageSelection: null,
  pagesVersion: 0,
  history: [],
  deaths: [],
  huge: null,
  shrinkerResult: null,
  patterns: false,
  timelinePos: null,
  timelinePartial: false,
  work: null,
  timeline: null,
  timelineError: null,
  stepMark: null,
  pastRefused: null,
  docks: {},
  sizes: { side: 420, bottom: 180, explain: 300, timeline: 150 },
};

export type AppStore = ReturnType<typeof createAppStore>;

export function createAppStore() {
  return createStore<AppState>()(() => ({ ...initialState }));
}

/** React hook: read a slice of the store. */
export function useApp<T>(store: AppStore, selector: (s: AppState) => T): T {
  return useStore(store, selector);
}
