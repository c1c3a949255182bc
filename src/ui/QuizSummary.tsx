/**
 * A lesson's quiz summary: the score and one row per question, with the learner's answer and the
 * machine's, to copy or download as JSON or CSV and hand in (quiz.ts). Nothing is sent anywhere.
 * `QuizPanel` is the registry's Quiz panel (key q): the summary of the open lesson, live as the
 * lesson runner records answers.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { useController } from './context.ts';
import { download } from './export/downloads.ts';
import { runnerFor } from './lesson_runner.ts';
import { quizCsv, quizJson, quizRows, quizScore, type QuizRecord } from './lessons/quiz.ts';
import type { Lesson } from './lessons/types.ts';

export function QuizSummary({
  lesson,
  record,
  onReset,
}: {
  lesson: Lesson;
  record: QuizRecord;
  onReset?: () => void;
}) {
  const [status, setStatus] = useState('');
  const score = quizScore(lesson, record);
  const rows = quizRows(lesson, record);
  const base = `mmlab-quiz-${lesson.id}`;
  const copy = async (what: 'CSV' | 'JSON') => {
    try {
      await navigator.clipboard.writeText(
        what === 'CSV' ? quizCsv(lesson, record) : quizJson(lesson, record, new Date()),
      );
      setStatus(`Copied the summary as ${what}.`);
    } catch (e) {
      setStatus(`Could not copy: ${(e as Error).message}. Download it instead.`);
    }
  };
  return (
    <section className="quiz-summary" aria-labelledby="quiz-summary-title" data-testid="quiz-summary">
      <h3 id="quiz-summary-title">Quiz: {lesson.title}</h3>
      <p data-testid="quiz-score">
        {score.correct} of {score.total} right
        {score.wrong ? `, ${score.wrong} wrong` : ''}
        {score.skipped ? `, ${score.skipped} skipped` : ''}
        {score.unanswered ? `, ${score.unanswered} not reached yet` : ''}.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Question</th>
            <th scope="col">Your answer</th>
            <th scope="col">The machine</th>
            <th scope="col">Right?</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.step}-${r.kind}`}>
              <td>{r.step}</td>
              <td>{r.prompt}</td>
              <td>{r.given ?? (r.at ? 'skipped' : '—')}</td>
              <td>{r.machine ?? '—'}</td>
              <td>{r.correct === null ? '—' : r.correct ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="buttons">
        <button type="button" onClick={() => void copy('CSV')}>
          Copy as CSV
        </button>{' '}
        <button type="button" onClick={() => void copy('JSON')}>
          Copy as JSON
        </button>{' '}
        <button
          type="button"
          onClick={() => download(`${base}.csv`, new Blob([quizCsv(lesson, record)], { type: 'text/csv' }))}
        >
          Download CSV
        </button>{' '}
        <button
          type="button"
          onClick={() =>
            download(
              `${base}.json`,
              new Blob([quizJson(lesson, record, new Date())], { type: 'application/json' }),
            )
          }
        >
          Download JSON
        </button>
        {onReset && (
          <>
            {' '}
            <button type="button" onClick={onReset}>
              Start the quiz again
            </button>
          </>
        )}
      </div>
      <p className="muted" role="status">
        {status} Your answers stay in this browser until you export them.
      </p>
    </section>
  );
}

/** The Quiz panel: the open lesson's summary; "Start the quiz again" restarts the lesson. */
export function QuizPanel() {
  const runner = runnerFor(useController());
  const s = useStore(runner.store);
  return (
    <section className="panel quiz-panel" aria-labelledby="quiz-title" data-testid="quiz-panel">
      <h2 id="quiz-title">Quiz</h2>
      {s.lesson && s.quiz ? (
        <QuizSummary
          lesson={s.lesson}
          record={s.quiz}
          onReset={s.running ? undefined : () => void runner.restart()}
        />
      ) : (
        <p className="muted">
          Open a lesson: each answer to its questions is recorded here, in this browser, with the
          machine&apos;s answer, for you to copy or download (CSV or JSON) and hand in.
        </p>
      )}
    </section>
  );
}
