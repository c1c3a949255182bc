/**
 * Memory a learner can afford (issue #13): the emulator's own memory use is reported (the worker's
 * `memory` command, the app's meter), a statement that may take it over the budget is refused
 * before it changes anything, and RAM that becomes all zeros again gives its host memory back.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/core/scenario/run.ts';
import { CHUNK_SIZE, PhysicalRam } from '../src/core/phys/ram.ts';
import { DEFAULT_MEMORY_BUDGET } from '../src/core/scenario/limits.ts';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

const MiB = 2 ** 20;
const client = () => new MachineClient(inProcessTransport());

describe("the emulator's own memory use", () => {
  it('counts the live RAM chunks, the metadata and the past; a uniform write costs one shared chunk', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    const before = await c.memory();
    expect(before.budget).toBe(DEFAULT_MEMORY_BUDGET);
    expect(before.chunkSize).toBe(CHUNK_SIZE);
    expect(before.ram).toBe(before.ramChunks * CHUNK_SIZE);
    // struct page is 22 bytes a frame as typed arrays (flags, refcount, mapcount, order, owner, lru)
    expect(before.metadata).toBeGreaterThan(262_144 * 22);
    expect(before.metadata).toBeLessThan(262_144 * 24);
    expect(before.total).toBe(before.ram + before.metadata + before.past + before.view);
    await c.run('spawn A\nA mmap r1 64M rw\nA write r1 0 64M 4K 1');
    const after = await c.memory();
    // 16,384 pages written: about 1,024 chunks that hold the same bytes (byte 1 at the start of each
    // page), stored compactly after the statement as one buffer they share (plus page tables)
    const written = (u: typeof after) => u.ram + u.dedupedChunks * CHUNK_SIZE;
    expect(written(after) - written(before)).toBeGreaterThanOrEqual(64 * MiB);
    expect(written(after) - written(before)).toBeLessThan(66 * MiB);
    expect(after.dedupedChunks - before.dedupedChunks).toBeGreaterThan(1000); // a chunk may hold a page table too
    expect(after.ram - before.ram).toBeLessThan(MiB);
    expect(after.total).toBe(after.ram + after.metadata + after.past + after.view);
    // metadata is fixed by the RAM size, but for compaction's index (an entry per content it keeps)
    expect(after.metadata - before.metadata).toBeGreaterThanOrEqual(0);
    expect(after.metadata - before.metadata).toBeLessThan(4096);
  });
});

describe('the memory budget', () => {
  it('refuses, at the length, a statement that may go over it, with the budget, the estimate and how to raise it; nothing changes', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 512M rw');
    const use = await c.memory();
    const budget = use.total + 32 * MiB;
    expect((await c.memory(budget)).budget).toBe(budget);
    const status = async () => (await c.run('show /proc/A/status')).output.match(/RssAnon:\s+\d+ kB/)![0];
    const rss = await status();
    const ops = (await c.timeline(null)).ops.length;
    // a write of 16,384 pages (one statement), one of 32,768 (the worker runs it as two pieces),
    // a populate_write and a MAP_POPULATE: each may back 64 MiB or more
    for (const [line, col] of [
      ['A write r1 0 64M 4K 1', 14],
      ['A write r1 0 128M 4K 1', 14],
      ['A madvise r1 0 64M populate_write', 16],
      ['A mmap r2 64M rw populate', 11],
    ] as const) {
      const r = await c.run(line);
      expect(r.errors).toHaveLength(1);
      const e = r.errors[0]!;
      expect([e.line, e.col]).toEqual([1, col]);
      expect(e.message).toMatch(
        /^A (write|madvise|mmap): may write (64|128) MiB of emulated RAM \((16384|32768) pages and \d+ page-table pages of 4 KiB\), and with [\d.]+ MiB of host memory in use that is over the memory budget of [\d.]+ MiB; nothing was done\. Ask for less, or raise the budget in the app's memory meter/,
      );
    }
    // refused before anything ran: no timeline operation, no memory, no RSS, no region r2
    expect((await c.timeline(null)).ops.length).toBe(ops);
    expect((await c.memory()).ram).toBe(use.ram);
    expect(await status()).toBe(rss);
    expect((await c.run('A munmap r2')).errors[0]!.message).toMatch(/A has no region named 'r2'/);
    // small statements still run under the budget, and a raised budget lets the big one run
    expect((await c.run('A write r1 0 16M 4K 1')).errors).toEqual([]);
    await c.memory(DEFAULT_MEMORY_BUDGET);
    expect((await c.run('A write r1 0 128M 4K 2')).errors).toEqual([]);
    expect(await status()).toMatch(/RssAnon:\s+131076 kB/);
  });

  it('a timeline replay is not refused: it rebuilds what the budget let through', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 128M rw\nA write r1 0 128M 4K 1');
    const { ops } = await c.timeline(null);
    // just above what is used now (and no less than the smallest budget the host takes)
    await c.memory(Math.max(16 * MiB, (await c.memory()).total + MiB));
    // back to before the write, then to its end: the replay writes 128 MiB again
    await c.seek({ op: ops.length - 2, step: 0 });
    const end = await c.seek({ op: ops.length - 1, step: ops.at(-1)!.steps });
    expect(end.type).toBe('sought');
    await c.seek(null);
    expect((await c.run('show /proc/A/status')).output).toMatch(/RssAnon:\s+131076 kB/);
  });
});

describe('RAM that becomes zero again costs nothing', () => {
  it('a chunk whose written blocks are all cleared, one page at a time, is given back', () => {
    const ram = new PhysicalRam(4 * CHUNK_SIZE);
    for (let p = 0; p < 16; p++) ram.writeU8(CHUNK_SIZE + p * 4096 + 100, p + 1);
    expect(ram.backedChunks).toBe(1);
    // a partial clear of a written block keeps it counted
    ram.clear(CHUNK_SIZE + 100, 1);
    for (let p = 0; p < 15; p++) ram.clearPage(CHUNK_SIZE + p * 4096, 4096);
    expect(ram.backedChunks).toBe(1);
    expect(ram.readU8(CHUNK_SIZE + 15 * 4096 + 100)).toBe(16);
    ram.clearPage(CHUNK_SIZE + 15 * 4096, 4096);
    expect(ram.backedChunks).toBe(0);
    expect(ram.zeroedChunks).toBe(1);
    expect(ram.isZero(0, 4 * CHUNK_SIZE)).toBe(true);
  });

  it('a fork keeps its copy when the original clears a shared chunk page by page', () => {
    const ram = new PhysicalRam(2 * CHUNK_SIZE);
    ram.writeU64(8, 0x1234n);
    const f = ram.fork();
    const released: Uint8Array[] = [];
    ram.onRelease = (c) => released.push(c);
    ram.clearPage(0, 4096);
    expect(ram.backedChunks).toBe(0);
    expect(released).toHaveLength(1);
    expect(f.readU64(8)).toBe(0x1234n);
    expect(f.backedChunks).toBe(1);
  });

  it('with init_on_free, the chunks of a written region go back when it is unmapped; without, the data stays', () => {
    const scenario = (initOnFree: 0 | 1) => `machine ram=512M init_on_free=${initOnFree}
boot
spawn A
A mmap r1 64M rw
A write r1 0 64M 4K 1
A munmap r1
drain
`;
    const backed = (text: string) => {
      const r = runScenario(text, { out: () => {} });
      expect(r.error).toBeUndefined();
      return r.machine!.ram.backedChunks;
    };
    const base = backed('machine ram=512M init_on_free=1\nboot\nspawn A\n');
    const cleared = backed(scenario(1));
    expect(cleared - base).toBeLessThan(64); // was 1,024 chunks held by freed, zeroed frames
    expect(backed(scenario(0)) - base).toBeGreaterThanOrEqual(1024);
  });
});
