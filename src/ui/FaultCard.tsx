/**
 * The last page a click changed, told in one card: the page, its old and new mapping, what the
 * kernel did (a write to a zero-mapped page is a copy-on-write fault: do_wp_page → wp_page_copy,
 * which allocates a zeroed frame because the zero page needs no copy), RSS before and after, and the
 * new frame magnified with its neighbours (render/frame_inset.ts), since on the frame grid's overview
 * one frame is a pixel.
 */
import { useEffect, useRef } from 'react';
import { VPageState } from '../core/shared/page_state.ts';
import { FrameState } from '../core/shared/frame_state.ts';
import { drawFrameInset } from '../render/frame_inset.ts';
import { PAGE_STATE_NAMES } from '../render/page_palette.ts';
import { raf } from '../render/raf_scheduler.ts';
import { VPAGE_HUGE_ZERO } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { count, hex } from './format.ts';
import { processView, useProcessView, type PageChange } from './process_view.ts';

const INSET_W = 180;
const INSET_H = 84;

/** Which kernel path a change took, in the kernel's names. */
function pathOf(c: PageChange): string {
  const wasZero = c.oldState === VPageState.Zero || c.oldState === VPAGE_HUGE_ZERO;
  if (c.oldState === VPageState.Untouched && c.newState === VPageState.Zero)
    return 'read fault: do_anonymous_page() mapped the shared zero page (no memory used)';
  if (c.oldState === VPageState.Untouched) return 'write fault: do_anonymous_page() allocated a zeroed frame';
  if (wasZero)
    return 'copy-on-write fault on the zero page: do_wp_page() → wp_page_copy() allocated a zeroed frame (nothing to copy)';
  if (c.oldState === VPageState.Swapped)
    return 'swap-in fault: do_swap_page() mapped the folio of the swap cache, or a new one filled from its slot (a zeromap slot is zero-filled: swpin_zero; a major fault)';
  if (c.oldState === VPageState.Shared)
    return 'copy-on-write fault: do_wp_page() → wp_page_copy() copied the shared frame into a new one';
  return 'the page now maps another frame';
}

export function FaultCard() {
  const controller = useController();
  const change = useProcessView((s) => s.lastChange);
  const currentProc = useAppState((s) => s.currentProc);
  const currentRegion = useAppState((s) => s.currentRegion);
  useAppState((s) => s.counts); // the frame grid got new states: redraw the inset
  useAppState((s) => s.pagesVersion);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const d = controller.regionPages;
  // Shown while the page still maps what the change gave it (a later DONTNEED or munmap ends it).
  const show =
    change !== null &&
    change.proc === currentProc &&
    change.region === currentRegion &&
    d?.pfns[change.page] === change.newPfn;
  const pfn = show && change.newPfn >= 0 && change.newPfn !== change.oldPfn ? change.newPfn : -1;

  useEffect(() => {
    if (pfn < 0) return;
    const draw = () => {
      const fg = controller.frameGrid;
      const canvas = canvasRef.current;
      if (!fg?.hasFrames || !canvas) return;
      drawFrameInset(canvas, fg, pfn, INSET_W, INSET_H, window.devicePixelRatio || 1);
    };
    raf.scheduleRedraw(draw);
  });

  if (!show) return null;
  const fg = controller.frameGrid;
  const fstate = pfn >= 0 && fg ? fg.stateOf(pfn) : -1;
  return (
    <div className="fault-card" data-testid="fault-card" key={change.id}>
      <div className="fault-card-head">
        <h3 className="sub-title">Last fault</h3>
        <button
          type="button"
          className="link"
          aria-label="Hide the last fault"
          onClick={() => processView.setState({ lastChange: null })}
        >
          ✕
        </button>
      </div>
      <p>
        page {change.page}: {PAGE_STATE_NAMES[change.oldState]}
        {change.oldPfn >= 0 && <> (pfn {hex(change.oldPfn)})</>} →{' '}
        <strong>{PAGE_STATE_NAMES[change.newState]}</strong>
        {change.newPfn >= 0 && (
          <>
            {' '}
            (pfn <span data-testid="fault-new-pfn">{hex(change.newPfn)}</span>)
          </>
        )}
      </p>
      <p className="muted">{pathOf(change)}</p>
      <p>
        RSS {count(change.rssBefore)} →{' '}
        <strong data-testid="fault-rss-after">{count(change.rssAfter)}</strong> kB
      </p>
      {pfn >= 0 && (
        <figure className="frame-inset">
          <canvas
            ref={canvasRef}
            style={{ width: INSET_W, height: INSET_H }}
            data-testid="frame-inset"
            data-pfn={pfn}
            aria-label={`The new frame, pfn ${hex(pfn)}, magnified with its neighbours`}
            role="img"
          />
          <figcaption className="muted">
            new frame {hex(pfn)}
            {fstate === FrameState.Anon ? ' · anonymous' : ''}, magnified
            <button
              type="button"
              className="link-button"
              onClick={() => {
                controller.frameGrid?.focusPfn(pfn, 16);
                controller.select(pfn);
              }}
            >
              Show in grid
            </button>
          </figcaption>
        </figure>
      )}
    </div>
  );
}
