/*
 * ranges.c - issue #14 (1, 2, 3, 4) and #13 (6, 7): system calls over ranges
 * with holes, populate of inaccessible memory, PTE-table reclaim on
 * MADV_DONTNEED, argument checks, and write faults on a large folio only this
 * process maps.
 *
 *   ranges holes      -> "ranges-with-holes"
 *   ranges args       -> "ranges-args-populate"
 *   ranges thp-reuse  -> "ranges-thp-reuse"
 *
 * Every call's return value and errno are recorded (errno by name), with the
 * status deltas, smaps of each VMA piece and the pagemap of each piece.
 */
#include "oracle_lib.c"

#define PG(n) ((long)(n) * (long)PAGE_SZ)

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	default: return "other";
	}
}

/* One system call under a meter: rc, errno name, minor faults, status delta. */
struct call {
	int rc, err;
	struct measured m;
	struct status s0, s1;
};

#define CALL(c, expr)                                                                                           \
	do {                                                                                                    \
		struct meter mt_;                                                                               \
		(c).s0 = read_status(getpid());                                                                 \
		meter_start(&mt_);                                                                              \
		(c).rc = (expr);                                                                                \
		(c).err = (c).rc ? errno : 0;                                                                   \
		(c).m = meter_stop(&mt_);                                                                       \
		(c).s1 = read_status(getpid());                                                                 \
	} while (0)

static void j_call(const char *key, const char *what, struct call c)
{
	j_obj(key);
	j_str("call", what);
	j_int("rc", c.rc);
	j_str("errno", errname(c.err));
	j_measured("call_measured", c.m, 0);
	j_status_delta("status_delta", c.s0, c.s1);
	j_end();
}

/* smaps + pagemap of one piece [base + first pages, + count pages). */
static void j_piece(const char *key, char *base, long first, long count)
{
	j_view(key, getpid(), base + PG(first), count, NULL);
}

