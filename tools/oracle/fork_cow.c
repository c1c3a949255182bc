/*
 * fork_cow.c - brief items A1 and A2: copy-on-write after fork().
 *
 *   fork_cow child-first   -> scenario "fork-cow"
 *   fork_cow parent-first  -> scenario "fork-then-parent-writes-first"
 *
 * The parent maps 16 MiB private anonymous memory (no MADV_HUGEPAGE, THP is
 * in madvise mode so everything is 4 KiB), writes one byte to each of the
 * 4096 pages, and forks. fork() copies the PTEs (the VMA has an anon_vma),
 * write-protects both sides, and bumps each page's mapcount to 2 and clears
 * PG_anon_exclusive. The first writer then copies (wp_page_copy); the second
 * writer finds the page's refcount back at 1 and reuses it (wp_page_reuse,
 * counted as vmstat pgreuse).
 *
 * What is recorded per phase, for both processes:
 *   minflt of the writing process (getrusage around the loop),
 *   /proc/<pid>/status (RssAnon, VmPTE...), smaps of the 16 MiB VMA
 *   (Rss, Pss, Shared_Dirty, Private_Dirty...), the pagemap summary (present,
 *   exclusive bit 56 = precise page mapcount == 1, kpagecount histogram,
 *   kpageflags bit 34 = PG_anon_exclusive), per-page pfn comparisons between
 *   phases, and system-wide /proc/vmstat deltas (pgreuse, pgfault...).
 */
#include "oracle_lib.c"

#define NPAGES 4096L
#define LEN (NPAGES * (long)PAGE_SZ)

