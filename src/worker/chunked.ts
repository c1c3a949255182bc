/**
 * Long scenario work cut into pieces the host can run between looks at its message queue, so a
 * `cancel` is seen and progress can be posted (host.ts runLines).
 *
 * A run is a list of statements; most are short. `A read r1 0 4G 4K` is one statement that takes a
 * million faults, so a read or write of more than ACCESS_CHUNK accesses is split into statements over
 * consecutive sub-ranges. userRead/userWrite (src/core/user.ts) are plain loops over the range, so
 * the pieces, run in order, do exactly what the whole line does; each piece is itself a valid line
 * (the journal records the pieces that ran when a run is cancelled half-way).
 */
import { parseNumber, parseScenario, type Stmt } from '../core/scenario/parse.ts';

/** Accesses per piece of a split read/write: a few tens of milliseconds of faults. */
export const ACCESS_CHUNK = 16_384;

/** One piece of work: a statement, and where it sits in its source line's accesses (if split). */
export interface WorkItem {
  stmt: Stmt;
  /** accesses of the whole source line (0 when the line is not a split read/write) */
  accessesTotal: number;
  /** accesses done when this piece ends */
  accessesAfter: number;
}

/**
 * The statement as pieces. `regionLen` gives the length of a region of the process the command word
 * names (undefined when the word is not a process or the region does not exist). A statement whose
 * arguments do not parse, or whose range does not fit its region, is left whole: the session then
 * reports the error at the learner's column before anything ran, as it would for the whole line.
 * So is one over `maxAccesses` (the session's `accesses` limit), which the session refuses: the
 * pieces of `A read r1 0 100T 1` are never built.
 */
export function splitStatement(
  s: Stmt,
  regionLen: (region: string) => number | undefined,
  maxAccesses = Infinity,
): WorkItem[] {
  const whole = [{ stmt: s, accessesTotal: 0, accessesAfter: 0 }];
  const op = s.args[0]?.text;
  if (op !== 'read' && op !== 'write') return whole;
  if (s.args.length !== (op === 'read' ? 5 : 6)) return whole;
  const off = parseNumber(s.args[2]!.text);
  const len = parseNumber(s.args[3]!.text);
  const stride = parseNumber(s.args[4]!.text);
  const rlen = regionLen(s.args[1]!.text);
  if (off === undefined || !len || !stride || rlen === undefined || off + len > rlen) return whole;
  const total = Math.ceil(len / stride);
  if (total <= ACCESS_CHUNK || total > maxAccesses) return whole;
  const items: WorkItem[] = [];
  const span = ACCESS_CHUNK * stride;
  for (let at = 0, done = 0; at < len; at += span) {
    const n = Math.min(span, len - at);
    done += Math.ceil(n / stride);
    const rest = op === 'write' ? ` ${s.args[5]!.text}` : '';
    const text = `${s.cmd} ${op} ${s.args[1]!.text} 0x${(off + at).toString(16)} 0x${n.toString(16)} 0x${stride.toString(16)}${rest}`;
    const piece = parseScenario(text)[0]!;
    // Errors in a piece belong to the learner's line: keep its number and columns.
    items.push({
      stmt: {
        ...piece,
        line: s.line,
        cmdCol: s.cmdCol,
        args: s.args.map((a, i) => ({ ...a, text: piece.args[i]!.text })),
      },
      accessesTotal: total,
      accessesAfter: done,
    });
  }
  return items;
}

/** Let the worker's event loop run (a `cancel` message may be waiting). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A plain `boot` as pieces `boot until=<fn>`, one per remaining boot step (a 16 GiB boot takes a
 * while), then a final `boot` for the last step. Each piece runs exactly the steps the whole line
 * would, in order, and is itself a valid line. Steps whose function name repeats cannot be named
 * by `until` and stay in the piece before them. `boot until=...` and a booted machine stay whole.
 */
export function splitBoot(s: Stmt, steps: readonly { fn: string }[], bootIndex: number): WorkItem[] {
  const whole: WorkItem = { stmt: s, accessesTotal: 0, accessesAfter: 0 };
  if (s.cmd !== 'boot' || s.args.length || bootIndex >= steps.length) return [whole];
  const uses = new Map<string, number>();
  for (const st of steps) uses.set(st.fn, (uses.get(st.fn) ?? 0) + 1);
  const items: WorkItem[] = [];
  for (let i = bootIndex + 1; i < steps.length; i++) {
    const fn = steps[i]!.fn;
    if (uses.get(fn) !== 1 || !/^[\w.]+$/.test(fn)) continue;
    const piece = parseScenario(`boot until=${fn}`)[0]!;
    items.push({ stmt: { ...piece, line: s.line, cmdCol: s.cmdCol }, accessesTotal: 0, accessesAfter: 0 });
  }
  items.push(whole);
  return items;
}
