/**
 * The worker's trace events as a Chrome Trace Event Format file (the JSON that Perfetto and
 * chrome://tracing open).
 *
 * The core has no clock: every event carries `seq`, its place in the machine's order, and `path`,
 * the kernel functions on the emulated call stack when it was emitted (src/core/trace.ts). So the
 * timestamp here is the sequence number, one microsecond per event, and the function spans are
 * rebuilt from the paths: a function is a complete ("X") event from the first event emitted inside
 * it to the last one of the same uninterrupted run. Two calls of the same function with nothing
 * else between them (two faults in a row) therefore show as one span, and a function that emitted
 * nothing does not show at all. Each event itself is an instant ("i") event with its fields as args.
 */
import type { TraceEventInfo } from '../../worker/protocol.ts';

/** One Trace Event Format record (the subset written here). */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  /** instant events: thread scope */
  s?: 't';
  cat?: string;
  args?: Record<string, unknown>;
}

interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms' | 'ns';
  otherData: Record<string, string | number>;
}

const PID = 1;
const TID = 1;

/**
 * Build the trace. `dropped` is how many older events the worker's ring overwrote (they are not in
 * `events`); the file says so in otherData.
 */
export function toChromeTrace(events: readonly TraceEventInfo[], dropped = 0): ChromeTrace {
  const out: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid: PID, tid: TID, args: { name: 'MM Lab emulated kernel' } },
    { name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid: TID, args: { name: 'kernel (call paths)' } },
  ];
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  /** the functions open now, outermost first, with the ts of their first event */
  const open: { name: string; start: number }[] = [];
  let end = 0;
  const close = (depth: number) => {
    while (open.length > depth) {
      const f = open.pop()!;
      out.push({
        name: f.name,
        ph: 'X',
        ts: f.start,
        dur: end - f.start,
        pid: PID,
        tid: TID,
        cat: 'function',
      });
    }
  };
  for (const e of sorted) {
    let k = 0;
    while (k < open.length && k < e.path.length && open[k]!.name === e.path[k]) k++;
    close(k);
    for (let d = k; d < e.path.length; d++) open.push({ name: e.path[d]!, start: e.seq });
    const { type, path, seq, ...fields } = e;
    out.push({
      name: type,
      ph: 'i',
      s: 't',
      ts: seq,
      pid: PID,
      tid: TID,
      cat: 'event',
      args: { ...fields, path: path.join(' → ') },
    });
    end = seq + 1;
  }
  close(0);
  return {
    traceEvents: out,
    displayTimeUnit: 'ns',
    otherData: {
      source: 'MM Lab',
      timestamps: 'ts is the event sequence number (1 µs per event), not time: the emulator has no clock',
      spans:
        'function spans are rebuilt from the events’ call paths; back-to-back calls of one function merge',
      events: sorted.length,
      droppedEvents: dropped,
    },
  };
}
