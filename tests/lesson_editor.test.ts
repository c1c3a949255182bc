/**
 * The lesson editor's text logic (src/ui/lessons/editor/editor_text.ts): finding steps, putting
 * recorded scenario lines into the right step's block, telling new runs from old ones, the template
 * and the kept draft.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLessonDoc, parseLessonDoc } from '../src/ui/lessons/lesson_doc.ts';
import {
  appendToStepScenario,
  copyOfLesson,
  DRAFT_KEY,
  LESSON_TEMPLATE,
  lineAt,
  lineStart,
  loadDraft,
  newRuns,
  ranLines,
  saveDraft,
  stepAtLine,
  stepSpans,
} from '../src/ui/lessons/editor/editor_text.ts';
import type { RunResult } from '../src/ui/store.ts';

const docs = readFileSync(new URL('../docs/lessons.md', import.meta.url), 'utf8');
const example = /````markdown\n([\s\S]*?)````/.exec(docs)![1]!;

const run = (text: string, errorLine?: number): RunResult => ({
  text,
  output: '',
  errors: errorLine ? [{ line: errorLine, col: 1, message: 'bad' }] : [],
  failures: [],
});

describe('stepSpans', () => {
  it("finds the docs example's five steps, their lines and their scenario blocks", () => {
    const spans = stepSpans(example);
    expect(spans.map((s) => s.title)).toEqual([
      'Map 64 KiB',
      'Read every page',
      'The one frame of zeros',
      'Write one page',
      'What the machine did',
    ]);
    const lines = example.split('\n');
    for (const s of spans) expect(lines[s.line - 1]).toBe(`## ${s.title}`);
    expect(lines[spans[0]!.scenario!.open - 1]).toBe('```scenario');
    expect(lines[spans[0]!.scenario!.close - 1]).toBe('```');
    expect(spans[4]!.scenario).toBeNull();
    expect(spans[4]!.end).toBe(lines.length);
    expect(spans[0]!.end).toBe(spans[1]!.line - 1);
  });

  it('does not take a ## inside a block for a step, nor the front matter', () => {
    const text = '---\nformat: 1\n---\n\n## One\n\n```notes\n## not a step\n```\n\n## Two\n';
    expect(stepSpans(text).map((s) => s.title)).toEqual(['One', 'Two']);
  });

  it('maps a line to its step (-1 above the first)', () => {
    const spans = stepSpans(example);
    expect(stepAtLine(spans, 1)).toBe(-1);
    expect(stepAtLine(spans, spans[2]!.line)).toBe(2);
    expect(stepAtLine(spans, spans[2]!.line + 3)).toBe(2);
    expect(stepAtLine(spans, 100000)).toBe(4);
  });

  it('converts between offsets and lines', () => {
    const t = 'a\nbb\n\nccc';
    expect(lineAt(t, 0)).toBe(1);
    expect(lineAt(t, 2)).toBe(2);
    expect(lineAt(t, 6)).toBe(4);
    expect(lineStart(t, 4)).toBe(6);
    expect(lineStart(t, 9)).toBe(t.length);
  });
});

describe('appendToStepScenario', () => {
  it("adds lines at the end of a step's scenario block, and the lesson still parses", () => {
    const r = appendToStepScenario(example, 1, ['A write r1 0 1 1 1', '  ', 'A read r1 4K 1 1']);
    const lesson = parseLessonDoc(r.text);
    expect(lesson.steps[1]!.lines).toBe('A read r1 0 64K 4K\nA write r1 0 1 1 1\nA read r1 4K 1 1');
    // the other steps are untouched
    const before = parseLessonDoc(example);
    expect(lesson.steps.map((s, i) => (i === 1 ? null : s))).toEqual(
      before.steps.map((s, i) => (i === 1 ? null : s)),
    );
    expect(r.text.split('\n')[r.line - 1]).toBe('A read r1 4K 1 1');
  });

  it('makes a scenario block for a step that has none, inside the step', () => {
    const r = appendToStepScenario(example, 4, ['spawn B']);
    const lesson = parseLessonDoc(r.text);
    expect(lesson.steps[4]!.lines).toBe('spawn B');
    expect(lesson.steps[4]!.title).toBe('What the machine did');
    expect(r.text.split('\n')[r.line - 1]).toBe('spawn B');
    // in the middle of a document: the block stays in its step, before the next heading
    const mid = appendToStepScenario(parseAndDrop(example, 3), 3, ['spawn C']);
    const l2 = parseLessonDoc(mid.text);
    expect(l2.steps[3]!.lines).toBe('spawn C');
    expect(l2.steps[4]!.lines ?? '').toBe('');
  });

  it('changes nothing for an unknown step or no lines', () => {
    expect(appendToStepScenario(example, 9, ['spawn B'])).toEqual({ text: example, line: -1 });
    expect(appendToStepScenario(example, 0, [' '])).toEqual({ text: example, line: -1 });
  });
});

/** The example with step `i`'s scenario block removed (a step in the middle with no block). */
function parseAndDrop(text: string, i: number): string {
  const s = stepSpans(text)[i]!;
  const lines = text.split('\n');
  lines.splice(s.scenario!.open - 1, s.scenario!.close - s.scenario!.open + 1);
  return lines.join('\n');
}

describe('recording the runs', () => {
  it('tells the new runs from those already seen, across the cap and a reboot', () => {
    const a = run('spawn A');
    const b = run('A mmap r1 64K rw');
    const c = run('A read r1 0 1 1');
    expect(newRuns([a], [a, b, c])).toEqual([b, c]);
    expect(newRuns([a, b], [b, c])).toEqual([c]); // the oldest dropped by the cap
    expect(newRuns([a, b], [a, b])).toEqual([]);
    expect(newRuns([], [a])).toEqual([a]);
    expect(newRuns([a, b], [])).toEqual([]); // a reboot emptied it
    expect(newRuns([a, b], [c])).toEqual([c]); // a reboot, then a run
  });

  it('keeps the lines that ran: none from a failed line on, no blank lines', () => {
    expect(
      ranLines([run('spawn A'), run('A mmap r1 64K rw\n\nA read r1 0 1 1\nA bogus\nA read r1 0 1 1', 4)]),
    ).toEqual(['spawn A', 'A mmap r1 64K rw', 'A read r1 0 1 1']);
  });
});

describe('starting points', () => {
  it('the template parses, with a numeric question', () => {
    const r = checkLessonDoc(LESSON_TEMPLATE);
    expect(r.problems).toEqual([]);
    expect(r.lesson!.steps.some((s) => s.question?.kind === 'number')).toBe(true);
  });

  it("a gallery lesson's copy takes an id of its own and parses to the same steps", () => {
    const l = parseLessonDoc(example);
    const taken = new Set(['my-first-touch']);
    const copy = parseLessonDoc(copyOfLesson(l, (id) => taken.has(id)));
    expect(copy.id).toBe('my-first-touch-2');
    expect(copy.steps).toEqual(l.steps);
  });
});

describe('the kept draft', () => {
  it('is saved and read back, and a refusing storage is reported, not thrown', () => {
    const m = new Map<string, string>();
    const storage = {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
    };
    expect(loadDraft(storage)).toBeNull();
    expect(saveDraft(storage, 'text')).toBe(true);
    expect(m.get(DRAFT_KEY)).toBe('text');
    expect(loadDraft(storage)).toBe('text');
    const full = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(saveDraft(full, 'text')).toBe(false);
    expect(loadDraft(full)).toBeNull();
    expect(saveDraft(undefined, 'text')).toBe(false);
  });
});
