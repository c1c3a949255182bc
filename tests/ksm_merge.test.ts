/**
 * KSM merging equal pages (issue #15) against the real kernel: reference/kernel-6.18/ksm-merge.json
 * (tools/oracle/ksm_merge.c, use_zero_pages off) replayed by scenarios/oracle/ksm-merge.mm and
 * compared field by field at every mark: present PTEs, how many map page 1's frame (the KSM page
 * the unstable tree made), how many map a KSM page (kpageflags KSM), ksm_stat, the sysfs counters
 * (pages_shared/sharing/unshared/volatile), smaps Rss/Pss/KSM, and the RssAnon and minflt deltas.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KPF, kpageflags, pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session, runScenario } from '../src/core/scenario/run.ts';
import { userRead } from '../src/core/user.ts';
import { runMarked, smapsBlock, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, number>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/ksm-merge.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/ksm-merge.mm');
const BASE = 0x100000000000;
const PFN = (1n << 55n) - 1n;

function take({ session: s }: MarkContext): Obj {
  const m = s.machine!;
  const t = s.procs.get('A')!.task;
  const mm = t.mm!;
  const pm = Array.from({ length: 32 }, (_, i) => pagemapEntry(m, mm, BASE + i * m.pageSize));
  const first = pm[1]! & PFN;
  let present = 0;
  let same = 0;
  let ksm = 0;
  for (const e of pm) {
    if (!(e >> 63n)) continue;
    present++;
    if ((e & PFN) === first) same++;
    if ((kpageflags(m, Number(e & PFN)) >> BigInt(KPF.KSM)) & 1n) ksm++;
  }
  const stat = readProc(m, `/proc/${t.pid}/ksm_stat`);
  const num = (text: string, re: RegExp) => Number(re.exec(text)![1]);
  const sys = (name: string) => Number(readProc(m, `/sys/kernel/mm/ksm/${name}`));
  const b = smapsBlock(readProc(m, `/proc/${t.pid}/smaps`), BASE)!;
  return {
    present,
    ptes_on_page_1s_frame: same,
    kpf_ksm_ptes: ksm,
    ksm_rmap_items: num(stat, /^ksm_rmap_items (\d+)$/m),
    ksm_merging_pages: num(stat, /^ksm_merging_pages (\d+)$/m),
    ksm_process_profit: num(stat, /^ksm_process_profit (-?\d+)$/m),
    sys_pages_shared: sys('pages_shared'),
    sys_pages_sharing: sys('pages_sharing'),
    sys_pages_unshared: sys('pages_unshared'),
    sys_pages_volatile: sys('pages_volatile'),
    sys_ksm_zero_pages: sys('ksm_zero_pages'),
    Rss: b.field('Rss'),
    Pss: b.field('Pss'),
    KSM: b.field('KSM'),
    RssAnon: num(readProc(m, `/proc/${t.pid}/status`), /^RssAnon:\s+(\d+)/m),
    minflt: t.minflt,
  };
}

const LABELS = ['mergeable', 'scan_1', 'scan_2', 'write_0', 'scan_3', 'munmap_24_31', 'scan_4'];

describe('KSM merging equal pages against the kernel (ksm-merge.json)', () => {
  const snaps = runMarked(scenario, take);
  const strip = (o: Obj) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'RssAnon' && k !== 'minflt'));

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  for (const label of LABELS)
    it(`${label}: PTEs on the KSM pages, ksm_stat, sysfs counters, smaps as the kernel shows them`, () => {
      expect(strip(snaps.get(label)!)).toEqual(strip(ref[label]!));
    });

  it('RSS never moves with a KSM merge (only with munmap); the write takes one fault', () => {
    for (let i = 1; i < LABELS.length; i++) {
      const [a, b] = [LABELS[i - 1]!, LABELS[i]!];
      expect(snaps.get(b)!['RssAnon']! - snaps.get(a)!['RssAnon']!).toBe(
        ref[b]!['RssAnon']! - ref[a]!['RssAnon']!,
      );
      expect(snaps.get(b)!['minflt']! - snaps.get(a)!['minflt']!).toBe(
        ref[b]!['minflt']! - ref[a]!['minflt']!,
      );
    }
  });
});

describe('KSM pages in the model', () => {
  const setup = `machine arch=x86_64 ram=256M cpus=2
boot
spawn A
A mmap r 64K rw
A write r 0 64K 4K 0x33
A write r 8K 1 1 0x44
A madvise r 0 64K mergeable
ksm scan 2
`;
  function session(text: string): Session {
    const s = new Session({ out: () => {} });
    for (const st of parseScenario(text)) s.exec(st);
    return s;
  }

  it('a fork shares the KSM page; ksmd adds the child mm to the node, a write copies (cow_ksm)', () => {
    const s = session(`${setup}A fork B\nksm scan\n`);
    const m = s.machine!;
    // 16 pages: 15 equal ones on one KSM page, page 2 different
    const sys = (n: string) => Number(readProc(m, `/sys/kernel/mm/ksm/${n}`));
    expect(sys('pages_shared')).toBe(1);
    expect(sys('pages_sharing')).toBe(29); // 15 items of A and 15 of B on one page
    const before = Number(/^cow_ksm (\d+)$/m.exec(readProc(m, '/proc/vmstat'))![1]);
    s.exec(parseScenario('B write r 0 1 1 0x55')[0]!);
    expect(Number(/^cow_ksm (\d+)$/m.exec(readProc(m, '/proc/vmstat'))![1])).toBe(before + 1);
    const a = s.procs.get('A')!;
    const b = s.procs.get('B')!;
    const bytes = (p: typeof a) => {
      const out: number[] = [];
      userRead(m, p.task, p.regions.get('r')!.start, 64 * 1024, 4096, 0, (_va, v) => out.push(v));
      return out;
    };
    const want = Array<number>(16).fill(0x33);
    want[2] = 0x44;
    expect(bytes(a)).toEqual(want);
    want[0] = 0x55;
    expect(bytes(b)).toEqual(want);
  });

  it('MADV_UNMERGEABLE breaks every KSM mapping (an unshare fault each), and the KSM page is freed', () => {
    const s = session(`${setup}A madvise r 0 64K unmergeable\nksm scan\n`);
    const m = s.machine!;
    const sys = (n: string) => Number(readProc(m, `/sys/kernel/mm/ksm/${n}`));
    expect(sys('pages_shared')).toBe(0);
    expect(sys('pages_sharing')).toBe(0);
    expect(m.ksm.kpfnNode.size).toBe(0);
    const t = s.procs.get('A')!.task;
    const b = smapsBlock(readProc(m, `/proc/${t.pid}/smaps`), s.procs.get('A')!.regions.get('r')!.start)!;
    expect(b.field('KSM')).toBe(0);
    expect(b.field('Pss')).toBe(64);
  });

  it('a KSM page is not reclaimed by MADV_PAGEOUT (kept, documented)', () => {
    const s = session(`${setup}swapon 16M\nA madvise r 0 64K pageout\n`);
    const m = s.machine!;
    expect(m.ksm.kpfnNode.size).toBe(1);
    // the one distinct page went to swap
    expect(Number(/^pswpout (\d+)$/m.exec(readProc(m, '/proc/vmstat'))![1])).toBe(1);
  });
});
