/**
 * Lessons as documents: a Markdown file with front matter and one `## ` section per step, parsed into
 * the `Lesson` the runner and the tests use, and written back (lessonToMarkdown) for sharing.
 *
 *   ---
 *   format: 1
 *   id: my-lesson
 *   title: …
 *   summary: …
 *   machine: arch=x86_64 ram=1G
 *   level: intro
 *   duration: 10
 *   topic: zero page
 *   ---
 *
 *   ## Step title
 *
 *   Narration: paragraphs of plain text, separated by blank lines.
 *
 *   ```scenario          (the step's scenario lines, docs/scenario-language.md)
 *   ```step              (show, machine, boot, refs)
 *   ```question          (kind: number | choice | frame)
 *   ```notes             (the presenter's notes: plain paragraphs, shown only in the notes window)
 *
 * The front matter and the `step`/`question` blocks are a narrow YAML subset (one `key: value` per
 * line, a value plain or "double-quoted", lists as `  - item` lines), so a YAML-aware editor can check
 * them against public/lesson.schema.json. A hand parser rather than a Markdown/YAML dependency: the
 * grammar is this small, and every error must say file:line:col in the author's terms, which a general
 * parser's messages would not. Every problem is collected, not just the first. docs/lessons.md is the
 * author's guide. Pure: no DOM, no React; tests/lesson_doc.test.ts.
 */
import {
  ARCH_NAMES,
  ConfigError,
  completeConfig,
  validateConfig,
  type MachineConfig,
} from '../../core/config.ts';
import {
  PANEL_HEADINGS,
  type Choice,
  type CompareOp,
  type Lesson,
  type LessonLevel,
  type LessonStep,
  type PanelHeading,
  type Pointer,
  type Probe,
  type Question,
  type SelectQuestion,
  type SourceRef,
} from './types.ts';

/** The document format this parser reads (the front matter's `format:`). */
const LESSON_FORMAT = 1;

export const LESSON_LEVELS: readonly LessonLevel[] = ['intro', 'intermediate', 'advanced'];

/** One thing wrong in a document, where it is (1-based line and column). */
interface LessonDocProblem {
  line: number;
  col: number;
  message: string;
}

