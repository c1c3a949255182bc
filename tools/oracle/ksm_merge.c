/*
 * ksm_merge.c - issue #15: KSM merging of equal pages (mm/ksm.c cmp_and_merge_page: the stable and
 * unstable trees, try_to_merge_two_pages, stable_tree_append, replace_page with a KSM page), with
 * use_zero_pages off, so zero-filled pages merge into a KSM page like any others.
 *
 *   ksm_merge -> scenario "ksm-merge"   (run by run.sh)
 *
 *   1. mmap 256 KiB (64 pages) rw at slot 0; pages 0..15 get byte 0x11 at offset 0 (equal),
 *      16..23 distinct bytes, 24..31 zeros (written), 32..63 never touched; MADV_MERGEABLE.
 *   2. ksmd (use_zero_pages=0) runs one full scan: checksums recorded, nothing merges.
 *   3. a second full scan: page 0 goes into the unstable tree, page 1 finds it there and the two
 *      become one KSM page (stable tree), pages 2..15 merge with it from the stable tree; the same
 *      for the zero-filled 24..31; the distinct 16..23 stay in the unstable tree.
 *   4. write page 0: a COW fault copies the KSM page (a KSM page is never reused).
 *   5. a third full scan.
 *   6. munmap pages 24..31: the zero KSM page loses every mapping and is freed.
 *   7. a fourth full scan.
 * ksmd is stopped and its knobs restored at the end.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#include <sys/wait.h>

#include "ksm_lib.c"

static char *base;

static void j_state(const char *key)
{
	uint64_t *pm = pm_alloc();
	read_pagemap(getpid(), (unsigned long)base, 32, pm);
	struct smaps s = read_smaps(getpid(), (unsigned long)base);
	struct status st = read_status(getpid());
	uint64_t first = pm[1] & PM_PFN_MASK;
	long same_as_1 = 0, ksm_flag = 0;
	for (int i = 0; i < 32; i++) {
		if (!(pm[i] & PM_PRESENT))
			continue;
		if ((pm[i] & PM_PFN_MASK) == first)
			same_as_1++;
		if (kpageflags(pm[i] & PM_PFN_MASK) & (1ULL << KPF_KSM))
			ksm_flag++;
	}
	j_obj(key);
	j_int("present", pm_present(pm, 32));
	j_int("ptes_on_page_1s_frame", same_as_1);
	j_int("kpf_ksm_ptes", ksm_flag);
	j_int("ksm_rmap_items", ksm_stat(getpid(), "ksm_rmap_items"));
	j_int("ksm_merging_pages", ksm_stat(getpid(), "ksm_merging_pages"));
	j_int("ksm_process_profit", ksm_stat(getpid(), "ksm_process_profit"));
	j_int("sys_pages_shared", ksys("pages_shared"));
	j_int("sys_pages_sharing", ksys("pages_sharing"));
	j_int("sys_pages_unshared", ksys("pages_unshared"));
	j_int("sys_pages_volatile", ksys("pages_volatile"));
	j_int("sys_ksm_zero_pages", ksys("ksm_zero_pages"));
	j_int("Rss", smaps_get(&s, "Rss"));
	j_int("Pss", smaps_get(&s, "Pss"));
	j_int("KSM", smaps_get(&s, "KSM"));
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
		"1. mmap 256 KiB (64 pages) rw private anonymous at slot 0; byte 0x11 at offset 0 of pages 0..15, distinct bytes (1..8) at offset 0 of 16..23, zeros written to 24..31; madvise(MADV_MERGEABLE).",
		"2. ksmd with use_zero_pages=0, pages_to_scan=10000, sleep_millisecs=1500: one full scan.",
		"3. a second full scan.",
		"4. write byte 0x22 at offset 0 of page 0.",
		"5. a third full scan.",
		"6. munmap(base + 96 KiB, 32 KiB): pages 24..31.",
		"7. a fourth full scan.",
		NULL,
	};
	j_header("ksm-merge", "#15", "KSM merging equal pages through the unstable and stable trees (use_zero_pages off): a KSM page per content, a write copies it, munmap frees it.");
	j_steps(steps);
	long saved_run = ksys("run"), saved_zero = ksys("use_zero_pages");
	long saved_scan = ksys("pages_to_scan"), saved_sleep = ksys("sleep_millisecs");
	if (ksys("pages_shared") || ksys("pages_sharing") || ksys("pages_unshared"))
		die("ksm_merge: KSM already holds pages (another user): the global counters would mix");
	const long P = PAGE_SZ;
	base = map_slot(0, 64 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 32; i++)
		base[i * P] = i < 16 ? 0x11 : i < 24 ? (char)(i - 15) : 0;
	j_int("madvise_mergeable_rc", madvise(base, 64 * P, MADV_MERGEABLE));
	j_state("mergeable");

	kset("run", 0);
	kset("use_zero_pages", 0);
	kset("pages_to_scan", 10000);
	kset("sleep_millisecs", 1500);
	kset("run", 1);
	full_scans(1);
	j_state("scan_1");
	full_scans(1);
	j_state("scan_2");
	base[0] = 0x22;
	j_state("write_0");
	full_scans(1);
	j_state("scan_3");
	j_int("munmap_rc", munmap(base + 24 * P, 8 * P));
	j_state("munmap_24_31");
	full_scans(1);
	j_state("scan_4");
	kset("run", 2); /* unmerge everything before leaving */
	kset("use_zero_pages", saved_zero);
	kset("pages_to_scan", saved_scan);
	kset("sleep_millisecs", saved_sleep);
	kset("run", saved_run);
	j_varying("none");
	j_end();
	return 0;
}