int main(int argc, char **argv)
{
	int child_first;
	if (argc == 2 && strcmp(argv[1], "child-first") == 0)
		child_first = 1;
	else if (argc == 2 && strcmp(argv[1], "parent-first") == 0)
		child_first = 0;
	else {
		fprintf(stderr, "usage: %s child-first|parent-first\n", argv[0]);
		return 2;
	}
	oracle_init();
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	uint64_t *P0 = pm_alloc(), *P1 = pm_alloc(), *C1 = pm_alloc(), *P2 = pm_alloc(), *C2 = pm_alloc(),
		 *P3 = pm_alloc(), *C3 = pm_alloc();

	static const char *steps_child_first[] = {
		"1. Parent: mmap 16 MiB (4096 pages) PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS at a 2 MiB-aligned "
		"address alone in its PGD entry; no MADV_HUGEPAGE (THP=madvise, so 4 KiB pages).",
		"2. Parent writes byte value 1 at offset 0 of each of the 4096 pages (page order 0..4095).",
		"3. fork(). Record both processes right after fork (child has not touched the region).",
		"4. Child writes byte value 2 at offset 0 of every page (0..4095). Record both.",
		"5. Parent writes byte value 3 at offset 0 of every page (0..4095). Record both.",
		"6. Child reads every page (expects 2s), parent reads every page (expects 3s); child exits.",
		NULL,
	};
	static const char *steps_parent_first[] = {
		"1. Parent: mmap 16 MiB (4096 pages) PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS at a 2 MiB-aligned "
		"address alone in its PGD entry; no MADV_HUGEPAGE (THP=madvise, so 4 KiB pages).",
		"2. Parent writes byte value 1 at offset 0 of each of the 4096 pages (page order 0..4095).",
		"3. fork(). Record both processes right after fork (child has not touched the region).",
		"4. Parent writes byte value 3 at offset 0 of every page (0..4095). Record both.",
		"5. Child writes byte value 2 at offset 0 of every page (0..4095). Record both.",
		"6. Child reads every page (expects 2s), parent reads every page (expects 3s); child exits.",
		NULL,
	};

	j_header(child_first ? "fork-cow" : "fork-then-parent-writes-first", child_first ? "A1" : "A2",
		 child_first ? "fork() then the CHILD writes every page first (copies), then the PARENT writes (reuses)."
			     : "fork() then the PARENT writes every page first (copies), then the CHILD writes (reuses).");
	j_steps(child_first ? steps_child_first : steps_parent_first);

	/* 1-2: map and write */
	struct status s0 = read_status(me);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	j_int("region_pages", NPAGES);
	read_vmstat(v0);
	struct measured w0 = touch(base, 0, NPAGES, 1, 'w', 1);
	read_vmstat(v1);
	struct status s1 = read_status(me);
	j_obj("parent_after_initial_write");
	j_measured("write_all", w0, 0);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, P0);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	/* 3: fork */
	struct puppet ch;
	read_vmstat(v0);
	puppet_fork(&ch);
	read_vmstat(v1);
	struct status sp_fork = read_status(me);
	j_obj("right_after_fork");
	j_status_delta("parent_status_delta_vs_before_fork", s1, sp_fork);
	j_view("parent", me, base, NPAGES, P1);
	j_view("child", ch.pid, base, NPAGES, C1);
	j_obj("compare");
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(P1, C1, NPAGES));
	j_pfn_compare("parent_vs_before_fork", P0, P1, NPAGES);
	j_end();
	j_vmstat_delta("vmstat_delta_systemwide_fork", v0, v1);
	j_end();

	/* 4-5: the two writers, in the order of the scenario */
	for (int round = 0; round < 2; round++) {
		int child_writes = (round == 0) == child_first;
		uint64_t *Pb = round == 0 ? P1 : P2, *Cb = round == 0 ? C1 : C2;
		uint64_t *Pa = round == 0 ? P2 : P3, *Ca = round == 0 ? C2 : C3;
		struct status spb = read_status(me), scb = read_status(ch.pid);
		struct measured w;
		read_vmstat(v0);
		if (child_writes) {
			struct reply r = puppet_touch(&ch, base, 0, NPAGES, 1, 'w', 2);
			w = r.m;
		} else {
			w = touch(base, 0, NPAGES, 1, 'w', 3);
		}
		read_vmstat(v1);
		struct status spa = read_status(me), sca = read_status(ch.pid);
		j_obj(round == 0 ? (child_writes ? "after_child_writes_first" : "after_parent_writes_first")
				 : (child_writes ? "after_child_writes_second" : "after_parent_writes_second"));
		j_str("writer", child_writes ? "child" : "parent");
		j_measured("writer_write_all", w, 0);
		j_status_delta("parent_status_delta", spb, spa);
		j_status_delta("child_status_delta", scb, sca);
		j_view("parent", me, base, NPAGES, Pa);
		j_view("child", ch.pid, base, NPAGES, Ca);
		j_obj("compare");
		j_pfn_compare("parent_pfns_vs_previous_phase", Pb, Pa, NPAGES);
		j_pfn_compare("child_pfns_vs_previous_phase", Cb, Ca, NPAGES);
		j_int("child_pfn_equals_parent_pfn", pfn_equal_count(Pa, Ca, NPAGES));
		j_int("parent_pfn_equals_original_pfn", pfn_equal_count(P0, Pa, NPAGES));
		j_int("child_pfn_equals_original_pfn", pfn_equal_count(P0, Ca, NPAGES));
		j_end();
		j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
		j_end();
	}

	/* 6: contents */
	struct reply cr = puppet_touch(&ch, base, 0, NPAGES, 1, 'r', 0);
	struct measured pr = touch(base, 0, NPAGES, 1, 'r', 0);
	j_obj("final_reads");
	j_measured("child_read_all", cr.m, 1);
	j_measured("parent_read_all", pr, 1);
	j_check("child_sees_its_2s", cr.m.sum == 2 * (unsigned long)NPAGES);
	j_check("parent_sees_its_3s", pr.sum == 3 * (unsigned long)NPAGES);
	j_end();
	int st = puppet_exit(&ch);
	j_int("child_exit_status", st);

	/* checks the emulator can assert directly */
	j_obj("checks");
	j_check("all_4096_pfns_shared_right_after_fork", pfn_equal_count(P1, C1, NPAGES) == NPAGES);
	j_check("parent_pfns_unchanged_by_fork", pfn_equal_count(P0, P1, NPAGES) == NPAGES);
	if (child_first) {
		j_check("child_copied_every_page", pfn_equal_count(C1, C2, NPAGES) == 0);
		j_check("parent_kept_its_pfns_while_child_wrote", pfn_equal_count(P1, P2, NPAGES) == NPAGES);
		j_check("parent_reused_every_page_on_its_write", pfn_equal_count(P2, P3, NPAGES) == NPAGES);
	} else {
		j_check("parent_copied_every_page", pfn_equal_count(P1, P2, NPAGES) == 0);
		j_check("child_kept_its_pfns_while_parent_wrote", pfn_equal_count(C1, C2, NPAGES) == NPAGES);
		j_check("child_reused_every_page_on_its_write", pfn_equal_count(C2, C3, NPAGES) == NPAGES);
	}
	j_check("no_pfn_shared_at_end", pfn_equal_count(P3, C3, NPAGES) == 0);
	j_end();
	j_varying(NULL);
	j_end();
	munmap(base, LEN);
	return 0;
}
