/*
 * lazyfree.c - issue #14: MADV_FREE (lazyfree pages) then read, write and MADV_PAGEOUT.
 *
 *   lazyfree    -> scenario "madv-free"   (no swap area: run by run.sh)
 *
 * 64 pages (256 KiB) private anonymous, every page written with 0xAB at offset 0.
 * madvise(MADV_FREE) of all: folio_mark_lazyfree() moves each clean folio to the inactive file
 * list with PG_swapbacked cleared, through a per-CPU batch of 31 (PAGEVEC_SIZE): pglazyfree
 * counts the folios the batch moved, smaps LazyFree the folios already moved and not redirtied.
 * Read all (no fault, data kept), write 0x5A to pages 0..15 (no fault: the PTE goes dirty),
 * MADV_PAGEOUT of all with no swap: the clean lazyfree folios are discarded (pglazyfreed), the
 * redirtied ones get PG_swapbacked back and stay (pgactivate). Read all again: pages 0..15 read
 * 0x5A, the others 0 (a fresh fault). Last, MADV_FREE of a MAP_SHARED anonymous mapping: EINVAL.
 */
#include "oracle_lib.c"

#define NPAGES 64L
#define NWRITE 16L
#define LEN (NPAGES * (long)PAGE_SZ)
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* kpageflags over the region's present pages: how many have each bit that MADV_FREE moves. */
static void j_lazy_kpf(const char *key, char *base)
{
	static uint64_t e[NPAGES];
	read_pagemap(getpid(), (unsigned long)base, NPAGES, e);
	long present = 0, swapbacked = 0, lru = 0, active = 0, dirty = 0, anon = 0, swapbacked_first = 0;
	for (long i = 0; i < NPAGES; i++) {
		if (!(e[i] & PM_PRESENT))
			continue;
		present++;
		uint64_t f = kpageflags(e[i] & PM_PFN_MASK);
		if (f & KB(KPF_SWAPBACKED)) {
			swapbacked++;
			if (i < NWRITE)
				swapbacked_first++;
		}
		if (f & KB(KPF_LRU))
			lru++;
		if (f & KB(KPF_ACTIVE))
			active++;
		if (f & KB(KPF_DIRTY))
			dirty++;
		if (f & KB(KPF_ANON))
			anon++;
	}
	j_obj(key);
	j_int("present", present);
	j_int("anon", anon);
	j_int("swapbacked", swapbacked);
	j_int("swapbacked_in_written_pages", swapbacked_first);
	j_int("lru", lru);
	j_int("active", active);
	j_int("dirty", dirty);
	j_end();
}

static void j_lazy_smaps(const char *key, pid_t me, char *base)
{
	struct smaps s = read_smaps(me, (unsigned long)base);
	j_obj(key);
	static const char *f[] = {"Rss", "Private_Clean", "Private_Dirty", "Anonymous", "LazyFree", "Swap", NULL};
	for (int i = 0; f[i]; i++)
		j_int(f[i], smaps_get(&s, f[i]));
	j_end();
}

static void j_lazy_vmstat(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	static const char *keys[] = {"pglazyfree", "pglazyfreed", "pgactivate", "pgdeactivate", "pgfault", NULL};
	j_obj(key);
	for (int i = 0; keys[i]; i++)
		j_int(keys[i], vmstat_get(b, keys[i]) - vmstat_get(a, keys[i]));
	j_end();
}

static void j_phase_state(pid_t me, char *base, const struct vmstat *a, const struct vmstat *b)
{
	j_lazy_smaps("smaps", me, base);
	j_lazy_kpf("kpageflags", base);
	j_lazy_vmstat("vmstat_delta", a, b);
}

int main(void)
{
	oracle_init();
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	static const char *steps[] = {
		"1. mmap 256 KiB (64 pages) rw MAP_PRIVATE|MAP_ANONYMOUS, no MADV_HUGEPAGE.",
		"2. Write byte 0xAB at offset 0 of every page.",
		"3. madvise(base, 256 KiB, MADV_FREE).",
		"4. Read 1 byte of every page (0xAB each).",
		"5. Write byte 0x5A at offset 0 of pages 0..15.",
		"6. madvise(base, 256 KiB, MADV_PAGEOUT) with no swap area.",
		"7. Read 1 byte of every page: 0x5A for pages 0..15, 0 for the rest.",
		"8. mmap 64 KiB rw MAP_SHARED|MAP_ANONYMOUS, write it, madvise(MADV_FREE): EINVAL.",
		NULL,
	};
	j_header("madv-free", "#14", "MADV_FREE of written anon pages, read, partial rewrite, MADV_PAGEOUT without swap, read back; MADV_FREE of shared anon.");
	j_steps(steps);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);

	read_vmstat(v0);
	struct measured w = touch(base, 0, NPAGES, 1, 'w', (char)0xAB);
	read_vmstat(v1);
	j_obj("after_write");
	j_measured("write_all", w, 0);
	j_phase_state(me, base, v0, v1);
	j_end();

	read_vmstat(v0);
	struct meter m;
	meter_start(&m);
	int rc = madvise(base, LEN, MADV_FREE);
	struct measured md = meter_stop(&m);
	read_vmstat(v1);
	j_obj("after_madv_free");
	j_int("madvise_rc", rc);
	j_measured("madvise_call", md, 0);
	j_phase_state(me, base, v0, v1);
	j_end();

	read_vmstat(v0);
	struct measured r1 = touch(base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	j_obj("after_read");
	j_measured("read_all", r1, 1);
	j_phase_state(me, base, v0, v1);
	j_end();

	read_vmstat(v0);
	struct measured w2 = touch(base, 0, NWRITE, 1, 'w', 0x5a);
	read_vmstat(v1);
	j_obj("after_write_some");
	j_measured("write_first_16", w2, 0);
	j_phase_state(me, base, v0, v1);
	j_end();

	read_vmstat(v0);
	meter_start(&m);
	rc = madvise(base, LEN, MADV_PAGEOUT);
	md = meter_stop(&m);
	read_vmstat(v1);
	j_obj("after_madv_pageout");
	j_int("madvise_rc", rc);
	j_measured("madvise_call", md, 0);
	j_phase_state(me, base, v0, v1);
	j_end();

	read_vmstat(v0);
	struct measured r2 = touch(base, 0, NPAGES, 1, 'r', 0);
	struct measured r2a = touch(base, 0, NWRITE, 1, 'r', 0);
	read_vmstat(v1);
	j_obj("after_read_back");
	j_measured("read_all", r2, 1);
	j_measured("read_written_again", r2a, 1);
	j_check("unwritten_pages_read_zero", pages_all_zero(base, NWRITE, NPAGES - NWRITE));
	j_lazy_vmstat("vmstat_delta", v0, v1);
	j_end();

	char *sh = map_slot(1, 16 * PAGE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	touch(sh, 0, 16, 1, 'w', 1);
	errno = 0;
	rc = madvise(sh, 16 * PAGE_SZ, MADV_FREE);
	j_obj("shared_anon_madv_free");
	j_int("madvise_rc", rc);
	j_str("errno", rc ? (errno == EINVAL ? "EINVAL" : strerror(errno)) : "0");
	j_end();

	j_varying("pgfault: system wide; seconds_varies: timing");
	j_end();
	munmap(base, LEN);
	munmap(sh, 16 * PAGE_SZ);
	return 0;
}
