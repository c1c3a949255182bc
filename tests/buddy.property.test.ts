import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { Machine } from '../src/core/machine.ts';
import { GFP, GFP_MASKS } from '../src/core/mm/gfp.ts';
import { NR_FREETYPE_IDXS } from '../src/core/mm/mmzone.ts';
import { PG } from '../src/core/phys/page.ts';
import { readProc } from '../src/core/proc/index.ts';

const MiB = 1024 * 1024;

type Cmd =
  | { kind: 'alloc'; order: number; gfp: number; cpu: number }
  | { kind: 'free'; pick: number; cpu: number }
  | { kind: 'drain' };

const GFPS = [
  GFP_MASKS['GFP_KERNEL']!,
  GFP_MASKS['GFP_HIGHUSER_MOVABLE']!,
  GFP_MASKS['GFP_KERNEL']! | GFP.__GFP_RECLAIMABLE,
  GFP_MASKS['GFP_KERNEL']! | GFP.__GFP_ZERO,
  GFP_MASKS['GFP_KERNEL']! | GFP.__GFP_DMA,
  GFP_MASKS['GFP_KERNEL']! | GFP.__GFP_DMA32 | GFP.__GFP_MOVABLE,
  GFP_MASKS['GFP_ATOMIC']!,
];

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('alloc' as const),
      // low orders dominate, as in a real kernel; every order 0..10 can occur
      order: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
        { weight: 2, arbitrary: fc.integer({ min: 4, max: 10 }) },
      ),
      gfp: fc.constantFrom(...GFPS),
      cpu: fc.integer({ min: 0, max: 1 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('free' as const),
      pick: fc.nat(),
      cpu: fc.integer({ min: 0, max: 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);

/** Free blocks as the lists hold them: "zone/order/freetype/pfn". */
function freeBlocks(m: Machine): Set<string> {
  const out = new Set<string>();
  for (const z of m.alloc.zones)
    for (let o = 0; o <= m.arch.maxPageOrder; o++)
      for (let ft = 0; ft < NR_FREETYPE_IDXS; ft++)
        for (const pfn of m.pages.listEntries(z.freeList(o, ft))) out.add(`${z.name}/${o}/${ft}/${pfn}`);
  return out;
}

/** Every free pfn, in the buddy lists or on a pcp list. */
function freePfns(m: Machine): string {
  const p = m.pages;
  const free = new Uint8Array(p.nrPages);
  for (let pfn = 0; pfn < p.nrPages; pfn++) {
    if (p.flags[pfn]! & (PG.buddy | PG.pcp)) free.fill(1, pfn, pfn + (1 << p.order[pfn]!));
  }
  return Buffer.from(free).toString('base64');
}

function apply(m: Machine, live: { pfn: number; order: number }[], c: Cmd): void {
  if (c.kind === 'alloc') {
    const pfn = m.alloc.allocPages(c.gfp | GFP.__GFP_NOWARN, c.order, c.cpu);
    if (pfn < 0) return;
    if (c.gfp & GFP.__GFP_ZERO) expect(m.ram.isZero(pfn * 4096, 4096 << c.order)).toBe(true);
    // Dirty the pages, so that a later __GFP_ZERO allocation of them must really zero them.
    m.ram.writeU8(pfn * 4096 + 17, 0xee);
    live.push({ pfn, order: c.order });
  } else if (c.kind === 'free') {
    if (!live.length) return;
    const [a] = live.splice(c.pick % live.length, 1);
    m.alloc.freePages(a!.pfn, a!.order, c.cpu);
  } else m.alloc.drainAllPages();
}

function fingerprint(m: Machine): string {
  const parts = [
    m.pages.flags,
    m.pages.order,
    m.pages.refcount,
    m.pages.next,
    m.pages.prev,
    m.pageblocks.bits,
  ].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'));
  return parts.join('|') + readProc(m, '/proc/zoneinfo');
}

describe('buddy allocator properties', () => {
  it('keeps every invariant after every step; events describe every free-list change; freeing all restores boot state', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 40 }), (cmds) => {
        const m = new Machine({ ram: 128 * MiB, cpus: 2 });
        m.boot();
        const bootFree = freePfns(m);
        m.alloc.drainAllPages();
        const bootBuddyinfo = readProc(m, '/proc/buddyinfo');
        // Rebuild the free lists from nothing but the events.
        const shadow = freeBlocks(m);
        m.trace.subscribe((e) => {
          if (e.type === 'free_list_add') shadow.add(`${e.zone}/${e.order}/${e.freetype}/${e.pfn}`);
          if (e.type === 'free_list_del')
            expect(shadow.delete(`${e.zone}/${e.order}/${e.freetype}/${e.pfn}`)).toBe(true);
        });
        const live: { pfn: number; order: number }[] = [];
        for (const c of cmds) {
          apply(m, live, c);
          assertInvariants(m);
          expect(shadow).toEqual(freeBlocks(m));
        }
        for (const a of live) m.alloc.freePages(a.pfn, a.order, 0);
        assertInvariants(m);
        m.alloc.drainAllPages();
        assertInvariants(m);
        // Every page allocated since boot is free again, and buddy merging rebuilt the same blocks.
        expect(readProc(m, '/proc/buddyinfo')).toBe(bootBuddyinfo);
        expect(freePfns(m)).toBe(bootFree);
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic: the same operations give bit-identical state', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 30 }), (cmds) => {
        const run = () => {
          const m = new Machine({ ram: 128 * MiB, cpus: 2 });
          m.boot();
          const live: { pfn: number; order: number }[] = [];
          for (const c of cmds) apply(m, live, c);
          return fingerprint(m);
        };
        expect(run()).toBe(run());
      }),
      { numRuns: 20 },
    );
  });
});
