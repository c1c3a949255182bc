/**
 * Runs a lesson (src/ui/lessons) on the app's one machine, through the same controller methods the
 * learner's clicks use: the lesson's machine through `reboot`, boot steps through `bootStep`, scenario
 * lines through `run` (so the transcript, grids and /proc panels follow as in normal use), and every
 * reveal through `value`, read from the machine after the lines ran. tests/helpers/lessons.ts does the
 * same in the core, so a lesson whose answer the emulator no longer gives fails a unit test.
 *
 * Steps run once, in order; Next is open once the current step has run. Each step remembers where
 * the timeline was when it had run, so Back (and Next over steps already run) seeks the timeline
 * there: the narration and the machine always agree. A step before a lesson reboot cannot be sought
 * (that machine is gone): the panel says so.
 *
 * Every answer is also a quiz answer (lessons/quiz.ts): marked against the machine's value and
 * recorded in this browser's localStorage, per lesson, for the QuizSummary panel. A "click the frame
 * that…" question (`step.select`) is asked once the step's lines ran: its pfn is read then, and the
 * learner answers with the frame selected on the grid; the step's own pointer (which would select
 * the answer) waits until it is answered or skipped.
 */
import { createStore } from 'zustand';
import { DEFAULT_CONFIG, type MachineConfig } from '../core/config.ts';
import type { AppController } from './controller.ts';
import { LESSONS, findLesson } from './lessons/index.ts';
import { QuizBook, markAnswer, type QuizAnswer, type QuizRecord, type QuizStorage } from './lessons/quiz.ts';
import { matchingChoice, probed, selectionAnswers, type Lesson, type LessonStep } from './lessons/types.ts';

/** What the learner answered: a choice index or a number; null when they skipped the question. */
type Prediction = { kind: 'choice'; index: number } | { kind: 'number'; value: number } | null;

/** A step that ran, with what its question revealed. */
export interface StepResult {
  prediction: Prediction;
  /** the value read from the machine (the reveal), or null when the step has no question */
  value: number | null;
  /** for a choice question: the choice the machine's value satisfies (-1: none) */
  machineChoice: number;
  /** whether the prediction matches the machine; null when there was none to compare */
  correct: boolean | null;
  /** where the step left the machine: its generation and how many timeline operations it had */
  at?: { generation: number; ops: number };
  /** for a step with a frame question: the right pfn, read after the lines ran (null: no question) */
  framePfn: number | null;
  /** the learner's frame answer: null until answered; `correct` null when skipped */
  frameAnswer: { pfn: number | undefined; correct: boolean | null } | null;
}

export interface LessonState {
  lesson: Lesson | null;
  /** the step shown */
  index: number;
  /** one entry per step that has run, in order */
  results: StepResult[];
  /** the shown step is running (reboot, boot steps, lines, probes) */
  running: boolean;
  /** why the last step could not run, for the panel */
  error: string | null;
  /** a lesson waiting for the learner to confirm that their work may go */
  pending: Lesson | null;
  /** the shown step ran on a machine a later step rebooted away: it cannot be shown as it was */
  gone: boolean;
  /** the open lesson's quiz answers, as recorded in this browser */
  quiz: QuizRecord | null;
}

const initial: LessonState = {
  lesson: null,
  index: 0,
  results: [],
  running: false,
  error: null,
  pending: null,
  gone: false,
  quiz: null,
};

/** localStorage, or none where the page may not use it (a sandboxed frame): the quiz then runs unrecorded. */
function browserStorage(): QuizStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

export class LessonRunner {
  readonly store = createStore<LessonState>()(() => ({ ...initial }));
  /** the scenario history length after the lesson's own last action: more means the learner's work */
  private ownHistory = -1;
  private ownGeneration = -1;
  /** `?lesson=<id>` was acted on (once per page load, however often the panel mounts) */
  private deepLinked = false;
  /** the quiz answers of every lesson, in this browser */
  readonly book: QuizBook;

