/**
 * The one progress bar (store.work): a long run or boot in the worker (a million faults, a 16 GiB
 * machine) with Cancel, or a replay (a boot step back, a timeline seek on a big machine), which
 * cannot be cancelled. Shown once the work has taken PROGRESS_AFTER_MS; Escape cancels too. The
 * worker stops between slices: a run keeps what its completed lines did (the transcript says where it
 * stopped), a boot keeps the previous machine.
 */
import { useEffect } from 'react';
import { useAppState, useController } from './context.ts';
import type { WorkProgress as Work } from './store.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** What the bar says, e.g. "Running line 1 of 2: 412,000 of 1,048,576 accesses". */
function describeWork(w: Work): string {
  if (w.kind === 'boot') return `Booting: ${n(w.done)} of ${n(w.total)} boot steps`;
  if (w.kind === 'boot-replay') return `Replaying boot from the start: step ${n(w.done)} of ${n(w.total)}`;
  if (w.kind === 'replay') return `Replaying: operation ${n(w.done)} of ${n(w.total)}`;
  const line = `Running line ${n(w.line ?? w.done + 1)} (statement ${n(w.done + 1)} of ${n(w.total)})`;
  return w.accessesTotal ? `${line}: ${n(w.accessesDone ?? 0)} of ${n(w.accessesTotal)} accesses` : line;
}

export function WorkProgress() {
  const controller = useController();
  const work = useAppState((s) => s.work);
  const cancellable = work !== null && (work.kind === 'run' || work.kind === 'boot');

  useEffect(() => {
    if (!cancellable) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void controller.cancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [cancellable, controller]);

  if (!work) return null;
  const fraction = work.accessesTotal
    ? (work.done + (work.accessesDone ?? 0) / work.accessesTotal) / work.total
    : work.done / Math.max(1, work.total);
  return (
    <div className="work-progress" role="status" data-testid="work-progress">
      <span>{describeWork(work)}</span>
      <progress max={1} value={fraction} aria-label="Progress of the running work" />
      {cancellable && (
        <button type="button" onClick={() => void controller.cancel()} disabled={work.cancelling}>
          {work.cancelling ? 'Cancelling…' : 'Cancel (Esc)'}
        </button>
      )}
    </div>
  );
}
