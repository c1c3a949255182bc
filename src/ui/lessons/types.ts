/**
 * The lesson format: a guided tour is a machine, then steps; each step has narration, the scenario
 * lines it runs (docs/scenario-language.md) and, optionally, a predict-then-reveal question whose
 * answer is READ FROM THE MACHINE after the lines ran (a `Probe`), never written into the lesson.
 * Plain data, no React: tests/lessons.test.ts runs the same steps through the core.
 * Lessons are written as Markdown documents (lessons/*.md, parsed by lesson_doc.ts); see
 * docs/lessons.md for how to write one.
 */
import type { MachineConfig } from '../../core/config.ts';

/** Where the elixir links point: the kernel the emulator follows. */
export const ELIXIR = 'https://elixir.bootlin.com/linux/v6.18/source/';

/** A kernel source file the narration leans on, linked to elixir. */
export interface SourceRef {
  /** path in the kernel tree, e.g. `mm/memory.c` */
  file: string;
  /** what to look for there, e.g. `do_anonymous_page()` */
  label: string;
  /**
   * Counters, flags, variables and macros this reference backs (`pgreuse`, `PageAnonExclusive`,
   * `zero_pfn`), besides the functions named `f()` in the label. tests/lesson_accuracy.test.ts
   * requires every kernel name a step's text uses to be backed by one of the step's references.
   */
  names?: readonly string[];
}

/**
 * A value read from the emulated machine: `what` is anything `expect` can look at
 * (`/proc/A/status:VmRSS`, `/proc/vmstat:pgfault`, `huge_zero_refcount`, `blkdev_bvecs`...).
 * With `delta`, the value is read before the step's lines and after, and the reveal is the change.
 */
export interface Probe {
  what: string;
  delta?: boolean;
  /** how the value reads to a learner: `kB`, `faults`, `bvecs`... */
  unit?: string;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A multiple-choice option; it is the right one when the probed value satisfies `when`. */
export interface Choice {
  label: string;
  when: { op: CompareOp; value: number };
}

interface QuestionBase {
  /** asked before the step's lines run */
  prompt: string;
  probe: Probe;
  /** shown with the reveal: why the machine gave that value */
  explain: string;
}

interface NumberQuestion extends QuestionBase {
  kind: 'number';
  /**
   * What the lesson's author expects the machine to give. The UI never shows it: the reveal shows the
   * probed value. tests/lessons.test.ts checks that the core still produces it.
   */
  expected: number;
}

interface ChoiceQuestion extends QuestionBase {
  kind: 'choice';
  choices: Choice[];
  /** index of the choice the author expects to match (checked by the tests, not shown) */
  expected: number;
}

export type Question = NumberQuestion | ChoiceQuestion;

/**
 * "Click the frame that…": asked after the step's lines ran; the learner answers by selecting a frame
 * on the frame grid, and the answer is right when the selected pfn is the value the probe reads
 * (e.g. `zero_pfn`, `pfn(buf)`). A separate field from `question` so a step can ask both, and so a
 * runner that predates it simply skips it.
 */
export interface SelectQuestion {
  kind: 'frame';
  prompt: string;
  /** reads the pfn of the right frame */
  probe: Probe;
  /** the pfn the author expects (checked by tests/lessons.test.ts, never shown) */
  expected?: number;
  explain: string;
}

/** Whether a selection answers a select question: the selected frame is the probed pfn. */
export function selectionAnswers(selectedPfn: number | undefined, probedPfn: number): boolean {
  return selectedPfn !== undefined && selectedPfn === probedPfn;
}

/** What a step points the learner at. */
export type Pointer =
  /** select the zero page's frame on the frame grid (the first one, on arches with several) */
  | { kind: 'zeroPage' }
  /** show a process's region in the process grid, optionally selecting one page */
  | { kind: 'page'; proc: string; region: string; page?: number }
  /** outline a panel and scroll to it: the id of the panel's heading */
  | { kind: 'panel'; heading: PanelHeading };

/** The panels a lesson can point at, by the id of their heading (src/ui/*Panel.tsx). */
export const PANEL_HEADINGS = [
  'status-title',
  'scenario-title',
  'huge-title',
  'blkzero-title',
  'boot-title',
  'about-title',
  'proc-title',
  'memblock-title',
  'inspector-title',
  'swap-title',
] as const;
export type PanelHeading = (typeof PANEL_HEADINGS)[number];

export interface LessonStep {
  title: string;
  /** a few sentences; paragraphs separated by blank lines */
  narration: string;
  refs: SourceRef[];
  /**
   * A new machine for this step (the lesson's `machine` plus these keys), booted before the step's
   * lines: the architecture tour reboots as a different CPU. No confirm: it is the lesson's machine.
   */
  machine?: Partial<MachineConfig>;
  /** run boot steps first: to just before the named kernel function, or `end` for all of them */
  boot?: { until: string } | 'end';
  /** scenario lines, run through controller.run (they appear in the transcript) */
  lines?: string;
  point?: Pointer;
  question?: Question;
  /** a "click the frame that…" question, asked after the lines ran */
  select?: SelectQuestion;
  /**
   * The presenter's notes for this step (paragraphs separated by blank lines): shown only in the
   * presenter's notes window (src/ui/presenter), never to the room or the learner.
   */
  notes?: string;
}

/** How much a lesson assumes, for the gallery. */
export type LessonLevel = 'intro' | 'intermediate' | 'advanced';

export interface Lesson {
  /** used in `?lesson=<id>` */
  id: string;
  title: string;
  /** one line for the picker */
  summary: string;
  /** the machine the lesson starts from (keys not given take DEFAULT_CONFIG) */
  machine: Partial<MachineConfig>;
  /** leave the machine unbooted so the steps can walk through boot */
  stepBoot?: boolean;
  /** for the gallery: how much it assumes, minutes it takes, what it is about */
  level?: LessonLevel;
  duration?: number;
  topic?: string;
  steps: LessonStep[];
}

/** Whether a probed value satisfies a choice's condition. */
export function satisfies(v: number, when: Choice['when']): boolean {
  switch (when.op) {
    case '==':
      return v === when.value;
    case '!=':
      return v !== when.value;
    case '<':
      return v < when.value;
    case '<=':
      return v <= when.value;
    case '>':
      return v > when.value;
    case '>=':
      return v >= when.value;
  }
}

/** The probed value: the value after the lines, or the change when the probe is a delta. */
export function probed(probe: Probe, before: number | undefined, after: number): number {
  return probe.delta ? after - (before ?? 0) : after;
}

/** The index of the first choice the value satisfies, or -1. */
export function matchingChoice(q: ChoiceQuestion, v: number): number {
  return q.choices.findIndex((c) => satisfies(v, c.when));
}
