/**
 * A `checksum` of gigabytes runs in slices of whole pages (issue #13, "progress and cancel for every
 * statement"): the worker posts progress and honours Cancel in the middle of it. Slicing must change
 * nothing — the same digest, the same faults, the same "stopped after" when the process dies — and a
 * cancelled checksum is journalled as the bytes it read.
 */
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { checkInvariants } from '../src/core/check.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { MachineClient, type Transport } from '../src/worker/client.ts';
import { MachineHost } from '../src/worker/host.ts';
import type { Command, RunProgressNotice, WorkerMessage } from '../src/worker/protocol.ts';

function run(text: string, slice?: number) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s), check: true, ...(slice ? { slice } : {}) });
  return { ...r, out };
}

/** A client over a host this test can look into (the in-process transport, with the host kept). */
function hostClient(): { c: MachineClient; host: MachineHost } {
  let listener: ((msg: WorkerMessage) => void) | undefined;
  const host = new MachineHost((msg) => queueMicrotask(() => listener?.(msg)));
  const t: Transport = {
    send(cmd: Command) {
      const copy = structuredClone(cmd);
      queueMicrotask(() => host.handle(copy));
    },
    listen(fn) {
      listener = fn;
    },
    close() {
      listener = undefined;
    },
  };
  return { c: new MachineClient(t), host };
}

/** Checksums over written, never-touched, dropped and swapped pages, unaligned, and one that dies. */
const CHECKSUMS = `machine ram=128M cpus=2
boot
swapon 64M
spawn A
A mmap r1 2M rw
A write r1 0 2M 4K 0x11
A write r1 5000 300000 7 0xa5
A write r1 1M 64K 1 0x3c
A madvise r1 256K 64K dontneed
A checksum r1 0 2M
A checksum r1 123 1500000
A checksum r1 4095 2
show /proc/A/stat
A mmap g 64K rw
A write g 0 64K 4K 9
A mprotect g 40K 8K none
A checksum g 1 60000
show /proc/meminfo
`;

describe('checksum in slices', () => {
  it('slices of any size give the same digests, faults and machine as the checksum read at once', () => {
    const whole = run(CHECKSUMS, Number.MAX_SAFE_INTEGER);
    expect(whole.error).toBeUndefined();
    expect(whole.violation).toBeUndefined();
    expect(whole.out).toContain('A: checksum 0x');
    expect(whole.out).toMatch(/A: checksum stopped after 40959 bytes/);
    for (const slice of [1, 3, 7, 100]) {
      const sliced = run(CHECKSUMS, slice);
      expect(sliced.violation).toBeUndefined();
      expect(sliced.out).toBe(whole.out);
    }
  });

  it("a sliced checksum's crc32 is zlib's over the bytes the process reads", () => {
    const text = `machine ram=128M
boot
spawn A
A mmap r 64K rw
A write r 0 64K 1 0x41
A write r 100 9000 3 7
A dump r 4000 200
A checksum r 1 65000
`;
    const r = run(text, 2);
    expect(r.error).toBeUndefined();
    const bytes = new Uint8Array(65536).fill(0x41);
    for (let i = 100; i < 9100; i += 3) bytes[i] = 7;
    const want = crc32(bytes.subarray(1, 65001)).toString(16).padStart(8, '0');
    expect(r.out).toContain(`: 65000 bytes, sum 0x`);
    expect(r.out).toContain(`crc32 0x${want}`);
  });

  it('a checksum of 1 GiB shows progress and Cancel stops it mid-statement, journalled as the bytes read', async () => {
    const { c, host } = hostClient();
    await c.init({ arch: 'x86_64', ram: 2 ** 31 }, true);
    await c.run('spawn A\nA mmap r1 1G rw\nlimit accesses=1073741824');
    const progress: RunProgressNotice[] = [];
    c.onRunProgress((n) => {
      progress.push(n);
      if (progress.length === 2) void c.cancel();
    });
    // 2^30 byte loads and digest steps, 262,144 read faults: seconds of work in one statement
    const r = await c.run('A checksum r1 0 1G\nshow /proc/A/status');
    expect(r.cancelled).toBe(true);
    expect(r.errors).toEqual([]);
    expect(progress[0]!.line).toBe(1);
    expect(progress[0]!.accessesTotal).toBe(262_144);
    expect(progress[1]!.accessesDone).toBeGreaterThan(progress[0]!.accessesDone);
    const m =
      /cancelled during line 1: (\d+) of 262144 pages done \(the machine is as after them: A checksum r1 0 (0x[0-9a-f]+)\)/.exec(
        r.output,
      );
    expect(m, r.output).not.toBeNull();
    const done = Number(m![1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(262_144);
    expect(Number(m![2])).toBe(done * 4096);
    // the statement printed no digest, the status line after it did not run
    expect(r.output).not.toMatch(/A: checksum 0x0 1073741824/);
    expect(r.output).not.toContain('VmRSS');
    // the pages read so far were faulted in (zero page), no more: the task's minor faults
    expect(checkInvariants(host.hosted!.m)).toEqual([]);
    const stat = await c.run('show /proc/A/stat');
    expect(stat.output.split('\n')[1]!.split(' ')[9]).toBe(String(done + 1));
    // the journal replays to the same machine
    const j = await c.journal();
    expect(j.entries).toContain(`A checksum r1 0 ${m![2]}`);
    const { c: again, host: h2 } = hostClient();
    await again.init(j.config, j.bootAtInit);
    for (const e of j.entries) expect((await again.run(e)).errors).toEqual([]);
    expect(readProc(h2.hosted!.m, '/proc/vmstat')).toBe(readProc(host.hosted!.m, '/proc/vmstat'));
  });
});
