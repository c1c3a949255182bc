/*
 * fork_zero_page.c - brief item A3: fork() of a region that maps only the
 * shared zero page.
 *
 * Part A ("no anon_vma"): the parent only ever READ the region, so the VMA
 * never got an anon_vma (do_anonymous_page's read path does not call
 * vmf_anon_prepare). fork()'s copy_page_range() skips such VMAs
 * (vma_needs_copy() is false): the child starts with NO PTEs there and takes
 * its own read faults, which map the zero page again.
 *
 * Part B ("with anon_vma"): the same, but the parent first WRITES page 0, so
 * the VMA has an anon_vma and fork() copies every PTE, zero-page PTEs
 * included. The child's reads then take no faults.
 *
 * Recorded: minflt of each loop, both processes' status/smaps/pagemap after
 * each step, and system-wide vmstat deltas.
 */
#include "oracle_lib.c"

#define NPAGES 4096L
#define LEN (NPAGES * (long)PAGE_SZ)

static void part(const char *key, int slot, int write_page0)
{
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	uint64_t *P = pm_alloc(), *C = pm_alloc();
	char *base = map_slot(slot, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	j_obj(key);
	j_hex("region_start", (unsigned long)base);
	struct status s0 = read_status(me);
	if (write_page0) {
		struct measured w = touch(base, 0, 1, 1, 'w', 1);
		j_measured("parent_write_page0", w, 0);
	}
	read_vmstat(v0);
	struct measured r = touch(base, write_page0 ? 1 : 0, write_page0 ? NPAGES - 1 : NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	struct status s1 = read_status(me);
	j_obj("parent_after_read");
	j_measured(write_page0 ? "read_pages_1_to_4095" : "read_all", r, 1);
	j_status_delta("status_delta_vs_before_touch", s0, s1);
	j_view("view", me, base, NPAGES, NULL);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct puppet ch;
	read_vmstat(v0);
	puppet_fork(&ch);
	read_vmstat(v1);
	struct status sc0 = read_status(ch.pid);
	j_obj("right_after_fork");
	j_view("parent", me, base, NPAGES, P);
	j_view("child", ch.pid, base, NPAGES, C);
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(P, C, NPAGES));
	j_vmstat_delta("vmstat_delta_systemwide_fork", v0, v1);
	j_end();

	read_vmstat(v0);
	struct reply cr = puppet_touch(&ch, base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	struct status sc1 = read_status(ch.pid);
	j_obj("after_child_reads_all");
	j_measured("child_read_all", cr.m, 1);
	j_status_delta("child_status_delta_vs_fork", sc0, sc1);
	j_view("child", ch.pid, base, NPAGES, NULL);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	read_vmstat(v0);
	struct reply cw = puppet_touch(&ch, base, 0, NPAGES / 4, 4, 'w', 5);
	read_vmstat(v1);
	struct status sc2 = read_status(ch.pid);
	j_obj("after_child_writes_every_4th_page");
	j_measured("child_write_pages_0_4_8_etc", cw.m, 0);
	j_status_delta("child_status_delta_vs_previous", sc1, sc2);
	j_status_delta("child_status_delta_vs_fork", sc0, sc2);
	j_view("child", ch.pid, base, NPAGES, C);
	j_view("parent", me, base, NPAGES, P);
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(P, C, NPAGES));
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct reply cr2 = puppet_touch(&ch, base, 0, NPAGES, 1, 'r', 0);
	j_measured("child_reread_all", cr2.m, 1);
	/* page 0 (written by the parent in part B) was overwritten by the child */
	j_check("child_sum_is_1024_times_5", cr2.m.sum == 5UL * (NPAGES / 4));
	j_int("child_exit_status", puppet_exit(&ch));
	j_end();
	munmap(base, LEN);
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"Part no_anon_vma (slot 0):",
		"A1. Parent: mmap 16 MiB (4096 pages) rw MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, no MADV_HUGEPAGE.",
		"A2. Parent reads 1 byte at offset 0 of every page 0..4095 (all map the zero page).",
		"A3. fork(); record both.",
		"A4. Child reads 1 byte of every page 0..4095.",
		"A5. Child writes byte 5 at offset 0 of pages 0,4,8,...,4092 (1024 pages).",
		"A6. Child re-reads every page; child exits.",
		"Part with_anon_vma (slot 1): identical, except that before A2 the parent WRITES byte 1 to page 0 (so the "
		"VMA has an anon_vma) and A2 reads pages 1..4095.",
		NULL,
	};
	j_header("fork-zero-page", "A3",
		 "fork() of a region whose pages all map the shared zero page; what the child sees and pays.");
	j_steps(steps);
	part("no_anon_vma", 0, 0);
	part("with_anon_vma", 1, 1);
	j_varying(NULL);
	j_end();
	return 0;
}
