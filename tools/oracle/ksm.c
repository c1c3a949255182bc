/*
 * ksm.c - issue #15: KSM with use_zero_pages (mm/ksm.c cmp_and_merge_page →
 * try_to_merge_with_zero_page, replace_page with the zero page, ksm_zero_pages).
 *
 *   ksm -> scenario "ksm"   (run by run.sh)
 *
 *   1. mmap 256 KiB (64 pages) rw at slot 0; pages 0..31 written with zeros, 32..63 with distinct
 *      non-zero bytes; madvise(MADV_MERGEABLE).
 *   2. ksmd (use_zero_pages=1) runs one full scan: the checksums are recorded, nothing merges.
 *   3. a second full scan: the 32 zero-filled pages are replaced by the zero page (pte dirty and
 *      special: a "KSM zero page"); Rss -128 kB; ksm_zero_pages 32.
 *   4. write page 0: a COW fault from the zero page; ksm_zero_pages 31.
 *   5. fork; the child reports its ksm_stat and exits.
 *   6. madvise(MADV_UNMERGEABLE) on pages 0..15: the 15 KSM zero pages there are unshared
 *      (break_ksm: a fresh zeroed page each); ksm_zero_pages 16.
 *   7. munmap pages 16..31: zapping the KSM zero PTEs takes ksm_zero_pages to 0.
 * ksmd is stopped and its knobs restored at the end. Between full scans ksmd sleeps 1.5 s, so
 * "after N full scans" is exact.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#include <sys/wait.h>

#include "ksm_lib.c"

static int ksm_mergeable(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ksm_stat", (int)pid);
	if (read_file(path) < 0)
		die("read ksm_stat");
	return strstr(filebuf, "ksm_mergeable: yes") != NULL;
}

static char *base;

static void j_state(const char *key)
{
	uint64_t *pm = pm_alloc();
	read_pagemap(getpid(), (unsigned long)base, 64, pm);
	struct smaps s = read_smaps(getpid(), (unsigned long)base);
	struct status st = read_status(getpid());
	j_obj(key);
	j_int("present", pm_present(pm, 64));
	j_int("zero_page_ptes", kpf_count(pm, 64, KPF_ZERO_PAGE));
	j_int("ksm_zero_pages", ksm_stat(getpid(), "ksm_zero_pages"));
	j_int("ksm_merging_pages", ksm_stat(getpid(), "ksm_merging_pages"));
	j_bool("ksm_mergeable", ksm_mergeable(getpid()));
	j_int("sys_ksm_zero_pages", ksys("ksm_zero_pages"));
	j_int("sys_pages_shared", ksys("pages_shared"));
	j_int("sys_pages_sharing", ksys("pages_sharing"));
	j_int("Rss", smaps_get(&s, "Rss"));
	j_int("KSM", smaps_get(&s, "KSM"));
	j_bool("mg", strstr(s.vmflags, "mg") != NULL);
	j_int("RssAnon", st.RssAnon);
	j_int("minflt", read_stat_minflt(getpid()));
	j_end();
}

static void full_scans(long n)
{
	long f0 = ksys("full_scans");
	while (ksys("full_scans") < f0 + n)
		usleep(2000);
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 256 KiB (64 pages) rw private anonymous at slot 0; write zeros to pages 0..31 and distinct non-zero bytes to 32..63; madvise(MADV_MERGEABLE).",
		"2. ksmd with use_zero_pages=1, pages_to_scan=10000, sleep_millisecs=1500: one full scan.",
		"3. a second full scan.",
		"4. write page 0.",
		"5. fork; the child reads its ksm_stat and exits.",
		"6. madvise(base, 64 KiB, MADV_UNMERGEABLE).",
		"7. munmap(base + 64 KiB, 64 KiB).",
		NULL,
	};
	j_header("ksm", "#15", "KSM with use_zero_pages: zero-filled pages of a MADV_MERGEABLE range are replaced by the zero page on ksmd's second full scan; a write or MADV_UNMERGEABLE unshares them, munmap drops them; ksm_zero_pages follows.");
	j_steps(steps);
	long saved_run = ksys("run"), saved_zero = ksys("use_zero_pages");
	long saved_scan = ksys("pages_to_scan"), saved_sleep = ksys("sleep_millisecs");
	const long P = PAGE_SZ;
	base = map_slot(0, 64 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 64; i++)
		base[i * P] = i < 32 ? 0 : (char)(i - 31);
	j_int("madvise_mergeable_rc", madvise(base, 64 * P, MADV_MERGEABLE));
	j_state("mergeable");

	kset("run", 0);
	kset("use_zero_pages", 1);
	kset("pages_to_scan", 10000);
	kset("sleep_millisecs", 1500);
	kset("run", 1);
	full_scans(1);
	j_state("scan_1");
	full_scans(1);
	j_state("scan_2");
	kset("run", 0);

	base[0] = 1;
	j_state("write_0");

	int pfd[2];
	if (pipe(pfd))
		die("pipe");
	pid_t c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		long z = ksm_stat(getpid(), "ksm_zero_pages");
		if (write(pfd[1], &z, sizeof z) != sizeof z)
			_exit(1);
		_exit(0);
	}
	long child_zero = -1;
	if (read(pfd[0], &child_zero, sizeof child_zero) != sizeof child_zero)
		die("read pipe");
	waitpid(c, NULL, 0);
	j_int("fork_child_ksm_zero_pages", child_zero);
	j_state("fork_child_exited");

	j_int("madvise_unmergeable_rc", madvise(base, 16 * P, MADV_UNMERGEABLE));
	j_state("unmergeable_0_15");

	j_int("munmap_rc", munmap(base + 16 * P, 16 * P));
	j_obj("munmap_16_31");
	j_int("ksm_zero_pages", ksm_stat(getpid(), "ksm_zero_pages"));
	j_int("sys_ksm_zero_pages", ksys("ksm_zero_pages"));
	j_end();

	kset("use_zero_pages", saved_zero);
	kset("pages_to_scan", saved_scan);
	kset("sleep_millisecs", saved_sleep);
	kset("run", saved_run);
	j_varying("none");
	j_end();
	return 0;
}
