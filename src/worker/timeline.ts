/**
 * The timeline: the operation log the host keeps, and how an operation's trace events become the
 * kernel steps the learner walks through.
 *
 * Every machine-changing command (a boot step, a `run` of scenario lines, an alloc, a free,
 * drop_caches) is an operation, recorded with the events it emitted. The core is deterministic, so
 * the state at any point is rebuilt by replaying the log on a new Machine from the same config; a
 * replay that must stop inside an operation snapshots the machine from a trace sink right after the
 * events around the wanted one (timeline_host.ts, the step window), then stops by throwing
 * `StopReplay`. A machine restored from such a snapshot is only for display (its call stack was cut
 * short) and the host discards it on the next move.
 *
 * Steps are built from the events' paths (the emulated call stack): a `call` step wherever the path
 * enters a function, an `event` step for each state change. Two simplifications follow from events
 * carrying names, not call instances: a function that changed nothing has no step, and two calls of
 * the same function in a row with nothing between them at a shallower depth show as one call.
 */
import { PTE } from '../core/arch/pgtable.ts';
import { EVENT_FNS, elixirUrl, kernelFn } from '../core/kernel_fns.ts';
import type { Machine } from '../core/machine.ts';
import { MIGRATETYPE_NAMES } from '../core/mm/mmzone.ts';
import type { KEvent } from '../core/trace.ts';
import { stepFrames } from './timeline_frames.ts';
import { MAX_OP_STEPS, type TimelineOpInfo, type TimelineStep } from './protocol.ts';

/** What a recorded operation was: enough to run it again, identically. */
export type OpCommand =
  | { kind: 'boot' }
  /**
   * `lines` is what a replay runs; `shared` (set when a line failed) is the text of the lines that
   * ran, for share links, which must open without the failing line.
   */
  | { kind: 'run'; lines: string; shared?: string };

export interface OpRecord {
  cmd: OpCommand;
  label: string;
  /** the events it emitted, at most MAX_OP_STEPS */
  events: KEvent[];
  truncated: boolean;
  /**
   * The frames its events named (all of them, not only the MAX_OP_STEPS kept), as sorted [from, to)
   * pfn pairs of DirtyRanges.take(); null: any frame may have changed (a boot step). A seek sends
   * the view only these frames of the operations it crosses.
   */
  dirty: Uint32Array | null;
  /** built on first request (steps need the machine's arch to decode entries) */
  steps?: TimelineStep[];
}

/** Thrown by the replay's trace sink to stop an operation right after the wanted event. */
export class StopReplay extends Error {
  constructor() {
    super('timeline: replay stopped here');
  }
}

export function opInfo(op: OpRecord, m: Machine): TimelineOpInfo {
  return {
    kind: op.cmd.kind,
    label: op.label,
    steps: stepsOf(op, m).length,
    truncated: op.truncated,
  };
}

export function stepsOf(op: OpRecord, m: Machine): TimelineStep[] {
  op.steps ??= buildSteps(op.events, m);
  return op.steps;
}

/**
 * How many of the operation's events have run when the view is right after step `step`: the events
 * among steps 0..step. 0 means the state before the operation.
 */
export function eventsThrough(steps: readonly TimelineStep[], step: number): number {
  let n = 0;
  for (let i = 0; i <= step && i < steps.length; i++) if (steps[i]!.kind === 'event') n++;
  return n;
}

