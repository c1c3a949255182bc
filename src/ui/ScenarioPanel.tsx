/**
 * The scenario panel: every button and page click runs one line of the scenario language
 * (docs/scenario-language.md); the transcript shows those lines and what they printed, and the box
 * runs lines the learner types (Ctrl+Enter). A bad line is reported with its line and column, and the
 * machine stays as it was before that line.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useAppState, useController } from './context.ts';

export function ScenarioPanel() {
  const controller = useController();
  const history = useAppState((s) => s.history);
  const busy = useAppState((s) => s.status !== 'ready');
  const booted = useAppState((s) => s.machine?.booted ?? false);
  const [text, setText] = useState('');
  const ids = { box: useId(), hint: useId() };
  const logRef = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [history]);

  const run = async () => {
    if (!text.trim()) return;
    const r = await controller.run(text);
    if (r && r.errors.length === 0) setText('');
  };

  return (
    <section className="panel scenario-panel" aria-labelledby="scenario-title">
      <h2 id="scenario-title">Scenario</h2>
      <pre ref={logRef} className="transcript" role="log" aria-label="Scenario lines run" tabIndex={0}>
        {history.length === 0 ? (
          <span className="muted">The lines the app runs for you appear here.</span>
        ) : (
          history.map((h, i) => (
            <span key={i}>
              {transcriptLines(h.text, h.errors[0]?.line)}
              {h.output}
              {h.errors.map((e) => (
                <span key={`${e.line}:${e.col}`} className="error-text">
                  {`error: line ${e.line}:${e.col}: ${e.message}\n`}
                </span>
              ))}
            </span>
          ))
        )}
      </pre>
      <form
        className="scenario-form"
        aria-label="Run scenario lines"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label htmlFor={ids.box}>Scenario lines</label>
        <textarea
          id={ids.box}
          value={text}
          rows={3}
          spellCheck={false}
          placeholder={'A read r1 0 64M 4K\nshow /proc/A/smaps_rollup'}
          aria-describedby={ids.hint}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void run();
            }
          }}
        />
        <div className="scenario-buttons">
          <button type="submit" className="primary" disabled={busy || !booted || !text.trim()}>
            Run
          </button>
          <span id={ids.hint} className="muted hint">
            Ctrl+Enter runs. spawn, mmap, read, write, madvise, mprotect, munmap, fork, exit, show, expect…
          </span>
        </div>
      </form>
    </section>
  );
}

/** The lines as typed, `> ` before each; those after the line that failed are marked as not run. */
function transcriptLines(text: string, failedLine: number | undefined): string {
  return text
    .split('\n')
    .map((l, i) =>
      l.trim() ? `> ${l}${failedLine !== undefined && i + 1 > failedLine ? '   (not run)' : ''}\n` : '',
    )
    .join('');
}
