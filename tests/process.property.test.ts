import { SWAP_ARCHES, sysSwapon } from '../src/core/mm/swapfile.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { exitTask, forkTask, spawnTask } from '../src/core/kernel/fork.ts';
import { Machine } from '../src/core/machine.ts';
import type { MachineConfig } from '../src/core/config.ts';
import {
  doMadvise,
  doMmap,
  doMprotect,
  doMunmap,
  findVma,
  sysMadvise,
  sysMprotect,
  sysMunmap,
  type Prot,
} from '../src/core/mm/mmap.ts';
import type { Task } from '../src/core/mm/mm_types.ts';
import { sysMremap } from '../src/core/mm/mremap.ts';
import { shrinkSlab } from '../src/core/mm/huge_memory.ts';
import { ksmDoScan } from '../src/core/mm/ksm.ts';
import { userRead, userWrite } from '../src/core/user.ts';

/**
 * The reference model: what every process must read at every address. Private memory belongs to
 * one process (copied at fork); shared memory belongs to an object every mapping sees.
 */
interface ModelRegion {
  start: number;
  pages: number;
  /** shared object id, or null for private memory */
  obj: number | null;
  /** protection per page */
  prot: Prot[];
  /** MADV_WIPEONFORK per page: a child gets these pages empty */
  wipe: boolean[];
  /** MADV_DONTFORK on the whole region: a child does not get it */
  dontfork: boolean;
}
interface ModelProc {
  task: Task;
  alive: boolean;
  regions: Map<string, ModelRegion>;
  /** private bytes written, by address */
  mem: Map<number, number>;
  /**
   * private pages MADV_FREE made lazyfree (page address): reclaim may have discarded one, so each
   * byte reads as in `mem` or 0, the whole page alike; bytes written since are in `exact`
   */
  lazy: Set<number>;
  exact: Set<number>;
  /**
   * The CPU the process runs on: every call and access it makes runs there. `migrate` moves it, so
   * one mm leaves TLB entries on several CPUs, which a call on another CPU must shoot down.
   */
  cpu: number;
}

type Op =
  | { k: 'spawn' }
  | { k: 'mmap'; p: number; pages: number; prot: Prot; shared: boolean; populate: boolean }
  | { k: 'read' | 'write'; p: number; r: number; page: number; n: number; byte: number }
  | { k: 'fork'; p: number }
  | { k: 'munmap'; p: number; r: number }
  | {
      k: 'dontneed' | 'free' | 'mprotect' | 'pageout' | 'cold';
      p: number;
      r: number;
      page: number;
      n: number;
      prot: Prot;
    }
  | { k: 'exit'; p: number }
  | { k: 'migrate'; p: number; cpu: number }
  /** echo 2 > drop_caches: the THP shrinkers (the deferred split queue, the huge zero folio) */
  | { k: 'shrink' }
  /** MADV_MERGEABLE on a region, then two full ksmd scans with use_zero_pages (only in its own property) */
  | { k: 'ksm'; p: number; r: number }
  | { k: 'mremap'; p: number; r: number; pages: number; maymove: boolean; dontunmap: boolean }
  | {
      k: 'forkflag';
      p: number;
      r: number;
      page: number;
      n: number;
      advice: 'dontfork' | 'dofork' | 'wipeonfork' | 'keeponfork';
    };

/**
 * Random programs. `maxPages` bounds region sizes and `span` the pages one read, write, dontneed
 * or mprotect covers: small for 4 KiB-page programs, large enough for THP programs to map whole
 * PMDs and then break them up. `shrink` is the weight of drop_caches steps (none by default).
 */
