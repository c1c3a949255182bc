/**
 * The hover tooltip: pfn, physical address and state at once (from the grid's own copy of the frame
 * states), then the struct page fields, fetched from the worker once the pointer rests (debounced).
 */
import { useEffect, useState, type CSSProperties } from 'react';
import { frameStateName } from '../core/shared/frame_state.ts';
import { frameColor } from '../render/palette.ts';
import type { PageInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { hex, physAddr } from './format.ts';
import { PageFields } from './PageFields.tsx';

const DEBOUNCE_MS = 70;
const OFFSET = 16;

export function Tooltip() {
  const controller = useController();
  const hover = useAppState((s) => s.hover);
  const machine = useAppState((s) => s.machine);
  const version = useAppState((s) => s.opVersion);
  const [fetched, setFetched] = useState<{ pfn: number; version: number; info: PageInfo } | null>(null);
  const pfn = hover?.pfn ?? null;

  useEffect(() => {
    if (pfn === null) return;
    const done = controller.beginWork();
    const timer = setTimeout(() => {
      controller
        .describe(pfn)
        .then((info) => setFetched({ pfn, version, info }))
        .catch(() => setFetched(null))
        .finally(done);
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      done();
    };
  }, [controller, pfn, version]);

  if (!hover || !machine || pfn === null) return null;
  const grid = controller.frameGrid;
  const state = grid ? grid.stateOf(pfn) : 0;
  const info = fetched && fetched.pfn === pfn && fetched.version === version ? fetched.info : null;

  // Keep the box inside the window: flip to the other side of the pointer near the right/bottom edge.
  const style: CSSProperties = {};
  if (hover.clientX > window.innerWidth - 360) style.right = window.innerWidth - hover.clientX + OFFSET;
  else style.left = hover.clientX + OFFSET;
  if (hover.clientY > window.innerHeight - 300) style.bottom = window.innerHeight - hover.clientY + OFFSET;
  else style.top = hover.clientY + OFFSET;

  return (
    <div className="tooltip" role="tooltip" data-testid="tooltip" style={style}>
      <div className="tooltip-head">
        <span className="swatch" style={{ background: frameColor(state) }} aria-hidden="true" />
        <strong>
          pfn {pfn} ({hex(pfn)})
        </strong>
      </div>
      <div className="tooltip-line">phys {physAddr(pfn, machine.pageShift)}</div>
      <div className="tooltip-line">
        state: <span data-testid="tooltip-state">{info?.state ?? frameStateName(state)}</span>
      </div>
      {info ? <PageFields info={info} /> : <div className="muted">reading struct page…</div>}
    </div>
  );
}
