/**
 * zswap (issue #15): the compressed cache in front of swap, against reference/kernel-6.18/zswap.json
 * (tools/oracle/zswap.c, recorded by zswap_run.sh with zswap on). Counters, pagemap swap bits,
 * smaps and meminfo field by field; the pool's size (Zswap) within a factor of the kernel's, since
 * the model estimates lzo's output. Then the pool limit, incompressible pages and invalidation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../src/core/machine.ts';
import { readProc } from '../src/core/proc/index.ts';
import { pagemapEntry, PM_PRESENT, PM_SWAP } from '../src/core/proc/page.ts';
import { vmstatValue } from '../src/core/proc/stats.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { userRead } from '../src/core/user.ts';
import { estimateCompressedLength } from '../src/core/mm/zswap.ts';
import { runMarked, smapsBlock } from './helpers/marked.ts';

type Phase = Record<string, Record<string, number> | number>;
const ref = JSON.parse(
  readFileSync(fileURLToPath(new URL('../reference/kernel-6.18/zswap.json', import.meta.url)), 'utf8'),
) as Record<string, Phase>;
const scenario = readFileSync(
  fileURLToPath(new URL('../scenarios/oracle/zswap.mm', import.meta.url)),
  'utf8',
);

const VM = ['pswpin', 'pswpout', 'swpin_zero', 'swpout_zero', 'zswpout', 'zswpin', 'zswpwb'];
const meminfoKb = (m: Machine, name: string) =>
  Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(readProc(m, '/proc/meminfo'))![1]);

interface Snap {
  state: Record<string, number>;
  vm: Record<string, number>;
  swapFreeKb: number;
  majflt: number;
  minflt: number;
}

const snaps = runMarked(scenario, ({ session }): Snap => {
  const m = session.machine!;
  const p = session.procs.get('A')!;
  const r = p.regions.get('r')!;
  let present = 0;
  let swapped = 0;
  for (let i = 0; i < 256; i++) {
    const e = pagemapEntry(m, p.task.mm!, r.start + i * 4096);
    if (e & PM_PRESENT) present++;
    if (e & PM_SWAP) swapped++;
  }
  const sm = smapsBlock(readProc(m, `/proc/${p.task.pid}/smaps`), r.start)!;
  return {
    state: {
      pagemap_present: present,
      pagemap_swap_bit62: swapped,
      meminfo_Zswap_kb: meminfoKb(m, 'Zswap'),
      meminfo_Zswapped_kb: meminfoKb(m, 'Zswapped'),
      meminfo_SwapCached_kb: meminfoKb(m, 'SwapCached'),
      smaps_Swap_kb: sm.field('Swap'),
      smaps_Rss_kb: sm.field('Rss'),
    },
    vm: Object.fromEntries(VM.map((n) => [n, vmstatValue(m, n)])),
    swapFreeKb: meminfoKb(m, 'SwapFree'),
    majflt: p.task.majflt,
    minflt: p.task.minflt,
  };
});

const PHASES = [
  ['after_write', 'after_madv_pageout'],
  ['after_madv_pageout', 'after_read_back'],
  ['after_read_back', 'after_second_pageout'],
  ['after_second_pageout', 'after_write_back'],
] as const;

describe('zswap against the kernel (zswap.json)', () => {
  const before = snaps.get('after_write')!;
  it.each(PHASES)('%s → %s: swap and zswap counters, pagemap, smaps, meminfo', (a, b) => {
    const kernel = ref[b]!;
    const kv = kernel['swap_vmstat_delta'] as Record<string, number>;
    for (const n of VM)
      expect({ n, v: snaps.get(b)!.vm[n]! - snaps.get(a)!.vm[n]! }).toEqual({ n, v: kv[n] });
    const ks = kernel['state'] as Record<string, number>;
    const ms = snaps.get(b)!.state;
    for (const k of [
      'pagemap_present',
      'pagemap_swap_bit62',
      'meminfo_Zswapped_kb',
      'meminfo_SwapCached_kb',
      'smaps_Swap_kb',
      'smaps_Rss_kb',
    ])
      expect({ k, v: ms[k] }).toEqual({ k, v: ks[k] });
    expect(ms['meminfo_Zswapped_kb']).toBe(ks['debugfs_stored_pages']! * 4);
    // the pool: zsmalloc pages for lzo's output; the model estimates the lengths
    if (ks['meminfo_Zswap_kb']) {
      expect(ms['meminfo_Zswap_kb']).toBeGreaterThan(ks['meminfo_Zswap_kb'] / 2);
      expect(ms['meminfo_Zswap_kb']).toBeLessThan(ks['meminfo_Zswap_kb'] * 2);
    } else expect(ms['meminfo_Zswap_kb']).toBe(0);
    expect(snaps.get(b)!.swapFreeKb - before.swapFreeKb).toBe(kernel['meminfo_SwapFree_delta_kb']);
  });

  it('faults on the way back: one per page, the kernel taking fewer major ones (swap readahead)', () => {
    for (const [a, b] of [PHASES[1], PHASES[3]]) {
      const k = ref[b]!['access'] as Record<string, number>;
      const maj = snaps.get(b)!.majflt - snaps.get(a)!.majflt;
      const min = snaps.get(b)!.minflt - snaps.get(a)!.minflt;
      expect(maj + min).toBe(k['majflt_delta']! + k['minflt_delta']!);
      expect(k['majflt_delta']!).toBeLessThanOrEqual(maj);
    }
  });
});

function session(text: string): Session {
  const s = new Session({ out: () => {} });
  for (const st of parseScenario(text)) s.exec(st);
  return s;
}

describe('zswap in the model', () => {
  it('every byte reads back as written after the pool, and the pool empties on exit', () => {
    const s = session(`machine arch=x86_64 ram=256M cpus=2
boot
swapon 16M
zswap on
spawn A
A mmap r 64K rw
A write r 0 64K 3 0x11
A write r 4K 1 1 0x99
A madvise r 0 64K pageout
`);
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const r = p.regions.get('r')!;
    expect(m.zswap.tree.size).toBe(16);
    expect(vmstatValue(m, 'pswpout')).toBe(0);
    const got: number[] = [];
    userRead(m, p.task, r.start, 64 * 1024, 1, 0, (_va, v) => got.push(v));
    const want = Array.from({ length: 64 * 1024 }, (_, off) =>
      off === 4096 ? 0x99 : off % 3 === 0 ? 0x11 : 0,
    );
    expect(got).toEqual(want);
    expect(m.zswap.tree.size).toBe(0);
    s.exec(parseScenario('A madvise r 0 64K pageout\n')[0]!);
    expect(m.zswap.tree.size).toBe(16);
    s.exec(parseScenario('A exit\n')[0]!);
    // swap_range_free → zswap_invalidate: the slots and their entries go with the process
    expect(m.zswap.tree.size).toBe(0);
    expect(meminfoKb(m, 'Zswap')).toBe(0);
    expect(m.swap.nrSwapPages).toBe(m.swap.totalSwapPages);
  });

  it('a page that does not compress is stored as it is', () => {
    const s = session('machine arch=x86_64 ram=128M cpus=1\nboot\n');
    const m = s.machine!;
    let x = 12345;
    for (let i = 0; i < 4096; i += 4) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      m.ram.writeU32(0x100000 + i, x);
    }
    expect(estimateCompressedLength(m, 0x100000, 4096)).toBeGreaterThanOrEqual(4096);
    m.ram.clear(0x100000, 4096);
    m.ram.writeU32(0x100000, 0xab);
    expect(estimateCompressedLength(m, 0x100000, 4096)).toBeLessThan(64);
  });

  it('a full pool refuses stores and writes its oldest entries back to the device (zswpwb)', () => {
    const s = session(`machine arch=x86_64 ram=128M cpus=1
boot
swapon 64M
zswap on max_pool_percent=1
spawn A
A mmap r 8M rw
A write r 0 8M 4K 1
`);
    const m = s.machine!;
    const p = s.procs.get('A')!;
    const r = p.regions.get('r')!;
    // pages that do not compress: pseudo-random words written into each frame, then byte 0 = page
    // index (mod 256) and byte 7 = 0x5a, the two bytes read back below
    let x = 1;
    for (let i = 0; i < 2048; i++) {
      const pa = Number(pagemapEntry(m, p.task.mm!, r.start + i * 4096) & ((1n << 55n) - 1n)) * 4096;
      for (let w = 0; w < 4096; w += 4) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        m.ram.writeU32(pa + w, x);
      }
      m.ram.writeU8(pa, i & 0xff);
      m.ram.writeU8(pa + 7, 0x5a);
    }
    s.exec(parseScenario('A madvise r 0 8M pageout\n')[0]!);
    const z = m.zswap;
    expect(z.poolLimitHit).toBeGreaterThan(0);
    expect(z.storedIncompressible).toBe(z.tree.size);
    expect(vmstatValue(m, 'zswpwb')).toBeGreaterThan(0);
    expect(vmstatValue(m, 'pswpout')).toBeGreaterThan(vmstatValue(m, 'zswpwb'));
    // every page went to exactly one of the two: the pool (still there or written back) or the device
    expect(vmstatValue(m, 'zswpout') + vmstatValue(m, 'pswpout') - vmstatValue(m, 'zswpwb')).toBe(2048);
    // the pool stays within its limit (1% of RAM)
    const totalram = m.alloc.zones.reduce((t, zn) => t + zn.managedPages, 0);
    expect(meminfoKb(m, 'Zswap') / 4).toBeLessThanOrEqual(Math.floor(totalram / 100));
    // every page is still readable, from whichever of the two holds it
    const got: number[] = [];
    userRead(m, p.task, r.start, 8 << 20, 4096, 0, (_va, v) => got.push(v));
    userRead(m, p.task, r.start + 7, (8 << 20) - 7, 4096, 0, (_va, v) => got.push(v));
    expect(got).toEqual([
      ...Array.from({ length: 2048 }, (_, i) => i & 0xff),
      ...Array<number>(2048).fill(0x5a),
    ]);
  });

  it('is refused with a located message for a bad percentage', () => {
    const s = new Session({ out: () => {} });
    for (const st of parseScenario('machine arch=x86_64 ram=128M\nboot\n')) s.exec(st);
    expect(() => s.exec(parseScenario('zswap on max_pool_percent=0')[0]!)).toThrow(/max_pool_percent/);
  });
});
