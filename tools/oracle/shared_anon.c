/*
 * shared_anon.c - brief item A6: MAP_SHARED|MAP_ANONYMOUS memory.
 *
 * Shared anonymous memory is shmem (an unlinked tmpfs file behind /dev/zero):
 * read faults go through shmem_fault(), which allocates a real zeroed page in
 * the page cache - the zero page is never used - and the page is counted in
 * RssShmem, flagged "file or shared-anon" (pagemap bit 61), not KPF_ANON.
 * fork() does not copy the PTEs of a shared VMA (vma_needs_copy() is false),
 * so the child faults the pages in again; shmem's ->map_pages (filemap
 * fault-around) maps up to fault_around_bytes (default 64 KiB = 16 pages) of
 * already-cached pages per fault.
 */
#include "oracle_lib.c"

#define NPAGES 4096L
#define LEN (NPAGES * (long)PAGE_SZ)

int main(void)
{
	oracle_init();
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	uint64_t *A = pm_alloc(), *B = pm_alloc(), *C = pm_alloc(), *D = pm_alloc();
	static const char *steps[] = {
		"1. mmap 16 MiB (4096 pages) PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, 2 MiB aligned, alone in "
		"its PGD entry (THP shmem_enabled=never).",
		"2. Parent reads 1 byte at offset 0 of every page 0..4095.",
		"3. Parent writes byte 1 at offset 0 of every page 0..4095.",
		"4. fork(); record both.",
		"5. Child reads 1 byte of every page 0..4095.",
		"6. Child writes byte 7 at offset 0 of every page 0..4095.",
		"7. Parent reads every page (sees the child's 7s); child exits; parent view after exit.",
		NULL,
	};
	j_header("shared-anon", "A6", "MAP_SHARED|MAP_ANONYMOUS (shmem) read, write, fork, child read/write.");
	j_steps(steps);

	struct status s0 = read_status(me);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	read_vmstat(v0);
	struct measured r = touch(base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	struct status s1 = read_status(me);
	j_obj("after_read_all");
	j_measured("read_all", r, 1);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, A);
	j_page_detail("page_0", me, (unsigned long)base);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_check("zero_page_never_mapped", pm_present(A, NPAGES) == NPAGES && kpf_count(A, NPAGES, KPF_ZERO_PAGE) == 0);
	j_end();

	read_vmstat(v0);
	struct measured w = touch(base, 0, NPAGES, 1, 'w', 1);
	read_vmstat(v1);
	struct status s2 = read_status(me);
	j_obj("after_write_all");
	j_measured("write_all", w, 0);
	j_status_delta("status_delta_vs_previous", s1, s2);
	j_view("view", me, base, NPAGES, B);
	j_page_detail("page_0", me, (unsigned long)base);
	j_pfn_compare("pfns_vs_after_read", A, B, NPAGES);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct puppet ch;
	read_vmstat(v0);
	puppet_fork(&ch);
	read_vmstat(v1);
	struct status sc0 = read_status(ch.pid);
	j_obj("right_after_fork");
	j_view("parent", me, base, NPAGES, NULL);
	j_view("child", ch.pid, base, NPAGES, C);
	j_vmstat_delta("vmstat_delta_systemwide_fork", v0, v1);
	j_end();

	read_vmstat(v0);
	struct reply cr = puppet_touch(&ch, base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	struct status sc1 = read_status(ch.pid);
	j_obj("after_child_reads_all");
	j_measured("child_read_all", cr.m, 1);
	j_status_delta("child_status_delta_vs_fork", sc0, sc1);
	j_view("child", ch.pid, base, NPAGES, C);
	j_view("parent", me, base, NPAGES, NULL);
	j_int("child_pfn_equals_parent_pfn", pfn_equal_count(B, C, NPAGES));
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	read_vmstat(v0);
	struct reply cw = puppet_touch(&ch, base, 0, NPAGES, 1, 'w', 7);
	read_vmstat(v1);
	struct status sc2 = read_status(ch.pid);
	j_obj("after_child_writes_all");
	j_measured("child_write_all", cw.m, 0);
	j_status_delta("child_status_delta_vs_previous", sc1, sc2);
	j_view("child", ch.pid, base, NPAGES, D);
	j_pfn_compare("child_pfns_vs_before_write", C, D, NPAGES);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	struct measured pr = touch(base, 0, NPAGES, 1, 'r', 0);
	j_obj("parent_reads_after_child_write");
	j_measured("parent_read_all", pr, 1);
	j_check("parent_sees_child_7s", pr.sum == 7UL * NPAGES);
	j_end();

	read_vmstat(v0);
	int st = puppet_exit(&ch);
	read_vmstat(v1);
	j_obj("after_child_exit");
	j_int("child_exit_status", st);
	j_view("parent", me, base, NPAGES, NULL);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	read_vmstat(v0);
	munmap(base, LEN);
	read_vmstat(v1);
	j_obj("after_parent_munmap");
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_str("note", "the shmem pages are freed when the last mapping of the anonymous shmem file goes away");
	j_end();
	j_varying(NULL);
	j_end();
	return 0;
}
