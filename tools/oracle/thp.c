/*
 * thp.c - brief item A9: transparent huge pages in madvise mode.
 *
 *   thp read-then-write     -> "thp-huge-zero-read-then-write"  (A9a)
 *   thp dontneed-huge-zero  -> "thp-dontneed-in-huge-zero"      (A9b)
 *   thp dontneed-thp        -> "thp-dontneed-in-thp"            (A9c)
 *   thp fork-thp            -> "thp-fork-child-writes"          (A9d)
 *
 * The region is 4 MiB (two PMDs) at a 512 GiB-aligned address with
 * MADV_HUGEPAGE; THP "enabled" is madvise and use_zero_page is 1, so a read
 * fault maps the huge zero folio with one PMD and a write fault allocates a
 * 2 MiB THP. pagemap reports one entry per 4 KiB page even for PMD mappings
 * (pfn = PMD pfn + index), so the summaries show how the 512 entries of each
 * PMD look. kpageflags of a huge-zero page: ZERO_PAGE|THP|COMPOUND_HEAD/TAIL
 * (fs/proc/page.c); of a THP page: THP|ANON|COMPOUND_HEAD/TAIL, with the
 * folio's (head's) flags for tails.
 *
 * Also recorded: vmstat thp_* events and the per-size mTHP counters in
 * /sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats (split,
 * split_deferred, nr_anon, nr_anon_partially_mapped).
 */
#include "oracle_lib.c"

#define NPAGES 1024L /* 4 MiB */
#define LEN (NPAGES * (long)PAGE_SZ)
#define HPN 512L

static pid_t me;
static struct vmstat *v0, *v1;
static struct mthp m0, m1;

