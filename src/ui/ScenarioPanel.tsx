/**
 * The scenario panel: every button and page click runs one line of the scenario language
 * (docs/scenario-language.md); the transcript shows those lines and what they printed, and the
 * editor (ScenarioEditor) runs a scenario the learner writes or loads (Ctrl+Enter). A bad line is
 * marked at its line and column, and the machine stays as it was before that line.
 */
import { useEffect, useRef, useState } from 'react';
import { raf } from '../render/raf_scheduler.ts';
import { useAppState } from './context.ts';
import { ScenarioEditor } from './ScenarioEditor.tsx';

export function ScenarioPanel() {
  const history = useAppState((s) => s.history);
  const logRef = useRef<HTMLPreElement>(null);

  // Scrolled to the end in the next animation frame, not in the effect: reading scrollHeight right
  // after React's commit forces a layout of the whole page, which the frame then does again.
  const [toEnd] = useState(() => () => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => raf.scheduleRedraw(toEnd), [history, toEnd]);

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
      <ScenarioEditor />
    </section>
  );
}

/** A run longer than this shows its first lines and a count of the rest (a million-line paste). */
const TRANSCRIPT_LINES = 200;

/** The lines as typed, `> ` before each; those after the line that failed are marked as not run. */
function transcriptLines(text: string, failedLine: number | undefined): string {
  const lines = text.split('\n');
  const shown = lines
    .slice(0, TRANSCRIPT_LINES)
    .map((l, i) =>
      l.trim() ? `> ${l}${failedLine !== undefined && i + 1 > failedLine ? '   (not run)' : ''}\n` : '',
    )
    .join('');
  const more = lines.length - TRANSCRIPT_LINES;
  return more > 0 ? `${shown}> … ${more.toLocaleString('en-US')} more lines\n` : shown;
}
