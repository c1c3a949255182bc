/**
 * The lesson editor (issue #16, "Author in the app"): a panel of the registry (key L) where a
 * teacher writes a lesson document (docs/lessons.md) beside the workspace. The parser's located
 * problems are marked on their lines as the teacher types (LineEditor, shared with the scenario
 * editor); beside the text, the steps as the runner will see them. Preview opens the lesson in the
 * Lessons column (the learner's view, the same runner) and the text stays here. Record appends the
 * scenario lines the teacher's own actions run (grid clicks, range actions, forms, typed lines: the
 * store's run history) to the ```scenario block of the step the caret is in. Share link, Download
 * .md and Copy embed code make the lesson travel; each of them (and Preview) puts it in the gallery
 * as a loaded lesson. The text is kept in localStorage, so a reload loses nothing.
 */
import { useDeferredValue, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { useController } from '../../context.ts';
import { embedCode, embedUrl } from '../../embed/embed_url.ts';
import { download } from '../../export/downloads.ts';
import { runnerFor } from '../../lesson_runner.ts';
import { LineEditor, scrollToLine, type LineEditorHandle } from '../../LineEditor.tsx';
import { openPanel } from '../../panels.tsx';
import { addedLessons, addLesson, findLesson, LESSONS, lessonsVersion, subscribeLessons } from '../index.ts';
import { checkLessonDoc } from '../lesson_doc.ts';
import { encodeLessonLink, MAX_INLINE_LINK } from '../lesson_link.ts';
import type { Lesson, LessonStep } from '../types.ts';
import {
  appendToStepScenario,
  copyOfLesson,
  lineAt,
  LESSON_TEMPLATE,
  loadDraft,
  newRuns,
  ranLines,
  saveDraft,
  stepAtLine,
  stepSpans,
  type DraftStorage,
} from './editor_text.ts';
import './lesson_editor.css';

function browserStorage(): DraftStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** What a step will do, in a few words, for the step list. */
function stepSummary(s: LessonStep): string {
  const parts: string[] = [];
  const n = s.lines ? s.lines.split('\n').filter((l) => l.trim()).length : 0;
  if (n) parts.push(`${n} scenario line${n === 1 ? '' : 's'}`);
  if (s.machine) parts.push('reboots');
  if (s.boot) parts.push('boots');
  if (s.question) parts.push(`${s.question.kind === 'number' ? 'numeric' : 'choice'} question`);
  if (s.select) parts.push('click question');
  if (s.notes) parts.push('notes');
  return parts.join(' · ') || 'narration only';
}

export function LessonEditor() {
  const app = useController();
  const runner = runnerFor(app);
  const storage = useMemo(() => browserStorage(), []);
  const [text, setText] = useState(() => loadDraft(storage) ?? LESSON_TEMPLATE);
  const [caret, setCaret] = useState(0);
  const [replaced, setReplaced] = useState<string | null>(null);
  const [recording, setRecording] = useState(false);
  const [status, setStatus] = useState('');
  const [link, setLink] = useState('');
  const [embed, setEmbed] = useState('');
  const [saved, setSaved] = useState(true);
  const editor = useRef<LineEditorHandle>(null);
  const ids = { box: useId(), errors: useId(), hint: useId(), start: useId(), link: useId(), embed: useId() };
  // the "Start from" list includes lessons loaded since (a link, a file)
  useSyncExternalStore(subscribeLessons, lessonsVersion);
  const previewing = useStore(runner.store, (s) => s.lesson);

  // Checked as typed; deferred so a long document does not slow the typing.
  const checked = useDeferredValue(text);
  const { lesson, problems } = useMemo(() => checkLessonDoc(checked), [checked]);
  const spans = useMemo(() => stepSpans(text), [text]);
  const current = Math.max(0, stepAtLine(spans, lineAt(text, caret)));

  /** Every change of the text goes through here: it is kept in localStorage at once. */
  const edit = (next: string) => {
    setText(next);
    setSaved(saveDraft(storage, next));
  };

  // A kept draft that parses is in the gallery after a reload too.
  useEffect(() => {
    const first = checkLessonDoc(text).lesson;
    if (first && !LESSONS.some((l) => l.id === first.id)) addLesson(first);
    // only the text the panel opened with
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Record: the runs the teacher makes go into the current step's scenario block. The history is
  // read by identity (newRuns); runs the lesson runner makes (a preview) are not the teacher's.
  const target = useRef({ step: current, text, edit });
  useEffect(() => {
    target.current = { step: current, text, edit };
  });
  useEffect(() => {
    if (!recording) return;
    let prev = app.store.getState().history;
    return app.store.subscribe((s) => {
      if (s.history === prev) return;
      const runs = newRuns(prev, s.history);
      prev = s.history;
      if (runner.store.getState().running) return;
      const lines = ranLines(runs);
      if (!lines.length) return;
      const { step, text: now, edit: change } = target.current;
      const r = appendToStepScenario(now, step, lines);
      if (r.line < 0) return;
      change(r.text);
      target.current.text = r.text; // a second run before the next render appends after this one
      setStatus(`Recorded ${lines.join(' · ')} into step ${step + 1}.`);
      requestAnimationFrame(() => scrollToLine(editor.current?.box() ?? null, r.line));
    });
  }, [recording, app, runner]);

  /** The text as a lesson, in the gallery; null (and the status says why) when it cannot be. */
  const publish = (): Lesson | null => {
    const r = checkLessonDoc(text);
    if (!r.lesson) {
      setStatus(
        `Fix the ${r.problems.length === 1 ? 'problem' : `${r.problems.length} problems`} marked in the text first.`,
      );
      return null;
    }
    if (!addLesson(r.lesson)) {
      setStatus(
        `The id '${r.lesson.id}' is a built-in lesson's: give your lesson another id in its front matter.`,
      );
      return null;
    }
    return r.lesson;
  };

  const preview = async () => {
    const l = publish();
    if (!l) return;
    setRecording(false);
    setStatus(`Previewing “${l.title}” in the Lessons column, as a learner sees it. Your text stays here.`);
    await runner.open(l.id);
  };

  const backToEditing = () => {
    runner.close();
    openPanel(app, 'editor');
    const box = editor.current?.box();
    box?.focus();
    box?.setSelectionRange(caret, caret);
  };

  const shareLink = async () => {
    const l = publish();
    if (!l) return null;
    const hash = await encodeLessonLink(text);
    const url = `${location.origin}${location.pathname}${hash}`;
    setLink(url);
    let copied = true;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      copied = false;
    }
    setStatus(
      `${copied ? 'Copied' : 'Made'} a link to “${l.title}” (${url.length} characters)${copied ? '' : ': copy it from the field'}.` +
        (url.length > MAX_INLINE_LINK
          ? ' Long links get cut by some mail and chat tools: share the .md file instead.'
          : ''),
    );
    return hash;
  };

  const copyEmbed = async () => {
    const l = publish();
    if (!l) return;
    const code = embedCode(embedUrl(location.href, { hash: await encodeLessonLink(text) }));
    setEmbed(code);
    try {
      await navigator.clipboard.writeText(code);
      setStatus(`Copied the embed code for “${l.title}”: paste it into a slide or a course page.`);
    } catch {
      setStatus(`Made the embed code for “${l.title}”: copy it from the field.`);
    }
  };

  const downloadMd = () => {
    const l = publish();
    if (!l) return;
    download(`${l.id}.md`, new Blob([text], { type: 'text/markdown' }));
    setStatus(
      `Downloaded ${l.id}.md: drop it on the gallery, or publish it next to MM Lab for ?lesson-url=.`,
    );
  };

  const startFrom = (value: string) => {
    let next: string | null = null;
    if (value === 'template') next = LESSON_TEMPLATE;
    else {
      const l = findLesson(value);
      if (l) next = copyOfLesson(l, (id) => findLesson(id) !== undefined);
    }
    if (next === null) return;
    setReplaced(text);
    edit(next);
    setCaret(0);
    setLink('');
    setEmbed('');
    setStatus('Replaced the text: “Undo replace” brings the previous one back.');
  };

  const recordTarget = spans[current];
  return (
    <section
      className="panel lesson-editor"
      aria-labelledby="lesson-editor-title"
      data-testid="lesson-editor"
    >
      <div className="lesson-editor-head">
        <h2 id="lesson-editor-title">Lesson editor</h2>
        <label htmlFor={ids.start}>Start from</label>
        <select id={ids.start} value="" onChange={(e) => startFrom(e.target.value)}>
          <option value="">Choose…</option>
          <option value="template">A new lesson (template)</option>
          {[...LESSONS, ...addedLessons()].map((l) => (
            <option key={l.id} value={l.id}>
              {l.title}
            </option>
          ))}
        </select>
        {replaced !== null && (
          <button
            type="button"
            onClick={() => {
              edit(replaced);
              setReplaced(null);
              setStatus('The previous text is back.');
            }}
          >
            Undo replace
          </button>
        )}
      </div>
      <div className="lesson-editor-buttons">
        <button type="button" className="primary" onClick={() => void preview()}>
          Preview
        </button>
        {previewing && (
          <button type="button" onClick={backToEditing}>
            Back to editing
          </button>
        )}
        <button
          type="button"
          aria-pressed={recording}
          className={recording ? 'recording' : undefined}
          disabled={!recordTarget}
          onClick={() => {
            setRecording(!recording);
            setStatus(
              recording
                ? 'Recording stopped.'
                : `Recording into step ${current + 1}: what you click and run is added to its scenario block.`,
            );
          }}
        >
          {recording ? '■ Stop recording' : '● Record'}
        </button>
        {recording && recordTarget && (
          <span className="record-target" data-testid="lesson-editor-recording">
            into step {current + 1}: {recordTarget.title}
          </span>
        )}
        <button type="button" onClick={() => void shareLink()}>
          Share link
        </button>
        <button type="button" onClick={downloadMd}>
          Download .md
        </button>
        <button type="button" onClick={() => void copyEmbed()}>
          Copy embed code
        </button>
      </div>
      <p className="muted" role="status" data-testid="lesson-editor-status">
        {status}
      </p>
      <div className="lesson-editor-body">
        <div className="lesson-editor-text">
          <label htmlFor={ids.box}>Lesson document (Markdown)</label>
          <LineEditor
            id={ids.box}
            handle={editor}
            value={text}
            onChange={edit}
            onCaret={setCaret}
            errors={problems}
            errorsId={ids.errors}
            describedBy={ids.hint}
            rows={8}
            testId="lesson-editor-text"
            errorsTestId="lesson-editor-errors"
            gutterTestId="lesson-editor-gutter"
          />
          <p id={ids.hint} className="muted hint">
            {saved ? 'Kept in this browser.' : 'This browser does not keep it: download it.'} Front matter,
            then one <code>## </code> section per step (docs/lessons.md).{' '}
            {problems.length === 0
              ? 'No problems.'
              : `${problems.length} problem${problems.length === 1 ? '' : 's'}, marked on ${problems.length === 1 ? 'its line' : 'their lines'}.`}
          </p>
        </div>
        <aside className="lesson-editor-steps" aria-label="Steps of the lesson">
          <h3>
            {lesson ? lesson.title : 'Steps'}{' '}
            <span className="muted">
              {spans.length} step{spans.length === 1 ? '' : 's'}
            </span>
          </h3>
          <ol data-testid="lesson-editor-steps">
            {spans.map((s, k) => (
              <li key={`${k}:${s.line}`} className={k === current ? 'current' : undefined}>
                <button
                  type="button"
                  className="link"
                  aria-current={k === current ? 'step' : undefined}
                  onClick={() => editor.current?.jumpTo(s.line)}
                >
                  {s.title || '(no title)'}
                </button>
                {lesson?.steps[k] && <span className="muted"> {stepSummary(lesson.steps[k])}</span>}
              </li>
            ))}
          </ol>
        </aside>
      </div>
      {link && (
        <p className="lesson-editor-out">
          <label htmlFor={ids.link}>Link</label>{' '}
          <input id={ids.link} readOnly value={link} onFocus={(e) => e.currentTarget.select()} />{' '}
          <a href={link} target="_blank" rel="noreferrer">
            Open in a new tab
          </a>
        </p>
      )}
      {embed && (
        <p className="lesson-editor-out">
          <label htmlFor={ids.embed}>Embed code</label>{' '}
          <textarea
            id={ids.embed}
            readOnly
            rows={3}
            value={embed}
            onFocus={(e) => e.currentTarget.select()}
          />
        </p>
      )}
    </section>
  );
}
