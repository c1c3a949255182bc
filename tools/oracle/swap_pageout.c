/*
 * swap_pageout.c - issue #15: MADV_PAGEOUT to swap, the zeromap, and swap-in.
 *
 *   swap_pageout    -> scenario "swap-pageout"   (needs an active swap area: swap_run.sh)
 *
 * 256 pages (1 MiB) private anonymous: pages 0..127 written with byte 0 (present, zero-filled),
 * pages 128..255 with 0xAB. MADV_PAGEOUT of the whole region: the zero-filled folios only set
 * their zeromap bit (swpout_zero), the others are written (pswpout). Then every page is read
 * back: a major fault each, swpin_zero / pswpin. pagemap swap bits (PM_SWAP, bit 62) and the
 * swap type/offset fields, smaps Swap/SwapPss and meminfo SwapFree/SwapCached in each phase.
 */
#include "oracle_lib.c"

#define NPAGES 256L
#define HALF 128L
#define LEN (NPAGES * (long)PAGE_SZ)
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* Pagemap summary for swap: entries with PM_SWAP, distinct swap types, offsets ascending. */
static void j_swap_pagemap(const char *key, char *base)
{
	static uint64_t e[NPAGES];
	read_pagemap(getpid(), (unsigned long)base, NPAGES, e);
	long swap = 0, present = 0, swap_first_half = 0, ascending = 0, type_nonzero = 0;
	uint64_t prev_off = 0;
	for (long i = 0; i < NPAGES; i++) {
		if (e[i] & PM_PRESENT)
			present++;
		if (!(e[i] & (1ULL << 62)))
			continue;
		swap++;
		if (i < HALF)
			swap_first_half++;
		uint64_t v = e[i] & PM_PFN_MASK;
		if (v & 31)
			type_nonzero++;
		uint64_t off = v >> 5;
		if (swap > 1 && off == prev_off + 1)
			ascending++;
		prev_off = off;
	}
	j_obj(key);
	j_int("present", present);
	j_int("swap_bit62", swap);
	j_int("swap_in_zero_filled_half", swap_first_half);
	j_int("swap_type_nonzero", type_nonzero);
	j_int("swap_offset_consecutive_pairs", ascending);
	j_end();
}

static void j_swap_state(const char *key, pid_t me, char *base)
{
	struct smaps s = read_smaps(me, (unsigned long)base);
	j_obj(key);
	j_int("meminfo_SwapFree_kb_varies", meminfo_kb("SwapFree"));
	j_int("meminfo_SwapCached_kb", meminfo_kb("SwapCached"));
	j_int("smaps_Swap_kb", smaps_get(&s, "Swap"));
	j_int("smaps_SwapPss_kb", smaps_get(&s, "SwapPss"));
	j_int("smaps_Rss_kb", smaps_get(&s, "Rss"));
	j_end();
}

/* Swap and LRU counters (not in oracle_lib's vm_keys): deltas. */
static void j_swap_vmstat(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	static const char *keys[] = {"pswpin", "pswpout", "swpin_zero", "swpout_zero", "pgmajfault",
				     "pgactivate", "pgdeactivate", "nr_swapcached", "zswpout", "zswpin", NULL};
	j_obj(key);
	for (int i = 0; keys[i]; i++)
		j_int(keys[i], vmstat_get(b, keys[i]) - vmstat_get(a, keys[i]));
	j_end();
}

int main(void)
{
	oracle_init();
	if (meminfo_kb("SwapTotal") <= 0)
		die("swap_pageout: no swap area is active (run tools/oracle/swap_run.sh)");
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	static const char *steps[] = {
		"1. swapon a 64 MiB swap file (zswap off).",
		"2. mmap 1 MiB (256 pages) rw MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, no MADV_HUGEPAGE.",
		"3. Write byte 0 at offset 0 of pages 0..127 (zero-filled folios), byte 0xAB at offset 0 of pages 128..255.",
		"4. madvise(base, 1 MiB, MADV_PAGEOUT).",
		"5. Read 1 byte of every page 0..255; the first half reads 0, the second 0xAB.",
		"6. Write byte 0x5A at offset 0 of every page 0..255 (after the read swap-in).",
		NULL,
	};
	j_header("swap-pageout", "#15", "MADV_PAGEOUT of half zero-filled, half written anon pages to a swap file, then read and write back.");
	j_steps(steps);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	touch(base, 0, HALF, 1, 'w', 0);
	touch(base, HALF, NPAGES - HALF, 1, 'w', (char)0xAB);
	j_obj("after_write");
	j_swap_pagemap("pagemap_swap", base);
	j_swap_state("swap_state", me, base);
	j_end();

	long free0 = meminfo_kb("SwapFree");
	read_vmstat(v0);
	struct meter m;
	meter_start(&m);
	int rc = madvise(base, LEN, MADV_PAGEOUT);
	struct measured md = meter_stop(&m);
	read_vmstat(v1);
	long free1 = meminfo_kb("SwapFree");
	j_obj("after_madv_pageout");
	j_int("madvise_rc", rc);
	j_measured("madvise_call", md, 0);
	j_int("meminfo_SwapFree_delta_kb", free1 - free0);
	j_swap_pagemap("pagemap_swap", base);
	j_swap_state("swap_state", me, base);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_swap_vmstat("swap_vmstat_delta", v0, v1);
	j_end();

	read_vmstat(v0);
	struct measured rr = touch(base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	long free2 = meminfo_kb("SwapFree");
	j_obj("after_read_back");
	j_measured("read_all", rr, 1);
	j_int("meminfo_SwapFree_delta_vs_before_pageout_kb", free2 - free0);
	j_swap_pagemap("pagemap_swap", base);
	j_swap_state("swap_state", me, base);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_swap_vmstat("swap_vmstat_delta", v0, v1);
	j_check("first_half_reads_zero", pages_all_zero(base, 0, HALF));
	j_end();

	read_vmstat(v0);
	struct measured ww = touch(base, 0, NPAGES, 1, 'w', 0x5a);
	read_vmstat(v1);
	long free3 = meminfo_kb("SwapFree");
	j_obj("after_write_back");
	j_measured("write_all", ww, 0);
	j_int("meminfo_SwapFree_delta_vs_before_pageout_kb", free3 - free0);
	j_swap_pagemap("pagemap_swap", base);
	j_swap_state("swap_state", me, base);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_swap_vmstat("swap_vmstat_delta", v0, v1);
	j_end();
	j_varying("meminfo_SwapFree_kb_varies: absolute; the deltas are this process's (no other swap user)");
	j_end();
	munmap(base, LEN);
	return 0;
}