const opArbFor = (maxPages: number, span: number, shrink = 0): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant({ k: 'spawn' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('mmap' as const),
        p: fc.nat(),
        // multiples of 512 pages get a 2 MiB-aligned address (__get_unmapped_area: IS_ALIGNED(len, PMD_SIZE))
        pages:
          maxPages > 512
            ? fc.oneof(fc.integer({ min: 1, max: maxPages }), fc.constantFrom(512, 1024))
            : fc.integer({ min: 1, max: maxPages }),
        prot: fc.constantFrom<Prot>('rw', 'rw', 'rw', 'r', 'none'),
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
        n: fc.integer({ min: 1, max: Math.min(12, span) }),
        // 0 too: a page written with zeros is a zero-filled anon folio, which MADV_PAGEOUT only
        // records in the swap area's zeromap (and swap-in zero-fills again)
        byte: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constant(0)),
      }),
    })),
    { weight: 2, arbitrary: fc.record({ k: fc.constant('fork' as const), p: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('munmap' as const), p: fc.nat(), r: fc.nat() }) },
    ...(['dontneed', 'free', 'mprotect', 'pageout', 'cold'] as const).map((k) => ({
      // MADV_FREE drops swap entries: rarer, so programs still swap pages back in
      weight: k === 'free' ? 1 : 2,
      arbitrary: fc.record({
        k: fc.constant(k),
        p: fc.nat(),
        r: fc.nat(),
        page: fc.nat(),
        n: fc.integer({ min: 1, max: span }),
        prot: fc.constantFrom<Prot>('rw', 'r', 'none'),
      }),
    })),
    { weight: 1, arbitrary: fc.record({ k: fc.constant('exit' as const), p: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('forkflag' as const),
        p: fc.nat(),
        r: fc.nat(),
        page: fc.nat(),
        n: fc.integer({ min: 1, max: span }),
        advice: fc.constantFrom('dontfork', 'dofork', 'wipeonfork', 'wipeonfork', 'keeponfork'),
      }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('migrate' as const), p: fc.nat(), cpu: fc.nat() }) },
    // only where asked: a new step would reshuffle the other properties' programs
    ...(shrink ? [{ weight: shrink, arbitrary: fc.constant({ k: 'shrink' as const }) }] : []),
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('mremap' as const),
        p: fc.nat(),
        r: fc.nat(),
        pages: fc.integer({ min: 1, max: maxPages }),
        maymove: fc.boolean(),
        dontunmap: fc.boolean(),
      }),
    },
  );
const opArb = opArbFor(40, 8);

/**
 * Programs of one 16-page private region and the steps in `kinds`, where the steps in `boost`
 * come as often as all the others together: random programs are short, and a sequence such as
 * write → MADV_FREE → MADV_PAGEOUT on the same pages and CPU is otherwise too rare to count on.
 */
function focusedPrograms(kinds: Op['k'][], boost: Op['k'][]): fc.Arbitrary<Op[]> {
  const step = fc.oneof(
    { weight: boost.length, arbitrary: opArb.filter((o) => kinds.includes(o.k)) },
    ...boost.map((k) => ({ weight: 1, arbitrary: opArb.filter((o) => o.k === k) })),
  );
  return fc
    .array(step, { minLength: 1, maxLength: 40 })
    .map((ops) => [{ k: 'mmap', p: 0, pages: 16, prot: 'rw', shared: false, populate: false } as Op, ...ops]);
}

/** What the programs did, for the tests that must see it happen. */
const seen = { mremapMoves: 0, flaggedForks: 0, ksmMerged: 0, ksmPages: 0 };

