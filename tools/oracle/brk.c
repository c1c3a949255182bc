/*
 * brk.c - issue #14: brk() (mm/mmap.c SYSCALL_DEFINE1(brk), do_brk_flags).
 *
 *   brk    -> scenario "brk"   (run by run.sh)
 *
 * The raw system call (syscall(SYS_brk)), not sbrk(): glibc's malloc may already own a heap, so
 * every figure is a delta from the break this program finds (b0) and the [heap] VMA it has then.
 *   1. brk(b0 + 64 KiB): the heap VMA grows by 64 KiB (VmData too); nothing is faulted in.
 *   2. Write one byte in each of the 16 new pages: 16 faults, RssAnon +64 kB.
 *   3. brk(b0 + 48 KiB + 100): the break may be anywhere; the VMA ends at PAGE_ALIGN(brk), so it
 *      shrinks by 12 KiB (3 pages unmapped, RssAnon -12 kB).
 *   4. brk(b0 + 48 KiB + 200): inside the same page: only mm->brk moves.
 *   5. brk(1): below start_brk: refused, the old break is returned.
 *   6. mmap 4 KiB anonymous at PAGE_ALIGN(brk) + 64 KiB (MAP_FIXED_NOREPLACE), then brk up to it:
 *      refused (the next VMA is closer than a page); brk to one page short of it: allowed.
 *   7. brk(b0): the heap shrinks back to what it was.
 */
#include "oracle_lib.c"

#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static unsigned long sys_brk(unsigned long b) { return (unsigned long)syscall(SYS_brk, b); }

static long vmdata_kb(void)
{
	if (read_file("/proc/self/status") < 0)
		die("read status");
	char *p = strstr(filebuf, "\nVmData:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

/* The [heap] VMA's size in kB from /proc/self/maps (0 when there is none), and how many there are. */
static void heap_vma(long *kb, int *n)
{
	if (read_file("/proc/self/maps") < 0)
		die("read maps");
	*kb = 0;
	*n = 0;
	for (char *l = filebuf; *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		unsigned long a, b;
		if (sscanf(l, "%lx-%lx", &a, &b) == 2 && strstr(l, "[heap]")) {
			*kb += (long)((b - a) / 1024);
			(*n)++;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
}

struct snap {
	long heap_kb, vmdata, minflt;
	int heaps;
	struct status st;
};

static struct snap take(void)
{
	struct snap s;
	heap_vma(&s.heap_kb, &s.heaps);
	s.vmdata = vmdata_kb();
	s.minflt = read_stat_minflt(getpid());
	s.st = read_status(getpid());
	return s;
}

/* One brk call: what it returned (relative to b0, or "old" when it returned the old break) and the deltas. */
static void j_brk(const char *key, unsigned long b0, unsigned long want, unsigned long got, unsigned long old,
		  struct snap a, struct snap b)
{
	j_obj(key);
	if (want < b0)
		j_str("asked", "below start_brk");
	else
		j_int("asked_minus_b0", (long long)(want - b0));
	j_bool("granted", got == want);
	j_bool("returned_old_break", got == old && want != old);
	j_int("heap_kB_delta", b.heap_kb - a.heap_kb);
	j_int("heap_vmas", b.heaps);
	j_int("VmData_kB_delta", b.vmdata - a.vmdata);
	j_int("RssAnon_kB_delta", b.st.RssAnon - a.st.RssAnon);
	j_int("minflt_delta", b.minflt - a.minflt);
	j_end();
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. b0 = brk(0); brk(b0 + 64 KiB).",
		"2. Write one byte at offset 0 of each page of [PAGE_ALIGN(b0), b0 + 64 KiB).",
		"3. brk(b0 + 48 KiB + 100).",
		"4. brk(b0 + 48 KiB + 200).",
		"5. brk(1).",
		"6. mmap 4 KiB rw anonymous at PAGE_ALIGN(brk) + 64 KiB; brk(that address); brk(that address - 4 KiB).",
		"7. munmap the blocker; brk(b0).",
		NULL,
	};
	j_header("brk", "#14", "brk(): the heap VMA grows and shrinks with the break, page-aligned; refusals return the old break.");
	j_steps(steps);
	const long P = PAGE_SZ;
	/* output buffers and the like first, so no malloc moves the break inside a measurement */
	fflush(stdout);
	unsigned long b0 = sys_brk(0);
	j_bool("b0_page_aligned", b0 % P == 0);
	fflush(stdout);
	b0 = sys_brk(0);

	struct snap a = take();
	/* glibc's own heap (the scenario grows one first, so the [heap] VMA exists as here) */
	j_int("heap_kB_before_varies", a.heap_kb);
	unsigned long want = b0 + 64 * 1024, got = sys_brk(want);
	struct snap b = take();
	j_brk("grow_64k", b0, want, got, b0, a, b);

	unsigned long first = (b0 + P - 1) / P * P;
	a = take();
	struct measured w = touch((char *)first, 0, (long)((b0 + 64 * 1024 - first) / P), 1, 'w', 1);
	b = take();
	j_measured("write_new_pages", w, 0);
	j_int("write_RssAnon_kB_delta", b.st.RssAnon - a.st.RssAnon);

	unsigned long old = got;
	a = take();
	want = b0 + 48 * 1024 + 100;
	got = sys_brk(want);
	b = take();
	j_brk("shrink_unaligned", b0, want, got, old, a, b);

	old = got;
	a = take();
	want = b0 + 48 * 1024 + 200;
	got = sys_brk(want);
	b = take();
	j_brk("move_within_page", b0, want, got, old, a, b);

	old = got;
	a = take();
	got = sys_brk(1);
	b = take();
	j_brk("below_start", b0, 1, got, old, a, b);

	unsigned long end = (old + P - 1) / P * P;
	char *blocker = mmap((char *)(end + 64 * 1024), P, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (blocker == MAP_FAILED)
		die("mmap blocker");
	a = take();
	want = (unsigned long)blocker;
	got = sys_brk(want);
	b = take();
	j_brk("grow_into_next_vma", b0, want, got, old, a, b);
	a = take();
	want = (unsigned long)blocker - P;
	got = sys_brk(want);
	b = take();
	j_brk("grow_to_a_page_short", b0, want, got, old, a, b);

	munmap(blocker, P);
	old = got;
	a = take();
	got = sys_brk(b0);
	b = take();
	j_brk("shrink_back", b0, b0, got, old, a, b);

	j_varying("none");
	j_end();
	return 0;
}
