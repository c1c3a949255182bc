/*
 * file_reclaim.c - issue #15, file-backed memory under reclaim: which goes first, a mapped file's
 * clean page cache or anonymous memory that could be swapped? Run by file_reclaim_run.sh (root):
 * a swap file, a fresh v1 memory cgroup (FILE_CGROUP), the process moved into it.
 *
 * 256 anonymous pages are written (0xab: not zero-filled, so swap-out would write them), a 256-page
 * ext4 file (/var/tmp, evicted first) is mapped and read a byte per page; then
 * memory.limit_in_bytes is set to the usage and lowered by 512 KiB: try_to_free_mem_cgroup_pages.
 * With that much inactive file, prepare_scan_control's cache_trim_mode makes get_scan_count scan
 * the file lists only: page cache is dropped, nothing is swapped.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#define NPAGES 256L
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

static void j_state(const char *key, char *anon, char *file, int fd)
{
	static uint64_t e[NPAGES];
	read_pagemap(getpid(), (unsigned long)anon, NPAGES, e);
	long swapped = pm_count(e, NPAGES, PM_SWAP), present = pm_present(e, NPAGES);
	read_pagemap(getpid(), (unsigned long)file, NPAGES, e);
	j_obj(key);
	j_int("anon_present", present);
	j_int("anon_swapped", swapped);
	j_int("file_mapped", pm_present(e, NPAGES));
	j_int("file_cached", cached_pages(fd, NPAGES));
	j_end();
}

static void j_reclaim_vmstat(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	static const char *keys[] = {"pswpout", "pgscan_anon", "pgsteal_anon", "pgscan_file", "pgsteal_file",
				     "pgmajfault", NULL};
	j_obj(key);
	for (int i = 0; keys[i]; i++)
		j_int(keys[i], vmstat_get(b, keys[i]) - vmstat_get(a, keys[i]));
	j_end();
}

int main(void)
{
	const char *dir = getenv("FILE_CGROUP");
	if (!dir)
		die("file_reclaim: set FILE_CGROUP to a fresh v1 memory cgroup (run tools/oracle/file_reclaim_run.sh)");
	snprintf(cg, sizeof cg, "%s", dir);
	oracle_init();
	cg_write("cgroup.procs", getpid());
	static const char *steps[] = {
		"1. In a fresh v1 memory cgroup, with a swap area: 256 anonymous pages written with 0xab.",
		"2. A 256-page ext4 file (/var/tmp) of 0x5a, evicted; mmap MAP_PRIVATE PROT_READ, a byte of every page read.",
		"3. memory.limit_in_bytes = usage, then usage - 512 KiB: limit reclaim.",
		NULL,
	};
	j_header("file-reclaim", "#15", "Limit reclaim with clean mapped page cache and swappable anon: the file goes first.");
	j_steps(steps);
	char *anon = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	touch(anon, 0, NPAGES, 1, 'w', (char)0xab);
	const char *path = "/var/tmp/mmlab-oracle-reclaim.dat";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open %s", path);
	static char buf[LEN];
	memset(buf, 0x5a, sizeof buf);
	if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fsync(fd) ||
	    posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED))
		die("write/fsync/fadvise");
	char *file = map_slot(1, LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	munmap(file, LEN);
	file = mmap(file, LEN, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (file == MAP_FAILED)
		die("mmap file");
	touch(file, 0, NPAGES, 1, 'r', 0);
	j_state("before", anon, file, fd);
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	cg_write("memory.limit_in_bytes", cg_read("memory.usage_in_bytes"));
	long long usage = cg_read("memory.usage_in_bytes");
	read_vmstat(v0);
	cg_write("memory.limit_in_bytes", usage - 512 * 1024);
	read_vmstat(v1);
	j_int("usage_drop_kb_varies", (usage - cg_read("memory.usage_in_bytes")) / 1024);
	j_state("after_limit", anon, file, fd);
	j_reclaim_vmstat("vmstat_delta_systemwide", v0, v1);
	cg_write("memory.limit_in_bytes", -1);
	munmap(file, LEN);
	close(fd);
	unlink(path);
	j_varying(NULL);
	j_end();
	return 0;
}
