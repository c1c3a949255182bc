/**
 * The whole contract between the browser main thread and the worker that owns the emulated Machine.
 *
 * The worker keeps one scenario Session (src/core/scenario/run.ts) around its Machine. Every change
 * to the machine beyond booting is a `run` of scenario-language lines (docs/scenario-language.md):
 * the app's own alloc, free, drop_caches and blkdev_zeroout buttons send the statement's text
 * (MachineClient.statement, formatted from its declaration in src/core/scenario/statements.ts), so
 * one grammar checks them and the timeline journals them as text; the other commands only read.
 *
 * The main thread sends a Command; the worker answers every command with exactly one Reply carrying
 * the same `seq` (an `error` reply if the command failed; the worker never dies on bad input). Before
 * the reply it may post Notices, also tagged with the command's `seq`: the frames whose state changed
 * (`frameDelta`, bulk bytes in transferred ArrayBuffers) and new printk lines (`printk`).
 *
 * One worker hosts one machine. The Compare view starts two more workers, each with its own host
 * speaking this same protocol, and runs the same scenario lines on both.
 *
 * Messages are plain structured-clone data. Only types are imported from src/core, so this file
 * costs nothing at run time on the main thread (DESIGN.md: the UI talks to the core only through here).
 */
import type { CacheStats } from '../core/arch/mips/cache.ts';
import type { ArchName, MachineConfig } from '../core/config.ts';
import type { ArchInfo, MemblockInfo, PageInfo, ProcessInfo, WalkLevel } from '../core/inspect.ts';
import type {
  BlockInfo,
  FrameInspection,
  FreeListInfo,
  FreeListRef,
  PcpListInfo,
  RmapEntry,
  ZoneFreeLists,
} from '../core/inspect_frame.ts';
import type { KEvent } from '../core/trace.ts';
import type { SwapInfoDescription, SwapPteInfo, SwapSlotInfo } from '../core/inspect_swap.ts';
import type { StatementResult } from '../core/scenario/statements.ts';

// --- shared payload shapes ---------------------------------------------------------------------------

/** One boot step as the UI shows it (src/core/boot.ts BootStep without its `run`). */
export interface BootStepInfo {
  phase: string;
  /** kernel function, e.g. `memblock_free_all` */
  fn: string;
  /** kernel source file, e.g. `mm/memblock.c` */
  file: string;
  /** one sentence: what the kernel would break without this step */
  why: string;
  /**
   * The emulator's commentary printed while the step ran (Machine.notes: where the zero pages went,
   * what virt_to_page() would have given...). Empty for steps that said nothing or have not run.
   */
  notes: string[];
}

/**
 * A place in the timeline (src/worker/timeline.ts): operation `op` of the operation log (every
 * machine-changing command: a boot step or a `run`; the app's own alloc, free, drop_caches... are
 * `run`s of scenario lines too), at `step`, an index
 * into that operation's steps. The state shown is the one right after that step; `step` equal to the
 * number of steps means after the whole operation. The UI keeps `null` for "live": the present.
 */
export interface TimelinePos {
  op: number;
  step: number;
}

/** One operation of the timeline's log, as listed. */
export interface TimelineOpInfo {
  kind: 'boot' | 'run';
  /** what was done, e.g. `boot: setup_arch` or `A write r1 0 1` */
  label: string;
  /** how many steps (calls and state changes) it has */
  steps: number;
  /** more steps happened than the timeline keeps (MAX_OP_STEPS): the list ends early */
  truncated: boolean;
}

/**
 * One kernel step of an operation: a `call` (the emulated kernel entered `fn`; nothing changed yet)
 * or an `event` (a state change `fn` made, from the core's trace events). `depth` is the call depth
 * (the outermost function is 0), so the steps form a tree in pre-order.
 */
export interface TimelineStep {
  kind: 'call' | 'event';
  fn: string;
  depth: number;
  /** kernel source file (Linux 6.18) when known */
  file: string | null;
  /** that file on elixir.bootlin.com (v6.18), null when the file is not known */
  url: string | null;
  /** a sentence or two of why (calls; src/core/kernel_fns.ts), null when not in the table */
  why: string | null;
  /** what the step changed, one line (empty for calls) */
  summary: string;
  /** more detail: the entry's decoded bits, before/after values */
  detail: string[];
  /**
   * The frames the step names (worker/timeline_frames.ts), the main one first: a move onto the step
   * selects it in every view. Absent when it names none.
   */
  frames?: StepFrame[];
}

/** A frame a timeline step names, and what the step did to it (`allocated`, `mapped by the entry`...). */
export interface StepFrame {
  pfn: number;
  role: string;
}

/** The most steps the timeline keeps per operation (a whole boot phase can make many more). */
export const MAX_OP_STEPS = 5000;

/** A zone's pfn span, for labelling the grid (empty zones are left out). */
export interface ZoneSpan {
  name: string;
  startPfn: number;
  /** exclusive */
  endPfn: number;
}

