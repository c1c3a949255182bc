import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNumber } from '../src/core/scenario/parse.ts';
import { runScenario } from '../src/core/scenario/run.ts';

function run(text: string) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s) });
  return { ...r, out };
}

describe('scenario language', () => {
  it('parses sizes with K/M/G suffixes and hex', () => {
    expect(parseNumber('64M')).toBe(64 * 1024 * 1024);
    expect(parseNumber('4K')).toBe(4096);
    expect(parseNumber('1G')).toBe(1 << 30);
    expect(parseNumber('0x3b34')).toBe(15156);
    expect(parseNumber('12')).toBe(12);
    expect(parseNumber('1.5G')).toBeUndefined();
    expect(parseNumber('M')).toBeUndefined();
  });

  it('prints each show with a ==> header followed by the exact file text', () => {
    const r = run('machine ram=1G\nboot\nshow /proc/buddyinfo\n');
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain(
      '==> /proc/buddyinfo <==\nNode 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n',
    );
  });

  it('allocates and frees by name, and expect checks /proc fields, variables and allocations', () => {
    const r = run(`machine ram=1G cpus=2
boot
expect /proc/buddyinfo:DMA[10] == 3
alloc k1 order=10 gfp=GFP_KERNEL|__GFP_DMA|__GFP_MOVABLE
expect pfn(k1) == 0x400
expect order(k1) == 10
expect /proc/buddyinfo:DMA[10] == 2
expect /proc/zoneinfo:DMA.managed == 3840
expect /proc/zoneinfo:DMA.free == 2816
expect /proc/pagetypeinfo:DMA.Movable[10] == 2
expect /proc/pagetypeinfo:DMA32.Movable.blocks == 504
expect /proc/meminfo:MemTotal > 900000
expect zero_page_pfn == 15156
expect dmesg contains "Memory: "
free k1
drain
expect /proc/buddyinfo:DMA[10] == 3
`);
    expect(r.failures).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('reports a failed expect with what was found, and goes on to report every one', () => {
    const r = run('boot\nexpect /proc/buddyinfo:DMA[10] == 4\nexpect zero_page_pfn != 15156\n');
    expect(r.exitCode).toBe(1);
    expect(r.failures).toEqual([
      'line 2: expect /proc/buddyinfo:DMA[10] == 4: found 3',
      'line 3: expect zero_page_pfn != 15156: found 15156',
    ]);
  });

  it('points at the line and column of a malformed statement', () => {
    const cases: [string, number, number, RegExp][] = [
      ['machine ram=1G\nbogus 1\n', 2, 1, /unknown command 'bogus'/],
      ['machine ram=1G colour=red\n', 1, 16, /unknown key 'colour'/],
      ['machine ram=lots\n', 1, 13, /expected a size/],
      ['machine ram=64M\nboot\n', 1, 9, /too small/], // at the bad key
      ['boot\nalloc k1 order=99\n', 2, 16, /out of range 0..10/],
      ['boot\nalloc k1 order=1 gfp=GFP_BOGUS\n', 2, 22, /unknown GFP flag 'GFP_BOGUS'/],
      ['boot\nfree nothing\n', 2, 6, /nothing is allocated under the name 'nothing'/],
      ['alloc k1 order=1\n', 1, 1, /has not finished booting/],
      ['boot\nshow /proc/nonesuch\n', 2, 6, /\/proc\/nonesuch: no such file/],
      ['boot\nexpect zero_page_pfn ~= 1\n', 2, 22, /unknown operator/],
      ['boot\nexpect dmesg contains "Memory\n', 2, 23, /unterminated string/],
      ['boot\nboot\n', 2, 1, /already booted/],
      ['boot until=nonesuch\n', 1, 12, /no boot step 'nonesuch'/],
    ];
    for (const [text, line, col, msg] of cases) {
      const r = run(text);
      expect(r.exitCode, text).toBe(2);
      expect(r.error?.message, text).toMatch(msg);
      expect([r.error?.line, r.error?.col], text).toEqual([line, col]);
    }
  });

  it('treats an out-of-memory allocation as kernel behaviour, not a scenario error', () => {
    const r = run(
      'machine ram=128M\nboot\nalloc a order=10 gfp=GFP_DMA\nalloc b order=10 gfp=GFP_DMA\nalloc c order=10 gfp=GFP_DMA\nalloc d order=10 gfp=GFP_DMA\n',
    );
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('page allocation failure: order:10, mode:0x1(__GFP_DMA), nodemask=(null)');
    expect(r.machine!.named.has('d')).toBe(false);
  });

  it('refuses a process named after a command, with the column', () => {
    const r = run('boot\nspawn sleep\n');
    expect(r.exitCode).toBe(2);
    expect([r.error?.line, r.error?.col]).toEqual([2, 7]);
    expect(r.error?.message).toMatch(/'sleep' is a command/);
  });

  it('frees unhooked page tables only after an RCU grace period (sleep), as Linux 6.18 does', () => {
    const r = run(`boot
spawn A
A mmap r 16M rw at=0x100000000000
A write r 0 16M 4K 1
expect /proc/vmstat:nr_page_table_pages == 14
expect /proc/A/status:VmPTE == 52
A munmap r
expect /proc/A/status:VmPTE == 12
expect /proc/vmstat:nr_page_table_pages == 14
sleep
expect /proc/vmstat:nr_page_table_pages == 4
`);
    // PGD + stack (PUD, PMD, PTE) + region (PUD, PMD, 8 PTE); VmPTE counts all but the PGD.
    expect(r.failures).toEqual([]);
  });

  it('steps through boot and prints kernel variables as a debugger would', () => {
    const r = run(
      'boot until=init_zero_page_pfn\nprint zero_page_pfn\nstep\nprint zero_page_pfn\nprint __zero_page\nprint empty_zero_page\n',
    );
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain(
      'zero_page_pfn = 0x0\nstep: mm_core_init → init_zero_page_pfn (mm/mm_init.c)\n# empty_zero_page at 0x3b34000 (BSS), __zero_page = virt_to_page(empty_zero_page)\nzero_page_pfn = 0x3b34\n__zero_page = 0xffffea00000ecd00\nempty_zero_page = 0xffffffff83b34000\n',
    );
  });
});

describe('mm CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmlab-'));
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/mm.ts', ...args], {
      encoding: 'utf8',
      input,
      cwd: join(import.meta.dirname, '..'),
    });

  it('exits 0, 1 and 2 as documented, and reads standard input for -', () => {
    const ok = join(dir, 'ok.mm');
    writeFileSync(ok, 'boot\nshow /proc/buddyinfo\nexpect zero_page_pfn == 15156\n');
    const r0 = cli(['run', ok]);
    expect(r0.status).toBe(0);
    expect(r0.stdout).toContain('==> /proc/buddyinfo <==');

    const r1 = cli(['run', '-'], 'boot\nexpect zero_page_pfn == 1\n');
    expect(r1.status).toBe(1);
    expect(r1.stderr).toContain('<stdin>: line 2: expect zero_page_pfn == 1: found 15156');

    const bad = join(dir, 'bad.mm');
    writeFileSync(bad, '# a comment\nmachine ram=1G cpus=two\n');
    const r2 = cli(['run', bad]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toBe(`${bad}:2:21: machine: cpus=two: expected a number\n`);
    expect(r2.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace

    const missing = cli(['run', join(dir, 'nope.mm')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.mm: ENOENT/);
  });
});

describe('example scenarios', () => {
  const dir = new URL('../scenarios/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.mm'));
  it.each(files)('scenarios/%s runs, and every expect in it holds', (f) => {
    const r = run(readFileSync(new URL(f, dir), 'utf8'));
    expect(r.error?.message).toBeUndefined();
    expect(r.failures).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
});

describe('/proc/<pid>/maps', () => {
  it('prints offset 00000000 for anonymous memory however it was split (show_map_vma: pgoff only for files)', () => {
    const r = run(`machine ram=1G
boot
spawn A
A mmap r1 4M rw
A mprotect r1 1M 4K r
A mmap s1 64K rw shared
show /proc/A/maps
`);
    const lines = r.out.split('==> /proc/A/maps <==\n')[1]!.trim().split('\n');
    // r1 split in three, s1 (shmem: /dev/zero (deleted)), [stack]
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l.split(' ')[2]).toBe('00000000');
    expect(lines.filter((l) => l.includes(' r--p '))).toHaveLength(1);
  });
});

describe('mistakes a newcomer makes get a message that says what and where', () => {
  it('show before any boot step', () => {
    const r = run('machine ram=1G\nshow /proc/meminfo\n');
    expect(r.exitCode).toBe(2);
    expect(r.error?.line).toBe(2);
    expect(r.error?.message).toMatch(/not started booting.*add 'boot'/);
  });
  it('an x86-64-only key or view on another architecture', () => {
    const pcid = run('machine arch=arm64 pcid=no\nboot\n');
    expect(pcid.exitCode).toBe(2);
    expect(pcid.error?.message).toMatch(/pcid=no: PCIDs are an x86-64 feature/);
    const tlb = run('machine arch=mips\nboot\nshow tlb\n');
    expect(tlb.error?.line).toBe(3);
    expect(tlb.error?.message).toMatch(/arch=mips has no TLB view/);
  });
  it('boot until= a step already run', () => {
    const r = run('machine ram=1G\nstep\nstep\nboot until=e820__memory_setup\n');
    expect(r.exitCode).toBe(2);
    expect(r.error?.line).toBe(4);
    expect(r.error?.message).toMatch(/already past 'e820__memory_setup'/);
  });
});
