/**
 * Reclaim (issue #15): the ordered LRU lists, folio_check_references' second chance, kswapd woken
 * at the low watermark and stopping at the high one, direct reclaim before the OOM killer,
 * `reclaim <size>` (the node's proactive reclaim), and every byte reading back as last written across reclaim
 * passes, with the invariants (the LRU lists against PG_lru/PG_active and the counters) after
 * every statement.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertInvariants, checkInvariants } from '../src/core/check.ts';
import type { Machine } from '../src/core/machine.ts';
import { pgdatBalanced, inspectKswapd } from '../src/core/mm/kswapd.ts';
import { describeLruLists } from '../src/core/mm/mm_inline.ts';
import type { Task } from '../src/core/mm/mm_types.ts';
import { WMARK_HIGH, WMARK_LOW } from '../src/core/mm/mmzone.ts';
import { lruAddDrainAll } from '../src/core/mm/rmap.ts';
import { DEF_PRIORITY, newScanControl, shrinkNode } from '../src/core/mm/vmscan.ts';
import { PG } from '../src/core/phys/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { pagemapEntry } from '../src/core/proc/page.ts';
import { vmstatValue } from '../src/core/proc/stats.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { userRead } from '../src/core/user.ts';
import { runMarked } from './helpers/marked.ts';
import { rebindMachine, sharedParts, Snapshotter } from '../src/core/snapshot.ts';
import { kpageflags, KPF, PM_PRESENT, PM_SWAP } from '../src/core/proc/page.ts';

function session(text: string, check = true): { s: Session; out: () => string } {
  let out = '';
  const s = new Session({ out: (t) => (out += t) });
  run(s, text, check);
  return { s, out: () => out };
}

function run(s: Session, text: string, check = true): void {
  for (const st of parseScenario(text)) {
    s.exec(st);
    if (check && s.machine?.memmapReady) assertInvariants(s.machine);
  }
}

const vm = (m: Machine, name: string) => vmstatValue(m, name);
const task = (s: Session, name = 'A'): Task => s.procs.get(name)!.task;
const regionStart = (s: Session, name = 'A', region = 'r') => s.procs.get(name)!.regions.get(region)!.start;

describe('LRU lists', () => {
  it('are ordered: a new folio goes to the head, reclaim takes from the tail; the lists match the counters', () => {
    const { s } = session(`machine arch=x86_64 ram=256M cpus=1 thp=never
boot
spawn A
A mmap r 64K rw
A write r 0 64K 4K 1`);
    const m = s.machine!;
    lruAddDrainAll(m);
    const lists = describeLruLists(m, 32);
    const ia = lists.find((l) => l.lru === 'inactive_anon')!;
    // the stack page and the 16 region pages
    expect(ia.pages).toBe(vm(m, 'nr_inactive_anon'));
    expect(ia.folios).toBe(ia.pages);
    const start = regionStart(s);
    const mm = task(s).mm!;
    const pfns = Array.from({ length: 16 }, (_, i) =>
      Number(pagemapEntry(m, mm, start + i * 4096) & ((1n << 55n) - 1n)),
    );
    // lru_add puts each new folio at the head: newest first, the region's pages in reverse fault
    // order; from the tail, the stack page (faulted at spawn) and then the region's first page
    expect(ia.newest.slice(0, 16)).toEqual([...pfns].reverse());
    expect(ia.oldest.slice(1, 17)).toEqual(pfns);
    expect(lists.find((l) => l.lru === 'unevictable')!.folios).toBe(0);
    expect(checkInvariants(m)).toEqual([]);
  });

  it('the invariant checker notices a folio whose flags and list disagree', () => {
    const { s } = session(`machine arch=x86_64 ram=256M cpus=1 thp=never
boot
spawn A
A mmap r 64K rw
A write r 0 64K 4K 1`);
    const m = s.machine!;
    lruAddDrainAll(m);
    const pfn = describeLruLists(m).find((l) => l.lru === 'inactive_anon')!.newest[0]!;
    m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.active; // on the inactive list, flagged active
    expect(checkInvariants(m).join('\n')).toMatch(
      /is on the inactive_anon list but its flags say active_anon/,
    );
  });
});

describe('folio_check_references: the second chance', () => {
  it('a folio used once is kept (PG_referenced), used again activated, unused swapped out then freed', () => {
    const { s } = session(`machine arch=x86_64 ram=256M cpus=1 thp=never
boot
swapon 16M
spawn A
A mmap r 32K rw
A write r 0 32K 4K 0x5a`);
    const m = s.machine!;
    const t = task(s);
    const start = regionStart(s);
    lruAddDrainAll(m);
    const pass = () => {
      const sc = newScanControl('proactive', 1 << 20, 0);
      sc.priority = 0; // scan whole lists
      shrinkNode(m, sc);
      assertInvariants(m);
      return sc;
    };
    // pass 1: every page was just written (Accessed set): all kept, marked referenced
    const p1 = pass();
    expect(p1.nrReclaimed).toBe(0);
    expect(vm(m, 'nr_active_anon')).toBe(0);
    // touch the first 4 pages of the region again
    for (let i = 0; i < 4; i++) userRead(m, t, start + i * 4096, 1, 1, 0);
    const act0 = vm(m, 'pgactivate');
    const zero0 = vm(m, 'swpout_zero');
    const out0 = vm(m, 'pswpout');
    pass();
    // used again after the first look: activated; the other 4 (and the stack page) go to swap
    expect(vm(m, 'pgactivate') - act0).toBe(4);
    expect(vm(m, 'nr_active_anon')).toBe(4);
    // the region's 4 unused pages are written to swap (the stack page, all zeros, only sets a
    // zeromap bit and is freed at once)
    const written = vm(m, 'pswpout') - out0;
    expect(vm(m, 'swpout_zero') - zero0).toBe(1);
    expect(written).toBe(4);
    expect(readProc(m, '/proc/meminfo')).toMatch(/^SwapCached:\s+16 kB$/m);
    expect(readProc(m, '/proc/meminfo')).toMatch(/^Active\(anon\):\s+16 kB$/m);
    // the written folios were rotated to the tail: the next pass frees them
    const p3 = pass();
    expect(p3.nrReclaimed).toBe(written);
    expect(readProc(m, '/proc/meminfo')).toMatch(/^SwapCached:\s+0 kB$/m);
    // and the data comes back on a read (swap-in), byte for byte
    const r = userRead(m, t, start, 32 * 1024, 4096, 0);
    expect(r.sum).toBe(8 * 0x5a);
  });
});

describe('kswapd', () => {
  it('is woken only below the low watermark, and each run stops once a zone is above high', () => {
    const { s } = session(`machine arch=x86_64 ram=128M cpus=1 thp=never
boot
swapon 256M
spawn A
A mmap r 160M rw`);
    const m = s.machine!;
    const hooks = m.alloc.reclaimHooks!;
    const wakes: { free: number; low: number }[] = [];
    const runs: boolean[] = [];
    const zoneIdx = m.alloc.zones.findIndex((z) => z.name === 'DMA32');
    const z = m.alloc.zones[zoneIdx]!;
    const wake = hooks.wakeKswapd;
    hooks.wakeKswapd = (order, hz) => {
      wakes.push({ free: z.nrFreePages, low: z.watermark[WMARK_LOW]! });
      wake(order, hz);
    };
    const runK = hooks.runKswapd;
    hooks.runKswapd = (cpu) => {
      const before = m.kswapd.runs;
      runK(cpu);
      if (m.kswapd.runs > before) runs.push(pgdatBalanced(m, 0, zoneIdx));
    };
    run(s, 'A write r 0 160M 4K 7', false);
    expect(wakes.length).toBeGreaterThan(0);
    for (const w of wakes) expect(w.free).toBeLessThanOrEqual(w.low);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((b) => b)).toBe(true);
    expect(m.kswapd.state).toBe('sleeping');
    expect(vm(m, 'pgsteal_kswapd')).toBeGreaterThan(0);
    expect(vm(m, 'pageoutrun')).toBe(m.kswapd.runs);
    // kswapd kept up: the task never had to reclaim itself
    expect(vm(m, 'allocstall_movable')).toBe(0);
    const v = inspectKswapd(m);
    expect(v.kswapd.last?.balanced).toBe(true);
    expect(v.zones.find((x) => x.zone === 'DMA32')!.high).toBe(z.watermark[WMARK_HIGH]);
    expect(task(s).state).toBe('R');
    assertInvariants(m);
    // every page reads back what was written
    expect(userRead(m, task(s), regionStart(s), 160 << 20, 4096, 0).sum).toBe(7 * 40960);
    assertInvariants(m);
  });
});

describe('direct reclaim', () => {
  it('the allocating task reclaims itself when kswapd has given up, and nobody is killed', () => {
    const { s } = session(`machine arch=x86_64 ram=128M cpus=1 thp=never
boot
swapon 256M
spawn A
A mmap r 120M rw`);
    const m = s.machine!;
    m.kswapd.failures = 16; // MAX_RECLAIM_RETRIES: wakeup_kswapd leaves it asleep
    run(s, 'A write r 0 120M 4K 3', false);
    expect(m.kswapd.runs).toBe(0);
    expect(vm(m, 'allocstall_movable')).toBeGreaterThan(0);
    expect(vm(m, 'pgsteal_direct')).toBeGreaterThan(0);
    expect(vm(m, 'pgscan_direct')).toBeGreaterThanOrEqual(vm(m, 'pgsteal_direct'));
    expect(vm(m, 'oom_kill')).toBe(0);
    expect(task(s).state).toBe('R');
    assertInvariants(m);
    expect(userRead(m, task(s), regionStart(s), 120 << 20, 4096, 0).sum).toBe(3 * 30720);
  });

  it('comes before the OOM killer, which stays the last step', () => {
    const { s, out } = session(`machine arch=x86_64 ram=128M cpus=1 thp=never
boot
spawn A
A mmap r 160M rw`);
    const m = s.machine!;
    const order: string[] = [];
    const hooks = m.alloc.reclaimHooks!;
    const direct = hooks.directReclaim;
    hooks.directReclaim = (hz, cpu) => {
      const got = direct(hz, cpu);
      order.push(`direct:${got}`);
      return got;
    };
    m.trace.subscribe((e) => {
      if (e.type === 'printk' && e.text.includes('invoked oom-killer')) order.push('oom');
    });
    run(s, 'A write r 0 160M 4K 3', false);
    // no swap: nothing anonymous can be reclaimed, so direct reclaim frees nothing, then the OOM killer
    const firstOom = order.indexOf('oom');
    expect(firstOom).toBeGreaterThan(0);
    expect(order[firstOom - 1]).toBe('direct:0');
    expect(vm(m, 'allocstall_movable')).toBeGreaterThan(0);
    expect(out()).toMatch(/killed by SIGKILL \(out of memory\)/);
    assertInvariants(m);
  });
});

describe('reclaim <size> (/sys/devices/system/node/node0/reclaim)', () => {
  it('reclaims at least what was asked, counted as proactive, and the data survives', () => {
    const { s, out } = session(`machine arch=x86_64 ram=1G cpus=1 thp=never
boot
swapon 64M
spawn A
A mmap r 1M rw
A write r 0 1M 4K 0xab
reclaim 512K`);
    const m = s.machine!;
    const kb = Number(/reclaim: (\d+) kB reclaimed/.exec(out())![1]);
    expect(kb).toBeGreaterThanOrEqual(512);
    expect(vm(m, 'pgsteal_proactive') * 4).toBe(kb);
    expect(vm(m, 'pgscan_proactive')).toBeGreaterThanOrEqual(vm(m, 'pgsteal_proactive'));
    expect(vm(m, 'pgscan_anon')).toBe(vm(m, 'pgscan_proactive'));
    expect(vm(m, 'pgscan_kswapd') + vm(m, 'pgscan_direct')).toBe(0);
    expect(userRead(m, task(s), regionStart(s), 1 << 20, 4096, 0).sum).toBe(0xab * 256);
    assertInvariants(m);
  });

  it('without swap, anonymous memory cannot go anywhere: EAGAIN after the retries', () => {
    const { out } = session(`machine arch=x86_64 ram=1G cpus=1 thp=never
boot
spawn A
A mmap r 1M rw
A write r 0 1M 4K 1
reclaim 64K`);
    expect(out()).toMatch(/reclaim: EAGAIN \(0 kB reclaimed of 64 kB\)/);
  });

  it('refuses a missing size with the usage', () => {
    let out = '';
    const s = new Session({ out: (t) => (out += t) });
    run(s, 'machine arch=x86_64 ram=1G\nboot');
    expect(() => run(s, 'reclaim')).toThrow(/reclaim <size>/);
    expect(out).not.toMatch(/reclaimed/);
  });
});

describe('every byte reads back as last written across reclaim passes', () => {
  it('random writes over more memory than RAM, with kswapd, direct and proactive reclaim between', () => {
    const { s } = session(`machine arch=x86_64 ram=128M cpus=2 thp=never
boot
swapon 256M
spawn A
A mmap r 100M rw
spawn B
B mmap r 40M rw`);
    const m = s.machine!;
    // a small deterministic PRNG (xorshift32): the test must not depend on Math.random
    let x = 0x2545f491;
    const rnd = (n: number) => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x % n;
    };
    const want = new Map<string, number>();
    const regions = [
      { p: 'A', pages: 25600 },
      { p: 'B', pages: 10240 },
    ];
    for (let step = 0; step < 40; step++) {
      const r = regions[rnd(2)]!;
      const first = rnd(r.pages - 512);
      const n = 1 + rnd(4096);
      const byte = 1 + rnd(255);
      const len = Math.min(n, r.pages - first);
      run(s, `cpu ${rnd(2)}\n${r.p} write r ${first * 4096} ${len * 4096} 4K ${byte}`, false);
      for (let i = 0; i < len; i++) want.set(`${r.p}:${first + i}`, byte);
      if (step % 10 === 9) run(s, `reclaim ${1 + rnd(8)}M`, false);
      if (step % 8 === 7) assertInvariants(m);
    }
    assertInvariants(m);
    for (const r of regions) {
      const t = task(s, r.p);
      const start = regionStart(s, r.p);
      userRead(m, t, start, r.pages * 4096, 4096, 0, (va, v) => {
        const page = (va - start) / 4096;
        expect(v, `${r.p} page ${page}`).toBe(want.get(`${r.p}:${page}`) ?? 0);
      });
    }
    expect(vm(m, 'pgsteal_kswapd') + vm(m, 'pgsteal_direct')).toBeGreaterThan(0);
    expect(vm(m, 'pgsteal_proactive')).toBeGreaterThan(0);
    expect(DEF_PRIORITY).toBe(12);
    assertInvariants(m);
  });
});

describe('real kernel: reference/kernel-6.18/lru-reclaim.json (tools/oracle/lru_reclaim.c)', () => {
  const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
  type Obj = Record<string, Record<string, Record<string, number>>>;
  const ref = JSON.parse(read('reference/kernel-6.18/lru-reclaim.json')) as Obj;
  const VM = ['pgscan_anon', 'pgsteal_anon', 'swpout_zero', 'pswpout'];
  const snaps = runMarked(read('scenarios/oracle/lru-reclaim.mm'), ({ session }) => {
    const m = session.machine!;
    const mm = session.procs.get('A')!.task.mm!;
    const start = session.procs.get('A')!.regions.get('r')!.start;
    const c = { present: 0, swap_in_touched_quarter: 0, swap_in_rest: 0, referenced: 0 };
    for (let i = 0; i < 256; i++) {
      const e = pagemapEntry(m, mm, start + i * 4096);
      if (e & PM_SWAP) {
        if (i < 64) c.swap_in_touched_quarter++;
        else c.swap_in_rest++;
      }
      if (!(e & PM_PRESENT)) continue;
      c.present++;
      if ((kpageflags(m, Number(e & ((1n << 55n) - 1n))) >> BigInt(KPF.REFERENCED)) & 1n) c.referenced++;
    }
    const vmv = Object.fromEntries(VM.map((k) => [k, vm(m, k)]));
    return { pages: c, vm: vmv };
  });
  const k = (phase: string) => ref[phase]!['pages']!;
  const kv = (phase: string) => ref[phase]!['vmstat_delta']!;

  it('the emulator: the same outcome as the record, field by field where the classic LRU decides it', () => {
    // the record: reclaim took the oldest end of the list, each page scanned once before any went
    const kb = kv('after_reclaim_b');
    expect(kb['swpout_zero']).toBe(kb['pgsteal_anon']);
    expect(kb['pgscan_anon']! - kb['pgsteal_anon']!).toBe(256);
    expect(k('after_reclaim_b')['referenced']).toBe(k('after_reclaim_b')['present']);
    const before = snaps.get('after_touch')!;
    const after = snaps.get('after_reclaim_b')!;
    const d = (key: string) => after.vm[key]! - before.vm[key]!;
    // which pages went: only the oldest ones (the region's first, faulted first), none of the rest
    expect(after.pages.swap_in_rest).toBe(k('after_reclaim_b')['swap_in_rest']);
    expect(after.pages.swap_in_touched_quarter).toBeGreaterThan(0);
    // zero-filled: every reclaimed page went to the zeromap, none was written
    expect(d('swpout_zero')).toBe(d('pgsteal_anon'));
    expect(d('pswpout')).toBe(kv('after_reclaim_b')['pswpout']);
    // the second chance: every page on the list scanned once (kept, PG_referenced), the reclaimed
    // ones a second time. The emulator's node lruvec also holds the process's stack page (the
    // kernel's cgroup does not: the stack was charged before the process joined it)
    expect(d('pgscan_anon') - d('pgsteal_anon')).toBe(256 + 1);
    // what stays is marked referenced, as in the record
    expect(after.pages.referenced).toBe(after.pages.present);
    // after the read-back every page is present again and nothing is left in swap
    const last = snaps.get('after_read_all')!;
    expect(last.pages.present).toBe(k('after_read_all')['present']);
    expect(last.pages.swap_in_rest + last.pages.swap_in_touched_quarter).toBe(0);
  });

  it('where they differ, and why (ACCURACY.md): how much was reclaimed', () => {
    const before = snaps.get('after_touch')!;
    const after = snaps.get('after_reclaim_b')!;
    // the kernel's limit reclaim stopped at 44 pages; the proactive loop's batches (at least 32,
    // checked per round of 32-page scans) take 60 here: 59 of the region and the stack page
    expect(kv('after_reclaim_b')['pgsteal_anon']).toBe(44);
    expect(after.vm['pgsteal_anon']! - before.vm['pgsteal_anon']!).toBe(60);
  });
});

describe('snapshots under memory pressure (the timeline)', () => {
  it('a restored copy runs the same reclaim to the same state: lists, their order, kswapd, counters', () => {
    const { s } = session(`machine arch=x86_64 ram=128M cpus=2 thp=never
boot
swapon 256M
spawn A
A mmap r 160M rw
A write r 0 100M 4K 5`);
    const snaps = new Snapshotter();
    const share = sharedParts(s.machine!);
    const c = snaps.restore(snaps.take({ m: s.machine!, session: s }, share), share);
    rebindMachine(c.m);
    (c.session as unknown as { opts: { out: (t: string) => void } }).opts = { out: () => {} };
    const more = 'A write r 40M 100M 4K 6\nreclaim 8M\nA read r 0 160M 4K';
    run(s, more, false);
    run(c.session, more, false);
    const state = (m: Machine) => ({
      vmstat: readProc(m, '/proc/vmstat'),
      meminfo: readProc(m, '/proc/meminfo'),
      lists: describeLruLists(m, 64),
      kswapd: inspectKswapd(m),
      next: Buffer.from(m.pages.next.buffer).equals(Buffer.from(s.machine!.pages.next.buffer)),
    });
    expect(vm(c.m, 'pgsteal_kswapd')).toBeGreaterThan(0);
    expect(state(c.m)).toEqual(state(s.machine!));
    assertInvariants(c.m);
  });
});