/** A document that does not parse: every problem, each as `file:line:col: message`. */
export class LessonDocError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LessonDocProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`).join('\n'));
    this.name = 'LessonDocError';
  }
}

/** Parse a lesson document; throws LessonDocError listing every problem. */
export function parseLessonDoc(text: string, file = 'lesson.md'): Lesson {
  const r = checkLessonDoc(text);
  if (!r.lesson) throw new LessonDocError(file, r.problems);
  return r.lesson;
}

/** Parse and validate: the lesson when there is no problem, else the problems (for an editor). */
export function checkLessonDoc(text: string): { lesson?: Lesson; problems: LessonDocProblem[] } {
  const p = new DocParser(text.replace(/^\uFEFF/, '').split(/\r?\n/));
  const lesson = p.parse();
  return p.problems.length ? { problems: p.problems } : { lesson, problems: [] };
}

// --- the machine line: the scenario language's `machine` keys --------------------------------------

type MachineKey = keyof MachineConfig;
/** snake_case key (as `machine` in a scenario) → config key, and how its value reads */
const MACHINE_KEYS: Record<string, { key: MachineKey; type: 'bool' | 'size' | 'int' | readonly string[] }> = {
  arch: { key: 'arch', type: ARCH_NAMES },
  ram: { key: 'ram', type: 'size' },
  cpus: { key: 'cpus', type: 'int' },
  granule: { key: 'granule', type: ['4K', '16K', '64K'] },
  thp: { key: 'thp', type: ['never', 'madvise', 'always'] },
  init_on_alloc: { key: 'initOnAlloc', type: 'bool' },
  init_on_free: { key: 'initOnFree', type: 'bool' },
  zero_page_patch: { key: 'zeroPagePatch', type: ['before', 'after'] },
  vce: { key: 'vce', type: 'bool' },
  coloured_zero: { key: 'colouredZero', type: 'bool' },
  use_zero_page: { key: 'useZeroPage', type: 'bool' },
  huge_zero: { key: 'hugeZero', type: ['dynamic', 'persistent', 'static_pmd'] },
  max_ptes_none: { key: 'maxPtesNone', type: 'int' },
  shrink_underused: { key: 'shrinkUnderused', type: 'bool' },
  pcid: { key: 'pcid', type: 'bool' },
  page_alloc_unmapped: { key: 'pageAllocUnmapped', type: 'bool' },
  unmapped_zeroing: { key: 'unmappedZeroing', type: ['as_posted', 'per_block'] },
};

/**
 * A number as the scenario language writes it: decimal or 0x hex, with an optional K/M/G/T binary
 * suffix. (The scenario parser's own is behind the worker boundary the UI may not cross.)
 */
function parseNumber(text: string): number | undefined {
  const m = /^(0x[0-9a-fA-F]+|\d+)([KMGTkmgt]?)$/.exec(text);
  if (!m) return undefined;
  const v = parseInt(m[1]!) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
  return Number.isSafeInteger(v) ? v : undefined;
}

function parseBool(t: string): boolean | undefined {
  if (t === 'yes' || t === 'on' || t === '1' || t === 'true') return true;
  if (t === 'no' || t === 'off' || t === '0' || t === 'false') return false;
  return undefined;
}

/** `arch=mips ram=256M vce=yes` → the keys given (others stay the lesson's / DEFAULT_CONFIG's). */
function parseMachineLine(
  v: Value,
  report: (col: number, msg: string) => void,
  /** the config the keys go on top of, to check the whole; null: do not check it */
  base: Partial<MachineConfig> | null = {},
): Partial<MachineConfig> {
  const out: Record<string, unknown> = {};
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  const seen = new Set<string>();
  while ((m = re.exec(v.text))) {
    const tok = m[0];
    const col = v.col + m.index;
    const eq = tok.indexOf('=');
    if (eq <= 0) {
      report(col, `machine: expected key=value, got '${tok}'`);
      continue;
    }
    const name = tok.slice(0, eq);
    const val = tok.slice(eq + 1);
    const spec = MACHINE_KEYS[name];
    if (!spec) {
      report(col, `machine: unknown key '${name}' (known: ${Object.keys(MACHINE_KEYS).join(', ')})`);
      continue;
    }
    if (seen.has(name)) report(col, `machine: '${name}' given twice`);
    seen.add(name);
    const bad = (why: string) => report(col + eq + 1, `machine: ${name}=${val}: ${why}`);
    if (spec.type === 'bool') {
      const b = parseBool(val);
      if (b === undefined) bad('expected yes or no');
      else out[spec.key] = b;
    } else if (spec.type === 'size' || spec.type === 'int') {
      const n = parseNumber(val);
      if (n === undefined)
        bad(spec.type === 'size' ? 'expected a size such as 1G or 512M' : 'expected a number');
      else out[spec.key] = n;
    } else if (!spec.type.includes(val)) bad(`expected ${spec.type.join(', ')}`);
    else out[spec.key] = spec.key === 'granule' ? parseInt(val, 10) : val;
  }
  const partial = out as Partial<MachineConfig>;
  if (!base) return partial;
  try {
    validateConfig(completeConfig({ ...base, ...partial }));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(v.col, `machine: ${e.message}`);
  }
  return partial;
}

function fmtBytes(n: number): string {
  for (const [s, k] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const)
    if (n % k === 0) return `${n / k}${s}`;
  return String(n);
}

/** The machine line for a partial config (keys in MACHINE_KEYS order). */
export function machineLine(c: Partial<MachineConfig>): string {
  const parts: string[] = [];
  for (const [name, spec] of Object.entries(MACHINE_KEYS)) {
    const v = c[spec.key];
    if (v === undefined) continue;
    if (spec.type === 'bool') parts.push(`${name}=${v ? 'yes' : 'no'}`);
    else if (spec.type === 'size') parts.push(`${name}=${fmtBytes(v as number)}`);
    else if (spec.key === 'granule') parts.push(`${name}=${String(v)}K`);
    else parts.push(`${name}=${String(v)}`);
  }
  return parts.join(' ');
}

// --- the YAML subset ------------------------------------------------------------------------------

/** A value and where its text starts. */
interface Value {
  text: string;
  line: number;
  col: number;
}
interface Entry {
  key: string;
  line: number;
  col: number;
  /** a scalar, or the items of a list */
  value: Value | Value[];
}

function unquote(raw: string, line: number, col: number, report: (l: number, c: number, m: string) => void) {
  if (!raw.startsWith('"')) return raw;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'string') return v;
  } catch {
    /* reported below */
  }
  report(line, col, `a quoted value must be one "double-quoted" string with \\" and \\\\ escaped: ${raw}`);
  return raw;
}

