/*
 * mlockall.c - issue #14: mlock2(MLOCK_ONFAULT), mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT),
 * munlockall (mm/mlock.c apply_mlockall_flags, mm->def_flags in do_mmap and do_brk_flags).
 *
 *   mlockall    -> scenario "mlockall"   (run by run.sh)
 *
 *   1. mmap 64 KiB rw at slot 0; mlock2(base, 32 KiB, MLOCK_ONFAULT): locked (lo lf), nothing faulted;
 *      write pages 0..3: 4 faults, smaps Locked 16 kB.
 *   2. mlockall(0) and mlockall(MCL_ONFAULT): EINVAL.
 *   3. mlockall(MCL_FUTURE): a new 64 KiB mapping (slot 1) is locked and faulted in at mmap; the
 *      break grows by 8 KiB, faulted in too.
 *   4. mlockall(MCL_FUTURE | MCL_ONFAULT): a new 16 KiB mapping (slot 2) is locked, not faulted.
 *   5. munlockall(): VmLck 0; the VMAs lose lo and lf.
 *   6. mlockall(MCL_CURRENT): slot 0 is locked and faulted in whole; munlockall().
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#include <sys/syscall.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static long vmlck(void)
{
	if (read_file("/proc/self/status") < 0)
		die("read status");
	char *p = strstr(filebuf, "\nVmLck:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

static int has_flag(const char *vmflags, const char *f)
{
	char pat[8], buf[200];
	snprintf(pat, sizeof pat, " %s ", f);
	snprintf(buf, sizeof buf, " %s ", vmflags);
	return strstr(buf, pat) != NULL;
}

static void j_vma(const char *key, char *p)
{
	struct smaps s = read_smaps(getpid(), (unsigned long)p);
	j_obj(key);
	j_int("Size", smaps_get(&s, "Size"));
	j_int("Rss", smaps_get(&s, "Rss"));
	j_int("Locked", smaps_get(&s, "Locked"));
	j_bool("lo", has_flag(s.vmflags, "lo"));
	j_bool("lf", has_flag(s.vmflags, "lf"));
	j_end();
}

static const char *errname(int rc, int err)
{
	return rc ? (err == EINVAL ? "EINVAL" : err == ENOMEM ? "ENOMEM" : strerror(err)) : "0";
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 64 KiB rw private anonymous at slot 0; mlock2(base, 32 KiB, MLOCK_ONFAULT); write pages 0..3.",
		"2. mlockall(0); mlockall(MCL_ONFAULT).",
		"3. mlockall(MCL_FUTURE); mmap 64 KiB rw at slot 1; brk(brk(0) + 8 KiB).",
		"4. mlockall(MCL_FUTURE | MCL_ONFAULT); mmap 16 KiB rw at slot 2.",
		"5. munlockall().",
		"6. mlockall(MCL_CURRENT); munlockall().",
		NULL,
	};
	j_header("mlockall", "#14", "mlock2(MLOCK_ONFAULT) and mlockall/munlockall: VM_LOCKONFAULT, mm->def_flags for later mappings and the heap.");
	j_steps(steps);
	const long P = PAGE_SZ;
	char *base = map_slot(0, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	long l0 = vmlck(), f0 = read_stat_minflt(getpid());
	errno = 0;
	int rc = (int)syscall(SYS_mlock2, base, 32 * 1024, MLOCK_ONFAULT);
	j_obj("mlock2_onfault");
	j_str("errno", errname(rc, errno));
	j_int("VmLck_kB_delta", vmlck() - l0);
	j_int("minflt_delta", read_stat_minflt(getpid()) - f0);
	j_end();
	j_vma("mlock2_onfault_vma", base);
	j_measured("write_0_3", touch(base, 0, 4, 1, 'w', 1), 0);
	j_vma("after_write_vma", base);

	errno = 0;
	rc = mlockall(0);
	j_str("mlockall_0_errno", errname(rc, errno));
	errno = 0;
	rc = mlockall(MCL_ONFAULT);
	j_str("mlockall_onfault_only_errno", errname(rc, errno));

	l0 = vmlck();
	errno = 0;
	rc = mlockall(MCL_FUTURE);
	j_str("mlockall_future_errno", errname(rc, errno));
	j_int("mlockall_future_VmLck_kB_delta", vmlck() - l0);
	char *fut = map_slot(1, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_vma("future_mmap_vma", fut);
	j_int("future_mmap_VmLck_kB_delta", vmlck() - l0);
	unsigned long b0 = (unsigned long)syscall(SYS_brk, 0);
	b0 = (b0 + P - 1) / P * P;
	syscall(SYS_brk, b0);
	l0 = vmlck();
	syscall(SYS_brk, b0 + 8 * 1024);
	j_int("future_brk_VmLck_kB_delta", vmlck() - l0);
	j_obj("future_brk_pages");
	uint64_t *pm = pm_alloc();
	read_pagemap(getpid(), b0, 2, pm);
	j_int("present", pm_present(pm, 2));
	j_end();

	errno = 0;
	rc = mlockall(MCL_FUTURE | MCL_ONFAULT);
	j_str("mlockall_future_onfault_errno", errname(rc, errno));
	char *onf = map_slot(2, 16 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_vma("future_onfault_mmap_vma", onf);

	errno = 0;
	rc = munlockall();
	j_str("munlockall_errno", errname(rc, errno));
	j_int("munlockall_VmLck_kB", vmlck());
	j_vma("munlockall_slot0_vma", base);
	j_vma("munlockall_slot1_vma", fut);

	errno = 0;
	rc = mlockall(MCL_CURRENT);
	j_str("mlockall_current_errno", errname(rc, errno));
	j_vma("mlockall_current_slot0_vma", base);
	j_vma("mlockall_current_slot2_vma", onf);
	munlockall();

	j_varying("none");
	j_end();
	return 0;
}
