/**
 * The Web Worker entry: one MachineHost, fed by postMessage. Everything else is in host.ts so the same
 * host also runs in-process (in_process.ts).
 */
import { MachineHost } from './host.ts';
import type { ErrorReply, WorkerMessage } from './protocol.ts';

/** The parts of DedicatedWorkerGlobalScope used here (the DOM lib this project compiles with lacks it). */
interface WorkerScope {
  postMessage(msg: WorkerMessage | ErrorReply, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<unknown>) => void) | null;
  onmessageerror: ((ev: MessageEvent<unknown>) => void) | null;
}

const scope = self as unknown as WorkerScope;

const host = new MachineHost((msg: WorkerMessage, transfer: Transferable[]) =>
  scope.postMessage(msg, transfer),
);

scope.onmessage = (ev: MessageEvent<unknown>) => host.handle(ev.data);

// A message that cannot even be deserialised still gets an answer, so no caller waits forever.
scope.onmessageerror = () =>
  scope.postMessage({
    type: 'error',
    seq: -1,
    command: 'unknown',
    message: 'a message could not be deserialised',
  });
