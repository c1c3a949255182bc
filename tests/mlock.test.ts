/**
 * mlock(), munlock() and mmap(MAP_LOCKED), mremap of locked memory (issue #14) against the real kernel: reference/kernel-6.18/mlock.json
 * (tools/oracle/mlock.c) replayed by scenarios/oracle/mlock.mm and compared field by field — per
 * phase the call's errno, the deltas of VmLck, VmRSS, RssAnon and minor faults, VmLck itself, how
 * many VMAs the region is cut into, and smaps Size/Rss/Locked and the `lo` VmFlag of the VMAs the
 * record names. Nothing depends on the zero page: mlock populates a private writable mapping with
 * write faults (populate_vma_page_range's FOLL_WRITE), and the PROT_NONE mapping faults nothing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, smapsBlock, vmasIn, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/mlock.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/mlock.mm');
const PS = 4096;

interface Snap {
  status: Record<string, number>;
  minflt: number;
  out: string;
  smaps: string;
  /** start of each region */
  regions: Map<string, number>;
}

function take({ session: s, out }: MarkContext): Snap {
  const m = s.machine!;
  const p = s.procs.get('A')!;
  const pid = p.task.pid;
  const status = readProc(m, `/proc/${pid}/status`);
  const field = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(status)![1]);
  return {
    status: Object.fromEntries(['VmLck', 'VmRSS', 'RssAnon'].map((f) => [f, field(f)])),
    minflt: p.task.minflt,
    out,
    smaps: readProc(m, `/proc/${pid}/smaps`),
    regions: new Map([...p.regions].map(([k, v]) => [k, v.start])),
  };
}

/** The smaps block of the VMA containing `va`, as the oracle's j_vma_at records it. */
function vmaAt(smaps: string, va: number): Obj {
  const b = smapsBlock(smaps, va);
  if (!b) return { found: false };
  return {
    found: true,
    Size: b.field('Size'),
    Rss: b.field('Rss'),
    Locked: b.field('Locked'),
    lo: b.flags.includes(' lo '),
  };
}

/** phase → [snapshot before, the call's statement name, region, region length, VMAs the record names by page] */
const PHASES: [string, string, string, string, number, [string, number][]][] = [
  [
    'mlock_middle',
    'start',
    'mlock',
    'r',
    64,
    [
      ['mlock_middle_vma_page0', 0],
      ['mlock_middle_vma_page16', 16],
    ],
  ],
  [
    'munlock_first_half',
    'mlock_middle',
    'munlock',
    'r',
    64,
    [
      ['munlock_vma_page16', 16],
      ['munlock_vma_page32', 32],
    ],
  ],
  ['mlock_unaligned', 'munlock_first_half', 'mlock', 'r', 64, [['mlock_unaligned_vma_page0', 0]]],
  [
    'mlock_over_hole',
    'pre_hole',
    'mlock',
    'r',
    64,
    [
      ['mlock_over_hole_vma_page52', 52],
      ['mlock_over_hole_vma_page60', 60],
    ],
  ],
  ['munlock_over_hole', 'mlock_over_hole', 'munlock', 'r', 64, [['munlock_over_hole_vma_page52', 52]]],
  ['mlock_prot_none', 'pre_prot_none', 'mlock', 'pn', 16, [['mlock_prot_none_vma', 0]]],
  ['map_locked_rw', 'mlock_prot_none', 'mmap ml', 'ml', 16, [['map_locked_rw_vma', 0]]],
  ['map_locked_prot_none', 'map_locked_rw', 'mmap mn', 'mn', 16, [['map_locked_prot_none_vma', 0]]],
  ['munmap_map_locked', 'map_locked_prot_none', 'munmap', 'ml', 16, []],
  ['madvise_dontneed_locked', 'munmap_map_locked', 'madvise dontneed', 'r', 64, []],
  ['madvise_free_locked', 'madvise_dontneed_locked', 'madvise free', 'r', 64, []],
  ['madvise_cold_locked', 'madvise_free_locked', 'madvise cold', 'r', 64, []],
  ['madvise_pageout_locked', 'madvise_cold_locked', 'madvise pageout', 'r', 64, []],
  [
    'madvise_dontneed_into_locked',
    'madvise_pageout_locked',
    'madvise dontneed',
    'r',
    64,
    [
      ['madvise_dontneed_into_locked_vma_page16', 16],
      ['madvise_dontneed_into_locked_vma_page32', 32],
    ],
  ],
  ['mremap_grow_locked', 'pre_mremap', 'mremap', 'mr', 32, [['mremap_grow_locked_vma', 0]]],
  [
    'mremap_dontunmap_locked',
    'mremap_grow_locked',
    'mremap',
    'mr',
    32,
    [['mremap_dontunmap_locked_old_vma', 0]],
  ],
];