/** What the UI needs to know about the machine the worker hosts. */
export interface MachineInfo {
  /** Increments with every successful `init`; notices from an older machine are stale. */
  generation: number;
  config: MachineConfig;
  /** Number of pfns with a struct page: the frame grid has one cell per pfn. */
  nrPages: number;
  /** log2 of the page size (12 for 4 KiB) */
  pageShift: number;
  /** MAX_PAGE_ORDER: the largest buddy block is 2^maxOrder pages */
  maxOrder: number;
  /** pageblock_order: migratetypes are tracked per 2^pageblockOrder pages */
  pageblockOrder: number;
  steps: BootStepInfo[];
  /** index of the next boot step to run (= steps.length when booted) */
  bootIndex: number;
  booted: boolean;
  /** zone spans; empty until free_area_init has run */
  zones: ZoneSpan[];
  /** zero_page_pfn, or null while it is still 0 (before init_zero_page_pfn / init_zero_pfn) */
  zeroPagePfn: number | null;
  /**
   * The architecture as the page presents it (src/core/inspect.ts describeArch): label, page size,
   * page-table levels and their VA bits, the zero pages and the zero-page variables, the ZERO_PAGE()
   * call counter, and where the emulator simplifies. Sent with every reply, so the counter stays current.
   */
  arch: ArchInfo;
  /** MIPS: the toy VIPT data cache's counters and its description; null on other arches */
  cache: CacheInfo | null;
  /**
   * Whether `bootBack` can go back: at least one boot step ran and nothing but boot steps (and
   * read-only scenario lines such as `show`) ran on this machine, so replaying the boot steps
   * rebuilds it exactly; and the timeline view is live (not after a `seek` into the past).
   */
  canStepBack: boolean;
}

/** The MIPS machine's VIPT data cache (src/core/arch/mips/cache.ts): aliases and coherency exceptions. */
export interface CacheInfo {
  stats: CacheStats;
  /** ViptCache.describe(): geometry and counters, two lines */
  text: string;
}

/** A kernel allocation made by name through `alloc` (the scenario language's `alloc k1 order=3`). */
export interface AllocationInfo {
  name: string;
  pfn: number;
  order: number;
  /** the GFP mask as the kernel prints it (%pGg), e.g. `GFP_KERNEL|__GFP_ZERO` */
  gfp: string;
  cpu: number;
}

/** A region a process mapped by name (`A mmap r1 64M rw`): the scenario language addresses it by name. */
export interface RegionInfo {
  name: string;
  /** first virtual address */
  start: number;
  /** bytes, a whole number of pages */
  len: number;
}

/**
 * A process as the UI shows it: src/core/inspect.ts ProcessInfo (pid, VMAs, RSS, VmPTE, minflt) plus
 * the name the scenario gave it and its named regions. Processes that exited or were killed stay in
 * the list (state is then not 'R' and `exit` says why), as zombies do until reaped.
 */
export interface ProcessView extends ProcessInfo {
  /** the scenario's name for the process (`A`); also its comm */
  name: string;
  regions: RegionInfo[];
}

/** A scenario line that could not run: 1-based line and column in the `run` text, and why. */
export interface RunErrorInfo {
  line: number;
  col: number;
  message: string;
}

/** A process that stopped during a `run`: killed (SIGSEGV, SIGBUS, the OOM killer) or exited. */
export interface DeathInfo {
  name: string;
  pid: number;
  /** as the kernel would say it: `killed by SIGSEGV (SEGV_ACCERR) at 0x7fffefe00000`, `exited` */
  reason: string;
  /** true unless the process exited by itself */
  killed: boolean;
}

export type { ArchInfo, ArchName, CacheStats, MachineConfig, MemblockInfo, PageInfo, ProcessInfo, WalkLevel };
export type { BlockInfo, FreeListInfo, FreeListRef, PcpListInfo, RmapEntry, ZoneFreeLists };
export type { SwapInfoDescription, SwapPteInfo, SwapSlotInfo };
export type {
  SwapDeviceInfo,
  ZonePressure,
  KswapdState,
  LruListEnds,
  LruFolio,
} from '../core/inspect_swap.ts';

/**
 * The page-state byte `processPages` uses for a page mapped through a PMD that points at the huge
 * zero folio. The core's VPageState (src/core/shared/page_state.ts) has one `Huge` state (5) for
 * every PMD mapping; the host splits it: a THP stays `Huge`, the huge zero folio becomes this.
 */
export const VPAGE_HUGE_ZERO = 7;

/** A folio of PMD size (2^pmdOrder frames) the frame grid draws as one block. */
export interface HugeFolioInfo {
  /** head pfn; the folio is [pfn, pfn + nr) */
  pfn: number;
  nr: number;
  kind: 'thp' | 'huge-zero';
}

/**
 * Transparent huge pages on the hosted machine: the config, the huge zero folio and its refcount,
 * which mms hold it, and the PMD-sized folios in use.
 */
export interface HugeInfo {
  /** the arch models THP (x86-64 and arm64 here) */
  supported: boolean;
  thp: MachineConfig['thp'];
  useZeroPage: boolean;
  kind: MachineConfig['hugeZero'];
  /** HPAGE_PMD_SIZE in bytes (2 MiB on 4K pages, 32 MiB on arm64 16K, 512 MiB on arm64 64K) */
  hpageBytes: number;
  /** HPAGE_PMD_NR: frames per PMD-sized folio */
  hpageNr: number;
  /** the huge zero folio's head pfn, or null when not allocated (huge_zero_pfn = ~0UL) */
  pfn: number | null;
  /** huge_zero_refcount (dynamic: one per mm holding it + one for the shrinker) */
  refcount: number;
  /** processes whose mm has MMF_HUGE_ZERO_FOLIO set */
  holders: { name: string; pid: number }[];
  /** THP folios (PMD-sized, anonymous) in use, lowest pfn first, at most MAX_HUGE_FOLIOS */
  folios: HugeFolioInfo[];
  /** THP folios in all (folios may be cut short) */
  thpCount: number;
  /** largest_zero_folio(): what block-layer zeroing uses as its buffer */
  largestZero: { pfn: number; bytes: number };
}

/** The most THP folios one `hugeInfo` reply lists. */
export const MAX_HUGE_FOLIOS = 256;

