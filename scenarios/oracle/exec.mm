# reference/kernel-6.18/exec.json (tools/oracle/exec.c, recorded by run.sh): PROT_EXEC on anonymous
# memory. An rx mapping is r-xp with `ex` in VmFlags and counts in VmLib (exec_vm: executable, not
# writable), reads fault in, a write is SIGSEGV (SEGV_ACCERR). PROT_EXEC alone is --xp and still
# reads on x86. rwx is writable data (VmData); mprotect to rx moves it to VmLib, keeping VM_ACCOUNT.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
#@ start
A mmap c 64K rx at=0x100000000000
#@ rx_mapped
A read c 0 64K 4K
#@ rx_read_16
A mmap x 64K x at=0x108000000000
#@ x_mapped
A read x 0 1 1
#@ x_read
A mmap w 64K rwx at=0x110000000000
#@ rwx_mapped
A write w 0 1 1 1
#@ rwx_write
A mprotect w 0 64K rx
#@ rwx_to_rx
spawn B
B mmap c 64K rx at=0x100000000000
B write c 0 1 1 1
#@ rx_write
