/**
 * A lesson's questions as a quiz a learner can hand in: each answer is recorded in the browser
 * (localStorage, one entry per lesson), marked against the MACHINE's value (never a key written in the
 * lesson: the same rule as the reveal), scored, and summarised as JSON or CSV the learner copies or
 * downloads. Nothing leaves the browser unless the learner exports it. Pure apart from the Storage it
 * is given; tests/quiz.test.ts. QuizSummary.tsx draws the summary.
 */
import {
  matchingChoice,
  selectionAnswers,
  type Lesson,
  type Question,
  type SelectQuestion,
} from './types.ts';

/** Which question of a step: the predict question (`question`) or the frame question (`select`). */
type QuizSlot = 'predict' | 'frame';

export interface QuizAnswer {
  /** 0-based step index */
  step: number;
  slot: QuizSlot;
  /** what the learner gave, as they would read it; null when they skipped */
  given: string | null;
  /** the machine's answer, as the reveal shows it */
  machine: string;
  /** null when skipped */
  correct: boolean | null;
  /** ISO time of the answer */
  at: string;
}

export interface QuizRecord {
  version: 1;
  lessonId: string;
  /** one per question answered; answering again replaces it */
  answers: QuizAnswer[];
}

/** The part of Storage the quiz uses (localStorage in the app, a Map in tests). */
export type QuizStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const KEY = (lessonId: string) => `mmlab.quiz.${lessonId}`;

/** The learner's input for one question. */
type QuizInput =
  | { kind: 'number'; value: number }
  | { kind: 'choice'; index: number }
  | { kind: 'frame'; pfn: number | undefined }
  | null;

function withUnit(v: number, unit: string | undefined): string {
  return unit ? `${v} ${unit}` : String(v);
}

/** Mark one answer against the value the machine gave (the probed value; for a frame question, the pfn). */
export function markAnswer(
  q: Question | SelectQuestion,
  step: number,
  input: QuizInput,
  machineValue: number,
  at: Date,
): QuizAnswer {
  const slot: QuizSlot = q.kind === 'frame' ? 'frame' : 'predict';
  const base = { step, slot, at: at.toISOString() };
  if (q.kind === 'frame') {
    const machine = `pfn 0x${machineValue.toString(16)}`;
    if (input?.kind !== 'frame') return { ...base, given: null, machine, correct: null };
    const given = input.pfn === undefined ? 'no frame' : `pfn 0x${input.pfn.toString(16)}`;
    return { ...base, given, machine, correct: selectionAnswers(input.pfn, machineValue) };
  }
  if (q.kind === 'choice') {
    const right = matchingChoice(q, machineValue);
    const machine = `${right >= 0 ? q.choices[right]!.label : 'none of the choices'} (${withUnit(machineValue, q.probe.unit)})`;
    if (input?.kind !== 'choice') return { ...base, given: null, machine, correct: null };
    return {
      ...base,
      given: q.choices[input.index]?.label ?? `choice ${input.index + 1}`,
      machine,
      correct: input.index === right,
    };
  }
  const machine = withUnit(machineValue, q.probe.unit);
  if (input?.kind !== 'number') return { ...base, given: null, machine, correct: null };
  return {
    ...base,
    given: withUnit(input.value, q.probe.unit),
    machine,
    correct: input.value === machineValue,
  };
}

/** The recorded answers of one lesson, in this browser. */
export class QuizBook {
  constructor(private readonly storage: QuizStorage | undefined) {}

  load(lessonId: string): QuizRecord {
    const empty: QuizRecord = { version: 1, lessonId, answers: [] };
    let text: string | null;
    try {
      text = this.storage?.getItem(KEY(lessonId)) ?? null;
    } catch {
      return empty; // storage disabled (a private window): the quiz still runs, unrecorded
    }
    if (!text) return empty;
    try {
      const raw = JSON.parse(text) as Partial<QuizRecord>;
      if (raw.version !== 1 || raw.lessonId !== lessonId || !Array.isArray(raw.answers)) return empty;
      return { version: 1, lessonId, answers: raw.answers.filter(isAnswer) };
    } catch {
      return empty; // damaged entry: start again rather than fail the lesson
    }
  }

