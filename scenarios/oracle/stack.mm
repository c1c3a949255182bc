# reference/kernel-6.18/stack.json (tools/oracle/stack.c, recorded by run.sh): stack growth. A write
# 64 KiB below the [stack] VMA's start (0x7ffffffde000 here: 132 KiB below the top) grows the VMA
# down to that page; a write 8 MiB below the top makes the stack exactly RLIMIT_STACK; one page
# more is SIGSEGV. Then the guard gap, in fresh processes: a 64 KiB mapping ending 2 MiB below the
# stack's start; a write 1.5 MiB below the start would bring the stack within 256 pages (1 MiB) of
# it: SIGSEGV; a write 0.75 MiB below the start grows the stack.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
#@ start
A write 0x7ffffffce000 0 1 1 1
#@ below_start_64k
A write 0x7fffff7ff000 0 1 1 1
#@ at_rlimit
A write 0x7fffff7fe000 0 1 1 1
#@ over_rlimit
spawn B
B mmap blocker 64K rw at=0x7fffffdce000
B write 0x7fffffe5e000 0 1 1 1
#@ guard_gap_inside
spawn C
C mmap blocker 64K rw at=0x7fffffdce000
C write 0x7ffffff1e000 0 1 1 1
#@ guard_gap_outside
