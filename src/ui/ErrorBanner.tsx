/**
 * The error banner: what went wrong, in the kernel's or the config checker's words. Nothing else is
 * lost. Above it, when the watchdog says the emulator worker is stuck or dead, a banner that says so
 * and offers to restart it and restore the last machine (share_actions.ts restartWorker).
 */
import { useEffect, useState } from 'react';
import type { WorkerHealth } from '../worker/client.ts';
import { useAppState, useController } from './context.ts';
import { restartWorker } from './share/share_actions.ts';

export function ErrorBanner() {
  const controller = useController();
  const error = useAppState((s) => s.error);
  return (
    <div className="error-slot">
      <WorkerBanner />
      {error && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          <span className="error-text">{error}</span>
          <button type="button" onClick={() => controller.dismissError()} aria-label="Dismiss the error">
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

function WorkerBanner() {
  const controller = useController();
  const [health, setHealth] = useState<WorkerHealth>(controller.client.workerHealth);
  const [dismissed, setDismissed] = useState(false);
  const [restarting, setRestarting] = useState(false);
  useEffect(
    () =>
      controller.client.onHealth((h) => {
        setHealth(h);
        if (h.state !== 'stuck') setDismissed(false);
      }),
    [controller],
  );
  if (health.state === 'ok' || dismissed) return null;
  const restart = () => {
    setRestarting(true);
    void restartWorker(controller)
      .then((msg) => controller.showError(msg))
      .finally(() => setRestarting(false));
  };
  const text =
    health.state === 'dead'
      ? `The emulator worker stopped (${health.message}).`
      : `The emulator has not answered for ${Math.round(health.silentMs / 1000)} s (a '${health.command}' is running and reports no progress).`;
  return (
    <div className="error-banner worker-banner" role="alert" data-testid="worker-banner">
      <span className="error-text">
        {text} Restarting it rebuilds the machine as it was after the last completed command.
      </span>
      <button type="button" className="primary" disabled={restarting} onClick={restart}>
        {restarting ? 'Restarting…' : 'Restart and restore'}
      </button>
      {health.state === 'stuck' && (
        <button type="button" onClick={() => setDismissed(true)}>
          Keep waiting
        </button>
      )}
    </div>
  );
}
