/**
 * Threads sharing an mm (issue #14) against the real kernel: reference/kernel-6.18/threads.json
 * (tools/oracle/threads.c) replayed by scenarios/oracle/threads.mm and compared field by field —
 * whose faults a write counts, RssAnon of the one address space, Threads and Tgid in status, the
 * group's faults in /proc/<pid>/stat, and what a thread's munmap and exit leave to the process.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, smapsBlock, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/threads.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/threads.mm');
const BASE = 0x100000000000;

interface Side {
  pid: number;
  minflt: number;
  status: string;
  stat: string;
}
interface Snap {
  out: string;
  A: Side;
  T: Side;
  smaps: string;
}

function side({ session: s }: MarkContext, name: string): Side {
  const t = s.procs.get(name)!.task;
  return {
    pid: t.pid,
    minflt: t.minflt,
    status: readProc(s.machine!, `/proc/${t.pid}/status`),
    stat: readProc(s.machine!, `/proc/${t.pid}/stat`),
  };
}
const field = (status: string, f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(status)![1]);
const statMinflt = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);

describe('threads sharing an mm against the kernel (threads.json)', () => {
  const snaps = runMarked<Snap>(scenario, (c) => ({
    out: c.out,
    A: side(c, 'A'),
    T: side(c, 'T'),
    smaps: readProc(c.session.machine!, `/proc/${c.session.procs.get('A')!.task.pid}/smaps`),
  }));
  const at = (label: string) => snaps.get(label)!;

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  it("a thread's writes are its faults, one RSS for the process; Threads, Tgid and the group's stat", () => {
    const want = ref['thread_writes_0_7']!;
    const [a, b] = [at('start'), at('thread_writes')];
    expect(b.T.minflt - a.T.minflt).toBe(want['thread_minflt']);
    expect(b.A.minflt - a.A.minflt).toBe(want['main_thread_minflt']);
    expect(field(b.A.status, 'RssAnon') - field(a.A.status, 'RssAnon')).toBe(want['RssAnon_kB_delta']);
    expect(field(b.A.status, 'Threads')).toBe(want['Threads']);
    expect(field(b.T.status, 'Tgid') === b.A.pid).toBe(want['thread_Tgid_is_main_pid']);
    expect(field(b.T.status, 'Pid') === b.T.pid).toBe(want['thread_Pid_is_its_tid']);
    expect(field(b.T.status, 'RssAnon') - field(b.A.status, 'RssAnon')).toBe(
      want['thread_RssAnon_kB_minus_main'],
    );
    expect(statMinflt(b.A.stat) - statMinflt(a.A.stat) >= (want['thread_minflt'] as number)).toBe(
      want['stat_minflt_counts_the_thread'],
    );
  });

  it("the process reads the thread's pages without a fault", () => {
    const [a, b] = [at('thread_writes'), at('main_reads')];
    expect(b.A.minflt - a.A.minflt).toBe(ref['main_reads_0_7']!['minflt_delta']);
    const sum = /A: checksum 0x[0-9a-f]+ \d+: \d+ bytes, sum 0x([0-9a-f]+)/.exec(at('pre_exit').out)![1]!;
    expect(parseInt(sum, 16)).toBe(ref['main_reads_0_7']!['byte_sum']);
  });

  it("a thread's munmap cuts the process's region; its exit leaves the memory", () => {
    const want = ref['thread_munmaps_0_3_and_exits']!;
    const [a, b] = [at('pre_exit'), at('thread_exits')];
    expect(field(b.A.status, 'RssAnon') - field(a.A.status, 'RssAnon')).toBe(want['RssAnon_kB_delta']);
    expect(field(b.A.status, 'Threads')).toBe(want['Threads']);
    expect(smapsBlock(b.smaps, BASE) !== undefined).toBe(want['page0_mapped']);
    expect(smapsBlock(b.smaps, BASE + 4 * 4096)?.field('Size') ?? -1).toBe(want['vma_from_page4_Size']);
  });

  it('a fatal fault in a thread kills the whole process; the process exiting takes its threads', () => {
    let out = '';
    const r = runScenario(
      'machine ram=1G\nboot\nspawn A\nA mmap r 64K r\nA thread T\nA thread U\nT write r 0 4K 4K 1\nspawn B\nB thread C\nB exit\nsleep\n',
      { out: (t) => (out += t), check: true },
    );
    expect(r.exitCode, out.slice(-400)).toBe(0);
    for (const name of ['A', 'T', 'U'])
      expect(out).toMatch(new RegExp(`^${name}: killed by SIGSEGV \\(SEGV_ACCERR\\)`, 'm'));
    expect(r.machine!.vmstat.get('nr_page_table_pages')).toBe(0);
    const names = (pid: number) => r.machine!.tasks.get(pid)!.state;
    expect([...r.session.procs.values()].map((p) => `${p.name}:${names(p.task.pid)}`)).toEqual([
      'A:Z',
      'T:Z',
      'U:Z',
      'B:Z',
      'C:Z',
    ]);
  });
});
