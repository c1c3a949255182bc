/**
 * mremap() (issue #14) against the real kernel: reference/kernel-6.18/mremap.json
 * (tools/oracle/mremap.c) replayed by scenarios/oracle/mremap.mm and compared field by field —
 * per phase the region's VMA (found, Size, Rss, Anonymous, perms), the old range's VMA, the
 * pagemap (present pages, how many kept their frame and their data), the status deltas and the
 * errno of every failing call.
 *
 * VmPTE is compared where the page tables touched are the region's own (grow, shrink, ENOMEM, the
 * write after DONTUNMAP); a move's destination chosen by get_unmapped_area lands, in the real
 * process, among libc's and ld.so's mappings, whose tables it shares, so its VmPTE delta depends
 * on the host's layout. Nothing here depends on the zero page (this host's kernel never maps it on
 * a read fault): the scenario reads only pages it wrote.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { readProc } from '../src/core/proc/index.ts';
import { pagemapEntry, PM_PRESENT } from '../src/core/proc/page.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { runScenario, Session } from '../src/core/scenario/run.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/mremap.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/mremap.mm');
const PS = 4096;
const N = 16;

interface Snap {
  regions: Map<string, { start: number; len: number }>;
  status: Record<string, number>;
  minflt: number;
  out: string;
  /** smaps of the VMA at each region start seen so far, taken at the mark */
  vmas: Map<number, Obj>;
  /** the pagemap summary of each current region, taken at the mark */
  pages: Map<string, Obj>;
}

/** Run the scenario statement by statement (invariants after each), a snapshot at each `#@ mark`. */
function runMarked(): Map<string, Snap> {
  let out = '';
  const s = new Session({ out: (t) => (out += t) });
  const marks = new Map<number, string>();
  scenario.split('\n').forEach((l, i) => {
    const mk = /^\s*#@\s*(\S+)/.exec(l);
    if (mk) marks.set(i + 1, mk[1]!);
  });
  const snaps = new Map<string, Snap>();
  let pfn0: bigint[] = [];
  const starts = new Set<number>();
  const take = (label: string) => {
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const pid = p.task.pid;
    const status = readProc(m, `/proc/${pid}/status`);
    const field = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(status)![1]);
    const smaps = readProc(m, `/proc/${pid}/smaps`);
    const mm = p.task.mm!;
    const vma = (va: number): Obj => {
      for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
        const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(block)!;
        const [lo, hi] = [parseInt(h[1]!, 16), parseInt(h[2]!, 16)];
        if (va < lo || va >= hi) continue;
        const get = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(block)![1]);
        return {
          found: true,
          start_offset_kB: (lo - va) / 1024,
          Size: get('Size'),
          Rss: get('Rss'),
          Anonymous: get('Anonymous'),
          perms: h[3],
        };
      }
      return { found: false };
    };
    const pages = (va: number, n: number): Obj => {
      let present = 0;
      let same = 0;
      let kept = 0;
      for (let i = 0; i < n; i++) {
        const e = pagemapEntry(m, mm, va + i * PS);
        if (!(e & PM_PRESENT)) continue;
        present++;
        const pfn = e & ((1n << 55n) - 1n);
        if (i < N && pfn === pfn0[i]) same++;
        if (i < N && m.ram.readU8(Number(pfn) * PS) === 0x10 + i) kept++;
      }
      return { pages: n, present, present_same_pfn: same, present_data_kept: kept };
    };
    if (label === 'after_write') {
      const r = p.regions.get('r')!;
      pfn0 = Array.from({ length: N }, (_, i) => pagemapEntry(m, mm, r.start + i * PS) & ((1n << 55n) - 1n));
    }
    for (const r of p.regions.values()) starts.add(r.start);
    snaps.set(label, {
      regions: new Map([...p.regions].map(([k, v]) => [k, { ...v }])),
      status: Object.fromEntries(['VmSize', 'VmRSS', 'RssAnon', 'VmPTE'].map((f) => [f, field(f)])),
      minflt: p.task.minflt,
      out,
      vmas: new Map([...starts].map((va) => [va, vma(va)])),
      pages: new Map([...p.regions].map(([k, r]) => [k, pages(r.start, r.len / PS)])),
    });
  };
  let prevLine = 0;
  for (const st of parseScenario(scenario)) {
    for (let l = prevLine + 1; l < st.line; l++) if (marks.has(l)) take(marks.get(l)!);
    prevLine = st.line;
    s.exec(st);
    if (s.machine?.memmapReady) assertInvariants(s.machine);
  }
  for (let l = prevLine + 1; l <= scenario.split('\n').length; l++) if (marks.has(l)) take(marks.get(l)!);
  return snaps;
}

