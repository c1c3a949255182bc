/** The selected frame's struct page, kept in view (the keyboard-friendly twin of the tooltip). */
import { useEffect, useState } from 'react';
import { frameStateName } from '../core/shared/frame_state.ts';
import { frameColor } from '../render/palette.ts';
import type { PageInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { hex } from './format.ts';
import { PageFields } from './PageFields.tsx';

export function Inspector() {
  const controller = useController();
  const selection = useAppState((s) => s.selection);
  const version = useAppState((s) => s.opVersion);
  const [fetched, setFetched] = useState<{ pfn: number; version: number; info: PageInfo } | null>(null);

  useEffect(() => {
    if (selection === null) return;
    let live = true;
    controller.describe(selection).then(
      (info) => live && setFetched({ pfn: selection, version, info }),
      () => live && setFetched(null),
    );
    return () => {
      live = false;
    };
  }, [controller, selection, version]);

  const info = fetched && fetched.pfn === selection ? fetched.info : null;
  const state = selection === null ? 0 : (controller.frameGrid?.stateOf(selection) ?? 0);
  return (
    <section className="panel inspector" aria-labelledby="inspector-title">
      <h2 id="inspector-title">Selected frame</h2>
      {selection === null ? (
        <p className="muted">Click a cell to pin its struct page here.</p>
      ) : (
        <>
          <p className="inspector-head">
            <span className="swatch" style={{ background: frameColor(state) }} aria-hidden="true" />
            <strong>
              pfn {selection} ({hex(selection)})
            </strong>
            {info && <span> · phys {info.phys}</span>}
          </p>
          <p>state: {info?.state ?? frameStateName(state)}</p>
          {info ? <PageFields info={info} /> : <p className="muted">reading struct page…</p>}
          <button type="button" onClick={() => controller.select(null)}>
            Clear selection
          </button>
        </>
      )}
    </section>
  );
}
