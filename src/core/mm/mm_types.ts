/**
 * Address-space types (include/linux/mm_types.h, include/linux/mm.h): vm_area_struct, mm_struct,
 * and the task fields the mm code touches.
 */

/** vm_flags (include/linux/mm.h) */
export const VM = {
  NONE: 0,
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  SHARED: 0x8,
  MAYREAD: 0x10,
  MAYWRITE: 0x20,
  MAYEXEC: 0x40,
  MAYSHARE: 0x80,
  GROWSDOWN: 0x100,
  /** userfaultfd MISSING mode: a fault on an empty PTE goes to handle_userfault() */
  UFFD_MISSING: 0x200,
  LOCKED: 0x2000,
  /** MADV_DONTFORK: dup_mmap leaves the VMA out of the child */
  DONTCOPY: 0x20000,
  /** mlock2(MLOCK_ONFAULT), mlockall(MCL_ONFAULT): locked, but only as pages fault in */
  LOCKONFAULT: 0x80000,
  ACCOUNT: 0x100000,
  NORESERVE: 0x200000,
  /** MADV_WIPEONFORK: the child gets the VMA empty (anonymous private memory only) */
  WIPEONFORK: 0x2000000,
  HUGEPAGE: 0x20000000,
  NOHUGEPAGE: 0x40000000,
  /** MADV_MERGEABLE: ksmd may merge this VMA's pages (bit 31, as in the kernel: test with `& VM.MERGEABLE`, never `===`) */
  MERGEABLE: 0x80000000,
} as const;

/** The two-letter codes /proc/<pid>/smaps prints in VmFlags, in show_smap_vma_flags() order. */
export const VM_FLAG_MNEMONICS: [number, string][] = [
  [VM.READ, 'rd'],
  [VM.WRITE, 'wr'],
  [VM.EXEC, 'ex'],
  [VM.SHARED, 'sh'],
  [VM.MAYREAD, 'mr'],
  [VM.MAYWRITE, 'mw'],
  [VM.MAYEXEC, 'me'],
  [VM.MAYSHARE, 'ms'],
  [VM.GROWSDOWN, 'gd'],
  [VM.UFFD_MISSING, 'um'],
  [VM.LOCKED, 'lo'],
  [VM.DONTCOPY, 'dc'],
  [VM.LOCKONFAULT, 'lf'],
  [VM.ACCOUNT, 'ac'],
  [VM.NORESERVE, 'nr'],
  [VM.WIPEONFORK, 'wf'],
  [VM.HUGEPAGE, 'hg'],
  [VM.NOHUGEPAGE, 'nh'],
  [VM.MERGEABLE, 'mg'],
];

/** enum rss_stat item indices (MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES). */
export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;

/**
 * A file's page cache (struct address_space with its inode): the shmem object behind
 * MAP_SHARED|MAP_ANONYMOUS, or a named file the `file` statement made (mm/filemap.ts): a tmpfs
 * file (shmem too: swap-backed, RssShmem) or a regular file on the emulated disk. Pages by index.
 */
export interface ShmemFile {
  /** inode number, as /proc/<pid>/maps prints it */
  ino: number;
  /** i_size in bytes: a fault on a page wholly past it is SIGBUS */
  size: number;
  pages: Map<number, number>;
  /** mappings (VMAs) that reference it */
  users: number;
  /** a named file: its path (/dev/shm/NAME or /mnt/disk/NAME); absent for shared anonymous memory */
  path?: string;
  /** 'disk': a regular file whose pages are read from the emulated disk and written back to it */
  kind?: 'tmpfs' | 'disk';
  /** disk files: the byte every never-written page holds on disk (0: a hole) */
  fill?: number;
  /** disk files: pages written back (writeback copies the page here), by index */
  disk?: Map<number, Uint8Array>;
  /** disk files: the block device's read_ahead_kb, in pages (file_ra_state.ra_pages) */
  raPages?: number;
  /** disk files: file_ra_state's current window (start, size, async_size), in pages */
  ra?: { start: number; size: number; asyncSize: number };
  /**
   * disk files: the index of the page marked PG_readahead (one mark at a time here), -1 for none:
   * a fault on it starts the next window (do_async_mmap_readahead)
   */
  raMark?: number;
}

