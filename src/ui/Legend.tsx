/**
 * The legend: what each colour means, with how many frames are in that state now. Free blocks are one
 * ramp by order; other states are listed once they occur (the zero page always).
 */
import { FRAME_STATE_COUNT, FrameState, frameStateName } from '../core/shared/frame_state.ts';
import { FREE_ORDER_COLORS } from '../render/palette.ts';
import { useAppState } from './context.ts';
import { count } from './format.ts';
import { PatternSwatch } from './PatternSwatch.tsx';

const ALWAYS = new Set<number>([FrameState.ZeroPage]);

export function Legend() {
  const counts = useAppState((s) => s.counts);
  const machine = useAppState((s) => s.machine);
  const maxOrder = machine?.maxOrder ?? FREE_ORDER_COLORS.length - 1;
  const states: number[] = [];
  for (let s = 0; s < FRAME_STATE_COUNT; s++) {
    if (s >= FrameState.Free0 && s < FrameState.Pcp) continue;
    if ((counts[s] ?? 0) > 0 || ALWAYS.has(s)) states.push(s);
  }
  let free = 0;
  for (let o = 0; o <= maxOrder; o++) free += counts[FrameState.Free0 + o] ?? 0;

  return (
    <section className="panel legend" aria-labelledby="legend-title">
      <h2 id="legend-title">Legend</h2>
      <div className="legend-free">
        <div className="legend-row">
          <span>free in the buddy allocator, by block order</span>
          <span className="count">{count(free)}</span>
        </div>
        <ol className="ramp" aria-label="Free block orders">
          {FREE_ORDER_COLORS.slice(0, maxOrder + 1).map((c, o) => {
            const n = counts[FrameState.Free0 + o] ?? 0;
            return (
              <li key={o} title={`order ${o}: blocks of ${2 ** o} frames; ${count(n)} frames free`}>
                <span className="ramp-cell" style={{ background: c }} aria-hidden="true" />
                <span className="ramp-label">
                  <span className="sr-only">order </span>
                  {o}
                  <span className="sr-only">: {count(n)} frames</span>
                </span>
              </li>
            );
          })}
        </ol>
      </div>
      <ul className="legend-list">
        {states.map((s) => (
          <li key={s} className="legend-row" data-state={s}>
            <PatternSwatch state={s} />
            <span className="name">{frameStateName(s)}</span>
            <span className="count">{count(counts[s] ?? 0)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