/** One bio __blkdev_issue_zero_pages() built (src/core/block/blk-lib.ts Bio). */
/** One bio of a blkdev_zeroout (its run reply's `result`). */
export type { BioInfo, StatementResult } from '../core/scenario/statements.ts';

/** What a `blkdev_zeroout` run reports (RanReply.result): the zero buffer, the bios and bvecs. */
export type ZerooutResult = Extract<StatementResult, { statement: 'blkdev_zeroout' }>;

/**
 * Direct-map coverage of one pageblock (x86-64), one byte per pageblock in `UnmappedInfo.directMap`:
 * what the kernel's direct map has for the block's frames.
 */
export const DM_NONE = 0;
/** present, mapped by a 2 MiB or 1 GiB leaf */
export const DM_PRESENT = 1;
/** not present: taken out of the direct map (a __GFP_UNMAPPED pageblock) */
export const DM_ABSENT = 2;
/** present, but split into 4 KiB PTEs (CPA split a larger leaf around it) */
export const DM_SPLIT = 3;
/** split into 4 KiB PTEs, some present and some not */
export const DM_PARTIAL = 4;
export const DM_STATE_NAMES = [
  'no entry',
  'present',
  'absent',
  'present, split into 4K',
  'partly absent (4K)',
];

/** `UnmappedInfo.freetypes` byte of a pageblock with no RAM behind it (a hole in the physical map) */
export const FREETYPE_HOLE = 255;

/** One TLB entry as the per-CPU TLB view shows it (the `show tlb` line as data). */
export interface TlbEntryView {
  /** virtual address of the page, hex */
  va: string;
  size: '4K' | '2M' | '1G';
  pfn: number;
  writable: boolean;
  /** _PAGE_GLOBAL: survives address-space switches (only a full flush drops it) */
  global: boolean;
  /** the PCID it is tagged with (0 with pcid=no; meaningless for global entries) */
  pcid: number;
  /** where the address lies: a user page, the direct map, or a CPU's mermap slice */
  kind: 'user' | 'direct map' | 'mermap';
}

/** One CPU: IRQ state, the loaded mm and PCID, the six ASID slots, its TLB. */
export interface CpuView {
  cpu: number;
  irqsOn: boolean;
  /** the process whose mm is loaded (CR3), null for init_mm */
  mm: string | null;
  /** the PCID of the loaded address space (ASID slot + 1; 0 with pcid=no) */
  pcid: number;
  /** the process owning each dynamic ASID slot (pcid = index + 1), null when free or unknown */
  asids: (string | null)[];
  /** entries in slot order, the empty slots left out */
  entries: TlbEntryView[];
  tlbSize: number;
}

/** One CPU's slice of one mm's mermap (src/core/mm/mermap.ts MermapCpu). */
export interface MermapCpuView {
  cpu: number;
  /** the slice's first virtual address, hex */
  base: string;
  /** pfn of the slice's PTE table, in the mm's page tables in emulated RAM (the mm-local region) */
  ptePfn: number;
  /** next_addr as a page offset in the slice */
  next: number;
  /** pages mermap_get may hand out: the last page is headroom only mermap_get_reserved may use */
  limit: number;
  /** the 4 tracking slots */
  slots: { inUse: boolean; base: number; end: number; holder: string }[];
  /** a mermap_get_reserved() mapping holds the headroom page now */
  headroomInUse: boolean;
  /** put() left translations: the next reuse of the space needs a local flush */
  needFlush: boolean;
  gets: number;
  getFailures: number;
  reservedGets: number;
  /** reserved gets that found all 4 slots held (v2 oopses then) */
  reservedFailures: number;
  localFlushes: number;
}

/** One block of a kernel_init_pages() call and the path it took. */
export interface ZeroBlockView {
  pfn: number;
  /** pages passed on: the block's count, or (as posted) the remaining count */
  nrPages: number;
  unmapped: boolean;
  /** direct map; mermap fast path (one mermap_get for the run); slow path (page by page, IRQs off) */
  path: 'direct_map' | 'fast' | 'slow';
  /** the mermap slot the fast path took, -1 otherwise */
  slot: number;
}

/** One page cleared, in order: the steps the zeroing view plays back. */
export interface ZeroStepView {
  pfn: number;
  block: number;
  via: 'direct_map' | 'fast' | 'slow';
}

/** The last kernel_init_pages() call on a page_alloc_unmapped machine, from the core's trace events. */
export interface ZeroingRun {
  /** increments with each call recorded on this machine: a view replays a run once */
  id: number;
  /** the scenario line or command that caused it */
  label: string;
  cpu: number;
  mode: 'as_posted' | 'per_block';
  blocks: ZeroBlockView[];
  steps: ZeroStepView[];
  /** steps beyond MAX_ZERO_STEPS were counted but not listed */
  totalSteps: number;
}

/** The most steps one ZeroingRun lists (an as-posted order-10 allocation clears 1536 pages). */
export const MAX_ZERO_STEPS = 8192;

/**
 * CONFIG_PAGE_ALLOC_UNMAPPED on the hosted machine: pageblock freetypes, direct-map coverage per
 * pageblock (both transferred buffers, one byte per pageblock), per-CPU TLBs and mermap slices, the
 * counters and the last zeroing run.
 */
