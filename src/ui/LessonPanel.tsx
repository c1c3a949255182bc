/**
 * Guided lessons: the picker, then one step at a time (narration, kernel source links, a
 * predict-then-reveal question, the machine's value next to the prediction). The steps run through
 * the lesson runner (lesson_runner.ts) on the app's machine, so every other panel follows.
 * Keys: Alt+PageDown / Alt+PageUp anywhere (PageDown / PageUp inside the panel; anywhere in presenter
 * mode) for next / back; plain arrows are left to the grids and the boot stepper.
 * A step's "click the frame that…" question is asked under the step once its lines ran and answered
 * with the frame grid's selection; every answer goes into the quiz (the Quiz panel, QuizSummary.tsx).
 * The heading holds the presenter-mode switch (presenter/PresenterControls.tsx).
 */
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { useController } from './context.ts';
import { lessonFromUrl, runnerFor, type LessonRunner, type StepResult } from './lesson_runner.ts';
import { LESSONS } from './lessons/index.ts';
import { quizScore } from './lessons/quiz.ts';
import { ELIXIR, type LessonStep, type Question, type SelectQuestion } from './lessons/types.ts';
import { openPanel, panelByHeading } from './panels.tsx';
import { PresenterControls } from './presenter/PresenterControls.tsx';
import { presenter } from './presenter/presenter.ts';
import './lessons.css';

export function LessonPanel() {
  const controller = useController();
  const runner = runnerFor(controller);
  const s = useStore(runner.store);

  // Deep link: open the lesson once the first machine is up (once per page, StrictMode or not).
  useEffect(() => {
    const id = lessonFromUrl(window.location);
    if (id) void runner.openDeepLink(id, controller.ready);
  }, [controller, runner]);

  // Alt+PageDown / Alt+PageUp from anywhere while a lesson is open.
  useEffect(() => {
    if (!s.lesson) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!e.altKey || (e.key !== 'PageDown' && e.key !== 'PageUp')) return;
      e.preventDefault();
      if (e.key === 'PageDown') void runner.next();
      else void runner.back();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [s.lesson, runner]);

  // Bring the panel the step points at into view: open its dock tab (the panel registry knows which),
  // scroll it into its dock and outline it.
  const step = s.lesson?.steps[s.index] ?? null;
  const heading = step?.point?.kind === 'panel' ? step.point.heading : null;
  useEffect(() => {
    if (!heading) return;
    const p = panelByHeading(heading);
    if (p) openPanel(controller, p.id);
    let el: Element | null = null;
    // After the tab's panel is shown (the store update renders it).
    const t = requestAnimationFrame(() => {
      el = document.getElementById(heading)?.closest('section, details') ?? null;
      el?.classList.add('lesson-pointed');
      el?.scrollIntoView({ block: 'nearest' });
    });
    return () => {
      cancelAnimationFrame(t);
      el?.classList.remove('lesson-pointed');
    };
  }, [heading, controller, s.index]);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    const t = e.target as HTMLElement;
    if (e.altKey || t.tagName === 'INPUT' || t.tagName === 'SELECT') return;
    if (e.key === 'PageDown') {
      e.preventDefault();
      void runner.next();
    } else if (e.key === 'PageUp') {
      e.preventDefault();
      void runner.back();
    }
  };

  return (
    <section
      className="panel lesson-panel"
      aria-labelledby="lesson-title"
      data-testid="lesson-panel"
      onKeyDown={onKeyDown}
    >
      <PresenterControls runner={runner} />
      <h2 id="lesson-title">Lessons</h2>
      {s.lesson && step ? <LessonView runner={runner} step={step} /> : <Picker runner={runner} />}
      {s.pending && (
        <div className="lesson-confirm" role="group" aria-label="Confirm starting the lesson">
          <p>
            Starting “{s.pending.title}” reboots the machine: the processes, allocations and scenario lines
            you have now will be lost.
          </p>
          <button type="button" onClick={() => void runner.confirm()}>
            Start the lesson
          </button>{' '}
          <button type="button" onClick={() => runner.cancel()}>
            Keep my machine
          </button>
        </div>
      )}
      {s.error && (
        <p className="lesson-error" data-testid="lesson-error" role="alert">
          {s.error}
        </p>
      )}
    </section>
  );
}

function Picker({ runner }: { runner: LessonRunner }) {
  const [id, setId] = useState(LESSONS[0]!.id);
  const selectId = useId();
  const lesson = LESSONS.find((l) => l.id === id)!;
  return (
    <form
      className="lesson-picker"
      onSubmit={(e) => {
        e.preventDefault();
        void runner.open(id);
      }}
    >
      <label htmlFor={selectId} className="sr-only">
        Lesson
      </label>
      <select id={selectId} value={id} onChange={(e) => setId(e.target.value)}>
        {LESSONS.map((l) => (
          <option key={l.id} value={l.id}>
            {l.title}
          </option>
        ))}
      </select>{' '}
      <button type="submit">Start</button>
      <p className="muted">
        {lesson.summary} {lesson.steps.length} steps.
      </p>
    </form>
  );
}