static char *map_thp_region(void)
{
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (madvise(base, LEN, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	return base;
}

static void snap0(void)
{
	read_vmstat(v0);
	read_mthp(&m0);
}

static void snap1(void)
{
	read_vmstat(v1);
	read_mthp(&m1);
}

static void j_deltas(void)
{
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_mthp_delta("mthp_2048kB_stats_delta", &m0, &m1);
}

/* Summaries of each 2 MiB half separately, plus a few single pages. */
static void j_halves(pid_t pid, char *base, const long *detail_pages, int ndetail)
{
	j_pagemap("pagemap_first_2MiB_pages_0_511", pid, (unsigned long)base, HPN, NULL);
	j_pagemap("pagemap_second_2MiB_pages_512_1023", pid, (unsigned long)base + HPN * PAGE_SZ, HPN, NULL);
	for (int i = 0; i < ndetail; i++) {
		char k[48];
		snprintf(k, sizeof k, "page_%ld", detail_pages[i]);
		j_page_detail(k, pid, (unsigned long)base + (unsigned long)detail_pages[i] * PAGE_SZ);
	}
}

static void read_then_write(void)
{
	static const char *steps[] = {
		"1. mmap 4 MiB (1024 pages, 2 PMDs) PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS at a 2 MiB-aligned "
		"address alone in its PGD entry; madvise(MADV_HUGEPAGE).",
		"2. Read 1 byte at offset 0 of every 4 KiB page 0..1023.",
		"3. Write byte 1 at offset 0 of page 0.",
		"4. Write byte 1 at offset 0 of every page 0..511 (the same 2 MiB).",
		"5. Write byte 1 at offset 0 of page 512 (the second 2 MiB).",
		"6. Read every page 0..1023 again.",
		NULL,
	};
	static const long det[] = {0, 1, 511, 512, 513};
	j_header("thp-huge-zero-read-then-write", "A9a",
		 "Read faults on a MADV_HUGEPAGE region map the huge zero folio with one PMD each; a write replaces it "
		 "with a freshly allocated THP.");
	j_steps(steps);
	struct status s0 = read_status(me);
	char *base = map_thp_region();
	j_hex("region_start", (unsigned long)base);
	snap0();
	struct measured r = touch(base, 0, NPAGES, 1, 'r', 0);
	snap1();
	struct status s1 = read_status(me);
	j_obj("after_read_all");
	j_measured("read_all_1024_pages", r, 1);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	snap0();
	struct measured w = touch(base, 0, 1, 1, 'w', 1);
	snap1();
	struct status s2 = read_status(me);
	j_obj("after_write_page_0");
	j_measured("write_page_0", w, 0);
	j_status_delta("status_delta_vs_previous", s1, s2);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	snap0();
	struct measured w2 = touch(base, 0, HPN, 1, 'w', 1);
	snap1();
	j_obj("after_write_pages_0_511");
	j_measured("write_pages_0_511", w2, 0);
	j_deltas();
	j_end();

	snap0();
	struct measured w3 = touch(base, HPN, 1, 1, 'w', 1);
	snap1();
	struct status s3 = read_status(me);
	j_obj("after_write_page_512");
	j_measured("write_page_512", w3, 0);
	j_status_delta("status_delta_vs_after_read_all", s1, s3);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	struct measured r2 = touch(base, 0, NPAGES, 1, 'r', 0);
	j_obj("after_reread_all");
	j_measured("read_all", r2, 1);
	j_check("sum_is_513", r2.sum == HPN + 1);
	j_end();
	munmap(base, LEN);
}

static void dontneed_huge_zero(void)
{
	static const char *steps[] = {
		"1. mmap 4 MiB (1024 pages) rw MAP_PRIVATE|MAP_ANONYMOUS 2 MiB aligned; madvise(MADV_HUGEPAGE).",
		"2. Read 1 byte at offset 0 of every page 0..1023 (two huge zero PMDs).",
		"3. madvise(base + 5*4096, 4096, MADV_DONTNEED) (page 5 only, inside the first huge zero PMD).",
		"4. Read 1 byte of page 5 again.",
		"5. Write byte 1 at offset 0 of page 6.",
		"6. Write byte 1 at offset 0 of page 600 (inside the second, still huge-zero, PMD).",
		NULL,
	};
	static const long det[] = {0, 4, 5, 6, 511, 512};
	j_header("thp-dontneed-in-huge-zero", "A9b",
		 "MADV_DONTNEED of one 4 KiB page inside a huge-zero PMD: the PMD is split into 512 PTEs to the 4 KiB "
		 "zero page and one of them is zapped.");
	j_steps(steps);
	char *base = map_thp_region();
	j_hex("region_start", (unsigned long)base);
	struct measured r = touch(base, 0, NPAGES, 1, 'r', 0);
	struct status s1 = read_status(me);
	j_obj("after_read_all");
	j_measured("read_all", r, 1);
	j_view("view", me, base, NPAGES, NULL);
	j_end();

	struct meter m;
	snap0();
	meter_start(&m);
	int rc = madvise(base + 5 * PAGE_SZ, PAGE_SZ, MADV_DONTNEED);
	struct measured md = meter_stop(&m);
	snap1();
	struct status s2 = read_status(me);
	j_obj("after_dontneed_page_5");
	j_int("madvise_rc", rc);
	j_measured("madvise_call", md, 0);
	j_status_delta("status_delta_vs_previous", s1, s2);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 6);
	j_deltas();
	j_end();

	snap0();
	struct measured r5 = touch(base, 5, 1, 1, 'r', 0);
	snap1();
	struct status s3 = read_status(me);
	j_obj("after_reread_page_5");
	j_measured("read_page_5", r5, 1);
	j_status_delta("status_delta_vs_previous", s2, s3);
	j_halves(me, base, det, 6);
	j_deltas();
	j_end();

	snap0();
	struct measured w6 = touch(base, 6, 1, 1, 'w', 1);
	snap1();
	struct status s4 = read_status(me);
	j_obj("after_write_page_6");
	j_measured("write_page_6", w6, 0);
	j_status_delta("status_delta_vs_previous", s3, s4);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 6);
	j_deltas();
	j_end();

	snap0();
	struct measured w600 = touch(base, 600, 1, 1, 'w', 1);
	snap1();
	struct status s5 = read_status(me);
	j_obj("after_write_page_600");
	j_measured("write_page_600", w600, 0);
	j_status_delta("status_delta_vs_previous", s4, s5);
	j_view("view", me, base, NPAGES, NULL);
	j_deltas();
	j_end();
	munmap(base, LEN);
}

