/**
 * The built-in lessons for the browser tests. src/ui/lessons/index.ts bundles the documents with
 * Vite's `?raw`, which Playwright's loader cannot read; so read the same files from disk, in the
 * order index.ts lists them (its LESSON_DOCS entries, read from its text: one list to keep).
 */
import { readFileSync } from 'node:fs';
import { parseLessonDoc } from '../src/ui/lessons/lesson_doc.ts';
import type { Lesson } from '../src/ui/lessons/types.ts';

const root = new URL('../', import.meta.url);
const index = readFileSync(new URL('src/ui/lessons/index.ts', root), 'utf8');
const files = [...index.matchAll(/file: '(lessons\/[\w-]+\.md)'/g)].map((m) => m[1]!);

export const LESSONS: readonly Lesson[] = files.map((f) =>
  parseLessonDoc(readFileSync(new URL(f, root), 'utf8'), f),
);
