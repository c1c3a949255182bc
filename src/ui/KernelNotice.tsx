/**
 * Deaths: a process the kernel killed (SIGSEGV on a PROT_NONE page, SIGBUS, the OOM killer) is news
 * the learner must not miss, so it is said here in the kernel's words until dismissed.
 */
import { useAppState, useController } from './context.ts';

export function KernelNotice() {
  const controller = useController();
  const deaths = useAppState((s) => s.deaths);
  return (
    <div className="notice-slot" role="status">
      {deaths.length > 0 && (
        <div className="kernel-notice" data-testid="kernel-notice">
          <div className="notice-text">
            <strong>{deaths.length === 1 ? 'A process was killed' : 'Processes were killed'}</strong>
            <ul>
              {deaths.map((d, i) => (
                <li key={i}>
                  {d.name} (pid {d.pid}): {d.reason}
                </li>
              ))}
            </ul>
          </div>
          <button
            type="button"
            onClick={() => controller.dismissDeaths()}
            aria-label="Dismiss the kill notice"
          >
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
