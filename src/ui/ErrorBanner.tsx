/** The error banner: what went wrong, in the kernel's or the config checker's words. Nothing else is lost. */
import { useAppState, useController } from './context.ts';

export function ErrorBanner() {
  const controller = useController();
  const error = useAppState((s) => s.error);
  return (
    <div className="error-slot">
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
