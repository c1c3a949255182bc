/**
 * The process view's pages, kept up to date from what changed instead of re-walked after every
 * operation (issue #12: a COW click on a 1M-page region re-walked every PTE, 90–150 ms, and sent
 * 9 MB, to tell the view that one page changed).
 *
 * Per window of a region (process, region, first page, count) the host keeps the states and pfns it
 * last sent and a version number. Between two requests the machine's trace says what may have
 * changed:
 * - a `pte_set` in one of the window's own page tables (the tables met when the window was walked,
 *   each with the virtual address its first entry maps): a leaf entry dirties one page, an upper-level
 *   entry (a new PTE table, a huge PMD, a table freed) dirties the range that entry maps and the table
 *   map is rebuilt;
 * - a `pte_set` anywhere else, or a task event (fork, exit): another mm changed, which can change the
 *   mapcount of a frame this window maps (the parent's page turns private when the child's COW or exit
 *   drops the child's mapping) without touching this window's tables. The mapcount itself is not
 *   traced, so then every page the window shows as private or shared is re-classified from its frame's
 *   mapcount and anon flag, a scan of typed arrays (no walk), and the pages whose class changed are
 *   walked again.
 * The VMAs are not traced either: a window whose VMAs (start, end, flags) changed is walked whole.
 *
 * A request that says which version it holds (`have`) gets only the pages that differ from it; the
 * client (client.ts) patches its copy. Pages are walked again with the same processPageStates() as a
 * whole walk; a page no event names is not walked again, so the rules above are what keeps the
 * window true (tests/process_pages.test.ts compares every answer with a fresh walk).
 */
import { processPageStates } from '../core/inspect.ts';
import type { Machine } from '../core/machine.ts';
import { isHugeZeroPfn } from '../core/mm/huge_memory.ts';
import { walkTable, WALK_HUGE } from '../core/mm/pgtable.ts';
import { PG } from '../core/phys/page.ts';
import { VPageState } from '../core/shared/page_state.ts';
import type { KEvent } from '../core/trace.ts';
import type { MmStruct, Task } from '../core/mm/mm_types.ts';
import { VPAGE_HUGE_ZERO } from './protocol.ts';

/** At most this many windows are kept per machine (each holds 9 bytes per page). */
const MAX_WINDOWS = 4;
/** Past this share of dirty pages a whole walk is as cheap as walking the dirty ones. */
const WHOLE_WALK_SHARE = 1 / 8;

interface Window {
  key: string;
  task: Task;
  mm: MmStruct | null;
  start: number;
  count: number;
  vmaSig: string;
  version: number;
  states: Uint8Array;
  pfns: Float64Array;
  /** page-table pfn → [level, virtual address its entry 0 maps] for every table the window's walk met */
  tables: Map<number, [number, number]>;
  /** pages named by an event since the last reply (one byte per page), how many and their bounds */
  dirty: Uint8Array;
  nrDirty: number;
  lo: number;
  hi: number;
  /** an upper-level entry changed: the table map is rebuilt at the next answer */
  retable: boolean;
  /** another mm (or a fork/exit) changed: re-classify private/shared pages by their frames */
  foreign: boolean;
}

/** What a request gets: the whole window, or the pages that changed since version `base`. */
export type PagesAnswer =
  | { version: number; whole: true; states: Uint8Array; pfns: Float64Array }
  | {
      version: number;
      whole: false;
      base: number;
      pages: Uint32Array;
      states: Uint8Array;
      pfns: Float64Array;
    };

/**
 * Versions are unique in the worker, not per machine: after a seek the view is another Hosted
 * machine, and a client's `have` from the old one must not match a window of the new one.
 */
let nextVersion = 1;

export class ProcessPageViews {
  private windows: Window[] = [];

  constructor(private readonly m: Machine) {}

  /** The trace sink: note what each event may have changed in the kept windows. */
  addEvent(e: KEvent): void {
    if (this.windows.length === 0) return;
    if (e.type === 'task') {
      for (const w of this.windows) w.foreign = true;
      return;
    }
    if (e.type !== 'pte_set') return;
    for (const w of this.windows) {
      const t = w.tables.get(e.tablePfn);
      if (!t || t[0] !== e.level) {
        w.foreign = true;
        continue;
      }
      const span = 2 ** this.m.pgtableArch.levelShift[e.level]!;
      const from = t[1] + e.index * span;
      const ps = this.m.pageSize;
      const a = Math.max(0, Math.floor((from - w.start) / ps));
      const b = Math.min(w.count, Math.ceil((from + span - w.start) / ps));
      if (a >= b) continue;
      markDirty(w, a, b);
      // a table appeared, went or was replaced by a huge entry under this one: find them again
      if (e.level < this.m.pgtableArch.levels - 1) w.retable = true;
    }
  }

