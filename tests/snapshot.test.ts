/**
 * Snapshots (src/core/snapshot.ts) and the frozen RAM they hold (src/core/phys/ram.ts): what a
 * checkpoint shares with the previous one, and restores that reuse a let-go machine's buffers.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/core/machine.ts';
import { CHUNK_SIZE, PhysicalRam, TABLE_BLOCK } from '../src/core/phys/ram.ts';
import { Snapshotter, sharedParts } from '../src/core/snapshot.ts';

describe('frozen RAM: a chunk table kept in blocks', () => {
  it('a freeze shares the table blocks that did not change since the last; a thaw reads what was frozen', () => {
    const ram = new PhysicalRam(4 * TABLE_BLOCK * CHUNK_SIZE);
    ram.writeU8(5, 0x11);
    ram.writeU8(3 * TABLE_BLOCK * CHUNK_SIZE + 9, 0x22);
    const a = ram.freeze();
    expect(a.table).toHaveLength(4);
    // a write in the second table block only
    ram.writeU8(TABLE_BLOCK * CHUNK_SIZE + 1, 0x33);
    // a write to a chunk the freeze shares copies it (the frozen one keeps its byte)
    ram.writeU8(6, 0x44);
    const b = ram.freeze(a);
    expect(b.table[0]).not.toBe(a.table[0]);
    expect(b.table[1]).not.toBe(a.table[1]);
    expect(b.table[2]).toBe(a.table[2]);
    expect(b.table[3]).toBe(a.table[3]);

    const ta = a.thaw();
    expect([ta.readU8(5), ta.readU8(6), ta.readU8(TABLE_BLOCK * CHUNK_SIZE + 1)]).toEqual([0x11, 0, 0]);
    expect(ta.readU8(3 * TABLE_BLOCK * CHUNK_SIZE + 9)).toBe(0x22);
    const tb = b.thaw();
    expect([tb.readU8(5), tb.readU8(6), tb.readU8(TABLE_BLOCK * CHUNK_SIZE + 1)]).toEqual([0x11, 0x44, 0x33]);
    expect(tb.backedChunks).toBe(ram.backedChunks);

    // thawed RAMs are independent of each other, of the frozen tables and of the original
    tb.writeU8(5, 0x55);
    ram.writeU8(5, 0x66);
    expect([ta.readU8(5), tb.readU8(5), ram.readU8(5), b.thaw().readU8(5)]).toEqual([0x11, 0x55, 0x66, 0x11]);
  });
});

describe('frozen RAM: a RAM let go takes another frozen table in place', () => {
  it('copies the table blocks that differ or that it changed itself, and reads as a new thaw does', () => {
    const at = (b: number) => b * TABLE_BLOCK * CHUNK_SIZE + 3;
    const ram = new PhysicalRam(4 * TABLE_BLOCK * CHUNK_SIZE);
    for (let b = 0; b < 4; b++) ram.writeU8(at(b), 0x10 + b);
    const x = ram.freeze();
    ram.writeU8(at(1), 0x21); // block 1 differs between x and y
    ram.clear(at(3) - 3, CHUNK_SIZE); // block 3 too: a chunk given back
    const y = ram.freeze(x);
    expect(y.table[2]).toBe(x.table[2]);
    const d = x.thaw();
    d.writeU8(at(2), 0x99); // the let-go RAM changed block 2, which x and y share
    d.writeU8(at(0) + CHUNK_SIZE, 0x77); // and backed a new chunk in block 0
    const e = y.thaw(d);
    expect(e).toBe(d);
    const want = y.thaw();
    for (let b = 0; b < 4; b++) expect(e.readU8(at(b)), `block ${b}`).toBe(want.readU8(at(b)));
    expect(e.readU8(at(0) + CHUNK_SIZE)).toBe(0);
    expect([e.backedChunks, e.cowCopies]).toEqual([want.backedChunks, 0]);
    // and it is copy-on-write again: a write does not reach the frozen table
    e.writeU8(at(1), 0x55);
    expect(y.thaw().readU8(at(1))).toBe(0x21);
    expect(ram.readU8(at(1))).toBe(0x21);
  });
});

describe('snapshots: restoring into the buffers of a machine let go', () => {
  it('gives the same machine as a restore into new buffers, and leaves the snapshot as it was', () => {
    const m = new Machine({ ram: 256 * 2 ** 20, cpus: 2 });
    m.boot();
    const share = sharedParts(m);
    const snaps = new Snapshotter();
    const snap = snaps.take(m, share);
    const fresh = snaps.restore(snap, share);
    // a second machine, changed, then let go: its arrays hold other bytes
    const other = snaps.restore(snap, share);
    other.pages.refcount.fill(7);
    other.pages.flags.fill(0xffff);
    const theirs = new Set(
      Object.values(other.pages).flatMap((v) => (ArrayBuffer.isView(v) ? [v.buffer] : [])),
    );
    snaps.recycle(other, share);
    expect(snaps.pooledBytes).toBeGreaterThan(0);
    const reused = snaps.restore(snap, share);
    expect(theirs.has(reused.pages.flags.buffer)).toBe(true);
    expect(theirs.has(reused.pages.next.buffer)).toBe(true);
    expect(snaps.pooledBytes).toBe(0);
    for (const k of ['flags', 'refcount', 'mapcount', 'order', 'owner', 'next', 'prev'] as const) {
      const want = fresh.pages[k];
      expect(Buffer.compare(bytes(reused.pages[k]), bytes(want)), k).toBe(0);
      expect(Buffer.compare(bytes(m.pages[k]), bytes(want)), k).toBe(0);
    }
    // RAM is never pooled: its chunks are shared copy-on-write with the snapshot
    snaps.recycle(reused, share);
    reused.ram.writeU8(0, 1);
    expect(snaps.restore(snap, share).ram.readU8(0)).toBe(m.ram.readU8(0));
  });
});

const bytes = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
