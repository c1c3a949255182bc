# ranges-args-populate (issue #14 item 2, issue #13 item 6): populate of inaccessible memory, and
# the kernel's alignment and length rules (EINVAL, ENOMEM; nothing changes on a rejected call).
# Real-kernel record: reference/kernel-6.18/ranges-args-populate.json (tools/oracle/ranges.c args),
# checked field by field by tests/oracle.test.ts. The zero-length calls of the record are checked
# by tests/process.property.test.ts (a scenario length must be positive).
machine ram=1G cpus=2
boot
spawn A

#@ before_mmap_prot_none_populate
A mmap n 4M none populate at=0x100000000000   # kernel: no fault, no page table
#@ after_mmap_prot_none_populate
A madvise n 0 4M populate_read                # kernel: EINVAL
#@ after_populate_read_prot_none
A mmap r 4M r at=0x108000000000
A madvise r 0 4M populate_write               # kernel: EINVAL
#@ after_populate_write_read_only

A mmap w 8M rw at=0x110000000000
A munmap w 4M 4M
A write w 0 4M 4K 1
#@ before_alignment
A munmap w 1 4K                               # kernel: EINVAL
A mprotect w 1 4K r                           # kernel: EINVAL
A madvise w 1 4K dontneed                     # kernel: EINVAL
A munmap w 4M 4K                              # kernel: 0 (nothing mapped there)
A mprotect w 4M 4K r                          # kernel: ENOMEM
#@ after_rejected
A mprotect w 0 4097 r                         # kernel: 0, two pages
#@ after_mprotect_4097