/** Run a program on a fresh machine (`zswap`: with zswap on, so swap-out goes to its pool). */
function runOps(ops: Op[], cfg: Partial<MachineConfig> = {}, zswap = false): Machine {
  const m = new Machine({ ram: 256 * 1024 * 1024, cpus: 2, ...cfg });
  m.boot();
  // A small swap area where swap entries are modelled (63 slots: programs also run it full, when
  // MADV_PAGEOUT puts folios back); elsewhere MADV_PAGEOUT finds no swap and puts them back too.
  if (SWAP_ARCHES.includes(m.arch.name)) expect(typeof sysSwapon(m, 256 * 1024, undefined)).toBe('object');
  m.zswap.enabled = zswap;
  const PS = m.pageSize;
  const procs: ModelProc[] = [];
  const objects = new Map<number, Map<number, number>>();
  let nextObj = 1;
  let nextRegion = 0;
  const alive = () => procs.filter((p) => p.alive);
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  const regionOf = (p: ModelProc, i: number) => pick([...p.regions.entries()], i);
  /** The byte the model says lives at va for p, and whether the access is allowed. */
  const lookup = (p: ModelProc, va: number): { r: ModelRegion; off: number } | undefined => {
    for (const r of p.regions.values())
      if (va >= r.start && va < r.start + r.pages * PS) return { r, off: va - r.start };
    return undefined;
  };
  const expectedByte = (p: ModelProc, va: number): number => {
    const hit = lookup(p, va)!;
    return hit.r.obj === null ? (p.mem.get(va) ?? 0) : (objects.get(hit.r.obj)!.get(hit.off) ?? 0);
  };
  const killIfNeeded = (p: ModelProc, va: number, write: boolean): boolean => {
    const hit = lookup(p, va);
    const prot = hit?.r.prot[Math.floor(hit.off / PS)];
    return !hit || prot === 'none' || (write && prot === 'r');
  };
  spawn();

  function spawn(): void {
    const cpu = procs.length % m.cfg.cpus;
    const t = spawnTask(m, `P${procs.length}`, cpu);
    if (t)
      procs.push({
        task: t,
        alive: true,
        regions: new Map(),
        mem: new Map(),
        lazy: new Set(),
        exact: new Set(),
        cpu,
      });
  }

  for (const op of ops) {
    const p = op.k === 'spawn' || op.k === 'shrink' ? undefined : pick(alive(), op.p);
    const cpu = p?.cpu ?? 0;
    switch (op.k) {
      case 'spawn':
        if (alive().length < 4) spawn();
        break;
      case 'mmap': {
        if (!p) break;
        const r = doMmap(m, p.task, op.pages * PS, op.prot, op.shared, op.populate, cpu);
        if (r.addr < 0) break;
        const obj = op.shared ? nextObj++ : null;
        if (obj) objects.set(obj, new Map());
        p.regions.set(`r${nextRegion++}`, {
          start: r.addr,
          pages: op.pages,
          obj,
          prot: new Array<Prot>(op.pages).fill(op.prot),
          wipe: new Array<boolean>(op.pages).fill(false),
          dontfork: false,
        });
        break;
      }
      case 'read':
      case 'write': {
        if (!p) break;
        const reg = regionOf(p, op.r);
        if (!reg) break;
        const [, r] = reg;
        // In big regions, reads and writes also land near 2 MiB boundaries, where PMDs split.
        const toBoundary = (512 - ((r.start / PS) % 512)) % 512;
        const first = (r.pages > 512 && op.byte % 2 ? toBoundary + 512 - (op.byte % 8) : op.page) % r.pages;
        const n = Math.min(op.n, r.pages - first);
        // Touch one byte at a varying offset in each page, as the model tracks bytes.
        for (let i = 0; i < n; i++) {
          const va = r.start + (first + i) * PS + ((op.byte * 7 + i) % PS);
          const dies = killIfNeeded(p, va, op.k === 'write');
          if (op.k === 'read') {
            const want = dies ? -1 : expectedByte(p, va);
            const got = userRead(m, p.task, va, 1, 1, cpu);
            expect(got.killed).toBe(dies);
            const page = va - (va % PS);
            if (!dies && r.obj === null && p.lazy.has(page) && !p.exact.has(va) && got.sum !== want) {
              // a lazyfree page reclaim discarded: it reads 0, every byte not written since alike
              expect(got.sum, `read 0x${va.toString(16)} (lazyfree)`).toBe(0);
              for (const a of [...p.mem.keys()])
                if (a >= page && a < page + PS && !p.exact.has(a)) p.mem.delete(a);
            } else if (!dies) expect(got.sum, `read 0x${va.toString(16)}`).toBe(want);
          } else {
            const got = userWrite(m, p.task, va, 1, 1, op.byte, cpu);
            expect(got.killed).toBe(dies);
            if (!dies) {
              if (r.obj === null) {
                p.mem.set(va, op.byte);
                if (p.lazy.has(va - (va % PS))) p.exact.add(va);
              } else objects.get(r.obj)!.set(va - r.start, op.byte);
            }
          }
          if (dies) {
            expect(p.task.exit).toMatch(/SIGSEGV/);
            p.alive = false;
            break;
          }
        }
        break;
      }
      case 'fork': {
        if (!p || alive().length >= 4) break;
        const t = forkTask(m, p.task, `P${procs.length}`, cpu);
        if (!t) break;
        // MADV_DONTFORK regions stay behind; MADV_WIPEONFORK pages reach the child empty
        if ([...p.regions.values()].some((r) => r.dontfork || r.wipe.includes(true))) seen.flaggedForks++;
        const regions = new Map(
          [...p.regions]
            .filter(([, r]) => !r.dontfork)
            .map(([k, r]) => [k, { ...r, prot: [...r.prot], wipe: [...r.wipe] }]),
        );
        const child: ModelProc = {
          task: t,
          alive: true,
          regions,
          mem: new Map(p.mem),
          lazy: new Set(p.lazy),
          exact: new Set(p.exact),
          cpu,
        };
        // the kernel's side of it: the child has no VMA where the parent said DONTFORK, and one
        // at the start of every other region
        for (const r of p.regions.values()) expect(findVma(t.mm!, r.start) === undefined).toBe(r.dontfork);
        const kept = (va: number) => {
          const at = lookup(child, va);
          return at !== undefined && !at.r.wipe[Math.floor(at.off / PS)];
        };
        for (const a of [...child.mem.keys()]) if (!kept(a)) child.mem.delete(a);
        for (const set of [child.lazy, child.exact]) for (const a of [...set]) if (!kept(a)) set.delete(a);
        procs.push(child);
        break;
      }
      case 'munmap': {
        if (!p) break;
        const reg = regionOf(p, op.r);
        if (!reg) break;
        doMunmap(m, p.task, reg[1].start, reg[1].start + reg[1].pages * PS, cpu);
        for (const va of [...p.mem.keys()])
          if (va >= reg[1].start && va < reg[1].start + reg[1].pages * PS) p.mem.delete(va);
        p.regions.delete(reg[0]);
        break;
      }
      case 'pageout':
      case 'cold':
      case 'free':
      case 'dontneed':
      case 'mprotect': {
        if (!p) break;
        const reg = regionOf(p, op.r);
        if (!reg) break;
        const r = reg[1];
        const first = op.page % r.pages;
        const n = Math.min(op.n, r.pages - first);
        const s = r.start + first * PS;
        if (op.k === 'pageout' || op.k === 'cold') {
          // MADV_PAGEOUT / MADV_COLD change where the bytes live (a swap slot, the zeromap, the
          // swap cache), never what any process reads: the model does not change
          expect(doMadvise(m, p.task, s, s + n * PS, op.k, cpu)).toBeUndefined();
        } else if (op.k === 'free') {
          // MADV_FREE: EINVAL on shared memory; private pages become lazyfree (old data or 0)
          expect(doMadvise(m, p.task, s, s + n * PS, 'free', cpu)).toBe(
            r.obj === null ? undefined : 'EINVAL',
          );
          if (r.obj === null)
            for (let i = 0; i < n; i++) {
              p.lazy.add(s + i * PS);
              for (const a of [...p.exact]) if (a >= s + i * PS && a < s + (i + 1) * PS) p.exact.delete(a);
            }
        } else if (op.k === 'dontneed') {
          expect(doMadvise(m, p.task, s, s + n * PS, 'dontneed', cpu)).toBeUndefined();
          // Private memory reads as zeros again; shared memory keeps its data in the object.
          if (r.obj === null)
            for (const va of [...p.mem.keys()]) if (va >= s && va < s + n * PS) p.mem.delete(va);
          for (let i = 0; i < n; i++) p.lazy.delete(s + i * PS);
        } else {
          expect(doMprotect(m, p.task, s, s + n * PS, op.prot)).toBeUndefined();
          for (let i = 0; i < n; i++) r.prot[first + i] = op.prot;
        }
        break;
      }
      case 'exit':
        if (!p) break;
        exitTask(m, p.task, 'exited', cpu);
        p.alive = false;
        break;
      case 'mremap': {
        // mremap of a whole private region (a shared one could grow past its shmem object's size,
        // where the kernel sends SIGBUS: not in this model): the bytes move with the pages
        if (!p) break;
        const reg = regionOf(p, op.r);
        if (!reg || reg[1].obj !== null) break;
        const [name, r] = reg;
        const oldLen = r.pages * PS;
        const pages = op.dontunmap ? r.pages : op.pages;
        const v = findVma(p.task.mm!, r.start)!;
        const flags = { maymove: op.maymove || op.dontunmap, fixed: false, dontunmap: op.dontunmap };
        const res = sysMremap(m, p.task, r.start, oldLen, pages * PS, flags, 0, cpu);
        if ('errno' in res) {
          // the region spans VMAs of different protections, or it cannot grow where it is
          const oneVma = v.end >= r.start + oldLen;
          expect(res.errno, JSON.stringify(op)).toBe(oneVma ? 'ENOMEM' : 'EFAULT');
          if (oneVma) expect(pages > r.pages && !flags.maymove).toBe(true);
          break;
        }
        const to = res.addr;
        if (to !== r.start) seen.mremapMoves++;
        const moveSet = (set: Set<number>) => {
          for (const a of [...set])
            if (a >= r.start && a < r.start + oldLen) {
              set.delete(a);
              if (a - r.start < pages * PS) set.add(to + a - r.start);
            }
        };
        const mem = [...p.mem].filter(([a]) => a >= r.start && a < r.start + oldLen);
        for (const [a] of mem) p.mem.delete(a);
        for (const [a, b] of mem) if (a - r.start < pages * PS) p.mem.set(to + a - r.start, b);
        moveSet(p.lazy);
        moveSet(p.exact);
        const prot = Array.from({ length: pages }, (_, i) => r.prot[Math.min(i, r.pages - 1)]!);
        const wipe = Array.from({ length: pages }, (_, i) => r.wipe[Math.min(i, r.pages - 1)]!);
        p.regions.set(name, { start: to, pages, obj: null, prot, wipe, dontfork: r.dontfork });
        // MREMAP_DONTUNMAP leaves the old range mapped, empty: it reads zeros again
        if (op.dontunmap)
          p.regions.set(`r${nextRegion++}`, {
            start: r.start,
            pages: r.pages,
            obj: null,
            prot: [...r.prot],
            wipe: [...r.wipe],
            dontfork: r.dontfork,
          });
        break;
      }
      case 'forkflag': {
        // MADV_DONTFORK/DOFORK of a whole region, MADV_WIPEONFORK/KEEPONFORK of some of its pages:
        // flags only (what a later fork gives the child), nothing a process reads changes now
        if (!p) break;
        const reg = regionOf(p, op.r);
        if (!reg) break;
        const r = reg[1];
        if (op.advice === 'dontfork' || op.advice === 'dofork') {
          expect(doMadvise(m, p.task, r.start, r.start + r.pages * PS, op.advice, cpu)).toBeUndefined();
          r.dontfork = op.advice === 'dontfork';
          break;
        }
        const first = op.page % r.pages;
        const n = Math.min(op.n, r.pages - first);
        const s = r.start + first * PS;
        // private anonymous memory only: shared memory is EINVAL for WIPEONFORK
        const bad = op.advice === 'wipeonfork' && r.obj !== null;
        expect(doMadvise(m, p.task, s, s + n * PS, op.advice, cpu)).toBe(bad ? 'EINVAL' : undefined);
        if (!bad) for (let i = 0; i < n; i++) r.wipe[first + i] = op.advice === 'wipeonfork';
        break;
      }
      case 'ksm': {
        // KSM with use_zero_pages: zero-filled pages of the region become the shared zero page
        // (KSM zero pages): nothing a process reads may change, writes COW away from them
        if (!p) break;
        const reg = regionOf(p, op.r);
        if (!reg) break;
        const r = reg[1];
        expect(doMadvise(m, p.task, r.start, r.start + r.pages * PS, 'mergeable', cpu)).toBeUndefined();
        // with use_zero_pages on, zero-filled pages merge with the zero page; off, with each
        // other into a KSM page, like any equal pages (which merge either way)
        m.ksm.useZeroPages = op.r % 2 === 0;
        for (let i = 0; i < 2; i++) {
          const r = ksmDoScan(m, cpu);
          seen.ksmMerged += r.zero;
          seen.ksmPages += r.ksm;
        }
        break;
      }
      case 'shrink':
        // splits underused and partially mapped THPs (their zero-filled pages onto the zero
        // page): nothing a process reads may change
        shrinkSlab(m, cpu);
        break;
      case 'migrate':
        // the scheduler moves the process: its next steps run on another CPU, whose TLB then
        // holds this mm's translations too
        if (p) p.cpu = op.cpu % m.cfg.cpus;
        break;
    }
    assertInvariants(m);
  }
  for (const p of alive()) exitTask(m, p.task, 'exited', p.cpu);
  m.synchronizeRcu();
  assertInvariants(m);
  // Every process is gone: every page it used is free again (page tables, anon and shmem pages).
  expect(m.vmstat.get('nr_page_table_pages')).toBe(0);
  expect(m.vmstat.get('nr_anon_pages')).toBe(0);
  expect(m.vmstat.get('nr_shmem')).toBe(0);
  return m;
}

