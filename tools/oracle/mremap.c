/*
 * mremap.c - issue #14: mremap() as Linux 6.18 does it, on private anonymous memory.
 *
 *   mremap    -> scenario "mremap"
 *
 * 16 pages written (page i holds byte 0x10 + i), then: grow in place to 32 pages (the space after
 * is free), shrink to 8; a one-page blocker mapped right after the region; grow without
 * MREMAP_MAYMOVE (ENOMEM); grow to 16 pages with MREMAP_MAYMOVE (the VMA moves: its PTEs move
 * with it, so the PFNs stay; the old range is unmapped); MREMAP_FIXED to the next slot; a move
 * with MREMAP_DONTUNMAP (the old VMA stays, empty: a write there faults in a fresh page); then
 * the argument errors, each with errno. Every phase records the return (moved or not, relative
 * to the region), the region's VMA from smaps (size, Rss, Anonymous), the old range's VMA if
 * one is left, status deltas (VmSize, VmRSS, RssAnon, VmPTE), the pagemap presence of the
 * region's pages and whether each present page kept its PFN and its data.
 */
#include "oracle_lib.c"

#define N 16L
#define PS ((long)PAGE_SZ)
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static uint64_t pfn0[64];
static pid_t me;

/* Pagemap of `n` pages at p: present count, and how many present pages keep the PFN recorded
 * for that page index at the start (pfn0), and hold the byte written there. */
static void j_pages(const char *key, char *p, long n)
{
	static uint64_t e[64];
	read_pagemap(me, (unsigned long)p, n, e);
	long present = 0, same_pfn = 0, data_kept = 0;
	for (long i = 0; i < n; i++) {
		if (!(e[i] & PM_PRESENT))
			continue;
		present++;
		if (i < N && (e[i] & PM_PFN_MASK) == (pfn0[i] & PM_PFN_MASK))
			same_pfn++;
		if (i < N && (unsigned char)p[i * PS] == 0x10 + i)
			data_kept++;
	}
	j_obj(key);
	j_int("pages", n);
	j_int("present", present);
	j_int("present_same_pfn", same_pfn);
	j_int("present_data_kept", data_kept);
	j_end();
}

/* The VMA containing p, from smaps: found, its size and Rss/Anonymous. */
static void j_vma(const char *key, char *p)
{
	struct smaps s = read_smaps(me, (unsigned long)p);
	j_obj(key);
	j_bool("found", s.found);
	if (s.found) {
		j_int("start_offset_kB", ((long)s.start - (long)p) / 1024);
		j_int("Size", smaps_get(&s, "Size"));
		j_int("Rss", smaps_get(&s, "Rss"));
		j_int("Anonymous", smaps_get(&s, "Anonymous"));
		j_str("perms", s.perms);
	}
	j_end();
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EAGAIN: return "EAGAIN";
	default: return strerror(e);
	}
}

static char *call(const char *key, char *old, long old_len, long new_len, int flags, char *new_addr,
		  char *region, long region_pages, char *old_range)
{
	struct status a = read_status(me);
	errno = 0;
	void *r = mremap(old, (size_t)old_len, (size_t)new_len, flags, new_addr);
	int err = r == MAP_FAILED ? errno : 0;
	struct status b = read_status(me);
	j_obj(key);
	j_str("errno", errname(err));
	if (!err) {
		j_bool("moved", r != old);
		if (new_addr && (flags & MREMAP_FIXED))
			j_bool("at_new_addr", r == new_addr);
	}
	j_status_delta("status_delta", a, b);
	char *reg = err ? region : (char *)r;
	long pages = err ? region_pages : new_len / PS;
	j_vma("vma", reg);
	j_pages("pagemap", reg, pages);
	if (old_range)
		j_vma("old_range_vma", old_range);
	j_end();
	return err ? NULL : (char *)r;
}

