/**
 * Every lesson, in the order the picker lists them: the documents in lessons/*.md (docs/lessons.md),
 * bundled as text by Vite (`?raw`) and parsed at load. A built-in document that does not parse is a
 * build-time bug, so it throws with file:line:col (tests/lessons.test.ts loads them all).
 * Lessons a teacher opens (a file, a link) join through addLesson, so findLesson and `?lesson=<id>`
 * reach them too.
 */
import blkdevZeroout from '../../../lessons/blkdev-zeroout.md?raw';
import bootZeroPage from '../../../lessons/boot-zero-page.md?raw';
import cowFork from '../../../lessons/cow-fork.md?raw';
import hugeZero from '../../../lessons/huge-zero.md?raw';
import ksmZero from '../../../lessons/ksm-zero.md?raw';
import mermap from '../../../lessons/mermap.md?raw';
import mipsColour from '../../../lessons/mips-colour.md?raw';
import reclaimKswapd from '../../../lessons/reclaim-kswapd.md?raw';
import swapZeromap from '../../../lessons/swap-zeromap.md?raw';
import thpUnderused from '../../../lessons/thp-underused.md?raw';
import zeroPage from '../../../lessons/zero-page.md?raw';
import { parseLessonDoc } from './lesson_doc.ts';
import type { Lesson } from './types.ts';

/** The built-in documents, by file name, in picker order. */
export const LESSON_DOCS: readonly { file: string; text: string }[] = [
  { file: 'lessons/zero-page.md', text: zeroPage },
  { file: 'lessons/cow-fork.md', text: cowFork },
  { file: 'lessons/boot-zero-page.md', text: bootZeroPage },
  { file: 'lessons/mips-colour.md', text: mipsColour },
  { file: 'lessons/huge-zero.md', text: hugeZero },
  { file: 'lessons/thp-underused.md', text: thpUnderused },
  { file: 'lessons/mermap.md', text: mermap },
  { file: 'lessons/blkdev-zeroout.md', text: blkdevZeroout },
  { file: 'lessons/swap-zeromap.md', text: swapZeromap },
  { file: 'lessons/reclaim-kswapd.md', text: reclaimKswapd },
  { file: 'lessons/ksm-zero.md', text: ksmZero },
];

export const LESSONS: readonly Lesson[] = LESSON_DOCS.map((d) => parseLessonDoc(d.text, d.file));

/** Lessons opened in this tab (from a file or a link), newest last; a later one replaces its id. */
const added: Lesson[] = [];

/**
 * Make a teacher's lesson findable by id. A built-in id cannot be replaced (a link must not change
 * what `?lesson=zero-page` teaches): returns false then.
 */
export function addLesson(lesson: Lesson): boolean {
  if (LESSONS.some((l) => l.id === lesson.id)) return false;
  const i = added.findIndex((l) => l.id === lesson.id);
  if (i >= 0) added.splice(i, 1);
  added.push(lesson);
  version++;
  for (const fn of listeners) fn();
  return true;
}

let version = 0;
const listeners = new Set<() => void>();

/** Be told when a lesson joins (the gallery redraws; useSyncExternalStore's subscribe). */
export function subscribeLessons(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Bumps on every addLesson (useSyncExternalStore's snapshot). */
export function lessonsVersion(): number {
  return version;
}

/** The lessons opened in this tab, besides the built-in ones. */
export function addedLessons(): readonly Lesson[] {
  return added;
}

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id) ?? added.find((l) => l.id === id);
}