  constructor(
    private readonly app: AppController,
    storage: QuizStorage | undefined = browserStorage(),
    record = true,
  ) {
    this.book = new QuizBook(record ? storage : undefined);
  }

  private get s(): LessonState {
    return this.store.getState();
  }

  /**
   * Whether the machine holds work of the learner's that a lesson's reboot would lose: scenario lines,
   * processes or allocations that this runner did not make itself.
   */
  learnerHasWork(): boolean {
    const a = this.app.store.getState();
    const mine = a.machine?.generation === this.ownGeneration && a.history.length === this.ownHistory;
    if (mine) return false;
    return a.history.length > 0 || a.allocations.length > 0 || a.processes.length > 0;
  }

  /** Open a lesson by id (the picker, `?lesson=<id>`); asks first when the learner has work. */
  async open(id: string, confirmed = false): Promise<void> {
    const lesson = findLesson(id);
    if (!lesson) {
      this.store.setState({
        error: `There is no lesson called “${id}”. The lessons are: ${LESSONS.map((l) => `${l.id} (${l.title})`).join(', ')}.`,
      });
      return;
    }
    if (!confirmed && this.learnerHasWork()) {
      this.store.setState({ pending: lesson, error: null });
      return;
    }
    this.store.setState({ ...initial, lesson, quiz: this.book.load(lesson.id) });
    await this.enter(0);
  }

  /** `?lesson=<id>`: open it once the first machine is up; later calls do nothing. */
  async openDeepLink(id: string, ready: Promise<void>): Promise<void> {
    if (this.deepLinked) return;
    this.deepLinked = true;
    await ready;
    await this.open(id);
  }

  /** The learner confirmed that starting the pending lesson may reboot over their work. */
  confirm(): Promise<void> {
    const p = this.s.pending;
    return p ? this.open(p.id, true) : Promise.resolve();
  }

  cancel(): void {
    this.store.setState({ pending: null });
  }

  close(): void {
    this.store.setState({ ...initial });
  }

  /** Start the lesson over on a fresh machine; its quiz starts again too. */
  restart(): Promise<void> {
    const l = this.s.lesson;
    if (!l) return Promise.resolve();
    this.book.reset(l.id);
    return this.open(l.id, true);
  }

  get step(): LessonStep | null {
    const s = this.s;
    return s.lesson?.steps[s.index] ?? null;
  }

  /** Whether the shown step has run (Next is open). */
  get stepDone(): boolean {
    return this.s.results.length > this.s.index;
  }

  async next(): Promise<void> {
    const s = this.s;
    if (!s.lesson || s.running || !this.stepDone || s.index + 1 >= s.lesson.steps.length) return;
    if (s.results.length > s.index + 1) {
      // A step that ran already: show the machine as that step left it.
      this.store.setState({ index: s.index + 1, error: null });
      await this.seekTo(s.index + 1);
      return;
    }
    // A new step runs on the present: leave the past a Back put the view in.
    if (this.app.store.getState().timelinePos !== null) await this.app.seek(null);
    await this.enter(s.index + 1);
  }

  /** The previous step, with the machine rewound (the timeline seeks) to where that step left it. */
  async back(): Promise<void> {
    const s = this.s;
    if (s.running || s.index === 0) return;
    this.store.setState({ index: s.index - 1, error: null });
    await this.seekTo(s.index - 1);
  }

  /** Seek the timeline to the end of step `i` as it ran (live if that is the present). */
  private async seekTo(i: number): Promise<void> {
    const at = this.s.results[i]?.at;
    const gen = this.app.machine?.generation;
    if (!at || at.generation !== gen) {
      this.store.setState({ gone: at !== undefined });
      return;
    }
    this.store.setState({ gone: false });
    const tl = await this.app.timeline(null);
    const op = at.ops - 1;
    if (op < 0 || op >= tl.ops.length) return;
    if (op === tl.ops.length - 1) await this.app.seek(null);
    else await this.app.seek(op, tl.ops[op]!.steps);
    this.pointUnlessAsking(this.step!, this.s.results[i]);
  }

