/**
 * Swap (issue #15, first slice): MADV_PAGEOUT to a swap area with a zeromap, swap-in, fork and
 * zap of swap entries, the swap-PTE layouts, against reference/kernel-6.18/swap-pageout.json.
 * Invariants (slot counts against the swap PTEs, the zeromap only on used slots) after every
 * statement.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import type { Machine } from '../src/core/machine.ts';
import { readProc } from '../src/core/proc/index.ts';
import { pagemapEntry, PM_PRESENT, PM_SWAP } from '../src/core/proc/page.ts';
import { vmstatValue } from '../src/core/proc/stats.ts';
import { parseScenario, ScenarioError } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { swpEntryToPteVal } from '../src/core/mm/swapops.ts';
import { swpKey } from '../src/core/mm/swapfile.ts';
import { userRead } from '../src/core/user.ts';

type Json = Record<string, Record<string, Record<string, number> | number>>;
const ref = JSON.parse(
  readFileSync(fileURLToPath(new URL('../reference/kernel-6.18/swap-pageout.json', import.meta.url)), 'utf8'),
) as Json;

const meminfoKb = (m: Machine, name: string) =>
  Number(
    new RegExp(`^${name.replace(/[()]/g, '\\$&')}:\\s+(\\d+)`, 'm').exec(readProc(m, '/proc/meminfo'))![1],
  );

function smapsKb(m: Machine, pid: number, va: number, field: string): number {
  const text = readProc(m, `/proc/${pid}/smaps`);
  const start = text.indexOf(`${va.toString(16)}-`);
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text.slice(start))![1]);
}

interface Snap {
  swapBits: number;
  present: number;
  swapInZeroHalf: number;
  vm: Record<string, number>;
  swapCachedKb: number;
  swapFreeKb: number;
  smapsSwap: number;
  smapsSwapPss: number;
  smapsRss: number;
  majflt: number;
  minflt: number;
}

const VM = [
  'pswpin',
  'pswpout',
  'swpin_zero',
  'swpout_zero',
  'pgmajfault',
  'pgactivate',
  'pgdeactivate',
  'nr_zone_active_anon',
];

/** Run a scenario statement by statement, invariants after each, snapshots at `#@ mark` lines. */
function run(text: string): { s: Session; snaps: Map<string, Snap> } {
  const s = new Session({ out: () => {} });
  const marks = new Map<number, string>();
  text.split('\n').forEach((l, i) => {
    const mk = /^\s*#@\s*(\S+)/.exec(l);
    if (mk) marks.set(i + 1, mk[1]!);
  });
  const snaps = new Map<string, Snap>();
  const take = (label: string) => {
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const r = p.regions.get('r')!;
    let swapBits = 0;
    let present = 0;
    let swapInZeroHalf = 0;
    for (let i = 0; i < 256; i++) {
      const e = pagemapEntry(m, p.task.mm!, r.start + i * 4096);
      if (e & PM_PRESENT) present++;
      if (e & PM_SWAP) {
        swapBits++;
        if (i < 128) swapInZeroHalf++;
      }
    }
    snaps.set(label, {
      swapBits,
      present,
      swapInZeroHalf,
      vm: Object.fromEntries(VM.map((n) => [n, vmstatValue(m, n)])),
      swapCachedKb: meminfoKb(m, 'SwapCached'),
      swapFreeKb: meminfoKb(m, 'SwapFree'),
      smapsSwap: smapsKb(m, p.task.pid, r.start, 'Swap'),
      smapsSwapPss: smapsKb(m, p.task.pid, r.start, 'SwapPss'),
      smapsRss: smapsKb(m, p.task.pid, r.start, 'Rss'),
      majflt: p.task.majflt,
      minflt: p.task.minflt,
    });
  };
  let pending: string[] = [];
  const lines = text.split('\n');
  for (const st of parseScenario(text)) {
    for (let l = 1; l < st.line; l++)
      if (marks.has(l) && !snaps.has(marks.get(l)!)) pending.push(marks.get(l)!);
    pending.forEach(take);
    pending = [];
    s.exec(st);
    if (s.machine?.memmapReady) assertInvariants(s.machine);
  }
  for (let l = 1; l <= lines.length; l++) if (marks.has(l) && !snaps.has(marks.get(l)!)) take(marks.get(l)!);
  return { s, snaps };
}

