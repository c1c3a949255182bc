/**
 * The timeline's steps are sent once per operation (issue #12, compact timeline payload): the
 * client says which operations' steps it holds, the worker leaves those out, and the client hands
 * out its copy — equal to what the worker would have sent. An operation that is truncated away and
 * redone at the same index is new: its steps come whole.
 */
import { describe, expect, it } from 'vitest';
import type { Command, WorkerMessage } from '../src/worker/protocol.ts';
import { MachineClient, type Transport } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

/** An in-process transport that records every timeline reply's step count as it crosses. */
function counting(): { t: Transport; sent: { steps: number; held: boolean }[] } {
  const inner = inProcessTransport();
  const sent: { steps: number; held: boolean }[] = [];
  return {
    sent,
    t: {
      send: (cmd: Command, transfer?: Transferable[]) => inner.send(cmd, transfer),
      listen: (fn: (msg: WorkerMessage) => void) =>
        inner.listen((msg) => {
          if (msg.type === 'timeline') sent.push({ steps: msg.steps.length, held: !!msg.stepsHeld });
          fn(msg);
        }),
      close: () => inner.close(),
    },
  };
}

describe('timeline steps held by the client', () => {
  it('sends an operation’s steps once; later moves within it get the client’s copy', async () => {
    const { t, sent } = counting();
    const c = new MachineClient(t);
    const fresh = new MachineClient(inProcessTransport());
    for (const x of [c, fresh]) {
      await x.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
      await x.run('spawn A\nA mmap r 4M rw\nA write r 0 4M 4K 1');
    }
    const first = await c.timeline(null);
    expect(first.steps.length).toBeGreaterThan(1000);
    expect(sent.at(-1)).toEqual({ steps: first.steps.length, held: false });
    const op = first.op!;
    await c.seek({ op, step: 10 });
    const again = await c.timeline(null);
    // nothing crossed but the operation list: the steps came from the client's copy
    expect(sent.at(-1)).toEqual({ steps: 0, held: true });
    expect(again.steps).toEqual(first.steps);
    expect(again.opId).toBe(first.opId);
    await fresh.seek({ op, step: 10 });
    const whole = await fresh.timeline(null);
    expect(again.steps).toEqual(whole.steps);
    expect(again.pos).toEqual({ op, step: 10 });

    // continue from an earlier operation, then a different one at the same index: new steps
    await c.seek({ op: op - 1, step: 0 });
    await c.truncate();
    await c.run('A write r 0 8K 4K 2');
    const redone = await c.timeline(null);
    expect(redone.op).toBe(op);
    expect(redone.opId).not.toBe(first.opId);
    expect(sent.at(-1)!.held).toBe(false);
    expect(redone.steps.length).toBeLessThan(first.steps.length);
  });
});
