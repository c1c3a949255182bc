# reference/kernel-6.18/mlockall.json (tools/oracle/mlockall.c, recorded by run.sh): mlock2 with
# MLOCK_ONFAULT locks half of a 64 KiB region without faulting it in (lo lf); written pages are
# Locked as they fault. mlockall with neither MCL_CURRENT nor MCL_FUTURE is EINVAL. MCL_FUTURE
# makes the next mapping and the heap's growth locked and faulted in; with MCL_ONFAULT the next
# mapping is locked but empty. munlockall undoes everything; MCL_CURRENT then locks and faults in
# every mapping, the formerly lock-on-fault one too.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 64K rw at=0x100000000000
#@ start
A mlock r 0 32K onfault
#@ mlock2_onfault
A write r 0 16K 4K 1
#@ write_0_3
A mlockall
A mlockall onfault
#@ pre_future
A mlockall future
#@ mlockall_future
A mmap f 64K rw at=0x108000000000
#@ future_mmap
A brk +8K
#@ future_brk
A mlockall future onfault
A mmap o 16K rw at=0x110000000000
#@ future_onfault_mmap
A munlockall
#@ munlockall
A mlockall current
#@ mlockall_current
