/** Boot progress: which start_kernel() step comes next and why it exists; step or finish. */
import { useAppState, useController } from './context.ts';

export function BootPanel() {
  const controller = useController();
  const machine = useAppState((s) => s.machine);
  const lastStep = useAppState((s) => s.lastStep);
  const busy = useAppState((s) => s.status !== 'ready');
  if (!machine) return null;
  const { steps, bootIndex, booted } = machine;
  const next = steps[bootIndex];

  return (
    <section className="panel boot-panel" aria-labelledby="boot-title">
      <h2 id="boot-title">Boot</h2>
      <p data-testid="boot-progress">
        {booted
          ? `Booted: all ${steps.length} boot steps ran.`
          : `Step ${bootIndex} of ${steps.length} done.`}
      </p>
      {lastStep && (
        <p className="step">
          Ran <code>{lastStep.fn}()</code> <span className="muted">({lastStep.file})</span>
        </p>
      )}
      {next && (
        <>
          <p className="step">
            Next: <code>{next.fn}()</code> <span className="muted">({next.file})</span>
          </p>
          <p className="why">{next.why}</p>
          <div className="buttons">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => void controller.bootStep()}
            >
              Next boot step
            </button>
            <button type="button" disabled={busy} onClick={() => void controller.finishBoot()}>
              Finish boot
            </button>
          </div>
        </>
      )}
    </section>
  );
}
