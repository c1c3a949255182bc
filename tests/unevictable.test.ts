/**
 * The unevictable LRU behind mlock (issue #14) against the real kernel:
 * reference/kernel-6.18/unevictable.json (tools/oracle/unevictable.c) replayed by
 * scenarios/oracle/unevictable.mm and compared field by field, step by step: the deltas of
 * meminfo Mlocked/Unevictable and of every unevictable_pgs_* event, and how many of the region's
 * pages kpageflags shows present, MLOCKED, UNEVICTABLE and LRU. The per-CPU mlock batch decides
 * most of these numbers, so they pin when it runs: a full batch (31), lru_add_drain() in mlock and
 * populate, and — in 6.18 — not at munmap or exit.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KPF, kpageflags, pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, number>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/unevictable.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/unevictable.mm');
const BASE = 0x100000000000;
const EVENTS = [
  'unevictable_pgs_culled',
  'unevictable_pgs_scanned',
  'unevictable_pgs_rescued',
  'unevictable_pgs_mlocked',
  'unevictable_pgs_munlocked',
  'unevictable_pgs_cleared',
  'unevictable_pgs_stranded',
];

interface Snap {
  meminfo: string;
  vmstat: string;
  /** kpageflags counts over the region's 64 pages (from page `first`) */
  pages: (first: number, n: number) => Obj;
}

function take({ session: s }: MarkContext): Snap {
  const m = s.machine!;
  const mm = s.procs.get('A')!.task.mm!;
  const meminfo = readProc(m, '/proc/meminfo');
  const vmstat = readProc(m, '/proc/vmstat');
  // computed now: the page tables change later
  const counts = new Map<string, Obj>();
  for (const [first, n] of [
    [0, 64],
    [16, 48],
  ] as const) {
    const c: Obj = { present: 0, kpf_mlocked: 0, kpf_unevictable: 0, kpf_lru: 0 };
    for (let i = first; i < first + n; i++) {
      const e = pagemapEntry(m, mm, BASE + i * m.pageSize);
      if (!(e >> 63n)) continue;
      c['present']!++;
      const f = kpageflags(m, Number(e & ((1n << 55n) - 1n)));
      if ((f >> BigInt(KPF.MLOCKED)) & 1n) c['kpf_mlocked']!++;
      if ((f >> BigInt(KPF.UNEVICTABLE)) & 1n) c['kpf_unevictable']!++;
      if ((f >> BigInt(KPF.LRU)) & 1n) c['kpf_lru']!++;
    }
    counts.set(`${first}`, c);
  }
  return { meminfo, vmstat, pages: (first) => counts.get(`${first}`)! };
}

const field = (text: string, re: RegExp) => Number(re.exec(text)![1]);
const kb = (s: Snap, name: string) =>
  field(s.meminfo, new RegExp(`^${name.replace(/[()]/g, '\\$&')}:\\s+(\\d+)`, 'm'));
const ev = (s: Snap, name: string) => field(s.vmstat, new RegExp(`^${name} (\\d+)$`, 'm'));

describe('mlock and the unevictable LRU against the kernel (unevictable.json)', () => {
  const snaps = runMarked(scenario, take);
  const steps: [label: string, before: string, first: number, n: number][] = [
    ['write_0_7', 'start', 0, 64],
    ['mlock_all', 'write_0_7', 0, 64],
    ['munlock_16_31', 'mlock_all', 0, 64],
    ['fork_parent_writes_0', 'munlock_16_31', 0, 64],
    ['child_exit', 'fork_parent_writes_0', 0, 64],
    ['munmap_0_15', 'child_exit', 16, 48],
    ['child_map_locked_exit', 'munmap_0_15', 0, 0],
  ];

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  for (const [label, before, first, n] of steps)
    it(`${label}: Mlocked, Unevictable, unevictable_pgs_* and kpageflags as the kernel counts them`, () => {
      const a = snaps.get(before)!;
      const b = snaps.get(label)!;
      const got: Obj = {
        Mlocked_kB_delta: kb(b, 'Mlocked') - kb(a, 'Mlocked'),
        Unevictable_kB_delta: kb(b, 'Unevictable') - kb(a, 'Unevictable'),
      };
      for (const e of EVENTS) got[e] = ev(b, e) - ev(a, e);
      if (n) Object.assign(got, b.pages(first, n));
      expect(got).toEqual(ref[label]);
    });
});

describe('mlock beyond the record (review regressions)', () => {
  const run = (body: string) => {
    let out = '';
    const r = runScenario(`machine arch=x86_64 ram=1G cpus=2 thp=always\nboot\nspawn A\n${body}`, {
      out: (t) => (out += t),
      check: true,
    });
    return { out, exitCode: r.exitCode };
  };

  it('shared memory faulted into a locked VMA is mlocked (__folio_add_file_rmap → mlock_vma_folio)', () => {
    const r = run('A mmap s 64K rw shared\nA mlock s 0 64K\nexpect /proc/meminfo:Mlocked == 64\n');
    expect(r.out).not.toContain('FAIL');
    expect(r.exitCode).toBe(0);
  });

  it('munlock reaches pages behind PROT_NONE PTEs (pte_present)', () => {
    const r = run(
      'A mmap r 64K rw\nA mlock r 0 64K\nA mprotect r 0 64K none\nA munlock r 0 64K\nexpect /proc/meminfo:Mlocked == 0\n',
    );
    expect(r.out).not.toContain('FAIL');
    expect(r.exitCode).toBe(0);
  });

  it('splitting the PMD of a locked THP munlocks it; munmap of a THP leaves the mlock batch alone', () => {
    const r = run(
      'A mmap t 2M rw locked at=0x100000000000\nexpect /proc/meminfo:Mlocked == 2048\n' +
        'A mprotect t 0 4K r\nexpect /proc/meminfo:Mlocked == 0\n' +
        'A mmap r 64K rw\nA mlock r 0 64K\nA munmap r\nexpect /proc/meminfo:Mlocked == 64\n' +
        'A mmap h 2M rw at=0x108000000000\nA write h 0 2M 4K 1\nA munmap h\nexpect /proc/meminfo:Mlocked == 64\n',
    );
    expect(r.out).not.toContain('FAIL');
    expect(r.exitCode).toBe(0);
  });
});
