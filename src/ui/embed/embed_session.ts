/**
 * What an embedded frame does for its host (embed_api.ts requests): load a scenario or a lesson, move
 * between steps, read a value. Everything goes through the same controller and lesson runner the
 * full app's buttons use, so the views in the frame follow as they do in the app.
 *
 * Steps: with a lesson loaded, its steps; with a scenario, its operations (one per statement, as the
 * timeline lists them), stepped by seeking the timeline. The host drives: a
 * step it moves to runs at once, a question in it is skipped (the learner predicts in the full app,
 * or in the frame's own lesson view when the host leaves the stepping to them).
 *
 * Every method either resolves with its result or throws an Error whose message is the reply's
 * `error`: the machine's located message for a bad scenario line, the lesson parser's file:line:col.
 */
import { createStore } from 'zustand';
import type { AppController } from '../controller.ts';
import { runnerFor, type LessonRunner } from '../lesson_runner.ts';
import { addLesson, findLesson } from '../lessons/index.ts';
import { parseLessonDoc } from '../lessons/lesson_doc.ts';
import { fetchLessonDoc, isLessonDocHash, lessonFromLink, lessonUrlFrom } from '../lessons/lesson_link.ts';
import type { Lesson } from '../lessons/types.ts';
import { blankLine, leadingMachineLine } from '../scenario/scenario_text.ts';
import type { EmbedState, LoadLessonRequest } from './embed_api.ts';
import { lessonViews, type EmbedViewStore } from './embed_views.ts';

/**
 * How long a request waits for the first machine (a big boot takes seconds; a worker that never
 * starts must not leave the host waiting for ever).
 */
const MACHINE_UP_MS = 60_000;

/** A scenario loaded by the host: the timeline operations its statements made. */
interface LoadedScenario {
  /** the timeline index of each step's operation, in order */
  ops: number[];
  labels: string[];
}

export class EmbedSession {
  readonly runner: LessonRunner;
  /** the scenario loaded (null: none, or a lesson): views re-render on it */
  readonly scenarioStore = createStore<{ scenario: LoadedScenario | null }>()(() => ({ scenario: null }));

  constructor(
    readonly app: AppController,
    readonly views: EmbedViewStore,
  ) {
    // the host page drives the steps (their questions skipped): not the learner's quiz answers
    this.runner = runnerFor(app, { record: false });
  }

  /** Where the frame is now (replies and `step` events carry it). */
  state(): EmbedState {
    const views = this.views.getState().views;
    const r = this.runner.store.getState();
    if (r.lesson) {
      return {
        mode: 'lesson',
        title: r.lesson.title,
        step: r.index + 1,
        steps: r.lesson.steps.length,
        stepTitle: r.lesson.steps[r.index]?.title ?? null,
        views,
      };
    }
    const sc = this.scenarioStore.getState().scenario;
    if (sc) {
      const i = this.scenarioIndex(sc);
      return {
        mode: 'scenario',
        title: null,
        step: i + 1,
        steps: sc.ops.length,
        stepTitle: sc.labels[i] ?? null,
        views,
      };
    }
    return { mode: 'none', title: null, step: 0, steps: 0, stepTitle: null, views };
  }

  // --- loading ---------------------------------------------------------------------------------------