  /**
   * Show step `i`. A step not yet run with no question runs at once; one with a question waits for
   * the learner's prediction (`answer`). Step 0 of a lesson first builds the lesson's machine.
   */
  private async enter(i: number): Promise<void> {
    this.store.setState({ index: i, error: null });
    const step = this.s.lesson!.steps[i]!;
    if (i === 0 && this.s.results.length === 0) {
      const ok = await this.busy(() => this.boot({}, !this.s.lesson!.stepBoot));
      if (!ok) return;
    }
    if (this.s.results.length > i) return;
    this.pointUnlessAsking(step, undefined);
    if (!step.question) await this.runStep(null);
  }

  /** The learner's prediction for the shown step's question (null: skip, just run it). */
  answer(prediction: Prediction): Promise<void> {
    if (this.s.running || this.stepDone) return Promise.resolve();
    return this.runStep(prediction);
  }

  private async runStep(prediction: Prediction): Promise<void> {
    const lesson = this.s.lesson!;
    const step = this.step!;
    const q = step.question;
    await this.busy(async () => {
      if (step.machine && !(await this.boot(step.machine, true))) return false;
      if (step.boot && !(await this.bootSteps(step.boot))) return false;
      const before = q?.probe.delta ? await this.read(q.probe.what) : undefined;
      if (step.lines) {
        const prefer =
          step.point?.kind === 'page' ? { proc: step.point.proc, region: step.point.region } : undefined;
        const r = await this.app.run(step.lines, prefer);
        if (!r) throw new Error(this.app.store.getState().error ?? 'the machine did not answer');
        if (r.errors.length) throw new Error(`line ${r.errors[0]!.line}: ${r.errors[0]!.message}`);
      }
      let result: StepResult = {
        prediction,
        value: null,
        machineChoice: -1,
        correct: null,
        framePfn: null,
        frameAnswer: null,
      };
      if (q) {
        const value = probed(q.probe, before, await this.read(q.probe.what));
        const machineChoice = q.kind === 'choice' ? matchingChoice(q, value) : -1;
        const correct =
          prediction === null
            ? null
            : prediction.kind === 'choice'
              ? prediction.index === machineChoice
              : prediction.value === value;
        result = { ...result, value, machineChoice, correct };
        this.record(markAnswer(q, this.s.index, prediction, value, new Date()), lesson);
      }
      if (step.select) {
        result.framePfn = await this.read(step.select.probe.what);
        // The learner answers by selecting: a selection left from an earlier step must not answer it.
        this.app.select(null);
      }
      if (this.s.lesson !== lesson) return false;
      const tl = await this.app.timeline(null);
      result.at = { generation: this.app.machine?.generation ?? -1, ops: tl.ops.length };
      this.store.setState((s) => ({ results: [...s.results, result], gone: false }));
      this.pointUnlessAsking(step, result);
      return true;
    });
  }

  /**
   * Answer the shown step's frame question with the frame selected now (`skip`: without one). The
   * answer is recorded, then the step's pointer shows the right frame.
   */
  answerFrame(skip = false): void {
    const s = this.s;
    const step = this.step;
    const r = s.results[s.index];
    if (!s.lesson || !step?.select || !r || r.framePfn === null || r.frameAnswer) return;
    const pfn = skip ? undefined : (this.app.store.getState().selection ?? undefined);
    const a = markAnswer(step.select, s.index, skip ? null : { kind: 'frame', pfn }, r.framePfn, new Date());
    const frameAnswer = { pfn, correct: skip ? null : selectionAnswers(pfn, r.framePfn) };
    this.store.setState((st) => ({
      results: st.results.map((x, i) => (i === st.index ? { ...x, frameAnswer } : x)),
    }));
    this.record(a, s.lesson);
    this.point(step);
  }

  private record(a: QuizAnswer, lesson: Lesson): void {
    const quiz = this.book.record(lesson.id, a);
    if (this.s.lesson === lesson) this.store.setState({ quiz });
  }

