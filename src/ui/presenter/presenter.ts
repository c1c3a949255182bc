/**
 * Presenter mode: MM Lab on a projector. A switch (the Lessons panel's "Present" button, key t,
 * `?present=1`) puts the class `presenting` on <html>: presenter.css then sets large type, high
 * contrast, big pointer targets and strong outlines on what the current step changed, and the
 * explanation column is widened through the workspace's sizes (restored when it is switched off).
 * PageDown / PageUp step the lesson from anywhere but a text field (clicker remotes send them).
 *
 * The notes window is the same app at `?notes=1&ch=<channel>` (window.open): it renders only
 * NotesWindow, which follows the lesson over a BroadcastChannel. The presenting window sends the
 * current step (`step`) whenever it changes and when a notes window says `hello`; the notes window can
 * send `next` / `back`. The channel name carries a per-window id so two presenting tabs do not drive
 * each other's notes. Nothing leaves the browser.
 */
import { createStore } from 'zustand';
import type { AppController } from '../controller.ts';
import type { LessonState } from '../lesson_runner.ts';
import './presenter.css';

interface PresenterState {
  on: boolean;
}

export const presenter = createStore<PresenterState>()(() => ({ on: false }));

/** The workspace sizes before presenter mode widened the explanation column. */
let savedSizes: { side: number; explain: number } | null = null;

/**
 * Presenter mode on or off. On, the explanation column takes about 45% of the width and most of its
 * height (readable from the back of a room); off, the sizes the learner had come back.
 */
export function setPresenting(app: AppController, on: boolean): void {
  if (presenter.getState().on === on) return;
  presenter.setState({ on });
  document.documentElement.classList.toggle('presenting', on);
  const sizes = app.store.getState().sizes;
  if (on) {
    savedSizes = { side: sizes.side, explain: sizes.explain };
    const side = Math.min(900, Math.max(sizes.side, Math.round(window.innerWidth * 0.45)));
    const explain = Math.min(900, Math.max(sizes.explain, Math.round((window.innerHeight - 120) * 0.7)));
    app.store.setState({ sizes: { ...sizes, side, explain } });
  } else if (savedSizes) {
    app.store.setState({ sizes: { ...sizes, ...savedSizes } });
    savedSizes = null;
  }
}

/** `?present=1` opens the app in presenter mode. */
export function presentFromUrl(loc: Pick<Location, 'search'>): boolean {
  const v = new URLSearchParams(loc.search).get('present');
  return v === '1' || v === 'yes' || v === 'true';
}

/** `?notes=1`: this window is a presenter's notes window. */
export function isNotesWindow(loc: Pick<Location, 'search'>): boolean {
  return new URLSearchParams(loc.search).get('notes') === '1';
}

/** The BroadcastChannel a notes window listens on: `mmlab-presenter-<ch>`. */
export function channelName(ch: string): string {
  return `mmlab-presenter-${ch}`;
}

/** The channel id in a notes window's URL (`main` when it has none). */
export function channelFromUrl(loc: Pick<Location, 'search'>): string {
  const ch = new URLSearchParams(loc.search).get('ch');
  return ch && /^[\w-]{1,40}$/.test(ch) ? ch : 'main';
}

/** The URL of the notes window for a channel: the same page, `?notes=1&ch=<ch>`. */
export function notesUrl(loc: Pick<Location, 'pathname'>, ch: string): string {
  return `${loc.pathname}?notes=1&ch=${encodeURIComponent(ch)}`;
}

/** What the notes window shows of the current step. */
export interface NotesStep {
  lessonTitle: string;
  /** 0-based */
  index: number;
  count: number;
  title: string;
  /** the step's presenter notes, or null when it has none */
  notes: string | null;
  /** the next step's title, or null on the last step */
  nextTitle: string | null;
  /** what the room is waiting for: the step running, or an answer to its question */
  waiting: 'running' | 'answer' | 'frame' | null;
}

export type PresenterMessage =
  /** presenting window → notes: the current step (null: no lesson open) */
  | { type: 'step'; step: NotesStep | null; presenting: boolean }
  /** notes → presenting window: send the current step */
  | { type: 'hello' }
  /** notes → presenting window: step the lesson */
  | { type: 'next' }
  | { type: 'back' };

/** The notes window's view of the runner's state. */
export function notesStep(
  s: Pick<LessonState, 'lesson' | 'index' | 'results' | 'running'>,
): NotesStep | null {
  const l = s.lesson;
  const step = l?.steps[s.index];
  if (!l || !step) return null;
  const r = s.results[s.index];
  return {
    lessonTitle: l.title,
    index: s.index,
    count: l.steps.length,
    title: step.title,
    notes: step.notes ?? null,
    nextTitle: l.steps[s.index + 1]?.title ?? null,
    waiting: s.running
      ? 'running'
      : !r && step.question
        ? 'answer'
        : r && step.select && !r.frameAnswer
          ? 'frame'
          : null,
  };
}

/** Whether a message is one of ours (a channel may carry anything another page posts). */
export function isPresenterMessage(m: unknown): m is PresenterMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === 'step' || t === 'hello' || t === 'next' || t === 'back';
}