describe('process properties', () => {
  it('keeps the invariants, and every read returns what the reference model says', () => {
    // The programs must really have moved processes between CPUs, or the TLB part proves nothing
    // (swap-out and swap-in, rare in programs this short, have their own focused property below).
    let migrated = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 45 }), (ops) => {
        runOps(ops);
        migrated += ops.filter((o) => o.k === 'migrate' && o.cpu % 2).length;
      }),
      { numRuns: 80 },
    );
    expect(migrated).toBeGreaterThan(0);
  });

  it('KSM: pages merged with the zero page or into KSM pages read back the same, across writes, fork, pageout and swap-in', () => {
    const merged = seen.ksmMerged;
    const ksmPages = seen.ksmPages;
    const kinds: Op['k'][] = ['read', 'write', 'fork', 'migrate', 'munmap', 'pageout', 'dontneed', 'exit'];
    const step = fc.oneof(
      { weight: 4, arbitrary: opArb.filter((o) => kinds.includes(o.k)) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('ksm' as const), p: fc.nat(), r: fc.nat() }) },
    );
    fc.assert(
      fc.property(
        fc
          .array(step, { minLength: 1, maxLength: 40 })
          .map((ops) => [
            { k: 'mmap', p: 0, pages: 16, prot: 'rw', shared: false, populate: false } as Op,
            ...ops,
          ]),
        (ops) => {
          runOps(ops);
        },
      ),
      { numRuns: 40 },
    );
    // the programs must really have merged pages, or the property proves nothing about KSM
    expect(seen.ksmMerged).toBeGreaterThan(merged);
    expect(seen.ksmPages).toBeGreaterThan(ksmPages);
  });

  it('mremap: a region that grows, shrinks or moves keeps its bytes at their new addresses', () => {
    const moves = seen.mremapMoves;
    fc.assert(
      fc.property(focusedPrograms(['read', 'write', 'fork', 'migrate', 'munmap'], ['mremap']), (ops) => {
        runOps(ops);
      }),
      { numRuns: 40 },
    );
    // the programs must really have moved regions (their PTEs), not only resized them in place
    expect(seen.mremapMoves).toBeGreaterThan(moves);
  });

  it('MADV_DONTFORK / MADV_WIPEONFORK: a child lacks the DONTFORK regions and reads zeros where it was wiped', () => {
    // Random programs rarely read back the very byte a wiped page held, so this one does: a
    // written region, flags on part of it (or all), a fork, then both processes read every byte
    // written (a read with the write's `byte` touches the same offsets) and write again.
    const forks = seen.flaggedForks;
    fc.assert(
      fc.property(
        fc.record({
          page: fc.nat(15),
          n: fc.integer({ min: 1, max: 16 }),
          advice: fc.constantFrom('dontfork', 'wipeonfork', 'keeponfork'),
          second: fc.constantFrom('dofork', 'wipeonfork', 'keeponfork'),
          byte: fc.integer({ min: 1, max: 255 }),
          shared: fc.boolean(),
          childCpu: fc.nat(1),
        }),
        ({ page, n, advice, second, byte, shared, childCpu }) => {
          const all = { r: 0, page: 0, n: 16, byte };
          runOps([
            { k: 'mmap', p: 0, pages: 16, prot: 'rw', shared, populate: false },
            { k: 'write', p: 0, ...all },
            { k: 'forkflag', p: 0, r: 0, page, n, advice },
            { k: 'forkflag', p: 0, r: 0, page: (page + 5) % 16, n, advice: second },
            { k: 'fork', p: 0 },
            { k: 'migrate', p: 1, cpu: childCpu },
            { k: 'read', p: 1, ...all },
            { k: 'read', p: 0, ...all },
            { k: 'write', p: 1, ...all, byte: byte ^ 0xff },
            { k: 'read', p: 0, ...all },
            { k: 'read', p: 1, ...all, byte: byte ^ 0xff },
          ]);
        },
      ),
      { numRuns: 60 },
    );
    expect(seen.flaggedForks).toBeGreaterThan(forks);
  });

  it('MADV_PAGEOUT: a page swapped out reads back what was written, on whichever CPU', () => {
    let swapped = 0;
    let swappedIn = 0;
    fc.assert(
      fc.property(focusedPrograms(['read', 'write', 'fork', 'migrate'], ['pageout']), (ops) => {
        const m = runOps(ops);
        swapped += m.vmstat.get('pswpout') + m.vmstat.get('swpout_zero');
        swappedIn += m.vmstat.get('swpin_zero') + m.vmstat.get('pswpin');
      }),
      { numRuns: 40 },
    );
    expect(swapped).toBeGreaterThan(0);
    expect(swappedIn).toBeGreaterThan(0);
  });

  it('zswap: a page stored in the pool reads back what was written, after fork, exit and swap-in', () => {
    let stored = 0;
    let loaded = 0;
    fc.assert(
      fc.property(focusedPrograms(['read', 'write', 'fork', 'migrate', 'exit'], ['pageout']), (ops) => {
        const m = runOps(ops, {}, true);
        stored += m.vmstat.get('zswpout');
        loaded += m.vmstat.get('zswpin');
        // nothing the pool held was written to the device: the pool is never full here
        expect(m.vmstat.get('pswpout')).toBe(0);
        // every process has exited: every slot and with it every entry is gone
        expect(m.zswap.tree.size).toBe(0);
      }),
      { numRuns: 40 },
    );
    expect(stored).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
  });

  // Every architecture's page-table format under the same random programs: encodings, empty
  // entries, table sizes and zero-page colours all have to agree with the generic mm code.
  const arches: [string, Partial<MachineConfig>][] = [
    ['arm64 4K', { arch: 'arm64', granule: 4 }],
    ['arm64 16K', { arch: 'arm64', granule: 16 }],
    ['arm64 64K', { arch: 'arm64', granule: 64, ram: 2 * 1024 * 1024 * 1024 }],
    ['arm', { arch: 'arm' }],
    ['sparc64', { arch: 'sparc64' }],
    ['mips (vce)', { arch: 'mips', vce: true }],
    ['s390', { arch: 's390' }],
    ['x86_64 before the zero-page patch', { zeroPagePatch: 'before' }],
  ];
  for (const [name, cfg] of arches) {
    it(`holds on ${name}`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 35 }), (ops) => {
          runOps(ops, cfg);
        }),
        { numRuns: 25 },
      );
    });
  }

  it('TLBs: a process moving between CPUs never leaves a translation its calls changed', () => {
    // Accesses, forks and the calls that change PTEs, with migrations as often as all of them:
    // a page read on one CPU and then copied (COW), unmapped, dropped or write-protected by a step
    // on the other must leave no stale entry behind (the checker's TLB invariant).
    fc.assert(
      fc.property(
        focusedPrograms(['read', 'write', 'fork', 'munmap', 'dontneed', 'mprotect', 'mremap'], ['migrate']),
        (ops) => {
          runOps(ops);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('MADV_FREE: a lazyfree page reads its old data or, once reclaim discarded it, zeros', () => {
    // Programs of one private region and the operations that meet lazyfree pages, so MADV_FREE
    // followed by MADV_PAGEOUT (a discard) happens often; the whole-program checks still apply.
    let lazyfreed = 0;
    fc.assert(
      fc.property(focusedPrograms(['read', 'write', 'fork', 'migrate'], ['free', 'pageout']), (ops) => {
        const m = runOps(ops);
        lazyfreed += m.vmstat.get('pglazyfreed');
      }),
      { numRuns: 40 },
    );
    expect(lazyfreed).toBeGreaterThan(0);
  });

  // Transparent huge pages: regions of up to 1100 pages with thp=always map whole PMDs (the huge
  // zero folio on read, a THP on write), which DONTNEED, mprotect, munmap, fork and COW then split.
  const thp: [string, Partial<MachineConfig>][] = [
    ['x86_64 thp=always, dynamic huge zero folio', { thp: 'always', ram: 1024 * 1024 * 1024 }],
    [
      'x86_64 thp=always, persistent huge zero folio',
      { thp: 'always', ram: 1024 * 1024 * 1024, hugeZero: 'persistent' },
    ],
    [
      'x86_64 thp=always, static PMD zero page',
      { thp: 'always', ram: 1024 * 1024 * 1024, hugeZero: 'static_pmd' },
    ],
    ['arm64 4K thp=always', { arch: 'arm64', granule: 4, thp: 'always', ram: 1024 * 1024 * 1024 }],
    [
      'x86_64 thp=always, max_ptes_none=400: underused THPs split',
      { thp: 'always', ram: 1024 * 1024 * 1024, maxPtesNone: 400 },
    ],
  ];
  // Random programs lose their processes early (SIGSEGV on a PROT_NONE page, exit): start each
  // with one 4 MiB private region, 2 MiB-aligned, so every run has PMDs to fault and split.
  const withHugeRegion = (ops: Op[]): Op[] => [
    { k: 'mmap', p: 0, pages: 1024, prot: 'rw', shared: false, populate: false },
    ...ops,
  ];
  for (const [name, cfg] of thp) {
    it(`holds with huge pages: ${name}`, () => {
      // The programs must really have mapped and split PMDs, or this test would prove nothing.
      const seen = { thp_fault_alloc: 0, thp_split_pmd: 0, thp_split_page: 0, thp_underused_split_page: 0 };
      fc.assert(
        fc.property(
          fc
            .array(opArbFor(1100, 600, cfg.maxPtesNone === undefined ? 0 : 6), {
              minLength: 1,
              maxLength: 30,
            })
            .map(withHugeRegion),
          (ops) => {
            const m = runOps(ops, cfg);
            seen.thp_fault_alloc += m.vmstat.get('thp_fault_alloc');
            seen.thp_split_pmd += m.vmstat.get('thp_split_pmd');
            seen.thp_split_page += m.vmstat.get('thp_split_page');
            seen.thp_underused_split_page += m.vmstat.get('thp_underused_split_page');
          },
        ),
        { numRuns: 20 },
      );
      expect(seen.thp_fault_alloc).toBeGreaterThan(0);
      expect(seen.thp_split_pmd).toBeGreaterThan(0);
      if (cfg.maxPtesNone !== undefined) expect(seen.thp_underused_split_page).toBeGreaterThan(0);
    });
  }
});

/**
 * The system calls' range rules (issue #14 item 1, issue #13 item 6) against a per-page model of
 * one 64-page area: each page is unmapped, or mapped with a protection and written or not. The
 * kernel's rules, from mm/mprotect.c, mm/madvise.c and mm/vma.c:
 * - an unaligned start is EINVAL, and so is munmap of length 0; mprotect and madvise of length 0
 *   succeed; a rejected call changes nothing;
 * - munmap unmaps whatever is mapped in the range (holes are fine);
 * - mprotect must start in a VMA (else ENOMEM, nothing changes), then changes page after page up to
 *   the first hole, and fails with ENOMEM if it met one before the end;
 * - DONTNEED drops every mapped page of the range, and fails with ENOMEM if the range has a hole.
 */
describe('system-call ranges: holes, alignment, length', () => {
  type Call =
    | { k: 'munmap' | 'dontneed'; page: number; off: number; len: number }
    | { k: 'mprotect'; page: number; off: number; len: number; prot: Prot }
    | { k: 'write'; page: number };
  const N = 64;
  const callArb: fc.Arbitrary<Call> = fc.oneof(
    fc.record({
      k: fc.constantFrom('munmap' as const, 'dontneed' as const),
      page: fc.integer({ min: 0, max: N + 4 }),
      off: fc.constantFrom(0, 0, 0, 1, 2048),
      len: fc.oneof(
        fc.integer({ min: 0, max: 24 * 4096 }),
        fc.integer({ min: 0, max: 24 }).map((n) => n * 4096),
      ),
    }),
    fc.record({
      k: fc.constant('mprotect' as const),
      page: fc.integer({ min: 0, max: N + 4 }),
      off: fc.constantFrom(0, 0, 0, 1),
      len: fc.oneof(
        fc.integer({ min: 0, max: 24 * 4096 }),
        fc.integer({ min: 0, max: 24 }).map((n) => n * 4096),
      ),
      prot: fc.constantFrom<Prot>('rw', 'r', 'none'),
    }),
    fc.record({ k: fc.constant('write' as const), page: fc.integer({ min: 0, max: N - 1 }) }),
  );

  it("every call returns the kernel's errno and leaves exactly the pages the kernel would change", () => {
    fc.assert(
      fc.property(fc.array(callArb, { minLength: 1, maxLength: 30 }), (calls) => {
        const m = new Machine({ ram: 256 * 1024 * 1024, cpus: 2 });
        m.boot();
        const PS = m.pageSize;
        const t = spawnTask(m, 'P', 0)!;
        const base = doMmap(m, t, N * PS, 'rw', false, false, 0).addr;
        const stackRss = t.mm!.rss[1]!; // the [stack]'s written page
        /** per page: undefined = unmapped */
        const prot: (Prot | undefined)[] = new Array<Prot>(N).fill('rw');
        const written = new Array<boolean>(N).fill(false);
        const mapped = (i: number) => i >= 0 && i < N && prot[i] !== undefined;
        for (const c of calls) {
          if (c.k === 'write') {
            if (prot[c.page] === 'rw') {
              userWrite(m, t, base + c.page * PS, 1, 1, 7, 0);
              written[c.page] = true;
            }
            continue;
          }
          const start = base + c.page * PS + c.off;
          const pages = Math.ceil(c.len / PS);
          const first = c.page;
          let want: string | undefined;
          if (c.off % PS) want = 'EINVAL';
          else if (c.k === 'munmap') {
            if (!c.len) want = 'EINVAL';
            else for (let i = first; i < first + pages && i < N; i++) prot[i] = undefined;
          } else if (c.k === 'mprotect') {
            if (c.len && !mapped(first)) want = 'ENOMEM';
            else
              for (let i = first; i < first + pages; i++) {
                if (!mapped(i)) {
                  want = 'ENOMEM';
                  break;
                }
                prot[i] = c.prot;
              }
          } else if (c.len) {
            for (let i = first; i < first + pages; i++) {
              if (!mapped(i)) want = 'ENOMEM';
              else written[i] = false;
            }
          }
          const got =
            c.k === 'munmap'
              ? sysMunmap(m, t, start, c.len, 0)
              : c.k === 'mprotect'
                ? sysMprotect(m, t, start, c.len, c.prot)
                : sysMadvise(m, t, start, c.len, 'dontneed', 0);
          expect(got, JSON.stringify(c)).toBe(want);
          assertInvariants(m);
          // the VMAs say what the model says, page by page
          for (let i = 0; i < N; i++) {
            const v = findVma(t.mm!, base + i * PS);
            const vp = v ? (v.flags & 2 ? 'rw' : v.flags & 1 ? 'r' : 'none') : undefined;
            expect(vp, `page ${i} after ${JSON.stringify(c)}`).toBe(prot[i]);
          }
          // resident pages: the written, still mapped ones
          const resident = written.filter((w, i) => w && mapped(i)).length;
          expect(t.mm!.rss[1]! - stackRss, `RssAnon after ${JSON.stringify(c)}`).toBe(resident);
        }
        exitTask(m, t, 'exited', 0);
        m.synchronizeRcu();
        expect(m.vmstat.get('nr_anon_pages')).toBe(0);
        expect(m.vmstat.get('nr_page_table_pages')).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it('zero lengths: munmap is EINVAL, mprotect and madvise succeed, and nothing changes', () => {
    const m = new Machine({ ram: 256 * 1024 * 1024, cpus: 2 });
    m.boot();
    const t = spawnTask(m, 'P', 0)!;
    const base = doMmap(m, t, 4 * m.pageSize, 'rw', false, false, 0).addr;
    userWrite(m, t, base, 4 * m.pageSize, m.pageSize, 7, 0);
    const before = JSON.stringify({ vmas: t.mm!.vmas.map((v) => [v.start, v.end, v.flags]), rss: t.mm!.rss });
    expect([
      sysMunmap(m, t, base, 0, 0),
      sysMprotect(m, t, base, 0, 'r'),
      sysMadvise(m, t, base, 0, 'dontneed', 0),
    ]).toEqual(['EINVAL', undefined, undefined]);
    expect(JSON.stringify({ vmas: t.mm!.vmas.map((v) => [v.start, v.end, v.flags]), rss: t.mm!.rss })).toBe(
      before,
    );
  });
});
