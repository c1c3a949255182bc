/**
 * The worker host's long work: runs in slices with progress, cancel between slices, and the journal
 * that rebuilds the machine (share links replay it). Driven through the real client over the
 * in-process transport, as the page drives the worker.
 */
import { describe, expect, it } from 'vitest';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';
import type { RunProgressNotice } from '../src/worker/protocol.ts';

const client = () => new MachineClient(inProcessTransport());

/** Rebuild a machine from another's journal and return the new client. */
async function replay(from: MachineClient): Promise<MachineClient> {
  const j = await from.journal();
  const c = client();
  await c.init(j.config, j.bootAtInit);
  for (const e of j.entries) {
    const r = await c.run(e);
    expect(r.errors).toEqual([]);
  }
  return c;
}

describe('long runs', () => {
  it('a million-fault line posts progress and a cancel leaves the machine after the last piece', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 4G r');
    const progress: RunProgressNotice[] = [];
    c.onRunProgress((n) => {
      progress.push(n);
      if (progress.length === 2) void c.cancel().then((r) => expect(r.running).toBe(true));
    });
    const r = await c.run('A read r1 0 4G 4K\nshow /proc/A/status');
    expect(r.cancelled).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.executed).toBe(0);
    expect(progress[0]!.accessesTotal).toBe(1 << 20);
    expect(progress[1]!.accessesDone).toBeGreaterThan(progress[0]!.accessesDone);
    const m = /(\d+) of 1048576 accesses ran/.exec(r.output);
    expect(m, r.output).not.toBeNull();
    const done = Number(m![1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(1 << 20);
    // Usable: the machine answers, and the faults that ran are the ones the process counted
    // (minflt = one per page read, + 1 for the stack page written at spawn).
    const stat = await c.run('show /proc/A/stat');
    expect(stat.output.split('\n')[1]!.split(' ')[9]).toBe(String(done + 1));
    // The journal holds the pieces that ran: replaying it gives the same process.
    const again = await replay(c);
    const a = await c.readProc('/proc/meminfo');
    const b = await again.readProc('/proc/meminfo');
    expect(b.text).toBe(a.text);
    const sa = await c.run('show /proc/A/stat');
    const sb = await again.run('show /proc/A/stat');
    expect(sb.output).toBe(sa.output);
  });

  it('a run of many short lines is cancelled between lines', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    const lines = ['spawn A', 'A mmap r1 64M rw'];
    for (let i = 0; i < 100_000; i++) lines.push(`A read r1 0x${((i % 16384) * 4096).toString(16)} 1 1`);
    let cancelled = false;
    c.onRunProgress(() => {
      if (cancelled) return;
      cancelled = true;
      void c.cancel();
    });
    const r = await c.run(lines.join('\n'));
    expect(r.cancelled).toBe(true);
    expect(r.executed).toBeGreaterThan(2);
    expect(r.executed).toBeLessThan(lines.length);
    expect(r.output).toContain(`cancelled after line ${r.executed}: ${r.executed} of ${lines.length}`);
    // the next command runs normally
    const s = await c.run('show /proc/A/status');
    expect(s.errors).toEqual([]);
  });

  it('an uncut run is not marked cancelled, and a cancel with nothing running says so', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    expect((await c.cancel()).running).toBe(false);
    const r = await c.run('spawn A\nA mmap r1 64M rw\nA write r1 0 64M 4K 1');
    expect(r.cancelled).toBeUndefined();
    expect(r.executed).toBe(3);
  });

  it('a big read whose range overflows its region fails before any piece runs', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 1G r');
    const before = await c.run('show /proc/A/stat');
    const r = await c.run('A read r1 0 2G 4K');
    expect(r.errors[0]).toMatchObject({ line: 1, col: 13 }); // at the length;
    const after = await c.run('show /proc/A/stat');
    expect(after.output).toBe(before.output);
  });

  it('a booting init can be cancelled and the previous machine stays', async () => {
    const c = client();
    const first = await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    let asked = false;
    c.onBootProgress(() => {
      if (!asked) void c.cancel();
      asked = true;
    });
    await expect(c.init({ arch: 'x86_64', ram: 16 * 2 ** 30 }, true)).rejects.toThrow(
      /Boot cancelled after \d+ of \d+ steps; the previous machine is still running/,
    );
    const j = await c.journal();
    expect(j.config.ram).toBe(2 ** 30);
    const r = await c.run('spawn A');
    expect(r.info.generation).toBe(first.info.generation);
  });
});

describe('the journal', () => {
  it('replays boot steps, allocations, frees and lines to the same machine', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 512 * 2 ** 20 }, false);
    await c.bootRunPhase();
    await c.bootStep();
    await c.run('boot');
    await c.statement('alloc', { name: 'k1', order: 3, gfp: 'GFP_KERNEL|__GFP_ZERO' });
    await c.statement('alloc', { name: 'k2', order: 0, gfp: 'GFP_KERNEL' });
    await c.statement('free', { name: 'k1' });
    await c.statement('drop_caches', {});
    await c.run('spawn A\nA mmap r1 8M rw\nA write r1 0 8M 4K 7\nA fork B\nbogus line');
    const j = await c.journal();
    expect(j.bootAtInit).toBe(false);
    expect(j.entries[0]).toMatch(/^step(\nstep)*$/);
    expect(j.entries).toContain('alloc k1 order=3 gfp=GFP_KERNEL|__GFP_ZERO');
    expect(j.entries).toContain('drop_caches');
    expect(j.entries).toContain('free k1');
    // each statement of a run is its own operation and entry; the failed line is not one
    expect(j.entries.slice(-4)).toEqual(['spawn A', 'A mmap r1 8M rw', 'A write r1 0 8M 4K 7', 'A fork B']);
    const again = await replay(c);
    for (const path of ['/proc/buddyinfo', '/proc/meminfo', '/proc/vmstat'])
      expect((await again.readProc(path)).text).toBe((await c.readProc(path)).text);
  });
});

describe('a boot line', () => {
  it('runs in pieces that can be cancelled, and a later boot finishes it', async () => {
    const c = client();
    await c.init({ arch: 'x86_64', ram: 16 * 2 ** 30 }, false);
    let asked = false;
    c.onRunProgress(() => {
      if (!asked) void c.cancel();
      asked = true;
    });
    const r = await c.run('boot\nspawn A');
    expect(r.cancelled).toBe(true);
    expect(r.info.booted).toBe(false);
    expect(r.info.bootIndex).toBeGreaterThan(0);
    expect(r.output).toContain(
      `the machine is as after boot step ${r.info.bootIndex} of ${r.info.steps.length}`,
    );
    const done = await c.run('boot');
    expect(done.errors).toEqual([]);
    expect(done.info.booted).toBe(true);
    // the same machine as one uncut boot
    const whole = client();
    await whole.init({ arch: 'x86_64', ram: 16 * 2 ** 30 }, true);
    expect((await c.readProc('/proc/zoneinfo')).text).toBe((await whole.readProc('/proc/zoneinfo')).text);
    expect((await replay(c).then((x) => x.readProc('/proc/buddyinfo'))).text).toBe(
      (await whole.readProc('/proc/buddyinfo')).text,
    );
  });
});
