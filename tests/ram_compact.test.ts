/**
 * PhysicalRam.compact(): written RAM stored compactly when cold (issue #13). What a learner checks:
 * the bytes read back are the bytes written, whatever was compacted, forked or written again; and
 * what the host holds for a big uniform write is a few chunks, not a GiB.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, PhysicalRam } from '../src/core/phys/ram.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PAGE = 4096;

/** The bytes of `a` as a Buffer (no copy), for Buffer.compare. */
function buf(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Buffers the RAM holds, each once (what hostBytes counts). */
function distinctBuffers(ram: PhysicalRam): number {
  return new Set(ram.backed()).size;
}

/** backedChunks counts each buffer once; dedupedChunks the chunks that have none of their own. */
function expectCounts(ram: PhysicalRam): void {
  const all = ram.backed();
  expect(ram.backedChunks).toBe(new Set(all).size);
  expect(ram.dedupedChunks).toBe(all.length - new Set(all).size);
  expect(ram.hostBytes()).toBe(ram.tableBytes() + ram.backedChunks * CHUNK_SIZE);
}

describe('PhysicalRam.compact: a big uniform write costs a few chunks', () => {
  it('1 GiB filled with one byte value on a 64 GiB RAM holds one chunk after compaction and reads back byte-exact', () => {
    const ram = new PhysicalRam(64 * GiB);
    const base = 3 * GiB;
    const src = 60 * GiB; // a page of 0x5a to copy from, as a fill would store
    for (let i = 0; i < PAGE; i++) ram.writeU8(src + i, 0x5a);
    // written in "statements" of 64 MiB, compacted after each (as the hosts do)
    let peak = 0;
    for (let s = 0; s < GiB; s += 64 * MiB) {
      for (let a = s; a < s + 64 * MiB; a += PAGE) ram.copyPage(base + a, src, PAGE);
      peak = Math.max(peak, ram.hostBytes());
      ram.compact();
    }
    expectCounts(ram);
    // the source chunk (16 pages, one written) and one buffer every filled chunk shares
    expect(ram.backedChunks).toBe(2);
    expect(ram.hostBytes() - ram.tableBytes()).toBe(2 * CHUNK_SIZE);
    expect(peak - ram.tableBytes()).toBeLessThanOrEqual(64 * MiB + 2 * CHUNK_SIZE);
    expect(ram.dedupedChunks).toBe(GiB / CHUNK_SIZE - 1);
    const want = Buffer.alloc(CHUNK_SIZE, 0x5a);
    for (let a = base; a < base + GiB; a += CHUNK_SIZE)
      if (Buffer.compare(buf(ram.read(a, CHUNK_SIZE)), want) !== 0) throw new Error(`chunk at ${a} differs`);
    expect(ram.readU8(base - 1)).toBe(0);
    expect(ram.readU8(base + GiB)).toBe(0);
  });

  it('one byte in every page (write r1 0 1G 4K 0x41) over 1 GiB is one shared buffer too', () => {
    const ram = new PhysicalRam(16 * GiB);
    for (let a = 0; a < GiB; a += PAGE) ram.writeU8(a, 0x41);
    expect(ram.backedChunks).toBe(GiB / CHUNK_SIZE);
    expect(ram.compact()).toBe(GiB / CHUNK_SIZE - 1);
    expect(ram.backedChunks).toBe(1);
    expectCounts(ram);
    for (let a = 0; a < GiB; a += 1999 * 64) {
      const page = Math.floor(a / PAGE) * PAGE;
      expect(ram.readU8(a)).toBe(a === page ? 0x41 : 0);
      expect(ram.readU8(page)).toBe(0x41);
    }
  });

  it('a chunk written back to zeros costs nothing after compaction; compaction looks only at chunks written since', () => {
    const ram = new PhysicalRam(8 * CHUNK_SIZE);
    ram.writeU32(CHUNK_SIZE + 8, 0xdeadbeef);
    ram.writeU32(2 * CHUNK_SIZE, 7);
    ram.compact();
    expect(ram.backedChunks).toBe(2);
    ram.writeU32(CHUNK_SIZE + 8, 0); // the same block written: no clear of a whole block
    const zeroed = ram.zeroedChunks;
    expect(ram.compact()).toBe(1);
    expect(ram.isBacked(CHUNK_SIZE)).toBe(false);
    expect(ram.zeroedChunks).toBe(zeroed + 1);
    expect(ram.readU32(2 * CHUNK_SIZE)).toBe(7);
    expect(ram.compact()).toBe(0);
  });
});

describe('PhysicalRam.compact: writes after compaction', () => {
  function twoEqualChunks(): PhysicalRam {
    const ram = new PhysicalRam(8 * CHUNK_SIZE);
    for (const c of [1, 3])
      for (let i = 0; i < CHUNK_SIZE; i += 4) ram.writeU32(c * CHUNK_SIZE + i, 0x01020304);
    ram.compact();
    expect(ram.backedChunks).toBe(1);
    expect(ram.dedupedChunks).toBe(1);
    return ram;
  }

  it('a write into a shared compacted chunk copies it: the write lands there only, the other keeps its bytes', () => {
    const ram = twoEqualChunks();
    ram.writeU8(3 * CHUNK_SIZE + 100, 0xff);
    expect(ram.readU8(3 * CHUNK_SIZE + 100)).toBe(0xff);
    expect(ram.readU8(1 * CHUNK_SIZE + 100)).toBe(0x04);
    expect(ram.readU32(3 * CHUNK_SIZE + 104)).toBe(0x01020304);
    expect(ram.backedChunks).toBe(2);
    expect(ram.dedupedChunks).toBe(0);
    expectCounts(ram);
    // the last user of the buffer writes too: still two buffers, each chunk its own
    ram.writeU64(1 * CHUNK_SIZE, 0x1122334455667788n);
    expect(ram.readU64(1 * CHUNK_SIZE)).toBe(0x1122334455667788n);
    expect(ram.readU8(3 * CHUNK_SIZE)).toBe(0x04);
    expectCounts(ram);
    expect(ram.backedChunks).toBe(2);
  });

  it('clearing a compacted chunk whole, or partly, keeps the other users and the counts right', () => {
    const ram = twoEqualChunks();
    ram.clear(1 * CHUNK_SIZE, CHUNK_SIZE);
    expect(ram.isBacked(CHUNK_SIZE)).toBe(false);
    expect(ram.readU32(3 * CHUNK_SIZE + 40)).toBe(0x01020304);
    expectCounts(ram);
    expect(ram.backedChunks).toBe(1);
    ram.clearPage(3 * CHUNK_SIZE + PAGE, PAGE);
    expect(ram.isZero(3 * CHUNK_SIZE + PAGE, PAGE)).toBe(true);
    expect(ram.readU32(3 * CHUNK_SIZE)).toBe(0x01020304);
    expectCounts(ram);
  });

  it('a chunk compaction found unique is looked at again after its next write', () => {
    const ram = new PhysicalRam(4 * CHUNK_SIZE);
    ram.writeU8(5, 1);
    ram.writeU8(CHUNK_SIZE + 5, 2);
    ram.compact();
    expect(ram.backedChunks).toBe(2);
    ram.writeU8(CHUNK_SIZE + 5, 1); // now equal to chunk 0
    expect(ram.compact()).toBe(1);
    expect(ram.backedChunks).toBe(1);
    expect(ram.readU8(CHUNK_SIZE + 5)).toBe(1);
  });
});

describe('PhysicalRam.compact: forks (timeline checkpoints) sharing compacted chunks', () => {
  it('a fork and the original stay independent, and the timeline hears only when a buffer leaves the RAM', () => {
    const ram = new PhysicalRam(8 * CHUNK_SIZE);
    for (const c of [0, 2, 4]) for (let i = 0; i < CHUNK_SIZE; i += PAGE) ram.writeU8(c * CHUNK_SIZE + i, 9);
    ram.compact();
    expect(ram.backedChunks).toBe(1);
    const released: Uint8Array[] = [];
    ram.onRelease = (c) => released.push(c);
    const fork = ram.fork();
    expect(fork.backedChunks).toBe(1);
    expect(fork.dedupedChunks).toBe(2);
    ram.writeU8(2 * CHUNK_SIZE, 1);
    expect(released).toEqual([]); // chunks 0 and 4 still use the buffer
    fork.writeU8(4 * CHUNK_SIZE + PAGE, 2);
    expect(ram.readU8(2 * CHUNK_SIZE)).toBe(1);
    expect(fork.readU8(2 * CHUNK_SIZE)).toBe(9);
    expect(ram.readU8(4 * CHUNK_SIZE + PAGE)).toBe(9);
    expect(fork.readU8(4 * CHUNK_SIZE + PAGE)).toBe(2);
    ram.clear(0, CHUNK_SIZE);
    ram.writeU8(4 * CHUNK_SIZE + 1, 3); // the last user of the buffer in `ram`
    expect(released.length).toBe(1);
    expect(fork.readU8(0)).toBe(9);
    expect(fork.readU8(4 * CHUNK_SIZE + 1)).toBe(0);
    for (const r of [ram, fork]) expectCounts(r);
    // compaction in the fork does not touch the original
    fork.writeU8(2 * CHUNK_SIZE + PAGE, 0);
    fork.compact();
    expect(ram.readU8(2 * CHUNK_SIZE + PAGE)).toBe(9);
    expect(fork.readU8(2 * CHUNK_SIZE + PAGE)).toBe(0);
  });

  it('a chunk written, then forked before compaction, is left to the fork as it is', () => {
    const ram = new PhysicalRam(4 * CHUNK_SIZE);
    ram.writeU8(0, 1);
    ram.writeU8(CHUNK_SIZE, 1);
    const fork = ram.fork();
    expect(ram.compact()).toBe(0);
    expect(ram.backedChunks).toBe(2);
    ram.writeU8(7, 0);
    expect(fork.readU8(0)).toBe(1);
    expect(ram.readU8(0)).toBe(1);
    expect(distinctBuffers(fork)).toBe(2);
  });
});

type Op =
  | { k: 'u8'; a: number; v: number }
  | { k: 'u64'; a: number; v: bigint }
  | { k: 'fill'; c: number; v: number; every: number }
  | { k: 'clear'; a: number; len: number }
  | { k: 'copy'; d: number; s: number }
  | { k: 'fork' }
  | { k: 'switch'; i: number }
  | { k: 'compact' };

const CHUNKS = 6;
const SIZE = CHUNKS * CHUNK_SIZE;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('u8' as const), a: fc.nat(SIZE - 1), v: fc.nat(3) }),
  fc.record({
    k: fc.constant('u64' as const),
    a: fc.nat(SIZE / 8 - 1).map((x) => x * 8),
    v: fc.constantFrom(0n, 0x0101010101010101n, 0xffn, 0x8000000000000001n),
  }),
  // a chunk filled with one value every `every` bytes: the duplicates compaction looks for
  fc.record({
    k: fc.constant('fill' as const),
    c: fc.nat(CHUNKS - 1),
    v: fc.nat(2),
    every: fc.constantFrom(1, 4, PAGE),
  }),
  fc.record({
    k: fc.constant('clear' as const),
    a: fc.nat(SIZE / PAGE - 1).map((x) => x * PAGE),
    len: fc.constantFrom(PAGE, 3 * PAGE, CHUNK_SIZE),
  }),
  fc.record({
    k: fc.constant('copy' as const),
    d: fc.nat(SIZE / PAGE - 1).map((x) => x * PAGE),
    s: fc.nat(SIZE / PAGE - 1).map((x) => x * PAGE),
  }),
  fc.constant({ k: 'fork' as const }),
  fc.record({ k: fc.constant('switch' as const), i: fc.nat(7) }),
  fc.constant({ k: 'compact' as const }),
  fc.constant({ k: 'compact' as const }),
);

