/*
 * oracle_lib.c - shared measurement code for the MM Lab kernel oracles.
 *
 * Every oracle program does `#include "oracle_lib.c"` and is built as ONE
 * translation unit (cc -O2 -std=c11 -Wall -Wextra prog.c), so the tools
 * directory holds only .c files and no build system is needed.
 *
 * What this file provides:
 *   - a tiny JSON emitter (stdout; one JSON document per program run);
 *   - fixed region placement (regions at 0x100000000000 + slot * 512 GiB, so
 *     each region has page tables of its own at every level and VmPTE deltas
 *     are deterministic: +4 KiB PUD table, +4 KiB PMD table, +4 KiB per PTE
 *     table);
 *   - readers for /proc/<pid>/status, /proc/<pid>/stat (minflt),
 *     /proc/<pid>/smaps (one VMA), /proc/<pid>/pagemap, /proc/kpageflags,
 *     /proc/kpagecount, /proc/vmstat and the mTHP 2048kB stats;
 *   - a page-touch loop measured with getrusage() minflt;
 *   - a forked "puppet" child driven over pipes, so the parent can record the
 *     child's /proc views while the child sits blocked in read().
 *
 * Measurement hygiene (why the numbers are exact):
 *   - the process is pinned to one CPU (sched_setaffinity) before anything;
 *   - all buffers the measuring code writes are static and pre-touched in
 *     oracle_init(), so reading /proc never adds RSS of its own between two
 *     snapshots;
 *   - minflt is taken with getrusage() right around the touch loop only, after
 *     a warm-up getrusage() call (after fork() the stack page holding the
 *     rusage struct is write-protected; the warm-up takes that COW fault
 *     outside the measured window);
 *   - /proc/sys/vm/stat_refresh is written before every /proc/vmstat read so
 *     per-CPU counter deltas are folded and nr_* values are exact.
 *     /proc/vmstat is SYSTEM-WIDE: other processes add noise (pgfault, pgfree,
 *     pgalloc_*, nr_*); event counters of THP/COW are usually clean.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE_SZ 4096UL
#define MIB (1024UL * 1024UL)
#define MAX_PAGES 8192 /* largest region an oracle inspects: 32 MiB */

/* Regions live far from the binary, heap, libraries and stack. */
#define SLOT_BASE 0x100000000000UL /* 16 TiB, PGD index 32 */
#define SLOT_STRIDE 0x8000000000UL /* 512 GiB: one PGD entry per slot */

/* ------------------------------------------------------------------ */
/* errors                                                              */
/* ------------------------------------------------------------------ */

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "oracle: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, " (errno %d: %s)", errno, strerror(errno));
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* ------------------------------------------------------------------ */
/* JSON emitter                                                        */
/* ------------------------------------------------------------------ */

static int j_depth;
static int j_comma[64];

static void j_putstr(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			putchar('\\');
			putchar(c);
		} else if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c < 0x20) {
			printf("\\u%04x", c);
		} else {
			putchar(c);
		}
	}
	putchar('"');
}

static void j_prefix(const char *key)
{
	if (j_comma[j_depth])
		putchar(',');
	j_comma[j_depth] = 1;
	putchar('\n');
	for (int i = 0; i < j_depth; i++)
		putchar(' ');
	if (key) {
		j_putstr(key);
		fputs(": ", stdout);
	}
}

void j_obj(const char *key)
{
	if (j_depth == 0 && key == NULL) {
		putchar('{');
	} else {
		j_prefix(key);
		putchar('{');
	}
	j_comma[++j_depth] = 0;
}

void j_arr(const char *key)
{
	j_prefix(key);
	putchar('[');
	j_comma[++j_depth] = 0;
}

static void j_close(char c)
{
	int had = j_comma[j_depth];
	j_depth--;
	if (had) {
		putchar('\n');
		for (int i = 0; i < j_depth; i++)
			putchar(' ');
	}
	putchar(c);
	if (j_depth == 0) {
		putchar('\n');
		fflush(stdout);
	}
}

void j_end(void) { j_close('}'); }
void j_end_arr(void) { j_close(']'); }

void j_int(const char *key, long long v)
{
	j_prefix(key);
	printf("%lld", v);
}

void j_dbl(const char *key, double v)
{
	j_prefix(key);
	printf("%.6g", v);
}

void j_bool(const char *key, int v)
{
	j_prefix(key);
	fputs(v ? "true" : "false", stdout);
}

void j_null(const char *key)
{
	j_prefix(key);
	fputs("null", stdout);
}

void j_str(const char *key, const char *s)
{
	j_prefix(key);
	if (s)
		j_putstr(s);
	else
		fputs("null", stdout);
}

void j_hex(const char *key, uint64_t v)
{
	char b[32];
	snprintf(b, sizeof b, "0x%" PRIx64, v);
	j_str(key, b);
}

void j_strf(const char *key, const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	j_str(key, b);
}

/* A check: a named boolean the emulator's test can assert directly. */
void j_check(const char *key, int ok)
{
	j_bool(key, ok);
	if (!ok)
		fprintf(stderr, "oracle: note: check '%s' is false\n", key);
}

/* ------------------------------------------------------------------ */
/* small file helpers                                                  */
/* ------------------------------------------------------------------ */

static char filebuf[1 << 20];

/* Read a whole (small, /proc or /sys) file into filebuf. Returns length or -1. */
long read_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	long n = 0;
	for (;;) {
		ssize_t r = read(fd, filebuf + n, sizeof(filebuf) - 1 - (size_t)n);
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += r;
		if ((size_t)n >= sizeof(filebuf) - 1)
			break;
	}
	close(fd);
	filebuf[n] = 0;
	return n;
}

/* First line of a small file, trailing newline stripped, into out. */
int read_line(const char *path, char *out, size_t outsz)
{
	if (read_file(path) < 0) {
		out[0] = 0;
		return -1;
	}
	size_t n = strcspn(filebuf, "\n");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, filebuf, n);
	out[n] = 0;
	return 0;
}

long read_long(const char *path)
{
	char b[64];
	if (read_line(path, b, sizeof b) < 0)
		return -1;
	return strtol(b, NULL, 10);
}

