/**
 * The timeline: every operation done on this machine (boot steps, scenario lines, allocations...),
 * the one the view is at expanded into its kernel steps (calls indented by depth, and the state
 * changes they made), and debugger controls: back/forward a step, over, into, out, a slider over
 * every step, back to live. The whole page shows the machine at the selected step: the worker
 * replays the operation log up to it (the core is deterministic), so going back is exact.
 *
 * Keys, with focus in the panel: ← → a step back/forward, Shift+→ step over, ↓ step into, ↑ step out,
 * Home the first step of this operation, End live.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { TimelinePos, TimelineReply, TimelineStep } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { StepFrames } from './StepFrames.tsx';
import { back, concrete, forward, fromIndex, into, out, over, sliderMax, toIndex } from './timeline_nav.ts';

/** Steps drawn around the current one (a boot phase can have thousands). */
const WINDOW = 120;

export function TimelinePanel() {
  const controller = useController();
  const pos = useAppState((s) => s.timelinePos);
  const partial = useAppState((s) => s.timelinePartial);
  const progress = useAppState((s) => s.timelineProgress);
  const opVersion = useAppState((s) => s.opVersion);
  const generation = useAppState((s) => s.machine?.generation);
  const [tl, setTl] = useState<TimelineReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** the position last asked for: moves are computed from it so that key repeat is not lost */
  const want = useRef<TimelinePos | null>(pos);
  const queued = useRef<{ pos: TimelinePos | null } | null>(null);
  const seeking = useRef(false);
  const opsList = useRef<HTMLOListElement>(null);
  const stepsList = useRef<HTMLOListElement>(null);
  /** the position (`op.step`) a move asked for: on arriving, its step's frame is selected */
  const selectOnArrival = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    controller.timeline(null).then(
      (r) => {
        if (!live) return;
        setTl(r);
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [controller, opVersion, generation, pos]);

  useEffect(() => {
    if (!seeking.current) want.current = pos;
  }, [pos]);

  // Linked views: a move onto a step that names a frame (an allocation, a PTE write...) selects it,
  // so the grids, the inspector and the free-list view show it. Only a move made here does: a share
  // link's seek must not replace the selection the link restores.
  useEffect(() => {
    if (!tl || !pos || tl.op !== pos.op || selectOnArrival.current !== `${pos.op}.${pos.step}`) return;
    selectOnArrival.current = null;
    const f = tl.steps[pos.step]?.frames?.[0];
    if (f && f.pfn < (controller.store.getState().machine?.nrPages ?? 0)) controller.select(f.pfn);
  }, [controller, tl, pos]);

  // Keep the current operation and step in sight inside their scrolled lists (not the page).
  useEffect(() => {
    keepVisible(opsList.current);
    keepVisible(stepsList.current);
  });

  if (!tl) return null;
  const sizes = tl.ops.map((o) => o.steps);
  const here = concrete(sizes, pos);
  const steps = tl.op !== null && here && tl.op === here.op ? tl.steps : [];
  const model = { sizes, op: tl.op ?? -1, depths: steps.map((s) => s.depth) };

  /** Seek to `to`; while a replay runs, only the latest target is kept. */
  const go = async (to: TimelinePos | null) => {
    want.current = to;
    selectOnArrival.current = to ? `${to.op}.${to.step}` : null;
    queued.current = { pos: to };
    if (seeking.current) return;
    seeking.current = true;
    try {
      while (queued.current) {
        const next = queued.current.pos;
        queued.current = null;
        await controller.seek(next?.op ?? null, next?.step ?? 0);
      }
    } finally {
      seeking.current = false;
    }
  };

  const onKey = (e: KeyboardEvent<HTMLElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if ((e.target as HTMLElement).tagName === 'INPUT') return; // the slider has its own arrows
    const from = want.current;
    let to: TimelinePos | null | undefined;
    if (e.key === 'ArrowLeft') to = back(sizes, from);
    else if (e.key === 'ArrowRight') to = e.shiftKey ? over(model, from) : forward(sizes, from);
    else if (e.key === 'ArrowDown') to = into(model, from);
    else if (e.key === 'ArrowUp') to = out(model, from);
    else if (e.key === 'End') to = null;
    else if (e.key === 'Home') {
      const c = concrete(sizes, from);
      to = c ? { op: c.op, step: 0 } : null;
    }
    if (to === undefined) return;
    e.preventDefault();
    void go(to);
  };

  const max = sliderMax(sizes);
  const later = here && pos ? tl.ops.length - 1 - here.op : 0;
  const cur = here && here.step < steps.length ? steps[here.step]! : null;
  const first = Math.max(0, (here?.step ?? 0) - WINDOW / 2);
  const shown = steps.slice(first, first + WINDOW);

  return (
    <section
      className="panel timeline-panel"
      aria-labelledby="timeline-title"
      onKeyDown={onKey}
      data-testid="timeline"
    >
      <div className="panel-head">
        <h2 id="timeline-title">Timeline</h2>
        <span className="muted" data-testid="timeline-where" role="status">
          {tl.ops.length === 0
            ? 'Nothing done yet.'
            : pos === null
              ? `Live: after operation ${tl.ops.length} of ${tl.ops.length}.`
              : `Viewing the past: operation ${pos.op + 1} of ${tl.ops.length}, step ${pos.step} of ${sizes[pos.op]}${partial ? ' (in the middle of it)' : ''}.`}
        </span>
      </div>
      {error && <p className="error-text">{error}</p>}
      <div className="buttons" role="group" aria-label="Timeline stepper">
        <button
          type="button"
          aria-keyshortcuts="ArrowLeft"
          onClick={() => void go(back(sizes, want.current))}
        >
          ← Back
        </button>
        <button
          type="button"
          aria-keyshortcuts="ArrowRight"
          disabled={pos === null}
          onClick={() => void go(forward(sizes, want.current))}
        >
          Forward →
        </button>
        <button
          type="button"
          aria-keyshortcuts="Shift+ArrowRight"
          disabled={pos === null}
          onClick={() => void go(over(model, want.current))}
        >
          Over ⇧→
        </button>
        <button
          type="button"
          aria-keyshortcuts="ArrowDown"
          disabled={pos === null}
          onClick={() => void go(into(model, want.current))}
        >
          Into ↓
        </button>
        <button
          type="button"
          aria-keyshortcuts="ArrowUp"
          disabled={pos === null}
          onClick={() => void go(out(model, want.current))}
        >
          Out ↑
        </button>
        <button type="button" aria-keyshortcuts="End" disabled={pos === null} onClick={() => void go(null)}>
          Live <kbd aria-hidden="true">End</kbd>
        </button>
        <button
          type="button"
          disabled={pos === null}
          title="Make this the present: the operations after it are dropped (an operation seen half way is completed first)"
          onClick={() => void controller.continueFromHere()}
        >
          Continue from here{later > 0 ? ` (drops ${later} later operation${later === 1 ? '' : 's'})` : ''}
        </button>
      </div>
      <label className="timeline-scrub">
        <span>Scrub</span>
        <input
          type="range"
          min={0}
          max={max}
          value={toIndex(sizes, pos)}
          disabled={tl.ops.length === 0}
          aria-valuetext={
            here ? `operation ${here.op + 1}, step ${here.step}${pos === null ? ' (live)' : ''}` : 'live'
          }
          onChange={(e) => void go(fromIndex(sizes, Number(e.target.value)))}
        />
      </label>
      <p className="muted hint">
        Keys with focus here: ← → step back/forward, Shift+→ step over, ↓ into, ↑ out, Home start of the
        operation, End live. Each step is shown right after it ran; in the middle of an operation the machine
        is a replay stopped there, for looking only (it is thrown away on the next move). While the view is in
        the past, other actions are refused until you go Live or continue from here.
      </p>
      {progress && (
        <p role="status" className="replay-progress">
          Replaying: operation {progress.done} of {progress.total}…
        </p>
      )}
      <div className="timeline-body">
        <ol className="timeline-ops" aria-label="Operations" ref={opsList}>
          {tl.ops.map((o, i) => (
            <li key={i}>
              <button
                type="button"
                className={here?.op === i ? 'current' : undefined}
                aria-current={here?.op === i ? 'true' : undefined}
                title={`${o.steps} steps${o.truncated ? ' (more happened than the timeline keeps)' : ''}`}
                onClick={() => void go({ op: i, step: 0 })}
              >
                <span className="op-n">{i + 1}</span> {o.label}
              </button>
            </li>
          ))}
        </ol>
        <div className="timeline-steps">
          {steps.length === 0 ? (
            <p className="muted">This operation changed nothing the timeline records.</p>
          ) : (
            <ol aria-label={`Steps of operation ${(tl.op ?? 0) + 1}`} start={first + 1} ref={stepsList}>
              {shown.map((s, k) => {
                const i = first + k;
                return (
                  <li
                    key={i}
                    className={`${s.kind}${here?.step === i ? ' current' : ''}`}
                    style={{ paddingLeft: `${s.depth * 0.9}em` }}
                    aria-current={here?.step === i ? 'step' : undefined}
                  >
                    <button type="button" onClick={() => void go({ op: tl.op!, step: i })}>
                      <code>{s.kind === 'call' ? `${s.fn}()` : s.fn}</code>
                      {s.summary && <span className="summary"> {s.summary}</span>}
                    </button>
                  </li>
                );
              })}
              {first + WINDOW < steps.length && (
                <li className="muted">… {steps.length - first - WINDOW} more</li>
              )}
            </ol>
          )}
          <StepDetail
            step={cur}
            caller={here ? callerOf(steps, here.step) : null}
            after={here !== null && here.step >= steps.length}
          />
        </div>
      </div>
    </section>
  );
}

/** Scroll a list so that its `[aria-current]` item is visible; the page itself does not move. */
function keepVisible(list: HTMLElement | null): void {
  const item = list?.querySelector<HTMLElement>('[aria-current]');
  if (!list || !item) return;
  const top = item.offsetTop; // the list is position: relative, so this is inside it
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + item.offsetHeight > list.scrollTop + list.clientHeight)
    list.scrollTop = top + item.offsetHeight - list.clientHeight;
}

