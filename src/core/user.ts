/**
 * What a user program does with its memory, for scenarios: read or write one byte every `stride`
 * bytes of a range. Each access goes through the MMU (mmu.ts), so faults happen exactly where a
 * real program's loads and stores would take them.
 */
import type { Machine } from './machine.ts';
import { userAccess } from './mmu.ts';
import type { Task } from './mm/mm_types.ts';

export interface AccessSummary {
  /** bytes accessed before the loop ended */
  count: number;
  /** sum of the bytes read (a checksum a test can compare) */
  sum: number;
  /** the task died during the loop */
  killed: boolean;
}

export function userRead(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  stride: number,
  cpu: number,
  onByte?: (va: number, v: number) => void,
): AccessSummary {
  let count = 0;
  let sum = 0;
  for (let va = start; va < start + len; va += stride) {
    const pa = userAccess(m, task, va, false, cpu);
    if (pa < 0) return { count, sum, killed: true };
    const v = m.ram.readU8(pa);
    onByte?.(va, v);
    sum += v;
    count++;
  }
  return { count, sum, killed: false };
}

export function userWrite(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  stride: number,
  byte: number,
  cpu: number,
): AccessSummary {
  let count = 0;
  for (let va = start; va < start + len; va += stride) {
    const pa = userAccess(m, task, va, true, cpu);
    if (pa < 0) return { count, sum: 0, killed: true };
    m.ram.writeU8(pa, byte);
    count++;
  }
  return { count, sum: 0, killed: false };
}
