/**
 * What a process reads is observable (issue #14): `dump` prints the bytes a process reads and
 * `checksum` digests them, both through the process's own page tables, faulting as a real load
 * does; `expect dump ...` checks them.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, Session } from '../src/core/scenario/run.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';

function run(text: string) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s) });
  return { ...r, out };
}

const HEAD = 'machine arch=x86_64 ram=256M cpus=2\nboot\nspawn A\n';

describe('dump and checksum: the bytes a process reads', () => {
  it('the child of a fork still reads the parent data after the parent rewrote it', () => {
    const r = run(`${HEAD}A mmap r 8K rw
A write r 0 8K 1 0x41
A fork B
A write r 0 8K 1 0x50
B dump r 4094 4
expect dump == "41 41 41 41"
A dump r 4094 4
expect dump == "50 50 50 50"
`);
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('B: dump 0x');
    expect(r.out).toMatch(/ {2}41 41 41 41 {39}\|AAAA\|/);
  });

  it('DONTNEED of private anonymous memory reads back zeros; of shared memory keeps the data', () => {
    const r = run(`${HEAD}A mmap p 16K rw
A mmap s 16K rw shared
A write p 0 16K 1 7
A write s 0 16K 1 7
A madvise p 0 16K dontneed
A madvise s 0 16K dontneed
A checksum p 0 16K
expect dump_sum == 0
expect dump_len == 16384
A checksum s 0 16K
expect dump_sum == 114688
expect dump_nonzero == 16384
`);
    expect(r.exitCode).toBe(0);
  });

  it('a dump faults like a real read: one minor fault per untouched page, mapping the zero page', () => {
    const r = run(`${HEAD}A mmap r 64K rw
A dump r 0 64K
expect /proc/A/stat:10 == 17
expect /proc/A/status:RssAnon == 4
A dump r 0 64K
expect /proc/A/stat:10 == 17
`);
    // minflt: the stack page exec left written, then one per page read; RssAnon is the stack's
    // one page: the 16 read faults map the zero page (no RSS), the second dump takes no fault
    expect(r.exitCode).toBe(0);
    // each 64 KiB of zeros: the first line, one '*' for the 4094 equal lines, the last line
    const lines = r.out.split('\n').filter((l) => /^[0-9a-f]{16} {2}|^\*$/.test(l));
    expect(lines.length).toBe(6);
    expect(lines[2]).toMatch(/^00007ffff7ffeff0 {2}00 00/);
    expect(lines[1]).toBe('*');
  });

  it('a dump of PROT_NONE memory is killed by SIGSEGV like a load, and says how far it got', () => {
    const r = run(`${HEAD}A mmap r 8K rw
A write r 0 8K 1 1
A mprotect r 4K 4K none
A checksum r 0 8K
expect dump_len == 4096
`);
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('killed by SIGSEGV (SEGV_ACCERR)');
    expect(r.out).toContain('A: checksum stopped after 4096 bytes');
  });

  it('checksum gives zlib crc32 of the bytes read', () => {
    const r = run(`${HEAD}A mmap r 64K rw
A checksum r 0 64K
expect dump_crc32 == 0xd7978eeb
`);
    expect(r.exitCode).toBe(0);
  });

  it('refuses a dump over 64 KiB, an expect before any dump, and dump text after a checksum', () => {
    const s = new Session({ out: () => {} });
    const exec = (t: string) => {
      for (const st of parseScenario(t)) s.exec(st);
    };
    exec(`${HEAD}A mmap r 128K rw`);
    expect(() => exec('expect dump_sum == 0')).toThrow(/no dump or checksum has run yet/);
    expect(() => exec('A dump r 0 128K')).toThrow(/dump prints at most 65536 bytes; use 'A checksum'/);
    exec('A checksum r 0 128K');
    expect(() => exec('expect dump == "00"')).toThrow(/the last read was a checksum/);
  });
});