  /** Record an answer (replacing an earlier one to the same question); returns the record. */
  record(lessonId: string, a: QuizAnswer): QuizRecord {
    const r = this.load(lessonId);
    r.answers = r.answers.filter((x) => !(x.step === a.step && x.slot === a.slot));
    r.answers.push(a);
    r.answers.sort((x, y) => x.step - y.step || (x.slot === y.slot ? 0 : x.slot === 'predict' ? -1 : 1));
    try {
      this.storage?.setItem(KEY(lessonId), JSON.stringify(r));
    } catch {
      /* full or disabled storage: the answer still counts in this page */
    }
    return r;
  }

  reset(lessonId: string): void {
    try {
      this.storage?.removeItem(KEY(lessonId));
    } catch {
      /* nothing stored */
    }
  }
}

function isAnswer(a: unknown): a is QuizAnswer {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  return (
    Number.isInteger(x.step) &&
    (x.slot === 'predict' || x.slot === 'frame') &&
    (x.given === null || typeof x.given === 'string') &&
    typeof x.machine === 'string' &&
    (x.correct === null || typeof x.correct === 'boolean') &&
    typeof x.at === 'string'
  );
}

/** Every question of a lesson, in order. */
export function quizQuestions(
  lesson: Lesson,
): { step: number; slot: QuizSlot; q: Question | SelectQuestion }[] {
  const out: { step: number; slot: QuizSlot; q: Question | SelectQuestion }[] = [];
  lesson.steps.forEach((s, step) => {
    if (s.question) out.push({ step, slot: 'predict', q: s.question });
    if (s.select) out.push({ step, slot: 'frame', q: s.select });
  });
  return out;
}

interface QuizScore {
  correct: number;
  wrong: number;
  skipped: number;
  /** questions not reached yet */
  unanswered: number;
  total: number;
}

export function quizScore(lesson: Lesson, r: QuizRecord): QuizScore {
  const qs = quizQuestions(lesson);
  const s: QuizScore = { correct: 0, wrong: 0, skipped: 0, unanswered: 0, total: qs.length };
  for (const { step, slot } of qs) {
    const a = r.answers.find((x) => x.step === step && x.slot === slot);
    if (!a) s.unanswered++;
    else if (a.correct === null) s.skipped++;
    else if (a.correct) s.correct++;
    else s.wrong++;
  }
  return s;
}

/** One row per question of the lesson, answered or not. */
interface QuizRow {
  step: number;
  stepTitle: string;
  kind: string;
  prompt: string;
  given: string | null;
  machine: string | null;
  correct: boolean | null;
  at: string | null;
}

export function quizRows(lesson: Lesson, r: QuizRecord): QuizRow[] {
  return quizQuestions(lesson).map(({ step, slot, q }) => {
    const a = r.answers.find((x) => x.step === step && x.slot === slot);
    return {
      step: step + 1,
      stepTitle: lesson.steps[step]!.title,
      kind: q.kind,
      prompt: q.prompt,
      given: a?.given ?? null,
      machine: a?.machine ?? null,
      correct: a ? a.correct : null,
      at: a?.at ?? null,
    };
  });
}

/** The summary to hand in, as JSON. */
export function quizJson(lesson: Lesson, r: QuizRecord, exportedAt: Date): string {
  return JSON.stringify(
    {
      lesson: { id: lesson.id, title: lesson.title },
      exportedAt: exportedAt.toISOString(),
      score: quizScore(lesson, r),
      answers: quizRows(lesson, r),
    },
    null,
    2,
  );
}

/**
 * The summary as CSV (RFC 4180: quotes doubled, fields with a comma, quote or line end quoted). A cell
 * a spreadsheet would read as a formula (=, +, -, @ first) gets a leading apostrophe: a lesson or
 * a learner's text must not run in the teacher's spreadsheet.
 */
export function quizCsv(lesson: Lesson, r: QuizRecord): string {
  const head = ['step', 'step_title', 'kind', 'prompt', 'answer', 'machine', 'correct', 'answered_at'];
  const rows = quizRows(lesson, r).map((x) => [
    String(x.step),
    x.stepTitle,
    x.kind,
    x.prompt,
    x.given ?? '',
    x.machine ?? '',
    x.correct === null ? '' : x.correct ? 'yes' : 'no',
    x.at ?? '',
  ]);
  return [head, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) && !/^-?\d+(\.\d+)?( \S+)?$/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
