/**
 * The lesson editor's text logic, pure (no DOM, no React; tests/lesson_editor.test.ts): where the
 * steps of a document are, which step a line belongs to, putting recorded scenario lines into a
 * step's ```scenario block, which of the app's runs are new since the last look, and the draft kept
 * in localStorage. The step structure is found the way lesson_doc.ts's parser finds it (a fence
 * opens with ``` or ~~~ and closes at the same marker alone on a line; `## ` outside a fence starts a
 * step), so a document the parser rejects still has steps the editor can point at.
 */
import type { RunResult } from '../../store.ts';
import { lessonToMarkdown } from '../lesson_doc.ts';
import type { Lesson } from '../types.ts';

/** A step of the document as text: its `## ` heading and where its section ends. */
interface StepSpan {
  title: string;
  /** 1-based line of the `## ` heading */
  line: number;
  /** 1-based last line of the section (the line before the next heading, or the last line) */
  end: number;
  /** the section's ```scenario block: the 1-based lines of its opening and closing fences */
  scenario: { open: number; close: number } | null;
}

const FENCE = /^(`{3,}|~{3,})\s*(\S*)\s*$/;

/** The steps of a document, in order (none before the front matter's closing `---`). */
export function stepSpans(text: string): StepSpan[] {
  const lines = text.split('\n');
  let i = 0;
  if (lines[0]?.replace(/^\uFEFF/, '').trim() === '---') {
    const close = lines.findIndex((l, j) => j > 0 && l.trim() === '---');
    i = close < 0 ? lines.length : close + 1;
  }
  const spans: StepSpan[] = [];
  let cur: StepSpan | undefined;
  for (; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, '');
    const fence = FENCE.exec(t);
    if (fence) {
      const close = lines.findIndex((l, j) => j > i && l.replace(/\r$/, '').trim() === fence[1]);
      if (cur && fence[2] === 'scenario' && close >= 0 && !cur.scenario)
        cur.scenario = { open: i + 1, close: close + 1 };
      i = close < 0 ? lines.length : close;
      continue;
    }
    if (/^#{1,2}\s/.test(t)) {
      if (cur) cur.end = i;
      cur = { title: t.replace(/^#+\s+/, '').trim(), line: i + 1, end: lines.length, scenario: null };
      spans.push(cur);
    }
  }
  if (cur) cur.end = Math.min(cur.end, lines.length);
  return spans;
}

/** The index of the step that holds a 1-based line (a line above the first step: -1). */
export function stepAtLine(spans: readonly StepSpan[], line: number): number {
  let at = -1;
  for (let k = 0; k < spans.length; k++) if (spans[k]!.line <= line) at = k;
  return at;
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The character offset where a 1-based line starts. */
export function lineStart(text: string, line: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at;
}

/**
 * Append scenario lines to step `index`'s ```scenario block: before its closing fence, or, when the
 * step has none, as a new block at the end of the step's section (blocks may come in any order).
 * Returns the new text and the 1-based line of the last line added (to scroll to); the text
 * unchanged and line -1 when there is no such step or nothing to add.
 */
export function appendToStepScenario(
  text: string,
  index: number,
  added: readonly string[],
): { text: string; line: number } {
  const span = stepSpans(text)[index];
  const add = added.map((l) => l.trim()).filter(Boolean);
  if (!span || !add.length) return { text, line: -1 };
  const lines = text.split('\n');
  if (span.scenario) {
    const at = span.scenario.close - 1; // 0-based index of the closing fence
    lines.splice(at, 0, ...add);
    return { text: lines.join('\n'), line: at + add.length };
  }
  // the section's last non-blank line, so the new block sits before the blank lines between steps
  let last = span.end - 1;
  while (last > span.line - 1 && !lines[last]!.trim()) last--;
  const block = ['', '```scenario', ...add, '```'];
  lines.splice(last + 1, 0, ...block);
  return { text: lines.join('\n'), line: last + 1 + add.length + 2 };
}

/**
 * The runs in `next` that were not in `prev` (the store's history: newest last, capped, emptied by a
 * reboot). Runs are compared by identity: the store never copies an entry.
 */
export function newRuns(prev: readonly RunResult[], next: readonly RunResult[]): RunResult[] {
  if (next === prev || !next.length) return [];
  if (!prev.length) return [...next];
  const at = next.lastIndexOf(prev[prev.length - 1]!);
  return at < 0 ? [...next] : next.slice(at + 1);
}

/** The lines of runs that ran: blank lines dropped, and a failed run's lines from its bad line on. */
export function ranLines(runs: readonly RunResult[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const lines = r.text.split('\n');
    const upTo = r.errors.length ? Math.min(...r.errors.map((e) => e.line)) - 1 : lines.length;
    for (const l of lines.slice(0, upTo)) if (l.trim()) out.push(l.trim());
  }
  return out;
}

/** A lesson to start from: every part the format has, with a question of each kind to edit. */
export const LESSON_TEMPLATE = `---
format: 1
id: my-lesson
title: My lesson
summary: One sentence the gallery shows.
machine: arch=x86_64 ram=1G zero_page_patch=before
level: intro
duration: 10
topic: page faults
---

## Map some memory

A maps 64 KiB of anonymous memory: mmap() only records a VMA.

\`\`\`scenario
spawn A
A mmap r1 64K rw
\`\`\`

\`\`\`step
show: page A r1
refs:
  - mm/mmap.c | do_mmap()
\`\`\`

## Read it

A reads its 16 pages of 4 KiB (64 KiB).

\`\`\`scenario
A read r1 0 64K 4K
\`\`\`

\`\`\`question
kind: number
prompt: "A reads 16 pages of 4 KiB: by how many kB does its VmRSS grow?"
probe: /proc/A/status:VmRSS
delta: yes
unit: kB
expected: 0
explain: Zero-page PTEs add no RSS.
\`\`\`
`;

/** The editor's text for a lesson of the gallery: its document, under an id of the teacher's own. */
export function copyOfLesson(l: Lesson, taken: (id: string) => boolean): string {
  let id = `my-${l.id}`;
  for (let n = 2; taken(id); n++) id = `my-${l.id}-${n}`;
  return lessonToMarkdown({ ...l, id });
}

/** The localStorage key of the editor's text. */
export const DRAFT_KEY = 'mmlab.lessonEditor';

/** Where the draft lives: localStorage, or nothing where the page may not use it (a sandboxed frame). */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem'>;

export function loadDraft(storage: DraftStorage | undefined): string | null {
  try {
    return storage?.getItem(DRAFT_KEY) ?? null;
  } catch {
    return null;
  }
}

/** Keep the text; false when the browser refused (storage full or disabled). */
export function saveDraft(storage: DraftStorage | undefined, text: string): boolean {
  try {
    storage?.setItem(DRAFT_KEY, text);
    return storage !== undefined;
  } catch {
    return false;
  }
}
