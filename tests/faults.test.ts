import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../src/core/check.ts';
import { runScenario } from '../src/core/scenario/run.ts';

function run(text: string) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s) });
  if (r.machine?.booted) assertInvariants(r.machine);
  return { ...r, out };
}

describe('faults from scenarios', () => {
  it('reads a sparse region through one zero page, then a write allocates one zeroed frame (S1/S2 in small)', () => {
    const r = run(`boot
spawn A
A mmap r1 1M rw
A read r1 0 1M 4K
pagemap A r1 0 8K
A write r1 4K 1 1 7
pagemap A r1 0 8K
`);
    expect(r.exitCode).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.startsWith('0x7'));
    // zero page: present (bit 63), pfn 0x3b34, not exclusive, not file
    // 1 MiB is not a multiple of PMD_SIZE, so no THP alignment: mmap_base - 1 MiB
    expect(lines[0]).toMatch(/^0x7ffff7eff000 0x8000000000003b34$/);
    expect(lines[1]).toMatch(/^0x7ffff7f00000 0x8000000000003b34$/);
    // after the write: a new pfn, exclusive (bit 56)
    expect(lines[2]).toBe(lines[0]);
    expect(lines[3]).toMatch(/^0x7ffff7f00000 0x81000000000[0-9a-f]{5}$/);
    expect(lines[3]).not.toContain('3b34');
    const t = r.session.procs.get('A')!.task;
    expect(t.minflt).toBe(1 + 256 + 1); // the stack page, 256 read faults, 1 write fault
    expect(t.mm!.rss[1]).toBe(2); // the stack page and the written page
  });

  it('kills a process that writes to read-only memory or touches unmapped memory, and says so', () => {
    const r = run(`boot
spawn A
A mmap ro 8K r
A write ro 0 1 1 1
spawn B
B mmap gone 8K rw
B munmap gone 4K 4K
B mmap keep 4K rw
spawn C
C mmap n 4K none
C read n 0 1 1
`);
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('A: killed by SIGSEGV (SEGV_ACCERR) at 0x7ffff7ffd000\n');
    expect(r.out).toContain('C: killed by SIGSEGV (SEGV_ACCERR) at 0x7ffff7ffe000\n');
    const r2 = run(`boot
spawn B
B mmap gone 8K rw
B munmap gone 4K 4K
B read gone 4K 1 1
`);
    expect(r2.out).toMatch(/B: killed by SIGSEGV \(SEGV_MAPERR\) at 0x7ffff7ffe000\n/);
    // a dead process cannot do more
    const r3 = run('boot\nspawn A\nA mmap r 4K r\nA write r 0 1 1 1\nA read r 0 1 1\n');
    expect(r3.exitCode).toBe(2);
    expect(r3.error!.message).toMatch(/A is no longer running \(killed by SIGSEGV/);
  });

  it('runs the OOM killer when a fault cannot get memory, kills the biggest process, and keeps running', () => {
    const r = run(`machine ram=128M
boot
spawn A
spawn B
B mmap small 8M rw
B write small 0 8M 4K 1
A mmap big 200M rw
A write big 0 200M 4K 1
B read small 0 8M 4K
`);
    expect(r.exitCode).toBe(0);
    expect(r.out).toMatch(
      /A invoked oom-killer: gfp_mask=0x[0-9a-f]+\(GFP_HIGHUSER_MOVABLE\|__GFP_ZERO\), order=0, oom_score_adj=0\n/,
    );
    expect(r.out).toMatch(
      /Out of memory: Killed process 100 \(A\) total-vm:\d+kB, anon-rss:\d+kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:\d+kB oom_score_adj:0\n/,
    );
    expect(r.out).toContain('A: killed by SIGKILL (out of memory)\n');
    expect(r.out).not.toContain('page allocation failure');
    const b = r.session.procs.get('B')!.task;
    expect(b.state).toBe('R');
    expect(b.mm!.rss[1]).toBe(1 + 2048);
    // A's memory went back: the machine has room again
    expect(r.machine!.alloc.nrFreePages()).toBeGreaterThan(10000);
  });

  it('shares anon pages after fork; the first writer copies, the last one reuses', () => {
    const r = run(`boot
spawn A
A mmap r 64K rw
A write r 0 64K 4K 1
A fork B
B write r 0 64K 4K 2
A write r 0 64K 4K 3
`);
    expect(r.exitCode).toBe(0);
    const m = r.machine!;
    const a = r.session.procs.get('A')!.task;
    const b = r.session.procs.get('B')!.task;
    // B copied 16 pages, A reused its own 16 in place
    expect(b.minflt).toBe(16);
    expect(a.minflt).toBe(1 + 16 + 16);
    // A's stack page is still shared with B (neither wrote it since the fork): 1 + 16 + 16
    expect(m.vmstat.get('nr_anon_pages')).toBe(1 + 32);
  });

  it('regression: a shmem read at an unaligned address after DONTNEED mapped the page twice', () => {
    // Found by the process property test: fault-around mapped the page, then the fault mapped it
    // again because it compared the unaligned address with page addresses.
    const r = run(
      'boot\nspawn A\nA mmap s 4K rw shared populate\nA madvise s 0 4K dontneed\nA read s 123 1 1\n',
    );
    expect(r.exitCode).toBe(0);
    const t = r.session.procs.get('A')!.task;
    expect(t.mm!.rss[3]).toBe(1);
  });
});
