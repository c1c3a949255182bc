/**
 * Long statements in slices (issue #13, "progress and cancel for every statement"): a populate or a
 * pagemap of many pages runs a slice at a time (Session.begin / StatementWork), so the worker posts
 * progress and honours Cancel in the middle of one statement. Slicing must change nothing: the same
 * output and the same machine whatever the slice size; a cancelled statement leaves the machine
 * consistent and is journalled as what ran.
 */
import { describe, expect, it } from 'vitest';
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

/** Populates of every kind, with the errors that end one early (a hole, an unaligned start, OOM). */
const POPULATES = `machine ram=256M cpus=2
boot
spawn A
A mmap r1 64M r populate
A mmap r2 24M rw populate
A mmap s1 16M rw shared populate
A madvise r1 0 32M populate_write
A munmap r1 8M 4M
A madvise r1 4M 16M populate_read
A madvise r1 1 8M populate_read
pagemap A r2 0 8M
show /proc/A/smaps
show /proc/A/stat
show /proc/meminfo
show /proc/vmstat
spawn B
cpu 1
B mmap big 512M rw populate
show /proc/meminfo
`;

describe('long statements run in slices', () => {
  it('slices of any size give the same output and machine as the statement run whole', () => {
    const whole = run(POPULATES, Number.MAX_SAFE_INTEGER);
    expect(whole.error).toBeUndefined();
    expect(whole.violation).toBeUndefined();
    // what the scenario is about: the hole and the unaligned start are errnos, B's populate ran out
    expect(whole.out).toContain('A: madvise populate_read: ENOMEM');
    expect(whole.out).toContain('A: madvise populate_read: EINVAL');
    expect(whole.out).toContain('B: killed by SIGKILL (out of memory)');
    for (const slice of [4099, 999]) {
      const sliced = run(POPULATES, slice);
      expect(sliced.violation).toBeUndefined();
      expect(sliced.out).toBe(whole.out);
    }
  });

  it('a cancelled huge populate leaves a consistent machine, journalled as the pages that ran', async () => {
    const { c, host } = hostClient();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A');
    const progress: RunProgressNotice[] = [];
    c.onRunProgress((n) => {
      progress.push(n);
      if (progress.length === 2) void c.cancel();
    });
    // 1,048,576 read faults mapping the zero page: seconds of work in one statement
    const r = await c.run('A mmap r1 4G r populate\nshow /proc/A/status');
    expect(r.cancelled).toBe(true);
    expect(r.errors).toEqual([]);
    expect(progress[0]!.line).toBe(1);
    expect(progress[0]!.accessesTotal).toBe(1 << 20);
    expect(progress[1]!.accessesDone).toBeGreaterThan(progress[0]!.accessesDone);
    const m =
      /cancelled during line 1: (\d+) of 1048576 pages done \(the machine is as after them: A mmap r1 4G r; A madvise r1 0 (0x[0-9a-f]+) populate_read\)/.exec(
        r.output,
      );
    expect(m, r.output).not.toBeNull();
    const done = Number(m![1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(1 << 20);
    expect(Number(m![2])).toBe(done * 4096);
    // consistent: the invariants hold, and the process counted exactly the pages populated
    // (GUP's faults are the task's minor faults; +1: the stack page written at spawn)
    expect(checkInvariants(host.hosted!.m)).toEqual([]);
    const stat = await c.run('show /proc/A/stat');
    expect(stat.output.split('\n')[1]!.split(' ')[9]).toBe(String(done + 1));
    // usable: the rest of the region can be written, and the next run is not cancelled
    const more = await c.run('A mmap r2 8K rw\nA write r2 0 8K 4K 7\nA dump r2 0 4');
    expect(more.cancelled).toBeUndefined();
    expect(more.output).toContain('00007ffff7ffd000  07 00 00 00');
    // the journal replays to the same machine
    const j = await c.journal();
    expect(j.entries).toContain(`A mmap r1 4G r\nA madvise r1 0 ${m![2]} populate_read`);
    const { c: again, host: h2 } = hostClient();
    await again.init(j.config, j.bootAtInit);
    for (const e of j.entries) expect((await again.run(e)).errors).toEqual([]);
    for (const path of ['/proc/meminfo', '/proc/vmstat'])
      expect(readProc(h2.hosted!.m, path)).toBe(readProc(host.hosted!.m, path));
    expect((await again.run('show /proc/A/smaps')).output).toBe((await c.run('show /proc/A/smaps')).output);
  });

  it('a long pagemap and a populate_write show progress; Cancel stops them mid-statement', async () => {
    const { c, host } = hostClient();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 4G rw\nlimit pagemap_lines=1048576');
    let notices = 0;
    const off = c.onRunProgress(() => {
      if (++notices === 1) void c.cancel();
    });
    const pm = await c.run('pagemap A r1 0 4G');
    expect(pm.cancelled).toBe(true);
    const lines = pm.output.split('\n').filter((l) => l.startsWith('0x'));
    expect(pm.output).toContain(`cancelled during line 1: ${lines.length} of 1048576 lines done`);
    expect(lines.length % 16_384).toBe(0);
    off();
    notices = 0;
    c.onRunProgress(() => {
      if (++notices === 1) void c.cancel();
    });
    // 768 MiB of the 1 GiB machine written page by page: stopped before it runs out of memory
    const w = await c.run('A madvise r1 0 768M populate_write');
    expect(w.cancelled).toBe(true);
    const done = Number(/(\d+) of 196608 pages done/.exec(w.output)![1]);
    expect(checkInvariants(host.hosted!.m)).toEqual([]);
    const status = await c.run('show /proc/A/status');
    // each page populated, + the stack page written at spawn
    expect(status.output).toMatch(new RegExp(`RssAnon:\\s+${done * 4 + 4} kB`));
  });
});
