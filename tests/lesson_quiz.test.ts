/**
 * The lesson runner records the quiz: each prediction and each clicked frame, marked against the
 * machine's value, in the storage it is given (localStorage in the app). The machine here is a stand-in
 * for the controller that answers `value` from a table: what is checked is the runner's bookkeeping,
 * not the kernel (tests/lessons.test.ts runs the lessons on the core).
 */
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand';
import type { AppController } from '../src/ui/controller.ts';
import { LessonRunner } from '../src/ui/lesson_runner.ts';
import { addLesson } from '../src/ui/lessons/index.ts';
import { parseLessonDoc } from '../src/ui/lessons/lesson_doc.ts';
import { QuizBook, quizScore, type QuizStorage } from '../src/ui/lessons/quiz.ts';

const lesson = parseLessonDoc(`---
format: 1
id: runner-quiz-test
title: Runner quiz
summary: Two questions and a click.
machine: arch=x86_64 ram=1G
---

## Map

A maps 64 KiB (16 pages of 4 KiB).

\`\`\`scenario
spawn A
A mmap r1 64K rw
\`\`\`

\`\`\`question
kind: choice
prompt: How many pages does A map now?
probe: /proc/A/status:VmRSS
unit: kB
choices:
  - None | == 0
  - Some | > 0
expected: Some
explain: The stack.
\`\`\`

## Read

A reads its 16 pages of 4 KiB.

\`\`\`scenario
A read r1 0 64K 4K
\`\`\`

\`\`\`step
show: zero-page
\`\`\`

\`\`\`question
kind: number
prompt: By how many kB does VmRSS grow?
probe: /proc/A/status:VmRSS
delta: yes
unit: kB
expected: 0
explain: Zero-page PTEs are special.
\`\`\`

\`\`\`question
kind: frame
prompt: Click the frame A's pages map.
probe: zero_pfn
explain: The one frame of zeros.
\`\`\`
`);
addLesson(lesson);

const ZERO = 0x3b34;

/** A controller that runs nothing: every value comes from `values`, the selection is a store field. */
function fakeApp() {
  let generation = 1;
  const store = createStore(() => ({
    machine: { generation } as { generation: number },
    history: [] as string[],
    allocations: [] as unknown[],
    processes: [] as { name: string }[],
    timelinePos: null as number | null,
    selection: null as number | null,
    error: null as string | null,
  }));
  const values: Record<string, number> = { '/proc/A/status:VmRSS': 4, zero_pfn: ZERO };
  let ops = 0;
  const app = {
    store,
    get machine() {
      return { generation, zeroPagePfn: ZERO, arch: {}, steps: [], booted: true, config: {} };
    },
    ready: Promise.resolve(),
    frameGrid: { focusPfn: () => {} },
    reboot: () => {
      generation++;
      store.setState({ machine: { generation } });
      return Promise.resolve();
    },
    run: (lines: string) => {
      ops += lines.split('\n').length;
      store.setState((s) => ({ history: [...s.history, lines] }));
      return Promise.resolve({ errors: [] });
    },
    value: (what: string) => Promise.resolve(values[what]!),
    timeline: () => Promise.resolve({ ops: Array.from({ length: ops }, () => ({ steps: 1 })) }),
    seek: () => Promise.resolve(),
    select: (pfn: number | null) => store.setState({ selection: pfn }),
    selectProcess: () => {},
    selectRegion: () => {},
    selectPage: () => {},
  };
  return { app: app as unknown as AppController, store };
}

function memoryStorage(): QuizStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe('the lesson runner records the quiz', () => {
  it('records a prediction when its step runs and a clicked frame when it is checked, in storage', async () => {
    const storage = memoryStorage();
    const { app, store } = fakeApp();
    const runner = new LessonRunner(app, storage);
    await runner.open(lesson.id);
    await runner.answer({ kind: 'choice', index: 1 }); // right: 4 kB is "Some"
    expect(runner.store.getState().results[0]!.correct).toBe(true);
    await runner.next();
    await runner.answer({ kind: 'number', value: 64 }); // wrong: the reads add nothing
    const r = runner.store.getState().results[1]!;
    expect(r.framePfn).toBe(ZERO);
    expect(r.frameAnswer).toBeNull();
    // the step's show: zero-page waits: the answer is not selected for the learner
    expect(store.getState().selection).toBeNull();

    store.setState({ selection: ZERO }); // the learner clicks the zero page's cell
    runner.answerFrame();
    expect(runner.store.getState().results[1]!.frameAnswer).toEqual({ pfn: ZERO, correct: true });
    // a second check of the same question changes nothing
    store.setState({ selection: 7 });
    runner.answerFrame();
    expect(runner.store.getState().results[1]!.frameAnswer).toEqual({ pfn: ZERO, correct: true });

    const quiz = runner.store.getState().quiz!;
    expect(quiz.answers.map((a) => [a.step, a.slot, a.given, a.machine, a.correct])).toEqual([
      [0, 'predict', 'Some', 'Some (4 kB)', true],
      [1, 'predict', '64 kB', '0 kB', false],
      [1, 'frame', 'pfn 0x3b34', 'pfn 0x3b34', true],
    ]);
    // kept in the storage: a reload reads the same record
    const again = new QuizBook(storage).load(lesson.id);
    expect(quizScore(lesson, again)).toEqual({ correct: 2, wrong: 1, skipped: 0, unanswered: 0, total: 3 });
  });

  it('a skipped frame question counts as skipped and then shows the frame; Restart starts the quiz again', async () => {
    const storage = memoryStorage();
    const { app, store } = fakeApp();
    const runner = new LessonRunner(app, storage);
    await runner.open(lesson.id);
    await runner.answer(null);
    await runner.next();
    await runner.answer(null);
    runner.answerFrame(true);
    expect(runner.store.getState().results[1]!.frameAnswer).toEqual({ pfn: undefined, correct: null });
    expect(store.getState().selection).toBe(ZERO); // the pointer, once answered
    expect(quizScore(lesson, runner.store.getState().quiz!)).toMatchObject({ skipped: 3, correct: 0 });
    await runner.restart();
    expect(runner.store.getState().quiz!.answers).toEqual([]);
    expect(storage.map.has(`mmlab.quiz.${lesson.id}`)).toBe(false);
  });
});