static void dontneed_thp(void)
{
	static const char *steps[] = {
		"1. mmap 4 MiB (1024 pages) rw MAP_PRIVATE|MAP_ANONYMOUS 2 MiB aligned; madvise(MADV_HUGEPAGE).",
		"2. Write byte 1 at offset 0 of every page 0..511 (first fault allocates one THP).",
		"3. madvise(base + 5*4096, 4096, MADV_DONTNEED) (page 5 only, inside the THP).",
		"4. Read 1 byte of page 5 again; write byte 1 to page 5.",
		"5. munmap the region (the partially mapped THP is freed with it).",
		NULL,
	};
	static const long det[] = {0, 4, 5, 6, 511};
	j_header("thp-dontneed-in-thp", "A9c",
		 "MADV_DONTNEED of one 4 KiB page inside a PMD-mapped THP: PMD split, the THP becomes partially mapped "
		 "and is queued for deferred split.");
	j_steps(steps);
	struct status s0 = read_status(me);
	char *base = map_thp_region();
	j_hex("region_start", (unsigned long)base);
	snap0();
	struct measured w = touch(base, 0, HPN, 1, 'w', 1);
	snap1();
	struct status s1 = read_status(me);
	j_obj("after_write_first_2MiB");
	j_measured("write_pages_0_511", w, 0);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	struct meter m;
	snap0();
	meter_start(&m);
	int rc = madvise(base + 5 * PAGE_SZ, PAGE_SZ, MADV_DONTNEED);
	struct measured md = meter_stop(&m);
	snap1();
	struct status s2 = read_status(me);
	j_obj("after_dontneed_page_5");
	j_int("madvise_rc", rc);
	j_measured("madvise_call", md, 0);
	j_status_delta("status_delta_vs_previous", s1, s2);
	j_view("view", me, base, NPAGES, NULL);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	snap0();
	struct measured r5 = touch(base, 5, 1, 1, 'r', 0);
	snap1();
	struct status s3 = read_status(me);
	j_obj("after_reread_page_5");
	j_measured("read_page_5", r5, 1);
	j_status_delta("status_delta_vs_previous", s2, s3);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	snap0();
	struct measured w5 = touch(base, 5, 1, 1, 'w', 1);
	snap1();
	struct status s4 = read_status(me);
	j_obj("after_write_page_5");
	j_measured("write_page_5", w5, 0);
	j_status_delta("status_delta_vs_previous", s3, s4);
	j_halves(me, base, det, 5);
	j_deltas();
	j_end();

	snap0();
	munmap(base, LEN);
	snap1();
	j_obj("after_munmap");
	j_deltas();
	j_end();
}

