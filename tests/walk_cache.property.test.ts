import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import type { MachineConfig } from '../src/core/config.ts';
import { exitTask, forkTask, spawnTask } from '../src/core/kernel/fork.ts';
import { Machine } from '../src/core/machine.ts';
import { doMadvise, doMmap, doMprotect, doMunmap, type Prot } from '../src/core/mm/mmap.ts';
import type { Task } from '../src/core/mm/mm_types.ts';
import { describeTlb } from '../src/core/mm/tlb.ts';
import { setWalkCache, walkCacheTable } from '../src/core/mm/walk_cache.ts';
import { readProc } from '../src/core/proc/index.ts';
import { userRead, userWrite } from '../src/core/user.ts';

/**
 * The walk cache (src/core/mm/walk_cache.ts) lets a page walk start at the last-level table the
 * previous walk reached. It is the emulator's shortcut, so it must change nothing a user can see:
 * the same random program, run with the cache on and off, has to emit the same events (tracepoint
 * by tracepoint, kernel path included), read the same bytes, kill the same processes and leave the
 * same /proc files and TLBs — on every architecture's page-table format, with and without THP.
 */

type Op =
  | { k: 'spawn' }
  | { k: 'mmap'; p: number; pages: number; prot: Prot; shared: boolean; populate: boolean }
  | { k: 'read' | 'write'; p: number; r: number; page: number; n: number; byte: number }
  | { k: 'fork'; p: number }
  | { k: 'exit'; p: number }
  | { k: 'sleep'; p: number }
  | { k: 'munmap' | 'dontneed' | 'mprotect'; p: number; r: number; page: number; n: number; prot: Prot };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ k: 'spawn' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('mmap' as const),
      p: fc.nat(),
      // 512 and 1024 pages: PMD-aligned regions, so THP machines map and split huge PMDs
      pages: fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constantFrom(512, 1024)),
      prot: fc.constantFrom<Prot>('rw', 'rw', 'r', 'none'),
      shared: fc.boolean(),
      populate: fc.boolean(),
    }),
  },
  ...(['read', 'write'] as const).map((k) => ({
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant(k),
      p: fc.nat(),
      r: fc.nat(),
      page: fc.nat(),
      // long runs cross last-level tables, where the cached path must be left
      n: fc.integer({ min: 1, max: 600 }),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
  })),
  ...(['fork', 'exit', 'sleep'] as const).map((k) => ({
    weight: k === 'fork' ? 2 : 1,
    arbitrary: fc.record({ k: fc.constant(k), p: fc.nat() }),
  })),
  ...(['munmap', 'dontneed', 'mprotect'] as const).map((k) => ({
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant(k),
      p: fc.nat(),
      r: fc.nat(),
      page: fc.nat(),
      n: fc.integer({ min: 1, max: 600 }),
      prot: fc.constantFrom<Prot>('rw', 'r', 'none'),
    }),
  })),
);

interface Run {
  /** every event, as JSON, then every access result and the final /proc and TLB text */
  log: string[];
  /** accesses whose walk ended on a cached path (only counted with the cache on) */
  cachedWalks: number;
}

