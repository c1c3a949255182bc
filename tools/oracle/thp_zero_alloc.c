/*
 * thp_zero_alloc.c - brief item A10: when is the huge zero folio allocated?
 *
 * The huge zero folio's refcount is not visible from user space, but its
 * existence is: /proc/kpageflags marks every page of it ZERO_PAGE|THP
 * (fs/proc/page.c stable_page_flags(): is_huge_zero_folio()), so a full
 * scan of kpageflags tells whether it exists and where. /proc/vmstat
 * thp_zero_page_alloc counts allocations (get_huge_zero_folio()).
 *
 * Steps (the parent never touches the region itself, so only the children's
 * mms take references):
 *   1. scan kpageflags; record thp_zero_page_alloc (absolute, since boot);
 *   2. if the folio exists and ORACLE_DROP_SLAB=1: echo 2 > drop_caches runs
 *      every shrinker, including "thp-zero", which frees the folio when only
 *      the shrinker's own reference is left (refcount == 1); rescan;
 *   3. child A: mmap 2 MiB (slot 0, 2 MiB aligned), MADV_HUGEPAGE, read one
 *      byte of each 4 KiB page -> huge zero PMD; parent records deltas + scan;
 *   4. child B (A still alive): the same -> a second mm takes a reference,
 *      no new allocation;
 *   5. both exit; scan again (folio stays: the shrinker's reference);
 *   6. if ORACLE_DROP_SLAB=1: drop_caches again -> the folio is freed; child C
 *      reads again -> allocated again (thp_zero_page_alloc +1).
 */
#include "oracle_lib.c"

static uint64_t scanbuf[65536];

struct hz_scan {
	long zero_thp_pages;  /* pages with KPF_ZERO_PAGE and KPF_THP */
	long zero_thp_heads;  /* ... and COMPOUND_HEAD */
	long zero_4k_pages;   /* KPF_ZERO_PAGE without KPF_THP */
	uint64_t head_pfn;
	uint64_t head_flags;
	uint64_t tail_flags;
	uint64_t head_count;
	long max_pfn;
	double secs;
};

