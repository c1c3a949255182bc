/**
 * What the process view does with a click, a key or a range control: each is one scenario line run
 * through `controller.run` (the same line a learner could type; the scenario transcript shows it).
 * A click that changes a page's mapping is remembered (process_view.ts lastChange) so the mapping
 * links can animate it, and the new frame is brought into the frame grid's view.
 */
import type { Advice } from '../core/shared/madvise_advice.ts';
import type { Prot } from '../core/shared/prot.ts';
import { VPageState } from '../core/shared/page_state.ts';
import { raf } from '../render/raf_scheduler.ts';
import { VPAGE_HUGE_ZERO, type RanReply } from '../worker/protocol.ts';
import type { AppController } from './controller.ts';
import { sizeArg } from './controller.ts';
import { nextChangeId, processView, type PageRangeSel } from './process_view.ts';
import type { PageMode } from './store.ts';

/** Resident memory of the current process, kB (anon + shmem). */
function rssOf(c: AppController): number {
  const p = c.currentProcess;
  return p ? p.rssAnonKb + p.rssShmemKb + p.rssFileKb : 0;
}

/** A read would change nothing on this page: it already maps a zero page. */
export function readChangesNothing(state: number): boolean {
  return state === VPageState.Zero || state === VPAGE_HUGE_ZERO;
}

/**
 * A click (or Enter) on page `page` of the current process's region. In Read mode a zero-mapped page
 * gets an offer to write it instead (a read would do nothing visible); `mode` forces the access.
 */
export async function actOnPage(c: AppController, page: number, mode?: PageMode): Promise<RanReply | null> {
  const s = c.store.getState();
  const d = c.regionPages;
  if (!d || !s.currentProc || !s.currentRegion || page >= d.states.length) return null;
  const state = d.states[page]!;
  if (!mode && s.mode === 'read' && readChangesNothing(state)) {
    c.selectPage(page);
    processView.setState({ offer: { proc: s.currentProc, region: s.currentRegion, page } });
    return null;
  }
  const m = mode ?? s.mode;
  const off = '0x' + (page * 2 ** d.pageShift).toString(16);
  const line = `${s.currentProc} ${m} ${s.currentRegion} ${off} 1 1${m === 'write' ? ' 1' : ''}`;
  processView.setState({ offer: null, running: line });
  const before = { key: d.key, pfn: d.pfns[page]!, state, rss: rssOf(c) };
  let r: RanReply | null;
  try {
    r = await c.touchPage(page, mode);
  } finally {
    processView.setState({ running: null, lastLine: line });
  }
  const after = c.regionPages;
  if (!r || r.errors.length || !after || after.key !== before.key) return r;
  const pfn = after.pfns[page]!;
  const st = after.states[page]!;
  if (pfn !== before.pfn || st !== before.state) {
    processView.setState({
      lastChange: {
        id: nextChangeId(),
        proc: s.currentProc,
        region: s.currentRegion,
        page,
        oldPfn: before.pfn,
        newPfn: pfn,
        oldState: before.state,
        newState: st,
        rssBefore: before.rss,
        rssAfter: rssOf(c),
      },
    });
    // In the next frame: measuring the grid now, right after the click's render, would force a
    // layout of the whole page that the frame then does again.
    if (pfn >= 0 && pfn !== before.pfn) raf.scheduleAction(() => revealFrame(c, pfn));
  }
  return r;
}

/** Pan the frame grid (at its zoom) so `pfn` is inside its view, if it is not already. */
export function revealFrame(c: AppController, pfn: number): void {
  const fg = c.frameGrid;
  if (!fg?.hasFrames) return;
  const r = fg.canvas.getBoundingClientRect();
  const p = fg.cellCenter(pfn);
  const m = 12;
  if (p.x >= r.left + m && p.x <= r.right - m && p.y >= r.top + m && p.y <= r.bottom - m) return;
  fg.focusPfn(pfn, fg.transform.k);
}

/** What a range control does, as the scenario language spells it. */
export type RangeOp =
  | { op: 'madvise'; advice: Advice }
  | { op: 'mprotect'; prot: Prot }
  /** mlock()/munlock() of the range (the scenario statements of the same names) */
  | { op: 'mlock' | 'munlock' }
  | { op: 'munmap' }
  /** userfaultfd: UFFDIO_REGISTER (MISSING) or UFFDIO_ZEROPAGE of the range (`A uffd zeropage r1 ...`) */
  | { op: 'uffd'; ioctl: 'register' | 'zeropage' }
  /**
   * mremap of the range: `grow` to twice its length (in place, or moved with MREMAP_MAYMOVE),
   * `shrink` to half, `move` to a new address with MREMAP_DONTUNMAP (the old range stays, empty)
   */
  | { op: 'mremap'; kind: 'grow' | 'shrink' | 'move' };

/** The scenario line for an operation on a run of pages: `A madvise r1 0x5000 32K dontneed`. */
export function rangeLine(r: PageRangeSel, pageShift: number, o: RangeOp): string {
  const off = '0x' + (r.first * 2 ** pageShift).toString(16);
  const pages = r.last - r.first + 1;
  const len = sizeArg(pages * 2 ** pageShift);
  if (o.op === 'uffd') return `${r.proc} uffd ${o.ioctl} ${r.region} ${off} ${len}`;
  const head = `${r.proc} ${o.op} ${r.region} ${off} ${len}`;
  if (o.op === 'madvise') return `${head} ${o.advice}`;
  if (o.op === 'mprotect') return `${head} ${o.prot}`;
  if (o.op === 'mremap') {
    if (o.kind === 'grow') return `${head} ${sizeArg(2 * pages * 2 ** pageShift)} maymove`;
    if (o.kind === 'shrink') return `${head} ${sizeArg(Math.max(1, pages >> 1) * 2 ** pageShift)}`;
    return `${head} ${len} maymove dontunmap`;
  }
  return head;
}

/** The range the controls act on: the selected run, else the selected page alone. */
export function actingRange(c: AppController): PageRangeSel | null {
  const s = c.store.getState();
  const r = processView.getState().range;
  if (r && r.proc === s.currentProc && r.region === s.currentRegion) return r;
  const d = c.regionPages;
  if (s.pageSelection === null || !s.currentProc || !s.currentRegion || !d) return null;
  if (s.pageSelection >= d.states.length) return null;
  return { proc: s.currentProc, region: s.currentRegion, first: s.pageSelection, last: s.pageSelection };
}

/** Run a range operation; the process view shows the line while it runs. */
export async function runRangeOp(c: AppController, o: RangeOp): Promise<RanReply | null> {
  const r = actingRange(c);
  const shift = c.machine?.pageShift;
  if (!r || shift === undefined) return null;
  const line = rangeLine(r, shift, o);
  processView.setState({ running: line });
  try {
    return await c.run(line);
  } finally {
    processView.setState({ running: null, lastLine: line });
  }
}
