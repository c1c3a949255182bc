/**
 * Compact storage of written RAM (issue #13; PhysicalRam.compact): host bytes per GiB a learner's
 * uniform write leaves before and after compaction, what compaction costs beside the write itself,
 * and the fault path with compaction between statements beside the same path without it, in the
 * same run (the write-protected CLEAN chunks must not slow the stores that follow). The fault rows
 * of bench/faults.ts run no compaction: they measure the fast path compaction leaves alone.
 */
import { exitTask, spawnTask } from '../src/core/kernel/fork.ts';
import { Machine } from '../src/core/machine.ts';
import { doMadvise, doMmap } from '../src/core/mm/mmap.ts';
import { userRead, userWrite } from '../src/core/user.ts';
import type { BenchRow } from './timeline.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const PS = 4096;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function region(m: Machine, len: number) {
  const t = spawnTask(m, 'bench', 0)!;
  const r = doMmap(m, t, len, 'rw', false, false, 0);
  doMadvise(m, t, r.addr, r.addr + len, 'nohugepage', 0);
  return { t, addr: r.addr };
}

/**
 * `A write r1 0 <len> <stride> 0x41` on a 16 GiB machine, in statements of `piece` bytes (the
 * worker's pieces): host bytes of RAM held per GiB written without compaction and with it after
 * each piece, and the milliseconds each took.
 */
function uniformWrite(len: number, stride: number, piece: number) {
  const out = { plain: 0, compact: 0, writeMs: 0, compactMs: 0 };
  for (const compact of [false, true]) {
    const m = new Machine({ ram: 16 * GiB, cpus: 2 });
    m.boot();
    m.ram.compact();
    const before = m.ram.hostBytes() - m.ram.tableBytes();
    const { t, addr } = region(m, len);
    for (let off = 0; off < len; off += piece) {
      const t0 = performance.now();
      userWrite(m, t, addr + off, piece, stride, 0x41, 0);
      const t1 = performance.now();
      if (!compact) continue;
      m.ram.compact();
      out.writeMs += t1 - t0;
      out.compactMs += performance.now() - t1;
    }
    const held = ((m.ram.hostBytes() - m.ram.tableBytes() - before) * GiB) / len;
    if (compact) out.compact = held;
    else out.plain = held;
  }
  out.writeMs *= GiB / len;
  out.compactMs *= GiB / len;
  return out;
}

/**
 * Faults per second of `round` (fresh 64 MiB region: write-fresh, or a zero-page read) on one
 * machine, alternating rounds without and with a compact() after each (untimed, as the hosts call it
 * between statements): the medians of each.
 */
function faultsWithCompaction(kind: 'write' | 'read', reps: number): { plain: number; compacted: number } {
  const m = new Machine({ ram: 4 * GiB, cpus: 2 });
  m.boot();
  const len = 64 * MiB;
  const plain: number[] = [];
  const compacted: number[] = [];
  // a few statements' worth of written RAM that compaction has looked at (CLEAN), as in an app session
  const warm = region(m, 256 * MiB);
  userWrite(m, warm.t, warm.addr, 256 * MiB, PS, 7, 0);
  for (let i = 0; i < 2 * reps + 2; i++) {
    const withCompact = i % 2 === 1;
    if (withCompact) m.ram.compact();
    const { t, addr } = region(m, len);
    const t0 = performance.now();
    if (kind === 'write') userWrite(m, t, addr, len, PS, 1, 0);
    else userRead(m, t, addr, len, PS, 0);
    const s = (performance.now() - t0) / 1000;
    if (withCompact) m.ram.compact();
    exitTask(m, t, 'done', 0);
    if (i >= 2) (withCompact ? compacted : plain).push(len / PS / s);
  }
  exitTask(m, warm.t, 'done', 0);
  return { plain: median(plain), compacted: median(compacted) };
}

export function compactBench(): BenchRow[] {
  const rows: BenchRow[] = [];
  const round = (n: number) => Math.round(n);
  for (const [what, len, stride, target] of [
    // what stays: page tables (1/512 of what they map) and chunks mixing them with data
    ['one byte per page (write r1 0 1G 4K 0x41)', GiB, PS, GiB / 100],
    // every byte through the MMU is slow (minutes per GiB): 16 MiB, in the worker's 16,384-byte pieces
    ['every byte (write r1 0 16M 1 0x41)', 16 * MiB, 1, MiB],
  ] as const) {
    const r = uniformWrite(len, stride, stride === 1 ? 16_384 : 64 * MiB);
    const held = (r.compact * len) / GiB;
    const unit = len === GiB ? 'bytes/GiB' : `bytes for ${len / MiB} MiB`;
    rows.push({
      figure: `host bytes of RAM held after ${what}, compacted after each piece`,
      value: round(held),
      unit,
      baseline: round((r.plain * len) / GiB),
      baselineWhat: `${unit} without compaction`,
      target,
      met: held <= target,
    });
    rows.push({
      figure: `compaction time per GiB written, ${what}`,
      value: round(r.compactMs),
      unit: 'ms/GiB',
      baseline: round(r.writeMs),
      baselineWhat: 'ms/GiB the write itself took',
      target: null,
      met: null,
    });
  }
  for (const kind of ['write', 'read'] as const) {
    const f = faultsWithCompaction(kind, 4);
    const ratio = f.compacted / f.plain;
    // write-fresh reuses frames freed after compaction: a chunk shared then is copied back once
    // (64 KiB per 16 faults), the price of storing it compactly
    const target = kind === 'write' ? 0.8 : 0.9;
    rows.push({
      figure:
        kind === 'write'
          ? 'write-fresh faults (frames freed after compaction) with compaction between statements / without'
          : 'zero-read faults with compaction between statements / without',
      value: Math.round(ratio * 1000) / 1000,
      unit: 'x',
      baseline: round(f.plain),
      baselineWhat: `faults/s without (with: ${round(f.compacted)})`,
      target,
      higher: true,
      met: ratio >= target,
    });
  }
  return rows;
}