function LessonView({ runner, step }: { runner: LessonRunner; step: LessonStep }) {
  const s = useStore(runner.store);
  const lesson = s.lesson!;
  const n = lesson.steps.length;
  const result: StepResult | undefined = s.results[s.index];
  const last = s.index === n - 1;
  const presenting = useStore(presenter, (p) => p.on);
  const top = useRef<HTMLDivElement>(null);
  // A new step starts at its title: the lesson part of the explanation column scrolls back to it.
  useEffect(() => {
    top.current?.scrollIntoView({ block: 'nearest' });
  }, [s.index, lesson.id]);
  return (
    <div className="lesson" ref={top}>
      <h3>{lesson.title}</h3>
      <p className="lesson-progress" aria-live="polite" data-testid="lesson-progress">
        Step {s.index + 1} of {n}: {step.title}
      </p>
      <progress max={n} value={s.index + 1} aria-label={`Step ${s.index + 1} of ${n}`} />
      {step.narration.split('\n\n').map((para, i) => (
        <p key={i} className="lesson-narration">
          {para}
        </p>
      ))}
      <ul className="lesson-refs" aria-label="Kernel source">
        {step.refs.map((r) => (
          <li key={r.file + r.label}>
            <a href={ELIXIR + r.file} target="_blank" rel="noreferrer">
              {r.file}
            </a>{' '}
            <span className="muted">{r.label}</span>
          </li>
        ))}
      </ul>
      {step.question &&
        (result ? (
          <Reveal q={step.question} r={result} />
        ) : (
          <Ask key={`${lesson.id}-${s.index}`} q={step.question} runner={runner} disabled={s.running} />
        ))}
      {step.select &&
        result &&
        result.framePfn !== null &&
        (result.frameAnswer ? (
          <FrameReveal q={step.select} r={result} />
        ) : (
          <FrameAsk q={step.select} runner={runner} />
        ))}
      {s.running && <p className="muted">Running on the machine…</p>}
      {s.gone && (
        <p className="lesson-gone" data-testid="lesson-gone">
          A later step rebooted the machine, so this step&apos;s machine is gone: the grids show the present
          one. Restart the lesson to see this step run again.
        </p>
      )}
      <div className="buttons lesson-nav" role="group" aria-label="Lesson steps">
        <button type="button" onClick={() => void runner.back()} disabled={s.running || s.index === 0}>
          Back
        </button>
        <button
          type="button"
          onClick={() => void runner.next()}
          disabled={s.running || !result || last}
          aria-keyshortcuts="Alt+PageDown"
        >
          Next
        </button>
        <button type="button" onClick={() => void runner.restart()} disabled={s.running}>
          Restart
        </button>
        <button type="button" onClick={() => runner.close()} disabled={s.running}>
          Close lesson
        </button>
      </div>
      <QuizLine runner={runner} last={last && !!result} />
      <p className="muted hint">
        {last && result ? 'That was the last step. ' : ''}
        {presenting ? 'PageDown / PageUp' : 'Alt+PageDown / Alt+PageUp'}: next / back.
      </p>
    </div>
  );
}

/** How far the quiz is, and the way to its summary (the Quiz panel). */
function QuizLine({ runner, last }: { runner: LessonRunner; last: boolean }) {
  const controller = useController();
  const s = useStore(runner.store);
  if (!s.lesson || !s.quiz) return null;
  const score = quizScore(s.lesson, s.quiz);
  if (!score.total) return null;
  const answered = score.total - score.unanswered;
  return (
    <p className="lesson-quiz-line" data-testid="lesson-quiz-line">
      Quiz: {answered} of {score.total} questions answered, {score.correct} right.{' '}
      <button type="button" onClick={() => openPanel(controller, 'quiz')}>
        {last ? 'See your score' : 'Quiz summary'}
      </button>
    </p>
  );
}

/** "Click the frame that…": answered with the frame selected on the frame grid. */
function FrameAsk({ q, runner }: { q: SelectQuestion; runner: LessonRunner }) {
  const controller = useController();
  const selected = useStore(controller.store, (a) => a.selection);
  return (
    <div className="lesson-question lesson-frame-q" data-testid="lesson-frame-question">
      <fieldset>
        <legend>{q.prompt}</legend>
        <p>
          Select the frame on the frame grid (click it), then check.{' '}
          <span data-testid="lesson-frame-selected">
            {selected === null ? 'No frame selected yet.' : `Selected: pfn 0x${selected.toString(16)}.`}
          </span>
        </p>
        <div className="buttons">
          <button type="button" disabled={selected === null} onClick={() => runner.answerFrame()}>
            Check my selection
          </button>{' '}
          <button type="button" onClick={() => runner.answerFrame(true)}>
            Skip: show me
          </button>
        </div>
      </fieldset>
    </div>
  );
}

