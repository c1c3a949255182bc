import { describe, expect, it } from 'vitest';
import { PhysicalRam, CHUNK_SIZE } from '../src/core/phys/ram.ts';

describe('physical RAM', () => {
  it('reads zeros from unbacked chunks and backs a chunk only when written', () => {
    const ram = new PhysicalRam(16 * CHUNK_SIZE);
    expect(ram.readU8(12345)).toBe(0);
    expect(ram.readU64(8 * 1000)).toBe(0n);
    expect(ram.backedChunks).toBe(0);
    ram.writeU8(CHUNK_SIZE * 3 + 7, 0xab);
    expect(ram.backedChunks).toBe(1);
    expect(ram.readU8(CHUNK_SIZE * 3 + 7)).toBe(0xab);
    expect(ram.isBacked(CHUNK_SIZE * 3)).toBe(true);
    expect(ram.isBacked(CHUNK_SIZE * 4)).toBe(false);
  });

  it('stores 64-bit entries little-endian, as page tables need', () => {
    const ram = new PhysicalRam(4 * CHUNK_SIZE);
    ram.writeU64(0x1008, 0x8000000000003b25n);
    expect(ram.readU64(0x1008)).toBe(0x8000000000003b25n);
    expect(ram.readU8(0x1008)).toBe(0x25);
    expect(ram.readU8(0x100f)).toBe(0x80);
  });

  it('clear_page zeroes a page; clearing a whole chunk gives its host memory back', () => {
    const ram = new PhysicalRam(4 * CHUNK_SIZE);
    ram.writeU8(4096 + 5, 1);
    ram.writeU8(8192, 2);
    ram.clearPage(4096, 4096);
    expect(ram.isZero(4096, 4096)).toBe(true);
    expect(ram.readU8(8192)).toBe(2);
    ram.clear(0, CHUNK_SIZE);
    expect(ram.backedChunks).toBe(0);
  });

  it('copy_page copies bytes, and copying an unbacked page clears the target', () => {
    const ram = new PhysicalRam(4 * CHUNK_SIZE);
    for (let i = 0; i < 4096; i++) ram.writeU8(i, i & 0xff);
    ram.copyPage(CHUNK_SIZE, 0, 4096);
    expect(ram.read(CHUNK_SIZE, 4096)).toEqual(ram.read(0, 4096));
    ram.copyPage(0, 2 * CHUNK_SIZE, 4096);
    expect(ram.isZero(0, 4096)).toBe(true);
  });

  it('rejects accesses outside RAM with the address in the message', () => {
    const ram = new PhysicalRam(CHUNK_SIZE);
    expect(() => ram.readU8(CHUNK_SIZE)).toThrow(/0x10000/);
  });
});

describe('physical RAM: copy-on-write forks (timeline checkpoints)', () => {
  it('a fork reads what the original held; a write on either side copies that chunk only and the other keeps its bytes', () => {
    const ram = new PhysicalRam(8 * CHUNK_SIZE);
    ram.writeU8(5, 0x11);
    ram.writeU8(CHUNK_SIZE * 2 + 9, 0x22);
    const released: Uint8Array[] = [];
    ram.onRelease = (c) => released.push(c);
    const fork = ram.fork();
    expect(fork.readU8(5)).toBe(0x11);
    expect(fork.onRelease).toBeNull();
    ram.writeU8(5, 0x33); // the original writes: its chunk is copied, the fork keeps 0x11
    expect(ram.readU8(5)).toBe(0x33);
    expect(fork.readU8(5)).toBe(0x11);
    expect(ram.cowCopies).toBe(1);
    expect(released.length).toBe(1);
    fork.writeU8(CHUNK_SIZE * 2 + 9, 0x44); // the fork writes: the original keeps 0x22
    expect(ram.readU8(CHUNK_SIZE * 2 + 9)).toBe(0x22);
    expect(fork.readU8(CHUNK_SIZE * 2 + 9)).toBe(0x44);
    // Clearing a shared chunk whole drops it from the original only.
    ram.clear(CHUNK_SIZE * 2, CHUNK_SIZE);
    expect(ram.isBacked(CHUNK_SIZE * 2)).toBe(false);
    expect(released.length).toBe(2);
    const again = ram.fork();
    ram.copyPage(CHUNK_SIZE * 4, 0, 4096);
    expect(again.isZero(CHUNK_SIZE * 4, 4096)).toBe(true);
    expect(ram.readU8(CHUNK_SIZE * 4 + 5)).toBe(0x33);
  });
});
