/**
 * While the view is in the past (a timeline seek), a banner over the stage says so and where, with
 * "Back to live" and "Continue from here"; the stage is tinted (styles.css `.workspace.past`). An
 * action refused because of the past (the worker keeps the past read-only) is offered again here:
 * continue from here and do it, or go back to live and do it — not a red error.
 */
import { useAppState, useController } from './context.ts';

export function PastBanner() {
  const controller = useController();
  const pos = useAppState((s) => s.timelinePos);
  const ops = useAppState((s) => s.timeline?.ops.length ?? 0);
  const refused = useAppState((s) => s.pastRefused);
  if (!pos) return null;
  const later = ops - 1 - pos.op;
  return (
    <div className="past-banner" data-testid="past-banner" role={refused ? 'alert' : 'status'}>
      {refused ? (
        <>
          <span>
            <strong>That needs the present.</strong> {refused}.
          </span>
          <button type="button" className="primary" onClick={() => void controller.resolvePast('continue')}>
            Continue from here and do it{later > 0 ? ` (drops ${later} later)` : ''}
          </button>
          <button type="button" onClick={() => void controller.resolvePast('live')}>
            Back to live and do it
          </button>
          <button type="button" onClick={() => void controller.resolvePast('dismiss')}>
            Keep looking
          </button>
        </>
      ) : (
        <>
          <span>
            <strong>Viewing the past</strong>: the machine as it was at operation {pos.op + 1} of {ops}, step{' '}
            {pos.step}.
          </span>
          <button type="button" className="primary" onClick={() => void controller.seek(null)}>
            Back to live <kbd aria-hidden="true">End</kbd>
          </button>
          <button type="button" onClick={() => void controller.continueFromHere()}>
            Continue from here{later > 0 ? ` (drops ${later} later)` : ''}
          </button>
        </>
      )}
    </div>
  );
}