/** phase → [region after the call, old range's region (if the record has one), snapshot before] */
const PHASES: [string, string, string | null, string][] = [
  ['grow_in_place', 'r', null, 'after_write'],
  ['shrink', 'r', null, 'grow_in_place'],
  ['grow_blocked_no_maymove', 'r', null, 'pre_blocked'],
  ['grow_maymove', 'moved', 'r', 'grow_blocked_no_maymove'],
  ['fixed', 'fixed', 'moved', 'grow_maymove'],
  ['dontunmap', 'du', 'fixed', 'fixed'],
];
/** Phases whose VmPTE delta does not depend on the host's address-space layout (see above). */
const VMPTE_PHASES = ['grow_in_place', 'shrink', 'grow_blocked_no_maymove'];

describe('mremap against the kernel (mremap.json)', () => {
  const snaps = runMarked();
  const delta = (a: Snap, b: Snap, f: string) => b.status[f]! - a.status[f]!;

  it('the scenario runs to its end', () => {
    expect(runScenario(scenario, { out: () => {} }).exitCode).toBe(0);
  });

  it('after the writes: the VMA and its 16 pages', () => {
    const s = snaps.get('after_write')!;
    const r = s.regions.get('r')!.start;
    const want = ref['after_write']!;
    expect(s.vmas.get(r)).toEqual(want['vma']);
    expect(s.pages.get('r')).toEqual(want['pagemap']);
  });

  it.each(PHASES)(
    '%s: moved or not, VMA, old range, pagemap, status deltas',
    (phase, reg, oldReg, before) => {
      const want = ref[phase]!;
      const s = snaps.get(phase)!;
      const b = snaps.get(before)!;
      const failed = want['errno'] !== '0';
      expect(s.out.slice(b.out.length).includes('A: mremap: ENOMEM')).toBe(want['errno'] === 'ENOMEM');
      const r = s.regions.get(reg)!;
      if (!failed) {
        const prevStart = (oldReg ? b.regions.get(oldReg) : b.regions.get(reg))!.start;
        expect(r.start !== prevStart, 'moved').toBe(want['moved']);
      }
      expect(s.vmas.get(r.start)).toEqual(want['vma']);
      expect(s.pages.get(reg)).toEqual(want['pagemap']);
      if (oldReg) expect(s.vmas.get(b.regions.get(oldReg)!.start)).toEqual(want['old_range_vma']);
      const sd = want['status_delta'] as Record<string, number>;
      expect(delta(b, s, 'VmSize')).toBe(sd['VmSize_kB']);
      expect(delta(b, s, 'VmRSS')).toBe(sd['VmRSS_kB']);
      expect(delta(b, s, 'RssAnon')).toBe(sd['RssAnon_kB']);
      if (VMPTE_PHASES.includes(phase)) expect(delta(b, s, 'VmPTE')).toBe(sd['VmPTE_kB']);
    },
  );

  it('a write to the range MREMAP_DONTUNMAP left behind faults in a fresh page', () => {
    const want = ref['write_old_range_after_dontunmap']!;
    const s = snaps.get('write_old_range_after_dontunmap')!;
    const b = snaps.get('dontunmap')!;
    expect(s.minflt - b.minflt).toBe((want['write'] as Obj)['minflt_delta']);
    const sd = want['status_delta'] as Record<string, number>;
    for (const f of ['VmSize', 'VmRSS', 'RssAnon', 'VmPTE']) expect(delta(b, s, f), f).toBe(sd[`${f}_kB`]);
    expect(s.vmas.get(s.regions.get('fixed')!.start)).toEqual(want['old_range_vma']);
    expect(s.vmas.get(s.regions.get('du')!.start)).toEqual(want['vma']);
  });

  it('the argument errors return the kernel’s errno, in the record’s order', () => {
    const errs = ref['errors'] as Record<string, Obj>;
    const want = Object.entries(errs)
      .filter(([k]) => k !== 'bad_flags')
      .map(([, v]) => `A: mremap: ${v['errno'] as string}`);
    const before = snaps.get('write_old_range_after_dontunmap')!.out.length;
    const lines = snaps
      .get('end')!
      .out.slice(before)
      .split('\n')
      .filter((l) => l.startsWith('A: mremap: '));
    expect(lines).toEqual(want);
    for (const v of Object.values(errs)) expect(v['VmSize_delta_kB']).toBe(0);
  });
});

