/**
 * MADV_DONTFORK / MADV_DOFORK / MADV_WIPEONFORK / MADV_KEEPONFORK (issue #14) against the real
 * kernel: reference/kernel-6.18/fork-flags.json (tools/oracle/forkflags.c) replayed by
 * scenarios/oracle/forkflags.mm and compared field by field — per call its errno and how many
 * VMAs the region is cut into; smaps Size/Rss and the `dc`/`wf` VmFlags of the VMAs the record
 * names, in the parent and in the child; which of the child's pages are present after fork; the
 * minor faults and the bytes read of each access phase on either side.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, smapsBlock, vmasIn, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/fork-flags.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/forkflags.mm');
const PS = 4096;
const BASE = 0x100000000000;
const HOLE = 0x110000000000;
const SHARED = 0x108000000000;

interface Side {
  smaps: string;
  minflt: number;
  rssAnon: number;
  /** present pages of the 16-page region, by index */
  present: boolean[];
}
interface Snap {
  out: string;
  A: Side;
  B: Side | null;
}

/** A process's side of a snapshot, or null when it does not exist (yet, or any more). */
function side({ session: s }: MarkContext, name: string): Side | null {
  const m = s.machine!;
  const p = s.procs.get(name);
  if (!p || !p.task.mm) return null;
  const pid = p.task.pid;
  const status = readProc(m, `/proc/${pid}/status`);
  return {
    smaps: readProc(m, `/proc/${pid}/smaps`),
    minflt: p.task.minflt,
    rssAnon: Number(/^RssAnon:\s+(\d+)/m.exec(status)![1]),
    present: Array.from({ length: 16 }, (_, i) => pagemapEntry(m, p.task.mm!, BASE + i * PS) >> 63n === 1n),
  };
}

/** The VMA holding `va` in a smaps text, as forkflags.c's j_vma_at records it. */
function vmaAt(smaps: string, va: number): Obj {
  const b = smapsBlock(smaps, va);
  if (!b) return { found: false };
  return {
    found: true,
    Size: b.field('Size'),
    Rss: b.field('Rss'),
    dc: b.flags.includes(' dc '),
    wf: b.flags.includes(' wf '),
  };
}

const present = (side: Side, from: number, n: number) =>
  side.present.slice(from, from + n).filter(Boolean).length;

/** call phase → [snapshot before it, region start, region length in pages, VMAs the record names] */
const CALLS: [string, string, number, number, [string, number][]][] = [
  [
    'dontfork',
    'start',
    BASE,
    16,
    [
      ['dontfork_vma_page0', BASE],
      ['dontfork_vma_page4', BASE + 4 * PS],
    ],
  ],
  [
    'wipeonfork',
    'dontfork',
    BASE,
    16,
    [
      ['wipeonfork_vma_page8', BASE + 8 * PS],
      ['wipeonfork_vma_page12', BASE + 12 * PS],
    ],
  ],
  ['wipeonfork_shared', 'pre_wipeonfork_shared', SHARED, 4, []],
  ['dontfork_unaligned', 'wipeonfork_shared', BASE, 16, []],
  ['dontfork_over_hole', 'pre_dontfork_over_hole', HOLE, 8, [['dontfork_over_hole_vma', HOLE]]],
  ['dofork', 'pre_dofork', BASE, 16, []],
  ['keeponfork', 'dofork', BASE, 16, [['keeponfork_vma_page0', BASE]]],
];

/** access phase → [snapshot before it, the process that touched the pages] */
const ACCESSES: [string, string, 'A' | 'B'][] = [
  ['child_reads_8_11', 'child_after_fork', 'B'],
  ['child_reads_4_7', 'child_reads_8_11', 'B'],
  ['parent_writes_0_3', 'child_reads_4_7', 'A'],
  ['parent_writes_8_11', 'parent_writes_0_3', 'A'],
  ['parent_writes_4_7', 'parent_writes_8_11', 'A'],
  ['child_writes_12_15', 'parent_writes_4_7', 'B'],
];

