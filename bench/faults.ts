/**
 * Fault-path figures of the emulated kernel beside the host kernel's, measured in the same run by
 * bench/host/faults.c (built here with cc): zero-page read faults, write faults on fresh pages,
 * COW faults after fork, and fork of a process with 256 MiB written. Target (issue #3): the
 * emulator's zero-page read-fault rate at least equal to the real kernel's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitTask, forkTask, spawnTask } from '../src/core/kernel/fork.ts';
import { Machine } from '../src/core/machine.ts';
import { doMadvise, doMmap, doMunmap } from '../src/core/mm/mmap.ts';
import { userRead, userWrite } from '../src/core/user.ts';

const MiB = 1024 * 1024;
const PS = 4096;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Time `timed` after `setup`, `reps` times after two warm-up rounds (JIT), and run `teardown`
 * outside the timed window — as the host program keeps mmap/munmap out of its window. Returns the
 * median seconds.
 */
function measure(reps: number, setup: () => { timed: () => void; teardown: () => void }): number {
  const times: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const { timed, teardown } = setup();
    const t0 = performance.now();
    timed();
    const dt = (performance.now() - t0) / 1000;
    teardown();
    if (i >= 2) times.push(dt);
  }
  return median(times);
}

export interface FaultRow {
  mode: string;
  unit: string;
  emulated: number;
  host: number | null;
  ratio: number | null;
}

function hostFigures(): Map<string, number> {
  const out = new Map<string, number>();
  const dir = fileURLToPath(new URL('./host/bin/', import.meta.url));
  const src = fileURLToPath(new URL('./host/faults.c', import.meta.url));
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('cc', ['-O2', '-std=c11', '-Wall', '-Wextra', '-o', dir + 'faults', src], { stdio: 'pipe' });
    for (const mode of ['zero-read', 'write-fresh', 'cow', 'fork256']) {
      const j = JSON.parse(execFileSync(dir + 'faults', [mode], { encoding: 'utf8' })) as {
        per_second: number;
      };
      out.set(mode, j.per_second);
    }
  } catch (e) {
    console.error(`host kernel figures unavailable (needs cc): ${(e as Error).message.split('\n')[0]}`);
  }
  return out;
}

export function faultBench(): FaultRow[] {
  const m = new Machine({ ram: 4 * 1024 * MiB, cpus: 2 });
  m.boot();
  const rows: FaultRow[] = [];
  const region = (len: number) => {
    const t = spawnTask(m, 'bench', 0)!;
    const r = doMmap(m, t, len, 'rw', false, false, 0);
    // as the host program does: keep THP out of it
    doMadvise(m, t, r.addr, r.addr + len, 'nohugepage', 0);
    return { t, addr: r.addr };
  };

  // zero-read: 256 MiB, one byte per page
  const zr = measure(7, () => {
    const { t, addr } = region(256 * MiB);
    return { timed: () => userRead(m, t, addr, 256 * MiB, PS, 0), teardown: () => exitTask(m, t, 'done', 0) };
  });
  // write-fresh: 256 MiB
  const wf = measure(5, () => {
    const { t, addr } = region(256 * MiB);
    return {
      timed: () => userWrite(m, t, addr, 256 * MiB, PS, 1, 0),
      teardown: () => exitTask(m, t, 'done', 0),
    };
  });
  // cow: 64 MiB written, fork, parent writes again while the child still maps it
  const cow = measure(5, () => {
    const { t, addr } = region(64 * MiB);
    userWrite(m, t, addr, 64 * MiB, PS, 1, 0);
    const child = forkTask(m, t, 'child', 0)!;
    return {
      timed: () => userWrite(m, t, addr, 64 * MiB, PS, 2, 0),
      teardown: () => {
        exitTask(m, child, 'done', 0);
        exitTask(m, t, 'done', 0);
      },
    };
  });
  // fork256: fork + child exit of a process with 256 MiB written (the host times both too)
  const { t, addr } = region(256 * MiB);
  userWrite(m, t, addr, 256 * MiB, PS, 1, 0);
  const fk = measure(9, () => ({
    timed: () => exitTask(m, forkTask(m, t, 'child', 0)!, 'done', 0),
    teardown: () => {},
  }));
  doMunmap(m, t, addr, addr + 256 * MiB, 0);

  const host = hostFigures();
  const add = (mode: string, unit: string, emulated: number) => {
    const h = host.get(mode) ?? null;
    rows.push({ mode, unit, emulated, host: h, ratio: h ? emulated / h : null });
  };
  add('zero-read', 'faults/s', 65536 / zr);
  add('write-fresh', 'faults/s', 65536 / wf);
  add('cow', 'faults/s', 16384 / cow);
  add('fork256', 'forks/s', 1 / fk);
  return rows;
}
