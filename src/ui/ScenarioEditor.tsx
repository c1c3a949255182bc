/**
 * The scenario editor: a textarea with a line-number gutter where the learner writes or loads a
 * whole scenario and runs it. The first line that fails is marked in the gutter with its message
 * below; its button puts the caret on the line and column. The machine stays as after the lines
 * before it (the worker stops at a bad line). A scenario that starts with `machine` (the examples
 * do) reboots with that machine first (scenario/scenario_text.ts; the worker parses the line).
 *
 * A plain textarea, not an editor library: the language is one statement per line with no nesting,
 * so highlighting earns little, and CodeMirror or Monaco would add hundreds of kB to the bundle.
 * The gutter draws only the visible line numbers, so a pasted million-line scenario stays cheap.
 */
import { useId, useMemo, useRef, useState } from 'react';
import type { RunErrorInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { EXAMPLES } from './scenario/examples.ts';
import { blankLine, leadingMachineLine, offsetOf } from './scenario/scenario_text.ts';

/** Must match `.editor textarea` line-height in styles.css. */
const LINE_PX = 18;

export function ScenarioEditor() {
  const controller = useController();
  const busy = useAppState((s) => s.status !== 'ready');
  const hasMachine = useAppState((s) => s.machine !== null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<RunErrorInfo[]>([]);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(6 * LINE_PX);
  const ids = { box: useId(), hint: useId(), examples: useId(), errors: useId() };
  const boxRef = useRef<HTMLTextAreaElement>(null);

  const lineCount = useMemo(() => {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
  }, [text]);
  const errorLines = useMemo(() => new Map(errors.map((e) => [e.line, e])), [errors]);

  const run = async () => {
    if (!text.trim()) return;
    setErrors([]);
    let toRun = text;
    const machine = leadingMachineLine(text);
    if (machine) {
      let r;
      try {
        r = await controller.track(controller.client.machineConfig(machine.text));
      } catch (e) {
        controller.showError(e instanceof Error ? e.message : String(e));
        return;
      }
      if (!r.config) {
        setErrors([{ ...r.error!, line: machine.line }]);
        return;
      }
      const ok = await controller.reboot({ config: r.config, boot: false });
      if (!ok) {
        setErrors([
          {
            line: machine.line,
            col: 1,
            message: controller.store.getState().error ?? 'the machine could not boot',
          },
        ]);
        return;
      }
      toRun = blankLine(text, machine.line);
    }
    const r = await controller.run(toRun);
    setErrors(r?.errors ?? []);
  };

  /** Put the caret on an error's line and column and scroll it into view. */
  const jumpTo = (e: RunErrorInfo) => {
    const box = boxRef.current;
    if (!box) return;
    const at = offsetOf(box.value, e.line, e.col);
    box.focus();
    box.setSelectionRange(at, at);
    box.scrollTop = Math.max(0, (e.line - 3) * LINE_PX);
    setScrollTop(box.scrollTop);
  };

  // Only the line numbers in view (plus one partly visible at each edge).
  const first = Math.floor(scrollTop / LINE_PX) + 1;
  const last = Math.min(lineCount, first + Math.ceil(height / LINE_PX) + 1);
  const gutter = [];
  for (let n = first; n <= last; n++) {
    const err = errorLines.get(n);
    gutter.push(
      <div
        key={n}
        className={err ? 'gutter-line gutter-error' : 'gutter-line'}
        style={{ top: (n - 1) * LINE_PX - scrollTop }}
        title={err ? `line ${err.line}:${err.col}: ${err.message}` : undefined}
        data-line={n}
      >
        {err ? '● ' : ''}
        {n}
      </div>,
    );
  }

  return (
    <form
      className="scenario-form"
      aria-label="Run scenario lines"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <div className="editor-head">
        <label htmlFor={ids.box}>Scenario lines</label>
        <label className="examples-label" htmlFor={ids.examples}>
          Examples
        </label>
        <select
          id={ids.examples}
          value=""
          onChange={(e) => {
            const ex = EXAMPLES.find((x) => x.name === e.target.value);
            if (!ex) return;
            setText(ex.text);
            setErrors([]);
            setScrollTop(0);
            if (boxRef.current) boxRef.current.scrollTop = 0;
          }}
        >
          <option value="">Load an example…</option>
          {EXAMPLES.map((x) => (
            <option key={x.name} value={x.name} title={x.title}>
              {x.name}
            </option>
          ))}
        </select>
      </div>
      <div className="editor" data-testid="scenario-editor">
        <div className="editor-gutter" aria-hidden="true" data-testid="editor-gutter">
          {gutter}
        </div>
        <textarea
          id={ids.box}
          ref={boxRef}
          value={text}
          rows={6}
          wrap="off"
          spellCheck={false}
          placeholder={'spawn A\nA mmap r1 64M rw\nA read r1 0 64M 4K\nshow /proc/A/smaps_rollup'}
          aria-describedby={errors.length ? `${ids.errors} ${ids.hint}` : ids.hint}
          aria-invalid={errors.length > 0}
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => {
            setScrollTop(e.currentTarget.scrollTop);
            setHeight(e.currentTarget.clientHeight);
          }}
          onMouseUp={(e) => setHeight(e.currentTarget.clientHeight)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void run();
            }
          }}
        />
      </div>
      {errors.length > 0 && (
        <ul id={ids.errors} className="editor-errors" data-testid="editor-errors">
          {errors.map((e) => (
            <li key={`${e.line}:${e.col}`}>
              <button type="button" className="link" onClick={() => jumpTo(e)}>
                Go to line {e.line}:{e.col}
              </button>{' '}
              <span className="error-text">{e.message}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="scenario-buttons">
        <button type="submit" className="primary" disabled={busy || !hasMachine || !text.trim()}>
          Run
        </button>
        <button
          type="button"
          disabled={!text}
          onClick={() => {
            setText('');
            setErrors([]);
          }}
        >
          Clear
        </button>
        <span id={ids.hint} className="muted hint">
          Ctrl+Enter runs the whole text ({lineCount.toLocaleString('en-US')} lines). A leading{' '}
          <code>machine</code> line reboots first.
        </span>
      </div>
    </form>
  );
}