  /**
   * The window [first, first + count) of a region at `start`: whole, or as the changes since `have`
   * when this host still holds that version of the same window.
   */
  pages(task: Task, key: string, start: number, count: number, have: number | undefined): PagesAnswer {
    const m = this.m;
    const sig = vmaSignature(m, task, start, count);
    let w = this.windows.find((x) => x.key === key);
    if (
      w &&
      (w.task !== task || w.mm !== task.mm || w.start !== start || w.count !== count || w.vmaSig !== sig)
    )
      w = undefined; // replaced below
    if (!w || w.nrDirty > count * WHOLE_WALK_SHARE) {
      const pfns = new Float64Array(count);
      const states = walkWindow(m, task, start, count, pfns);
      this.windows = this.windows.filter((x) => x.key !== key);
      w = {
        key,
        task,
        mm: task.mm,
        start,
        count,
        vmaSig: sig,
        version: nextVersion++,
        states: states.slice(),
        pfns: pfns.slice(),
        tables: tableMap(m, task, start, count),
        dirty: new Uint8Array(count),
        nrDirty: 0,
        lo: count,
        hi: 0,
        retable: false,
        foreign: false,
      };
      this.windows.unshift(w);
      if (this.windows.length > MAX_WINDOWS) this.windows.length = MAX_WINDOWS;
      return { version: w.version, whole: true, states, pfns };
    }
    // Bring the kept copy up to date and list the pages that differ from what the client holds.
    const changed: number[] = [];
    if (w.foreign) reclassify(m, w);
    for (let i = w.lo; i < w.hi;) {
      if (!w.dirty[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j < w.hi && w.dirty[j]) w.dirty[j++] = 0;
      const pf = new Float64Array(j - i);
      const st = walkWindow(m, task, start + i * m.pageSize, j - i, pf);
      for (let k = 0; k < j - i; k++)
        if (st[k] !== w.states[i + k] || pf[k] !== w.pfns[i + k]) {
          w.states[i + k] = st[k]!;
          w.pfns[i + k] = pf[k]!;
          changed.push(i + k);
        }
      i = j;
    }
    w.nrDirty = 0;
    w.lo = count;
    w.hi = 0;
    w.foreign = false;
    if (w.retable) {
      w.tables = tableMap(m, task, start, count);
      w.retable = false;
    }
    const base = w.version;
    if (changed.length > 0) w.version = nextVersion++;
    if (have !== base)
      return { version: w.version, whole: true, states: w.states.slice(), pfns: w.pfns.slice() };
    const pages = Uint32Array.from(changed);
    const states = new Uint8Array(pages.length);
    const pfns = new Float64Array(pages.length);
    for (let k = 0; k < pages.length; k++) {
      states[k] = w.states[pages[k]!]!;
      pfns[k] = w.pfns[pages[k]!]!;
    }
    return { version: w.version, whole: false, base, pages, states, pfns };
  }
}

function markDirty(w: Window, a: number, b: number): void {
  for (let i = a; i < b; i++)
    if (!w.dirty[i]) {
      w.dirty[i] = 1;
      w.nrDirty++;
    }
  if (a < w.lo) w.lo = a;
  if (b > w.hi) w.hi = b;
}

/**
 * Another mm changed: a frame this window maps may have gained or lost mappings elsewhere. The
 * class processPageStates() gives a PTE-mapped normal page (shared: mapped more than once, or not
 * anonymous) is re-derived from the frame; pages whose class may differ are marked for a walk.
 */
function reclassify(m: Machine, w: Window): void {
  const { mapcount, flags, nrPages } = m.pages;
  for (let i = 0; i < w.count; i++) {
    const s = w.states[i]!;
    if (s !== VPageState.Private && s !== VPageState.Shared) continue;
    const pfn = w.pfns[i]!;
    if (pfn < 0 || pfn >= nrPages) continue;
    const shared = mapcount[pfn]! > 0 || !(flags[pfn]! & PG.anon);
    if (shared !== (s === VPageState.Shared)) markDirty(w, i, i + 1);
  }
}

/**
 * processPageStates() for a window, with the huge zero folio told apart from a THP: the whole walk
 * every answer is measured against (tests/process_pages.test.ts).
 */
export function walkWindow(
  m: Machine,
  task: Task,
  start: number,
  count: number,
  pfns = new Float64Array(count),
): Uint8Array {
  const states = processPageStates(m, task, start, count, pfns);
  for (let i = 0; i < count; i++)
    if (states[i] === VPageState.Huge && isHugeZeroPfn(m, pfns[i]!)) states[i] = VPAGE_HUGE_ZERO;
  return states;
}

/** The VMAs over a window, as a string: a window whose VMAs changed is walked whole. */
function vmaSignature(m: Machine, task: Task, start: number, count: number): string {
  const end = start + count * m.pageSize;
  let sig = '';
  for (const v of task.mm?.vmas ?? [])
    if (v.end > start && v.start < end) sig += `${v.start}-${v.end}:${v.flags};`;
  return sig;
}

/**
 * Every page table a walk of the window meets, with its level and the address its entry 0 maps: the
 * events naming one of these tables are the window's own.
 */
function tableMap(m: Machine, task: Task, start: number, count: number): Map<number, [number, number]> {
  const tables = new Map<number, [number, number]>();
  const mm = task.mm;
  if (!mm) return tables;
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const end = start + count * m.pageSize;
  const pmdSpan = 2 ** arch.levelShift[last - 1]!;
  tables.set(mm.pgd, [0, 0]);
  for (let a = Math.floor(start / pmdSpan) * pmdSpan; a < end; a += pmdSpan) {
    for (let level = 1; level <= last; level++) {
      const t = walkTable(m, mm, a, level);
      if (t < 0 || t === WALK_HUGE) break;
      if (!tables.has(t)) {
        const cover = 2 ** arch.levelShift[level - 1]!;
        tables.set(t, [level, Math.floor(a / cover) * cover]);
      }
    }
  }
  return tables;
}
