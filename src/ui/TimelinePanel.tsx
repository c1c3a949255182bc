/**
 * The timeline strip along the bottom of the workspace: every operation done on this machine (boot
 * steps, scenario lines, allocations...), the one the view is at expanded into its kernel steps
 * (calls indented by depth, and the state changes they made), and debugger controls: back/forward a
 * step, over, into, out, a slider over every step with the live end marked, back to live, continue
 * from here, and "Step through boot". The whole workspace shows the machine at the selected step:
 * the worker replays the operation log up to it (the core is deterministic), so going back is exact.
 * The selected step's detail is in the explanation column (StepExplanation reads store.timeline,
 * which this strip keeps fetched).
 *
 * Keys from anywhere but a text field or a focused grid (ownsKeys): ← → a step back/forward,
 * Shift+→ step over, ↓ step into, ↑ step out, Home the first step of this operation, End live.
 */
import { useEffect, useRef, useState } from 'react';
import { raf } from '../render/raf_scheduler.ts';
import type { TimelinePos } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { ownsKeys } from './keys.ts';
import {
  back,
  bootMove,
  concrete,
  forward,
  fromIndex,
  into,
  out,
  over,
  sliderMax,
  toIndex,
} from './timeline_nav.ts';

/** Steps drawn around the current one (a boot phase can have thousands). */
const WINDOW = 120;

export function TimelinePanel() {
  const controller = useController();
  const pos = useAppState((s) => s.timelinePos);
  const partial = useAppState((s) => s.timelinePartial);
  // The controller reads the timeline after every operation and move (a seek asks for it right
  // behind the move) and keeps the last reply in the store: the strip draws it and the explanation
  // column reads it (and the frames its operation names). A failed read keeps the last one shown,
  // with the message.
  const tl = useAppState((s) => s.timeline);
  const error = useAppState((s) => s.timelineError);
  /** the position last asked for: moves are computed from it so that key repeat is not lost */
  const want = useRef<TimelinePos | null>(pos);
  const queued = useRef<{ pos: TimelinePos | null } | null>(null);
  const seeking = useRef(false);
  const opsList = useRef<HTMLOListElement>(null);
  const stepsList = useRef<HTMLOListElement>(null);
  /** the key handler of the latest render (the document listener calls it) */
  const keyHandler = useRef<((e: globalThis.KeyboardEvent) => void) | null>(null);

  // The timeline keys work from anywhere on the page (not while typing or on a focused grid).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => keyHandler.current?.(e);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!seeking.current) want.current = pos;
  }, [pos]);

  // Keep the current operation and step in sight inside their scrolled lists (not the page), in the
  // next animation frame: measuring right after React's commit would force a layout of the whole
  // page, which the frame then does again.
  const [inSight] = useState(() => () => {
    keepVisible(opsList.current);
    keepVisible(stepsList.current);
  });
  useEffect(() => raf.scheduleRedraw(inSight));

  const sizes = tl?.ops.map((o) => o.steps) ?? [];
  const here = concrete(sizes, pos);
  const steps = tl && tl.op !== null && here && tl.op === here.op ? tl.steps : [];
  const model = { sizes, op: tl?.op ?? -1, depths: steps.map((s) => s.depth) };

  /** Seek to `to`; while a replay runs, only the latest target is kept. */
  const go = async (to: TimelinePos | null) => {
    want.current = to;
    queued.current = { pos: to };
    if (seeking.current) return;
    seeking.current = true;
    try {
      while (queued.current) {
        const next = queued.current.pos;
        queued.current = null;
        // Linked views: a move onto a step that names a frame (an allocation, a PTE write...)
        // selects it, so the grids, the inspector and the free-list view show it.
        await controller.seek(next?.op ?? null, next?.step ?? 0, { selectFrame: true });
      }
    } finally {
      seeking.current = false;
    }
  };

  const onKey = (e: globalThis.KeyboardEvent): void => {
    if (e.altKey || e.ctrlKey || e.metaKey || ownsKeys(e)) return;
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
  useEffect(() => {
    keyHandler.current = tl ? onKey : null;
  });

  if (!tl) return null;
  const max = sliderMax(sizes);
  const later = here && pos ? tl.ops.length - 1 - here.op : 0;
  const first = Math.max(0, (here?.step ?? 0) - WINDOW / 2);
  const shown = steps.slice(first, first + WINDOW);
  const kinds = tl.ops.map((o) => o.kind);
  const bootStart = bootMove(sizes, kinds, pos, 'start');
  const index = toIndex(sizes, pos);

  return (
    <section
      className={`timeline-panel${pos ? ' past' : ''}`}
      aria-labelledby="timeline-title"
      data-testid="timeline"
    >
      <div className="timeline-bar">
        <h2 id="timeline-title">Timeline</h2>
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
            Continue from here{later > 0 ? ` (drops ${later})` : ''}
          </button>
          {bootStart !== undefined && (
            <button
              type="button"
              className="boot-into"
              aria-keyshortcuts="b"
              title="Go back to the first boot function and step through boot (n: next boot function, b: previous)"
              onClick={() => void go(bootStart)}
            >
              ◀ Step through boot <kbd aria-hidden="true">b</kbd>
            </button>
          )}
        </div>
        <label className="timeline-scrub">
          <span className="sr-only">Scrub</span>
          <input
            type="range"
            min={0}
            max={max}
            value={index}
            disabled={tl.ops.length === 0}
            aria-label="Scrub"
            aria-valuetext={
              here ? `operation ${here.op + 1}, step ${here.step}${pos === null ? ' (live)' : ''}` : 'live'
            }
            onChange={(e) => void go(fromIndex(sizes, Number(e.target.value)))}
          />
          <span className={`live-mark${pos === null ? ' at' : ''}`} title="The live end: the present">
            live ●
          </span>
        </label>
        <span className={`timeline-where${pos ? ' past' : ''}`} data-testid="timeline-where" role="status">
          {tl.ops.length === 0
            ? 'Nothing done yet.'
            : pos === null
              ? `Live: after operation ${tl.ops.length} of ${tl.ops.length}.`
              : `Viewing the past: operation ${pos.op + 1} of ${tl.ops.length}, step ${pos.step} of ${sizes[pos.op]}${partial ? ' (in the middle of it)' : ''}.`}
        </span>
      </div>
      {error && <p className="error-text">{error}</p>}
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
