/*
 * thp_underused.c - issue #15: the deferred split shrinker splits underused THPs
 * and remaps their zero-filled subpages to the shared zero page.
 *
 *   thp_underused 409  -> "thp-underused-split"   (max_ptes_none 409)
 *   thp_underused 511  -> "thp-underused-default" (the default: nothing split)
 *
 * 6.18 puts every THP a fault allocates on the deferred split queue
 * (__do_huge_pmd_anonymous_page: deferred_split_folio(folio, false)); the
 * "thp-deferred_split" shrinker's scan (deferred_split_scan) asks
 * thp_underused() of each folio that is not partially mapped: more than
 * khugepaged/max_ptes_none zero-filled subpages means split_folio(), whose
 * remap_page(RMP_USE_SHARED_ZEROPAGE) maps each zero-filled subpage to the
 * shared zero page (try_to_map_unused_to_zeropage) and frees it. With
 * max_ptes_none = 511 (HPAGE_PMD_NR - 1) thp_underused() returns false at once.
 *
 * Region: 6 MiB (3 PMDs) MADV_HUGEPAGE at slot 0.
 *   PMD 0 (pages 0..511): write byte 0x11+k at offset 0 of pages 0,1,2,3,300,
 *          and byte 0 to page 4 (written, but still zero-filled): 507 zero pages.
 *   PMD 1 (pages 512..1023): write byte 0x22 to pages 512..823 (312): 200 zero.
 *   PMD 2 (pages 1024..1535): write byte 0 to every page: all 512 zero-filled.
 * (No read faults: this machine class's kernel allocates a THP for a read
 * fault instead of mapping the huge zero folio, so a read-then-write PMD would
 * not test do_huge_zero_wp_pmd here.) The shared zero page is recognised by
 * KPF_ZERO_PAGE in /proc/kpageflags, not by the pfn a read fault maps (which
 * on this kernel is a fresh page).
 * Then `echo 2 > /proc/sys/vm/drop_caches` (drop_slab: every shrinker), read
 * everything back, write page 10 (on the zero page if it was remapped), and
 * drop_caches once more. max_ptes_none is restored at the end.
 */
#include "oracle_lib.c"

#define HPN 512L
#define NPAGES (3 * HPN)
#define LEN (NPAGES * (long)PAGE_SZ)
#define MPN_PATH "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"

static pid_t me;
static struct vmstat *v0, *v1;
static struct mthp m0, m1;
static uint64_t pm[NPAGES];

