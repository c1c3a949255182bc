/*
 * lru_reclaim.c - issue #15: the classic LRU's second chance under memcg reclaim.
 *
 *   lru_reclaim    -> scenario "lru-reclaim"   (needs swap and a v1 memory cgroup: lru_run.sh)
 *
 * This machine class mounts the memory controller on cgroup v1, which has no memory.reclaim:
 * reclaim is driven by lowering memory.limit_in_bytes instead (mem_cgroup_resize_max loops
 * try_to_free_mem_cgroup_pages until usage fits, counted as pgscan_direct / pgsteal_direct, no
 * allocstall). The emulator's `reclaim <size>` runs the same do_try_to_free_pages over the node.
 *
 * 256 private anonymous pages (1 MiB) written with byte 0 (present, zero-filled: reclaim frees
 * them at once through the zeromap, with no asynchronous write to wait for, so the kernel frees
 * exactly what it must); limit = usage, which drains the cgroup's per-CPU charge stock, then
 * limit = usage - 128 KiB (phase A);
 * read pages 0..63 again (their PTEs become young); limit lowered by 256 KiB more (phase B);
 * limit lifted, every page read back (phase C). Per phase: which pages hold swap entries (in
 * the touched quarter and the rest), kpageflags ACTIVE/REFERENCED of the present pages, and the
 * LRU/swap vmstat deltas.
 */
#include "oracle_lib.c"

#define NPAGES 256L
#define TOUCHED 64L
#define LEN (NPAGES * (long)PAGE_SZ)

static char cg[256];

static void cg_write(const char *file, long long v)
{
	char path[512], b[64];
	snprintf(path, sizeof path, "%s/%s", cg, file);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		die("open %s", path);
	int n = snprintf(b, sizeof b, "%lld", v);
	if (write(fd, b, (size_t)n) != n)
		die("write %s = %lld", path, v);
	close(fd);
}

static long long cg_read(const char *file)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", cg, file);
	return read_long(path);
}

/* memory.stat (v1) of the cgroup: its LRU sizes in kB. */
static long long memstat_kb(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/memory.stat", cg);
	if (read_file(path) < 0)
		die("read %s", path);
	size_t n = strlen(name);
	for (char *l = filebuf; l && *l;) {
		if (strncmp(l, name, n) == 0 && l[n] == ' ')
			return strtoll(l + n + 1, NULL, 10) / 1024;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return -1;
}

static void j_pages(const char *key, char *base)
{
	static uint64_t e[NPAGES];
	read_pagemap(getpid(), (unsigned long)base, NPAGES, e);
	long swap_touched = 0, swap_rest = 0, present = 0, active_touched = 0, active_rest = 0;
	long referenced = 0, lru = 0;
	for (long i = 0; i < NPAGES; i++) {
		if (e[i] & (1ULL << 62)) {
			if (i < TOUCHED)
				swap_touched++;
			else
				swap_rest++;
		}
		if (!(e[i] & PM_PRESENT))
			continue;
		present++;
		uint64_t f = kpageflags(e[i] & PM_PFN_MASK);
		if (f & (1ULL << KPF_ACTIVE)) {
			if (i < TOUCHED)
				active_touched++;
			else
				active_rest++;
		}
		if (f & (1ULL << KPF_REFERENCED))
			referenced++;
		if (f & (1ULL << KPF_LRU))
			lru++;
	}
	j_obj(key);
	j_int("present", present);
	j_int("swap_in_touched_quarter", swap_touched);
	j_int("swap_in_rest", swap_rest);
	j_int("active_in_touched_quarter", active_touched);
	j_int("active_in_rest", active_rest);
	j_int("referenced", referenced);
	j_int("lru", lru);
	j_int("memcg_inactive_anon_kb", memstat_kb("inactive_anon"));
	j_int("memcg_active_anon_kb", memstat_kb("active_anon"));
	j_end();
}

static void j_lru_vmstat(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	static const char *keys[] = {"pswpout", "pswpin", "swpout_zero", "pgmajfault", "pgactivate",
				     "pgdeactivate", "pgrefill", "pgscan_direct", "pgsteal_direct",
				     "pgscan_kswapd", "pgsteal_kswapd", "pgscan_anon", "pgsteal_anon",
				     "pgscan_file", "pgsteal_file", "allocstall_movable", NULL};
	j_obj(key);
	for (int i = 0; keys[i]; i++)
		j_int(keys[i], vmstat_get(b, keys[i]) - vmstat_get(a, keys[i]));
	j_end();
}

int main(void)
{
	oracle_init();
	const char *dir = getenv("LRU_CGROUP");
	if (!dir)
		die("lru_reclaim: set LRU_CGROUP to a fresh v1 memory cgroup (run tools/oracle/lru_run.sh)");
	snprintf(cg, sizeof cg, "%s", dir);
	cg_write("cgroup.procs", getpid());
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	static const char *steps[] = {
		"1. swapon a 64 MiB swap file (zswap off); join a fresh v1 memory cgroup.",
		"2. mmap 1 MiB (256 pages) rw MAP_PRIVATE|MAP_ANONYMOUS; write byte 0 at offset 0 of every page.",
		"3. memory.limit_in_bytes = usage (drains the charge stock), then usage - 128 KiB (limit reclaim: try_to_free_mem_cgroup_pages).",
		"4. Read 1 byte of pages 0..63.",
		"5. memory.limit_in_bytes lowered by 256 KiB more.",
		"6. Limit lifted; read 1 byte of every page.",
		NULL,
	};
	j_header("lru-reclaim", "#15", "The second chance: memcg limit reclaim of written anon pages, a quarter touched again between two passes.");
	j_steps(steps);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	touch(base, 0, NPAGES, 1, 'w', 0);
	j_obj("after_write");
	j_pages("pages", base);
	j_end();

	read_vmstat(v0);
	cg_write("memory.limit_in_bytes", cg_read("memory.usage_in_bytes"));
	long long usage = cg_read("memory.usage_in_bytes");
	long long limit = usage - 128 * 1024;
	cg_write("memory.limit_in_bytes", limit);
	read_vmstat(v1);
	j_obj("after_reclaim_a");
	j_int("usage_drop_kb_varies", (usage - cg_read("memory.usage_in_bytes")) / 1024);
	j_pages("pages", base);
	j_lru_vmstat("vmstat_delta", v0, v1);
	j_end();

	read_vmstat(v0);
	struct measured r = touch(base, 0, TOUCHED, 1, 'r', 0);
	read_vmstat(v1);
	j_obj("after_touch");
	j_measured("read_touched", r, 1);
	j_pages("pages", base);
	j_lru_vmstat("vmstat_delta", v0, v1);
	j_end();

	read_vmstat(v0);
	cg_write("memory.limit_in_bytes", limit - 256 * 1024);
	read_vmstat(v1);
	j_obj("after_reclaim_b");
	j_pages("pages", base);
	j_lru_vmstat("vmstat_delta", v0, v1);
	j_end();

	cg_write("memory.limit_in_bytes", -1);
	read_vmstat(v0);
	struct measured ra = touch(base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	j_obj("after_read_all");
	j_measured("read_all", ra, 1);
	j_pages("pages", base);
	j_lru_vmstat("vmstat_delta", v0, v1);
	j_end();
	j_varying("usage_drop_kb_varies: the cgroup's usage includes kernel memory charged meanwhile");
	j_end();
	munmap(base, LEN);
	return 0;
}
