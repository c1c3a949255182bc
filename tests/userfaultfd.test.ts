/**
 * userfaultfd's UFFDIO_ZEROPAGE (#15) against the real kernel: reference/kernel-6.18/uffd-zeropage.json
 * (tools/oracle/uffd_zeropage.c) replayed by scenarios/oracle/uffd-zeropage.mm and compared field
 * by field — each ioctl's rc, errno and zeropage field, faults and status deltas, which of the 16
 * pages map the shared zero page, the registered VMA's smaps (VmFlags `um`), the missing page's
 * SIGBUS, and the write that copies a zero-page PTE.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/core/machine.ts';
import { doMmap } from '../src/core/mm/mmap.ts';
import { userfaultfdRegister, userfaultfdZeropage } from '../src/core/mm/userfaultfd.ts';
import { spawnTask } from '../src/core/kernel/fork.ts';
import { KPF, PM_PRESENT, kpageflags, pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, smapsBlock, vmasIn, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/uffd-zeropage.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/uffd-zeropage.mm');
const BASE = 0x100000000000;
const STATUS = ['VmSize', 'VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmPTE'];

interface Snap {
  out: string;
  smaps: string;
  status: Record<string, number>;
  minflt: number;
  pages: string;
  b?: { minflt: number; exit: string | undefined };
}

function take({ session: s, out }: MarkContext): Snap {
  const m = s.machine!;
  const t = s.procs.get('A')!.task;
  const status = readProc(m, `/proc/${t.pid}/status`);
  let pages = '';
  for (let i = 0; i < 16; i++) {
    const e = pagemapEntry(m, t.mm!, BASE + i * 4096);
    if (!(e & PM_PRESENT)) pages += '.';
    else pages += kpageflags(m, Number(e & ((1n << 55n) - 1n))) & (1n << BigInt(KPF.ZERO_PAGE)) ? 'z' : 'p';
  }
  const b = s.procs.get('B')?.task;
  return {
    out,
    smaps: readProc(m, `/proc/${t.pid}/smaps`),
    status: Object.fromEntries(
      STATUS.map((f) => [f, Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(status)![1])]),
    ),
    minflt: t.minflt,
    pages,
    ...(b ? { b: { minflt: b.minflt, exit: b.exit } } : {}),
  };
}

const delta = (a: Snap, b: Snap) =>
  Object.fromEntries(STATUS.map((f) => [`${f}_kB`, b.status[f]! - a.status[f]!]));
const obj = (o: unknown, k: string) => (o as Obj)[k] as Obj;

describe('UFFDIO_ZEROPAGE against the kernel (uffd-zeropage.json)', () => {
  const snaps = runMarked(scenario, take);
  const at = (label: string) => snaps.get(label)!;

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it('UFFDIO_REGISTER marks the VMA VM_UFFD_MISSING (um) without splitting it; nothing is faulted', () => {
    const r = ref['after_register']!;
    const block = smapsBlock(at('after_register').smaps, BASE)!;
    expect({
      VmFlags: block.flags.trimStart(),
      vmas_in_region: vmasIn(at('after_register').smaps, BASE, 0x10000),
      status: delta(at('before_mmap'), at('after_register')),
      pages: at('after_register').pages,
    }).toEqual({
      VmFlags: r['VmFlags'],
      vmas_in_region: r['vmas_in_region'],
      status: r['status_delta_vs_before_mmap'],
      pages: r['pages'],
    });
  });

  // mark before each call, in the .mm's order
  const CALLS: [string, string][] = [
    ['pages_1_7', 'after_register'],
    ['page_0_written', 'pages_1_7'],
    ['pages_7_9', 'page_0_written'],
    ['page_12', 'pages_7_9'],
    ['pages_8_15', 'page_12'],
    ['unaligned_start', 'pages_8_15'],
    ['unregistered_mapping', 'unaligned_start'],
  ];
  it.each(CALLS)('%s: rc, errno, zeropage, no fault, no RSS or VmPTE change', (call, before) => {
    const r = obj(ref['zeropage_calls'], call);
    const printed = at(call).out.slice(at(before).out.length);
    const m = /A: uffd zeropage: (?:zeropage=(-?\d+)|(\w+) \(zeropage=(-?\d+)\))/.exec(printed)!;
    const errno = m[2] ?? '';
    expect({
      rc: errno ? -1 : 0,
      errno,
      zeropage: Number(m[1] ?? m[3]),
      minflt_delta: at(call).minflt - at(before).minflt,
      status_delta: delta(at(before), at(call)),
    }).toEqual({
      rc: r['rc'],
      errno: r['errno'],
      zeropage: r['zeropage'],
      minflt_delta: obj(r, 'ioctl')['minflt_delta'],
      status_delta: r['status_delta'],
    });
  });

  it('length 0 is EINVAL with the zeropage field untouched (no statement has a length 0)', () => {
    const m = new Machine({ ram: 1 << 30, cpus: 2 });
    m.boot();
    const t = spawnTask(m, 'A', 0)!;
    doMmap(m, t, 0x10000, 'rw', false, false, 0, BASE);
    expect(userfaultfdRegister(m, t, BASE, 0x10000)).toBeUndefined();
    const r = obj(ref['zeropage_calls'], 'length_0');
    expect(userfaultfdZeropage(m, t, BASE + 14 * 4096, 0, 0)).toEqual({
      rc: r['rc'],
      errno: r['errno'],
      zeropage: r['zeropage'],
    });
  });

  it('after the calls: pages 1..12 map the shared zero page; Rss and smaps are unchanged', () => {
    const r = ref['after_zeropage']!;
    const block = smapsBlock(at('unregistered_mapping').smaps, BASE)!;
    const sm = obj(r, 'smaps');
    expect({
      pages: at('unregistered_mapping').pages,
      status: delta(at('after_register'), at('unregistered_mapping')),
      Rss: block.field('Rss'),
      Anonymous: block.field('Anonymous'),
      Private_Dirty: block.field('Private_Dirty'),
      VmFlags: block.flags.trimStart(),
    }).toEqual({
      pages: r['pages'],
      status: r['status_delta_vs_after_register'],
      Rss: sm['Rss'],
      Anonymous: sm['Anonymous'],
      Private_Dirty: sm['Private_Dirty'],
      VmFlags: sm['VmFlags'],
    });
  });

  it('reads of pages 0..12 take no fault; a read of a missing page is SIGBUS, not counted', () => {
    expect(at('after_read_0_12').minflt - at('unregistered_mapping').minflt).toBe(
      obj(ref['after_read_0_12'], 'read')['minflt_delta'],
    );
    const r = ref['read_page_13_missing']!;
    expect(r['sigbus']).toBe(true);
    expect(at('b_read_page_13').b!.exit).toMatch(/SIGBUS/);
    expect(at('b_read_page_13').b!.minflt - at('b_registered').b!.minflt).toBe(
      obj(r, 'read')['minflt_delta'],
    );
  });

  it('a write to a zero-page PTE faults once and takes a page (not a userfault)', () => {
    const r = ref['after_write_page_3']!;
    expect({
      minflt: at('after_write_page_3').minflt - at('after_read_0_12').minflt,
      status: delta(at('after_read_0_12'), at('after_write_page_3')),
      pages: at('after_write_page_3').pages,
    }).toEqual({
      minflt: obj(r, 'write')['minflt_delta'],
      status: r['status_delta'],
      pages: r['pages'],
    });
  });
});

describe('userfaultfd beyond the record', () => {
  const run = (text: string) => {
    let out = '';
    const r = runScenario(`machine ram=1G thp=madvise\nboot\nspawn A\n${text}`, {
      out: (t) => (out += t),
      check: true,
    });
    return { ...r, out };
  };

  it('a registered MADV_HUGEPAGE region: the huge fault path is SIGBUS too; ZEROPAGE under a THP is EEXIST', () => {
    const r = run(`A mmap r 4M rw at=0x100000000000
A madvise r 0 4M hugepage
A write r 0 4K 4K 1
A uffd register r 0 4M
A uffd zeropage r 4K 4K
A uffd zeropage r 2M 8K
expect /proc/A/smaps:AnonHugePages == 2048
A read r 3M 4K 4K
`);
    expect(r.failures).toEqual([]);
    expect(r.out).toContain('A: uffd zeropage: EEXIST (zeropage=-17)');
    expect(r.out).toContain('A: uffd zeropage: zeropage=8192');
    expect(r.out).toMatch(/A.*SIGBUS/);
  });

  it('a fork child does not inherit the registration: its reads of missing pages map the zero page', () => {
    const r = run(`A mmap r 64K rw at=0x100000000000
A uffd register r 0 64K
A fork B
B read r 0 64K 4K
expect /proc/B/stat:10 == 16
`);
    expect(r.failures).toEqual([]);
    expect(r.out).not.toMatch(/SIGBUS/);
  });

  it('register refuses a hole, shared memory and unaligned ranges (EINVAL), and changes nothing', () => {
    const r = run(`A mmap r 64K rw at=0x100000000000
A mmap s 64K rw shared at=0x100000020000
A uffd register 0x100000000000 0 192K
A uffd register s 0 64K
A uffd register r 1 4K
A uffd zeropage r 0 4K
`);
    expect(r.out.match(/A: uffd register: EINVAL/g)).toHaveLength(3);
    expect(r.out).toContain('A: uffd zeropage: ENOENT (zeropage=-2)');
  });
});