/** Entries of a front matter or block: `key: value` lines and `  - item` list lines. */
function parseEntries(
  lines: string[],
  firstLine: number,
  report: (line: number, col: number, msg: string) => void,
): Entry[] {
  const out: Entry[] = [];
  let list: Value[] | null = null;
  lines.forEach((text, i) => {
    const line = firstLine + i;
    if (!text.trim() || /^\s*#/.test(text)) return;
    const item = /^(\s+)- (.*)$/.exec(text);
    if (item) {
      const col = item[1]!.length + 3;
      if (!list) return report(line, 1, `a list item must follow a 'key:' line with nothing after the colon`);
      list.push({ text: unquote(item[2]!.trim(), line, col, report), line, col });
      return;
    }
    const kv = /^([A-Za-z_][\w-]*):(?:\s+(.*))?$/.exec(text);
    if (!kv) {
      if (/^\s/.test(text))
        return report(
          line,
          1,
          `an indented line must be a list item ('  - …'); a value stays on its key's line`,
        );
      return report(line, 1, `expected 'key: value', got '${clip(text)}'`);
    }
    const key = kv[1]!;
    const raw = (kv[2] ?? '').trim();
    if (out.some((e) => e.key === key)) report(line, 1, `'${key}' is given twice`);
    if (raw === '') {
      list = [];
      out.push({ key, line, col: 1, value: list });
    } else {
      list = null;
      const col = text.indexOf(raw, key.length + 1) + 1;
      out.push({ key, line, col: 1, value: { text: unquote(raw, line, col, report), line, col } });
    }
  });
  return out;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** Whether a scalar needs quotes to read back as the same string in YAML and here. */
function needsQuotes(s: string): boolean {
  return (
    s === '' ||
    s !== s.trim() ||
    /^[[\]{}*&!|>'"%@`#,?:-]/.test(s) ||
    /: | #|:$/.test(s) ||
    /^(yes|no|on|off|true|false|null|~|y|n)$/i.test(s)
  );
}
function scalar(s: string): string {
  return needsQuotes(s) ? JSON.stringify(s) : s;
}

// --- the document ---------------------------------------------------------------------------------

const FRONT_KEYS = ['format', 'id', 'title', 'summary', 'machine', 'level', 'duration', 'topic', 'step_boot'];
const STEP_KEYS = ['show', 'machine', 'boot', 'refs'];
const QUESTION_KEYS: Record<string, readonly string[]> = {
  number: ['kind', 'prompt', 'probe', 'delta', 'unit', 'expected', 'explain'],
  choice: ['kind', 'prompt', 'probe', 'delta', 'unit', 'choices', 'expected', 'explain'],
  frame: ['kind', 'prompt', 'probe', 'expected', 'explain'],
};
const BLOCKS = ['scenario', 'step', 'question', 'notes'];
const OPS: readonly CompareOp[] = ['==', '!=', '<=', '>=', '<', '>'];

interface Fence {
  info: string;
  line: number;
  body: string[];
}
interface StepDraft {
  title: string;
  line: number;
  paragraphs: string[][];
  fences: Fence[];
}

class DocParser {
  readonly problems: LessonDocProblem[] = [];
  private machineOk = false;
  constructor(private readonly lines: string[]) {}

  private report = (line: number, col: number, message: string) => {
    this.problems.push({ line, col, message });
  };

  parse(): Lesson | undefined {
    const { lines } = this;
    if (lines[0]?.trim() !== '---') {
      this.report(1, 1, "a lesson starts with front matter: a line '---', 'key: value' lines, then '---'");
      return undefined;
    }
    const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
    if (end < 0) {
      this.report(1, 1, "the front matter is not closed: add a line '---' after its last key");
      return undefined;
    }
    const front = this.entries(lines.slice(1, end), 2, FRONT_KEYS, 'front matter');
    const steps = this.sections(end + 1);
    return this.lesson(front, steps, end + 1);
  }

  private entries(
    body: string[],
    first: number,
    allowed: readonly string[],
    where: string,
  ): Map<string, Entry> {
    const map = new Map<string, Entry>();
    for (const e of parseEntries(body, first, this.report)) {
      if (!allowed.includes(e.key))
        this.report(e.line, e.col, `${where}: unknown key '${e.key}' (known: ${allowed.join(', ')})`);
      else map.set(e.key, e);
    }
    return map;
  }

  /** Split the body into steps: a `## ` heading, narration paragraphs, fenced blocks. */
  private sections(from: number): StepDraft[] {
    const steps: StepDraft[] = [];
    let cur: StepDraft | undefined;
    let para: string[] | null = null;
    for (let i = from; i < this.lines.length; i++) {
      const text = this.lines[i]!;
      const line = i + 1;
      const fence = /^(`{3,}|~{3,})\s*(\S*)\s*$/.exec(text);
      if (fence) {
        const close = this.lines.findIndex((l, j) => j > i && l.trim() === fence[1]);
        const body = this.lines.slice(i + 1, close < 0 ? this.lines.length : close);
        if (close < 0) this.report(line, 1, `this ${fence[1]} block is never closed: add a line ${fence[1]}`);
        if (!cur) this.report(line, 1, "a block before the first step: start a step with '## Step title'");
        else if (!BLOCKS.includes(fence[2]!))
          this.report(
            line,
            fence[1]!.length + 1,
            `a block is one of ${BLOCKS.map((b) => fence[1] + b).join(', ')}; got '${fence[2] || '(no name)'}'`,
          );
        else cur.fences.push({ info: fence[2]!, line, body });
        para = null;
        i = close < 0 ? this.lines.length : close;
        continue;
      }
      if (/^##\s/.test(text)) {
        cur = { title: text.replace(/^##\s+/, '').trim(), line, paragraphs: [], fences: [] };
        if (!cur.title) this.report(line, 1, 'a step needs a title after ##');
        steps.push(cur);
        para = null;
        continue;
      }
      if (/^#\s/.test(text)) {
        this.report(
          line,
          1,
          "'#' headings are not steps: the lesson's title goes in the front matter, each step starts with '## '",
        );
        // read on as if it were a step, so what follows is not reported again
        cur = { title: text.replace(/^#\s+/, '').trim(), line, paragraphs: [], fences: [] };
        steps.push(cur);
        para = null;
        continue;
      }
      if (!text.trim() || /^\s*<!--.*-->\s*$/.test(text)) {
        para = null;
        continue;
      }
      if (!cur) {
        this.report(line, 1, "text before the first step: start a step with '## Step title'");
        continue;
      }
      if (cur.fences.length) {
        this.report(
          line,
          1,
          "narration after a step's blocks: move it above the first ``` block of the step",
        );
        continue;
      }
      if (!para) cur.paragraphs.push((para = []));
      para.push(text.trim());
    }
    return steps;
  }

  private req(m: Map<string, Entry>, key: string, where: string, line: number): Value | undefined {
    const e = m.get(key);
    if (!e) {
      this.report(line, 1, `${where}: '${key}' is missing`);
      return undefined;
    }
    return this.str(e);
  }

  private str(e: Entry): Value | undefined {
    if (Array.isArray(e.value)) {
      this.report(e.line, e.col, `'${e.key}' takes one value on its line, not a list`);
      return undefined;
    }
    return e.value;
  }

  private num(v: Value | undefined): number | undefined {
    if (!v) return undefined;
    const n = Number(v.text);
    if (v.text === '' || !Number.isFinite(n)) {
      this.report(v.line, v.col, `expected a number, got '${v.text}'`);
      return undefined;
    }
    return n;
  }

  private bool(v: Value | undefined): boolean | undefined {
    if (!v) return undefined;
    const b = parseBool(v.text);
    if (b === undefined) this.report(v.line, v.col, `expected yes or no, got '${v.text}'`);
    return b;
  }

  private lesson(front: Map<string, Entry>, drafts: StepDraft[], fmEnd: number): Lesson | undefined {
    const where = 'front matter';
    const format = this.num(this.req(front, 'format', where, 1));
    if (format !== undefined && format !== LESSON_FORMAT) {
      const v = this.str(front.get('format')!)!;
      this.report(
        v.line,
        v.col,
        format > LESSON_FORMAT
          ? `format ${format} is newer than this MM Lab reads (format ${LESSON_FORMAT}): open it in a newer MM Lab`
          : `format ${format} is unknown: this MM Lab reads format ${LESSON_FORMAT}`,
      );
      return undefined;
    }
    const id = this.req(front, 'id', where, 1);
    if (id && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id.text))
      this.report(
        id.line,
        id.col,
        `id '${id.text}': lowercase letters, digits and single dashes (it goes in ?lesson=<id>)`,
      );
    const title = this.req(front, 'title', where, 1);
    const summary = this.req(front, 'summary', where, 1);
    const machineV = this.req(front, 'machine', where, 1);
    const before = this.problems.length;
    const machine = machineV ? parseMachineLine(machineV, (c, m) => this.report(machineV.line, c, m)) : {};
    // a step's machine is checked on top of the lesson's: only when the lesson's is sound
    this.machineOk = !!machineV && this.problems.length === before;
    const lesson: Lesson = {
      id: id?.text ?? '',
      title: title?.text ?? '',
      summary: summary?.text ?? '',
      machine,
      steps: [],
    };
    const level = front.get('level');
    if (level) {
      const v = this.str(level);
      if (v && !(LESSON_LEVELS as readonly string[]).includes(v.text))
        this.report(v.line, v.col, `level: expected ${LESSON_LEVELS.join(', ')}, got '${v.text}'`);
      else if (v) lesson.level = v.text as LessonLevel;
    }
    const duration = front.get('duration');
    if (duration) {
      const v = this.str(duration);
      const m = v && /^(\d+)(\s*min)?$/.exec(v.text);
      if (v && !m) this.report(v.line, v.col, `duration: minutes, e.g. 15 or '15 min', got '${v.text}'`);
      else if (m) lesson.duration = Number(m[1]);
    }
    const topic = front.get('topic');
    if (topic) {
      const v = this.str(topic);
      if (v) lesson.topic = v.text;
    }
    const stepBoot = front.get('step_boot');
    if (stepBoot && this.bool(this.str(stepBoot))) lesson.stepBoot = true;
    if (!drafts.length)
      this.report(fmEnd, 1, "the lesson has no steps: add one with '## Step title' and its narration");
    for (const d of drafts) lesson.steps.push(this.step(d, machine));
    return lesson;
  }

  private step(d: StepDraft, lessonMachine: Partial<MachineConfig>): LessonStep {
    const step: LessonStep = {
      title: d.title,
      narration: d.paragraphs.map((p) => p.join(' ')).join('\n\n'),
      refs: [],
    };
    if (!step.narration)
      this.report(d.line, 1, `step '${d.title}': no narration: write a paragraph under the heading`);
    const seen = new Set<string>();
    for (const f of d.fences) {
      const kind =
        f.info === 'question'
          ? `question:${/^kind:\s*frame\s*$/m.test(f.body.join('\n')) ? 'frame' : 'ask'}`
          : f.info;
      if (seen.has(kind))
        this.report(
          f.line,
          1,
          `step '${d.title}' has two ${f.info} blocks${f.info === 'question' ? ' of that kind (one predict question and one frame question at most)' : ''}`,
        );
      seen.add(kind);
      if (f.info === 'scenario') {
        const text = f.body.join('\n').trim();
        if (text) step.lines = text;
        else this.report(f.line, 1, 'an empty scenario block: write scenario lines or remove it');
      } else if (f.info === 'step') this.stepBlock(f, step, lessonMachine);
      else if (f.info === 'notes') this.notes(f, step);
      else this.question(f, step);
    }
    return step;
  }

  /** The presenter's notes: free text, paragraphs separated by blank lines (like the narration). */
  private notes(f: Fence, step: LessonStep): void {
    const paras: string[][] = [];
    let para: string[] | null = null;
    for (const l of f.body) {
      if (!l.trim()) para = null;
      else {
        if (!para) paras.push((para = []));
        para.push(l.trim());
      }
    }
    if (paras.length) step.notes = paras.map((p) => p.join(' ')).join('\n\n');
    else this.report(f.line, 1, "an empty notes block: write the presenter's notes or remove it");
  }

  private stepBlock(f: Fence, step: LessonStep, lessonMachine: Partial<MachineConfig>): void {
    const m = this.entries(f.body, f.line + 1, STEP_KEYS, 'step block');
    const show = m.get('show');
    if (show) {
      const v = this.str(show);
      if (v) step.point = this.pointer(v);
    }
    const machine = m.get('machine');
    if (machine) {
      const v = this.str(machine);
      if (v)
        step.machine = parseMachineLine(
          v,
          (c, msg) => this.report(v.line, c, msg),
          this.machineOk ? lessonMachine : null,
        );
    }
    const boot = m.get('boot');
    if (boot) {
      const v = this.str(boot);
      const u = v && /^until\s+(\w+)$/.exec(v.text);
      if (v?.text === 'end') step.boot = 'end';
      else if (u) step.boot = { until: u[1]! };
      else if (v) this.report(v.line, v.col, `boot: 'end' or 'until <kernel function>', got '${v.text}'`);
    }
    const refs = m.get('refs');
    if (refs) {
      if (!Array.isArray(refs.value))
        this.report(refs.line, refs.col, "refs: a list, one '  - file | label | names' line each");
      else
        for (const v of refs.value) {
          const r = this.ref(v);
          if (r) step.refs.push(r);
        }
    }
  }

  /** `file | label` or `file | label | name, name` */
  private ref(v: Value): SourceRef | undefined {
    const parts = v.text.split('|').map((s) => s.trim());
    if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
      this.report(
        v.line,
        v.col,
        `a ref is 'path/in/kernel.c | what to look for' with optional '| names, …': got '${clip(v.text)}'`,
      );
      return undefined;
    }
    if (/\s/.test(parts[0]))
      this.report(v.line, v.col, `a ref's file is a path in the kernel tree, without spaces: '${parts[0]}'`);
    const r: SourceRef = { file: parts[0], label: parts[1] };
    if (parts[2])
      r.names = parts[2]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    return r;
  }

  private pointer(v: Value): Pointer | undefined {
    const w = v.text.split(/\s+/);
    if (w[0] === 'zero-page' && w.length === 1) return { kind: 'zeroPage' };
    if (w[0] === 'panel' && w.length === 2) {
      if ((PANEL_HEADINGS as readonly string[]).includes(w[1]!))
        return { kind: 'panel', heading: w[1] as PanelHeading };
      this.report(
        v.line,
        v.col + 6,
        `show panel: '${w[1]}' is not a panel (known: ${PANEL_HEADINGS.join(', ')})`,
      );
      return undefined;
    }
    if (w[0] === 'page' && (w.length === 3 || w.length === 4)) {
      const p: Pointer = { kind: 'page', proc: w[1]!, region: w[2]! };
      if (w.length === 4) {
        const n = Number(w[3]);
        if (!Number.isInteger(n) || n < 0) {
          this.report(v.line, v.col, `show page: the page index is a whole number from 0, got '${w[3]}'`);
          return undefined;
        }
        p.page = n;
      }
      return p;
    }
    this.report(
      v.line,
      v.col,
      `show: 'zero-page', 'page <process> <region> [<page>]' or 'panel <heading>', got '${v.text}'`,
    );
    return undefined;
  }

  private question(f: Fence, step: LessonStep): void {
    const body = parseEntries(f.body, f.line + 1, this.report);
    const kindE = body.find((e) => e.key === 'kind');
    const kindV = kindE && this.str(kindE);
    if (!kindV || !QUESTION_KEYS[kindV.text]) {
      this.report(
        kindV?.line ?? f.line,
        kindV?.col ?? 1,
        `question: 'kind' is number, choice or frame${kindV ? `, got '${kindV.text}'` : ' (missing)'}`,
      );
      return;
    }
    const kind = kindV.text as 'number' | 'choice' | 'frame';
    const m = new Map<string, Entry>();
    for (const e of body)
      if (!QUESTION_KEYS[kind]!.includes(e.key))
        this.report(
          e.line,
          e.col,
          `a ${kind} question has no '${e.key}' (known: ${QUESTION_KEYS[kind]!.join(', ')})`,
        );
      else m.set(e.key, e);
    const where = `${kind} question`;
    const prompt = this.req(m, 'prompt', where, f.line)?.text ?? '';
    const explain = this.req(m, 'explain', where, f.line)?.text ?? '';
    const what = this.req(m, 'probe', where, f.line);
    const probe: Probe = { what: what?.text ?? '' };
    if (what && /\s/.test(what.text))
      this.report(
        what.line,
        what.col,
        `probe: one name expect can read, e.g. /proc/A/status:VmRSS, got '${what.text}'`,
      );
    const delta = m.get('delta');
    if (delta && this.bool(this.str(delta))) probe.delta = true;
    const unit = m.get('unit');
    if (unit) {
      const v = this.str(unit);
      if (v) probe.unit = v.text;
    }
    const expected = m.get('expected');
    if (kind === 'frame') {
      const q: SelectQuestion = { kind, prompt, probe, explain };
      if (expected) q.expected = this.num(this.str(expected));
      step.select = q;
      return;
    }
    if (kind === 'number') {
      const v = this.num(this.req(m, 'expected', where, f.line));
      step.question = { kind, prompt, probe, expected: v ?? 0, explain };
      return;
    }
    const choices: Choice[] = [];
    const ce = m.get('choices');
    if (!ce || !Array.isArray(ce.value) || ce.value.length < 2)
      this.report(
        ce?.line ?? f.line,
        1,
        "choice question: 'choices' is a list of two or more '  - label | op value' lines, e.g. '  - None | == 0'",
      );
    else
      for (const v of ce.value) {
        const c = /^(.*?)\s*\|\s*(==|!=|<=|>=|<|>)\s*(-?[\d.]+)\s*$/.exec(v.text);
        const n = c ? Number(c[3]) : NaN;
        if (!c || !c[1] || !Number.isFinite(n))
          this.report(
            v.line,
            v.col,
            `a choice is 'label | op value' with op one of ${OPS.join(' ')}: got '${clip(v.text)}'`,
          );
        else choices.push({ label: c[1], when: { op: c[2] as CompareOp, value: n } });
      }
    const ev = this.req(m, 'expected', where, f.line);
    let index = 0;
    if (ev) {
      index = choices.findIndex((c) => c.label === ev.text);
      if (index < 0 && choices.length)
        this.report(
          ev.line,
          ev.col,
          `expected: the label of the right choice (${choices.map((c) => `'${c.label}'`).join(', ')}), got '${ev.text}'`,
        );
    }
    const q: Question = { kind: 'choice', prompt, probe, choices, expected: Math.max(index, 0), explain };
    step.question = q;
  }
}

