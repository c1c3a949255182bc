/**
 * The frames a timeline step names (worker/timeline_frames.ts), in the step detail: which one the
 * move onto the step selected (the frame grid, inspector, process grid and free-list view follow the
 * one selection), and a button for each, so the table a PTE write filled can be selected too.
 */
import type { StepFrame } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { hex } from './format.ts';
import './step_frames.css';

export function StepFrames({ frames }: { frames: readonly StepFrame[] }) {
  const controller = useController();
  const selection = useAppState((s) => s.selection);
  const nrPages = useAppState((s) => s.machine?.nrPages ?? 0);
  const chosen = frames.find((f) => f.pfn === selection);
  return (
    <div className="step-frames" data-testid="timeline-step-frames">
      <p>
        {chosen
          ? `Selected frame: pfn ${chosen.pfn} (${hex(chosen.pfn)}), ${chosen.role}.`
          : 'Frames this step names (select one to see it in every view):'}
      </p>
      <ul aria-label="Frames of this step">
        {frames.map((f) => (
          <li key={`${f.pfn}-${f.role}`}>
            <button
              type="button"
              aria-pressed={f.pfn === selection}
              disabled={f.pfn >= nrPages}
              title={f.pfn >= nrPages ? 'past the frames the grid shows' : undefined}
              onClick={() => controller.select(f.pfn)}
            >
              pfn {f.pfn} ({hex(f.pfn)})
            </button>{' '}
            {f.role}
          </li>
        ))}
      </ul>
    </div>
  );
}
