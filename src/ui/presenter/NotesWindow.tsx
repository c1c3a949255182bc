/**
 * The presenter's notes window (`?notes=1&ch=<id>`, opened by the Notes window button): the current
 * step's notes, what comes next and what the room is waiting for, with Back / Next that step the
 * presenting window. It runs no machine: it only listens on the channel (presenter.ts).
 */
import { useEffect, useRef, useState } from 'react';
import {
  channelFromUrl,
  channelName,
  isPresenterMessage,
  type NotesStep,
  type PresenterMessage,
} from './presenter.ts';

const WAITING: Record<NonNullable<NotesStep['waiting']>, string> = {
  running: 'The step is running on the machine…',
  answer: 'Waiting for the prediction: answer (or skip) in the presenting window.',
  frame: 'A “click the frame” question is open in the presenting window.',
};

export function NotesWindow() {
  const [step, setStep] = useState<NotesStep | null>(null);
  const [heard, setHeard] = useState(false);
  const ch = useRef<BroadcastChannel | null>(null);

  useEffect(() => {
    document.title = 'MM Lab — presenter notes';
    document.documentElement.classList.add('notes-window');
    if (typeof BroadcastChannel === 'undefined') return;
    const c = new BroadcastChannel(channelName(channelFromUrl(window.location)));
    ch.current = c;
    c.onmessage = (e: MessageEvent) => {
      if (!isPresenterMessage(e.data) || e.data.type !== 'step') return;
      setHeard(true);
      setStep(e.data.step);
    };
    const hello: PresenterMessage = { type: 'hello' };
    c.postMessage(hello);
    return () => {
      c.close();
      ch.current = null;
    };
  }, []);

  const send = (type: 'next' | 'back') => ch.current?.postMessage({ type } satisfies PresenterMessage);

  // The clicker works here too: the presenter may have this window focused.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'PageDown' || e.key === 'ArrowRight') send('next');
      else if (e.key === 'PageUp' || e.key === 'ArrowLeft') send('back');
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <main className="notes-main" data-testid="notes-window">
      <h1 className="sr-only">Presenter notes</h1>
      {!heard ? (
        <p className="notes-muted">Waiting for the presenting window… (keep it open in the same browser)</p>
      ) : !step ? (
        <p className="notes-muted">No lesson is open in the presenting window.</p>
      ) : (
        <>
          <p className="notes-lesson">{step.lessonTitle}</p>
          <h2 data-testid="notes-step">
            Step {step.index + 1} of {step.count}: {step.title}
          </h2>
          {step.waiting && (
            <p className="notes-waiting" role="status">
              {WAITING[step.waiting]}
            </p>
          )}
          <section aria-label="Notes" className="notes-text" data-testid="notes-text">
            {step.notes ? (
              step.notes.split('\n\n').map((p, i) => <p key={i}>{p}</p>)
            ) : (
              <p className="notes-muted">No notes for this step.</p>
            )}
          </section>
          <p className="notes-next">
            {step.nextTitle ? `Next: ${step.nextTitle}` : 'This is the last step.'}
          </p>
        </>
      )}
      <div className="notes-nav" role="group" aria-label="Lesson steps">
        <button type="button" onClick={() => send('back')} disabled={!step}>
          Back
        </button>
        <button type="button" onClick={() => send('next')} disabled={!step}>
          Next
        </button>
      </div>
      <p className="notes-muted">PageDown / PageUp (or → / ←) here step the lesson too.</p>
    </main>
  );
}
