/**
 * Run a lesson through the core the way the app's lesson runner runs it through the worker
 * (src/ui/lesson_runner.ts): the lesson's machine, boot (unless the lesson steps through it), then
 * per step a new machine if it asks for one, its boot steps, the probe before, its lines, the probe
 * after. Returns the value each question's reveal would show, and the frame a select question wants.
 */
import { DEFAULT_CONFIG, type MachineConfig } from '../../src/core/config.ts';
import { parseScenario } from '../../src/core/scenario/parse.ts';
import { Session } from '../../src/core/scenario/run.ts';
import { probed, type Lesson } from '../../src/ui/lessons/types.ts';

export interface StepOutcome {
  /** the revealed value, for steps with a question */
  value: number | undefined;
  /** for steps with a "click the frame that…" question: the pfn of the right frame */
  frame: number | undefined;
  output: string;
}

function session(cfg: Partial<MachineConfig>, boot: boolean, out: string[]): Session {
  const s = new Session({ out: (t) => out.push(t) });
  s.config = { ...DEFAULT_CONFIG, ...cfg };
  for (const st of parseScenario(boot ? 'boot' : 'step')) s.exec(st);
  return s;
}

function run(s: Session, text: string): void {
  for (const st of parseScenario(text)) s.exec(st);
}

function num(v: number | string, what: string): number {
  if (typeof v !== 'number') throw new Error(`${what} is not a number`);
  return v;
}

export function runLesson(lesson: Lesson): StepOutcome[] {
  const out: string[] = [];
  // A stepped boot starts with no step run; `step` here runs the first, as the app's init does not:
  // so build the session lazily and let the first step's `boot` line do the work.
  let s: Session | undefined = lesson.stepBoot ? undefined : session(lesson.machine, true, out);
  const outcomes: StepOutcome[] = [];
  for (const step of lesson.steps) {
    out.length = 0;
    if (step.machine) s = session({ ...lesson.machine, ...step.machine }, true, out);
    if (step.boot) {
      if (!s) {
        s = new Session({ out: (t) => out.push(t) });
        s.config = { ...DEFAULT_CONFIG, ...lesson.machine };
      }
      run(s, step.boot === 'end' ? 'boot' : `boot until=${step.boot.until}`);
    }
    if (!s) throw new Error(`${lesson.id}: step '${step.title}' runs before the machine exists`);
    const q = step.question;
    const before = q?.probe.delta ? num(s.value(q.probe.what), q.probe.what) : undefined;
    if (step.lines) run(s, step.lines);
    const value = q ? probed(q.probe, before, num(s.value(q.probe.what), q.probe.what)) : undefined;
    const sel = step.select;
    const frame = sel ? num(s.value(sel.probe.what), sel.probe.what) : undefined;
    outcomes.push({ value, frame, output: out.join('') });
  }
  return outcomes;
}
