/**
 * mlock2(MLOCK_ONFAULT), mlockall and munlockall (issue #14) against the real kernel:
 * reference/kernel-6.18/mlockall.json (tools/oracle/mlockall.c) replayed by
 * scenarios/oracle/mlockall.mm and compared field by field — errno, VmLck deltas, faults, and
 * smaps Size/Rss/Locked with the lo/lf VmFlags of the VMAs the record names.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, smapsBlock, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/mlockall.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/mlockall.mm');
const SLOT = [0x100000000000, 0x108000000000, 0x110000000000];

interface Snap {
  out: string;
  smaps: string;
  vmLck: number;
  minflt: number;
  heapPresent: number;
}

function take({ session: s, out }: MarkContext): Snap {
  const p = s.procs.get('A')!;
  const m = s.machine!;
  const pid = p.task.pid;
  const mm = p.task.mm!;
  let heapPresent = 0;
  for (let a = mm.startBrk; a < mm.brk; a += m.pageSize) if (pagemapEntry(m, mm, a) >> 63n) heapPresent++;
  return {
    out,
    smaps: readProc(m, `/proc/${pid}/smaps`),
    vmLck: Number(/^VmLck:\s+(\d+)/m.exec(readProc(m, `/proc/${pid}/status`))![1]),
    minflt: p.task.minflt,
    heapPresent,
  };
}

function vma(smaps: string, va: number): Obj {
  const b = smapsBlock(smaps, va)!;
  return {
    Size: b.field('Size'),
    Rss: b.field('Rss'),
    Locked: b.field('Locked'),
    lo: b.flags.includes(' lo '),
    lf: b.flags.includes(' lf '),
  };
}

describe('mlock2(MLOCK_ONFAULT), mlockall and munlockall against the kernel (mlockall.json)', () => {
  const snaps = runMarked(scenario, take);
  const at = (label: string) => snaps.get(label)!;
  const printed = (label: string, before: string) => at(label).out.slice(at(before).out.length);

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it('MLOCK_ONFAULT locks without faulting; pages are Locked as they fault in', () => {
    const want = ref['mlock2_onfault']!;
    expect(printed('mlock2_onfault', 'start')).not.toMatch(/A: mlock:/);
    expect(want['errno']).toBe('0');
    expect(at('mlock2_onfault').vmLck - at('start').vmLck).toBe(want['VmLck_kB_delta']);
    expect(at('mlock2_onfault').minflt - at('start').minflt).toBe(want['minflt_delta']);
    expect(vma(at('mlock2_onfault').smaps, SLOT[0]!)).toEqual(ref['mlock2_onfault_vma']);
    expect(at('write_0_3').minflt - at('mlock2_onfault').minflt).toBe(ref['write_0_3']!['minflt_delta']);
    expect(vma(at('write_0_3').smaps, SLOT[0]!)).toEqual(ref['after_write_vma']);
  });

  it('mlockall without MCL_CURRENT or MCL_FUTURE is EINVAL', () => {
    const errs = [...printed('pre_future', 'write_0_3').matchAll(/^A: mlockall: (\w+)$/gm)].map((x) => x[1]);
    expect(errs).toEqual([ref['mlockall_0_errno'], ref['mlockall_onfault_only_errno']]);
  });

  it('MCL_FUTURE: the next mapping and the heap growth are locked and faulted in; with MCL_ONFAULT, locked only', () => {
    expect(at('mlockall_future').vmLck - at('pre_future').vmLck).toBe(ref['mlockall_future_VmLck_kB_delta']);
    expect(vma(at('future_mmap').smaps, SLOT[1]!)).toEqual(ref['future_mmap_vma']);
    expect(at('future_mmap').vmLck - at('pre_future').vmLck).toBe(ref['future_mmap_VmLck_kB_delta']);
    expect(at('future_brk').vmLck - at('future_mmap').vmLck).toBe(ref['future_brk_VmLck_kB_delta']);
    expect(at('future_brk').heapPresent).toBe(ref['future_brk_pages']!['present']);
    expect(vma(at('future_onfault_mmap').smaps, SLOT[2]!)).toEqual(ref['future_onfault_mmap_vma']);
  });

  it('munlockall unlocks everything; MCL_CURRENT then locks and faults in every mapping', () => {
    expect(at('munlockall').vmLck).toBe(ref['munlockall_VmLck_kB']);
    expect(vma(at('munlockall').smaps, SLOT[0]!)).toEqual(ref['munlockall_slot0_vma']);
    expect(vma(at('munlockall').smaps, SLOT[1]!)).toEqual(ref['munlockall_slot1_vma']);
    expect(vma(at('mlockall_current').smaps, SLOT[0]!)).toEqual(ref['mlockall_current_slot0_vma']);
    expect(vma(at('mlockall_current').smaps, SLOT[2]!)).toEqual(ref['mlockall_current_slot2_vma']);
  });
  it('stack growth keeps the stack VMA’s flags: MCL_FUTURE alone leaves it unlocked, MCL_CURRENT locked it (checked on this machine’s kernel: VmLck +0, then +64 kB)', () => {
    let out = '';
    const r = runScenario(
      [
        'machine ram=1G',
        'boot',
        'spawn A',
        'A mlockall future',
        'A write 0x7ffffffce000 0 1 1 1',
        'expect /proc/A/status:VmLck == 0',
        'A mlockall current future',
        'expect /proc/A/status:VmLck == 196',
        'A write 0x7ffffffbe000 0 1 1 1',
        'expect /proc/A/status:VmLck == 260',
      ].join('\n'),
      { out: (t) => (out += t), check: true },
    );
    expect(r.exitCode, out.slice(-400)).toBe(0);
  });
});