function run(ops: Op[], cfg: Partial<MachineConfig>, cache: boolean): Run {
  const was = setWalkCache(cache);
  try {
    const m = new Machine({ ram: 512 * 1024 * 1024, cpus: 2, ...cfg });
    m.boot();
    const log: string[] = [];
    m.trace.subscribe((e) => log.push(JSON.stringify(e)));
    const PS = m.pageSize;
    const last = m.pgtableArch.levels - 1;
    let cachedWalks = 0;
    const procs: { task: Task; regions: { start: number; pages: number }[] }[] = [];
    const alive = () => procs.filter((p) => p.task.state === 'R');
    const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
    const spawn = () => {
      const t = spawnTask(m, `P${procs.length}`, 0);
      if (t) procs.push({ task: t, regions: [] });
    };
    spawn();
    for (const op of ops) {
      const p = op.k === 'spawn' ? undefined : pick(alive(), op.p);
      if (op.k === 'spawn') {
        if (alive().length < 4) spawn();
      } else if (!p) continue;
      else if (op.k === 'mmap') {
        const r = doMmap(m, p.task, op.pages * PS, op.prot, op.shared, op.populate && op.prot !== 'none', 0);
        if (r.addr >= 0) p.regions.push({ start: r.addr, pages: op.pages });
      } else if (op.k === 'fork') {
        if (alive().length >= 4) continue;
        const t = forkTask(m, p.task, `P${procs.length}`, 0);
        if (t) procs.push({ task: t, regions: p.regions.map((r) => ({ ...r })) });
      } else if (op.k === 'exit') exitTask(m, p.task, 'exited', 0);
      else if (op.k === 'sleep') m.synchronizeRcu();
      else {
        const r = pick(p.regions, op.r);
        if (!r) continue;
        const first = op.page % r.pages;
        const n = Math.min(op.n, r.pages - first);
        const s = r.start + first * PS;
        if (op.k === 'read' || op.k === 'write') {
          // one byte per page at a varying offset; touching unmapped or PROT_NONE memory kills
          const va = s + ((op.byte * 7) % PS);
          const res =
            op.k === 'read'
              ? userRead(m, p.task, va, n * PS, PS, 0)
              : userWrite(m, p.task, va, n * PS, PS, op.byte, 0);
          log.push(`${op.k} ${p.task.pid} ${res.count} ${res.sum} ${res.killed} ${p.task.exit ?? ''}`);
          // the cache holds the path of the last access, unless a huge PMD mapped it
          const lastVa = va + (res.count - 1) * PS;
          if (cache && res.count && p.task.mm && walkCacheTable(m, p.task.mm.pgd, lastVa, last) >= 0)
            cachedWalks++;
        } else if (op.k === 'munmap') {
          doMunmap(m, p.task, s, s + n * PS, 0);
        } else if (op.k === 'dontneed') {
          log.push(`dontneed ${doMadvise(m, p.task, s, s + n * PS, 'dontneed', 0) ?? 'ok'}`);
        } else if (op.k === 'mprotect') {
          log.push(`mprotect ${doMprotect(m, p.task, s, s + n * PS, op.prot) ?? 'ok'}`);
        }
      }
    }
    assertInvariants(m);
    for (const path of ['/proc/vmstat', '/proc/meminfo', '/proc/buddyinfo']) log.push(readProc(m, path));
    for (const p of procs) log.push(p.task.state === 'R' ? readProc(m, `/proc/${p.task.pid}/smaps`) : '');
    log.push(describeTlb(m, (mm) => String([...m.tasks.values()].find((t) => t.mm === mm)?.pid)));
    return { log, cachedWalks };
  } finally {
    setWalkCache(was);
  }
}

/**
 * Random programs lose their first process early (a store to PROT_NONE memory, exit): start each
 * with a small region mapped by PTEs and a 4 MiB one that THP machines map with huge PMDs.
 */
const withRegions = (ops: Op[]): Op[] => [
  { k: 'mmap', p: 0, pages: 64, prot: 'rw', shared: false, populate: false },
  { k: 'mmap', p: 0, pages: 1024, prot: 'rw', shared: false, populate: false },
  ...ops,
];

/** The first entry where the two logs differ, so a failure shows the event, not two huge arrays. */
function firstDifference(a: string[], b: string[]): { at: number; on?: string; off?: string } | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) return { at: i, on: a[i], off: b[i] };
  return null;
}

