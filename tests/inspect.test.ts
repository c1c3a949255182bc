import { describe, expect, it } from 'vitest';
import { describeWalk } from '../src/core/inspect.ts';
import { decodeKpageflags, describeFreeLists, inspectFrame, rmapOf } from '../src/core/inspect_frame.ts';
import { pagetypeinfo } from '../src/core/proc/buddyinfo.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { assertInvariants } from '../src/core/check.ts';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

function run(text: string) {
  const r = runScenario(text, { out: () => {} });
  if (r.exitCode !== 0) throw new Error(`scenario failed: ${r.exitCode}`);
  const m = r.machine!;
  assertInvariants(m);
  return { m, session: r.session };
}

/** The pfn a process's page maps, from its page-table walk. */
function pfnAt(m: ReturnType<typeof run>['m'], task: Parameters<typeof describeWalk>[1], va: number): number {
  const w = describeWalk(m, task, va);
  return w[w.length - 1]!.target!;
}

describe('frame inspector', () => {
  it('decodes /proc/kpageflags bits by their KPF_* names (6.18 numbering)', () => {
    // bits 10 BUDDY, 12 ANON, 24 ZERO_PAGE, 26 PGTABLE, 34 OWNER_2
    const v = (1n << 10n) | (1n << 12n) | (1n << 24n) | (1n << 26n) | (1n << 34n) | (1n << 50n);
    expect(decodeKpageflags(v)).toEqual([
      { bit: 10, name: 'KPF_BUDDY' },
      { bit: 12, name: 'KPF_ANON' },
      { bit: 24, name: 'KPF_ZERO_PAGE' },
      { bit: 26, name: 'KPF_PGTABLE' },
      { bit: 34, name: 'KPF_OWNER_2' },
      { bit: 50, name: 'KPF_bit50' },
    ]);
  });

  it('an anonymous page written once: kpageflags ANON|MMAP|..., kpagecount 1, and the written byte at its offset', () => {
    const { m, session } = run(`machine ram=256M
boot
spawn A
A mmap r1 64K rw
A write r1 0x1234 1 1 0xab
`);
    const a = session.procs.get('A')!;
    const va = a.regions.get('r1')!.start + 0x1000;
    const pfn = pfnAt(m, a.task, va);
    const f = inspectFrame(m, pfn);
    const names = f.kpageflagNames.map((b) => b.name);
    expect(names).toContain('KPF_ANON');
    expect(names).toContain('KPF_MMAP');
    expect(names).not.toContain('KPF_BUDDY');
    expect(f.kpagecount).toBe(1);
    expect(f.bytes.length).toBe(4096);
    expect(f.bytes[0x234]).toBe(0xab);
    expect(f.bytes.reduce((s, b) => s + b, 0)).toBe(0xab); // the rest of the fresh page is zero
    expect(f.rmap).toEqual([{ pid: a.task.pid, comm: 'A', va, vma: '', via: 'PTE', writable: true }]);
    expect(f.block).toEqual({ kind: 'allocated', headPfn: pfn, order: 0, compound: false });
  });

  it('after fork both processes map the frame (read-only, COW) and kpagecount says 2', () => {
    const { m, session } = run(`machine ram=256M
boot
spawn A
A mmap r1 64K rw
A write r1 0 1 1 7
A fork B
`);
    const a = session.procs.get('A')!;
    const b = session.procs.get('B')!;
    const va = a.regions.get('r1')!.start;
    const pfn = pfnAt(m, a.task, va);
    expect(pfnAt(m, b.task, va)).toBe(pfn);
    const r = rmapOf(m, pfn);
    expect(r.total).toBe(2);
    expect(r.entries.map((e) => [e.pid, e.comm, e.va, e.via, e.writable])).toEqual([
      [a.task.pid, 'A', va, 'PTE', false],
      [b.task.pid, 'B', va, 'PTE', false],
    ]);
    expect(inspectFrame(m, pfn).kpagecount).toBe(2);
  });

  it('the zero page behind 300 read-faulted pages: 256 mappings listed, the listing says there are more', () => {
    const { m, session } = run(`machine ram=256M
boot
spawn A
A mmap r1 2M rw
A read r1 0 1200K 4K
`);
    const a = session.procs.get('A')!;
    const f = inspectFrame(m, m.zeroPfn(0));
    expect(f.rmap.length).toBe(256);
    expect(f.rmapComplete).toBe(false);
    expect(f.rmapTotal).toBe(257);
    expect(f.rmap[0]).toEqual({
      pid: a.task.pid,
      comm: 'A',
      va: a.regions.get('r1')!.start,
      vma: '',
      via: 'PTE',
      writable: false,
    });
    expect(f.kpageflagNames.map((b) => b.name)).toContain('KPF_ZERO_PAGE');
  });

  it('a THP subpage is mapped by a PMD: the rmap gives the subpage address and says PMD', () => {
    const { m, session } = run(`machine ram=1G thp=madvise
boot
spawn A
A mmap r1 4M rw
A madvise r1 0 4M hugepage
A write r1 0x3000 1 1 9
`);
    const a = session.procs.get('A')!;
    const va = a.regions.get('r1')!.start + 0x3000;
    const w = describeWalk(m, a.task, va);
    expect(w.map((l) => l.level)).toEqual(['PGD', 'PUD', 'PMD']); // the walk ends at the huge PMD
    const pfn = w[2]!.target! + 3;
    const f = inspectFrame(m, pfn);
    expect(f.rmap).toEqual([{ pid: a.task.pid, comm: 'A', va, vma: '', via: 'PMD', writable: true }]);
    expect(f.kpageflagNames.map((b) => b.name)).toEqual(
      expect.arrayContaining(['KPF_THP', 'KPF_COMPOUND_TAIL']),
    );
    expect(f.block).toEqual({ kind: 'allocated', headPfn: w[2]!.target!, order: 9, compound: true });
    expect(f.bytes[0]).toBe(9);
  });

  it('MIPS (32-bit PTEs): the rmap finds both processes after fork', () => {
    const { m, session } = run(`machine arch=mips
boot
spawn A
A mmap r1 64K rw
A write r1 0x2000 1 1 1
A fork B
`);
    const a = session.procs.get('A')!;
    const va = a.regions.get('r1')!.start + 0x2000;
    const pfn = pfnAt(m, a.task, va);
    expect(inspectFrame(m, pfn).rmap.map((r) => [r.comm, r.va, r.via])).toEqual([
      ['A', va, 'PTE'],
      ['B', va, 'PTE'],
    ]);
  });

  it('a free pfn inside a buddy block names the block head, its order and the free list holding it', () => {
    const { m } = run(`machine ram=256M
boot
alloc k1 order=3
free k1
`);
    // find any free order>=2 block in the buddy lists and look at a pfn in its middle
    const zones = describeFreeLists(m);
    const list = zones
      .flatMap((z) => z.lists.map((l) => ({ z, l })))
      .find((x) => x.l.order >= 2 && x.l.count > 0)!;
    const head = list.l.first[0]!;
    const inside = head + 3;
    const f = inspectFrame(m, inside);
    expect(f.block).toEqual({
      kind: 'free',
      headPfn: head,
      order: list.l.order,
      where: 'buddy',
      list: { zone: list.z.zone, order: list.l.order, freetype: list.l.freetype, cpu: null, position: 0 },
    });
    expect(f.kpageflagNames.map((b) => b.name)).not.toContain('KPF_BUDDY'); // only the head is PageBuddy
    expect(inspectFrame(m, head).kpageflagNames.map((b) => b.name)).toContain('KPF_BUDDY');
    expect(f.kpagecount).toBe(0);
  });

  it('free-list counts equal /proc/pagetypeinfo and the order sums equal buddyinfo', () => {
    const { m } = run(`machine ram=512M
boot
alloc k1 order=0
alloc k2 order=5
free k1
`);
    const text = pagetypeinfo(m);
    for (const z of describeFreeLists(m)) {
      for (const mt of ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']) {
        const row = text
          .split('\n')
          .find((l) => l.includes(`zone ${z.zone.padStart(8)}, type ${mt.padStart(12)}`))!;
        const counts = row.trim().split(/\s+/).slice(-z.nrFree.length).map(Number);
        expect(z.lists.filter((l) => l.freetype === mt).map((l) => l.count)).toEqual(counts);
      }
      z.nrFree.forEach((n, o) =>
        expect(z.lists.filter((l) => l.order === o).reduce((s, l) => s + l.count, 0)).toBe(n),
      );
    }
    // the page freed by k1 went to CPU 0's pcp list (order 0)
    const pcpPages = describeFreeLists(m)
      .flatMap((z) => z.pcp)
      .reduce((s, c) => s + c.count, 0);
    expect(pcpPages).toBeGreaterThan(0);
  });
});

