/**
 * Reclaim figures (issue #15): pages scanned and reclaimed per second by kswapd while a process
 * writes 3/2 of RAM (128 MiB machine, 256 MiB swap), and by `reclaim` (the node's proactive reclaim) of 64 MiB
 * of written anonymous memory. Baseline, same run: the same writes on a machine big enough that
 * nothing is reclaimed, so the difference is reclaim's cost per page.
 */
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import type { BenchRow } from './timeline.ts';

function run(text: string): Session {
  const s = new Session({ out: () => {} });
  for (const st of parseScenario(text)) s.exec(st);
  return s;
}

function timed(s: Session, text: string): number {
  const t0 = performance.now();
  for (const st of parseScenario(text)) s.exec(st);
  return (performance.now() - t0) / 1000;
}

const setup = (ram: string, len: string) => `machine arch=x86_64 ram=${ram} cpus=1 thp=never
boot
swapon 256M
spawn A
A mmap r ${len} rw`;

/** Wrap the allocator's reclaim hooks to add up the time spent in kswapd and direct reclaim. */
function timeReclaim(s: Session): { secs: number } {
  const hooks = s.machine!.alloc.reclaimHooks!;
  const acc = { secs: 0 };
  const runK = hooks.runKswapd;
  const direct = hooks.directReclaim;
  hooks.runKswapd = (cpu) => {
    const t0 = performance.now();
    runK(cpu);
    acc.secs += (performance.now() - t0) / 1000;
  };
  hooks.directReclaim = (hz, cpu) => {
    const t0 = performance.now();
    const got = direct(hz, cpu);
    acc.secs += (performance.now() - t0) / 1000;
    return got;
  };
  return acc;
}

export function reclaimBench(): BenchRow[] {
  const rows: BenchRow[] = [];
  const write = 'A write r 0 192M 4K 7';
  // warm-up (JIT) of both paths, untimed
  timed(run(setup('128M', '192M')), 'A write r 0 64M 4K 7');
  // baseline: the same 49,152 page writes with no memory pressure
  const base = run(setup('1G', '192M'));
  const tBase = timed(base, write);
  const basePps = 49152 / tBase;
  // kswapd: 192 MiB written into 128 MiB of RAM
  const s = run(setup('128M', '192M'));
  const inReclaim = timeReclaim(s);
  const t = timed(s, write);
  const m = s.machine!;
  const scanned = m.vmstat.get('pgscan_kswapd') + m.vmstat.get('pgscan_direct');
  const stolen = m.vmstat.get('pgsteal_kswapd') + m.vmstat.get('pgsteal_direct');
  const reclaimSecs = Math.max(inReclaim.secs, 1e-6);
  rows.push({
    figure: 'write 192 MiB into 128 MiB: page writes/s (kswapd reclaiming)',
    value: Math.round(49152 / t),
    unit: 'pages/s',
    baseline: Math.round(basePps),
    baselineWhat: 'pages/s with no reclaim (1 GiB machine)',
    target: null,
    higher: true,
    met: null,
  });
  rows.push({
    figure: 'kswapd + direct reclaim: pages scanned/s (time inside reclaim)',
    value: Math.round(scanned / reclaimSecs),
    unit: 'pages/s',
    baseline: Math.round(basePps),
    baselineWhat: `page writes/s with no reclaim (${scanned} scanned in ${reclaimSecs.toFixed(2)} s)`,
    target: null,
    higher: true,
    met: null,
  });
  rows.push({
    figure: 'kswapd + direct reclaim: pages reclaimed/s (time inside reclaim)',
    value: Math.round(stolen / reclaimSecs),
    unit: 'pages/s',
    baseline: Math.round(basePps),
    baselineWhat: `page writes/s with no reclaim (${stolen} reclaimed)`,
    target: null,
    higher: true,
    met: null,
  });
  // proactive: reclaim 64 MiB of 96 MiB written, on a 1 GiB machine
  const p = run(`${setup('1G', '96M')}\nA write r 0 96M 4K 9`);
  const tp = timed(p, 'reclaim 64M');
  const pm = p.machine!;
  rows.push({
    figure: 'reclaim 64M (node proactive reclaim): pages reclaimed/s',
    value: Math.round(pm.vmstat.get('pgsteal_proactive') / tp),
    unit: 'pages/s',
    baseline: Math.round(basePps),
    baselineWhat: `page writes/s with no reclaim (${pm.vmstat.get('pgscan_proactive')} scanned, ${pm.vmstat.get('pgsteal_proactive')} reclaimed)`,
    target: null,
    higher: true,
    met: null,
  });
  return rows;
}

// `tsx bench/reclaim.ts` alone prints the rows
if (import.meta.url === `file://${process.argv[1]}`) console.table(reclaimBench());
