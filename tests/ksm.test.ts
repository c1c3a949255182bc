/**
 * KSM with use_zero_pages (issue #15) against the real kernel: reference/kernel-6.18/ksm.json
 * (tools/oracle/ksm.c) replayed by scenarios/oracle/ksm.mm and compared field by field at every
 * mark: how many of the range's pages are present and how many map the zero page, the process's
 * ksm_stat, the sysfs counters, smaps Rss/KSM and the `mg` VmFlag of the VMA at the range's start,
 * and the RssAnon and minflt deltas.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KPF, kpageflags, pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { runMarked, smapsBlock, type MarkContext } from './helpers/marked.ts';

type Obj = Record<string, number | boolean>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/ksm.json')) as Record<string, Obj>;
const scenario = read('scenarios/oracle/ksm.mm');
const BASE = 0x100000000000;

function take({ session: s }: MarkContext): Obj {
  const m = s.machine!;
  const t = s.procs.get('A')!.task;
  const mm = t.mm!;
  let present = 0;
  let zero = 0;
  for (let i = 0; i < 64; i++) {
    const e = pagemapEntry(m, mm, BASE + i * m.pageSize);
    if (!(e >> 63n)) continue;
    present++;
    if ((kpageflags(m, Number(e & ((1n << 55n) - 1n))) >> BigInt(KPF.ZERO_PAGE)) & 1n) zero++;
  }
  const stat = readProc(m, `/proc/${t.pid}/ksm_stat`);
  const num = (text: string, re: RegExp) => Number(re.exec(text)![1]);
  const sys = (name: string) => Number(readProc(m, `/sys/kernel/mm/ksm/${name}`));
  const b = smapsBlock(readProc(m, `/proc/${t.pid}/smaps`), BASE)!;
  return {
    present,
    zero_page_ptes: zero,
    ksm_zero_pages: num(stat, /^ksm_zero_pages (-?\d+)$/m),
    ksm_merging_pages: num(stat, /^ksm_merging_pages (\d+)$/m),
    ksm_mergeable: /^ksm_mergeable: yes$/m.test(stat),
    sys_ksm_zero_pages: sys('ksm_zero_pages'),
    sys_pages_shared: sys('pages_shared'),
    sys_pages_sharing: sys('pages_sharing'),
    Rss: b.field('Rss'),
    KSM: b.field('KSM'),
    mg: b.flags.includes(' mg '),
    RssAnon: num(readProc(m, `/proc/${t.pid}/status`), /^RssAnon:\s+(\d+)/m),
    minflt: t.minflt,
  };
}

describe('KSM with use_zero_pages against the kernel (ksm.json)', () => {
  const snaps = runMarked(scenario, take);
  // every field but the absolute RssAnon and minflt (libc, stack: compared as deltas below)
  const strip = (o: Obj) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'RssAnon' && k !== 'minflt'));

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  for (const label of ['mergeable', 'scan_1', 'scan_2', 'write_0', 'fork_child_exited', 'unmergeable_0_15'])
    it(`${label}: present and zero-page PTEs, ksm_stat, sysfs, smaps as the kernel shows them`, () => {
      expect(strip(snaps.get(label)!)).toEqual(strip(ref[label]!));
    });

  it('RssAnon falls by the merged pages and rises by each unshared one; a write takes one fault', () => {
    const d = (a: string, b: string, k: string) =>
      (snaps.get(b)![k] as number) - (snaps.get(a)![k] as number);
    const r = (a: string, b: string, k: string) => (ref[b]![k] as number) - (ref[a]![k] as number);
    for (const [a, b] of [
      ['scan_1', 'scan_2'],
      ['scan_2', 'write_0'],
      ['fork_child_exited', 'unmergeable_0_15'],
    ])
      expect(d(a!, b!, 'RssAnon')).toBe(r(a!, b!, 'RssAnon'));
    expect(d('scan_2', 'write_0', 'minflt')).toBe(r('scan_2', 'write_0', 'minflt'));
  });

  it('the child of a fork counts the KSM zero pages it inherits; munmap takes the rest away', () => {
    const s = runMarked(scenario, ({ session }) => {
      const b = session.procs.get('B');
      return b && b.task.mm
        ? Number(
            /^ksm_zero_pages (\d+)$/m.exec(readProc(session.machine!, `/proc/${b.task.pid}/ksm_stat`))![1],
          )
        : -1;
    });
    expect(s.get('forked')).toBe(ref['fork_child_ksm_zero_pages']);
    expect(snaps.get('munmap_16_31')!['ksm_zero_pages']).toBe(ref['munmap_16_31']!['ksm_zero_pages']);
    expect(snaps.get('munmap_16_31')!['sys_ksm_zero_pages']).toBe(ref['munmap_16_31']!['sys_ksm_zero_pages']);
  });
});

describe('KSM beyond the record (review regressions)', () => {
  const run = (body: string) => {
    let out = '';
    const r = runScenario(`machine arch=x86_64 ram=1G cpus=2\nboot\nspawn A\n${body}`, {
      out: (t) => (out += t),
      check: true,
    });
    return { out, exitCode: r.exitCode };
  };
  const merged =
    'A mmap r 64K rw at=0x100000000000\nA write r 0 64K 4K 0\nA madvise r 0 64K mergeable\nksm scan 2 use_zero_pages=yes\n';

  it('MADV_UNMERGEABLE keeps a read-only range read-only (an unshare fault, not a write fault)', () => {
    const r = run(merged + 'A mprotect r 0 64K r\nA madvise r 0 64K unmergeable\nA write r 0 4K 4K 1\n');
    expect(r.out).toContain('A: killed by SIGSEGV (SEGV_ACCERR)');
  });

  /** the number after `name` in each `show` of a file, in order */
  const shown = (out: string, name: string) =>
    [...out.matchAll(new RegExp(`^${name}:? (\\S+)$`, 'gm'))].map((x) => x[1]);

  it('KSM zero pages under PROT_NONE are still counted: a fork child inherits them, munmap drops them', () => {
    const r = run(
      merged +
        'A mprotect r 0 64K none\nA fork B\nshow /proc/B/ksm_stat\nB exit\n' +
        'A munmap r\nshow /proc/A/ksm_stat\nshow /sys/kernel/mm/ksm/ksm_zero_pages\n',
    );
    expect(r.exitCode).toBe(0);
    expect(shown(r.out, 'ksm_zero_pages')).toEqual(['16', '0']);
    expect(r.out).toMatch(/==> \/sys\/kernel\/mm\/ksm\/ksm_zero_pages <==\n0\n/);
  });

  it('ksm_mergeable says whether a VMA is VM_MERGEABLE; a merged page loses its rmap item at the next scan', () => {
    const r = run(
      merged +
        'show /proc/A/ksm_stat\nksm scan\nshow /proc/A/ksm_stat\nA madvise r 0 64K unmergeable\nshow /proc/A/ksm_stat\n',
    );
    expect(r.exitCode).toBe(0);
    expect(shown(r.out, 'ksm_rmap_items')).toEqual(['16', '0', '0']);
    expect(shown(r.out, 'ksm_mergeable')).toEqual(['yes', 'yes', 'no']);
  });
});