const scenario = readFileSync(
  fileURLToPath(new URL('../scenarios/oracle/swap-pageout.mm', import.meta.url)),
  'utf8',
);

describe('MADV_PAGEOUT to swap with the zeromap (swap-pageout.json)', () => {
  const { snaps } = run(scenario);
  const d = (a: string, b: string, k: keyof Snap) =>
    (snaps.get(b)![k] as number) - (snaps.get(a)![k] as number);
  const dv = (a: string, b: string, n: string) => snaps.get(b)!.vm[n]! - snaps.get(a)!.vm[n]!;
  const kv = (phase: string, k: string) => (ref[phase]!['swap_vmstat_delta'] as Record<string, number>)[k]!;
  const kp = (phase: string, k: string) => (ref[phase]!['pagemap_swap'] as Record<string, number>)[k]!;
  const ks = (phase: string, k: string) => (ref[phase]!['swap_state'] as Record<string, number>)[k]!;

  it('pageout: zero-filled folios go to the zeromap, the others are written', () => {
    expect(dv('after_write', 'after_madv_pageout', 'swpout_zero')).toBe(
      kv('after_madv_pageout', 'swpout_zero'),
    );
    expect(dv('after_write', 'after_madv_pageout', 'pswpout')).toBe(kv('after_madv_pageout', 'pswpout'));
    expect(snaps.get('after_madv_pageout')!.swapBits).toBe(kp('after_madv_pageout', 'swap_bit62'));
    expect(snaps.get('after_madv_pageout')!.swapInZeroHalf).toBe(
      kp('after_madv_pageout', 'swap_in_zero_filled_half'),
    );
    expect(snaps.get('after_madv_pageout')!.present).toBe(kp('after_madv_pageout', 'present'));
    expect(snaps.get('after_madv_pageout')!.smapsSwap).toBe(ks('after_madv_pageout', 'smaps_Swap_kb'));
    expect(snaps.get('after_madv_pageout')!.smapsSwapPss).toBe(ks('after_madv_pageout', 'smaps_SwapPss_kb'));
    expect(snaps.get('after_madv_pageout')!.smapsRss).toBe(ks('after_madv_pageout', 'smaps_Rss_kb'));
    // the written half is still under writeback in the swap cache; the zero half is gone
    expect(snaps.get('after_madv_pageout')!.swapCachedKb).toBe(
      ks('after_madv_pageout', 'meminfo_SwapCached_kb'),
    );
    expect(d('after_write', 'after_madv_pageout', 'swapFreeKb')).toBe(
      ref['after_madv_pageout']!['meminfo_SwapFree_delta_kb'] as number,
    );
  });

  it('read back: zeromap slots come back zeroed, written ones from the swap cache', () => {
    expect(dv('after_madv_pageout', 'after_read_back', 'swpin_zero')).toBe(
      kv('after_read_back', 'swpin_zero'),
    );
    expect(dv('after_madv_pageout', 'after_read_back', 'pswpin')).toBe(kv('after_read_back', 'pswpin'));
    expect(snaps.get('after_read_back')!.present).toBe(kp('after_read_back', 'present'));
    expect(snaps.get('after_read_back')!.swapBits).toBe(0);
    expect(snaps.get('after_read_back')!.smapsSwap).toBe(ks('after_read_back', 'smaps_Swap_kb'));
    // read faults keep the folios in the swap cache and the slots used
    expect(snaps.get('after_read_back')!.swapCachedKb).toBe(ks('after_read_back', 'meminfo_SwapCached_kb'));
    expect(d('after_write', 'after_read_back', 'swapFreeKb')).toBe(
      ref['after_read_back']!['meminfo_SwapFree_delta_vs_before_pageout_kb'] as number,
    );
    // Every fault that needed a read is major. The kernel's swap readahead (page-cluster 3)
    // reads the zeromap slots 8 at a time, so it takes far fewer major faults than the model's
    // one per zeromap page (docs/ACCURACY.md); the faults on written pages are minor in both.
    const majModel = d('after_madv_pageout', 'after_read_back', 'majflt');
    expect(majModel).toBe(128);
    const readAll = ref['after_read_back']!['read_all'] as Record<string, number>;
    expect(readAll['majflt_delta']!).toBeLessThanOrEqual(majModel);
    expect(readAll['majflt_delta']! + readAll['minflt_delta']!).toBe(256);
    expect(d('after_madv_pageout', 'after_read_back', 'minflt')).toBe(128);
    // the refaulted (zeromap) half comes back on the active list (workingset_refault); the
    // record's system-wide nr_zone_active_anon delta is exactly that, and pgactivate stays 0
    const sys = ref['after_read_back']!['vmstat_delta_systemwide'] as Record<string, number>;
    expect(dv('after_madv_pageout', 'after_read_back', 'nr_zone_active_anon')).toBe(
      sys['nr_zone_active_anon']!,
    );
    expect(dv('after_madv_pageout', 'after_read_back', 'pgactivate')).toBe(
      kv('after_read_back', 'pgactivate'),
    );
  });

  it('write back: pages stay reused in place, no swap traffic', () => {
    expect(dv('after_read_back', 'after_write_back', 'pswpout')).toBe(kv('after_write_back', 'pswpout'));
    expect(dv('after_read_back', 'after_write_back', 'pswpin')).toBe(kv('after_write_back', 'pswpin'));
    expect(d('after_read_back', 'after_write_back', 'majflt')).toBe(
      (ref['after_write_back']!['write_all'] as Record<string, number>)['majflt_delta']!,
    );
  });
});

