/**
 * The presenter-mode switch and notes-window button (in the Lessons panel's heading), and what goes
 * with them while the app runs: `?present=1`, the t key, PageDown / PageUp stepping the lesson in
 * presenter mode, and the BroadcastChannel that keeps a notes window on the current step
 * (presenter.ts says how the two windows talk).
 */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useController } from '../context.ts';
import { ownsKeys } from '../keys.ts';
import type { LessonRunner } from '../lesson_runner.ts';
import {
  channelName,
  isPresenterMessage,
  notesStep,
  notesUrl,
  presentFromUrl,
  presenter,
  setPresenting,
  type PresenterMessage,
} from './presenter.ts';

/** This window's notes channel id: one per page load, so two presenting tabs keep their own notes. */
const CHANNEL_ID = Math.random().toString(36).slice(2, 10);

/** A key press typed into a field: the presenter's keys leave it alone. */
function typing(e: KeyboardEvent): boolean {
  const t = e.target instanceof HTMLElement ? e.target : null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

export function PresenterControls({ runner }: { runner: LessonRunner }) {
  const app = useController();
  const on = useStore(presenter, (s) => s.on);

  // ?present=1: start presenting (once the workspace has its first sizes).
  useEffect(() => {
    if (!presentFromUrl(window.location)) return;
    const t = requestAnimationFrame(() => setPresenting(app, true));
    return () => cancelAnimationFrame(t);
  }, [app]);

  // t toggles presenter mode from anywhere the page-wide keys work.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 't' || e.altKey || e.ctrlKey || e.metaKey || ownsKeys(e)) return;
      e.preventDefault();
      setPresenting(app, !presenter.getState().on);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [app]);

  // Presenting, PageDown / PageUp step the lesson wherever the focus is (but a text field): a clicker
  // remote sends them, and a presenter who clicked a grid must not find the keys panning it instead.
  // Capture phase, so the grids' own PageUp/PageDown do not see them.
  useEffect(() => {
    if (!on) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'PageDown' && e.key !== 'PageUp') return;
      if (e.ctrlKey || e.metaKey || typing(e) || !runner.store.getState().lesson) return;
      e.preventDefault();
      e.stopPropagation();
      void (e.key === 'PageDown' ? runner.next() : runner.back());
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [on, runner]);

  // The notes window's channel: send the step on every change and to a window that says hello.
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const ch = new BroadcastChannel(channelName(CHANNEL_ID));
    const send = () => {
      const msg: PresenterMessage = {
        type: 'step',
        step: notesStep(runner.store.getState()),
        presenting: presenter.getState().on,
      };
      ch.postMessage(msg);
    };
    ch.onmessage = (e: MessageEvent) => {
      if (!isPresenterMessage(e.data)) return;
      if (e.data.type === 'hello') send();
      else if (e.data.type === 'next') void runner.next();
      else if (e.data.type === 'back') void runner.back();
    };
    const unsubs = [runner.store.subscribe(send), presenter.subscribe(send)];
    return () => {
      unsubs.forEach((u) => u());
      ch.close();
    };
  }, [runner]);

  return (
    <span className="presenter-controls">
      <button
        type="button"
        aria-pressed={on}
        aria-keyshortcuts="t"
        onClick={() => setPresenting(app, !on)}
        title="Presenter mode: large type and high contrast for a room (t)"
      >
        {on ? 'Stop presenting' : 'Present'}
      </button>
      {on && (
        <button
          type="button"
          onClick={() =>
            window.open(
              notesUrl(window.location, CHANNEL_ID),
              `mmlab-notes-${CHANNEL_ID}`,
              'popup,width=760,height=640',
            )
          }
          title="Open the presenter's notes in a second window (for the laptop screen)"
        >
          Notes window
        </button>
      )}
    </span>
  );
}
