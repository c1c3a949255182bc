/**
 * Replaying a real-kernel record's scenario (scenarios/oracle/*.mm) with snapshots: the scenario's
 * `#@ <label>` comment lines mark the points the oracle recorded, and `runMarked` runs the
 * scenario statement by statement (the invariants checked after each) and calls `take` at each
 * mark. The oracle tests then compare the snapshots with the record field by field.
 */
import { assertInvariants } from '../../src/core/check.ts';
import { parseScenario } from '../../src/core/scenario/parse.ts';
import { Session } from '../../src/core/scenario/run.ts';

/** What `take` sees at a mark: the session and everything printed so far. */
export interface MarkContext {
  session: Session;
  out: string;
}

export function runMarked<T>(scenario: string, take: (c: MarkContext) => T): Map<string, T> {
  let out = '';
  const session = new Session({ out: (t) => (out += t) });
  const lines = scenario.split('\n');
  const marks = new Map<number, string>();
  lines.forEach((l, i) => {
    const mk = /^\s*#@\s*(\S+)/.exec(l);
    if (mk) marks.set(i + 1, mk[1]!);
  });
  const snaps = new Map<string, T>();
  const upTo = (from: number, to: number) => {
    for (let l = from; l < to; l++) if (marks.has(l)) snaps.set(marks.get(l)!, take({ session, out }));
  };
  let prevLine = 0;
  for (const st of parseScenario(scenario)) {
    upTo(prevLine + 1, st.line);
    prevLine = st.line;
    session.exec(st);
    if (session.machine?.memmapReady) assertInvariants(session.machine);
  }
  upTo(prevLine + 1, lines.length + 1);
  return snaps;
}

/**
 * The smaps block of the VMA holding `va` (its header line first), or undefined; `field(name)` reads
 * one of its numbers in kB.
 */
export function smapsBlock(
  smaps: string,
  va: number,
): { start: number; end: number; perms: string; flags: string; field: (name: string) => number } | undefined {
  for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(block)!;
    const [start, end] = [parseInt(h[1]!, 16), parseInt(h[2]!, 16)];
    if (va < start || va >= end) continue;
    return {
      start,
      end,
      perms: h[3]!,
      flags: ` ${/^VmFlags:(.*)$/m.exec(block)![1]!.trim()} `,
      field: (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(block)![1]),
    };
  }
  return undefined;
}

/** VMAs starting inside [start, start + len), as the oracles count them in /proc/<pid>/maps. */
export function vmasIn(smaps: string, start: number, len: number): number {
  return [...smaps.matchAll(/^([0-9a-f]+)-[0-9a-f]+ /gm)]
    .map((h) => parseInt(h[1]!, 16))
    .filter((a) => a >= start && a < start + len).length;
}
