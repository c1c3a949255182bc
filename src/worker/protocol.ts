/**
 * The whole contract between the browser main thread and the worker that owns the emulated Machine.
 *
 * The main thread sends a Command; the worker answers every command with exactly one Reply carrying
 * the same `seq` (an `error` reply if the command failed; the worker never dies on bad input). Before
 * the reply it may post Notices, also tagged with the command's `seq`: the frames whose state changed
 * (`frameDelta`, bulk bytes in transferred ArrayBuffers) and new printk lines (`printk`).
 *
 * Messages are plain structured-clone data. Only types are imported from src/core, so this file
 * costs nothing at run time on the main thread (DESIGN.md: the UI talks to the core only through here).
 */
import type { MachineConfig } from '../core/config.ts';
import type { PageInfo } from '../core/inspect.ts';

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
}

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

export type { MachineConfig, PageInfo };

// --- commands: main thread → worker ------------------------------------------------------------------

/**
 * Create a machine from `config` (unspecified keys take DEFAULT_CONFIG) and, if `boot`, run every
 * boot step. An impossible config (ConfigError) is an `error` reply and the previous machine stays.
 * Reply: `ready`. Notices: a `frameDelta` covering every frame.
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
 * alloc_pages(gfp, order) under a name, as the scenario's `alloc` does. `gfp` is text such as
 * `GFP_KERNEL|__GFP_ZERO` or `0xcc0`. Reply: `allocated`. Notices: `frameDelta`, `printk`.
 */
export interface AllocCommand {
  type: 'alloc';
  seq: number;
  name: string;
  order: number;
  gfp: string;
}

/** __free_pages() of a named allocation. Reply: `freed`. Notices: `frameDelta`, `printk`. */
export interface FreeCommand {
  type: 'free';
  seq: number;
  name: string;
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

export type Command =
  | InitCommand
  | BootStepCommand
  | AllocCommand
  | FreeCommand
  | ReadProcCommand
  | DescribePfnCommand
  | FramesCommand
  | PrintVarCommand;

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

/** `alloc` succeeded: the block it got, and every named allocation now live. */
export interface AllocatedReply {
  type: 'allocated';
  seq: number;
  allocation: AllocationInfo;
  allocations: AllocationInfo[];
}

/** `free` succeeded; every named allocation still live. */
export interface FreedReply {
  type: 'freed';
  seq: number;
  name: string;
  allocations: AllocationInfo[];
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

/** The command failed; `message` is for the learner (the kernel's or the config checker's words). */
export interface ErrorReply {
  type: 'error';
  seq: number;
  /** the command that failed, or 'unknown' if the message was not a command at all */
  command: CommandType | 'unknown';
  message: string;
}

export type Reply =
  | ReadyReply
  | BootSteppedReply
  | AllocatedReply
  | FreedReply
  | ProcReply
  | PageInfoReply
  | FramesReply
  | VarReply
  | ErrorReply;

/** The successful reply each command gets. */
export interface ReplyTo {
  init: ReadyReply;
  bootStep: BootSteppedReply;
  alloc: AllocatedReply;
  free: FreedReply;
  readProc: ProcReply;
  describePfn: PageInfoReply;
  frames: FramesReply;
  printVar: VarReply;
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

export type Notice = FrameDeltaNotice | PrintkNotice;

/** Everything the worker posts. */
export type WorkerMessage = Reply | Notice;

/** The command without its sequence number: what a caller of the client writes. */
export type CommandBody<T extends CommandType> = Omit<Extract<Command, { type: T }>, 'seq'>;

export const COMMAND_TYPES: readonly CommandType[] = [
  'init',
  'bootStep',
  'alloc',
  'free',
  'readProc',
  'describePfn',
  'frames',
  'printVar',
];

/** Total frames a delta covers. */
export function deltaFrameCount(d: FrameDeltaNotice): number {
  let n = 0;
  for (let i = 0; i < d.ranges.length; i += 2) n += d.ranges[i + 1]! - d.ranges[i]!;
  return n;
}
