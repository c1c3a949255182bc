/**
 * The errno values the memory system calls return (include/uapi/asm-generic/errno-base.h), by the
 * kernel's names: the runner prints them as strace would.
 */
export const ERRNO = {
  ENOENT: 2,
  EINTR: 4,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
} as const;

export type Errno = keyof typeof ERRNO;