describe('free lists with __GFP_UNMAPPED', () => {
  it('page_alloc_unmapped=yes adds the Unmapped freetype, counted as pagetypeinfo counts it', () => {
    const { m } = run(`machine cpus=2 page_alloc_unmapped=yes
boot
spawn A
alloc k1 order=3 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO
`);
    const text = pagetypeinfo(m);
    let unmappedBlocks = 0;
    for (const z of describeFreeLists(m)) {
      const lists = z.lists.filter((l) => l.freetype === 'Unmapped');
      expect(lists.length).toBe(z.nrFree.length);
      const row = text
        .split('\n')
        .find((l) => l.includes(`zone ${z.zone.padStart(8)}, type ${'Unmapped'.padStart(12)}`))!;
      expect(lists.map((l) => l.count)).toEqual(row.trim().split(/\s+/).slice(-z.nrFree.length).map(Number));
      unmappedBlocks += lists.reduce((s, l) => s + l.count, 0);
    }
    // the rest of the pageblock k1 came from stays on the Unmapped lists
    expect(unmappedBlocks).toBeGreaterThan(0);
  });
});

describe('page-table walk decoding', () => {
  it('x86-64: PGD..PTE with P RW US A D NX on a written anonymous page, each level pointing at the next table', () => {
    const { m, session } = run(`machine ram=256M
boot
spawn A
A mmap r1 64K rw
A write r1 0 1 1 1
`);
    const a = session.procs.get('A')!;
    const w = describeWalk(m, a.task, a.regions.get('r1')!.start);
    expect(w.map((l) => l.level)).toEqual(['PGD', 'PUD', 'PMD', 'PTE']);
    for (let i = 0; i < 3; i++) expect(w[i]!.target).toBe(w[i + 1]!.tablePfn);
    expect(w[3]!.bits).toEqual(expect.arrayContaining(['P', 'RW', 'US', 'A', 'D', 'NX']));
    expect(w[3]!.bits).not.toContain('SPECIAL');
  });

  it('x86-64: a read of untouched memory maps the zero page: P US SPECIAL, not RW', () => {
    const { m, session } = run(`machine ram=256M
boot
spawn A
A mmap r1 64K rw
A read r1 0 1 1
`);
    const a = session.procs.get('A')!;
    const w = describeWalk(m, a.task, a.regions.get('r1')!.start);
    const leaf = w[w.length - 1]!;
    expect(leaf.bits).toEqual(expect.arrayContaining(['P', 'US', 'SPECIAL']));
    expect(leaf.bits).not.toContain('RW');
    expect(m.isZeroPfn(leaf.target!)).toBe(true);
  });

  it('arm64: the leaf PTE of a written page says VALID PAGE USER(AP1) AF DBM(WRITE), not RDONLY', () => {
    const { m, session } = run(`machine arch=arm64 ram=256M
boot
spawn A
A mmap r1 64K rw
A write r1 0 1 1 1
`);
    const a = session.procs.get('A')!;
    const w = describeWalk(m, a.task, a.regions.get('r1')!.start);
    expect(w.map((l) => l.level)).toEqual(['PGD (L0)', 'PUD (L1)', 'PMD (L2)', 'PTE (L3)']);
    expect(w[0]!.bits).toEqual(expect.arrayContaining(['VALID', 'TABLE']));
    const leaf = w[3]!.bits;
    expect(leaf).toEqual(expect.arrayContaining(['VALID', 'PAGE', 'USER(AP1)', 'AF', 'DBM(WRITE)']));
    expect(leaf).not.toContain('RDONLY(AP2)');
    expect(inspectFrame(m, w[3]!.target!).rmap.map((r) => r.comm)).toEqual(['A']);
  });
});

describe('the worker answers inspectFrame and freeLists', () => {
  it('replies with the written byte in the frame bytes, the process in the rmap, and a clear error for a bad pfn', async () => {
    const client = new MachineClient(inProcessTransport());
    await client.init({ ram: 256 * 2 ** 20 });
    await client.run('spawn A\nA mmap r1 64K rw\nA write r1 0x10 1 1 0x5a');
    const pages = await client.processPages('A', 'r1');
    const pfn = new Float64Array(pages.pfns)[0]!;
    const r = await client.inspectFrame(pfn);
    expect(new Uint8Array(r.bytes)[0x10]).toBe(0x5a);
    expect(r.rmap.map((e) => [e.comm, e.va])).toEqual([['A', pages.start]]);
    expect(r.page.state).not.toBe('free');
    await expect(client.inspectFrame(-1)).rejects.toThrow(/pfn -1 is not a frame of this machine/);
    await expect(client.inspectFrame(1e12)).rejects.toThrow(/not a frame/);
    const fl = await client.freeLists();
    expect(fl.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32']); // 256 MiB: no ZONE_NORMAL
    // the worker is still alive after the bad requests
    expect((await client.inspectFrame(pfn)).kpagecount).toBe(1);
    client.close();
  });
});