describe('MADV_DONTFORK and MADV_WIPEONFORK against the kernel (fork-flags.json)', () => {
  const snaps = runMarked<Snap>(scenario, (c) => ({ out: c.out, A: side(c, 'A')!, B: side(c, 'B') }));

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it.each(CALLS)(
    '%s: errno, VMA splits, smaps Size/Rss and the dc/wf VmFlags',
    (phase, before, start, pages, vmas) => {
      const want = ref[phase]!;
      const s = snaps.get(phase)!;
      const printed = s.out.slice(snaps.get(before)!.out.length);
      expect(/A: madvise \w+: (\w+)/.exec(printed)?.[1] ?? '0').toBe(want['errno']);
      expect(vmasIn(s.A.smaps, start, pages * PS)).toBe(want['vmas_in_region']);
      for (const [key, va] of vmas) expect(vmaAt(s.A.smaps, va), key).toEqual(ref[key]);
    },
  );

  it('after fork the child has no DONTFORK VMA, an empty WIPEONFORK one and copied PTEs for the rest', () => {
    const want = ref['child_after_fork']!;
    const s = snaps.get('child_after_fork')!;
    const B = s.B!;
    expect(vmasIn(B.smaps, BASE, 16 * PS)).toBe(want['vmas_in_region']);
    for (const page of [0, 4, 8, 12])
      expect(vmaAt(B.smaps, BASE + page * PS), `vma_page${page}`).toEqual(want[`vma_page${page}`]);
    expect(vmaAt(B.smaps, HOLE)).toEqual(want['dontfork_over_hole_vma']);
    expect(present(B, 4, 4)).toBe(want['present_pages_4_7']);
    expect(present(B, 8, 4)).toBe(want['present_pages_8_11']);
    expect(present(B, 12, 4)).toBe(want['present_pages_12_15']);
    expect(B.rssAnon - s.A.rssAnon).toBe(want['RssAnon_kB_child_minus_parent']);
  });

  it.each(ACCESSES)('%s: minor faults as in the kernel', (phase, before, who) => {
    const s = snaps.get(phase)![who]!;
    const b = snaps.get(before)![who]!;
    expect(s.minflt - b.minflt).toBe(ref[phase]!['minflt_delta']);
  });

  it('the child reads zeros where it was wiped, and the parent’s data where the PTEs were copied', () => {
    const sums = [
      ...snaps
        .get('keeponfork')!
        .out.matchAll(/^([AB]): checksum 0x([0-9a-f]+) \d+: \d+ bytes, sum 0x([0-9a-f]+)/gm),
    ].map((m) => [m[1], parseInt(m[2]!, 16), parseInt(m[3]!, 16)]);
    // only the byte at offset 0 of each page is non-zero, so the page sums are the oracle's byte sums
    expect(sums).toEqual([
      ['B', BASE + 8 * PS, ref['child_reads_8_11']!['byte_sum']],
      ['B', BASE + 4 * PS, ref['child_reads_4_7']!['byte_sum']],
      ['B', BASE + 4 * PS, ref['child_reads_4_7_after_parent_wrote']!['byte_sum']],
      ['A', BASE + 12 * PS, ref['parent_reads_12_15_after_child_wrote']!['byte_sum']],
    ]);
    expect(present(snaps.get('child_reads_8_11')!.B!, 8, 4)).toBe(ref['child_present_pages_8_11_after_read']);
  });

  it('the child touching a DONTFORK range gets SIGSEGV (no VMA there)', () => {
    let out = '';
    const lines = scenario.split('\n');
    const at = lines.findIndex((l) => l.startsWith('#@ child_after_fork'));
    const r = runScenario([...lines.slice(0, at), 'B read r 0 4K 4K', 'A read r 0 4K 4K'].join('\n'), {
      out: (t) => (out += t),
    });
    expect(r.exitCode, out.slice(-400)).toBe(0);
    expect(out).toMatch(/B: .*SIGSEGV.*SEGV_MAPERR/);
    expect(out).not.toMatch(/A: .*SIGSEGV/);
  });
});
