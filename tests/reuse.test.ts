/**
 * controller/reuse.ts: what the worker sends with every reply keeps the references of the parts that
 * did not change, so a view selecting one of them does not re-render; a changed value is never lost.
 */
import { describe, expect, it } from 'vitest';
import { reuse } from '../src/ui/controller/reuse.ts';

describe('reuse (structural sharing of replies)', () => {
  const prev = {
    machine: { generation: 1, steps: [{ name: 'a' }, { name: 'b' }], zeroPagePfn: 5 },
    processes: [
      { name: 'A', rssAnonKb: 8, regions: [{ name: 'r1', len: 4096 }] },
      { name: 'B', rssAnonKb: 4, regions: [{ name: 'r1', len: 4096 }] },
    ],
  };

  it('gives back the old object when the new one is equal', () => {
    const next = structuredClone(prev);
    expect(reuse(prev, next)).toBe(prev);
  });

  it('keeps the unchanged parts and takes the changed values', () => {
    const next = structuredClone(prev);
    next.processes[0]!.rssAnonKb = 12;
    const got = reuse(prev, next);
    expect(got).toEqual(next);
    expect(got).not.toBe(prev);
    expect(got.machine).toBe(prev.machine);
    expect(got.processes).not.toBe(prev.processes);
    expect(got.processes[0]).not.toBe(prev.processes[0]);
    expect(got.processes[0]!.regions).toBe(prev.processes[0]!.regions);
    expect(got.processes[1]).toBe(prev.processes[1]);
  });

  it('notices added and removed keys and elements, and null', () => {
    const longer = structuredClone(prev);
    longer.processes.push({ name: 'C', rssAnonKb: 0, regions: [] });
    expect(reuse(prev, longer).processes).toHaveLength(3);
    const shorter = { ...structuredClone(prev), processes: prev.processes.slice(0, 1) };
    expect(reuse(prev, shorter).processes).toHaveLength(1);
    const extra = { ...structuredClone(prev), huge: 1 } as typeof prev;
    expect(reuse(prev, extra)).toHaveProperty('huge', 1);
    const fewer = { machine: structuredClone(prev.machine) } as typeof prev;
    expect(reuse(prev, fewer)).not.toHaveProperty('processes');
    expect(reuse<{ m: number } | null>({ m: 1 }, null)).toBeNull();
    expect(reuse<{ m: number } | null>(null, { m: 1 })).toEqual({ m: 1 });
  });

  it('takes typed arrays as sent', () => {
    const a = { pfns: new Float64Array([1, 2]) };
    const b = { pfns: new Float64Array([1, 2]) };
    expect(reuse(a, b).pfns).toBe(b.pfns);
  });
});