/** The call a step is made in: the nearest call before it one level up. */
function callerOf(steps: readonly TimelineStep[], i: number): TimelineStep | null {
  const d = steps[i]?.depth;
  if (d === undefined) return null;
  for (let j = i - 1; j >= 0; j--)
    if (steps[j]!.kind === 'call' && steps[j]!.depth === d - 1) return steps[j]!;
  return null;
}

function StepDetail({
  step,
  caller,
  after,
}: {
  step: TimelineStep | null;
  caller: TimelineStep | null;
  after: boolean;
}) {
  if (!step)
    return (
      <div className="step-detail" data-testid="timeline-step">
        <p className="muted">{after ? 'After the whole operation.' : ''}</p>
      </div>
    );
  return (
    <div className="step-detail" data-testid="timeline-step" data-fn={step.fn}>
      <p>
        {step.kind === 'call' ? 'Entered ' : 'Changed by '}
        <code>{step.kind === 'call' ? `${step.fn}()` : step.fn}</code>
        {step.file && step.url && (
          <>
            {' '}
            <a href={step.url} target="_blank" rel="noreferrer">
              {step.file}
            </a>
          </>
        )}
      </p>
      {step.why && <p className="why">{step.why}</p>}
      {step.kind === 'event' && caller && (
        <p className="why">
          In <code>{caller.fn}()</code>
          {caller.why ? `: ${caller.why}` : ''}
        </p>
      )}
      {step.summary && <p className="summary">{step.summary}</p>}
      {step.detail.length > 0 && (
        <ul aria-label="What changed">
          {step.detail.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      )}
      {step.frames && <StepFrames frames={step.frames} />}
    </div>
  );
}