static int is_zero_page(uint64_t e)
{
	if (!(e & PM_PRESENT))
		return 0;
	uint64_t f = kpageflags(pm_pfn(e));
	return (f & KB(KPF_ZERO_PAGE)) && !(f & KB(KPF_THP));
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Per PMD: how many PTEs map the 4 KiB zero page, and the pages that do not. */
static void j_pmd_pages(const char *key, char *base, long first)
{
	read_pagemap(me, (unsigned long)base + (unsigned long)first * PAGE_SZ, HPN, pm);
	long on_zero = 0, other = 0;
	for (long i = 0; i < HPN; i++)
		if (is_zero_page(pm[i]))
			on_zero++;
		else if (pm[i] & PM_PRESENT)
			other++;
	j_obj(key);
	j_int("on_4k_zero_page", on_zero);
	j_int("present_not_zero_page", other);
	j_arr("pages_not_on_zero_page_if_at_most_16");
	if (other <= 16)
		for (long i = 0; i < HPN; i++)
			if ((pm[i] & PM_PRESENT) && !is_zero_page(pm[i]))
				j_int(NULL, first + i);
	j_end_arr();
	j_end();
	char k[64];
	snprintf(k, sizeof k, "%s_pagemap", key);
	j_pagemap(k, me, (unsigned long)base + (unsigned long)first * PAGE_SZ, HPN, NULL);
}

static void j_state(char *base)
{
	struct smaps sm = read_smaps(me, (unsigned long)base);
	j_smaps("smaps", &sm);
	j_pmd_pages("pmd0_pages_0_511", base, 0);
	j_pmd_pages("pmd1_pages_512_1023", base, HPN);
	j_pmd_pages("pmd2_pages_1024_1535", base, 2 * HPN);
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

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: thp_underused <max_ptes_none>");
	long mpn = atol(argv[1]);
	oracle_init();
	me = getpid();
	v0 = vm_alloc();
	v1 = vm_alloc();
	long saved = read_long(MPN_PATH);
	char buf[32];
	snprintf(buf, sizeof buf, "%ld\n", mpn);
	if (write_str(MPN_PATH, buf))
		die("cannot write " MPN_PATH);

	static const char *steps[] = {
		"1. echo N > /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none (restored at the end).",
		"2. mmap 6 MiB (3 PMDs) rw MAP_PRIVATE|MAP_ANONYMOUS 2 MiB aligned at slot 0; madvise(MADV_HUGEPAGE).",
		"3. PMD 0: write byte 0x11,0x12,0x13,0x14 at offset 0 of pages 0..3, 0x15 of page 300, byte 0 of page 4.",
		"4. PMD 1: write byte 0x22 at offset 0 of pages 512..823 (312 pages).",
		"5. PMD 2: write byte 0 at offset 0 of every page 1024..1535.",
		"6. echo 2 > /proc/sys/vm/drop_caches.",
		"7. Read 1 byte of every page 0..1535.",
		"8. Write byte 0x44 at offset 0 of page 10.",
		"9. echo 2 > /proc/sys/vm/drop_caches.",
		NULL,
	};
	j_header(mpn == 511 ? "thp-underused-default" : "thp-underused-split", "#15",
		 "The deferred split shrinker (run by drop_caches) splits THPs with more than max_ptes_none "
		 "zero-filled subpages and maps those subpages to the shared zero page.");
	j_int("max_ptes_none", read_long(MPN_PATH));
	j_int("shrink_underused", read_long("/sys/kernel/mm/transparent_hugepage/shrink_underused"));
	j_steps(steps);

	struct status s0 = read_status(me);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (madvise(base, LEN, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	j_hex("region_start", (unsigned long)base);

	snap0();
	struct meter mt;
	meter_start(&mt);
	for (long k = 0; k < 4; k++)
		base[k * PAGE_SZ] = (char)(0x11 + k);
	base[300 * PAGE_SZ] = 0x15;
	base[4 * PAGE_SZ] = 0;
	struct measured w0 = meter_stop(&mt);
	struct measured w1 = touch(base, HPN, 312, 1, 'w', 0x22);
	struct measured w2 = touch(base, 2 * HPN, HPN, 1, 'w', 0);
	snap1();
	struct status s1 = read_status(me);
	j_obj("after_writes");
	j_measured("write_pmd0", w0, 0);
	j_measured("write_pmd1", w1, 0);
	j_measured("write_pmd2", w2, 0);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_state(base);
	j_deltas();
	j_end();

	snap0();
	int rc = write_str("/proc/sys/vm/drop_caches", "2\n");
	snap1();
	struct status s2 = read_status(me);
	j_obj("after_drop_caches");
	j_int("drop_caches_rc", rc);
	j_status_delta("status_delta_vs_previous", s1, s2);
	j_state(base);
	j_deltas();
	j_end();

	snap0();
	struct measured ra = touch(base, 0, NPAGES, 1, 'r', 0);
	int data_ok = base[0] == 0x11 && base[PAGE_SZ] == 0x12 && base[2 * PAGE_SZ] == 0x13 &&
		      base[3 * PAGE_SZ] == 0x14 && base[300 * PAGE_SZ] == 0x15 && base[HPN * PAGE_SZ] == 0x22 &&
		      pages_all_zero(base, 2 * HPN, HPN) && pages_all_zero(base, 4, 1) && pages_all_zero(base, 5, 295);
	snap1();
	j_obj("after_read_all");
	j_measured("read_all_1536_pages", ra, 1);
	j_check("written_bytes_read_back", data_ok);
	j_check("byte_sum_is_written_sum", ra.sum == 0x11 + 0x12 + 0x13 + 0x14 + 0x15 + 312 * 0x22);
	j_deltas();
	j_end();

	snap0();
	struct measured w10 = touch(base, 10, 1, 1, 'w', 0x44);
	snap1();
	struct status s3 = read_status(me);
	j_obj("after_write_page_10");
	j_measured("write_page_10", w10, 0);
	j_status_delta("status_delta_vs_after_drop_caches", s2, s3);
	j_page_detail("page_10", me, (unsigned long)base + 10 * PAGE_SZ);
	j_pmd_pages("pmd0_pages_0_511", base, 0);
	j_deltas();
	j_end();

	snap0();
	rc = write_str("/proc/sys/vm/drop_caches", "2\n");
	snap1();
	struct status s4 = read_status(me);
	j_obj("after_second_drop_caches");
	j_int("drop_caches_rc", rc);
	j_status_delta("status_delta_vs_previous", s3, s4);
	j_state(base);
	j_deltas();
	j_end();

	munmap(base, LEN);
	snprintf(buf, sizeof buf, "%ld\n", saved);
	j_int("max_ptes_none_restored_to", saved);
	j_int("max_ptes_none_restore_rc", write_str(MPN_PATH, buf));
	j_varying("vmstat and mTHP deltas are system-wide: other processes' THPs on the deferred split queue are "
		  "split by the same drop_caches (thp_split_page, thp_underused_split_page may count them)");
	j_end();
	return 0;
}
