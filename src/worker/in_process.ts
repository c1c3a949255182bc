/**
 * A transport that runs the MachineHost on the calling thread: the same protocol and the same client
 * as with the Worker (the v86 bus idea), for Node (tests, benchmarks) or a page without workers.
 * Messages are delivered asynchronously, as they would be across a thread.
 */
import type { Transport } from './client.ts';
import { MachineHost } from './host.ts';
import type { Command, WorkerMessage } from './protocol.ts';

export function inProcessTransport(): Transport {
  let listener: ((msg: WorkerMessage) => void) | undefined;
  const host = new MachineHost((msg) => {
    queueMicrotask(() => listener?.(msg));
  });
  return {
    send(cmd: Command) {
      // A structured clone, as postMessage would make: the host must not share objects with the caller.
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
}