  /** The step's pointer, held back while its frame question waits: it would select the answer. */
  private pointUnlessAsking(step: LessonStep, r: StepResult | undefined): void {
    if (step.select && !r?.frameAnswer) return;
    this.point(step);
  }

  /** Reboot with the lesson's machine plus `extra`; `boot` false leaves it for boot steps. */
  private async boot(extra: Partial<MachineConfig>, boot: boolean): Promise<boolean> {
    const cfg: MachineConfig = { ...DEFAULT_CONFIG, ...this.s.lesson!.machine, ...extra };
    const gen = this.app.machine?.generation;
    await this.app.reboot({ config: cfg, boot });
    if (this.app.machine?.generation === gen)
      throw new Error(this.app.store.getState().error ?? 'reboot failed');
    return true;
  }

  /** Boot steps through the boot stepper: to just before `until`, or to the end. */
  private async bootSteps(to: LessonStep['boot']): Promise<boolean> {
    if (to === 'end') {
      await this.app.finishBoot();
    } else if (to) {
      const m = this.app.machine!;
      if (!m.steps.some((s) => s.fn === to.until))
        throw new Error(`no boot step '${to.until}' on ${m.config.arch}`);
      for (;;) {
        const now = this.app.machine!;
        if (now.booted || now.steps[now.bootIndex]?.fn === to.until) break;
        const at = now.bootIndex;
        await this.app.bootStep();
        if (this.app.machine!.bootIndex === at)
          throw new Error(this.app.store.getState().error ?? 'boot step failed');
      }
    }
    return true;
  }

  private async read(what: string): Promise<number> {
    const v = await this.app.value(what);
    if (typeof v !== 'number') throw new Error(`${what} is not a number`);
    return v;
  }

  /** Point at what the step names: the zero page's frame, a process's page. (Panels: LessonPanel.) */
  private point(step: LessonStep): void {
    const p = step.point;
    if (!p) return;
    if (p.kind === 'zeroPage') {
      const m = this.app.machine;
      const pfn = m?.arch.zeroPages?.basePfn ?? m?.zeroPagePfn ?? null;
      if (pfn === null) return;
      this.app.select(pfn);
      this.app.frameGrid?.focusPfn(pfn, 12);
    } else if (p.kind === 'page') {
      const a = this.app.store.getState();
      if (!a.processes.some((x) => x.name === p.proc)) return;
      if (a.currentProc !== p.proc) this.app.selectProcess(p.proc);
      if (this.app.store.getState().currentRegion !== p.region) this.app.selectRegion(p.region);
      if (p.page !== undefined) this.app.selectPage(p.page);
    }
  }

  /** Run a step's work with the panel busy; a failure is shown in the panel and the step stays unrun. */
  private async busy(body: () => Promise<boolean>): Promise<boolean> {
    this.store.setState({ running: true, error: null });
    try {
      return await body();
    } catch (e) {
      this.store.setState({ error: e instanceof Error ? e.message : String(e) });
      return false;
    } finally {
      const a = this.app.store.getState();
      this.ownHistory = a.history.length;
      this.ownGeneration = a.machine?.generation ?? -1;
      this.store.setState({ running: false });
    }
  }
}

/** The lesson a link asks for: `?lesson=<id>` or `#lesson=<id>`; null when none. */
export function lessonFromUrl(loc: Pick<Location, 'search' | 'hash'>): string | null {
  return new URLSearchParams(loc.search).get('lesson') ?? /[#&]lesson=([\w-]+)/.exec(loc.hash)?.[1] ?? null;
}

const runners = new WeakMap<AppController, LessonRunner>();

/**
 * The one lesson runner of an app (the panel and the test API share it). `record` false (an embedded
 * frame, whose host page moves through the steps): answers are not kept in this browser's quiz.
 */
export function runnerFor(app: AppController, opts: { record?: boolean } = {}): LessonRunner {
  let r = runners.get(app);
  if (!r) {
    r = opts.record === false ? new LessonRunner(app, undefined, false) : new LessonRunner(app);
    runners.set(app, r);
  }
  return r;
}
