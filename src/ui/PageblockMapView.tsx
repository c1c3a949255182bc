/**
 * The pageblock map (render/pageblock_map.ts) with its keys and its words: pointing at a cell or
 * moving the cursor with the keyboard says the block's pfn range, freetype and direct-map state.
 * Keys on the focused map: arrows move, Home/End go to the first/last block, `u` jumps to the next
 * UNMAPPED block (Shift+U: the previous one).
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import {
  DIRECT_MAP_COLORS,
  FREETYPE_COLORS,
  FREETYPE_LABELS,
  HOLE_COLOR,
  PageblockMap,
  pageblockLayout,
} from '../render/pageblock_map.ts';
import { DM_STATE_NAMES, FREETYPE_HOLE, type UnmappedInfo } from '../worker/protocol.ts';
import { hex } from './format.ts';

const UNMAPPED_IDX = 5;

/** One sentence about a block, for the live region under the map. */
function describeBlock(info: UnmappedInfo, ft: Uint8Array, dm: Uint8Array, b: number): string {
  const first = b * info.pageblockPages;
  const last = first + info.pageblockPages - 1;
  const dmText = info.directMapModelled ? DM_STATE_NAMES[dm[b]!] : 'not modelled on this architecture';
  if (ft[b] === FREETYPE_HOLE) return `pageblock ${b}: pfn ${hex(first)}–${hex(last)}, a hole: no RAM here`;
  return `pageblock ${b}: pfn ${hex(first)}–${hex(last)}, freetype ${FREETYPE_LABELS[ft[b]!] ?? ft[b]}, direct map ${dmText}`;
}

export function PageblockMapView({ info }: { info: UnmappedInfo }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const mapRef = useRef<PageblockMap | null>(null);
  const [cursor, setCursor] = useState(0);
  const [hover, setHover] = useState<number | null>(null);
  const [width, setWidth] = useState(0);
  const descId = useId();
  const ft = useMemo(() => new Uint8Array(info.freetypes), [info]);
  const dm = useMemo(() => new Uint8Array(info.directMap), [info]);
  const n = ft.length;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(host.getBoundingClientRect().width)));
    ro.observe(host);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width <= 0) return;
    const map = (mapRef.current ??= new PageblockMap(canvas));
    map.setData(ft, dm);
    map.setCursor(cursor < n ? cursor : n - 1);
    map.draw(width);
  }, [ft, dm, cursor, width, n]);

  const move = (to: number) => setCursor(Math.max(0, Math.min(n - 1, to)));
  const findUnmapped = (from: number, dir: 1 | -1): number => {
    for (let i = 1; i <= n; i++) {
      const b = (((from + dir * i) % n) + n) % n;
      if (ft[b] === UNMAPPED_IDX) return b;
    }
    return -1;
  };
  // the same layout the renderer computes (a pure function of the block count and the width)
  const cols = pageblockLayout(n, width).cols;
  const shown = hover ?? cursor;
  const unmappedCount = info.counters.unmappedBlocks;

  return (
    <div className="pb-map">
      <div ref={hostRef} className="pb-map-host">
        <canvas
          ref={canvasRef}
          data-testid="pageblock-map"
          data-cols={cols}
          tabIndex={0}
          role="img"
          aria-label={`Pageblock map: ${n} pageblocks of ${info.pageblockPages} pages, coloured by freetype over a direct-map strip. Arrow keys move, u jumps to the next UNMAPPED block.`}
          aria-describedby={descId}
          onMouseMove={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            const b = mapRef.current?.hit(e.clientX - r.left, e.clientY - r.top) ?? -1;
            setHover(b >= 0 ? b : null);
          }}
          onMouseLeave={() => setHover(null)}
          onClick={() => hover !== null && setCursor(hover)}
          onKeyDown={(e) => {
            const k = e.key;
            let to: number;
            if (k === 'ArrowRight') to = cursor + 1;
            else if (k === 'ArrowLeft') to = cursor - 1;
            else if (k === 'ArrowDown') to = cursor + cols;
            else if (k === 'ArrowUp') to = cursor - cols;
            else if (k === 'Home') to = 0;
            else if (k === 'End') to = n - 1;
            else if (k === 'u' || k === 'U') to = findUnmapped(cursor, k === 'U' ? -1 : 1);
            else return;
            e.preventDefault();
            setHover(null);
            if (to >= 0) move(to);
          }}
        />
      </div>
      <p id={descId} className="pb-desc" aria-live="polite" data-testid="pageblock-desc">
        {n > 0 ? describeBlock(info, ft, dm, Math.min(shown, n - 1)) : 'no pageblocks yet (boot first)'}
      </p>
      <p className="muted" data-testid="pageblock-summary">
        {unmappedCount} of {n} pageblocks UNMAPPED · flips out {info.counters.flipsOut}, back in{' '}
        {info.counters.flipsIn} (v2 does not zero a block it maps back) · TLB shootdowns{' '}
        {info.counters.shootdowns}
      </p>
      <ul className="pb-legend" aria-label="Pageblock map legend">
        {FREETYPE_LABELS.map((l, i) => (
          <li key={l}>
            <span className="swatch" style={{ background: FREETYPE_COLORS[i] }} aria-hidden="true" />
            {l}
          </li>
        ))}
        <li>
          <span className="swatch" style={{ background: HOLE_COLOR }} aria-hidden="true" />
          hole (no RAM)
        </li>
        {info.directMapModelled &&
          DM_STATE_NAMES.map((l, i) => (
            <li key={l}>
              <span
                className="swatch strip"
                style={{ background: DIRECT_MAP_COLORS[i] }}
                aria-hidden="true"
              />
              direct map: {l}
            </li>
          ))}
      </ul>
    </div>
  );
}