/** struct vm_area_struct */
export interface Vma {
  start: number;
  end: number;
  flags: number;
  /** vm_page_prot, as semantic PTE flags (arch/pgtable.ts PTE.*) */
  pageProt: number;
  /** vm_pgoff: in pages, from the start of the object (0 for anonymous memory) */
  pgoff: number;
  /**
   * The anon_vma's identity, 0 when anon_vma_prepare() has not run: the VMA has never held an
   * anonymous page, so fork does not copy its page tables. Two VMAs with different anon_vmas never
   * merge.
   */
  anonVma: number;
  /** shmem object for shared anonymous mappings */
  shmem: ShmemFile | null;
  /** special name /proc/<pid>/maps shows: "[stack]" */
  name?: string;
  /**
   * vm_file of a private mapping of /dev/zero: mmap_zero() made it anonymous memory
   * (vma_set_anonymous), but the file stays — maps names it, MADV_WIPEONFORK refuses it, and it
   * never merges with plain anonymous VMAs. (A shared one is shmem, as MAP_SHARED|MAP_ANONYMOUS.)
   */
  file?: '/dev/zero';
}

/** /dev/zero's device and inode as /proc/<pid>/maps prints them (devtmpfs on this machine class). */
export const DEV_ZERO_DEV = '00:06';
export const DEV_ZERO_INO = 4;

/** struct mm_struct */
export interface MmStruct {
  /** pfn of the PGD page */
  pgd: number;
  /** mm->context.ctx_id: which per-CPU ASID slot (PCID) is this mm's */
  ctxId: number;
  /** VMAs sorted by start (the maple tree, as a sorted array) */
  vmas: Vma[];
  /** rss_stat[] in pages */
  rss: number[];
  /** mm_pgtables_bytes(): PTE, PMD and PUD tables, for VmPTE */
  pgtablesBytes: number;
  mmapBase: number;
  /** mm->def_flags: flags every new VMA gets (VM_LOCKED, VM_LOCKONFAULT after mlockall(MCL_FUTURE)) */
  defFlags: number;
  /** mm->start_brk: where the heap begins (brk.ts) */
  startBrk: number;
  /** mm->brk: the program break, the heap's end (not page-aligned: the VMA ends at PAGE_ALIGN(brk)) */
  brk: number;
  /** total_vm in pages */
  totalVm: number;
  /** locked_vm in pages (VmLck): mlock_fixup, mmap(MAP_LOCKED), munmap and mremap keep it */
  lockedVm: number;
  /** mm->ksm_zero_pages: KSM zero pages this mm maps (mm/ksm.ts) */
  ksmZeroPages: number;
  hiwaterRss: number;
  hiwaterVm: number;
  /** mm_users */
  users: number;
  /** MMF_HUGE_ZERO_FOLIO: this mm holds a reference on the huge zero folio */
  hugeZeroFolio: boolean;
  /** page tables deposited under huge PMDs (pgtable_trans_huge_deposit), by PMD entry address */
  deposited: Map<number, number>;
}

export type TaskState = 'R' | 'Z';

/** The parts of task_struct this model keeps. */
export interface Task {
  pid: number;
  /** the thread group: the pid of its leader (the process); a thread (CLONE_THREAD) shares it */
  tgid: number;
  ppid: number;
  comm: string;
  mm: MmStruct | null;
  state: TaskState;
  minflt: number;
  majflt: number;
  /** why it died, for the runner's report */
  exit?: string;
  /** task->exit_code, the wait status: signal number (| 0x80 with a core dump), or status << 8 */
  exitCode: number;
}
