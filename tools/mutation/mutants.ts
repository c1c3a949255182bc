/**
 * The mutants of the mutation check (tools/mutation/run.ts): one line each, which the kernel needs
 * and whose loss some test must notice. `line` is a fragment that occurs on exactly one line of
 * `file`; the runner refuses to run when it occurs zero or several times, so a refactor that moves
 * the line makes the list fail loudly instead of testing nothing.
 */
export interface Mutant {
  name: string;
  file: string;
  line: string;
  /** what goes wrong without the line: printed when the mutant survives */
  why: string;
  /** the test files that must fail */
  tests: string[];
}

/** the focused regression tests first: they are quick, and --bail stops at the first failure */
const PROCESS_TESTS = ['tests/tlb_flush_and_merge.test.ts', 'tests/process.property.test.ts'];

export const MUTANTS: Mutant[] = [
  {
    name: 'wp_page_copy',
    file: 'src/core/mm/memory.ts',
    line: 'flushTlbMmRange(m, task.mm!, vmf.address, vmf.address + 1);',
    why: "ptep_clear_flush's flush: another CPU keeps the old page's translation after a COW copy",
    tests: PROCESS_TESTS,
  },
  {
    name: 'zap',
    file: 'src/core/mm/memory.ts',
    line: 'flushTlbMmRange(m, mm, start, end);',
    why: 'the mmu_gather flush of zap_pte_range: CPUs keep translations of freed pages',
    tests: PROCESS_TESTS,
  },
  {
    name: 'dup_mmap',
    file: 'src/core/kernel/fork.ts',
    line: 'flushTlbMmRange(m, pmm, 0, m.pgtableArch.taskSize);',
    why: "flush_tlb_mm(oldmm) at the end of dup_mmap: the parent's writable translations outlive the COW write-protect",
    tests: PROCESS_TESTS,
  },
  {
    name: 'move_page_tables',
    file: 'src/core/mm/mremap.ts',
    line: 'flushTlbMmRange(m, mm, addr, addr + len);',
    why: "mremap's flush of the old range: CPUs keep translations of addresses whose PTEs moved away",
    tests: PROCESS_TESTS,
  },
  {
    name: 'buddy_merge_migratetype',
    file: 'src/core/mm/page_alloc.ts',
    line: 'if (buddyMt !== mt) this.pageblocks.setMigratetype(buddy, mt);',
    why: "__free_one_page's retyping of a merged buddy's pageblock: a free block spans pageblocks of two types",
    tests: ['tests/tlb_flush_and_merge.test.ts', 'tests/buddy.property.test.ts', 'tests/buddy.test.ts'],
  },
];
