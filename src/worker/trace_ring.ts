/**
 * The host's record of the core's trace events for export (src/ui/export/chrome_trace.ts): a bounded
 * ring buffer, so a million-fault run keeps only its most recent events instead of growing without
 * limit. `dropped` says how many older events were overwritten; the export panel shows it.
 */
import type { KEvent } from '../core/trace.ts';

/** Events the ring keeps. Each is a small object with its call path, ~200 bytes: ~13 MB when full. */
export const TRACE_RING_CAPACITY = 65_536;

export class TraceRing {
  private readonly buf: (KEvent | undefined)[];
  private next = 0;
  /** events pushed since the ring was made */
  total = 0;

  constructor(readonly capacity = TRACE_RING_CAPACITY) {
    this.buf = new Array<KEvent | undefined>(capacity);
  }

  push(e: KEvent): void {
    this.buf[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Events older than the oldest kept one. */
  get dropped(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** The kept events, oldest first (seq order). */
  events(): KEvent[] {
    if (this.total <= this.capacity) return this.buf.slice(0, this.total) as KEvent[];
    return [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)] as KEvent[];
  }
}
