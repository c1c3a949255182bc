/**
 * The boot stepper: start_kernel()'s memory steps grouped by phase, the one that ran last
 * highlighted with its source file, why it exists and what the emulator noted while it ran; buttons
 * (and keys) to step one function (n), step over the rest of a phase (N), run to the end (g), or go
 * one step back (b: the worker replays boot from the start, the core being deterministic).
 */
import { useEffect } from 'react';
import type { BootStepInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { ownsKeys } from './keys.ts';
import { bootMove } from './timeline_nav.ts';

interface PhaseGroup {
  phase: string;
  steps: { step: BootStepInfo; index: number }[];
}

function groupByPhase(steps: BootStepInfo[]): PhaseGroup[] {
  const groups: PhaseGroup[] = [];
  steps.forEach((step, index) => {
    const last = groups[groups.length - 1];
    if (last && last.phase === step.phase) last.steps.push({ step, index });
    else groups.push({ phase: step.phase, steps: [{ step, index }] });
  });
  return groups;
}

export function BootPanel() {
  const controller = useController();
  const machine = useAppState((s) => s.machine);
  const busy = useAppState((s) => s.status !== 'ready');

  // n / N (shift+n) / b / g from anywhere on the page, except while typing. On a booted machine n and
  // b walk the boot operations of the timeline instead: b from live steps back into boot.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || ownsKeys(e)) return;
      const s = controller.store.getState();
      const m = s.machine;
      if (!m || s.status !== 'ready') return;
      let action: (() => Promise<unknown>) | null = null;
      const tl = s.timeline;
      const live = s.timelinePos === null;
      if (tl && (e.key === 'n' || e.key === 'b') && (!live || m.booted)) {
        const to = bootMove(
          tl.ops.map((o) => o.steps),
          tl.ops.map((o) => o.kind),
          s.timelinePos,
          e.key === 'n' ? 'next' : 'back',
        );
        if (to !== undefined && !(live && to === null))
          action = () => controller.seek(to?.op ?? null, to?.step ?? 0);
      } else if (e.key === 'n' && !m.booted) action = () => controller.bootStep();
      else if (e.key === 'N' && !m.booted) action = () => controller.bootRunPhase();
      else if (e.key === 'g' && !m.booted) action = () => controller.finishBoot();
      else if (e.key === 'b' && m.canStepBack) action = () => controller.bootBack();
      if (!action) return;
      e.preventDefault();
      void action();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [controller]);

  if (!machine) return null;
  const { steps, bootIndex, booted, canStepBack } = machine;
  const current = bootIndex > 0 ? steps[bootIndex - 1]! : null;
  const next = steps[bootIndex] ?? null;
  const backHint = canStepBack
    ? 'One step back: boot is replayed from the start (key: b)'
    : bootIndex === 0
      ? 'No step has run yet'
      : 'This machine has done more than boot (processes, allocations): Reboot instead';

  return (
    <section className="panel boot-panel" aria-labelledby="boot-title">
      <div className="panel-head">
        <h2 id="boot-title">Boot</h2>
        <span className="muted" data-testid="boot-progress">
          {booted
            ? `Booted: all ${steps.length} boot steps ran.`
            : `Step ${bootIndex} of ${steps.length} done.`}
        </span>
      </div>
      <div className="buttons" role="group" aria-label="Boot stepper">
        <button
          type="button"
          className="primary"
          disabled={busy || booted}
          aria-keyshortcuts="n"
          title="Run the next boot function (key: n)"
          onClick={() => void controller.bootStep()}
        >
          Step <kbd aria-hidden="true">n</kbd>
        </button>
        <button
          type="button"
          disabled={busy || booted}
          aria-keyshortcuts="Shift+N"
          title="Run to the first step of the next phase (key: N)"
          onClick={() => void controller.bootRunPhase()}
        >
          Step over phase <kbd aria-hidden="true">N</kbd>
        </button>
        <button
          type="button"
          disabled={busy || booted}
          aria-keyshortcuts="g"
          title="Run every remaining step; the grid follows each (key: g)"
          onClick={() => void controller.finishBoot()}
        >
          Run to end <kbd aria-hidden="true">g</kbd>
        </button>
        <button
          type="button"
          disabled={busy || !canStepBack}
          aria-keyshortcuts="b"
          title={backHint}
          onClick={() => void controller.bootBack()}
        >
          Back <kbd aria-hidden="true">b</kbd>
        </button>
      </div>
      <div className="boot-current" data-testid="boot-current" data-fn={current?.fn ?? ''}>
        {current ? (
          <>
            <p className="step">
              Ran <code>{current.fn}()</code>{' '}
              <span className="muted">
                ({current.file}, {current.phase})
              </span>
            </p>
            <p className="why">{current.why}</p>
            {current.notes.length > 0 && (
              <ul className="notes" aria-label="What the emulator noted">
                {current.notes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            )}
          </>
        ) : (
          <p className="why">
            Nothing has run yet: the kernel does not know where RAM is. Step to read the firmware&apos;s
            memory map into memblock.
          </p>
        )}
      </div>
      {next && (
        <div className="boot-next" data-testid="boot-next">
          <p className="step">
            Next: <code>{next.fn}()</code> <span className="muted">({next.file})</span>
          </p>
          <p className="why">{next.why}</p>
        </div>
      )}
      <details className="boot-steps" open={!booted}>
        <summary>All {steps.length} steps, by phase</summary>
        <ol className="phase-list">
          {groupByPhase(steps).map((g) => (
            <li key={g.steps[0]!.index}>
              <span className="phase-name">{g.phase}</span>
              <ol className="step-list">
                {g.steps.map(({ step, index }) => {
                  const state =
                    index === bootIndex - 1
                      ? 'current'
                      : index < bootIndex
                        ? 'done'
                        : index === bootIndex
                          ? 'next'
                          : 'todo';
                  return (
                    <li
                      key={index}
                      className={`boot-step ${state}`}
                      aria-current={state === 'current' ? 'step' : undefined}
                      data-testid={`boot-step-${index}`}
                    >
                      <span className="mark" aria-hidden="true">
                        {state === 'current' ? '▶' : state === 'done' ? '✓' : state === 'next' ? '›' : ''}
                      </span>
                      <code>{step.fn}</code>
                      <span className="file">{step.file}</span>
                      {state === 'next' && <span className="sr-only">(next)</span>}
                    </li>
                  );
                })}
              </ol>
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}