describe('mlock, munlock and MAP_LOCKED against the kernel (mlock.json)', () => {
  const snaps = runMarked(scenario, take);

  it('the scenario runs to its end', () => {
    expect(runScenario(scenario, { out: () => {} }).exitCode).toBe(0);
  });

  it.each(PHASES)(
    '%s: errno, VmLck, Rss and fault deltas, VMA splits, smaps Locked',
    (phase, before, call, reg, pages, vmas) => {
      const want = ref[phase]!;
      const s = snaps.get(phase)!;
      const b = snaps.get(before)!;
      const printed = s.out.slice(b.out.length);
      const errno =
        /A: (?:mlock|munlock|munmap|mmap \w+|madvise \w+|mremap): (\w+)/.exec(printed)?.[1] ?? '0';
      expect(errno).toBe(want['errno']);
      expect(printed.includes(`A: ${call}: `)).toBe(want['rc'] !== 0);
      expect(s.status['VmLck']! - b.status['VmLck']!).toBe(want['VmLck_kB_delta']);
      expect(s.status['VmLck']).toBe(want['VmLck_kB']);
      expect(s.status['VmRSS']! - b.status['VmRSS']!).toBe(want['VmRSS_kB_delta']);
      expect(s.status['RssAnon']! - b.status['RssAnon']!).toBe(want['RssAnon_kB_delta']);
      expect(s.minflt - b.minflt).toBe(want['minflt_delta']);
      // a whole-region munmap forgets the region: its start is the one before the call
      const start = (s.regions.get(reg) ?? b.regions.get(reg))!;
      expect(vmasIn(s.smaps, start, pages * PS)).toBe(want['vmas_in_region']);
      for (const [key, page] of vmas) expect(vmaAt(s.smaps, start + page * PS), key).toEqual(ref[key]);
    },
  );

  it('mremap of a locked mapping: grown in place, then the MREMAP_DONTUNMAP destination is locked', () => {
    const g = snaps.get('mremap_grow_locked')!;
    expect(g.regions.get('mr') === snaps.get('pre_mremap')!.regions.get('mr')).toBe(
      ref['mremap_grow_locked_in_place'],
    );
    const s = snaps.get('mremap_dontunmap_locked')!;
    expect(vmaAt(s.smaps, s.regions.get('mr2')!)).toEqual(ref['mremap_dontunmap_locked_new_vma']);
  });

  it('smaps_rollup Locked sums the locked VMAs’ Pss', () => {
    let out = '';
    const r = runScenario(`${scenario}\nshow /proc/A/smaps_rollup\n`, { out: (t) => (out += t) });
    expect(r.exitCode).toBe(0);
    const rollup = out.slice(out.lastIndexOf('[rollup]'));
    // pages 0 and 32..47 of r and the mremap destination are resident and locked
    const locked = ['mlock_unaligned_vma_page0', 'munlock_vma_page32', 'mremap_dontunmap_locked_new_vma']
      .map((k) => ref[k]!['Locked'] as number)
      .reduce((x, y) => x + y);
    expect(Number(/^Locked:\s+(\d+)/m.exec(rollup)![1])).toBe(locked);
  });

  it('fork does not inherit VM_LOCKED: the child’s VmLck is 0', () => {
    let out = '';
    const r = runScenario(
      `${scenario}\nA fork B\nexpect /proc/B/status:VmLck == 0\nexpect /proc/A/status:VmLck == 452\n`,
      { out: (t) => (out += t) },
    );
    expect(r.exitCode, out.slice(-400)).toBe(0);
  });
});
