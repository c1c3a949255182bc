/**
 * npm run bench — speed and memory figures for the emulated kernel, each beside a baseline measured
 * in the same run (these machines are shared and noisy: ratios travel better than absolute numbers).
 *
 *   alloc+free/s   order-0 and order-9 pairs through __alloc_pages/__free_pages, against a bare JS
 *                  free-list (push/pop of pfns) doing the same number of operations
 *   boot           1, 4 and 16 GiB machines: boot time against the time to fill the same typed
 *                  arrays once (the memory-bandwidth floor), and bytes of metadata per frame
 *
 *   compaction    host bytes per GiB of a uniform write before and after PhysicalRam.compact, its
 *                 cost per GiB, and the fault path with compaction between statements / without
 *                 (bench/compact.ts)
 *   reclaim       pages scanned and reclaimed per second by kswapd and direct reclaim (writing 192 MiB
 *                 into 128 MiB) and by `reclaim 64M`, beside page writes/s with no reclaim
 *                 (bench/reclaim.ts)
 *   timeline      step back / forward at 1 GiB and 16 GiB (bench/timeline.ts), through the worker
 *                 host's code path; the worker's share of a COW click and of a full-grid refresh
 *
 * Targets (issue #2): at most 24 bytes of metadata per frame, no per-frame JS objects (the heap must
 * not grow with the frame count beyond the typed arrays), a 16 GiB boot under one second in Node.
 * Issue #12: a timeline step in at most 100 ms; the fault path at least as fast as the host kernel.
 *
 * The last line is one JSON object holding every row:
 *   {"bench":"mmlab","rows":[{"figure","value","unit","baseline","target","met"},...]}
 * (`npm run bench:browser` prints the browser figures the same way.)
 */
import { Machine } from '../src/core/machine.ts';
import { GFP_MASKS } from '../src/core/mm/gfp.ts';
import { PageArray } from '../src/core/phys/page.ts';
import { compactBench } from './compact.ts';
import { faultBench } from './faults.ts';
import { reclaimBench } from './reclaim.ts';
import { type BenchRow, timelineBench, workerViewBench } from './timeline.ts';

const GiB = 1024 ** 3;

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const rows: Record<string, unknown>[] = [];
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2));

// --- alloc + free --------------------------------------------------------------------------------
function allocFree(order: number, n: number): number {
  const m = new Machine({ ram: 4 * GiB, cpus: 2 });
  m.boot();
  const gfp = GFP_MASKS['GFP_KERNEL']!;
  const pfns = new Int32Array(64);
  const samples: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const [, ms] = time(() => {
      for (let i = 0; i < n; i += 64) {
        for (let j = 0; j < 64; j++) pfns[j] = m.alloc.allocPages(gfp, order, 0);
        for (let j = 63; j >= 0; j--) m.alloc.freePages(pfns[j]!, order, 0);
      }
    });
    samples.push(ms);
  }
  return (n / median(samples)) * 1000;
}

function baselineFreeList(n: number): number {
  const free: number[] = [];
  for (let i = 0; i < 1 << 16; i++) free.push(i);
  const got = new Int32Array(64);
  const samples: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const [, ms] = time(() => {
      for (let i = 0; i < n; i += 64) {
        for (let j = 0; j < 64; j++) got[j] = free.pop()!;
        for (let j = 63; j >= 0; j--) free.push(got[j]!);
      }
    });
    samples.push(ms);
  }
  return (n / median(samples)) * 1000;
}

const base = baselineFreeList(200_000);
for (const [order, n] of [
  [0, 200_000],
  [9, 20_000],
] as const) {
  const rate = allocFree(order, n);
  rows.push({
    figure: `order-${order} alloc+free pairs/s`,
    value: fmt(rate),
    baseline: `${fmt(base)} (bare JS free list)`,
    ratio: (rate / base).toFixed(3),
  });
}

