import { describe, expect, it } from 'vitest';
import { findLesson } from '../src/ui/lessons/index.ts';
import {
  QuizBook,
  markAnswer,
  quizCsv,
  quizJson,
  quizQuestions,
  quizScore,
  type QuizStorage,
} from '../src/ui/lessons/quiz.ts';

/** localStorage as a Map. */
function memoryStorage(): QuizStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

const T = new Date('2026-12-07T06:00:00Z');
const mips = findLesson('mips-colour')!;

describe('quiz', () => {
  it('marks each kind of answer against the machine value', () => {
    const [q1, q2] = [mips.steps[0]!.question!, mips.steps[1]!.question!];
    expect(markAnswer(q1, 0, { kind: 'number', value: 8 }, 8, T)).toMatchObject({
      given: '8 pages',
      machine: '8 pages',
      correct: true,
    });
    expect(markAnswer(q1, 0, { kind: 'number', value: 1 }, 8, T).correct).toBe(false);
    expect(markAnswer(q2, 1, { kind: 'choice', index: 1 }, 0, T)).toMatchObject({
      given: 'Some',
      machine: 'None (0 VCEs)',
      correct: false,
    });
    expect(markAnswer(q1, 0, null, 8, T)).toMatchObject({ given: null, correct: null });
    const sel = findLesson('zero-page')!.steps.find((s) => s.select)!.select!;
    expect(markAnswer(sel, 5, { kind: 'frame', pfn: 0x3b34 }, 0x3b34, T)).toMatchObject({
      slot: 'frame',
      given: 'pfn 0x3b34',
      machine: 'pfn 0x3b34',
      correct: true,
    });
    expect(markAnswer(sel, 5, { kind: 'frame', pfn: undefined }, 0x3b34, T).correct).toBe(false);
  });

  it('records answers per lesson in storage, a new answer replacing the old, and scores them', () => {
    const storage = memoryStorage();
    const book = new QuizBook(storage);
    const qs = quizQuestions(mips);
    expect(qs.map((q) => q.step)).toEqual([0, 1, 3]);
    book.record(mips.id, markAnswer(qs[0]!.q, 0, { kind: 'number', value: 1 }, 8, T));
    book.record(mips.id, markAnswer(qs[0]!.q, 0, { kind: 'number', value: 8 }, 8, T));
    book.record(mips.id, markAnswer(qs[1]!.q, 1, null, 0, T));
    expect([...storage.map.keys()]).toEqual(['mmlab.quiz.mips-colour']);
    // a new QuizBook (a reload) reads the same record
    const r = new QuizBook(storage).load(mips.id);
    expect(r.answers).toHaveLength(2);
    expect(quizScore(mips, r)).toEqual({ correct: 1, wrong: 0, skipped: 1, unanswered: 1, total: 3 });
    book.reset(mips.id);
    expect(book.load(mips.id).answers).toEqual([]);
  });

  it('survives damaged or disabled storage', () => {
    const storage = memoryStorage();
    storage.map.set('mmlab.quiz.mips-colour', '{not json');
    expect(new QuizBook(storage).load(mips.id).answers).toEqual([]);
    storage.map.set(
      'mmlab.quiz.mips-colour',
      JSON.stringify({ version: 1, lessonId: 'mips-colour', answers: [{ step: 'x' }] }),
    );
    expect(new QuizBook(storage).load(mips.id).answers).toEqual([]);
    const throwing: QuizStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    const book = new QuizBook(throwing);
    expect(book.record(mips.id, markAnswer(mips.steps[0]!.question!, 0, null, 8, T)).answers).toHaveLength(1);
  });

  it('exports a summary as JSON and as CSV a spreadsheet opens safely', () => {
    const book = new QuizBook(memoryStorage());
    book.record(mips.id, markAnswer(mips.steps[0]!.question!, 0, { kind: 'number', value: 8 }, 8, T));
    const r = book.record(
      mips.id,
      markAnswer(mips.steps[1]!.question!, 1, { kind: 'choice', index: 0 }, 0, T),
    );
    const json = JSON.parse(quizJson(mips, r, T)) as { score: unknown; answers: { correct: unknown }[] };
    expect(json.score).toEqual({ correct: 2, wrong: 0, skipped: 0, unanswered: 1, total: 3 });
    expect(json.answers.map((a) => a.correct)).toEqual([true, true, null]);
    const csv = quizCsv(mips, r).split('\r\n');
    expect(csv[0]).toBe('step,step_title,kind,prompt,answer,machine,correct,answered_at');
    expect(csv[1]).toBe(
      '1,A virtually indexed cache,number,How many zero pages did boot set aside on this CPU?,8 pages,8 pages,yes,2026-12-07T06:00:00.000Z',
    );
    expect(csv[2]).toMatch(
      /^2,Read a sparse array,choice,"A reads one byte of each of its 8 pages \(32 KiB, colours 0 to 7\)\. How many/,
    );
    expect(csv).toHaveLength(5); // header, 3 questions, and the final line end
    const evil = { ...mips, steps: [{ ...mips.steps[0]!, title: '=HYPERLINK("x")' }] };
    expect(quizCsv(evil, { version: 1, lessonId: mips.id, answers: [] }).split('\r\n')[1]).toBe(
      `1,"'=HYPERLINK(""x"")",number,How many zero pages did boot set aside on this CPU?,,,,`,
    );
  });
});
