/**
 * brk() (issue #14) against the real kernel: reference/kernel-6.18/brk.json (tools/oracle/brk.c)
 * replayed by scenarios/oracle/brk.mm and compared field by field — per call whether the break
 * was granted or the old one returned, and the deltas of the [heap] VMA, VmData, RssAnon and minor
 * faults; the faults and RssAnon of writing the new pages.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/brk.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/brk.mm');
const B0 = 0x55555557a000;

interface Snap {
  out: string;
  heapKb: number;
  heaps: number;
  status: Record<string, number>;
  minflt: number;
}

function take({ session: s, out }: MarkContext): Snap {
  const p = s.procs.get('A')!;
  const pid = p.task.pid;
  const maps = readProc(s.machine!, `/proc/${pid}/maps`);
  const heaps = [...maps.matchAll(/^([0-9a-f]+)-([0-9a-f]+) .*\[heap\]$/gm)];
  const status = readProc(s.machine!, `/proc/${pid}/status`);
  return {
    out,
    heapKb: heaps.reduce((n, h) => n + (parseInt(h[2]!, 16) - parseInt(h[1]!, 16)) / 1024, 0),
    heaps: heaps.length,
    status: Object.fromEntries(
      ['VmData', 'RssAnon'].map((f) => [f, Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(status)![1])]),
    ),
    minflt: p.task.minflt,
  };
}

/** call → the snapshot before it */
const CALLS: [string, string][] = [
  ['grow_64k', 'start'],
  ['shrink_unaligned', 'write_new_pages'],
  ['move_within_page', 'shrink_unaligned'],
  ['below_start', 'move_within_page'],
  ['grow_into_next_vma', 'pre_grow_into_next_vma'],
  ['grow_to_a_page_short', 'grow_into_next_vma'],
  ['shrink_back', 'pre_shrink_back'],
];

describe('brk() against the kernel (brk.json)', () => {
  const snaps = runMarked(scenario, take);
  const at = (label: string) => snaps.get(label)!;

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it.each(CALLS)('%s: granted or refused, and the heap, VmData, RssAnon and fault deltas', (call, before) => {
    const want = ref[call]!;
    const [a, b] = [at(before), at(call)];
    const m = /A: brk\(0x([0-9a-f]+)\) = 0x([0-9a-f]+)( \(refused: the old break\))?/.exec(
      b.out.slice(a.out.length),
    )!;
    const asked = parseInt(m[1]!, 16);
    if (want['asked'] === 'below start_brk') expect(asked).toBeLessThan(0x555555559000);
    else expect(asked - B0).toBe(want['asked_minus_b0']);
    expect(parseInt(m[2]!, 16) === asked).toBe(want['granted']);
    expect(m[3] !== undefined).toBe(want['returned_old_break']);
    expect(b.heapKb - a.heapKb).toBe(want['heap_kB_delta']);
    expect(b.heaps).toBe(want['heap_vmas']);
    expect(b.status['VmData']! - a.status['VmData']!).toBe(want['VmData_kB_delta']);
    expect(b.status['RssAnon']! - a.status['RssAnon']!).toBe(want['RssAnon_kB_delta']);
    expect(b.minflt - a.minflt).toBe(want['minflt_delta']);
  });

  it('writing the new heap pages faults each in', () => {
    const [a, b] = [at('grow_64k'), at('write_new_pages')];
    expect(b.minflt - a.minflt).toBe(ref['write_new_pages']!['minflt_delta']);
    expect(b.status['RssAnon']! - a.status['RssAnon']!).toBe(ref['write_RssAnon_kB_delta']);
  });

  it('a fork keeps the break; the heap region follows it, and a bad argument is a located error', () => {
    let out = '';
    const r = runScenario(
      `${scenario}\nA brk +8K\nA fork B\nB brk +4K\nA write heap 0 4K 4K 1\nexpect /proc/A/status:VmData == 140\nexpect /proc/B/status:VmData == 144\n`,
      { out: (t) => (out += t) },
    );
    expect(r.exitCode, out.slice(-600)).toBe(0);
    const bad = runScenario('machine ram=1G\nboot\nspawn A\nA brk +x\n', { out: () => {} });
    expect(`${bad.error!.line}:${bad.error!.col}`).toBe('4:7');
    expect(bad.error!.message).toMatch(/not an address, \+<length> or -<length>/);
  });
  it('threads and forks keep one idea of the heap; a mapping below start_brk is not extended; a region of the user named heap is never taken over', () => {
    let out = '';
    const r = runScenario(
      [
        'machine ram=1G',
        'boot',
        'spawn A',
        'A thread T',
        'T brk +16K',
        'A brk +16K',
        'T fork C',
        'C brk +4K',
        'spawn D',
        'D mmap x 4K rw at=0x555555558000',
        'D brk +8K',
      ].join('\n'),
      { out: (t) => (out += t), check: true },
    );
    expect(r.exitCode, out.slice(-600)).toBe(0);
    expect(out).toContain('A: brk(0x555555561000) = 0x555555561000');
    expect(out).toContain('C: brk(0x555555562000) = 0x555555562000');
    // D's own mapping just below start_brk stays a VMA of its own (vma_prev_limit stops at start_brk)
    const d = r.session.procs.get('D')!.task;
    expect(readProc(r.machine!, `/proc/${d.pid}/maps`)).toMatch(
      /^555555558000-555555559000 rw-p .*\n555555559000-55555555b000 rw-p/m,
    );
    const taken = runScenario(
      'machine ram=1G\nboot\nspawn D\nD brk +8K\nD munmap heap\nD mmap heap 8K rw\nD brk +4K\n',
      {
        out: () => {},
      },
    );
    expect(taken.error?.message).toBe("brk: D has a region named 'heap' that is not its heap");
  });
});