export interface UnmappedInfo {
  /** page_alloc_unmapped=yes */
  enabled: boolean;
  /** the direct map is built in page tables (x86-64 only) */
  directMapModelled: boolean;
  booted: boolean;
  zeroing: 'as_posted' | 'per_block';
  pcid: boolean;
  /** pages per pageblock */
  pageblockPages: number;
  /** freetype index per pageblock: the migratetype, FREETYPE_IDX_UNMAPPED (5), or FREETYPE_HOLE */
  freetypes: ArrayBuffer;
  /** DM_* per pageblock */
  directMap: ArrayBuffer;
  /** the CPU the next scenario line runs on (`cpu <n>`) */
  curCpu: number;
  cpus: CpuView[];
  /** each prepared mm's mermap, per CPU */
  mermaps: { mm: string; cpus: MermapCpuView[] }[];
  counters: {
    unmappedBlocks: number;
    flipsOut: number;
    flipsIn: number;
    mermapPagesCleared: number;
    fastRuns: number;
    fastPages: number;
    slowPages: number;
    shootdowns: number;
    localFlushes: number;
  };
  lastZeroing: ZeroingRun | null;
}

// --- commands: main thread → worker ------------------------------------------------------------------

/**
 * Create a machine from `config` (unspecified keys take DEFAULT_CONFIG) and, if `boot`, run every
 * boot step. An impossible config (ConfigError) is an `error` reply and the previous machine stays.
 * The boot runs in slices (a 16 GiB machine takes a while): `bootProgress` after each, and a `cancel`
 * between them drops the new machine (an `error` reply; the previous machine stays).
 * Reply: `ready`. Notices: `bootProgress`, then a `frameDelta` covering every frame.
 */
export interface InitCommand {
  type: 'init';
  seq: number;
  config: Partial<MachineConfig>;
  boot: boolean;
}

/** Run the next boot step (Machine.bootStep). Reply: `bootStepped`. Notices: `frameDelta`, `printk`. */
export interface BootStepCommand {
  type: 'bootStep';
  seq: number;
}

/**
 * Step over a phase: run boot steps up to the first step of the next phase (or to the end of boot).
 * Reply: `bootRan`. Notices: `frameDelta` (every frame), `printk`.
 */
export interface BootRunPhaseCommand {
  type: 'bootRunPhase';
  seq: number;
}

/**
 * Go back one boot step. The core is deterministic, so the host builds a new machine from the same
 * config and replays bootIndex - 1 steps; it keeps the generation (it is the same machine, rewound),
 * so the grid keeps its view. Refused (an `error`, the machine unchanged) before any step ran or when
 * anything but boot steps ran on the machine (MachineInfo.canStepBack). Reply: `bootedBack`.
 * Notices: `bootProgress` after each replayed step, then a `frameDelta` covering every frame; no
 * `printk` (the reply carries the whole, shorter, log).
 */
export interface BootBackCommand {
  type: 'bootBack';
  seq: number;
}

/**
 * The operation log (TimelineOpInfo for every operation), where the view is, and the steps of
 * operation `op`: null means the one the view is at (the last one when live); out of range, none.
 * Read-only. Reply: `timeline`.
 */
export interface TimelineCommand {
  type: 'timeline';
  seq: number;
  op: number | null;
  /**
   * Ids of operations whose steps the client holds already (TimelineReply.opId): when the operation
   * asked for is one of them, the reply leaves its steps out (`stepsHeld`), so moving within an
   * operation of thousands of steps does not send them again.
   */
  have?: number[];
}

/**
 * Show the machine at a position of the timeline, or live (`pos` null). The host rebuilds the state
 * by replaying the operation log (the core is deterministic) from its nearest checkpoint, stopping
 * inside operation `pos.op` right after step `pos.step`. The live machine is kept: seeking back to
 * null returns to it exactly. While the view is in the past, machine-changing commands are refused
 * (an `error` saying so) until the UI seeks to live or sends `truncate`.
 * Reply: `sought`. Notices: `replayProgress` during a long replay, a `frameDelta` covering every frame.
 */
export interface SeekCommand {
  type: 'seek';
  seq: number;
  pos: TimelinePos | null;
}

/**
 * Continue from the position the view is at: the operations after it are dropped (the learner asked
 * for that: the UI says how many go) and the machine at that position becomes the live one. A position
 * inside an operation first completes that operation. Reply: `sought` (pos null).
 */
export interface TruncateCommand {
  type: 'truncate';
  seq: number;
}

/** describeArch() of the hosted machine, and its cache on MIPS. Reply: `archInfo`. */
export interface ArchInfoCommand {
  type: 'archInfo';
  seq: number;
}

/**
 * memblock's memory and reserved regions and who reserved what (describeMemblock), for the memblock
 * view; valid at every boot step. Reply: `memblock`.
 */
export interface MemblockCommand {
  type: 'memblock';
  seq: number;
}

/** Read a /proc file (/proc/buddyinfo, pagetypeinfo, zoneinfo, meminfo, vmstat). Reply: `proc`. */
export interface ReadProcCommand {
  type: 'readProc';
  seq: number;
  path: string;
}

/** struct page fields of one pfn, for the tooltip and the inspector. Reply: `pageInfo`. */
export interface DescribePfnCommand {
  type: 'describePfn';
  seq: number;
  pfn: number;
}

/** Frame-state bytes of pfns [from, to), one byte per pfn (src/core/shared/frame_state.ts). Reply: `frames`. */
export interface FramesCommand {
  type: 'frames';
  seq: number;
  from: number;
  to: number;
}

/** A kernel variable a debugger could print (`zero_page_pfn`, `__zero_page`, ...). Reply: `var`. */
export interface PrintVarCommand {
  type: 'printVar';
  seq: number;
  name: string;
}

/**
 * The value an `expect` would compare (docs/scenario-language.md "What `expect` can look at"):
 * `/proc/A/status:VmRSS`, `/proc/vmstat:pgfault`, `huge_zero_refcount`, `blkdev_bvecs`... Read
 * only; lessons read their reveals with it. Reply: `measured`.
 */
export interface ValueCommand {
  type: 'value';
  seq: number;
  what: string;
}

