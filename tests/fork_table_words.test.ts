/**
 * fork's copy_pte_range and exit's zap read and write page tables as words of their RAM block
 * (TableWords) when nobody listens, and entry by entry through writeEntry() when a trace sink wants
 * the pte_set events. Both ways must leave the same machine: the same bytes in RAM (page tables
 * included), the same struct page counts and flags, the same RSS — on every page-table format
 * (8- and 4-byte entries, tables smaller and larger than a 4 KiB block).
 */
import { describe, expect, it } from 'vitest';
import type { MachineConfig } from '../src/core/config.ts';
import { exitTask, forkTask, spawnTask } from '../src/core/kernel/fork.ts';
import { Machine } from '../src/core/machine.ts';
import { doMmap } from '../src/core/mm/mmap.ts';
import { MM_ANONPAGES } from '../src/core/mm/mm_types.ts';
import { CHUNK_SIZE } from '../src/core/phys/ram.ts';
import { userRead, userWrite } from '../src/core/user.ts';

const MiB = 1024 * 1024;

/** Fork twice, COW-write on both sides, exit in between: the pages, tables and counts that remain. */
function run(cfg: Partial<MachineConfig>, traced: boolean) {
  const m = new Machine(cfg);
  m.boot();
  let events = 0;
  if (traced) m.trace.subscribe(() => events++);
  const ps = m.pageSize;
  const parent = spawnTask(m, 'parent', 0)!;
  const len = 4 * MiB;
  const { addr } = doMmap(m, parent, len, 'rw', false, false, 0);
  userWrite(m, parent, addr, len, ps, 7, 0);
  // a hole of untouched pages in the middle and zero-page mappings after it
  userRead(m, parent, addr + len / 2, ps * 8, ps, 0);
  const child = forkTask(m, parent, 'child', 0)!;
  userWrite(m, child, addr, len / 4, ps, 9, 0); // COW copies in the child
  userWrite(m, parent, addr + len / 4, len / 4, ps, 5, 0); // and in the parent
  const grandchild = forkTask(m, child, 'grandchild', 0)!;
  exitTask(m, child, 'done', 0);
  m.synchronizeRcu();
  const rss = [parent, grandchild].map((t) => [...t.mm!.rss]);
  return { m, events, rss };
}

/** Every RAM chunk's bytes (an unbacked chunk reads as zeros). */
function sameRam(a: Machine, b: Machine): number[] {
  const differ: number[] = [];
  const zero = new Uint8Array(CHUNK_SIZE);
  for (let ci = 0; ci < a.ram.size / CHUNK_SIZE; ci++) {
    const x = a.ram.chunkAt(ci)?.chunk ?? zero;
    const y = b.ram.chunkAt(ci)?.chunk ?? zero;
    if (x !== y && Buffer.compare(x, y) !== 0) differ.push(ci);
  }
  return differ;
}

describe('fork and exit: page tables written as words or entry by entry leave the same machine', () => {
  const arches: [string, Partial<MachineConfig>][] = [
    ['x86_64', {}],
    ['arm64 4K', { arch: 'arm64', granule: 4 }],
    ['arm64 64K (tables of 16 blocks)', { arch: 'arm64', granule: 64, ram: 2 * 1024 * MiB }],
    ['arm (4-byte PTEs, 2 KiB tables)', { arch: 'arm' }],
    ['sparc64 (8 KiB tables)', { arch: 'sparc64' }],
    ['mips (4-byte entries)', { arch: 'mips' }],
    ['s390 (empty PTEs are not zero)', { arch: 's390' }],
  ];
  for (const [name, cfg] of arches) {
    it(name, () => {
      const words = run(cfg, false);
      const entries = run(cfg, true);
      expect(entries.events).toBeGreaterThan(0);
      expect(words.rss).toEqual(entries.rss);
      expect(words.rss[1]![MM_ANONPAGES]).toBeGreaterThan(0); // the grandchild maps anon pages
      expect(sameRam(words.m, entries.m)).toEqual([]);
      const [p, q] = [words.m.pages, entries.m.pages];
      expect(Buffer.compare(Buffer.from(p.refcount.buffer), Buffer.from(q.refcount.buffer))).toBe(0);
      expect(Buffer.compare(Buffer.from(p.mapcount.buffer), Buffer.from(q.mapcount.buffer))).toBe(0);
      expect(Buffer.compare(Buffer.from(p.flags.buffer), Buffer.from(q.flags.buffer))).toBe(0);
    });
  }
});