describe('walk cache', () => {
  const machines: [string, Partial<MachineConfig>][] = [
    ['x86_64', {}],
    ['x86_64 thp=always', { thp: 'always', ram: 1024 * 1024 * 1024 }],
    ['arm64 4K thp=always', { arch: 'arm64', granule: 4, thp: 'always', ram: 1024 * 1024 * 1024 }],
    ['arm64 16K', { arch: 'arm64', granule: 16 }],
    ['arm64 64K', { arch: 'arm64', granule: 64, ram: 2 * 1024 * 1024 * 1024 }],
    ['arm', { arch: 'arm' }],
    ['sparc64', { arch: 'sparc64' }],
    ['mips (vce)', { arch: 'mips', vce: true, ram: 256 * 1024 * 1024 }],
    ['s390', { arch: 's390' }],
  ];
  for (const [name, cfg] of machines) {
    it(`changes no event, byte, /proc file or TLB entry on ${name}`, () => {
      let cachedWalks = 0;
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }).map(withRegions), (ops) => {
          const on = run(ops, cfg, true);
          const off = run(ops, cfg, false);
          expect(firstDifference(on.log, off.log)).toBeNull();
          cachedWalks += on.cachedWalks;
        }),
        { numRuns: 4 },
      );
      // the programs must really have walked through the cache, or the comparison proves nothing
      expect(cachedWalks).toBeGreaterThan(0);
    });
  }

  // Where a stale path would bite: a region unmapped (its PTE table freed) and mapped again at the
  // same address, a DONTNEED that empties a table, and a process whose PGD pfn a new one reuses.
  it('forgets the path when tables are freed and their addresses come back', () => {
    const p = (k: 'read' | 'write', page: number, n: number, byte = 9): Op => ({
      k,
      p: 0,
      r: 0,
      page,
      n,
      byte,
    });
    const region = (k: 'munmap' | 'dontneed', n: number): Op => ({ k, p: 0, r: 0, page: 0, n, prot: 'rw' });
    const ops: Op[] = [
      { k: 'mmap', p: 0, pages: 600, prot: 'rw', shared: false, populate: false },
      p('write', 0, 600),
      region('munmap', 600),
      { k: 'mmap', p: 0, pages: 600, prot: 'rw', shared: false, populate: false },
      { k: 'sleep', p: 0 },
      // the last page first: its table is the one the cache remembers
      p('read', 599, 1),
      p('read', 0, 600),
      region('dontneed', 600),
      p('write', 599, 1, 3),
      p('write', 0, 600, 3),
      { k: 'fork', p: 0 },
      { k: 'exit', p: 0 },
      { k: 'sleep', p: 0 },
      { k: 'spawn' },
      { k: 'mmap', p: 1, pages: 600, prot: 'rw', shared: false, populate: false },
      { k: 'read', p: 1, r: 1, page: 0, n: 600, byte: 5 },
    ];
    for (const cfg of [{}, { arch: 'arm' as const }, { arch: 's390' as const }]) {
      const on = run(ops, cfg, true);
      expect(on.cachedWalks).toBeGreaterThan(0);
      expect(firstDifference(on.log, run(ops, cfg, false).log)).toBeNull();
    }
  });

  it('is used by the walk that follows a fault, and forgotten when a table is freed', () => {
    const m = new Machine({ ram: 256 * 1024 * 1024, cpus: 1 });
    m.boot();
    const t = spawnTask(m, 'p', 0)!;
    const len = 4 * m.pageSize;
    const { addr } = doMmap(m, t, len, 'rw', false, false, 0);
    const last = m.pgtableArch.levels - 1;
    expect(walkCacheTable(m, t.mm!.pgd, addr, last)).toBe(-1);
    userRead(m, t, addr, len, m.pageSize, 0);
    const pteTable = walkCacheTable(m, t.mm!.pgd, addr, last);
    expect(pteTable).toBeGreaterThan(0);
    // munmap frees the now-empty PTE table: the cached path must not survive it
    doMunmap(m, t, addr, addr + len, 0);
    expect(walkCacheTable(m, t.mm!.pgd, addr, last)).toBe(-1);
  });
});