static void holes(void)
{
	static const char *steps[] = {
		"1. slot 0: mmap 8 MiB rw private anon (2 MiB aligned), write every page (2048), munmap [4M, 6M): VMAs "
		"A=[0,4M) and B=[6M,8M) with a hole between.",
		"2. mprotect(base+4M, 4M, PROT_READ): starts in the hole.",
		"3. mprotect(base, 8M, PROT_READ): A, hole, B.",
		"4. madvise(base+4M, 4M, MADV_DONTNEED): [hole, B).",
		"5. madvise(base+6M, 4M, MADV_POPULATE_WRITE): B, then nothing mapped after it.",
		"6. madvise(base, 8M, MADV_DONTNEED): A, hole, B.",
		"7. madvise(base, 8M, MADV_POPULATE_READ): A (read-only now), hole, B.",
		"8. slot 1: mmap 8 MiB rw, write every page (4 PTE tables). madvise(base+0, 1M, DONTNEED), then "
		"madvise(base+1M, 4M, DONTNEED): the second zap covers only the table [2M,4M) whole; the table [0,2M) "
		"is empty afterwards but was only partly covered.",
		"9. madvise(base+4M, 4M, DONTNEED) over [4M,8M) of slot 1: two whole tables.",
		NULL,
	};
	j_header("ranges-with-holes", "#14.1 #14.3",
		 "mprotect and madvise over ranges with holes; MADV_POPULATE_* up to a hole; PTE-table reclaim.");
	j_steps(steps);
	pid_t me = getpid();
	struct call c;
	char *a = map_slot(0, PG(2048), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)a);
	struct status s0 = read_status(me);
	touch(a, 0, 2048, 1, 'w', 1);
	CALL(c, munmap(a + PG(1024), PG(512)));
	struct status s1 = read_status(me);
	j_obj("after_write_and_munmap_hole");
	j_call("munmap", "munmap(base+4M, 2M)", c);
	j_status_delta("status_delta_vs_before_write", s0, s1);
	j_piece("view_A", a, 0, 1024);
	j_piece("view_B", a, 1536, 512);
	j_end();

	CALL(c, mprotect(a + PG(1024), PG(1024), PROT_READ));
	j_obj("after_mprotect_from_hole");
	j_call("mprotect", "mprotect(base+4M, 4M, PROT_READ)", c);
	j_piece("view_A", a, 0, 1024);
	j_piece("view_B", a, 1536, 512);
	j_end();

	CALL(c, mprotect(a, PG(2048), PROT_READ));
	j_obj("after_mprotect_across_hole");
	j_call("mprotect", "mprotect(base, 8M, PROT_READ)", c);
	j_piece("view_A", a, 0, 1024);
	j_piece("view_B", a, 1536, 512);
	j_end();

	CALL(c, madvise(a + PG(1024), PG(1024), MADV_DONTNEED));
	j_obj("after_dontneed_from_hole");
	j_call("madvise", "madvise(base+4M, 4M, MADV_DONTNEED)", c);
	j_piece("view_A", a, 0, 1024);
	j_piece("view_B", a, 1536, 512);
	j_end();

	CALL(c, madvise(a + PG(1536), PG(1024), MADV_POPULATE_WRITE));
	j_obj("after_populate_write_past_end");
	j_call("madvise", "madvise(base+6M, 4M, MADV_POPULATE_WRITE)", c);
	j_piece("view_B", a, 1536, 512);
	j_end();

	CALL(c, madvise(a, PG(2048), MADV_DONTNEED));
	j_obj("after_dontneed_across_hole");
	j_call("madvise", "madvise(base, 8M, MADV_DONTNEED)", c);
	j_piece("view_A", a, 0, 1024);
	j_piece("view_B", a, 1536, 512);
	j_end();

	CALL(c, madvise(a, PG(2048), MADV_POPULATE_READ));
	j_obj("after_populate_read_across_hole");
	j_call("madvise", "madvise(base, 8M, MADV_POPULATE_READ)", c);
	j_piece("view_A", a, 0, 1024);
	j_piece("view_B", a, 1536, 512);
	j_end();

	char *b = map_slot(1, PG(2048), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region2_start", (unsigned long)b);
	s0 = read_status(me);
	touch(b, 0, 2048, 1, 'w', 1);
	s1 = read_status(me);
	j_obj("reclaim_after_write");
	j_status_delta("status_delta", s0, s1);
	j_end();
	CALL(c, madvise(b, PG(256), MADV_DONTNEED));
	j_obj("reclaim_after_dontneed_0_1M");
	j_call("madvise", "madvise(base2, 1M, MADV_DONTNEED)", c);
	j_end();
	CALL(c, madvise(b + PG(256), PG(1024), MADV_DONTNEED));
	j_obj("reclaim_after_dontneed_1M_5M");
	j_call("madvise", "madvise(base2+1M, 4M, MADV_DONTNEED)", c);
	j_piece("view", b, 0, 2048);
	j_end();
	CALL(c, madvise(b + PG(1024), PG(1024), MADV_DONTNEED));
	j_obj("reclaim_after_dontneed_4M_8M");
	j_call("madvise", "madvise(base2+4M, 4M, MADV_DONTNEED)", c);
	j_piece("view", b, 0, 2048);
	j_end();
	j_varying(NULL);
	j_end();
}