/** The frame the machine names next to the learner's, and why. */
function FrameReveal({ q, r }: { q: SelectQuestion; r: StepResult }) {
  const a = r.frameAnswer!;
  const hex = (pfn: number) => `pfn 0x${pfn.toString(16)}`;
  return (
    <div className="lesson-reveal" role="status" data-testid="lesson-frame-reveal">
      <p className="muted">{q.prompt}</p>
      <p>
        {a.correct === null
          ? 'You skipped the question.'
          : `You selected: ${a.pfn === undefined ? 'no frame' : hex(a.pfn)}`}
      </p>
      <p>
        The machine: <strong data-testid="lesson-frame-value">{hex(r.framePfn!)}</strong>{' '}
        <span className="muted">({q.probe.what}; now selected on the frame grid)</span>
      </p>
      {a.correct !== null && (
        <p className={a.correct ? 'lesson-right' : 'lesson-wrong'}>
          {a.correct ? 'That is the frame.' : 'Not that frame.'}
        </p>
      )}
      <p>{q.explain}</p>
    </div>
  );
}

/** The question before the lines run: pick or type a prediction, or skip. */
function Ask({ q, runner, disabled }: { q: Question; runner: LessonRunner; disabled: boolean }) {
  const [choice, setChoice] = useState<number | null>(null);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { input: useId(), problem: useId() };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (q.kind === 'choice') {
      if (choice === null) return setProblem('Pick one answer first (or skip).');
      void runner.answer({ kind: 'choice', index: choice });
    } else {
      const v = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(v))
        return setProblem(`“${text}” is not a number: type one, e.g. 4 or -4 (or skip).`);
      void runner.answer({ kind: 'number', value: v });
    }
  };
  return (
    <form className="lesson-question" onSubmit={submit} data-testid="lesson-question">
      <fieldset disabled={disabled}>
        <legend>Predict: {q.prompt}</legend>
        {q.kind === 'choice' ? (
          q.choices.map((c, i) => (
            <label key={i} className="lesson-choice">
              <input
                type="radio"
                name="lesson-choice"
                checked={choice === i}
                onChange={() => {
                  setChoice(i);
                  setProblem(null);
                }}
              />{' '}
              {c.label}
            </label>
          ))
        ) : (
          <label htmlFor={ids.input}>
            Your prediction{q.probe.unit ? ` (${q.probe.unit})` : ''}{' '}
            <input
              id={ids.input}
              inputMode="numeric"
              value={text}
              aria-describedby={problem ? ids.problem : undefined}
              onChange={(e) => {
                setText(e.target.value);
                setProblem(null);
              }}
            />
          </label>
        )}
        {problem && (
          <p id={ids.problem} className="lesson-error">
            {problem}
          </p>
        )}
        <div className="buttons">
          <button type="submit">Check on the machine</button>{' '}
          <button type="button" onClick={() => void runner.answer(null)}>
            Skip: just run it
          </button>
        </div>
      </fieldset>
    </form>
  );
}

function fmt(v: number, unit?: string): string {
  return `${v.toLocaleString('en-US')}${unit ? ' ' + unit : ''}`;
}

/** The machine's value next to the prediction, and why. */
function Reveal({ q, r }: { q: Question; r: StepResult }) {
  const v = r.value!;
  const predicted =
    r.prediction === null
      ? 'You skipped the prediction.'
      : r.prediction.kind === 'choice'
        ? `You predicted: ${q.kind === 'choice' ? q.choices[r.prediction.index]!.label : ''}`
        : `You predicted: ${fmt(r.prediction.value, q.probe.unit)}`;
  const source = q.probe.delta
    ? `change in ${q.probe.what} over this step`
    : `${q.probe.what} after this step`;
  return (
    <div className="lesson-reveal" role="status" data-testid="lesson-reveal">
      <p className="muted">{q.prompt}</p>
      <p>{predicted}</p>
      <p>
        The machine: <strong data-testid="lesson-value">{fmt(v, q.probe.unit)}</strong>{' '}
        <span className="muted">({source})</span>
        {q.kind === 'choice' && (
          <>
            {' '}
            →{' '}
            {r.machineChoice >= 0
              ? `“${q.choices[r.machineChoice]!.label}”`
              : 'none of the choices (the emulator has changed: please report it)'}
          </>
        )}
      </p>
      {r.correct !== null && (
        <p className={r.correct ? 'lesson-right' : 'lesson-wrong'}>
          {r.correct ? 'Your prediction matches the machine.' : 'Not what the machine did.'}
        </p>
      )}
      <p>{q.explain}</p>
    </div>
  );
}
