/**
 * PROT_EXEC on anonymous memory (issue #14) against the real kernel: reference/kernel-6.18/exec.json
 * (tools/oracle/exec.c) replayed by scenarios/oracle/exec.mm and compared field by field — maps
 * permissions, smaps VmFlags, the VmLib and VmData deltas, faults, and which access is SIGSEGV.
 * Also what user space cannot see: the PTEs of executable memory have NX clear.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PTE } from '../src/core/arch/pgtable.ts';
import { readEntry, walkTable } from '../src/core/mm/pgtable.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { pgtableIndex } from '../src/core/arch/pgtable.ts';
import { runMarked, smapsBlock, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/exec.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/exec.mm');
const AT: Record<string, number> = { c: 0x100000000000, x: 0x108000000000, w: 0x110000000000 };

interface Snap {
  out: string;
  smaps: string;
  lib: number;
  data: number;
  minflt: number;
}

function take({ session: s, out }: MarkContext): Snap {
  const p = s.procs.get('A')!;
  const pid = p.task.pid;
  const status = readProc(s.machine!, `/proc/${pid}/status`);
  const kb = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(status)![1]);
  return {
    out,
    smaps: readProc(s.machine!, `/proc/${pid}/smaps`),
    lib: kb('VmLib'),
    data: kb('VmData'),
    minflt: p.task.minflt,
  };
}

const MAPS: [string, string, string][] = [
  ['rx_mapped', 'start', 'c'],
  ['x_mapped', 'rx_read_16', 'x'],
  ['rwx_mapped', 'x_read', 'w'],
  ['rwx_to_rx', 'rwx_write', 'w'],
];

describe('PROT_EXEC against the kernel (exec.json)', () => {
  const snaps = runMarked(scenario, take);
  const at = (label: string) => snaps.get(label)!;
  const killed = (label: string, before: string, who: string) =>
    new RegExp(`^${who}: killed by SIGSEGV \\((\\w+)\\)`, 'm').exec(
      at(label).out.slice(at(before).out.length),
    )?.[1];

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it.each(MAPS)('%s: permissions, VmFlags, VmLib and VmData', (phase, before, region) => {
    const want = ref[phase]!;
    const b = smapsBlock(at(phase).smaps, AT[region]!)!;
    expect(b.perms).toBe(want['perms']);
    expect(b.flags.trimStart()).toBe(want['VmFlags']);
    expect(at(phase).lib - at(before).lib).toBe(want['VmLib_kB_delta']);
    expect(at(phase).data - at(before).data).toBe(want['VmData_kB_delta']);
  });

  it('reads of rx memory fault in; a write is SIGSEGV; PROT_EXEC alone still reads; rwx writes', () => {
    expect(at('rx_read_16').minflt - at('rx_mapped').minflt).toBe(ref['rx_read_16']!['minflt_delta']);
    expect(killed('x_read', 'x_mapped', 'A') !== undefined).toBe(ref['x_read']!['sigsegv']);
    expect(killed('rwx_write', 'rwx_mapped', 'A') !== undefined).toBe(ref['rwx_write']!['sigsegv']);
    expect(killed('rx_write', 'rwx_to_rx', 'B')).toBe(ref['rx_write']!['si_code']);
    expect(ref['mprotect_rx_errno']).toBe('0');
  });

  it('executable memory has NX clear in its PTEs, other memory has it set', () => {
    const r = runScenario(
      `${scenario.replace(/^spawn B[\s\S]*$/m, '')}A mmap d 64K rw at=0x118000000000\nA write d 0 1 1 1\n`,
      {
        out: () => {},
      },
    );
    const m = r.machine!;
    const mm = r.session.procs.get('A')!.task.mm!;
    const arch = m.pgtableArch;
    const nx = (va: number) => {
      const e = { lo: 0, hi: 0 };
      readEntry(m, walkTable(m, mm, va), pgtableIndex(arch, va, arch.levels - 1), e, arch.levels - 1);
      return (arch.flags(e, arch.levels - 1) & PTE.NX) !== 0;
    };
    expect([nx(AT['c']!), nx(AT['w']!), nx(0x118000000000)]).toEqual([false, false, true]);
  });
});
