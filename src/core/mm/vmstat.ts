/**
 * VM counters (mm/vmstat.c): system-wide event counters (pgfault, pgalloc_*, pgfree, ...) and node
 * counters. Only the counters the model drives are kept; /proc/vmstat prints them in the kernel's
 * order (see proc/vmstat.ts).
 *
 * As in the kernel (enum vm_event_item, enum node_stat_item), a counter is a slot in an array
 * indexed by a constant: the fault path bumps pgfault on every fault, and a string-keyed Map
 * lookup there cost more than the rest of a zero-page fault's bookkeeping. Hot callers take the
 * index once with vmstatItem(); the by-name methods remain for everyone else.
 */

/** Slot numbers by counter name, shared by every VmStat (like the enum: one numbering). */
const slots = new Map<string, number>();

/** The slot of counter `name` (registered on first use): pass it to addItem()/incItem(). */
export function vmstatItem(name: string): number {
  let i = slots.get(name);
  if (i === undefined) {
    i = slots.size;
    slots.set(name, i);
  }
  return i;
}

const slotNames = (): string[] => [...slots.keys()];

export class VmStat {
  private values = new Float64Array(64);
  /** slots in the order they were first changed: entries() lists them in that order */
  private readonly used: number[] = [];
  private seen = new Uint8Array(64);

  get(name: string): number {
    const i = slots.get(name);
    return i === undefined || i >= this.values.length ? 0 : this.values[i]!;
  }

  add(name: string, n: number): void {
    this.addItem(vmstatItem(name), n);
  }

  inc(name: string): void {
    this.addItem(vmstatItem(name), 1);
  }

  /** add() by slot (vmstatItem()): __count_vm_events() with a constant item. */
  addItem(i: number, n: number): void {
    if (i >= this.values.length) this.grow(i);
    if (!this.seen[i]) {
      this.seen[i] = 1;
      this.used.push(i);
    }
    this.values[i] += n;
  }

  incItem(i: number): void {
    this.addItem(i, 1);
  }

  private grow(i: number): void {
    const size = Math.max(i + 1, this.values.length * 2);
    const values = new Float64Array(size);
    values.set(this.values);
    this.values = values;
    const seen = new Uint8Array(size);
    seen.set(this.seen);
    this.seen = seen;
  }

  /** Every counter changed so far, in the order each was first changed. */
  entries(): [string, number][] {
    const names = slotNames();
    return this.used.map((i) => [names[i]!, this.values[i]!]);
  }

  clone(): VmStat {
    const v = new VmStat();
    v.values = this.values.slice();
    v.seen = this.seen.slice();
    v.used.push(...this.used);
    return v;
  }
}
