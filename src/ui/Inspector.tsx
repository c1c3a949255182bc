/**
 * The selected frame, kept in view (the keyboard-friendly twin of the tooltip): struct page,
 * /proc/kpageflags and kpagecount, its buddy block or folio, pageblock and zone, who maps it, and a
 * hexdump of its bytes, all from one `inspectFrame` reply. It also tells the controller the block
 * around the selection, so the grids outline all of it (linked views).
 */
import { useEffect } from 'react';
import { frameStateName } from '../core/shared/frame_state.ts';
import { frameColor } from '../render/palette.ts';
import { useAppState, useController } from './context.ts';
import { FrameFacts } from './FrameFacts.tsx';
import { hex } from './format.ts';
import { Hexdump } from './Hexdump.tsx';
import { PageFields } from './PageFields.tsx';
import { useFetched } from './use_fetched.ts';
import './inspector.css';

export function Inspector() {
  const controller = useController();
  const selection = useAppState((s) => s.selection);
  const version = useAppState((s) => s.opVersion);
  const fetched = useFetched(selection === null ? null : () => controller.inspectFrame(selection), [
    selection,
    version,
  ]);
  const error = fetched.error;
  // the frame shown is the selected one (an older version of it until the new reply)
  const insp = fetched.key[0] === selection ? fetched.data : null;
  // Linked views: the grids outline the whole block around the selection.
  useEffect(() => {
    if (!insp) return;
    const b = insp.block;
    controller.setSelectedBlock(b ? { pfn: b.headPfn, order: b.order } : null);
  }, [controller, insp]);
  const state = selection === null ? 0 : (controller.frameGrid?.stateOf(selection) ?? 0);
  return (
    <section className="panel inspector" aria-labelledby="inspector-title" data-testid="inspector">
      <h2 id="inspector-title">Selected frame</h2>
      {selection === null ? (
        <p className="muted">
          Click a frame (or a free-list block, or an entry of a page-table walk) to inspect it here.
        </p>
      ) : (
        <>
          <p className="inspector-head">
            <span className="swatch" style={{ background: frameColor(state) }} aria-hidden="true" />
            <strong data-testid="inspector-pfn">
              pfn {selection} ({hex(selection)})
            </strong>
            {insp && <span> · phys {insp.page.phys}</span>}
            <span> · state: {insp?.page.state ?? frameStateName(state)}</span>
            <button type="button" onClick={() => controller.select(null)}>
              Clear selection
            </button>
          </p>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {insp ? (
            <div className="inspector-body">
              <div className="inspector-facts">
                <h3 className="sub-title">struct page</h3>
                <PageFields info={insp.page} />
                <FrameFacts insp={insp} />
              </div>
              <div className="inspector-bytes">
                <h3 className="sub-title">Contents</h3>
                <Hexdump bytes={new Uint8Array(insp.bytes)} pfn={insp.pfn} phys={insp.pfn * insp.pageSize} />
              </div>
            </div>
          ) : (
            !error && <p className="muted">reading the frame…</p>
          )}
        </>
      )}
    </section>
  );
}