// --- boot ----------------------------------------------------------------------------------------
for (const gib of [1, 4, 16]) {
  gc();
  const heap0 = process.memoryUsage();
  const samples: number[] = [];
  let m!: Machine;
  for (let rep = 0; rep < 3; rep++) {
    const [mm, ms] = time(() => {
      const x = new Machine({ ram: gib * GiB, cpus: 2 });
      x.boot();
      return x;
    });
    m = mm;
    samples.push(ms);
  }
  gc();
  const heap1 = process.memoryUsage();
  const nr = m.pages.nrPages;
  // Baseline: allocating and filling typed arrays of the same total size once.
  const [, fillMs] = time(() => {
    const a = new Uint32Array(nr * 3);
    a.fill(1);
    const b = new Int32Array(nr * 2 + 1024);
    b.fill(-1);
    const c = new Uint8Array(nr * 2);
    c.fill(1);
    return a.length + b.length + c.length;
  });
  const structPage = PageArray.bytesPerFrame();
  const perFrame =
    structPage + m.pageblocks.bits.byteLength / nr + (m.ram.hostBytes() - m.ram.backedChunks * 65536) / nr;
  // JS heap (objects, not typed-array buffers) per frame: must stay near 0 (no per-frame objects).
  const heapPerFrame = Math.max(0, heap1.heapUsed - heap0.heapUsed) / nr;
  const bootMs = median(samples);
  rows.push({
    figure: `boot ${gib} GiB (${nr.toLocaleString('en')} frames)`,
    value: `${bootMs.toFixed(1)} ms`,
    baseline: `${fillMs.toFixed(1)} ms (fill the arrays once)`,
    ratio: (bootMs / fillMs).toFixed(2),
    metadataBytesPerFrame: perFrame.toFixed(2),
    jsHeapBytesPerFrame: heapPerFrame.toFixed(2),
    target: gib === 16 ? (bootMs < 1000 ? 'boot < 1 s: met' : 'boot < 1 s: MISSED') : '',
  });
  if (perFrame > 24)
    rows.push({
      figure: `WARNING ${gib} GiB`,
      value: `${perFrame.toFixed(2)} bytes/frame exceeds the 24-byte target`,
    });
}

console.log(`MM Lab benchmark — node ${process.version}, ${new Date().toISOString()}`);
console.table(rows);

// --- the fault path, beside the host kernel ---------------------------------------------------------
const faults = faultBench();
console.log("\nFault path: emulated kernel vs this machine's kernel (bench/host/faults.c), same run");
console.table(
  faults.map((r) => ({
    mode: r.mode,
    emulated: `${fmt(r.emulated)} ${r.unit}`,
    host: r.host === null ? 'n/a' : `${fmt(r.host)} ${r.unit}`,
    'emulated/host': r.ratio === null ? 'n/a' : r.ratio.toFixed(2),
    target: r.mode === 'zero-read' && r.ratio !== null ? (r.ratio >= 1 ? '>= 1: met' : '>= 1: MISSED') : '',
  })),
);
// --- compact storage of written RAM (issue #13) -------------------------------------------------------
const compaction = compactBench();
console.log('\nWritten RAM stored compactly (PhysicalRam.compact), same run');
console.table(
  compaction.map((r) => ({
    figure: r.figure,
    value: `${r.value} ${r.unit}`,
    baseline: `${r.baseline} ${r.baselineWhat}`,
  })),
);

// --- reclaim: kswapd, direct and proactive (issue #15) ----------------------------------------------
const reclaim = reclaimBench();
console.log('\nReclaim (kswapd, direct, proactive), against page writes with no reclaim, same run');
console.table(
  reclaim.map((r) => ({
    figure: r.figure,
    value: `${r.value} ${r.unit}`,
    baseline: `${r.baseline} ${r.baselineWhat}`,
  })),
);

// --- the timeline and the views' worker side (issue #12) --------------------------------------------
const tl = await timelineBench();
const views = workerViewBench();
console.log('\nTimeline and views (worker host code path, Node)');
console.table([...tl, ...views]);

// --- one JSON line ---------------------------------------------------------------------------------
const json: BenchRow[] = [];
for (const r of rows as {
  figure: string;
  value: string;
  baseline?: string;
  ratio?: string;
  target?: string;
}[]) {
  if (r.figure.startsWith('WARNING')) continue;
  const boot = /^boot/.test(r.figure);
  const value = Number.parseFloat(String(r.value).replace(/,/g, ''));
  json.push({
    figure: r.figure,
    value,
    unit: boot ? 'ms' : 'pairs/s',
    baseline: Number.parseFloat(String(r.baseline).replace(/,/g, '')),
    baselineWhat: String(r.baseline).replace(/^[\d.,]+ ?(ms)? ?/, ''),
    target: boot && r.figure.startsWith('boot 16') ? 1000 : null,
    met: boot && r.figure.startsWith('boot 16') ? value < 1000 : null,
  });
}
const FAULT_TARGET: Record<string, number> = { 'zero-read': 2, 'write-fresh': 1, cow: 1, fork256: 1 };
for (const f of faults) {
  const target = FAULT_TARGET[f.mode] ?? null;
  json.push({
    figure: `${f.mode === 'fork256' ? 'fork of 256 MiB' : f.mode} fault path, emulated/host kernel`,
    value: f.ratio === null ? Number.NaN : Math.round(f.ratio * 1000) / 1000,
    unit: 'x host',
    baseline: f.host === null ? null : Math.round(f.host),
    baselineWhat: `host kernel ${f.unit} (emulated ${Math.round(f.emulated)} ${f.unit})`,
    target,
    higher: true,
    met: f.ratio === null || target === null ? null : f.ratio >= target,
  });
}
json.push(...compaction, ...reclaim, ...tl, ...views);
console.log(JSON.stringify({ bench: 'mmlab', rows: json }));