/** The steps tree, in pre-order, from the events' call paths (see the file comment). */
export function buildSteps(events: readonly KEvent[], m: Machine): TimelineStep[] {
  const bootFns = new Map<string, { file: string; why: string }>();
  for (const s of m.steps) bootFns.set(s.fn, { file: s.file, why: s.why });
  const steps: TimelineStep[] = [];
  let prev: readonly string[] = [];
  for (const e of events) {
    const path = e.path;
    let common = 0;
    while (common < prev.length && common < path.length && prev[common] === path[common]) common++;
    for (let d = common; d < path.length; d++) {
      const fn = path[d]!;
      const known = kernelFn(fn) ?? bootFns.get(fn);
      steps.push({
        kind: 'call',
        fn,
        depth: d,
        file: known?.file ?? null,
        url: known ? elixirUrl(known.file) : null,
        why: known?.why ?? null,
        summary: '',
        detail: [],
      });
    }
    const label = EVENT_FNS[e.type];
    const d = describeEvent(e, m);
    steps.push({
      kind: 'event',
      fn: d.fn ?? label?.fn ?? e.type,
      depth: path.length,
      file: label?.file ?? null,
      url: label?.file ? elixirUrl(label.file) : null,
      why: null,
      summary: d.summary,
      detail: d.detail,
    });
    const frames = stepFrames(e, m);
    if (frames.length) steps[steps.length - 1]!.frames = frames;
    prev = path;
    if (steps.length >= MAX_OP_STEPS) break;
  }
  // A step list cut at the cap can end on a call; the position after it is "after the operation".
  return steps.slice(0, MAX_OP_STEPS);
}

const RSS_NAMES = ['MM_FILEPAGES', 'MM_ANONPAGES', 'MM_SWAPENTS', 'MM_SHMEMPAGES'];
const hx = (n: number) => `0x${n.toString(16)}`;

function mtName(mt: number): string {
  return MIGRATETYPE_NAMES[mt] ?? (mt === MIGRATETYPE_NAMES.length ? 'Unmovable|Unmapped' : `type ${mt}`);
}

