/**
 * WriteTracker (src/core/snapshot.ts): a snapshot that trusts the tracker's record of written
 * blocks instead of comparing them restores to the same struct page arrays as one that compares.
 * The timeline's step window runs with watching off (timeline_host.ts WATCH_WRITES); this keeps the
 * watching path exact for when it is turned on.
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../src/core/machine.ts';
import { Snapshotter, WriteTracker, sharedParts } from '../src/core/snapshot.ts';
import { MachineHost } from '../src/worker/host.ts';

function pagesBytes(m: Machine): Buffer[] {
  return Object.values(m.pages).flatMap((v: unknown) =>
    ArrayBuffer.isView(v) ? [Buffer.from(v.buffer, v.byteOffset, v.byteLength)] : [],
  );
}

describe('WriteTracker', () => {
  it('watched writes (faults, a fork, COW, an exit) give the same snapshot as comparing every block', () => {
    const host = new MachineHost(() => {}, { sliceMs: Infinity });
    let seq = 1;
    const send = (body: Record<string, unknown>) => host.handle({ ...body, seq: seq++ });
    send({ type: 'init', config: { arch: 'x86_64', ram: 256 * 2 ** 20, cpus: 2 }, boot: true });
    const h = host.hosted!;
    const share = sharedParts(h.m);
    const watched = new Snapshotter();
    const compared = new Snapshotter();
    watched.take({ m: h.m }, share);
    const tracker = new WriteTracker(h.m.pages);
    let marked = 0;
    for (const lines of [
      'spawn A\nA mmap r1 1M rw\nA write r1 0 1M 4K 0x11',
      'A fork B\nB write r1 0 256K 4K 0x22',
      'B exit\nA munmap r1 0 512K',
    ]) {
      send({ type: 'run', lines });
      for (const d of tracker.dirty.values()) marked += d.reduce((n, x) => n + x, 0);
      const a = tracker.bare(() => watched.take({ m: h.m }, share, tracker));
      tracker.clear();
      const b = tracker.bare(() => compared.take({ m: h.m }, share));
      const ra = watched.restore(a, share).m;
      const rb = compared.restore(b, share).m;
      const live = tracker.bare(() => pagesBytes(h.m));
      expect(pagesBytes(ra)).toEqual(live);
      expect(pagesBytes(rb)).toEqual(live);
    }
    tracker.stop();
    expect(marked).toBeGreaterThan(0);
    // the holder has its arrays back
    expect(Object.values(h.m.pages).every((v) => typeof v === 'number' || ArrayBuffer.isView(v))).toBe(true);
  });
});