/**
 * Run scenario-language statements (docs/scenario-language.md), one per line, on the hosted
 * machine: `spawn A`, `A mmap r1 64M rw [shared] [populate]`, `A read r1 0 64M 4K`,
 * `A write r1 0x5000 1 1 1`, `A fork B`, `A exit`, `show /proc/A/status`, `alloc`, `expect`, ...
 * Lines run in order and stop at the first one that fails; the lines before it keep their effect and
 * the machine stays (a bad line never loses it). `machine` is refused (the machine exists: use init).
 * Long runs work in slices of RUN_SLICE_MS (a read/write of many pages is split into pieces) with a
 * `runProgress` notice after each, and stop at a `cancel` (the reply then has `cancelled`).
 * Reply: `ran` (also when a line failed: see its `errors`). Notices: `runProgress`, `frameDelta`,
 * `printk`.
 */
export interface RunCommand {
  type: 'run';
  seq: number;
  lines: string;
}

/** Every process the scenario created, alive or not. Reply: `processes`. */
export interface ProcessesCommand {
  type: 'processes';
  seq: number;
}

/**
 * The state of each virtual page of a process's named region (shared/page_state.ts VPageState) and
 * the pfn each mapped page points at. `firstPage` and `count` choose a window of the region (default:
 * all of it, at most MAX_REGION_PAGES pages). Reply: `processPages`.
 */
export interface ProcessPagesCommand {
  type: 'processPages';
  seq: number;
  /** the process's scenario name */
  name: string;
  region: string;
  firstPage?: number;
  count?: number;
  /**
   * The `version` of this window the client holds from an earlier reply: the reply may then carry
   * only the pages that changed since (`delta`). Omit it to get the whole window.
   */
  have?: number;
}

/** The page-table walk for one virtual address of a process (describeWalk). Reply: `walk`. */
export interface WalkCommand {
  type: 'walk';
  seq: number;
  name: string;
  va: number;
}

/** THP and the huge zero folio (HugeInfo). Reply: `hugeInfo`. */
export interface HugeInfoCommand {
  type: 'hugeInfo';
  seq: number;
}

/** CONFIG_PAGE_ALLOC_UNMAPPED's state (UnmappedInfo; buffers transferred). Reply: `unmappedInfo`. */
export interface UnmappedInfoCommand {
  type: 'unmappedInfo';
  seq: number;
}

/**
 * Stop the long command now running (a `run` or a booting `init`). The host runs those in pieces
 * and looks at its messages between pieces, so this is answered at once, out of turn: the `cancel`
 * reply says whether something was running. The cancelled `run` then replies `ran` with `cancelled`
 * set (the machine as after the last completed line or piece); a cancelled `init` replies with an
 * `error` and the previous machine stays. A big read/write is split into pieces, and a populate or
 * pagemap of many pages runs in slices of its own (Session.begin): Cancel stops them in the middle;
 * other statements run to their end before the cancel is seen.
 */
export interface CancelCommand {
  type: 'cancel';
  seq: number;
}

/**
 * Everything the frame inspector shows about one pfn (src/core/inspect_frame.ts inspectFrame):
 * struct page, /proc/kpageflags decoded, kpagecount, who maps it, its buddy block or folio and
 * free list, pageblock and zone, and the frame's bytes. Reply: `frameInspection`.
 */
export interface InspectFrameCommand {
  type: 'inspectFrame';
  seq: number;
  pfn: number;
}

/**
 * The swap devices (slots run-length encoded, the zeromap as runs of set bits), the swap cache, the
 * swap counters and each zone's free pages against its watermarks with its LRU sizes
 * (src/core/inspect_swap.ts describeSwap). Reply: `swapInfo`.
 */
export interface SwapInfoCommand {
  type: 'swapInfo';
  seq: number;
}

/**
 * One swap slot in detail: its swap_map byte, zeromap bit, swap-cache folio and the swap PTEs that
 * hold its entry (found by walking every page table: one slot at a time). Reply: `swapSlot`.
 */
export interface SwapSlotCommand {
  type: 'swapSlot';
  seq: number;
  /** the device's swap type */
  swapType: number;
  offset: number;
}

/**
 * Every populated zone's buddy free lists (per order and freetype, with counts and the first blocks)
 * and per-CPU lists (describeFreeLists). Reply: `freeLists`.
 */
export interface FreeListsCommand {
  type: 'freeLists';
  seq: number;
}

/**
 * What rebuilds this machine: its config, whether `init` booted it, and the scenario text of every
 * command that changed or read it since (the journal; share links carry it). Reply: `journal`.
 */
export interface JournalCommand {
  type: 'journal';
  seq: number;
}

/**
 * The config a scenario `machine` line asks for (the editor reboots with it, since `run` refuses
 * `machine`). `line` is the line's text; the reply's error, if any, is in its columns. Reply:
 * `machineConfig`.
 */
export interface MachineConfigCommand {
  type: 'machineConfig';
  seq: number;
  line: string;
}

/** The trace events the host kept (a ring of TRACE_RING_CAPACITY, newest last). Reply: `trace`. */
export interface TraceCommand {
  type: 'trace';
  seq: number;
}

/**
 * The emulator's own memory use (issue #13): the RAM chunks the live machine holds, what the
 * timeline's past holds apart from it, the per-frame metadata, and the budget a statement may not
 * push the total over (DEFAULT_MEMORY_BUDGET, 2 GiB). `budget` (bytes, MIN_MEMORY_BUDGET or more)
 * sets the budget first: the app's memory meter keeps the learner's choice. A scenario cannot raise
 * it, so a share link cannot. Changes nothing on the machine. Reply: `memory`.
 */