/* The [selected] word of a sysfs choice file such as THP "enabled". */
void read_choice(const char *path, char *out, size_t outsz)
{
	char b[256];
	out[0] = 0;
	if (read_line(path, b, sizeof b) < 0)
		return;
	char *l = strchr(b, '['), *r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = 0;
		snprintf(out, outsz, "%s", l + 1);
	} else {
		snprintf(out, outsz, "%s", b);
	}
}

/* ------------------------------------------------------------------ */
/* /proc/<pid>/status and /proc/<pid>/stat                             */
/* ------------------------------------------------------------------ */

struct status {
	long VmSize, VmRSS, RssAnon, RssFile, RssShmem, VmPTE; /* kB */
};

static long status_field(const char *name)
{
	char *p = strstr(filebuf, name);
	if (!p)
		return -1;
	p += strlen(name);
	return strtol(p, NULL, 10);
}

struct status read_status(pid_t pid)
{
	char path[64];
	struct status s;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (read_file(path) < 0)
		die("read %s", path);
	s.VmSize = status_field("\nVmSize:");
	s.VmRSS = status_field("\nVmRSS:");
	s.RssAnon = status_field("\nRssAnon:");
	s.RssFile = status_field("\nRssFile:");
	s.RssShmem = status_field("\nRssShmem:");
	s.VmPTE = status_field("\nVmPTE:");
	return s;
}

/* Field 10 of /proc/<pid>/stat: the task's cumulative minor faults. */
long read_stat_minflt(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path) < 0)
		die("read %s", path);
	char *p = strrchr(filebuf, ')');
	if (!p)
		die("parse %s", path);
	p += 2; /* field 3 (state) starts here */
	for (int field = 3; field < 10; field++) {
		p = strchr(p, ' ');
		if (!p)
			die("parse %s", path);
		p++;
	}
	return strtol(p, NULL, 10);
}

void j_status(const char *key, struct status s)
{
	j_obj(key);
	j_int("VmSize_kB", s.VmSize);
	j_int("VmRSS_kB", s.VmRSS);
	j_int("RssAnon_kB", s.RssAnon);
	j_int("RssFile_kB", s.RssFile);
	j_int("RssShmem_kB", s.RssShmem);
	j_int("VmPTE_kB", s.VmPTE);
	j_end();
}

void j_status_delta(const char *key, struct status a, struct status b)
{
	j_obj(key);
	j_int("VmSize_kB", b.VmSize - a.VmSize);
	j_int("VmRSS_kB", b.VmRSS - a.VmRSS);
	j_int("RssAnon_kB", b.RssAnon - a.RssAnon);
	j_int("RssFile_kB", b.RssFile - a.RssFile);
	j_int("RssShmem_kB", b.RssShmem - a.RssShmem);
	j_int("VmPTE_kB", b.VmPTE - a.VmPTE);
	j_end();
}

/* ------------------------------------------------------------------ */
/* /proc/<pid>/smaps: the one VMA that contains an address             */
/* ------------------------------------------------------------------ */

#define SMAPS_MAX 48
struct smaps {
	int found;
	unsigned long start, end;
	char perms[8];
	int n;
	char name[SMAPS_MAX][32];
	long val[SMAPS_MAX]; /* kB, or the raw number (THPeligible) */
	char vmflags[160];
};