// --- writing a lesson back ------------------------------------------------------------------------

function questionBlock(q: Question | SelectQuestion): string[] {
  const out = [
    '```question',
    `kind: ${q.kind}`,
    `prompt: ${scalar(q.prompt)}`,
    `probe: ${scalar(q.probe.what)}`,
  ];
  if (q.kind !== 'frame') {
    if (q.probe.delta) out.push('delta: yes');
    if (q.probe.unit) out.push(`unit: ${scalar(q.probe.unit)}`);
  }
  if (q.kind === 'choice') {
    out.push('choices:');
    for (const c of q.choices) out.push(`  - ${scalar(`${c.label} | ${c.when.op} ${c.when.value}`)}`);
    out.push(`expected: ${scalar(q.choices[q.expected]!.label)}`);
  } else if (q.expected !== undefined) out.push(`expected: ${q.expected}`);
  out.push(`explain: ${scalar(q.explain)}`, '```');
  return out;
}

function pointerText(p: Pointer): string {
  if (p.kind === 'zeroPage') return 'zero-page';
  if (p.kind === 'panel') return `panel ${p.heading}`;
  return `page ${p.proc} ${p.region}${p.page === undefined ? '' : ` ${p.page}`}`;
}

/** The document for a lesson: parseLessonDoc(lessonToMarkdown(l)) equals l. */
export function lessonToMarkdown(l: Lesson): string {
  const out = [
    '---',
    `format: ${LESSON_FORMAT}`,
    `id: ${l.id}`,
    `title: ${scalar(l.title)}`,
    `summary: ${scalar(l.summary)}`,
  ];
  out.push(`machine: ${scalar(machineLine(l.machine))}`);
  if (l.level) out.push(`level: ${l.level}`);
  if (l.duration !== undefined) out.push(`duration: ${l.duration}`);
  if (l.topic) out.push(`topic: ${scalar(l.topic)}`);
  if (l.stepBoot) out.push('step_boot: yes');
  out.push('---');
  for (const s of l.steps) {
    out.push('', `## ${s.title}`, '', s.narration.split('\n\n').join('\n\n'));
    if (s.lines) out.push('', '```scenario', s.lines, '```');
    const meta: string[] = [];
    if (s.point) meta.push(`show: ${pointerText(s.point)}`);
    if (s.machine) meta.push(`machine: ${scalar(machineLine(s.machine))}`);
    if (s.boot) meta.push(`boot: ${s.boot === 'end' ? 'end' : `until ${s.boot.until}`}`);
    if (s.refs.length) {
      meta.push('refs:');
      for (const r of s.refs)
        meta.push(
          `  - ${scalar([r.file, r.label, ...(r.names?.length ? [r.names.join(', ')] : [])].join(' | '))}`,
        );
    }
    if (meta.length) out.push('', '```step', ...meta, '```');
    if (s.question) out.push('', ...questionBlock(s.question));
    if (s.select) out.push('', ...questionBlock(s.select));
    if (s.notes) out.push('', '```notes', s.notes, '```');
  }
  return out.join('\n') + '\n';
}