static struct hz_scan scan_huge_zero(void)
{
	struct hz_scan s;
	struct timespec t0, t1;
	memset(&s, 0, sizeof s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t pfn = 0;
	for (;;) {
		ssize_t r = pread(fd_kpageflags, scanbuf, sizeof scanbuf, (off_t)(pfn * 8));
		if (r <= 0)
			break;
		long n = r / 8;
		for (long i = 0; i < n; i++) {
			uint64_t f = scanbuf[i];
			if (!(f & KB(KPF_ZERO_PAGE)))
				continue;
			if (f & KB(KPF_THP)) {
				s.zero_thp_pages++;
				if (f & KB(KPF_COMPOUND_HEAD)) {
					s.zero_thp_heads++;
					s.head_pfn = pfn + (uint64_t)i;
					s.head_flags = f;
				} else {
					s.tail_flags = f;
				}
			} else {
				s.zero_4k_pages++;
			}
		}
		pfn += (uint64_t)n;
	}
	s.max_pfn = (long)pfn;
	if (s.zero_thp_heads)
		s.head_count = kpagecount(s.head_pfn);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s.secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	return s;
}

static void j_scan(const char *key, struct hz_scan s)
{
	j_obj(key);
	j_bool("huge_zero_folio_exists", s.zero_thp_heads > 0);
	j_int("pages_with_ZERO_PAGE_and_THP", s.zero_thp_pages);
	j_int("compound_heads_among_them", s.zero_thp_heads);
	j_int("pages_with_ZERO_PAGE_only", s.zero_4k_pages);
	if (s.zero_thp_heads) {
		j_int("head_pfn_varies", (long long)s.head_pfn);
		j_bool("head_pfn_512_aligned", s.head_pfn % 512 == 0);
		j_hex("head_kpageflags", s.head_flags);
		j_kpf_names("head_kpf", s.head_flags);
		j_hex("tail_kpageflags", s.tail_flags);
		j_kpf_names("tail_kpf", s.tail_flags);
		j_int("head_kpagecount", (long long)s.head_count);
	}
	j_int("pfns_scanned", s.max_pfn);
	j_dbl("scan_seconds_varies", s.secs);
	j_end();
}

static int drop_slab(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		return -1;
	int ok = write(fd, "2\n", 2) == 2;
	close(fd);
	return ok ? 0 : -1;
}

/* A child that maps the 2 MiB region, reads every 4 KiB page, then waits. */
static struct puppet reader(int slot, struct reply *r)
{
	struct puppet p;
	char *base = map_slot(slot, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (madvise(base, 2 * MIB, MADV_HUGEPAGE))
		die("madvise");
	puppet_fork(&p);
	/* the parent does not need the mapping; the child keeps its copy of the VMA */
	munmap(base, 2 * MIB);
	*r = puppet_touch(&p, base, 0, 512, 1, 'r', 0);
	return p;
}

int main(void)
{
	oracle_init();
	int use_drop = getenv("ORACLE_DROP_SLAB") && atoi(getenv("ORACLE_DROP_SLAB"));
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	struct mthp m0, m1;
	char *base = (char *)slot_addr(0);
	static const char *steps[] = {
		"1. Scan all of /proc/kpageflags for pages with ZERO_PAGE|THP (the huge zero folio); read /proc/vmstat "
		"thp_zero_page_alloc (absolute since boot).",
		"2. If the folio exists and ORACLE_DROP_SLAB=1: echo 2 > /proc/sys/vm/drop_caches (runs every shrinker, "
		"incl. thp-zero) and scan again.",
		"3. Child A: mmap 2 MiB MAP_PRIVATE|MAP_ANONYMOUS at a 2 MiB-aligned address, MADV_HUGEPAGE, read 1 byte "
		"from each of its 512 4 KiB pages; child stays alive. Record its minflt, pagemap, vmstat delta, scan.",
		"4. Child B (A still alive): same in a second mm. Record the same.",
		"5. Both children exit; scan again.",
		"6. If ORACLE_DROP_SLAB=1: drop_caches again, scan; child C reads again; record thp_zero_page_alloc delta.",
		NULL,
	};

	j_header("thp-zero-page-alloc", "A10",
		 "Existence and allocation count of the huge zero folio around its first use. The parent never maps the "
		 "region itself; children do.");
	j_steps(steps);
	j_bool("drop_slab_enabled", use_drop);
	read_vmstat(v0);
	j_int("thp_zero_page_alloc_at_start_absolute", vmstat_get(v0, "thp_zero_page_alloc"));
	j_int("thp_zero_page_alloc_failed_at_start_absolute", vmstat_get(v0, "thp_zero_page_alloc_failed"));
	{
		double up = 0;
		if (read_file("/proc/uptime") >= 0)
			up = strtod(filebuf, NULL);
		j_dbl("uptime_seconds_at_start_varies", up);
	}
	struct hz_scan s0 = scan_huge_zero();
	j_scan("scan_at_start", s0);
	if (s0.zero_thp_heads && use_drop) {
		j_int("drop_caches_rc_before", drop_slab());
		j_scan("scan_after_drop_caches", scan_huge_zero());
	}

	/* child A */
	read_vmstat(v0);
	read_mthp(&m0);
	struct reply ra;
	struct puppet pa = reader(0, &ra);
	read_vmstat(v1);
	read_mthp(&m1);
	j_obj("child_A_read");
	j_measured("read_512_pages", ra.m, 1);
	j_view("child_view", pa.pid, base, 512, NULL);
	j_page_detail("child_first_page", pa.pid, (unsigned long)base);
	j_page_detail("child_page_1", pa.pid, (unsigned long)base + PAGE_SZ);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_mthp_delta("mthp_2048kB_stats_delta", &m0, &m1);
	struct hz_scan sa = scan_huge_zero();
	j_scan("scan", sa);
	{
		uint64_t e;
		read_pagemap(pa.pid, (unsigned long)base, 1, &e);
		j_bool("child_pfn_is_scanned_head", sa.zero_thp_heads && pm_pfn(e) == sa.head_pfn);
	}
	j_end();

	/* child B, A still alive */
	read_vmstat(v0);
	struct reply rb;
	struct puppet pb = reader(1, &rb);
	read_vmstat(v1);
	j_obj("child_B_read_while_A_alive");
	j_measured("read_512_pages", rb.m, 1);
	j_pagemap("child_pagemap", pb.pid, slot_addr(1), 512, NULL);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	struct hz_scan sb = scan_huge_zero();
	j_bool("same_folio_as_A", sb.head_pfn == sa.head_pfn && sb.zero_thp_heads == 1);
	j_end();

	read_vmstat(v0);
	int sta = puppet_exit(&pa), stb = puppet_exit(&pb);
	read_vmstat(v1);
	j_obj("after_both_exit");
	j_int("child_A_exit_status", sta);
	j_int("child_B_exit_status", stb);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	struct hz_scan se = scan_huge_zero();
	j_scan("scan", se);
	j_bool("folio_survives_exit_of_all_users", se.zero_thp_heads == 1 && se.head_pfn == sa.head_pfn);
	j_end();

	if (use_drop) {
		j_obj("drop_caches_then_child_C");
		read_vmstat(v0);
		j_int("drop_caches_rc", drop_slab());
		read_vmstat(v1);
		j_vmstat_delta("vmstat_delta_drop_systemwide", v0, v1);
		struct hz_scan sd = scan_huge_zero();
		j_scan("scan_after_drop", sd);
		read_vmstat(v0);
		struct reply rc;
		struct puppet pc = reader(2, &rc);
		read_vmstat(v1);
		j_measured("child_C_read_512_pages", rc.m, 1);
		j_vmstat_delta("vmstat_delta_child_C_systemwide", v0, v1);
		struct hz_scan sc = scan_huge_zero();
		j_scan("scan_after_child_C", sc);
		j_bool("same_pfn_as_before_varies", sc.head_pfn == sa.head_pfn);
		puppet_exit(&pc);
		j_end();
	}
	read_vmstat(v1);
	j_int("thp_zero_page_alloc_at_end_absolute", vmstat_get(v1, "thp_zero_page_alloc"));
	j_varying("thp_zero_page_alloc delta in child_A_read is 1 only if the folio did not exist at that moment "
		  "(first use since boot, or freed by the shrinker); scan_at_start tells which case applied");
	j_end();
	return 0;
}