export interface MemoryCommand {
  type: 'memory';
  seq: number;
  budget?: number;
}

/** The smallest memory budget the host accepts (the default machine with its past fits in it). */
export const MIN_MEMORY_BUDGET = 16 * 2 ** 20;

export type Command =
  | MemoryCommand
  | InitCommand
  | BootStepCommand
  | BootRunPhaseCommand
  | BootBackCommand
  | ArchInfoCommand
  | MemblockCommand
  | ReadProcCommand
  | DescribePfnCommand
  | FramesCommand
  | PrintVarCommand
  | RunCommand
  | ProcessesCommand
  | ProcessPagesCommand
  | WalkCommand
  | HugeInfoCommand
  | ValueCommand
  | UnmappedInfoCommand
  | InspectFrameCommand
  | FreeListsCommand
  | SwapInfoCommand
  | SwapSlotCommand
  | TimelineCommand
  | SeekCommand
  | TruncateCommand
  | CancelCommand
  | JournalCommand
  | MachineConfigCommand
  | TraceCommand;

/** The most pages one `processPages` reply carries (4 GiB of 4 KiB pages). */
export const MAX_REGION_PAGES = 1 << 20;

export type CommandType = Command['type'];

// --- replies: worker → main thread, one per command ----------------------------------------------------

/** `init` succeeded: the new machine, and its whole printk log so far. */
export interface ReadyReply {
  type: 'ready';
  seq: number;
  info: MachineInfo;
  log: string[];
}

/** `bootStep` ran `step` (null if boot was already complete); `info` is the machine after it. */
export interface BootSteppedReply {
  type: 'bootStepped';
  seq: number;
  step: BootStepInfo | null;
  info: MachineInfo;
}

/** `bootRunPhase` ran `steps` (empty if boot was already complete); `info` is the machine after them. */
export interface BootRanReply {
  type: 'bootRan';
  seq: number;
  steps: BootStepInfo[];
  info: MachineInfo;
}

/**
 * `bootBack` rewound the machine by one step: `undone` is the step that is next again; `info` the
 * machine after the replay and `log` its whole printk log (shorter than before: replace, not append).
 */
export interface BootedBackReply {
  type: 'bootedBack';
  seq: number;
  undone: BootStepInfo;
  info: MachineInfo;
  log: string[];
}

/** The hosted machine's architecture (describeArch) and, on MIPS, its data cache. */
export interface ArchInfoReply {
  type: 'archInfo';
  seq: number;
  info: ArchInfo;
  cache: CacheInfo | null;
}

/** memblock's regions now (describeMemblock); `bootIndex` says which boot step they belong to. */
export interface MemblockReply {
  type: 'memblock';
  seq: number;
  generation: number;
  bootIndex: number;
  info: MemblockInfo;
}

/** The text of a /proc file, exactly as the kernel formats it. */
export interface ProcReply {
  type: 'proc';
  seq: number;
  path: string;
  text: string;
}

/** struct page of one pfn (src/core/inspect.ts PageInfo). */
export interface PageInfoReply {
  type: 'pageInfo';
  seq: number;
  info: PageInfo;
}

/** Frame-state bytes of [from, to): `states` is a transferred ArrayBuffer of to - from bytes. */
export interface FramesReply {
  type: 'frames';
  seq: number;
  generation: number;
  from: number;
  to: number;
  states: ArrayBuffer;
}

/** A kernel variable's value, in hex (`0x3b34`). */
export interface VarReply {
  type: 'var';
  seq: number;
  name: string;
  value: string;
}

/** What `value` read: a number, or text for `dmesg`. */
export interface MeasuredReply {
  type: 'measured';
  seq: number;
  what: string;
  value: number | string;
}

/** The command failed; `message` is for the learner (the kernel's or the config checker's words). */
export interface ErrorReply {
  type: 'error';
  seq: number;
  /** the command that failed, or 'unknown' if the message was not a command at all */
  command: CommandType | 'unknown';
  message: string;
}

/**
 * What a `run` did. `output` is everything the statements printed, as the CLI would print it (kernel
 * log lines, `show` files, deaths, FAIL lines); `errors` holds the line that stopped the run, if any;
 * `failures` the `expect`s that did not hold. `executed` counts the statements that ran to the end.
 * The rest is the machine after the run, so the UI needs no second round trip.
 */
export interface RanReply {
  type: 'ran';
  seq: number;
  output: string;
  errors: RunErrorInfo[];
  failures: string[];
  executed: number;
  /**
   * The learner cancelled the run: the machine is as after the last completed line (or the last
   * completed piece of a split read/write; `output` says which). Absent when the run was not cancelled.
   */
  cancelled?: boolean;
  /** processes that stopped during this run */
  deaths: DeathInfo[];
  info: MachineInfo;
  processes: ProcessView[];
  allocations: AllocationInfo[];
  /**
   * The structured result of the last statement that has one (statements.ts StatementResult:
   * drop_caches' pages freed, the bios blkdev_zeroout built), for the panel that sent it.
   */
  result?: StatementResult;
}

/** Every process the session knows. */
export interface ProcessesReply {
  type: 'processes';
  seq: number;
  processes: ProcessView[];
}

/**
 * Pages [firstPage, firstPage + count) of a region. `states` holds one VPageState byte per page and
 * `pfns` one Float64 per page (the pfn the PTE points at, or -1 with no PTE); both are transferred
 * ArrayBuffers. `start` is the virtual address of page `firstPage`.
 *
 * With `delta` set, the reply is the change from version `delta.base` (the command's `have`) to
 * `version`: `delta.pages` (Uint32, window-relative page numbers) lists the pages that differ, and
 * `states`/`pfns` hold one entry per listed page. MachineClient.processPages applies it, so its callers
 * always see the whole window.
 */
