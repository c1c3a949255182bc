/** The /proc files the emulator serves, by path. */
import type { Machine } from '../machine.ts';
import { buddyinfo, pagetypeinfo } from './buddyinfo.ts';
import { meminfo } from './meminfo.ts';
import { vmstat } from './vmstat.ts';
import { zoneinfo } from './zoneinfo.ts';

export class ProcError extends Error {}

const FILES: Record<string, (m: Machine) => string> = {
  '/proc/buddyinfo': buddyinfo,
  '/proc/pagetypeinfo': pagetypeinfo,
  '/proc/zoneinfo': zoneinfo,
  '/proc/meminfo': meminfo,
  '/proc/vmstat': vmstat,
};

export const PROC_PATHS = Object.keys(FILES);

/** Read a /proc file. Before boot has set up the zones, the zone views are empty, as nothing exists yet. */
export function readProc(m: Machine, path: string): string {
  const f = FILES[path];
  if (!f) throw new ProcError(`${path}: no such file (available: ${PROC_PATHS.join(', ')})`);
  return f(m);
}
