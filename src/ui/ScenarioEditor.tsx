/**
 * The scenario editor: a textarea with a line-number gutter where the learner writes or loads a
 * whole scenario and runs it. The first line that fails is marked in the gutter with its message
 * below; its button puts the caret on the line and column. The machine stays as after the lines
 * before it (the worker stops at a bad line). A scenario that starts with `machine` (the examples
 * do) reboots with that machine first (scenario/scenario_text.ts; the worker parses the line).
 * The textarea, gutter and error list are LineEditor's (shared with the lesson editor).
 */
import { useId, useMemo, useRef, useState } from 'react';
import type { RunErrorInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { LineEditor, type LineEditorHandle } from './LineEditor.tsx';
import { EXAMPLES } from './scenario/examples.ts';
import { blankLine, leadingMachineLine } from './scenario/scenario_text.ts';

export function ScenarioEditor() {
  const controller = useController();
  const busy = useAppState((s) => s.status !== 'ready');
  const hasMachine = useAppState((s) => s.machine !== null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<RunErrorInfo[]>([]);
  const ids = { box: useId(), hint: useId(), examples: useId(), errors: useId() };
  const editor = useRef<LineEditorHandle>(null);

  const lineCount = useMemo(() => {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
  }, [text]);

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
            const box = editor.current?.box();
            if (box) box.scrollTop = 0;
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
      <LineEditor
        id={ids.box}
        handle={editor}
        value={text}
        onChange={setText}
        errors={errors}
        errorsId={ids.errors}
        describedBy={ids.hint}
        testId="scenario-editor"
        errorsTestId="editor-errors"
        placeholder={'spawn A\nA mmap r1 64M rw\nA read r1 0 64M 4K\nshow /proc/A/smaps_rollup'}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void run();
          }
        }}
      />
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
