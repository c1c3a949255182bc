/**
 * The explanation column's "What happened": the timeline step the view is at, or, live, the newest
 * operation (a live action is just the newest step). It names the kernel call path down to the step,
 * the source file, why the function exists, and the entries and counters the step changed; for a
 * boot operation, what that boot function did on this architecture. It reads the timeline the strip
 * fetched (store.timeline), so it never fetches on its own. Live, the last page click's fault card
 * (FaultCard) comes first, so the action and its explanation are read together.
 */
import type { TimelineReply, TimelineStep } from '../worker/protocol.ts';
import { useAppState } from './context.ts';
import { FaultCard } from './FaultCard.tsx';
import { StepFrames } from './StepFrames.tsx';
import { concrete } from './timeline_nav.ts';

/** Changes listed for a whole operation (live, or after an operation); the rest are counted. */
const MAX_CHANGES = 12;

export function StepExplanation() {
  const tl = useAppState((s) => s.timeline);
  const pos = useAppState((s) => s.timelinePos);
  const machine = useAppState((s) => s.machine);
  const sizes = tl?.ops.map((o) => o.steps) ?? [];
  const here = concrete(sizes, pos);
  const op = here && tl ? tl.ops[here.op] : undefined;
  const steps = tl && here && tl.op === here.op ? tl.steps : [];
  const cur = here && here.step < steps.length ? steps[here.step]! : null;
  const boot = op?.kind === 'boot' && machine ? machine.steps[machine.bootIndex - 1] : undefined;

  return (
    <section className="panel explain-panel" aria-labelledby="explain-title" data-testid="explain">
      <div className="panel-head">
        <h2 id="explain-title">What happened</h2>
        <span className={pos ? 'when past' : 'when live'}>{pos ? 'in the past' : 'live'}</span>
      </div>
      {/* Live, the last click's fault leads: the page, its old and new frame, RSS, the frame magnified. */}
      {!pos && <FaultCard />}
      {!tl || !here || !op ? (
        <p className="muted">Nothing done yet. Click a page, run a scenario line or step through boot.</p>
      ) : (
        <>
          <p className="explain-op" data-testid="explain-op">
            Operation {here.op + 1} of {tl.ops.length}: <code>{op.label}</code>
          </p>
          {boot && (
            <div className="explain-boot" data-testid="explain-boot">
              <p>
                Boot step {machine!.bootIndex} of {machine!.steps.length}: <code>{boot.fn}()</code>{' '}
                <span className="muted">({boot.file})</span>
              </p>
              <p className="why">{boot.why}</p>
              {boot.notes.length > 0 && (
                <ul className="notes" aria-label="What the emulator noted">
                  {boot.notes.map((n, k) => (
                    <li key={k}>{n}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {cur ? (
            <>
              <CallPath steps={steps} i={here.step} />
              <StepDetail step={cur} caller={callerOf(steps, here.step)} after={false} />
            </>
          ) : (
            <>
              <StepDetail step={null} caller={null} after={here.step >= steps.length} />
              <OperationSummary tl={tl} steps={steps} />
            </>
          )}
        </>
      )}
    </section>
  );
}

/** handle_mm_fault → do_wp_page → wp_page_copy: the calls the step is inside, outermost first. */
function CallPath({ steps, i }: { steps: readonly TimelineStep[]; i: number }) {
  const path: string[] = [];
  let depth = steps[i]!.kind === 'call' ? steps[i]!.depth + 1 : steps[i]!.depth;
  for (let j = i; j >= 0 && depth > 0; j--) {
    const s = steps[j]!;
    if (s.kind === 'call' && s.depth === depth - 1) {
      path.unshift(s.fn);
      depth = s.depth;
    }
  }
  if (path.length === 0) return null;
  return (
    <p className="call-path" data-testid="explain-path">
      {path.map((fn, k) => (
        <span key={k}>
          {k > 0 && <span aria-hidden="true"> → </span>}
          <code>{fn}</code>
        </span>
      ))}
    </p>
  );
}

/** A whole operation: its call path (the functions entered, in order) and what it changed. */
function OperationSummary({ tl, steps }: { tl: TimelineReply; steps: readonly TimelineStep[] }) {
  if (tl.op === null || steps.length === 0) return null;
  const calls: string[] = [];
  for (const s of steps) if (s.kind === 'call' && !calls.includes(s.fn) && calls.length < 8) calls.push(s.fn);
  const events = steps.filter((s) => s.kind === 'event' && s.summary);
  const link = steps.find((s) => s.kind === 'call' && s.url && s.depth > 0) ?? steps.find((s) => s.url);
  const frames = events.find((s) => s.frames)?.frames;
  return (
    <div className="op-summary" data-testid="explain-summary">
      <p className="call-path" data-testid="explain-path">
        {calls.map((fn, k) => (
          <span key={k}>
            {k > 0 && <span aria-hidden="true"> → </span>}
            <code>{fn}</code>
          </span>
        ))}
        {link?.url && (
          <>
            {' '}
            <a href={link.url} target="_blank" rel="noreferrer">
              {link.file}
            </a>
          </>
        )}
      </p>
      {events.length > 0 && (
        <ul aria-label="What the operation changed">
          {events.slice(0, MAX_CHANGES).map((s, k) => (
            <li key={k}>
              <code>{s.fn}</code> {s.summary}
            </li>
          ))}
          {events.length > MAX_CHANGES && (
            <li className="muted">
              … {events.length - MAX_CHANGES} more changes: step through them in the timeline
            </li>
          )}
        </ul>
      )}
      {frames && <StepFrames frames={frames} />}
    </div>
  );
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
          {step.detail.map((d, k) => (
            <li key={k}>{d}</li>
          ))}
        </ul>
      )}
      {step.frames && <StepFrames frames={step.frames} />}
    </div>
  );
}
