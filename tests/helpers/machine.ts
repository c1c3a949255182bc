import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../src/core/machine.ts';
import type { MachineConfig } from '../../src/core/config.ts';
import { assertInvariants } from '../../src/core/check.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A booted machine whose invariants hold. */
export function booted(cfg: Partial<MachineConfig> = {}): Machine {
  const m = new Machine(cfg);
  m.boot();
  assertInvariants(m);
  return m;
}

export function reference(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../reference/proc-6.18/${name}`, import.meta.url)), 'utf8');
}

/** The line of /proc/buddyinfo for one zone, as numbers. */
export function buddyRow(text: string, zone: string): number[] {
  const l = text.split('\n').find((x) => x.split(/\s+/)[3] === zone);
  if (!l) throw new Error(`no ${zone} line in buddyinfo`);
  return l.trim().split(/\s+/).slice(4).map(Number);
}
