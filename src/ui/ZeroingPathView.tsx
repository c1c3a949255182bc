/**
 * The zeroing path of the last __GFP_ZERO (or init_on_alloc) allocation on a page_alloc_unmapped
 * machine, played back page by page from the core's trace events (ZeroingRun): kernel_init_pages()
 * per pageblock, mapped blocks through the direct map, unmapped ones through clear_page_mermap() —
 * the fast path (one mermap_get for the run) or the slow path (per page, IRQs off, mermap_get_reserved, which may use the slice's headroom page).
 *
 * Playback runs on a timer at the chosen speed; "Skip" shows the end at once. With
 * prefers-reduced-motion a new run is shown finished, and Play still steps through it on request.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ZeroingRun, ZeroStepView } from '../worker/protocol.ts';
import { hex } from './format.ts';

const SPEEDS = [4, 16, 64, 256, 1024];
/** Timer period; each tick advances speed × TICK_MS / 1000 pages (at least one). */
const TICK_MS = 50;

const VIA_TEXT: Record<ZeroStepView['via'], string> = {
  direct_map: 'clear_page(page_address(page)) through the direct map',
  fast: 'clear_page through the run’s mermap slot (fast path)',
  slow: 'local_irq_save; mermap_get_reserved; clear_page; mermap_put; local_irq_restore (slow path, IRQs off)',
};

const VIA_COLOR: Record<ZeroStepView['via'], string> = {
  direct_map: '#117733',
  fast: '#0072b2',
  slow: '#ee3377',
};

function reducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Pages per block row of the picture. */
const COLS = 64;
const CELL = 6;

