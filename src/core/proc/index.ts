/** The /proc files the emulator serves, by path (and the few /sys files it has). */
import type { Machine } from '../machine.ts';
import { buddyinfo, pagetypeinfo } from './buddyinfo.ts';
import { meminfo } from './meminfo.ts';
import { vmstat } from './vmstat.ts';
import { zoneinfo } from './zoneinfo.ts';
import { procSwaps } from '../mm/swapfile.ts';
import { procMaps, procSmaps, procSmapsRollup, procStat, procStatus } from './pid.ts';
import type { Task } from '../mm/mm_types.ts';
import { ksmCounters, ksmStat } from '../mm/ksm.ts';

export class ProcError extends Error {}

const FILES: Record<string, (m: Machine) => string> = {
  '/proc/buddyinfo': buddyinfo,
  '/proc/pagetypeinfo': pagetypeinfo,
  '/proc/zoneinfo': zoneinfo,
  '/proc/meminfo': meminfo,
  '/proc/vmstat': vmstat,
  '/proc/swaps': procSwaps,
  // ksmd's sysfs counters (mm/ksm.c)
  '/sys/kernel/mm/ksm/ksm_zero_pages': (m) => `${m.ksm.zeroPages}\n`,
  '/sys/kernel/mm/ksm/full_scans': (m) => `${m.ksm.fullScans}\n`,
  '/sys/kernel/mm/ksm/use_zero_pages': (m) => `${m.ksm.useZeroPages ? 1 : 0}\n`,
  '/sys/kernel/mm/ksm/pages_shared': (m) => `${ksmCounters(m).pages_shared}\n`,
  '/sys/kernel/mm/ksm/pages_sharing': (m) => `${ksmCounters(m).pages_sharing}\n`,
  '/sys/kernel/mm/ksm/pages_unshared': (m) => `${ksmCounters(m).pages_unshared}\n`,
  '/sys/kernel/mm/ksm/pages_volatile': (m) => `${ksmCounters(m).pages_volatile}\n`,
};

const PID_FILES: Record<string, (m: Machine, t: Task) => string> = {
  status: procStatus,
  stat: procStat,
  maps: procMaps,
  smaps: procSmaps,
  smaps_rollup: procSmapsRollup,
  ksm_stat: (m, t) => ksmStat(m, t.mm),
};

export const PROC_PATHS = [...Object.keys(FILES), ...Object.keys(PID_FILES).map((f) => `/proc/<pid>/${f}`)];

/** Read a /proc file. Before boot has set up the zones, the zone views are empty, as nothing exists yet. */
export function readProc(m: Machine, path: string): string {
  // own keys only: a path is user text (`/proc/A/hasOwnProperty` is no file)
  const f = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
  if (f) return f(m);
  const pm = /^\/proc\/(\d+)\/(\w+)$/.exec(path);
  if (pm) {
    const t = m.tasks.get(Number(pm[1]));
    if (!t) throw new ProcError(`${path}: no such process ${pm[1]}`);
    const pf = Object.hasOwn(PID_FILES, pm[2]!) ? PID_FILES[pm[2]!] : undefined;
    if (!pf) throw new ProcError(`${path}: no such file (per process: ${Object.keys(PID_FILES).join(', ')})`);
    return pf(m, t);
  }
  throw new ProcError(`${path}: no such file (available: ${PROC_PATHS.join(', ')})`);
}