struct smaps read_smaps(pid_t pid, unsigned long addr)
{
	char path[64];
	struct smaps s;
	memset(&s, 0, sizeof s);
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
	if (read_file(path) < 0)
		die("read %s", path);
	char *line = filebuf;
	int in = 0;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		unsigned long a, b;
		char perms[8];
		/* A VMA header is "start-end perms offset dev inode [name]". */
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {
			if (in)
				break;
			if (a <= addr && addr < b) {
				in = 1;
				s.found = 1;
				s.start = a;
				s.end = b;
				snprintf(s.perms, sizeof s.perms, "%s", perms);
			}
		} else if (in) {
			if (strncmp(line, "VmFlags:", 8) == 0) {
				const char *v = line + 8;
				while (*v == ' ')
					v++;
				snprintf(s.vmflags, sizeof s.vmflags, "%s", v);
			} else {
				char *colon = strchr(line, ':');
				if (colon && s.n < SMAPS_MAX) {
					size_t len = (size_t)(colon - line);
					if (len >= sizeof s.name[0])
						len = sizeof s.name[0] - 1;
					memcpy(s.name[s.n], line, len);
					s.name[s.n][len] = 0;
					s.val[s.n] = strtol(colon + 1, NULL, 10);
					s.n++;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return s;
}

long smaps_get(const struct smaps *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return s->val[i];
	return -1;
}

/* Emits every numeric field of the VMA (kB unless the name says otherwise). */
void j_smaps(const char *key, const struct smaps *s)
{
	j_obj(key);
	j_bool("found", s->found);
	if (s->found) {
		j_hex("vma_start", s->start);
		j_hex("vma_end", s->end);
		j_int("vma_kb", (long long)((s->end - s->start) / 1024));
		j_str("perms", s->perms);
		for (int i = 0; i < s->n; i++)
			j_int(s->name[i], s->val[i]);
		j_str("VmFlags", s->vmflags);
	}
	j_end();
}

/* ------------------------------------------------------------------ */
/* /proc/vmstat (system wide) and the mTHP 2048kB stats                 */
/* ------------------------------------------------------------------ */

#define VMSTAT_MAX 320
struct vmstat {
	int n;
	char name[VMSTAT_MAX][48];
	long long val[VMSTAT_MAX];
};

/* vmstat snapshots are big (~18 KiB): a pre-touched pool, never the stack. */
#define VM_POOL 16
static struct vmstat vm_pool[VM_POOL];
static int vm_pool_used;

struct vmstat *vm_alloc(void)
{
	if (vm_pool_used >= VM_POOL)
		die("vmstat pool exhausted");
	return &vm_pool[vm_pool_used++];
}

static void vmstat_refresh(void)
{
	/* Folds per-CPU vm_stat_diff into the global counters (root only). */
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0) {
			/* EINVAL means some counter was transiently negative: harmless here. */
		}
		close(fd);
	}
}

void read_vmstat(struct vmstat *v)
{
	vmstat_refresh();
	if (read_file("/proc/vmstat") < 0)
		die("read /proc/vmstat");
	v->n = 0;
	char *p = filebuf;
	while (*p && v->n < VMSTAT_MAX) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		char *sp = strchr(p, ' ');
		if (sp) {
			size_t len = (size_t)(sp - p);
			if (len >= sizeof v->name[0])
				len = sizeof v->name[0] - 1;
			memcpy(v->name[v->n], p, len);
			v->name[v->n][len] = 0;
			v->val[v->n] = strtoll(sp + 1, NULL, 10);
			v->n++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

long long vmstat_get(const struct vmstat *v, const char *name)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return v->val[i];
	return 0;
}

/* The counters MM Lab models. pgfault/pgalloc/pgfree/nr_* are system wide. */
static const char *vm_keys[] = {
	"pgfault", "pgmajfault", "pgreuse", "thp_fault_alloc", "thp_fault_fallback",
	"thp_split_pmd", "thp_split_page", "thp_deferred_split_page",
	"thp_underused_split_page", "thp_zero_page_alloc", "thp_zero_page_alloc_failed",
	"thp_collapse_alloc", "nr_anon_pages", "nr_anon_transparent_hugepages",
	"nr_shmem", "nr_mapped", "nr_page_table_pages", "pgalloc_normal", "pgalloc_dma32",
	"pgfree", "nr_zone_active_anon", "nr_zone_inactive_anon", "nr_free_pages",
	"cow_ksm", NULL,
};

void j_vmstat_delta(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	j_obj(key);
	for (int i = 0; vm_keys[i]; i++)
		j_int(vm_keys[i], vmstat_get(b, vm_keys[i]) - vmstat_get(a, vm_keys[i]));
	j_end();
}

#define MTHP_DIR "/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats"
static const char *mthp_keys[] = {
	"anon_fault_alloc", "anon_fault_fallback", "split", "split_deferred",
	"split_failed", "nr_anon", "nr_anon_partially_mapped", NULL,
};
#define MTHP_N 7
struct mthp {
	long long v[MTHP_N];
};

void read_mthp(struct mthp *m)
{
	char path[256];
	for (int i = 0; mthp_keys[i]; i++) {
		snprintf(path, sizeof path, MTHP_DIR "/%s", mthp_keys[i]);
		m->v[i] = read_long(path);
	}
}

void j_mthp_delta(const char *key, const struct mthp *a, const struct mthp *b)
{
	j_obj(key);
	for (int i = 0; mthp_keys[i]; i++)
		j_int(mthp_keys[i], b->v[i] - a->v[i]);
	j_end();
}

/* ------------------------------------------------------------------ */
/* pagemap, kpageflags, kpagecount                                     */
/* ------------------------------------------------------------------ */

#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_UFFD_WP (1ULL << 57)
#define PM_GUARD (1ULL << 58)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)

/* include/uapi/linux/kernel-page-flags.h + the kernel-internal bits >= 32 */
enum {
	KPF_LOCKED = 0, KPF_ERROR = 1, KPF_REFERENCED = 2, KPF_UPTODATE = 3, KPF_DIRTY = 4,
	KPF_LRU = 5, KPF_ACTIVE = 6, KPF_SLAB = 7, KPF_WRITEBACK = 8, KPF_RECLAIM = 9,
	KPF_BUDDY = 10, KPF_MMAP = 11, KPF_ANON = 12, KPF_SWAPCACHE = 13, KPF_SWAPBACKED = 14,
	KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17, KPF_UNEVICTABLE = 18,
	KPF_HWPOISON = 19, KPF_NOPAGE = 20, KPF_KSM = 21, KPF_THP = 22, KPF_OFFLINE = 23,
	KPF_ZERO_PAGE = 24, KPF_IDLE = 25, KPF_PGTABLE = 26,
	KPF_RESERVED = 32, KPF_MLOCKED = 33, KPF_OWNER_2 = 34, KPF_PRIVATE = 35,
	KPF_PRIVATE_2 = 36, KPF_OWNER_PRIVATE = 37, KPF_ARCH = 38, KPF_UNCACHED = 39,
	KPF_SOFTDIRTY = 40, KPF_ARCH_2 = 41, KPF_ARCH_3 = 42,
};
#define KB(x) (1ULL << (x))

/*
 * Bits that move with LRU batching / reclaim scanning / DAMON sampling and
 * not with the scenario. "kpf_stable" histograms leave them out.
 * KPF_OWNER_2 (bit 34) is PG_owner_2 == PG_anon_exclusive on anon folios
 * (include/linux/page-flags.h); it is read from the folio (head) flags.
 */
#define KPF_VOLATILE (KB(KPF_LRU) | KB(KPF_ACTIVE) | KB(KPF_REFERENCED) | KB(KPF_IDLE))

static const char *kpf_names[64] = {
	[KPF_LOCKED] = "LOCKED", [KPF_ERROR] = "ERROR", [KPF_REFERENCED] = "REFERENCED",
	[KPF_UPTODATE] = "UPTODATE", [KPF_DIRTY] = "DIRTY", [KPF_LRU] = "LRU",
	[KPF_ACTIVE] = "ACTIVE", [KPF_SLAB] = "SLAB", [KPF_WRITEBACK] = "WRITEBACK",
	[KPF_RECLAIM] = "RECLAIM", [KPF_BUDDY] = "BUDDY", [KPF_MMAP] = "MMAP",
	[KPF_ANON] = "ANON", [KPF_SWAPCACHE] = "SWAPCACHE", [KPF_SWAPBACKED] = "SWAPBACKED",
	[KPF_COMPOUND_HEAD] = "COMPOUND_HEAD", [KPF_COMPOUND_TAIL] = "COMPOUND_TAIL",
	[KPF_HUGE] = "HUGE", [KPF_UNEVICTABLE] = "UNEVICTABLE", [KPF_HWPOISON] = "HWPOISON",
	[KPF_NOPAGE] = "NOPAGE", [KPF_KSM] = "KSM", [KPF_THP] = "THP", [KPF_OFFLINE] = "OFFLINE",
	[KPF_ZERO_PAGE] = "ZERO_PAGE", [KPF_IDLE] = "IDLE", [KPF_PGTABLE] = "PGTABLE",
	[KPF_RESERVED] = "RESERVED", [KPF_MLOCKED] = "MLOCKED",
	[KPF_OWNER_2] = "OWNER_2(ANON_EXCLUSIVE)", [KPF_PRIVATE] = "PRIVATE",
	[KPF_PRIVATE_2] = "PRIVATE_2", [KPF_OWNER_PRIVATE] = "OWNER_PRIVATE", [KPF_ARCH] = "ARCH",
	[KPF_UNCACHED] = "UNCACHED", [KPF_SOFTDIRTY] = "SOFTDIRTY", [KPF_ARCH_2] = "ARCH_2",
	[KPF_ARCH_3] = "ARCH_3",
};

static int fd_kpageflags = -1, fd_kpagecount = -1;

uint64_t kpageflags(uint64_t pfn)
{
	uint64_t v = 0;
	if (pread(fd_kpageflags, &v, 8, (off_t)(pfn * 8)) != 8)
		die("pread kpageflags pfn %" PRIu64, pfn);
	return v;
}

uint64_t kpagecount(uint64_t pfn)
{
	uint64_t v = 0;
	if (pread(fd_kpagecount, &v, 8, (off_t)(pfn * 8)) != 8)
		die("pread kpagecount pfn %" PRIu64, pfn);
	return v;
}

void j_kpf_names(const char *key, uint64_t f)
{
	j_arr(key);
	for (int b = 0; b < 64; b++)
		if (f & KB(b)) {
			char tmp[24];
			const char *n = kpf_names[b];
			if (!n) {
				snprintf(tmp, sizeof tmp, "BIT%d", b);
				n = tmp;
			}
			j_str(NULL, n);
		}
	j_end_arr();
}

/* Reads npages pagemap entries of pid starting at addr into out[]. */
void read_pagemap(pid_t pid, unsigned long addr, long npages, uint64_t *out)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open %s", path);
	size_t want = (size_t)npages * 8;
	ssize_t r = pread(fd, out, want, (off_t)(addr / PAGE_SZ * 8));
	if (r != (ssize_t)want)
		die("pread %s", path);
	close(fd);
}

static inline uint64_t pm_pfn(uint64_t e) { return (e & PM_PRESENT) ? (e & PM_PFN_MASK) : 0; }

/* Pool of pagemap snapshot arrays, pre-touched in oracle_init(). */
#define PM_POOL 16
static uint64_t pm_pool[PM_POOL][MAX_PAGES];
static uint64_t pm_tmp[MAX_PAGES];
static uint64_t kpf_tmp[MAX_PAGES];
static uint64_t kpc_tmp[MAX_PAGES];
static uint64_t sort_tmp[MAX_PAGES];
static int pm_pool_used;

uint64_t *pm_alloc(void)
{
	if (pm_pool_used >= PM_POOL)
		die("pagemap pool exhausted");
	return pm_pool[pm_pool_used++];
}

/* In-place heapsort: glibc qsort() may malloc() a temporary buffer, whose
 * first use would show up as RssAnon growth of the measuring process. */
static void sift_down(uint64_t *a, long start, long end)
{
	long root = start;
	while (2 * root + 1 <= end) {
		long child = 2 * root + 1, sw = root;
		if (a[sw] < a[child])
			sw = child;
		if (child + 1 <= end && a[sw] < a[child + 1])
			sw = child + 1;
		if (sw == root)
			return;
		uint64_t t = a[root];
		a[root] = a[sw];
		a[sw] = t;
		root = sw;
	}
}

static void sort_u64(uint64_t *a, long n)
{
	for (long start = (n - 2) / 2; start >= 0; start--)
		sift_down(a, start, n - 1);
	for (long end = n - 1; end > 0; end--) {
		uint64_t t = a[end];
		a[end] = a[0];
		a[0] = t;
		sift_down(a, 0, end - 1);
	}
}

struct histo {
	int n;
	uint64_t key[64];
	long count[64];
	uint64_t first_pfn[64];
};

static void histo_add(struct histo *h, uint64_t k, uint64_t pfn)
{
	for (int i = 0; i < h->n; i++)
		if (h->key[i] == k) {
			h->count[i]++;
			return;
		}
	if (h->n < 64) {
		h->key[h->n] = k;
		h->count[h->n] = 1;
		h->first_pfn[h->n] = pfn;
		h->n++;
	}
}

/*
 * Summary of a pagemap snapshot: counts and patterns only (PFNs vary by boot).
 *   present/not_present, distinct_pfns,
 *   zero_page    : KPF_ZERO_PAGE without KPF_THP  (the 4 KiB empty_zero_page),
 *   huge_zero    : KPF_ZERO_PAGE with KPF_THP     (the huge zero folio),
 *   pm_* bits    : pagemap bits 55 soft-dirty, 56 exclusive (precise page
 *                  mapcount == 1), 57 uffd-wp, 61 file/shared-anon, 62 swap,
 *   kpf_* counts : per-page kpageflags bits,
 *   kpagecount   : histogram value -> pages (folio_precise_page_mapcount),
 *   kpf_stable   : histogram of kpageflags with LRU/ACTIVE/REFERENCED/IDLE
 *                  masked out (those bits depend on LRU batching and DAMON),
 *   pfn_adjacent_pairs_within_one_compound_folio: entries i,i+1 with pfn+1
 *                  inside one THP / huge zero folio (deterministic);
 *   pfn_*_adjacent_pairs_varies: any pfn+1 / pfn-1 neighbours (small pages
 *                  come off per-CPU lists in an order that varies).
 * If `save` is not NULL the raw entries are copied there for later compares.
 */
void j_pagemap(const char *key, pid_t pid, unsigned long addr, long npages, uint64_t *save)
{
	if (npages > MAX_PAGES)
		die("region too large");
	uint64_t *e = save ? save : pm_tmp;
	read_pagemap(pid, addr, npages, e);

	long present = 0, swapped = 0, excl = 0, file = 0, sd = 0, uffd = 0, guard = 0;
	long zero = 0, hzero = 0, thp = 0, anon = 0, head = 0, tail = 0, ksm = 0, anon_excl = 0;
	long asc = 0, desc = 0, nd = 0, in_folio = 0;
	struct histo hcount = {0}, hflags = {0};

	for (long i = 0; i < npages; i++) {
		uint64_t x = e[i];
		if (x & PM_SWAP)
			swapped++;
		if (x & PM_SOFT_DIRTY)
			sd++;
		if (x & PM_UFFD_WP)
			uffd++;
		if (x & PM_GUARD)
			guard++;
		if (!(x & PM_PRESENT))
			continue;
		present++;
		if (x & PM_EXCLUSIVE)
			excl++;
		if (x & PM_FILE)
			file++;
		uint64_t pfn = pm_pfn(x);
		sort_tmp[nd++] = pfn;
		uint64_t f = kpageflags(pfn), c = kpagecount(pfn);
		kpf_tmp[i] = f;
		kpc_tmp[i] = c;
		if ((f & KB(KPF_ZERO_PAGE)) && (f & KB(KPF_THP)))
			hzero++;
		else if (f & KB(KPF_ZERO_PAGE))
			zero++;
		else if (f & KB(KPF_THP))
			thp++;
		if (f & KB(KPF_ANON))
			anon++;
		if ((f & KB(KPF_ANON)) && (f & KB(KPF_OWNER_2)))
			anon_excl++;
		if (f & KB(KPF_COMPOUND_HEAD))
			head++;
		if (f & KB(KPF_COMPOUND_TAIL))
			tail++;
		if (f & KB(KPF_KSM))
			ksm++;
		histo_add(&hcount, c, pfn);
		histo_add(&hflags, f & ~KPF_VOLATILE, pfn);
		if (i + 1 < npages && (e[i + 1] & PM_PRESENT)) {
			uint64_t p2 = pm_pfn(e[i + 1]);
			if (p2 == pfn + 1) {
				asc++;
				/* the next page is a tail of the same compound folio */
				if ((f & (KB(KPF_COMPOUND_HEAD) | KB(KPF_COMPOUND_TAIL))) &&
				    (kpageflags(p2) & KB(KPF_COMPOUND_TAIL)))
					in_folio++;
			} else if (p2 + 1 == pfn) {
				desc++;
			}
		}
	}
	sort_u64(sort_tmp, nd);
	long distinct = 0;
	for (long i = 0; i < nd; i++)
		if (i == 0 || sort_tmp[i] != sort_tmp[i - 1])
			distinct++;

	j_obj(key);
	j_int("pages", npages);
	j_int("present", present);
	j_int("not_present", npages - present);
	j_int("distinct_pfns", distinct);
	j_int("present_4k_zero_page", zero);
	j_int("present_huge_zero_folio", hzero);
	j_int("present_thp_not_zero", thp);
	j_int("present_other", present - zero - hzero - thp);
	j_int("kpf_anon", anon);
	j_int("kpf_anon_exclusive_bit34", anon_excl);
	j_int("kpf_compound_head", head);
	j_int("kpf_compound_tail", tail);
	j_int("kpf_ksm", ksm);
	j_int("pm_exclusive_bit56", excl);
	j_int("pm_file_or_shared_bit61", file);
	j_int("pm_soft_dirty_bit55", sd);
	j_int("pm_uffd_wp_bit57", uffd);
	j_int("pm_guard_bit58", guard);
	j_int("pm_swapped_bit62", swapped);
	j_int("pfn_adjacent_pairs_within_one_compound_folio", in_folio);
	j_int("pfn_ascending_adjacent_pairs_varies", asc);
	j_int("pfn_descending_adjacent_pairs_varies", desc);
	j_obj("kpagecount_histogram");
	for (int i = 0; i < hcount.n; i++) {
		char k[32];
		snprintf(k, sizeof k, "%" PRIu64, hcount.key[i]);
		j_int(k, hcount.count[i]);
	}
	j_end();
	j_arr("kpf_stable_histogram");
	for (int i = 0; i < hflags.n; i++) {
		j_obj(NULL);
		j_hex("kpageflags_masked", hflags.key[i]);
		j_kpf_names("kpf", hflags.key[i]);
		j_int("pages", hflags.count[i]);
		j_hex("example_pfn_varies", hflags.first_pfn[i]);
		j_end();
	}
	j_end_arr();
	j_end();
}

/*
 * Per-page details of one page: pagemap bits, kpageflags (stable = without
 * LRU/ACTIVE/REFERENCED/IDLE; raw = as read), kpagecount.
 */
void j_page_detail(const char *key, pid_t pid, unsigned long addr)
{
	uint64_t e;
	read_pagemap(pid, addr, 1, &e);
	j_obj(key);
	j_hex("vaddr", addr);
	j_bool("present", !!(e & PM_PRESENT));
	j_hex("pagemap_flags_bits55_63", e & ~PM_PFN_MASK);
	if (e & PM_PRESENT) {
		uint64_t pfn = pm_pfn(e), f = kpageflags(pfn);
		j_int("pfn_varies", (long long)pfn);
		j_bool("pm_exclusive_bit56", !!(e & PM_EXCLUSIVE));
		j_bool("pm_file_or_shared_bit61", !!(e & PM_FILE));
		j_hex("kpageflags_stable", f & ~KPF_VOLATILE);
		j_kpf_names("kpf_stable", f & ~KPF_VOLATILE);
		j_hex("kpageflags_raw_varies", f);
		j_kpf_names("kpf_raw_varies", f);
		j_int("kpagecount", (long long)kpagecount(pfn));
	}
	j_end();
}

/* Compare two saved snapshots of the same range. */
void j_pfn_compare(const char *key, const uint64_t *a, const uint64_t *b, long n)
{
	long same = 0, changed = 0, appeared = 0, vanished = 0, both_absent = 0;
	for (long i = 0; i < n; i++) {
		int pa = !!(a[i] & PM_PRESENT), pb = !!(b[i] & PM_PRESENT);
		if (pa && pb) {
			if (pm_pfn(a[i]) == pm_pfn(b[i]))
				same++;
			else
				changed++;
		} else if (pb) {
			appeared++;
		} else if (pa) {
			vanished++;
		} else {
			both_absent++;
		}
	}
	j_obj(key);
	j_int("pfn_same", same);
	j_int("pfn_changed", changed);
	j_int("became_present", appeared);
	j_int("became_not_present", vanished);
	j_int("absent_both", both_absent);
	j_end();
}

/* Pages whose pfn is present in both and equal (a per-page "shared" test). */
long pfn_equal_count(const uint64_t *a, const uint64_t *b, long n)
{
	long k = 0;
	for (long i = 0; i < n; i++)
		if ((a[i] & PM_PRESENT) && (b[i] & PM_PRESENT) && pm_pfn(a[i]) == pm_pfn(b[i]))
			k++;
	return k;
}

long pm_count(const uint64_t *e, long n, uint64_t bit)
{
	long k = 0;
	for (long i = 0; i < n; i++)
		if ((e[i] & PM_PRESENT) && (e[i] & bit))
			k++;
	return k;
}

long pm_present(const uint64_t *e, long n) { return pm_count(e, n, PM_PRESENT); }

/* How many present entries of e[] have kpageflags bit `bit` set (read now). */
long kpf_count(const uint64_t *e, long n, int bit)
{
	long k = 0;
	for (long i = 0; i < n; i++)
		if ((e[i] & PM_PRESENT) && (kpageflags(pm_pfn(e[i])) & KB(bit)))
			k++;
	return k;
}

/* How many present entries of e[] have kpagecount == v (read now). */
long kpc_count(const uint64_t *e, long n, uint64_t v)
{
	long k = 0;
	for (long i = 0; i < n; i++)
		if ((e[i] & PM_PRESENT) && kpagecount(pm_pfn(e[i])) == v)
			k++;
	return k;
}

/* ------------------------------------------------------------------ */
/* regions and touching                                                */
/* ------------------------------------------------------------------ */

unsigned long slot_addr(int slot) { return SLOT_BASE + (unsigned long)slot * SLOT_STRIDE; }

/* mmap at a fixed, otherwise empty 512 GiB slot (MAP_FIXED_NOREPLACE). */
/* VMAs of /proc/<pid>/maps starting inside [base, base + len). */
long vmas_in(pid_t pid, char *base, long len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	if (read_file(path) < 0)
		die("read %s", path);
	long n = 0;
	for (char *p = filebuf; *p;) {
		unsigned long s = strtoul(p, NULL, 16);
		if (s >= (unsigned long)base && s < (unsigned long)base + (unsigned long)len)
			n++;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

char *map_slot(int slot, size_t len, int prot, int flags)
{
	void *want = (void *)slot_addr(slot);
	void *p = mmap(want, len, prot, flags | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap slot %d", slot);
	if (p != want)
		die("mmap slot %d landed at %p", slot, p);
	return p;
}

struct meter {
	struct rusage r0;
	struct timespec t0;
};

struct measured {
	long minflt, majflt;
	double secs;
	unsigned long sum; /* sum of bytes read (reads) */
};

/*
 * Start a measurement window. The first getrusage() is a warm-up: after fork()
 * our stack is write-protected and the kernel's copy_to_user() of the rusage
 * struct would take a COW fault *after* sampling the counters.
 */
void meter_start(struct meter *m)
{
	getrusage(RUSAGE_SELF, &m->r0);
	clock_gettime(CLOCK_MONOTONIC, &m->t0);
	getrusage(RUSAGE_SELF, &m->r0);
	clock_gettime(CLOCK_MONOTONIC, &m->t0);
}

struct measured meter_stop(struct meter *m)
{
	struct rusage r1;
	struct timespec t1;
	struct measured res;
	getrusage(RUSAGE_SELF, &r1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res.minflt = r1.ru_minflt - m->r0.ru_minflt;
	res.majflt = r1.ru_majflt - m->r0.ru_majflt;
	res.secs = (double)(t1.tv_sec - m->t0.tv_sec) + (double)(t1.tv_nsec - m->t0.tv_nsec) * 1e-9;
	res.sum = 0;
	return res;
}

/*
 * Touch pages first, first+stride, ... (count touches) of the region at base:
 * read one byte (op 'r') or write one byte `val` (op 'w') at the start of each.
 */
struct measured touch(char *base, long first, long count, long stride, int op, char val)
{
	volatile char *p = (volatile char *)base;
	struct meter m;
	unsigned long sum = 0;
	meter_start(&m);
	if (op == 'r') {
		for (long i = 0; i < count; i++)
			sum += (unsigned char)p[(first + i * stride) * (long)PAGE_SZ];
	} else {
		for (long i = 0; i < count; i++)
			p[(first + i * stride) * (long)PAGE_SZ] = val;
	}
	struct measured r = meter_stop(&m);
	r.sum = sum;
	return r;
}

void j_measured(const char *key, struct measured r, int with_sum)
{
	j_obj(key);
	j_int("minflt_delta", r.minflt);
	j_int("majflt_delta", r.majflt);
	if (with_sum)
		j_int("byte_sum", (long long)r.sum);
	j_dbl("seconds_varies", r.secs);
	j_end();
}

/* True if every byte of the given pages is zero (reads them: may fault!). */
/* Pages of a file's first `npages` in the page cache (mincore of a shared mapping of them). */
long cached_pages(int fd, long npages)
{
	size_t len = (size_t)npages * PAGE_SZ;
	unsigned char *vec = malloc((size_t)npages);
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (!vec || p == MAP_FAILED)
		die("mmap for mincore");
	if (mincore(p, len, vec))
		die("mincore");
	munmap(p, len);
	long n = 0;
	for (long i = 0; i < npages; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

/* A /proc/meminfo line's value (kB for most), or -1 when the line is absent. */
long meminfo_kb(const char *name)
{
	if (read_file("/proc/meminfo") < 0)
		die("read /proc/meminfo");
	size_t n = strlen(name);
	for (char *l = filebuf; l && *l;) {
		if (strncmp(l, name, n) == 0 && l[n] == ':')
			return strtol(l + n + 1, NULL, 10);
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return -1;
}

int pages_all_zero(const char *base, long first, long count)
{
	const volatile unsigned char *p = (const volatile unsigned char *)base;
	for (long i = first * (long)PAGE_SZ; i < (first + count) * (long)PAGE_SZ; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* puppet child: a forked process driven through two pipes              */
/* ------------------------------------------------------------------ */

enum { OP_TOUCH = 1, OP_EXIT = 2, OP_MADVISE = 3, OP_MUNMAP = 4 };

struct cmd {
	int op;
	int rw; /* 'r' or 'w' */
	char *base;
	long first, count, stride;
	int advice;
	char val;
};

struct reply {
	struct measured m;
	int ok;
	int err;
};

struct puppet {
	pid_t pid;
	int cmd_w, rep_r;
};

/*
 * Take, outside any measured window, the faults a fresh fork() child would
 * otherwise take inside one: COW of the stack pages the measuring code uses,
 * and first-touch of text pages (file-backed PTEs are not copied at fork for
 * VMAs without an anon_vma, so the child faults them in again on first use).
 */
/*
 * Map every page of the read-only file mappings (text, rodata of the binary
 * and of libc) now, with MADV_POPULATE_READ, so that code run for the first
 * time later does not take file faults (RssFile growth, minflt) inside a
 * measured window. fork() does not copy these PTEs, so children call it too.
 */
void populate_file_mappings(void)
{
	static char maps[64 * 1024];
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n = read(fd, maps, sizeof maps - 1);
	close(fd);
	if (n <= 0)
		return;
	maps[n] = 0;
	for (char *line = maps; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		unsigned long a, b;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3 && perms[0] == 'r' && perms[1] != 'w' &&
		    strchr(line, '/'))
			madvise((void *)a, b - a, MADV_POPULATE_READ);
		line = nl ? nl + 1 : NULL;
	}
}

void warm_up_paths(void)
{
	populate_file_mappings();
	volatile char stack[256 * 1024];
	for (size_t i = 0; i < sizeof stack; i += PAGE_SZ)
		stack[i] = 0;
	char dummy[PAGE_SZ];
	memset(dummy, 0, sizeof dummy);
	touch(dummy, 0, 0, 1, 'r', 0);
	touch(dummy, 0, 0, 1, 'w', 0);
	touch(dummy, 0, 1, 1, 'r', 0);
	touch(dummy, 0, 1, 1, 'w', 0);
	struct meter m;
	meter_start(&m);
	(void)meter_stop(&m);
}

static void puppet_loop(int cmd_r, int rep_w)
{
	warm_up_paths();
	for (;;) {
		struct cmd c;
		struct reply r;
		memset(&r, 0, sizeof r);
		if (read(cmd_r, &c, sizeof c) != (ssize_t)sizeof c)
			_exit(3);
		if (c.op == OP_EXIT)
			_exit(0);
		if (c.op == OP_TOUCH) {
			r.m = touch(c.base, c.first, c.count, c.stride, c.rw, c.val);
			r.ok = 1;
		} else if (c.op == OP_MADVISE || c.op == OP_MUNMAP) {
			struct meter m;
			meter_start(&m);
			int rc = c.op == OP_MADVISE
					 ? madvise(c.base + c.first * (long)PAGE_SZ, (size_t)c.count * PAGE_SZ, c.advice)
					 : munmap(c.base + c.first * (long)PAGE_SZ, (size_t)c.count * PAGE_SZ);
			r.err = rc ? errno : 0;
			r.m = meter_stop(&m);
			r.ok = rc == 0;
		}
		if (write(rep_w, &r, sizeof r) != (ssize_t)sizeof r)
			_exit(4);
	}
}

/* fork(); the child serves commands until OP_EXIT. Returns in the parent only. */
void puppet_fork(struct puppet *p)
{
	int a[2], b[2];
	if (pipe(a) || pipe(b))
		die("pipe");
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		puppet_loop(a[0], b[1]);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	warm_up_paths(); /* the parent's stack is write-protected now too */
	p->pid = pid;
	p->cmd_w = a[1];
	p->rep_r = b[0];
}

struct reply puppet_cmd(struct puppet *p, struct cmd c)
{
	struct reply r;
	if (write(p->cmd_w, &c, sizeof c) != (ssize_t)sizeof c)
		die("puppet write");
	if (read(p->rep_r, &r, sizeof r) != (ssize_t)sizeof r)
		die("puppet read");
	return r;
}

struct reply puppet_touch(struct puppet *p, char *base, long first, long count, long stride, int rw, char val)
{
	struct cmd c = {.op = OP_TOUCH, .rw = rw, .base = base, .first = first, .count = count, .stride = stride, .val = val};
	return puppet_cmd(p, c);
}

struct reply puppet_madvise(struct puppet *p, char *base, long first, long count, int advice)
{
	struct cmd c = {.op = OP_MADVISE, .base = base, .first = first, .count = count, .advice = advice};
	return puppet_cmd(p, c);
}

int puppet_exit(struct puppet *p)
{
	struct cmd c = {.op = OP_EXIT};
	int st = 0;
	if (write(p->cmd_w, &c, sizeof c) != (ssize_t)sizeof c)
		die("puppet write");
	if (waitpid(p->pid, &st, 0) != p->pid)
		die("waitpid");
	close(p->cmd_w);
	close(p->rep_r);
	return st;
}

/* ------------------------------------------------------------------ */
/* environment                                                         */
/* ------------------------------------------------------------------ */

static uint64_t zero_pfn;
static int pinned_cpu = -1;
static char config_lines[2048];

/* Pin to one CPU so per-CPU LRU batches and counters stay on one CPU. */
static void pin_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set))
		die("sched_getaffinity");
	int cpu = 0;
	const char *env = getenv("ORACLE_CPU");
	if (env) {
		cpu = atoi(env);
	} else {
		/* the highest allowed CPU: CPU 0 usually takes more interrupts */
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpu = i;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set))
		die("sched_setaffinity");
	pinned_cpu = cpu;
}

static void read_config(void)
{
	FILE *f = popen("zcat /proc/config.gz 2>/dev/null | grep -E "
			"'^(# )?CONFIG_(PERSISTENT_HUGE_ZERO_FOLIO|PAGE_MAPCOUNT|NO_PAGE_MAPCOUNT|PT_RECLAIM|"
			"MEM_SOFT_DIRTY|PGTABLE_LEVELS|TRANSPARENT_HUGEPAGE_MADVISE|KSM|USERFAULTFD|"
			"INIT_ON_ALLOC_DEFAULT_ON|INIT_ON_FREE_DEFAULT_ON|LRU_GEN|NUMA|PAGE_IDLE_FLAG)[= ]'",
			"r");
	config_lines[0] = 0;
	if (!f)
		return;
	size_t n = fread(config_lines, 1, sizeof config_lines - 1, f);
	config_lines[n] = 0;
	pclose(f);
}

/* Find the 4 KiB zero page's pfn: map a page, read it, look it up. */
static void find_zero_pfn(void)
{
	char *p = mmap(NULL, PAGE_SZ, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	volatile char c = *(volatile char *)p;
	(void)c;
	uint64_t e;
	read_pagemap(getpid(), (unsigned long)p, 1, &e);
	zero_pfn = pm_pfn(e);
	munmap(p, PAGE_SZ);
}

static int la57_active(void)
{
	/* 5-level paging is in use iff the CPU flag la57 is there and the kernel enabled it. */
	if (read_file("/proc/cpuinfo") < 0)
		return -1;
	return strstr(filebuf, " la57") != NULL;
}

/* Call first thing in main(): pins, opens kpage files, pre-touches buffers. */
void oracle_init(void)
{
	pin_cpu();
	/* a static, pre-touched stdio buffer: JSON output must not grow RssAnon */
	static char outbuf[1 << 16];
	memset(outbuf, 1, sizeof outbuf);
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	fd_kpageflags = open("/proc/kpageflags", O_RDONLY);
	fd_kpagecount = open("/proc/kpagecount", O_RDONLY);
	if (fd_kpageflags < 0 || fd_kpagecount < 0)
		die("open /proc/kpageflags or kpagecount (need root)");
	memset(filebuf, 1, sizeof filebuf);
	memset(pm_pool, 1, sizeof pm_pool);
	memset(pm_tmp, 1, sizeof pm_tmp);
	memset(kpf_tmp, 1, sizeof kpf_tmp);
	memset(kpc_tmp, 1, sizeof kpc_tmp);
	memset(sort_tmp, 1, sizeof sort_tmp);
	memset(vm_pool, 1, sizeof vm_pool);
	read_config();
	find_zero_pfn();
	/* warm every reader once so lazily-allocated libc state exists */
	read_status(getpid());
	read_stat_minflt(getpid());
	read_vmstat(&vm_pool[VM_POOL - 1]);
	struct mthp mt;
	read_mthp(&mt);
	struct smaps s = read_smaps(getpid(), (unsigned long)&s);
	(void)s;
	warm_up_paths();
}

/* The "env" object written into every JSON file. */
void j_env(void)
{
	struct utsname u;
	char b[256];
	uname(&u);
	j_obj("env");
	j_str("uname_r", u.release);
	j_str("machine", u.machine);
	j_int("page_size", sysconf(_SC_PAGESIZE));
	read_choice("/sys/kernel/mm/transparent_hugepage/enabled", b, sizeof b);
	j_str("thp_enabled", b);
	read_choice("/sys/kernel/mm/transparent_hugepage/defrag", b, sizeof b);
	j_str("thp_defrag", b);
	j_int("thp_use_zero_page", read_long("/sys/kernel/mm/transparent_hugepage/use_zero_page"));
	j_int("thp_hpage_pmd_size", read_long("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"));
	read_choice("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled", b, sizeof b);
	j_str("thp_2048kB_enabled", b);
	read_choice("/sys/kernel/mm/transparent_hugepage/shmem_enabled", b, sizeof b);
	j_str("thp_shmem_enabled", b);
	j_int("khugepaged_max_ptes_none", read_long("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"));
	long fab = read_long("/sys/kernel/debug/fault_around_bytes");
	if (fab >= 0)
		j_int("fault_around_bytes", fab);
	else
		j_str("fault_around_bytes", "unreadable (debugfs not mounted); kernel default is 65536");
	j_int("la57_5level_paging", la57_active());
	j_int("ksm_run", read_long("/sys/kernel/mm/ksm/run"));
	j_str("config_excerpt", config_lines);
	j_int("pinned_cpu", pinned_cpu);
	j_int("zero_page_pfn_varies", (long long)zero_pfn);
	uint64_t zf = kpageflags(zero_pfn);
	j_hex("zero_page_kpageflags", zf);
	j_kpf_names("zero_page_kpf", zf);
	j_int("zero_page_kpagecount", (long long)kpagecount(zero_pfn));
	j_hex("region_slot_base", SLOT_BASE);
	j_hex("region_slot_stride", SLOT_STRIDE);
	j_str("region_placement",
	      "every region is mmap'ed with MAP_FIXED_NOREPLACE at slot_base + k*slot_stride (k = 0,1,...), so it is "
	      "alone in its PGD entry: its first touch allocates a PUD table, a PMD table and PTE tables of its own. "
	      "VmPTE counts PTE+PMD+PUD tables (mm_pgtables_bytes).");
	j_end();
}

/* Common header: scenario name, brief item, env. */
void j_header(const char *scenario, const char *brief_item, const char *about)
{
	j_obj(NULL);
	j_str("scenario", scenario);
	j_str("brief_item", brief_item);
	j_str("about", about);
	j_env();
}

/* A numbered steps list; pass NULL-terminated strings. */
void j_steps(const char *const *steps)
{
	j_arr("steps");
	for (int i = 0; steps[i]; i++)
		j_str(NULL, steps[i]);
	j_end_arr();
}

/* Fields that differ from run to run or boot to boot. */
void j_varying(const char *extra)
{
	j_arr("varying");
	j_str(NULL, "any key ending in _varies (pfns, timings)");
	j_str(NULL, "vmstat_delta_systemwide: system-wide counters; pgfault, pgalloc_*, pgfree, nr_free_pages and nr_* "
		    "also count other processes (pinned measurement, but the machine is shared)");
	j_str(NULL, "smaps Referenced and kpageflags LRU/ACTIVE/REFERENCED/IDLE (per-CPU LRU batches, DAMON "
		    "sampling); kpf_stable_histogram masks them");
	j_str(NULL, "status absolute values (libc, stack) - use the *_delta objects");
	if (extra)
		j_str(NULL, extra);
	j_end_arr();
}

/* One "view" of a process and its region: status, smaps of the VMA, pagemap. */
void j_view(const char *key, pid_t pid, char *base, long npages, uint64_t *save)
{
	j_obj(key);
	j_int("stat_minflt_total", read_stat_minflt(pid));
	j_status("status", read_status(pid));
	struct smaps s = read_smaps(pid, (unsigned long)base);
	j_smaps("smaps", &s);
	j_pagemap("pagemap", pid, (unsigned long)base, npages, save);
	j_end();
}
