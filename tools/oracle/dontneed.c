/*
 * dontneed.c - brief item A4: MADV_DONTNEED of the middle half of a region.
 *
 *   dontneed after-read   -> scenario "dontneed-after-read"
 *   dontneed after-write  -> scenario "dontneed-after-write"
 *
 * 16 MiB private anonymous (4096 pages), either read (zero page everywhere)
 * or written (4096 anon pages); then MADV_DONTNEED of pages 1024..3071 (the
 * middle 8 MiB, which covers exactly 4 PTE tables because the region is
 * 2 MiB aligned). This kernel has CONFIG_PT_RECLAIM=y: MADV_DONTNEED may free
 * PTE tables that became empty, which shows in VmPTE / nr_page_table_pages.
 * Then the middle is read again (zero page again, content zero).
 */
#include "oracle_lib.c"

#define NPAGES 4096L
#define LEN (NPAGES * (long)PAGE_SZ)
#define MID_FIRST 1024L
#define MID_COUNT 2048L

int main(int argc, char **argv)
{
	int wr;
	if (argc == 2 && strcmp(argv[1], "after-read") == 0)
		wr = 0;
	else if (argc == 2 && strcmp(argv[1], "after-write") == 0)
		wr = 1;
	else {
		fprintf(stderr, "usage: %s after-read|after-write\n", argv[0]);
		return 2;
	}
	oracle_init();
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	uint64_t *A = pm_alloc(), *B = pm_alloc(), *C = pm_alloc();
	static const char *steps_r[] = {
		"1. mmap 16 MiB (4096 pages) rw MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, alone in its PGD entry, no "
		"MADV_HUGEPAGE.",
		"2. Read 1 byte at offset 0 of every page 0..4095.",
		"3. madvise(base + 4 MiB, 8 MiB, MADV_DONTNEED) (pages 1024..3071).",
		"4. Read 1 byte of pages 1024..3071 again; then every byte of those pages is checked to be 0.",
		"5. Read 1 byte of pages 0..1023 and 3072..4095 (untouched by the madvise).",
		NULL,
	};
	static const char *steps_w[] = {
		"1. mmap 16 MiB (4096 pages) rw MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, alone in its PGD entry, no "
		"MADV_HUGEPAGE.",
		"2. Write byte 0xAB at offset 0 of every page 0..4095.",
		"3. madvise(base + 4 MiB, 8 MiB, MADV_DONTNEED) (pages 1024..3071).",
		"4. Read 1 byte of pages 1024..3071 again; then every byte of those pages is checked to be 0.",
		"5. Read 1 byte of pages 0..1023 and 3072..4095 (untouched by the madvise).",
		NULL,
	};
	j_header(wr ? "dontneed-after-write" : "dontneed-after-read", "A4",
		 wr ? "MADV_DONTNEED of the middle 8 MiB of a written 16 MiB region, then re-read."
		    : "MADV_DONTNEED of the middle 8 MiB of a read (zero-page) 16 MiB region, then re-read.");
	j_steps(wr ? steps_w : steps_r);

	struct status s0 = read_status(me);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	read_vmstat(v0);
	struct measured t = touch(base, 0, NPAGES, 1, wr ? 'w' : 'r', (char)0xAB);
	read_vmstat(v1);
	struct status s1 = read_status(me);
	j_obj(wr ? "after_write_all" : "after_read_all");
	j_measured("touch_all", t, !wr);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, A);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct meter m;
	read_vmstat(v0);
	meter_start(&m);
	int rc = madvise(base + MID_FIRST * (long)PAGE_SZ, (size_t)MID_COUNT * PAGE_SZ, MADV_DONTNEED);
	struct measured md = meter_stop(&m);
	read_vmstat(v1);
	struct status s2 = read_status(me);
	j_obj("after_madv_dontneed_middle");
	j_int("madvise_rc", rc);
	j_measured("madvise_call", md, 0);
	j_status_delta("status_delta_vs_previous", s1, s2);
	j_view("view", me, base, NPAGES, B);
	j_pagemap("pagemap_middle_pages_1024_3071", me, (unsigned long)base + MID_FIRST * PAGE_SZ, MID_COUNT, NULL);
	j_pfn_compare("pfns_vs_before_madvise", A, B, NPAGES);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	read_vmstat(v0);
	struct measured rr = touch(base, MID_FIRST, MID_COUNT, 1, 'r', 0);
	read_vmstat(v1);
	struct status s3 = read_status(me);
	j_obj("after_reread_middle");
	j_measured("read_pages_1024_3071", rr, 1);
	j_status_delta("status_delta_vs_previous", s2, s3);
	j_status_delta("status_delta_vs_before_madvise", s1, s3);
	j_view("view", me, base, NPAGES, C);
	j_pfn_compare("pfns_vs_before_madvise", A, C, NPAGES);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_check("middle_content_all_zero", pages_all_zero(base, MID_FIRST, MID_COUNT));
	j_end();

	struct measured ro1 = touch(base, 0, MID_FIRST, 1, 'r', 0);
	struct measured ro2 = touch(base, MID_FIRST + MID_COUNT, NPAGES - MID_FIRST - MID_COUNT, 1, 'r', 0);
	j_obj("after_read_outer_pages");
	j_measured("read_pages_0_1023", ro1, 1);
	j_measured("read_pages_3072_4095", ro2, 1);
	j_end();
	j_varying(NULL);
	j_end();
	munmap(base, LEN);
	return 0;
}