function drawRun(canvas: HTMLCanvasElement, run: ZeroingRun, shown: number): void {
  const dpr = window.devicePixelRatio || 1;
  const rowsPer = run.blocks.map((b) => Math.ceil(b.nrPages / COLS));
  const gap = 6;
  const h = rowsPer.reduce((a, r) => a + r * CELL + gap, 0);
  const w = COLS * CELL;
  canvas.width = w * dpr;
  canvas.height = Math.max(1, h) * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${Math.max(1, h)}px`;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  const tops: number[] = [];
  let y = 0;
  run.blocks.forEach((b, i) => {
    tops.push(y);
    g.fillStyle = '#e6e6e6';
    for (let p = 0; p < b.nrPages; p++)
      g.fillRect((p % COLS) * CELL, y + Math.floor(p / COLS) * CELL, CELL - 1, CELL - 1);
    y += rowsPer[i]! * CELL + gap;
  });
  // the nth step of a block is its nth page (the core clears a block's pages in order)
  const seen = new Array<number>(run.blocks.length).fill(0);
  for (let s = 0; s < shown && s < run.steps.length; s++) {
    const st = run.steps[s]!;
    const p = seen[st.block]!++;
    g.fillStyle = VIA_COLOR[st.via];
    g.fillRect((p % COLS) * CELL, tops[st.block]! + Math.floor(p / COLS) * CELL, CELL - 1, CELL - 1);
  }
}

function blockText(run: ZeroingRun, i: number): string {
  const b = run.blocks[i]!;
  const head = `block ${i} at pfn ${hex(b.pfn)}: ${b.nrPages} pages`;
  if (!b.unmapped) return `${head}, mapped: cleared through the direct map`;
  if (b.path === 'fast')
    return `${head}, UNMAPPED: clear_page_mermap fast path, one mermap_get (slot ${b.slot})`;
  return `${head}, UNMAPPED: clear_page_mermap slow path, mermap_get of ${b.nrPages} pages failed, so page by page through mermap_get_reserved with IRQs off`;
}

export function ZeroingPathView({ run }: { run: ZeroingRun | null }) {
  if (!run)
    return (
      <p className="muted" data-testid="zeroing-empty">
        No zeroing yet. Allocate with __GFP_ZERO (or boot with init_on_alloc) to see kernel_init_pages() clear
        the pages.
      </p>
    );
  // keyed by the run: a new run starts a fresh playback
  return <ZeroingPlayback key={run.id} run={run} />;
}

function ZeroingPlayback({ run }: { run: ZeroingRun }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const total = run.steps.length;
  // A new run plays from the start, or is shown finished when motion is unwelcome.
  const [shown, setShown] = useState(() => (reducedMotion() ? total : 0));
  const [playing, setPlaying] = useState(() => !reducedMotion());
  const [speed, setSpeed] = useState(64);
  const speedId = useId();

  useEffect(() => {
    if (!playing) return;
    const per = Math.max(1, Math.round((speed * TICK_MS) / 1000));
    const t = setInterval(() => {
      setShown((s) => {
        const next = Math.min(total, s + per);
        if (next >= total) setPlaying(false);
        return next;
      });
    }, TICK_MS);
    return () => clearInterval(t);
  }, [playing, speed, total]);

  useEffect(() => {
    if (canvasRef.current) drawRun(canvasRef.current, run, shown);
  }, [run, shown]);

  const done = run.steps.slice(0, shown);
  const counts = { direct_map: 0, fast: 0, slow: 0 };
  for (const s of done) counts[s.via]++;
  const cur = shown > 0 ? run.steps[shown - 1]! : null;
  return (
    <div className="zeroing-view" data-testid="zeroing-view">
      <p>
        <code>{run.label || 'kernel_init_pages'}</code> on CPU {run.cpu} (unmapped_zeroing={run.mode}):{' '}
        {run.totalSteps} page clears in {run.blocks.length} block{run.blocks.length === 1 ? '' : 's'}
        {run.totalSteps > run.steps.length ? ` (the first ${run.steps.length} shown)` : ''}
      </p>
      <ol className="zero-blocks" data-testid="zeroing-blocks">
        {run.blocks.map((_, i) => (
          <li key={i}>{blockText(run, i)}</li>
        ))}
      </ol>
      <div className="inline-form zero-controls">
        <button
          type="button"
          onClick={() => (shown >= total ? (setShown(0), setPlaying(true)) : setPlaying(!playing))}
        >
          {playing ? 'Pause' : shown >= total ? 'Replay' : 'Play'}
        </button>
        <button
          type="button"
          onClick={() => {
            setPlaying(false);
            setShown((s) => Math.min(total, s + 1));
          }}
          disabled={shown >= total}
        >
          Next page
        </button>
        <button
          type="button"
          onClick={() => {
            setPlaying(false);
            setShown(total);
          }}
          disabled={shown >= total}
        >
          Skip to end
        </button>
        <label htmlFor={speedId}>speed</label>
        <select id={speedId} value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s} pages/s
            </option>
          ))}
        </select>
      </div>
      <canvas
        ref={canvasRef}
        className="zero-canvas"
        role="img"
        aria-label={`Pages of the run by block, ${shown} of ${total} cleared so far: green through the direct map, blue mermap fast path, magenta slow path`}
      />
      <p aria-live="off" data-testid="zeroing-progress">
        {shown} of {total} pages cleared · direct map{' '}
        <span data-testid="zero-count-direct">{counts.direct_map}</span> · fast path{' '}
        <span data-testid="zero-count-fast">{counts.fast}</span> · slow path{' '}
        <span data-testid="zero-count-slow">{counts.slow}</span>
      </p>
      <p className="zero-current" data-testid="zeroing-current">
        {cur
          ? `page ${shown} of ${total}: pfn ${hex(cur.pfn)} (block ${cur.block}) — ${VIA_TEXT[cur.via]}`
          : 'press Play or Next page'}
      </p>
      <ul className="pb-legend" aria-label="Zeroing legend">
        {(Object.keys(VIA_COLOR) as ZeroStepView['via'][]).map((v) => (
          <li key={v}>
            <span className="swatch" style={{ background: VIA_COLOR[v] }} aria-hidden="true" />
            {v === 'direct_map'
              ? 'direct map'
              : v === 'fast'
                ? 'mermap fast path'
                : 'mermap slow path (IRQs off)'}
          </li>
        ))}
      </ul>
    </div>
  );
}