/** Run lines in a session, with the invariants checked after each. */
function run(s: Session, text: string): void {
  for (const st of parseScenario(text)) {
    s.exec(st);
    if (s.machine?.memmapReady) assertInvariants(s.machine);
  }
}

/** Run lines on a fresh x86-64 machine; returns what they printed and the session. */
function session(lines: string): { out: string; s: Session } {
  let out = '';
  const s = new Session({ out: (t) => (out += t) });
  run(s, `machine arch=x86_64 ram=256M\nboot\n${lines}`);
  return {
    get out() {
      return out;
    },
    s,
  };
}

const status = (s: Session, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readProc(s.machine!, '/proc/100/status'))![1]);

describe('mremap details the record does not cover', () => {
  it('a new length past TASK_SIZE is EINVAL with or without MAYMOVE (as this machine’s 6.18 says)', () => {
    const { out } = session(
      'spawn A\nA mmap r1 64K rw\nA mremap r1 0 4K 256T\nA mremap r1 0 4K 256T maymove',
    );
    expect(out.split('\n').filter((l) => l.startsWith('A: mremap'))).toEqual([
      'A: mremap: EINVAL',
      'A: mremap: EINVAL',
    ]);
  });

  it('a move does not raise VmPeak by the moment both ranges exist (move_vma keeps hiwater_vm)', () => {
    const { s } = session('spawn A\nA mmap r1 64K rw\nA mmap blocker 4K rw\nA write r1 0 64K 4K 1');
    const peak = status(s, 'VmPeak');
    const size = status(s, 'VmSize');
    run(s, 'A mremap r1 0 64K 64K maymove fixed=0x10000000');
    expect(status(s, 'VmSize')).toBe(size);
    expect(status(s, 'VmPeak')).toBe(peak);
  });

  it('moving part of a region keeps the region and names the moved pages', () => {
    const r = session(
      'spawn A\nA mmap r1 64K rw\nA write r1 0 64K 4K 7\nA mremap r1 16K 16K 16K maymove dontunmap\nA checksum r1_moved 0 16K\nA checksum r1 0 64K',
    );
    expect(r.out).toContain('# A: the moved pages are region r1_moved');
    const proc = r.s.procs.get('A')!;
    expect(proc.regions.get('r1')!.len).toBe(64 * 1024);
    expect(proc.regions.get('r1_moved')!.len).toBe(16 * 1024);
    // The moved pages carry their data; the range they left reads as zeros (DONTUNMAP).
    expect(r.out).toMatch(/checksum 0x[0-9a-f]+ 16384: 16384 bytes, sum 0x1c, nonzero 4,/);
    expect(r.out).toMatch(/checksum 0x[0-9a-f]+ 65536: 65536 bytes, sum 0x54, nonzero 12,/);
  });

  it('an old length of 0 on shared memory is refused as not modelled, at the length', () => {
    expect(() => session('spawn A\nA mmap r1 64K rw shared\nA mremap r1 0 0 64K maymove')).toThrow(
      /not modelled/,
    );
  });

  it('an address stands for the region: where a region starts it is that region, elsewhere as= names the result', () => {
    const r = session(
      'spawn A\nA mmap r1 64K rw at=0x100000000000\nA write r1 0 64K 4K 3\n' +
        'A mremap 0x100000000000 0 64K 64K maymove fixed=0x108000000000\n' +
        'A mmap r2 64K rw at=0x110000000000\nA write r2 0 64K 4K 5\n' +
        'A mremap 0x110000000000 16K 16K 16K maymove fixed=0x118000000000 as=piece\n' +
        'A checksum piece 0 16K\nA mremap 0x110000000000 32K 16K 16K maymove fixed=0x120000000000\n' +
        'A mremap 0x130000000000 0 4K 4K maymove',
    );
    const proc = r.s.procs.get('A')!;
    // the whole region moved by its address keeps its name
    expect(proc.regions.get('r1')).toEqual({ start: 0x108000000000, len: 64 * 1024 });
    // a part moved from an address inside a region: as= names it, its data came along
    expect(proc.regions.get('piece')).toEqual({ start: 0x118000000000, len: 16 * 1024 });
    expect(r.out).toMatch(/checksum 0x[0-9a-f]+ 16384: 16384 bytes, sum 0x14, nonzero 4,/);
    // without as=, the move is reported with the new address
    expect(r.out).toContain('# A: mremap moved the pages to 0x120000000000');
    // nothing mapped there: the kernel's EFAULT
    expect(r.out).toContain('A: mremap: EFAULT');
  });
});
