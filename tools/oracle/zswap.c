/*
 * zswap.c - issue #15: zswap, the compressed cache in front of swap.
 *
 *   zswap    -> scenario "zswap"   (needs an active swap area and zswap on: zswap_run.sh)
 *
 * 256 pages (1 MiB) private anonymous, four kinds of 64 pages: zero-filled (byte 0 written),
 * one byte 0xAB, every byte 0x5A, and a pattern (0x11 every 16 bytes, then 0x22 every 7).
 * MADV_PAGEOUT of the whole region: the zero-filled folios only set their zeromap bit
 * (swpout_zero); the others are stored by zswap (zswpout) and nothing is written to the device
 * (pswpout 0), though each keeps a swap slot. Reading every page back loads them from zswap
 * (zswpin), which drops each entry (Zswapped back to 0) and leaves the folio dirty in the swap
 * cache; a second MADV_PAGEOUT therefore stores the 192 again, while the clean zero-filled ones
 * are dropped without any write. Then every page is written.
 */
#include "oracle_lib.c"

#define NPAGES 256L
#define KIND 64L
#define LEN (NPAGES * (long)PAGE_SZ)
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void j_zswap_state(const char *key, pid_t me, char *base)
{
	static uint64_t e[NPAGES];
	read_pagemap(me, (unsigned long)base, NPAGES, e);
	struct smaps s = read_smaps(me, (unsigned long)base);
	j_obj(key);
	j_int("pagemap_present", pm_count(e, NPAGES, PM_PRESENT));
	long swapped = 0;
	for (long i = 0; i < NPAGES; i++)
		if (e[i] & PM_SWAP)
			swapped++;
	j_int("pagemap_swap_bit62", swapped);
	j_int("meminfo_Zswap_kb", meminfo_kb("Zswap"));
	j_int("meminfo_Zswapped_kb", meminfo_kb("Zswapped"));
	j_int("meminfo_SwapCached_kb", meminfo_kb("SwapCached"));
	j_int("debugfs_stored_pages", read_long("/sys/kernel/debug/zswap/stored_pages"));
	j_int("debugfs_stored_incompressible_pages", read_long("/sys/kernel/debug/zswap/stored_incompressible_pages"));
	j_int("debugfs_pool_total_size", read_long("/sys/kernel/debug/zswap/pool_total_size"));
	j_int("smaps_Swap_kb", smaps_get(&s, "Swap"));
	j_int("smaps_Rss_kb", smaps_get(&s, "Rss"));
	j_end();
}

static void j_swap_vmstat(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	static const char *keys[] = {"pswpin", "pswpout", "swpin_zero", "swpout_zero", "zswpout", "zswpin",
				     "zswpwb", "pgmajfault", NULL};
	j_obj(key);
	for (int i = 0; keys[i]; i++)
		j_int(keys[i], vmstat_get(b, keys[i]) - vmstat_get(a, keys[i]));
	j_end();
}

static struct vmstat *v0, *v1;

static void pageout(const char *key, pid_t me, char *base, long free0)
{
	read_vmstat(v0);
	int rc = madvise(base, LEN, MADV_PAGEOUT);
	read_vmstat(v1);
	j_obj(key);
	j_int("madvise_rc", rc);
	j_int("meminfo_SwapFree_delta_kb", meminfo_kb("SwapFree") - free0);
	j_zswap_state("state", me, base);
	j_swap_vmstat("swap_vmstat_delta", v0, v1);
	j_end();
}

static void access_all(const char *key, pid_t me, char *base, long free0, int op, char val)
{
	read_vmstat(v0);
	struct measured r = touch(base, 0, NPAGES, 1, op, val);
	read_vmstat(v1);
	j_obj(key);
	j_measured("access", r, op == 'r');
	j_int("meminfo_SwapFree_delta_kb", meminfo_kb("SwapFree") - free0);
	j_zswap_state("state", me, base);
	j_swap_vmstat("swap_vmstat_delta", v0, v1);
	j_end();
}

int main(void)
{
	oracle_init();
	if (meminfo_kb("SwapTotal") <= 0)
		die("zswap: no swap area is active (run tools/oracle/zswap_run.sh)");
	if (read_long("/sys/kernel/debug/zswap/stored_pages") != 0)
		die("zswap: zswap is off, debugfs is not mounted, or the pool is not empty (run tools/oracle/zswap_run.sh)");
	pid_t me = getpid();
	v0 = vm_alloc();
	v1 = vm_alloc();
	static const char *steps[] = {
		"1. swapon a 64 MiB swap file; zswap on (lzo, max_pool_percent 20).",
		"2. mmap 1 MiB (256 pages) rw MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, no MADV_HUGEPAGE.",
		"3. Pages 0..63: byte 0 at offset 0. Pages 64..127: byte 0xAB at offset 0. Pages 128..191: every byte 0x5A. Pages 192..255: 0x11 every 16 bytes, then 0x22 every 7 bytes (strides run across the 64 pages).",
		"4. madvise(base, 1 MiB, MADV_PAGEOUT).",
		"5. Read 1 byte of every page 0..255.",
		"6. madvise(base, 1 MiB, MADV_PAGEOUT) again.",
		"7. Write byte 0x01 at offset 0 of every page 0..255.",
		NULL,
	};
	j_header("zswap", "#15", "zswap stores what reclaim swaps out; loads drop the entry and leave the folio dirty; zero-filled folios still go to the zeromap.");
	j_steps(steps);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	/* the same writes the scenario makes: each kind's stride runs across its 64 pages */
	char *q = base + KIND * (long)PAGE_SZ;
	for (long i = 0; i < KIND * (long)PAGE_SZ; i += PAGE_SZ)
		base[i] = 0;
	for (long i = 0; i < KIND * (long)PAGE_SZ; i += PAGE_SZ)
		q[i] = (char)0xAB;
	memset(q + KIND * (long)PAGE_SZ, 0x5a, KIND * (long)PAGE_SZ);
	q += 2 * KIND * (long)PAGE_SZ;
	for (long i = 0; i < KIND * (long)PAGE_SZ; i += 16)
		q[i] = 0x11;
	for (long i = 0; i < KIND * (long)PAGE_SZ; i += 7)
		q[i] = 0x22;
	j_zswap_state("after_write", me, base);
	long free0 = meminfo_kb("SwapFree");
	pageout("after_madv_pageout", me, base, free0);
	access_all("after_read_back", me, base, free0, 'r', 0);
	pageout("after_second_pageout", me, base, free0);
	access_all("after_write_back", me, base, free0, 'w', 1);
	j_varying("debugfs_pool_total_size and meminfo_Zswap_kb: zsmalloc's pages for lzo's output; the model estimates compressed lengths");
	j_end();
	munmap(base, LEN);
	return 0;
}