static void args(void)
{
	static const char *steps[] = {
		"1. slot 0: mmap 4 MiB PROT_NONE MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE.",
		"2. madvise(base, 4M, MADV_POPULATE_READ) on it.",
		"3. slot 1: mmap 4 MiB PROT_READ (no populate); madvise(base, 4M, MADV_POPULATE_WRITE).",
		"4. slot 2: mmap 4 MiB rw, write every page. Then, each on its own: munmap(base+1, 4096), "
		"mprotect(base+1, 4096, PROT_READ), madvise(base+1, 4096, MADV_DONTNEED), munmap(base, 0), "
		"mprotect(base, 0, PROT_READ), madvise(base, 0, MADV_DONTNEED), munmap(base+4M, 4096) (nothing "
		"mapped there), mprotect(base+4M, 4096, PROT_READ) (nothing mapped), mprotect(base, 4097, PROT_READ) "
		"(2 pages).",
		NULL,
	};
	j_header("ranges-args-populate", "#14.2 #13.6",
		 "MAP_POPULATE and MADV_POPULATE_* on inaccessible memory; alignment and length rules.");
	j_steps(steps);
	pid_t me = getpid();
	struct call c;
	struct meter mt;
	struct status s0 = read_status(me);
	meter_start(&mt);
	char *n = map_slot(0, PG(1024), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
	struct measured mm = meter_stop(&mt);
	struct status s1 = read_status(me);
	j_obj("after_mmap_prot_none_populate");
	j_measured("mmap_call", mm, 0);
	j_status_delta("status_delta", s0, s1);
	j_piece("view", n, 0, 1024);
	j_end();
	CALL(c, madvise(n, PG(1024), MADV_POPULATE_READ));
	j_obj("after_populate_read_prot_none");
	j_call("madvise", "madvise(base, 4M, MADV_POPULATE_READ) on PROT_NONE", c);
	j_end();

	char *r = map_slot(1, PG(1024), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	CALL(c, madvise(r, PG(1024), MADV_POPULATE_WRITE));
	j_obj("after_populate_write_read_only");
	j_call("madvise", "madvise(base, 4M, MADV_POPULATE_WRITE) on PROT_READ", c);
	j_piece("view", r, 0, 1024);
	j_end();

	char *w = map_slot(2, PG(1024), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	touch(w, 0, 1024, 1, 'w', 1);
	j_obj("alignment");
	CALL(c, munmap(w + 1, PAGE_SZ));
	j_call("munmap_unaligned", "munmap(base+1, 4096)", c);
	CALL(c, mprotect(w + 1, PAGE_SZ, PROT_READ));
	j_call("mprotect_unaligned", "mprotect(base+1, 4096, PROT_READ)", c);
	CALL(c, madvise(w + 1, PAGE_SZ, MADV_DONTNEED));
	j_call("madvise_unaligned", "madvise(base+1, 4096, MADV_DONTNEED)", c);
	CALL(c, munmap(w, 0));
	j_call("munmap_len0", "munmap(base, 0)", c);
	CALL(c, mprotect(w, 0, PROT_READ));
	j_call("mprotect_len0", "mprotect(base, 0, PROT_READ)", c);
	CALL(c, madvise(w, 0, MADV_DONTNEED));
	j_call("madvise_len0", "madvise(base, 0, MADV_DONTNEED)", c);
	CALL(c, munmap(w + PG(1024), PAGE_SZ));
	j_call("munmap_unmapped", "munmap(base+4M, 4096)", c);
	CALL(c, mprotect(w + PG(1024), PAGE_SZ, PROT_READ));
	j_call("mprotect_unmapped", "mprotect(base+4M, 4096, PROT_READ)", c);
	j_piece("view_after_rejected", w, 0, 1024);
	CALL(c, mprotect(w, PAGE_SZ + 1, PROT_READ));
	j_call("mprotect_len_4097", "mprotect(base, 4097, PROT_READ)", c);
	j_piece("view_first_two_pages", w, 0, 2);
	j_piece("view_rest", w, 2, 1022);
	j_end();
	j_varying(NULL);
	j_end();
}

static void thp_reuse(void)
{
	static const char *steps[] = {
		"1. slot 0: mmap 4 MiB rw, MADV_HUGEPAGE, write 1 byte at page 0 (THP at [0,2M)) and at page 512 "
		"(THP at [2M,4M)).",
		"2. munmap(base+2M-4K, 4K): the first THP's PMD is split, 511 pages PTE-mapped.",
		"3. fork a child (it touches nothing).",
		"4. parent writes page 1 (PTE-mapped THP, child alive).",
		"5. child exits; parent writes page 2 (PTE-mapped THP), then pages 3..510.",
		"6. parent writes page 512 (the PMD-mapped THP, child gone).",
		"7. slot 1: mmap 2 MiB rw, MADV_HUGEPAGE, write page 0 (THP); madvise(base+4K, 4K, MADV_NOHUGEPAGE); "
		"fork a child; child exits.",
		NULL,
	};
	j_header("ranges-thp-reuse", "#14.4 #13.7",
		 "Write faults on a THP only this process maps after a split and a fork; MADV_NOHUGEPAGE on 4K of a THP.");
	j_steps(steps);
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	struct mthp m0, m1;
	uint64_t *P0 = pm_alloc(), *P1 = pm_alloc();
	char *a = map_slot(0, PG(1024), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (madvise(a, PG(1024), MADV_HUGEPAGE))
		die("MADV_HUGEPAGE");
	j_hex("region_start", (unsigned long)a);
	struct status s0 = read_status(me);
	read_vmstat(v0);
	read_mthp(&m0);
	struct measured w0 = touch(a, 0, 2, 512, 'w', 1);
	read_vmstat(v1);
	read_mthp(&m1);
	struct status s1 = read_status(me);
	j_obj("after_write_two_thps");
	j_measured("write", w0, 0);
	j_status_delta("status_delta", s0, s1);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct call c;
	read_vmstat(v0);
	CALL(c, munmap(a + PG(511), PAGE_SZ));
	read_vmstat(v1);
	j_obj("after_munmap_last_page_of_thp1");
	j_call("munmap", "munmap(base+2M-4K, 4K)", c);
	j_piece("view_thp1", a, 0, 511);
	j_piece("view_thp2", a, 512, 512);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct puppet p;
	puppet_fork(&p);
	read_pagemap(me, (unsigned long)a, 1024, P0);
	read_vmstat(v0);
	struct measured w1 = touch(a, 1, 1, 1, 'w', 2);
	read_vmstat(v1);
	read_pagemap(me, (unsigned long)a, 1024, P1);
	j_obj("after_parent_writes_page1_child_alive");
	j_measured("write", w1, 0);
	j_pfn_compare("pfns_vs_before", P0, P1, 1024);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	j_int("child_exit_status", puppet_exit(&p));
	s0 = read_status(me);
	read_pagemap(me, (unsigned long)a, 1024, P0);
	read_vmstat(v0);
	read_mthp(&m0);
	struct measured w2 = touch(a, 2, 1, 1, 'w', 3);
	read_vmstat(v1);
	read_mthp(&m1);
	read_pagemap(me, (unsigned long)a, 1024, P1);
	s1 = read_status(me);
	j_obj("after_parent_writes_page2_child_gone");
	j_measured("write", w2, 0);
	j_status_delta("status_delta", s0, s1);
	j_pfn_compare("pfns_vs_before", P0, P1, 1024);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_mthp_delta("mthp_2048kB_stats_delta", &m0, &m1);
	j_end();

	read_vmstat(v0);
	struct measured w3 = touch(a, 3, 508, 1, 'w', 4);
	read_vmstat(v1);
	read_pagemap(me, (unsigned long)a, 1024, P0);
	s0 = read_status(me);
	j_obj("after_parent_writes_pages_3_510");
	j_measured("write", w3, 0);
	j_status_delta("status_delta", s1, s0);
	j_pfn_compare("pfns_vs_before", P1, P0, 1024);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_piece("view_thp1", a, 0, 511);
	j_end();

	read_vmstat(v0);
	struct measured w4 = touch(a, 512, 1, 1, 'w', 5);
	read_vmstat(v1);
	read_pagemap(me, (unsigned long)a, 1024, P1);
	s1 = read_status(me);
	j_obj("after_parent_writes_thp2");
	j_measured("write", w4, 0);
	j_status_delta("status_delta", s0, s1);
	j_pfn_compare("pfns_vs_before", P0, P1, 1024);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_piece("view_thp2", a, 512, 512);
	j_end();

	char *b = map_slot(1, PG(512), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (madvise(b, PG(512), MADV_HUGEPAGE))
		die("MADV_HUGEPAGE");
	touch(b, 0, 1, 1, 'w', 1);
	read_vmstat(v0);
	CALL(c, madvise(b + PAGE_SZ, PAGE_SZ, MADV_NOHUGEPAGE));
	read_vmstat(v1);
	j_obj("after_nohugepage_4k_of_thp");
	j_call("madvise", "madvise(base2+4K, 4K, MADV_NOHUGEPAGE)", c);
	j_piece("view_first", b, 0, 1);
	j_piece("view_nohuge", b, 1, 1);
	j_piece("view_rest", b, 2, 510);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();
	puppet_fork(&p);
	j_obj("after_fork_nohugepage");
	j_view("child_view_rest", p.pid, b + PG(2), 510, NULL);
	j_view("parent_view_rest", me, b + PG(2), 510, NULL);
	j_end();
	j_int("child2_exit_status", puppet_exit(&p));
	j_varying(NULL);
	j_end();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s holes|args|thp-reuse\n", argv[0]);
		return 2;
	}
	oracle_init();
	if (strcmp(argv[1], "holes") == 0)
		holes();
	else if (strcmp(argv[1], "args") == 0)
		args();
	else if (strcmp(argv[1], "thp-reuse") == 0)
		thp_reuse();
	else {
		fprintf(stderr, "usage: %s holes|args|thp-reuse\n", argv[0]);
		return 2;
	}
	fflush(stdout);
	return 0;
}
