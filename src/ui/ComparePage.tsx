/**
 * Compare: the same scenario on two machines side by side. Each side has its own config (arch,
 * granule, VCE, zero-page patch, RAM) and its own worker (compare.ts); "Boot both and run" boots
 * both afresh and runs the lines on each. Below: both frame grids, both /proc/<pid>/status, and
 * a table of the numbers that differ between the arches.
 */
import { memo, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { frameStateName } from '../core/shared/frame_state.ts';
import { FrameGrid } from '../render/frame_grid.ts';
import { ArchFields } from './ArchFields.tsx';
import type { CompareController, CompareSide, Side } from './compare.ts';
import { SIDES } from './compare.ts';
import { useController } from './context.ts';
import { zeroMarkers } from './controller.ts';
import { count, size } from './format.ts';
import { type ArchDraft } from './store.ts';
import { panZoomKeys, runKey } from './grid_keys.ts';

const NAMES = ['A', 'B'] as const;
const KEY_LINES = /^(VmSize|VmRSS|RssAnon|RssShmem|VmPTE):/;
const MEMORY_LINES = /^(Name|State|Pid|Vm\w+|Rss\w+):/;

export function ComparePage() {
  const cmp = useController().compare;
  const scenario = useStore(cmp.store, (s) => s.scenario);
  const running = useStore(cmp.store, (s) => s.sides.some((x) => x.running));
  const id = useId();

  return (
    <main className="compare-page" id="compare" tabIndex={-1}>
      <section className="panel compare-scenario" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>Compare two architectures</h2>
        <p className="hint muted">
          Both machines boot afresh and run the same scenario lines (docs/scenario-language.md): page size,
          page-table levels and zero pages differ, so RSS, page-table memory and the frame grids do too.
        </p>
        <form
          className="scenario-form"
          aria-label="Scenario for both machines"
          onSubmit={(e) => {
            e.preventDefault();
            void cmp.run();
          }}
        >
          <label htmlFor={`${id}-lines`}>Scenario lines for both machines</label>
          <textarea
            id={`${id}-lines`}
            rows={5}
            spellCheck={false}
            value={scenario}
            onChange={(e) => cmp.setScenario(e.target.value)}
          />
          <div className="scenario-buttons">
            <button type="submit" className="primary" disabled={running}>
              {running ? 'Running…' : 'Boot both and run'}
            </button>
          </div>
        </form>
      </section>
      <div className="compare-sides">
        {SIDES.map((i) => (
          <CompareSideView key={i} cmp={cmp} i={i} />
        ))}
      </div>
      <CompareTable cmp={cmp} />
    </main>
  );
}

function SideForm({ cmp, i, draft }: { cmp: CompareController; i: Side; draft: ArchDraft }) {
  const id = useId();
  return (
    <form
      className="compare-form"
      aria-label={`Machine ${NAMES[i]} configuration`}
      onSubmit={(e) => e.preventDefault()}
    >
      <ArchFields id={id} draft={draft} onChange={(d) => cmp.setDraft(i, d)} />
    </form>
  );
}

function CompareSideView({ cmp, i }: { cmp: CompareController; i: Side }) {
  const s = useStore(cmp.store, (st) => st.sides[i]);
  const id = useId();
  const info = s.info;
  const shownPid = s.processes.find((p) => p.name === s.shown)?.pid;
  const lines = (s.status ?? '').split('\n').filter((l) => MEMORY_LINES.test(l));

  return (
    <section className="panel compare-side" aria-labelledby={`${id}-title`} data-testid={`compare-side-${i}`}>
      <h2 id={`${id}-title`}>Machine {NAMES[i]}</h2>
      <SideForm cmp={cmp} i={i} draft={s.draft} />
      <p className="compare-label" data-testid={`compare-label-${i}`}>
        {info ? (
          <>
            {info.arch.label} · {size(info.config.ram)} · {count(info.nrPages)} frames of{' '}
            {size(info.arch.pageSize)}
          </>
        ) : (
          <span className="muted">Not booted yet: press “Boot both and run”.</span>
        )}
        {s.running && <span className="muted"> · running…</span>}
      </p>
      {s.error && (
        <p className="error-text" role="alert">
          {s.error}
        </p>
      )}
      {s.errors.map((e) => (
        <p key={e.line} className="error-text">
          line {e.line}:{e.col}: {e.message}
        </p>
      ))}
      <CompareGrid cmp={cmp} i={i} />
      <div className="panel-head compare-status-head">
        <h3 className="sub-title">
          {shownPid !== undefined ? `/proc/${shownPid}/status` : '/proc/<pid>/status'}
          {s.shown ? ` (${s.shown})` : ''}
        </h3>
        {s.processes.length > 1 && (
          <>
            <label htmlFor={`${id}-proc`}>process</label>
            <select
              id={`${id}-proc`}
              value={s.shown ?? ''}
              onChange={(e) => void cmp.select(i, e.target.value)}
            >
              {s.processes.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} (pid {p.pid})
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      <pre
        className="proc-text compare-status"
        data-testid={`compare-status-${i}`}
        role="region"
        aria-label={`Machine ${NAMES[i]}: /proc/<pid>/status`}
        tabIndex={0}
      >
        {s.status === null
          ? info
            ? 'No process: spawn one in the scenario.'
            : '—'
          : lines.map((l, k) => (
              <span key={k} className={KEY_LINES.test(l) ? 'key-line' : undefined}>
                {l + '\n'}
              </span>
            ))}
      </pre>
      <details className="compare-output">
        <summary>What the scenario printed</summary>
        <pre
          className="proc-text"
          tabIndex={0}
          role="region"
          aria-label={`Machine ${NAMES[i]}: scenario output`}
        >
          {s.output || '(nothing)'}
        </pre>
      </details>
    </section>
  );
}

const CompareGrid = memo(function CompareGrid({ cmp, i }: { cmp: CompareController; i: Side }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<{ pfn: number; state: string } | null>(null);
  const info = useStore(cmp.store, (s) => s.sides[i].info);

  useEffect(() => {
    let grid: FrameGrid | null = null;
    grid = new FrameGrid(hostRef.current!, {
      onHover: (h) => setHover(h && grid ? { pfn: h.pfn, state: frameStateName(grid.stateOf(h.pfn)) } : null),
    });
    const detach = cmp.attachGrid(i, grid);
    const sync = (side: CompareSide) => {
      grid!.setMarkers(zeroMarkers(side.info));
      grid!.setBoundaries(
        (side.info?.zones ?? []).map((z) => ({ pfn: z.startPfn, label: `ZONE_${z.name.toUpperCase()}` })),
      );
    };
    sync(cmp.side(i));
    const unsubscribe = cmp.store.subscribe((s, prev) => {
      if (s.sides[i].info !== prev.sides[i].info) sync(s.sides[i]);
    });
    return () => {
      unsubscribe();
      detach();
      grid!.destroy();
    };
  }, [cmp, i]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const grid = cmp.grid(i);
    if (grid) runKey(e, panZoomKeys(grid, e.shiftKey));
  };

  return (
    <div className="compare-grid">
      <div className="compare-grid-stage">
        <div
          ref={hostRef}
          className="grid-host"
          tabIndex={0}
          role="application"
          aria-roledescription="page frame grid"
          aria-label={`Page frames of machine ${NAMES[i]}, one cell per frame, coloured by state. Arrow keys pan, plus and minus zoom, 0 shows everything.`}
          data-testid={`compare-grid-${i}`}
          onKeyDown={onKeyDown}
        />
      </div>
      <p className="muted compare-grid-caption">
        {hover
          ? `pfn ${hover.pfn} (0x${hover.pfn.toString(16)}): ${hover.state}`
          : info
            ? `${count(info.nrPages)} frames; pfn 0 at top left. Point at a frame for its state.`
            : 'No machine yet.'}
      </p>
    </div>
  );
});

/** The numbers a learner compares, one row each. */
function CompareTable({ cmp }: { cmp: CompareController }) {
  const sides = useStore(cmp.store, (s) => s.sides);
  if (!sides.some((s) => s.info)) return null;
  const field = (s: CompareSide, name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s.status ?? '');
    return m ? `${count(Number(m[1]))} kB` : '—';
  };
  const rows: [string, (s: CompareSide) => string][] = [
    ['arch', (s) => (s.info ? s.info.arch.label : '—')],
    ['page size', (s) => (s.info ? size(s.info.arch.pageSize) : '—')],
    ['page-table levels', (s) => (s.info ? s.info.arch.levels.join(' → ') : '—')],
    [
      'zero pages',
      (s) =>
        s.info?.arch.zeroPages ? `${s.info.arch.zeroPages.count} (mask ${s.info.arch.zeroPageMask})` : '—',
    ],
    ['ZERO_PAGE() calls', (s) => (s.info ? count(s.info.arch.zeroPageCalls) : '—')],
    ['VmSize', (s) => field(s, 'VmSize')],
    ['VmRSS', (s) => field(s, 'VmRSS')],
    ['RssAnon', (s) => field(s, 'RssAnon')],
    ['VmPTE', (s) => field(s, 'VmPTE')],
  ];
  return (
    <section className="panel compare-table-panel" aria-labelledby="compare-table-title">
      <h2 id="compare-table-title">Side by side</h2>
      <p className="hint muted">
        Values that differ between the two machines are highlighted; equal ones are plain.
      </p>
      <table className="walk compare-table" data-testid="compare-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">what</span>
            </th>
            <th scope="col">Machine A</th>
            <th scope="col">Machine B</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, get]) => {
            const a = get(sides[0]);
            const b = get(sides[1]);
            // Only values both machines have and that differ: an unknown (—) is not a difference.
            const differs = a !== b && a !== '—' && b !== '—';
            return (
              <tr key={name} className={differs ? 'differs' : undefined} data-differs={differs}>
                <th scope="row">{name}</th>
                <td>{a}</td>
                <td>
                  {b}
                  {differs && <span className="sr-only"> (differs)</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
