/**
 * Stack growth (issue #14) against the real kernel: reference/kernel-6.18/stack.json
 * (tools/oracle/stack.c) replayed by scenarios/oracle/stack.mm — a write below [stack] grows the
 * VMA down to that page (VmStk and the start move by the same amount), up to RLIMIT_STACK and not
 * one page more, and never to within stack_guard_gap of a mapping below. The recording process's
 * stack starts at another size than a spawned one's (276 KiB against 132 KiB), so a growth up to
 * the limit is compared by the stack's size after it, and the record's fault counts (its own
 * /proc reads fault too) are not compared.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/stack.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/stack.mm');

interface Snap {
  out: string;
  /** [stack] start and end of A (null once A is dead), and its VmStk */
  stack: { start: number; end: number; vmStk: number } | null;
  /** how far each process's stack start moved below where spawn put it, in kB */
  moved: Record<string, number>;
}

const SPAWNED_START = 0x7ffffffde000;

function stackOf(c: MarkContext, name: string) {
  const p = c.session.procs.get(name);
  if (!p?.task.mm) return null;
  const pid = p.task.pid;
  const m = /^([0-9a-f]+)-([0-9a-f]+) .*\[stack\]$/m.exec(readProc(c.session.machine!, `/proc/${pid}/maps`))!;
  const status = readProc(c.session.machine!, `/proc/${pid}/status`);
  return {
    start: parseInt(m[1]!, 16),
    end: parseInt(m[2]!, 16),
    vmStk: Number(/^VmStk:\s+(\d+)/m.exec(status)![1]),
  };
}

function take(c: MarkContext): Snap {
  const moved: Record<string, number> = {};
  for (const n of ['A', 'B', 'C']) {
    const st = stackOf(c, n);
    if (st) moved[n] = (SPAWNED_START - st.start) / 1024;
  }
  return { out: c.out, stack: stackOf(c, 'A'), moved };
}

describe('stack growth against the kernel (stack.json)', () => {
  const snaps = runMarked(scenario, take);
  const at = (label: string) => snaps.get(label)!;
  const died = (label: string, before: string, who: string) =>
    new RegExp(`^${who}: killed by SIGSEGV \\(SEGV_MAPERR\\)`, 'm').test(
      at(label).out.slice(at(before).out.length),
    );

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it('a write 64 KiB below the stack grows the VMA down to that page', () => {
    const want = ref['below_start_64k']!;
    const [a, b] = [at('start').stack!, at('below_start_64k').stack!];
    expect(died('below_start_64k', 'start', 'A')).toBe(want['sigsegv']);
    expect(b.vmStk - a.vmStk).toBe(want['VmStk_kB_delta']);
    expect((a.start - b.start) / 1024).toBe(want['start_moved_kB']);
    expect(b.start === a.start - 64 * 1024).toBe(want['new_start_is_the_page']);
  });

  it('up to RLIMIT_STACK it grows; one page more is SIGSEGV', () => {
    const rlimitKb = ref['rlimit_stack_kB'] as unknown as number;
    const b = at('at_rlimit').stack!;
    expect(died('at_rlimit', 'below_start_64k', 'A')).toBe(ref['at_rlimit']!['sigsegv']);
    // the record's address is 8 MiB below the top and its new start is that page: the stack is the limit
    expect(ref['at_rlimit']!['address_below_top']).toBe(rlimitKb * 1024);
    expect(ref['at_rlimit']!['new_start_is_the_page']).toBe(true);
    expect((b.end - b.start) / 1024).toBe(rlimitKb);
    expect(b.vmStk).toBe(rlimitKb);
    expect(died('over_rlimit', 'at_rlimit', 'A')).toBe(ref['over_rlimit']!['sigsegv']);
  });

  it('never within stack_guard_gap of a mapping below', () => {
    expect(died('guard_gap_inside', 'over_rlimit', 'B')).toBe(ref['guard_gap_inside']!['sigsegv']);
    expect(died('guard_gap_outside', 'guard_gap_inside', 'C')).toBe(ref['guard_gap_outside']!['sigsegv']);
    expect(at('guard_gap_outside').moved['C']).toBe(ref['guard_gap_outside']!['start_moved_kB']);
  });
});