export interface ProcessPagesReply {
  type: 'processPages';
  seq: number;
  generation: number;
  name: string;
  pid: number;
  region: string;
  /** the region's first address and its size in pages */
  regionStart: number;
  regionPages: number;
  firstPage: number;
  count: number;
  start: number;
  pageShift: number;
  states: ArrayBuffer;
  pfns: ArrayBuffer;
  /** this window's version: send it back as `have` to get only what changes next */
  version: number;
  delta: { base: number; pages: ArrayBuffer } | null;
}

/**
 * The page-table walk for `va`, top level first; it stops at the first entry that is not present,
 * or at a huge leaf (a PMD mapping).
 */
export interface WalkReply {
  type: 'walk';
  seq: number;
  name: string;
  va: number;
  levels: WalkLevel[];
  /**
   * When the walk ends at a huge PMD leaf: what it maps (the head pfn of a THP or of the huge zero
   * folio) and the PTE table deposited under it for a later split (pgtable_trans_huge_deposit), or
   * null when none is deposited.
   */
  huge: { kind: 'thp' | 'huge-zero'; headPfn: number; depositedPfn: number | null } | null;
  /** When the PTE holds a swap entry: its type, offset, zeromap bit and swap-cache folio; else null. */
  swap: SwapPteInfo | null;
}

/** THP and the huge zero folio now. */
export interface HugeInfoReply {
  type: 'hugeInfo';
  seq: number;
  info: HugeInfo;
}

export interface UnmappedInfoReply {
  type: 'unmappedInfo';
  seq: number;
  info: UnmappedInfo;
}

/**
 * One frame inspected. `bytes` is the frame's contents from emulated RAM (`pageSize` bytes), a
 * transferred ArrayBuffer; the rest is plain data (src/core/inspect_frame.ts FrameInspection).
 */
export interface FrameInspectionReply extends Omit<FrameInspection, 'bytes'> {
  type: 'frameInspection';
  seq: number;
  generation: number;
  pfn: number;
  bytes: ArrayBuffer;
}

/**
 * Swap and memory pressure now (src/core/inspect_swap.ts SwapInfoDescription). The devices' run
 * arrays are transferred.
 */
export interface SwapInfoReply {
  type: 'swapInfo';
  seq: number;
  generation: number;
  info: SwapInfoDescription;
}

/** One swap slot (src/core/inspect_swap.ts SwapSlotInfo). */
export interface SwapSlotReply {
  type: 'swapSlot';
  seq: number;
  slot: SwapSlotInfo;
}

/** The free lists of every populated zone. */
export interface FreeListsReply {
  type: 'freeLists';
  seq: number;
  generation: number;
  zones: ZoneFreeLists[];
}

/** The timeline: the operations, where the view is (null: live), and the steps of operation `op`. */
export interface TimelineReply {
  type: 'timeline';
  seq: number;
  ops: TimelineOpInfo[];
  pos: TimelinePos | null;
  op: number | null;
  /** the operation's id, unique for the worker's life (a truncated and redone operation gets a new one) */
  opId: number | null;
  /** the steps of `op`; empty with `stepsHeld` when the command said it holds them (`have`) */
  steps: TimelineStep[];
  /** the steps were left out: the client's copy for `opId` is current */
  stepsHeld?: boolean;
  /**
   * Memory the timeline keeps for going back: checkpoints held, the bytes they hold apart from the
   * live machine (RAM chunks it has since overwritten or freed, copied metadata), and the bound.
   */
  past: { checkpoints: number; bytes: number; budget: number };
}

/**
 * The view moved (`seek`, `truncate`): the machine as it is at `pos` (null: live), its whole printk log
 * (replace, not append), processes and allocations. `partial`: the state is the middle of an operation
 * (display only; the emulator discards it on the next move).
 */
export interface SoughtReply {
  type: 'sought';
  seq: number;
  pos: TimelinePos | null;
  partial: boolean;
  info: MachineInfo;
  log: string[];
  processes: ProcessView[];
  allocations: AllocationInfo[];
}

/** `cancel` was seen: `running` says whether a long command was running (it now stops). */
export interface CancelReply {
  type: 'cancel';
  seq: number;
  running: boolean;
}

/**
 * The journal: `config` and `bootAtInit` rebuild the machine with `init`; running `entries` in order
 * (each the text of one command: the lines that ran, boot steps as `step`, alloc/free/drop_caches as
 * their scenario lines) brings it to where it is now.
 */
export interface JournalReply {
  type: 'journal';
  seq: number;
  config: MachineConfig;
  bootAtInit: boolean;
  entries: string[];
}

/** A `machine` line's config (completed with defaults), or where and why the line is wrong. */
export interface MachineConfigReply {
  type: 'machineConfig';
  seq: number;
  config: MachineConfig | null;
  error: RunErrorInfo | null;
}

/** A kernel event as the core emitted it (src/core/trace.ts KEvent: type, fields, path, seq). */
export type TraceEventInfo = KEvent;

/** The kept trace events, oldest first; `dropped` older ones were overwritten (the ring is full). */
export interface TraceReply {
  type: 'trace';
  seq: number;
  events: TraceEventInfo[];
  capacity: number;
  dropped: number;
}