static void fork_thp(void)
{
	static const char *steps[] = {
		"1. mmap 4 MiB (1024 pages) rw MAP_PRIVATE|MAP_ANONYMOUS 2 MiB aligned; madvise(MADV_HUGEPAGE).",
		"2. Parent writes byte 1 at offset 0 of every page 0..511 (one THP).",
		"3. fork(); record both.",
		"4. Child writes byte 2 at offset 0 of page 0.",
		"5. Parent writes byte 3 at offset 0 of page 0.",
		"6. Child reads pages 0..511 (sum), parent reads pages 0..511 (sum); child exits; parent view.",
		NULL,
	};
	j_header("thp-fork-child-writes", "A9d",
		 "fork() of a process with one PMD-mapped THP, then a one-byte write by the child and then by the "
		 "parent.");
	j_steps(steps);
	char *base = map_thp_region();
	j_hex("region_start", (unsigned long)base);
	uint64_t *P = pm_alloc(), *C = pm_alloc(), *P2 = pm_alloc(), *C2 = pm_alloc();
	snap0();
	struct measured w = touch(base, 0, HPN, 1, 'w', 1);
	snap1();
	j_obj("parent_after_write_first_2MiB");
	j_measured("write_pages_0_511", w, 0);
	j_view("view", me, base, HPN, NULL);
	j_deltas();
	j_end();

	struct puppet ch;
	snap0();
	puppet_fork(&ch);
	snap1();
	struct status sp0 = read_status(me), sc0 = read_status(ch.pid);
	j_obj("right_after_fork");
	j_view("parent", me, base, HPN, P);
	j_view("child", ch.pid, base, HPN, C);
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(P, C, HPN));
	j_page_detail("parent_page_0", me, (unsigned long)base);
	j_page_detail("child_page_0", ch.pid, (unsigned long)base);
	j_deltas();
	j_end();

	snap0();
	struct reply cw = puppet_touch(&ch, base, 0, 1, 1, 'w', 2);
	snap1();
	struct status sp1 = read_status(me), sc1 = read_status(ch.pid);
	j_obj("after_child_writes_page_0");
	j_measured("child_write_page_0", cw.m, 0);
	j_status_delta("child_status_delta", sc0, sc1);
	j_status_delta("parent_status_delta", sp0, sp1);
	j_view("child", ch.pid, base, HPN, C2);
	j_view("parent", me, base, HPN, P2);
	j_pfn_compare("child_pfns_vs_after_fork", C, C2, HPN);
	j_pfn_compare("parent_pfns_vs_after_fork", P, P2, HPN);
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(P2, C2, HPN));
	j_page_detail("child_page_0", ch.pid, (unsigned long)base);
	j_page_detail("child_page_1", ch.pid, (unsigned long)base + PAGE_SZ);
	j_page_detail("parent_page_0", me, (unsigned long)base);
	j_deltas();
	j_end();

	snap0();
	struct measured pw = touch(base, 0, 1, 1, 'w', 3);
	snap1();
	struct status sp2 = read_status(me), sc2 = read_status(ch.pid);
	j_obj("after_parent_writes_page_0");
	j_measured("parent_write_page_0", pw, 0);
	j_status_delta("parent_status_delta", sp1, sp2);
	j_status_delta("child_status_delta", sc1, sc2);
	j_view("parent", me, base, HPN, P);
	j_view("child", ch.pid, base, HPN, C);
	j_pfn_compare("parent_pfns_vs_previous", P2, P, HPN);
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(P, C, HPN));
	j_page_detail("parent_page_0", me, (unsigned long)base);
	j_page_detail("parent_page_1", me, (unsigned long)base + PAGE_SZ);
	j_deltas();
	j_end();

	struct reply cr = puppet_touch(&ch, base, 0, HPN, 1, 'r', 0);
	struct measured pr = touch(base, 0, HPN, 1, 'r', 0);
	j_obj("final_reads");
	j_measured("child_read_pages_0_511", cr.m, 1);
	j_measured("parent_read_pages_0_511", pr, 1);
	j_check("child_sum_2_plus_511", cr.m.sum == 2 + 511);
	j_check("parent_sum_3_plus_511", pr.sum == 3 + 511);
	j_end();
	snap0();
	int st = puppet_exit(&ch);
	snap1();
	j_obj("after_child_exit");
	j_int("child_exit_status", st);
	j_view("parent", me, base, HPN, NULL);
	j_deltas();
	j_end();
	munmap(base, LEN);
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "";
	oracle_init();
	me = getpid();
	v0 = vm_alloc();
	v1 = vm_alloc();
	read_mthp(&m0);
	if (strcmp(mode, "read-then-write") == 0)
		read_then_write();
	else if (strcmp(mode, "dontneed-huge-zero") == 0)
		dontneed_huge_zero();
	else if (strcmp(mode, "dontneed-thp") == 0)
		dontneed_thp();
	else if (strcmp(mode, "fork-thp") == 0)
		fork_thp();
	else {
		fprintf(stderr, "usage: %s read-then-write|dontneed-huge-zero|dontneed-thp|fork-thp\n", argv[0]);
		return 2;
	}
	j_varying("thp_zero_page_alloc is 1 only when the huge zero folio did not exist yet (see "
		  "thp-zero-page-alloc.json); mthp nr_anon / nr_anon_partially_mapped are system wide");
	j_end();
	return 0;
}