/** One line of what an event changed, and the decoded detail (entry bits, before → after). */
export function describeEvent(e: KEvent, m: Machine): { fn?: string; summary: string; detail: string[] } {
  switch (e.type) {
    case 'pte_set': {
      const value = (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
      const arch = m.pgtableArch;
      const level = e.level;
      const raw = { lo: e.lo, hi: e.hi };
      const levelName = level === arch.levels - 1 ? 'PTE' : `level ${level} (0 = top)`;
      const detail = [`${levelName} table at pfn ${hx(e.tablePfn)}, entry ${e.index}`];
      if (arch.isNone(raw, level)) detail.push('empty entry (pte_none): nothing mapped');
      else {
        detail.push(`bits: ${arch.bitNames(raw, level).join(' ') || '(none set)'}`);
        const f = arch.flags(raw, level);
        const leaf = level === arch.levels - 1 || (f & PTE.HUGE) !== 0;
        detail.push(
          leaf
            ? `maps pfn ${hx(arch.pfn(raw))}`
            : `points at the next table, pfn ${hx(arch.tablePfn(raw, level))}`,
        );
      }
      return {
        summary: `entry ${e.index} of table pfn ${hx(e.tablePfn)} = 0x${value.toString(16).padStart(m.entrySize[level] === 4 ? 8 : 16, '0')}`,
        detail,
      };
    }
    case 'mm_page_alloc':
      return {
        summary: `allocated pfn ${hx(e.pfn)}, order ${e.order} (${1 << e.order} page${e.order ? 's' : ''}), ${mtName(e.migratetype)}`,
        detail: [],
      };
    case 'mm_page_free':
      return { summary: `freed pfn ${hx(e.pfn)}, order ${e.order}`, detail: [] };
    case 'mm_page_alloc_extfrag':
      return {
        summary: `fallback: order ${e.fallbackOrder} block at pfn ${hx(e.pfn)} taken from ${mtName(e.fallbackMigratetype)} for ${mtName(e.startMigratetype)}${e.claimed ? ' (pageblock claimed)' : ''}`,
        detail: [],
      };
    case 'free_list_add':
      return {
        summary: `pfn ${hx(e.pfn)} added to ${e.zone} free_area[${e.order}].free_list[${mtName(e.freetype)}] at the ${e.tail ? 'tail' : 'head'}`,
        detail: [`free-list move: +${1 << e.order} free page${e.order ? 's' : ''}`],
      };
    case 'free_list_del':
      return {
        summary: `pfn ${hx(e.pfn)} taken off ${e.zone} free_area[${e.order}].free_list[${mtName(e.freetype)}]`,
        detail: [`free-list move: −${1 << e.order} free page${e.order ? 's' : ''}`],
      };
    case 'pcp_add':
      return {
        summary: `pfn ${hx(e.pfn)} (order ${e.order}) added to CPU ${e.cpu}'s ${e.zone} per-CPU list ${e.pindex}`,
        detail: [],
      };
    case 'pcp_del':
      return {
        summary: `pfn ${hx(e.pfn)} (order ${e.order}) taken off CPU ${e.cpu}'s ${e.zone} per-CPU list ${e.pindex}`,
        detail: [],
      };
    case 'pageblock_migratetype':
      return {
        summary: `pageblock at pfn ${hx(e.pfn)}: ${mtName(e.before)} → ${mtName(e.after)}`,
        detail: [],
      };
    case 'page_clear':
      return {
        summary: `zeroed ${e.nrPages} page${e.nrPages === 1 ? '' : 's'} from pfn ${hx(e.pfn)}`,
        detail: [],
      };
    case 'page_ref':
      return {
        fn: e.field === 'refcount' ? 'page_ref_mod' : 'atomic_add (_mapcount)',
        summary: `pfn ${hx(e.pfn)} ${e.field}: ${e.before} → ${e.after}`,
        detail: [],
      };
    case 'var':
      return { fn: e.name, summary: `${e.name}: ${e.before} → ${e.after}`, detail: [] };
    case 'alloc_fail':
      return { summary: `order-${e.order} allocation failed (gfp ${hx(e.gfp)})`, detail: [] };
    case 'free_list_miss':
      return {
        summary: `no free block of freetype ${e.freetype} in ${e.zone} at order ${e.order} or above`,
        detail: [],
      };
    case 'rss':
      return {
        summary: `pid ${e.pid} ${RSS_NAMES[e.item] ?? `rss[${e.item}]`}: ${e.before} → ${e.after}`,
        detail: [],
      };
    case 'page_fault':
      return {
        summary: `pid ${e.pid} ${e.write ? 'write' : 'read'} fault at ${hx(e.address)}: ${e.result}`,
        detail: [],
      };
    case 'task':
      return {
        fn: `task ${e.event}`,
        summary: `${e.event} pid ${e.pid} (${e.comm})${e.detail ? `: ${e.detail}` : ''}`,
        detail: [],
      };
    case 'printk':
      return { summary: e.text, detail: [] };
    case 'boot_step':
      return { summary: `boot step ${e.fn} (${e.phase}) starts`, detail: [] };
    case 'memblock':
      return {
        fn: `memblock ${e.op}`,
        summary: `memblock.${e.list}: ${e.op} [${hx(e.base)}-${hx(e.base + e.size - 1)}]`,
        detail: [],
      };
    case 'memmap_init':
      return {
        summary: `struct pages of ${e.zone} initialised: pfns ${hx(e.startPfn)}+${e.nrPages}`,
        detail: [],
      };
    case 'kernel_init_block':
      return {
        summary: `kernel_init_pages block ${e.block} at pfn ${hx(e.pfn)}: ${e.nrPages} pages, ${e.unmapped ? 'UNMAPPED: through the mermap' : 'mapped: through the direct map'} (CPU ${e.cpu})`,
        detail: [],
      };
    case 'mermap_get':
      return {
        summary:
          e.slot < 0
            ? `mermap_get of ${e.nrPages} pages on CPU ${e.cpu} failed (space or slots taken)`
            : `mermap_get: ${e.nrPages} pages from pfn ${hx(e.pfn)} mapped through slot ${e.slot} on CPU ${e.cpu} (${e.holder})`,
        detail: [],
      };
    case 'mermap_clear_page':
      return {
        summary: `cleared pfn ${hx(e.pfn)} through the mermap (${e.reserved ? 'slow path: mermap_get_reserved, IRQs off' : 'fast path'})`,
        detail: [],
      };
    case 'page_reserved':
      return {
        fn: e.after ? 'SetPageReserved' : '__ClearPageReserved',
        summary: `PG_reserved ${e.before ? 'set' : 'clear'} → ${e.after ? 'set' : 'clear'} on pfns ${hx(e.startPfn)}+${e.nrPages}`,
        detail: [],
      };
  }
}