/** What the emulator holds in host memory, in bytes (MemoryCommand). */
export interface MemoryUse {
  /** RAM chunks the live machine holds: the emulated RAM that was written (chunks of `chunkSize`) */
  ram: number;
  ramChunks: number;
  chunkSize: number;
  /** the live machine's RAM size (what `ram` could grow to) */
  ramSize: number;
  /** what the timeline's checkpoints hold apart from the live machine (bounded by `pastBudget`) */
  past: number;
  checkpoints: number;
  pastBudget: number;
  /** struct page arrays, pageblock bits and the RAM's chunk table: fixed by the RAM size */
  metadata: number;
  /** a machine the view replays in the past (a timeline seek), apart from the live one: its RAM and metadata */
  view: number;
  total: number;
  budget: number;
  /** chunks given back since boot because they became all zeros again (init_on_free, say) */
  zeroedChunks: number;
  /** written chunks that hold no buffer of their own: they share an equal chunk's (PhysicalRam.compact) */
  dedupedChunks: number;
}

export interface MemoryReply {
  type: 'memory';
  seq: number;
  use: MemoryUse;
}

export type Reply =
  | MemoryReply
  | ReadyReply
  | BootSteppedReply
  | BootRanReply
  | BootedBackReply
  | ArchInfoReply
  | MemblockReply
  | ProcReply
  | PageInfoReply
  | FramesReply
  | VarReply
  | RanReply
  | ProcessesReply
  | ProcessPagesReply
  | WalkReply
  | HugeInfoReply
  | MeasuredReply
  | UnmappedInfoReply
  | FrameInspectionReply
  | FreeListsReply
  | SwapInfoReply
  | SwapSlotReply
  | TimelineReply
  | SoughtReply
  | CancelReply
  | JournalReply
  | MachineConfigReply
  | TraceReply
  | ErrorReply;

/** The successful reply each command gets. */
export interface ReplyTo {
  init: ReadyReply;
  bootStep: BootSteppedReply;
  bootRunPhase: BootRanReply;
  bootBack: BootedBackReply;
  archInfo: ArchInfoReply;
  memblock: MemblockReply;
  readProc: ProcReply;
  describePfn: PageInfoReply;
  frames: FramesReply;
  printVar: VarReply;
  run: RanReply;
  processes: ProcessesReply;
  processPages: ProcessPagesReply;
  walk: WalkReply;
  hugeInfo: HugeInfoReply;
  value: MeasuredReply;
  unmappedInfo: UnmappedInfoReply;
  inspectFrame: FrameInspectionReply;
  freeLists: FreeListsReply;
  swapInfo: SwapInfoReply;
  swapSlot: SwapSlotReply;
  timeline: TimelineReply;
  seek: SoughtReply;
  truncate: SoughtReply;
  cancel: CancelReply;
  journal: JournalReply;
  machineConfig: MachineConfigReply;
  trace: TraceReply;
  memory: MemoryReply;
}

// --- notices: worker → main thread, sent before the reply of the command that caused them -------------

/**
 * Frames whose state changed, batched per command. `ranges` holds [from, to) pairs of pfns (sorted,
 * disjoint) and `states` their frame-state bytes back to back; both are transferred ArrayBuffers.
 * Derived from the core's trace events (src/worker/dirty.ts). A delta whose generation differs from
 * the one the renderer holds starts a new grid of `nrPages` cells.
 */
export interface FrameDeltaNotice {
  type: 'frameDelta';
  seq: number;
  generation: number;
  nrPages: number;
  ranges: Uint32Array;
  states: Uint8Array;
}

/** printk lines the command added to the kernel log (dmesg). */
export interface PrintkNotice {
  type: 'printk';
  seq: number;
  generation: number;
  lines: string[];
}

/**
 * Progress of a long command that runs boot steps (`bootBack` on a big machine, `init` with boot):
 * `done` of `total` steps run so far. Sent after each step (`init`: after each piece), before the reply.
 */
export interface BootProgressNotice {
  type: 'bootProgress';
  seq: number;
  done: number;
  total: number;
}

/** Progress of a timeline replay (`seek`, `truncate`): `done` of `total` operations replayed. */
export interface ReplayProgressNotice {
  type: 'replayProgress';
  seq: number;
  done: number;
  total: number;
}

/**
 * Progress of a `run`, posted between pieces (about every RUN_SLICE_MS of work): statements done of
 * the total, the line now running, and for a split read/write its accesses done of its total
 * (0 of 0 otherwise).
 */
export interface RunProgressNotice {
  type: 'runProgress';
  seq: number;
  done: number;
  total: number;
  line: number;
  accessesDone: number;
  accessesTotal: number;
}

/** How long the host works on a long command before it looks at its messages again (ms). */
export const RUN_SLICE_MS = 40;

export type Notice =
  FrameDeltaNotice | PrintkNotice | BootProgressNotice | ReplayProgressNotice | RunProgressNotice;

/** Everything the worker posts. */
export type WorkerMessage = Reply | Notice;

/** The command without its sequence number: what a caller of the client writes. */
export type CommandBody<T extends CommandType> = Omit<Extract<Command, { type: T }>, 'seq'>;

export const COMMAND_TYPES: readonly CommandType[] = [
  'init',
  'bootStep',
  'bootRunPhase',
  'bootBack',
  'archInfo',
  'memblock',
  'readProc',
  'describePfn',
  'frames',
  'printVar',
  'run',
  'processes',
  'processPages',
  'walk',
  'hugeInfo',
  'value',
  'unmappedInfo',
  'inspectFrame',
  'freeLists',
  'swapInfo',
  'swapSlot',
  'timeline',
  'seek',
  'truncate',
  'cancel',
  'journal',
  'machineConfig',
  'trace',
  'memory',
];

/** Total frames a delta covers. */
export function deltaFrameCount(d: FrameDeltaNotice): number {
  let n = 0;
  for (let i = 0; i < d.ranges.length; i += 2) n += d.ranges[i + 1]! - d.ranges[i]!;
  return n;
}
