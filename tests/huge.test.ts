/**
 * Huge pages through the scenario language: the huge zero folio's lifetime in its three forms, THP
 * off on small machines, PMD splits at VMA boundaries, and block-layer zeroing with the 4 KiB zero
 * page against the largest zero folio. Record-by-record comparisons with a real 6.18 kernel live in
 * oracle.test.ts; these cover the configurations that machine could not show.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/core/scenario/run.ts';

function run(text: string) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s) });
  return { ...r, out };
}

const READ_4M = `spawn A
A mmap r1 4M rw at=0x100000000000
A madvise r1 0 4M hugepage
A read r1 0 4M 4K
`;

describe('huge zero folio', () => {
  it('dynamic (6.18 default): allocated by the first read fault, one reference per mm, freed by the shrinker once unused', () => {
    const r = run(`machine ram=1G thp=madvise huge_zero=dynamic
boot
print huge_zero_pfn
${READ_4M}
print huge_zero_refcount
expect /proc/A/stat:10 == 3
expect /proc/vmstat:thp_zero_page_alloc == 1
expect /proc/A/smaps:AnonHugePages == 0
drop_caches
print huge_zero_refcount
A exit
print huge_zero_refcount
drop_caches
print huge_zero_pfn
`);
    expect(r.failures).toEqual([]);
    const lines = r.out.split('\n');
    // ~0UL before any use; 2 = the shrinker's + A's; the shrinker frees nothing while A maps it
    expect(lines.filter((l) => l.startsWith('huge_zero_'))).toEqual([
      'huge_zero_pfn = 0xffffffffffffffff',
      'huge_zero_refcount = 0x2',
      'huge_zero_refcount = 0x2',
      'huge_zero_refcount = 0x1',
      'huge_zero_pfn = 0xffffffffffffffff',
    ]);
    expect(lines.filter((l) => l.startsWith('drop_caches'))).toEqual([
      'drop_caches: thp-zero shrinker freed 0 pages',
      'drop_caches: thp-zero shrinker freed 512 pages',
    ]);
  });

  for (const kind of ['persistent', 'static_pmd'] as const) {
    it(`${kind}: exists from boot, never freed, and read faults map it without allocating`, () => {
      const r = run(`machine ram=1G thp=madvise huge_zero=${kind}
boot
print huge_zero_pfn
${READ_4M}
expect /proc/A/stat:10 == 3
A exit
drop_caches
print huge_zero_pfn
`);
      expect(r.failures).toEqual([]);
      const pfns = r.out.split('\n').filter((l) => l.startsWith('huge_zero_pfn'));
      expect(pfns).toHaveLength(2);
      expect(pfns[0]).not.toBe('huge_zero_pfn = 0xffffffffffffffff');
      expect(pfns[1]).toBe(pfns[0]);
      // 2 MiB-aligned
      expect(Number(BigInt(pfns[0]!.split(' = ')[1]!)) % 512).toBe(0);
      expect(r.out).toContain('drop_caches: thp-zero shrinker freed 0 pages');
    });
  }
});

describe('the pinned cost the static PMD zero page review worried about', () => {
  // `drain` first: an order-9 allocation refills the per-CPU list with two blocks (the batch is
  // max(batch >> order, 2)), and MemFree, like NR_FREE_PAGES, does not count per-CPU lists.
  const meminfo = (arch: string, kind: string) => {
    const r = run(`machine ${arch} ram=2G huge_zero=${kind}\nboot\ndrain\nshow /proc/meminfo\n`);
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(r.out)![1]);
    return { total: kb('MemTotal'), free: kb('MemFree') };
  };
  for (const [arch, mib] of [
    ['arch=x86_64', 2],
    ['arch=arm64 granule=16K', 32],
    ['arch=arm64 granule=64K', 512],
  ] as const) {
    it(`${arch}: static_pmd takes ${mib} MiB out of MemTotal; persistent takes it out of MemFree`, () => {
      const dyn = meminfo(arch, 'dynamic');
      const stat = meminfo(arch, 'static_pmd');
      const pers = meminfo(arch, 'persistent');
      expect(dyn.total - stat.total).toBe(mib * 1024);
      expect(pers.total).toBe(dyn.total);
      expect(dyn.free - pers.free).toBe(mib * 1024);
    });
  }
});

describe('transparent huge pages', () => {
  it('hugepage_init() leaves THP off below 512 MiB: thp=always still faults 4 KiB pages', () => {
    const r = run(`machine ram=256M thp=always
boot
${READ_4M}
expect /proc/A/stat:10 == 1025
A write r1 0 2M 4K 1
expect /proc/A/smaps:AnonHugePages == 0
expect /proc/vmstat:thp_fault_alloc == 0
`);
    expect(r.failures).toEqual([]);
    expect(r.out).not.toContain('raising min_free_kbytes');
  });

  it('mprotect of one page inside a huge zero PMD splits it first: the other 511 pages keep read access', () => {
    const r = run(`machine ram=1G thp=madvise
boot
${READ_4M}
A mprotect r1 0 4K none
expect /proc/vmstat:thp_split_pmd == 1
A read r1 4K 2044K 4K
expect /proc/A/stat:10 == 3
A read r1 0 4K 4K
`);
    expect(r.failures).toEqual([]);
    expect(r.out).toContain('A: killed by SIGSEGV');
  });
});

describe('a VMA boundary inside a THP (__split_vma → vma_adjust_trans_huge)', () => {
  // Issue #13 item 7: the VMA split but the huge PMD did not, so fork copied the PMD once per VMA
  // piece and 2 MiB stayed allocated after both processes exited.
  it('regression: nohugepage on 4K of a THP, fork, both exit: no AnonPages and no THP left', () => {
    const r = run(`machine ram=1G
boot
spawn A
A mmap r1 2M rw
A madvise r1 0 2M hugepage
A write r1 0 4K 4K 1
expect /proc/vmstat:nr_anon_transparent_hugepages == 1
A madvise r1 4K 4K nohugepage
expect /proc/vmstat:thp_split_pmd == 1
A fork B
B exit
A exit
expect /proc/meminfo:AnonPages == 0
expect /proc/vmstat:nr_anon_transparent_hugepages == 0
expect /proc/vmstat:nr_anon_pages == 0
`);
    expect(r.failures).toEqual([]);
  });

  it('nohugepage over [1M, 3M) cuts both THPs: both PMDs split, nothing left after fork and exit', () => {
    const r = run(`machine ram=1G
boot
spawn A
A mmap r1 4M rw at=0x100000000000
A madvise r1 0 4M hugepage
A write r1 0 4M 2M 1
A madvise r1 1M 2M nohugepage
expect /proc/vmstat:thp_split_pmd == 2
A fork B
B exit
A exit
expect /proc/vmstat:nr_anon_pages == 0
expect /proc/vmstat:nr_anon_transparent_hugepages == 0
`);
    expect(r.failures).toEqual([]);
  });
});

describe('PROT_NONE on a whole huge PMD', () => {
  for (const arch of ['arch=x86_64', 'arch=arm64 granule=4K']) {
    it(`${arch}: change_huge_pmd() keeps the THP mapped by one PMD; access faults; rw brings it back`, () => {
      const r = run(`machine ${arch} ram=1G thp=madvise
boot
spawn A
A mmap r1 4M rw at=0x100000000000
A madvise r1 0 4M hugepage
A write r1 0 2M 4K 7
A mprotect r1 0 2M none
expect /proc/vmstat:thp_split_pmd == 0
expect /proc/A/smaps:AnonHugePages == 2048
A mprotect r1 0 2M rw
A read r1 0 2M 4K
expect /proc/A/stat:10 == 2
A mprotect r1 0 2M none
A read r1 0 4K 4K
`);
      expect(r.failures).toEqual([]);
      expect(r.out).toContain('A: killed by SIGSEGV');
    });
  }
});

describe('blkdev_zeroout', () => {
  it('1 GiB: 1024 bios of 256 bvecs with the 4 KiB zero page; 2 bios of 256 x 2 MiB with the persistent folio', () => {
    const small = run('machine ram=1G huge_zero=dynamic\nboot\nblkdev_zeroout 1G\n');
    expect(small.out).toMatch(
      /blkdev_zeroout: 1073741824 bytes from a 4 KiB zero buffer .*: 1024 bios, 262144 bvecs/,
    );
    const big = run(
      'machine ram=1G huge_zero=persistent\nboot\nblkdev_zeroout 1G\nblkdev_zeroout 1G zero=page\n',
    );
    expect(big.out).toMatch(
      /blkdev_zeroout: 1073741824 bytes from a 2048 KiB zero buffer .*: 2 bios, 512 bvecs/,
    );
    expect(big.out).toMatch(/from a 4 KiB zero buffer .*: 1024 bios, 262144 bvecs/);
    // the device's limit splits the big bios again: 1 GiB / 1 MiB
    const split = run('machine ram=1G huge_zero=persistent\nboot\nblkdev_zeroout 1G max_transfer=1M\n');
    expect(split.out).toContain('after bio_split_to_limits() with max_transfer=1048576: 1024 bios');
    expect(split.out).toContain('  bio 1: sector 2048, 1024 KiB\n');
    // a device zeroes whole sectors
    const odd = run('machine ram=1G\nboot\nblkdev_zeroout 3000\n');
    expect(odd.error?.message).toMatch(/3000 is not a whole number of 512-byte sectors/);
  });

  it('says what is wrong with a bad argument, and where', () => {
    const r = run('machine ram=1G\nboot\nblkdev_zeroout 1G zero=huge\n');
    expect(r.exitCode).toBe(2);
    expect(r.error?.line).toBe(3);
    expect(r.error?.message).toMatch(/zero=huge: expected page .* or largest/);
  });

  it('rejects an unknown huge_zero= kind', () => {
    const r = run('machine huge_zero=forever\nboot\n');
    expect(r.exitCode).toBe(2);
    expect(r.error?.line).toBe(1);
    expect(r.error?.message).toMatch(/huge_zero=forever: expected dynamic, persistent or static_pmd/);
  });
});