describe('swap entries', () => {
  it('every byte reads back as written across pageout and swap-in, and fork shares the slots', () => {
    const { s } = run(`machine arch=x86_64 ram=256M cpus=2
boot
swapon 16M
spawn A
A mmap r 64K rw
A write r 0 64K 4K 0x11
A write r 8K 1 1 0
A madvise r 0 64K pageout
A fork B
B read r 0 64K 4K
A write r 4K 1 1 0x22
B madvise r 0 64K pageout
`);
    const m = s.machine!;
    const bytes = (name: string) => {
      const p = s.procs.get(name)!;
      const out: number[] = [];
      userRead(m, p.task, p.regions.get('r')!.start, 64 * 1024, 4096, 0, (_va, v) => out.push(v));
      return out;
    };
    const expected: number[] = Array.from({ length: 16 }, (_, i) => (i === 2 ? 0 : 0x11));
    // B's slots are shared with A's swap PTEs after fork: SwapPss halves
    const pidB = s.procs.get('B')!.task.pid;
    const vaB = s.procs.get('B')!.regions.get('r')!.start;
    expect(smapsKb(m, pidB, vaB, 'Swap')).toBeGreaterThan(smapsKb(m, pidB, vaB, 'SwapPss'));
    expect(bytes('B')).toEqual(expected);
    expected[1] = 0x22;
    expect(bytes('A')).toEqual(expected);
    assertInvariants(m);
    for (const st of parseScenario('A exit\nB exit')) s.exec(st);
    assertInvariants(m);
    expect(meminfoKb(m, 'SwapFree')).toBe(meminfoKb(m, 'SwapTotal'));
    expect(meminfoKb(m, 'SwapCached')).toBe(0);
  });

  it('a clean swap-cache folio is dropped without a write, and the next fault reads the slot', () => {
    const { s } = run(`machine arch=x86_64 ram=256M cpus=2
boot
swapon 1M
spawn A
A mmap r 64K rw
A write r 0 64K 4K 0x44
A write r 4K 1 1 0x45
A madvise r 0 64K pageout
A read r 0 64K 4K
A madvise r 0 64K pageout
`);
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const start = p.regions.get('r')!.start;
    // the first pageout wrote 16 pages and kept them in the swap cache; the read found them there;
    // the second pageout dropped the clean folios without writing them again
    expect(vmstatValue(m, 'pswpout')).toBe(16);
    expect(vmstatValue(m, 'pswpin')).toBe(0);
    expect(meminfoKb(m, 'SwapCached')).toBe(0);
    const maj = p.task.majflt;
    const out: number[] = [];
    userRead(m, p.task, start, 64 * 1024, 4096, 0, (_va, v) => out.push(v));
    expect(out).toEqual(Array.from({ length: 16 }, (_, i) => (i === 1 ? 0x45 : 0x44)));
    expect(vmstatValue(m, 'pswpin')).toBe(16);
    expect(p.task.majflt - maj).toBe(16);
    // every byte of a page, not just the first, came back from the slot
    expect(userRead(m, p.task, start + 4096, 4096, 1, 0).sum).toBe(0x45);
    assertInvariants(m);
  });

  it('MADV_COLD moves refaulted (active) folios to the inactive list: pgdeactivate', () => {
    const { s } = run(`machine arch=x86_64 ram=256M cpus=2
boot
swapon 1M
spawn A
A mmap r 64K rw
A write r 0 64K 4K 0
A madvise r 0 64K pageout
A read r 0 64K 4K
A madvise r 0 32K cold
`);
    const m = s.machine!;
    expect(vmstatValue(m, 'pgdeactivate')).toBe(8);
    expect(meminfoKb(m, 'Active(anon)')).toBe(8 * 4);
    expect(meminfoKb(m, 'Inactive(anon)')).toBe(8 * 4 + 4); // + the stack page
  });

  it('x86-64 swap PTEs hold the offset inverted above bit 9 and the type in bits 59-63', () => {
    const s = new Session({ out: () => {} });
    for (const st of parseScenario('machine arch=x86_64 ram=256M\nboot\nswapon 1M')) s.exec(st);
    const v = swpEntryToPteVal(s.machine!, swpKey(0, 1), false);
    expect(v & 0x1ffn).toBe(0n); // P, PROTNONE (bit 8) clear
    expect((~v >> 9n) & ((1n << 50n) - 1n)).toBe(1n);
    expect(v >> 59n).toBe(0n);
    expect(swpEntryToPteVal(s.machine!, swpKey(0, 1), true) & 0x80n).toBe(0x80n); // _PAGE_SWP_EXCLUSIVE
  });

  it('arm64 swap PTEs: type in bits 6-10, offset from bit 12, exclusive bit 2; pageout works', () => {
    const { s } = run(`machine arch=arm64 ram=256M cpus=2
boot
swapon 4M prio=5
spawn A
A mmap r 64K rw
A write r 0 64K 4K 0x33
A madvise r 0 64K pageout
A read r 0 64K 4K
`);
    const m = s.machine!;
    const p = s.procs.get('A')!;
    expect(userRead(m, p.task, p.regions.get('r')!.start, 64 * 1024, 4096, 0).sum).toBe(16 * 0x33);
    expect(vmstatValue(m, 'pswpout')).toBe(16);
    expect(swpEntryToPteVal(m, swpKey(1, 5), true)).toBe((1n << 6n) | (5n << 12n) | 4n);
    expect(readProc(m, '/proc/swaps')).toContain('\t5\n');
  });

  it('swapon refuses the architectures whose swap PTEs are not modelled, with the line', () => {
    const s = new Session({ out: () => {} });
    const st = parseScenario('machine arch=sparc64\nboot\nswapon 1M');
    s.exec(st[0]!);
    s.exec(st[1]!);
    expect(() => s.exec(st[2]!)).toThrow(ScenarioError);
    expect(() => s.exec(st[2]!)).toThrow(/x86_64 and arm64 only/);
  });
});
