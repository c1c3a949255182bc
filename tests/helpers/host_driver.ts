/**
 * A worker host (src/worker/host.ts) driven synchronously, the way the timeline tests talk to it:
 * `send` posts a command and returns its reply (an error reply throws); notices are left out of the
 * reply lookup and handed to `notice` first.
 */
import { MachineHost } from '../../src/worker/host.ts';
import type { Command, ReplyTo, WorkerMessage } from '../../src/worker/protocol.ts';

/** Any command without its seq (distributive, so that each literal keeps its own type). */
export type Body = Command extends infer C ? (C extends Command ? Omit<C, 'seq'> : never) : never;

const NOTICES = ['frameDelta', 'printk', 'bootProgress', 'replayProgress'];

/**
 * Checkpoints are placed by how long operations take against how long a checkpoint takes. On a
 * shared machine those times are noise, so the tests' clock ticks once per reading: every operation
 * and every checkpoint "takes" the same, and where checkpoints fall is deterministic.
 */
export function tickingClock(host: MachineHost): void {
  let tick = 0;
  (host as unknown as { timeline: { now: () => number } }).timeline.now = () => tick++;
}

export function hostDriver(
  opts: { eventBudget?: number; ticking?: boolean; notice?: (m: WorkerMessage) => void } = {},
) {
  const posted: WorkerMessage[] = [];
  // sliceMs Infinity: long commands run straight through, so each reply is posted at once
  const host = new MachineHost((msg) => posted.push(msg), {
    sliceMs: Infinity,
    ...(opts.eventBudget !== undefined ? { eventBudget: opts.eventBudget } : {}),
  });
  if (opts.ticking) tickingClock(host);
  let seq = 1;
  function send<B extends Body>(body: B): ReplyTo[B['type']] {
    const s = seq++;
    host.handle({ ...body, seq: s });
    if (opts.notice) for (const m of posted) opts.notice(m);
    const reply = posted.find((m) => m.seq === s && !NOTICES.includes(m.type));
    posted.length = 0;
    if (!reply) throw new Error(`no reply to ${body.type}`);
    if (reply.type === 'error') throw new Error(reply.message);
    return reply as ReplyTo[B['type']];
  }
  return { host, send };
}
