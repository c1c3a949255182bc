/**
 * Timeline steps name the frames they touch (src/worker/timeline_frames.ts), so that a step can
 * select its frame in every view: the page a write fault allocates, the table and page a PTE write
 * involves.
 */
import { describe, expect, it } from 'vitest';
import { hostDriver } from './helpers/host_driver.ts';

const driver = () => hostDriver().send;

describe('timeline steps name their frames', () => {
  it('a write fault: the allocated page, its zeroing and refcount, and the PTE that maps it', () => {
    const send = driver();
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    send({ type: 'run', lines: 'spawn A\nA mmap r1 64K rw' });
    send({ type: 'run', lines: 'A read r1 0 4K 4K' }); // the tables exist: the write allocates one page
    send({ type: 'run', lines: 'A write r1 4K 4K 4K 0x2a' });
    const ops = send({ type: 'timeline', op: null }).ops;
    const { steps } = send({ type: 'timeline', op: ops.length - 1 });
    const start = send({ type: 'processes' }).processes.find((p) => p.name === 'A')!.regions[0]!.start;
    const walk = send({ type: 'walk', name: 'A', va: start + 4096 }).levels;
    const page = walk.at(-1)!.target!;
    const table = walk.at(-1)!.tablePfn;

    const allocs = steps.filter((s) => s.fn === 'trace_mm_page_alloc');
    expect(allocs.map((s) => s.frames)).toEqual([[{ pfn: page, role: 'allocated' }]]);
    expect(steps.some((s) => s.frames?.[0]?.pfn === page && s.frames[0].role === 'zeroed')).toBe(true);
    const leaf = steps.filter((s) => s.summary.startsWith('entry ') && s.frames?.[0]?.pfn === page);
    expect(leaf).toHaveLength(1);
    expect(leaf[0]!.frames).toEqual([
      { pfn: page, role: 'mapped by the entry' },
      { pfn: table, role: 'the page table written' },
    ]);
    // Calls and events that name no frame carry none.
    for (const s of steps)
      if (s.kind === 'call' || s.fn === 'add_mm_counter') expect(s.frames).toBeUndefined();
  });
});
