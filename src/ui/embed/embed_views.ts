/**
 * Which views an embedded frame shows. The host's choice (`?views=`, or a `show` request) wins;
 * otherwise the loaded lesson decides: the frame grid, the process view when a step shows a
 * process's pages or spawns one, the lesson's narration, and every panel a step points at. Ids are
 * the panel registry's (panels.tsx), so a new panel is embeddable with no change here.
 */
import { createStore } from 'zustand';
import type { Lesson } from '../lessons/types.ts';
import { PANELS, panelByHeading } from '../panels.tsx';

/** Every view id a host may name: the panel registry's ids. */
export const VIEW_IDS: readonly string[] = PANELS.map((p) => p.id);

/** What the frame shows with nothing loaded and no `views=`: the frame grid and the process view. */
const DEFAULT_VIEWS: readonly string[] = ['frames', 'process'];

interface EmbedViewState {
  /** the views shown, in the order given */
  views: string[];
  /** the host chose them (`views=` or `show`): a lesson does not change them */
  fixed: boolean;
  /** the tab shown among the views that are not on the stage or the narration */
  active: string | null;
}

export function createEmbedViewStore(fromUrl: string[] | null) {
  return createStore<EmbedViewState>()(() => ({
    views: fromUrl ?? [...DEFAULT_VIEWS],
    fixed: fromUrl !== null,
    active: null,
  }));
}
export type EmbedViewStore = ReturnType<typeof createEmbedViewStore>;

/** The views a lesson needs, in a stable order: stage first, then the narration, then its panels. */
export function lessonViews(lesson: Lesson): string[] {
  const v = ['frames'];
  const processes = lesson.steps.some(
    (s) => s.point?.kind === 'page' || (s.lines !== undefined && /^\s*spawn\b/m.test(s.lines)),
  );
  if (processes) v.push('process');
  v.push('lessons');
  for (const s of lesson.steps) {
    if (s.point?.kind !== 'panel') continue;
    const p = panelByHeading(s.point.heading);
    if (p && !v.includes(p.id)) v.push(p.id);
  }
  return v;
}
