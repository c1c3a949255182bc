# mprotect-then-write (brief item A5): mprotect() transitions, the SIGSEGV si_code of denied accesses
# (SEGV_ACCERR vs SEGV_MAPERR), and the write faults taken once write permission returns.
# Real-kernel record: reference/kernel-6.18/mprotect-then-write.json
# (tools/oracle/mprotect_signals.c), checked field by field by tests/oracle.test.ts.
#
# The oracle's children ran with and without a SA_SIGINFO handler; the emulator has only the
# default action, so each access is made by a child of its own, which the signal kills. The
# runner prints "<child>: killed by SIGSEGV (<si_code>) at <si_addr>"; /proc/<child>/stat field
# 52 (exit_code) of such a zombie is the signal number, 11.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault; a forked child counts from 0.
# `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
#@ before_mmap
A mmap r1 4M rw at=0x100000000000         # slot 0, 1024 pages
#@ after_mmap
# Kernel: minflt 1024, zero page everywhere, RSS 0, VmPTE +16 kB (2 PTE tables + PMD + PUD).
A read r1 0 4M 4K
#@ after_read_all
expect /proc/A/stat:10 == 1025
expect /proc/A/status:VmRSS == 4
expect /proc/A/status:VmPTE == 28

# Kernel: no fault; PTEs unchanged; VmFlags lose `wr` and also `ac` (VM_ACCOUNT is given back: the
# VMA has no anon_vma yet).
A mprotect r1 0 4M r
#@ after_mprotect_read_only
expect /proc/A/stat:10 == 1025
# (a)+(b) a write to the PROT_READ page: SIGSEGV, si_code SEGV_ACCERR, si_addr = the address, no
# minor fault; the default action kills the child with signal 11.
A fork W1
#@ ro.child_write_with_handler.before
W1 write r1 0 1 1 1
#@ ro.child_write_with_handler.after
expect /proc/W1/stat:10 == 0
expect /proc/W1/stat:52 == 11
A fork W2
#@ ro.child_write_default_action.before
W2 write r1 0 1 1 1
#@ ro.child_write_default_action.after
expect /proc/W2/stat:52 == 11
# (c) a read is allowed: the child has no PTEs here (fork copied none: no anon_vma), so 1 fault.
A fork R1
#@ ro.child_read.before
R1 read r1 0 1 1
#@ ro.child_read.after
expect /proc/R1/stat:10 == 1
R1 exit
#@ ro.child_read.exited
expect /proc/R1/stat:52 == 0

# Kernel: mprotect no fault; then every write faults (zero page -> new page): minflt 1024,
# RssAnon +4096 kB, VmPTE unchanged. VmFlags "rd wr mr mw me ac " again.
A mprotect r1 0 4M rw
#@ after_mprotect_rw
A write r1 0 4M 4K 1
#@ after_mprotect_rw_then_write_all
expect /proc/A/stat:10 == 2049
expect /proc/A/status:RssAnon == 4100
expect /proc/A/status:VmPTE == 28

# Kernel: RO then RW again: mprotect makes the exclusive anon PTEs writable at once, so the
# writes take no fault (minflt 0) and no pfn changes.
A mprotect r1 0 4M r
#@ while_read_only
A mprotect r1 0 4M rw
#@ after_ro_rw_cycle
A write r1 0 4M 4K 2
#@ after_ro_rw_cycle_then_write_all_again
expect /proc/A/stat:10 == 2049

# Kernel: PROT_NONE: pagemap still shows all 1024 pages present; VmFlags "mr mw me ac ".
# A read is denied with SEGV_ACCERR.
A mprotect r1 0 4M none
#@ after_mprotect_prot_none
A fork N1
#@ none.child_read_with_handler.before
N1 read r1 0 1 1
#@ none.child_read_with_handler.after
expect /proc/N1/stat:10 == 0
expect /proc/N1/stat:52 == 11
A fork N2
#@ none.child_read_default_action.before
N2 read r1 0 1 1
#@ none.child_read_default_action.after
expect /proc/N2/stat:52 == 11

# An address in slot 5 (0x128000000000), a 512 GiB slot nothing ever used: SEGV_MAPERR. The
# language reads and writes through region names, so the child maps a window there and unmaps it
# at once (never touched: no VMA and no page table stays); the name keeps the address.
A fork U1
U1 mmap hole 8K r at=0x128000000000
U1 munmap hole 0 8K
#@ unmapped.child_read_with_handler.before
U1 read hole 0x1234 1 1
#@ unmapped.child_read_with_handler.after
expect /proc/U1/stat:10 == 0
expect /proc/U1/stat:52 == 11
A fork U2
U2 mmap hole 8K r at=0x128000000000
U2 munmap hole 0 8K
#@ unmapped.child_write_default_action.before
U2 write hole 0 1 1 1
#@ unmapped.child_write_default_action.after
expect /proc/U2/stat:52 == 11

# Kernel: RW again; reading every page: no fault, contents still 2 (byte sum 2048).
A mprotect r1 0 4M rw
#@ before_final_read
A read r1 0 4M 4K
#@ after_mprotect_rw_read_all
expect /proc/A/stat:10 == 2049
