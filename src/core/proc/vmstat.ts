/** /proc/vmstat (mm/vmstat.c vmstat_show): "name value" per line, in the kernel's order. */
import type { Machine } from '../machine.ts';
import { VMSTAT_NAMES } from './names.ts';
import { vmstatValue } from './stats.ts';

export function vmstat(m: Machine): string {
  let out = '';
  for (const name of VMSTAT_NAMES) out += `${name} ${vmstatValue(m, name)}\n`;
  return out;
}
