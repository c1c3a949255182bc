# reference/kernel-6.18/threads.json (tools/oracle/threads.c, recorded by run.sh): a thread T
# (pthread_create: clone with CLONE_VM | CLONE_THREAD) shares A's mm. T, on the other CPU, writes
# pages 0..7 of a 64 KiB region: the 8 faults are T's, RssAnon grows once for the process, status
# says Threads 2 and T's Tgid is A's pid. A then reads the pages without a fault (T's PTEs are the
# process's). T munmaps pages 0..3 and exits: A's region is cut, RssAnon -16 kB, Threads 1.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 64K rw at=0x100000000000
A thread T
#@ start
cpu 1
T write r 0 32K 4K 1
#@ thread_writes
cpu 0
A read r 0 32K 4K
#@ main_reads
A checksum r 0 32K
#@ pre_exit
cpu 1
T munmap r 0 16K
T exit
#@ thread_exits