describe('PhysicalRam.compact: random writes, clears, forks and compactions against a byte array', () => {
  it('every RAM reads as its model, and the counts match the buffers it holds', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const rams = [new PhysicalRam(SIZE)];
        const models = [new Uint8Array(SIZE)];
        let cur = 0;
        for (const op of ops) {
          const ram = rams[cur]!;
          const model = models[cur]!;
          switch (op.k) {
            case 'u8':
              ram.writeU8(op.a, op.v);
              model[op.a] = op.v;
              break;
            case 'u64':
              ram.writeU64(op.a, op.v);
              new DataView(model.buffer).setBigUint64(op.a, op.v, true);
              break;
            case 'fill':
              for (let i = op.c * CHUNK_SIZE; i < (op.c + 1) * CHUNK_SIZE; i += op.every) {
                ram.writeU8(i, op.v);
                model[i] = op.v;
              }
              break;
            case 'clear': {
              const len = Math.min(op.len, SIZE - op.a);
              ram.clear(op.a, len);
              model.fill(0, op.a, op.a + len);
              break;
            }
            case 'copy':
              ram.copyPage(op.d, op.s, PAGE);
              model.copyWithin(op.d, op.s, op.s + PAGE);
              break;
            case 'fork':
              rams.push(ram.fork());
              models.push(model.slice());
              break;
            case 'switch':
              cur = op.i % rams.length;
              break;
            case 'compact':
              ram.compact();
              break;
          }
        }
        for (let i = 0; i < rams.length; i++) {
          const ram = rams[i]!;
          expect(Buffer.compare(buf(ram.read(0, SIZE)), buf(models[i]!))).toBe(0);
          for (let c = 0; c < CHUNKS; c++)
            if (ram.isBacked(c * CHUNK_SIZE))
              expect(ram.readU8(c * CHUNK_SIZE)).toBe(models[i]![c * CHUNK_SIZE]);
          expectCounts(ram);
          ram.compact();
          expect(Buffer.compare(buf(ram.read(0, SIZE)), buf(models[i]!))).toBe(0);
          expectCounts(ram);
        }
      }),
      { numRuns: Number(process.env['RAM_PROPERTY_RUNS'] ?? 150) },
    );
  });
});