  /**
   * Run a scenario as the app's editor does: a leading `machine` line reboots as that machine first
   * (unbooted: the scenario's `boot` line boots it), without one the lines run on the machine as it
   * is. The operations its statements make become the steps (one per statement: `boot` is one), not
   * the boot steps an unbooted reboot may list; the view ends at the last one (live).
   */
  async loadScenario(text: string): Promise<EmbedState> {
    await this.machineUp();
    this.runner.close();
    this.scenarioStore.setState({ scenario: null });
    let toRun = text;
    const machine = leadingMachineLine(text);
    if (machine) {
      const r = await this.app.track(this.app.client.machineConfig(machine.text));
      if (!r.config) throw new Error(`line ${machine.line}: ${r.error?.message ?? 'not a machine line'}`);
      await this.reboot(() => this.app.reboot({ config: r.config!, boot: false }));
      toRun = blankLine(text, machine.line);
    }
    if (this.app.store.getState().timelinePos !== null) await this.app.seek(null);
    const first = (await this.app.timeline(null)).ops.length;
    // A failing line stops the run; the lines before it keep their effect and stay steppable.
    let failed: string | null = null;
    if (toRun.trim()) {
      const r = await this.app.run(toRun);
      if (!r) throw new Error(this.app.store.getState().error ?? 'the machine did not answer');
      const e = r.errors[0];
      if (e) failed = `line ${e.line}:${e.col}: ${e.message}`;
    }
    const ops = (await this.app.timeline(null)).ops;
    const mine = ops.map((o, i) => ({ o, i })).filter(({ o, i }) => i >= first && o.kind !== 'boot');
    this.scenarioStore.setState({
      scenario: { ops: mine.map((x) => x.i), labels: mine.map((x) => x.o.label) },
    });
    if (!this.views.getState().fixed) this.views.setState({ views: ['frames', 'process'], active: null });
    if (failed) throw new Error(failed);
    return this.state();
  }

  /** Open a lesson from its Markdown, a link or a built-in id, and run its first step. */
  async loadLesson(req: LoadLessonRequest): Promise<EmbedState> {
    const lesson = await this.lessonOf(req);
    await this.openLesson(lesson);
    return this.state();
  }

  /** Open a lesson (a teacher's joins the list, as a link's would) with no "your work" question. */
  async openLesson(lesson: Lesson): Promise<void> {
    if (findLesson(lesson.id) !== lesson && !addLesson(lesson))
      throw new Error(
        `the lesson's id '${lesson.id}' is a built-in lesson's: give it another id in its front matter`,
      );
    await this.machineUp();
    this.scenarioStore.setState({ scenario: null });
    if (!this.views.getState().fixed) this.views.setState({ views: lessonViews(lesson), active: null });
    await this.runner.open(lesson.id, true);
    this.check();
    await this.runShown();
  }

