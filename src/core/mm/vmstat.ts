/**
 * VM counters (mm/vmstat.c): system-wide event counters (pgfault, pgalloc_*, pgfree, ...) and node
 * counters. Only the counters the model drives are kept; /proc/vmstat prints them in the kernel's
 * order (see proc/vmstat.ts).
 */
export class VmStat {
  private readonly counters = new Map<string, number>();

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  add(name: string, n: number): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  inc(name: string): void {
    this.add(name, 1);
  }

  entries(): [string, number][] {
    return [...this.counters.entries()];
  }

  clone(): VmStat {
    const v = new VmStat();
    for (const [k, n] of this.counters) v.counters.set(k, n);
    return v;
  }
}