int main(void)
{
	oracle_init();
	me = getpid();
	static const char *steps[] = {
		"1. mmap 64 KiB (16 pages) rw MAP_PRIVATE|MAP_ANONYMOUS at slot 0; write byte 0x10+i to page i.",
		"2. mremap(base, 64K, 128K, 0): grow in place (nothing after it).",
		"3. mremap(base, 128K, 32K, 0): shrink to 8 pages.",
		"4. mmap 4 KiB PROT_NONE at base+32K (a blocker); mremap(base, 32K, 64K, 0): ENOMEM.",
		"5. mremap(base, 32K, 64K, MREMAP_MAYMOVE): moves; the old range is unmapped.",
		"6. mremap(new, 64K, 64K, MREMAP_MAYMOVE|MREMAP_FIXED, slot 1): moves to slot 1.",
		"7. mremap(slot1, 64K, 64K, MREMAP_MAYMOVE|MREMAP_DONTUNMAP): moves; slot 1 keeps an empty VMA; write 1 byte to its first page.",
		"8. argument errors (each on the region of step 7 or the blocker).",
		NULL,
	};
	j_header("mremap", "#14", "mremap of private anonymous memory: grow in place, shrink, ENOMEM without MAYMOVE, move, MREMAP_FIXED, MREMAP_DONTUNMAP, argument errors.");
	j_steps(steps);
	char *base = map_slot(0, N * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (long i = 0; i < N; i++)
		base[i * PS] = (char)(0x10 + i);
	read_pagemap(me, (unsigned long)base, N, pfn0);
	j_obj("after_write");
	j_vma("vma", base);
	j_pages("pagemap", base, N);
	j_status("status", read_status(me));
	j_end();

	if (call("grow_in_place", base, N * PS, 2 * N * PS, 0, NULL, base, N, NULL) != base)
		die("grow in place did not stay in place");
	if (call("shrink", base, 2 * N * PS, 8 * PS, 0, NULL, base, 2 * N, NULL) != base)
		die("shrink moved");
	char *blocker = mmap(base + 8 * PS, PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (blocker != base + 8 * PS)
		die("blocker");
	call("grow_blocked_no_maymove", base, 8 * PS, N * PS, 0, NULL, base, 8, NULL);
	char *moved = call("grow_maymove", base, 8 * PS, N * PS, MREMAP_MAYMOVE, NULL, base, 8, base);
	if (!moved)
		die("grow_maymove failed");
	char *slot1 = (char *)slot_addr(1);
	char *fixed = call("fixed", moved, N * PS, N * PS, MREMAP_MAYMOVE | MREMAP_FIXED, slot1, moved, N, moved);
	if (!fixed)
		die("fixed failed");
	char *du = call("dontunmap", fixed, N * PS, N * PS, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL, fixed, N, fixed);
	if (!du)
		die("dontunmap failed");
	{
		struct status a = read_status(me);
		struct measured w = touch(fixed, 0, 1, 1, 'w', 0x77);
		struct status b = read_status(me);
		j_obj("write_old_range_after_dontunmap");
		j_measured("write", w, 0);
		j_status_delta("status_delta", a, b);
		j_vma("old_range_vma", fixed);
		j_vma("vma", du);
		j_end();
	}

	j_obj("errors");
	struct { const char *name; char *old; long old_len, new_len; int flags; char *new_addr; } e[] = {
		{"unaligned_addr", du + 1, N * PS, N * PS, 0, NULL},
		{"new_len_zero", du, N * PS, 0, 0, NULL},
		{"old_len_zero_private_maymove", du, 0, N * PS, MREMAP_MAYMOVE, NULL},
		{"old_len_zero_private", du, 0, N * PS, 0, NULL},
		{"fixed_without_maymove", du, N * PS, N * PS, MREMAP_FIXED, slot1 + 64 * PS},
		{"dontunmap_without_maymove", du, N * PS, N * PS, MREMAP_DONTUNMAP, NULL},
		{"dontunmap_resize", du, N * PS, 2 * N * PS, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL},
		{"fixed_unaligned_new_addr", du, N * PS, N * PS, MREMAP_MAYMOVE | MREMAP_FIXED, slot1 + 64 * PS + 1},
		{"fixed_overlap", du, N * PS, N * PS, MREMAP_MAYMOVE | MREMAP_FIXED, du + 4 * PS},
		{"unmapped_old", (char *)slot_addr(3), PS, 2 * PS, MREMAP_MAYMOVE, NULL},
		{"old_range_past_vma_end", du, 2 * N * PS, 3 * N * PS, MREMAP_MAYMOVE, NULL},
		{"bad_flags", du, N * PS, N * PS, 0x80, NULL},
	};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		struct status a = read_status(me);
		errno = 0;
		void *x = mremap(e[i].old, (size_t)e[i].old_len, (size_t)e[i].new_len, e[i].flags, e[i].new_addr);
		int err = x == MAP_FAILED ? errno : 0;
		struct status b = read_status(me);
		j_obj(e[i].name);
		j_str("errno", errname(err));
		j_int("VmSize_delta_kB", b.VmSize - a.VmSize);
		j_end();
		if (!err && x != e[i].old)
			die("%s: unexpectedly succeeded with a move", e[i].name);
	}
	j_end();
	j_varying("seconds_varies: timing");
	j_end();
	return 0;
}