  /** The lesson the frame's own address names (`?lesson=`, `#lesson=~doc1.…`, `?lesson-url=`), if any. */
  async openFromUrl(loc: Pick<Location, 'search' | 'hash' | 'href'>): Promise<void> {
    const u = new URL(loc.href);
    if (!u.searchParams.has('lesson') && !u.searchParams.has('lesson-url') && !/[#&]lesson=/.test(loc.hash))
      return;
    await this.openLesson(await lessonFromLinkText(loc.href, loc.href));
  }

  private async lessonOf(req: LoadLessonRequest): Promise<Lesson> {
    if (req.markdown !== undefined) return parseLessonDoc(req.markdown, 'the lesson sent to the frame');
    if (req.lesson !== undefined) {
      const l = findLesson(req.lesson);
      if (!l) throw new Error(`there is no lesson called '${req.lesson}'`);
      return l;
    }
    return lessonFromLinkText(req.link!, location.href);
  }

  // --- steps -------------------------------------------------------------------------------------------

  async next(): Promise<EmbedState> {
    const s = this.state();
    if (s.mode === 'none') throw new Error('nothing to step: load a lesson or a scenario first');
    if (s.step >= s.steps) throw new Error(`already at the last step (${s.steps})`);
    return this.goTo(s.step + 1);
  }

  async back(): Promise<EmbedState> {
    const s = this.state();
    if (s.mode === 'none') throw new Error('nothing to step: load a lesson or a scenario first');
    if (s.step <= 1) throw new Error('already at the first step');
    return this.goTo(s.step - 1);
  }

  /** Show step `n` (1-based): a lesson's steps up to it run first; a scenario's timeline seeks. */
  async goTo(n: number): Promise<EmbedState> {
    const s = this.state();
    if (s.mode === 'none') throw new Error('nothing to step: load a lesson or a scenario first');
    if (n < 1 || n > s.steps)
      throw new Error(`step ${n} is not one of this ${s.mode}'s steps (1 to ${s.steps})`);
    if (s.mode === 'scenario') {
      const op = this.scenarioStore.getState().scenario!.ops[n - 1]!;
      const ops = (await this.app.timeline(null)).ops;
      const ok =
        op === ops.length - 1 ? await this.app.seek(null) : await this.app.seek(op, ops[op]?.steps ?? 0);
      if (!ok) throw new Error(this.app.store.getState().error ?? `could not show step ${n}`);
      return this.state();
    }
    await this.runShown();
    for (let guard = 0; this.runner.store.getState().index + 1 !== n; guard++) {
      const at = this.runner.store.getState().index;
      if (at + 1 < n) {
        await this.runner.next();
        this.check();
        await this.runShown();
      } else {
        await this.runner.back();
        this.check();
      }
      // A move that did not move (a runner refusing) must not spin: say so.
      if (this.runner.store.getState().index === at || guard > 1000)
        throw new Error(`the lesson could not move from step ${at + 1} toward step ${n}`);
    }
    return this.state();
  }

  /** The value an `expect` or `print` reads, from the machine as shown. */
  async read(what: string): Promise<{ what: string; value: number | string }> {
    await this.machineUp();
    return { what, value: await this.app.value(what) };
  }

  // --- helpers -------------------------------------------------------------------------------------------

  /** Run the shown lesson step if it waits for a prediction: the host drives, the question is skipped. */
  private async runShown(): Promise<void> {
    const r = this.runner;
    if (r.store.getState().lesson && !r.stepDone && !r.store.getState().running) {
      await r.answer(null);
      this.check();
    }
    // A "click the frame" question holds back its pointer until answered: skipped here, so it shows.
    r.answerFrame(true);
  }

  /** Resolves once the first machine is up; throws if it is not up within MACHINE_UP_MS. */
  async machineUp(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the machine has not started after ${MACHINE_UP_MS / 1000} s: ${this.app.store.getState().error ?? 'the frame may need reloading'}`,
            ),
          ),
        MACHINE_UP_MS,
      );
    });
    try {
      await Promise.race([this.app.ready, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The runner's error, as a thrown one. */
  private check(): void {
    const e = this.runner.store.getState().error;
    if (e) throw new Error(e);
  }

  private async reboot(go: () => Promise<boolean>): Promise<void> {
    if (!(await go())) throw new Error(this.app.store.getState().error ?? 'the machine could not boot');
  }

  /** The scenario step the timeline shows (0-based; live is the last). */
  private scenarioIndex(sc: LoadedScenario): number {
    const ops = sc.ops;
    const pos = this.app.store.getState().timelinePos;
    if (pos === null) return ops.length - 1;
    // the last step whose operation is at or before the one shown
    let i = 0;
    while (i + 1 < ops.length && ops[i + 1]! <= pos.op) i++;
    return i;
  }
}

/**
 * The lesson a link names: `#lesson=~doc1.…` (the document in the link), `?lesson-url=` (a file on
 * this site) or `?lesson=<id>` / `#lesson=<id>` (a built-in lesson). A full URL or just its query
 * or hash.
 */
async function lessonFromLinkText(link: string, page: string): Promise<Lesson> {
  let url: URL;
  try {
    url = new URL(link.trim(), page);
  } catch {
    throw new Error(`'${link.slice(0, 40)}' is not a link`);
  }
  if (isLessonDocHash(url.hash)) return lessonFromLink(url.hash);
  const file = lessonUrlFrom(url.search, page);
  if (file) return fetchLessonDoc(file);
  const id = url.searchParams.get('lesson') ?? /[#&]lesson=([\w-]+)/.exec(url.hash)?.[1];
  if (id) {
    const l = findLesson(id);
    if (!l) throw new Error(`there is no lesson called '${id}'`);
    return l;
  }
  throw new Error('the link names no lesson: it has no #lesson=, ?lesson= or ?lesson-url=');
}
