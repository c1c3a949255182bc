/**
 * Bug: if the worker died or hung, the UI waited forever (issue #13 item 4). The client's watchdog
 * reports a silent or failed worker, and restart() replaces it and hands back the last journal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MachineClient, MachineError, type Transport, type WorkerHealth } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

/** A worker that takes every command and never answers (stuck in one statement), or dies on demand. */
function silentTransport() {
  let fatal: ((message: string) => void) | undefined;
  const t: Transport & { die(message: string): void; closed: boolean } = {
    closed: false,
    send() {},
    listen() {},
    onFatal(fn) {
      fatal = fn;
    },
    close() {
      t.closed = true;
    },
    die(message) {
      fatal?.(message);
    },
  };
  return t;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('bug: if the worker died or hung, the UI waited forever', () => {
  it('a request with no word from the worker for watchdogMs is reported stuck; any message clears it', async () => {
    vi.useFakeTimers();
    const t = silentTransport();
    const c = new MachineClient(t, { watchdogMs: 1000 });
    const seen: WorkerHealth[] = [];
    c.onHealth((h) => seen.push(h));
    void c.run('A read r1 0 1G 1').catch(() => {});
    await vi.advanceTimersByTimeAsync(900);
    expect(c.workerHealth.state).toBe('ok');
    await vi.advanceTimersByTimeAsync(400);
    expect(c.workerHealth).toMatchObject({ state: 'stuck', command: 'run' });
    expect(seen[0]).toMatchObject({ state: 'stuck', command: 'run' });
    c.close();
  });

  it('a failed worker rejects what waits, is reported dead, and later requests fail at once', async () => {
    const t = silentTransport();
    const c = new MachineClient(t, { watchdogMs: 1000 });
    const waiting = c.bootStep();
    t.die('out of memory');
    await expect(waiting).rejects.toThrow('The emulator worker failed: out of memory');
    expect(c.workerHealth).toEqual({ state: 'dead', message: 'out of memory' });
    await expect(c.hugeInfo()).rejects.toThrow(/has stopped \(out of memory\): restart it/);
    c.close();
  });

  it('restart() replaces the worker and returns the journal of the last completed command', async () => {
    let made = 0;
    const c = new MachineClient(inProcessTransport(), {
      restart: () => {
        made++;
        return inProcessTransport();
      },
    });
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 1M rw\nA write r1 0 1M 4K 7');
    await c.whenQuiet();
    const before = await c.readProc('/proc/meminfo');
    const j = c.restart();
    expect(made).toBe(1);
    expect(j?.entries.join('\n')).toContain('A write r1 0 1M 4K 7');
    // the new worker has no machine until the journal is replayed
    await expect(c.readProc('/proc/meminfo')).rejects.toBeInstanceOf(MachineError);
    await c.init(j!.config, j!.bootAtInit);
    for (const e of j!.entries) expect((await c.run(e)).errors).toEqual([]);
    expect((await c.readProc('/proc/meminfo')).text).toBe(before.text);
    c.close();
  });

  it('restart() fails what was waiting on the stuck worker', async () => {
    const stuck = silentTransport();
    const c = new MachineClient(stuck, { restart: inProcessTransport });
    const waiting = c.run('A read r1 0 1G 1');
    expect(c.restart()).toBeNull();
    expect(stuck.closed).toBe(true);
    await expect(waiting).rejects.toThrow(/restarted; this request was lost/);
    expect((await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true)).info.nrPages).toBeGreaterThan(0);
    c.close();
  });
});
