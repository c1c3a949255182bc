/*
 * faults.c - page-fault and fork throughput of the HOST kernel, for comparison
 * with MM Lab's emulated kernel (`npm run bench`).
 *
 * Build:  cc -O2 -std=c11 -Wall -Wextra -o faults bench/host/faults.c
 * Run:    ./faults zero-read | write-fresh | cow | fork256
 *
 * Prints ONE JSON line, e.g.
 *   {"mode":"zero-read","faults":65536,"seconds":0.03,"per_second":2.1e6,...}
 * where "seconds" is the MEDIAN of the repeats and per_second = faults/seconds
 * (forks/seconds for fork256). Extra fields: repeats, region_mib, the minor
 * faults getrusage() counted in the median run (a sanity check that every
 * touch really faulted once), and the min/max of the repeats.
 *
 * Modes (4 KiB pages; MADV_NOHUGEPAGE so THP never turns 512 faults into 1):
 *   zero-read   mmap 256 MiB private anonymous, read one byte per page: every
 *               read fault maps the shared zero page (no allocation).
 *   write-fresh mmap 256 MiB, write one byte per page: every fault allocates
 *               and zeroes a page (do_anonymous_page write path).
 *   cow         mmap 64 MiB, write every page, fork(); the child waits; the
 *               parent writes every page again: every fault is a COW copy
 *               (wp_page_copy, 4 KiB memcpy) because the child still maps it.
 *   fork256     a process with 256 MiB written (65536 PTEs, 128 PTE tables):
 *               time fork() + child _exit(0) + waitpid(). copy_page_range
 *               copies every PTE and exit zaps them again; the child's page
 *               tables are freed through RCU (tlb_remove_table), in callbacks
 *               on this pinned CPU that mostly land in a later repeat's window
 *               (the emulated round times its grace period, bench/faults.ts).
 * mmap/munmap and setup are outside the timed window. Timing uses
 * clock_gettime(CLOCK_MONOTONIC). The process pins itself to one CPU.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
#define MIB (1024L * 1024L)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long minflt(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_minflt;
}

static void pin(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return;
	int cpu = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

static char *map(long bytes)
{
	char *p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, (size_t)bytes, MADV_NOHUGEPAGE);
	return p;
}

static void write_all(char *p, long pages, char v)
{
	volatile char *q = p;
	for (long i = 0; i < pages; i++)
		q[i * PAGE] = v;
}

static unsigned long read_all(const char *p, long pages)
{
	const volatile char *q = p;
	unsigned long s = 0;
	for (long i = 0; i < pages; i++)
		s += (unsigned char)q[i * PAGE];
	return s;
}

static void warm_stack(void)
{
	volatile char buf[64 * 1024];
	for (size_t i = 0; i < sizeof buf; i += PAGE)
		buf[i] = 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define MAXREP 64
struct result {
	int n;
	double secs[MAXREP];
	long flt[MAXREP];
};

static void report(const char *mode, const char *unit, long count, long region_mib, struct result *r)
{
	double sorted[MAXREP];
	memcpy(sorted, r->secs, sizeof(double) * (size_t)r->n);
	qsort(sorted, (size_t)r->n, sizeof(double), cmp_dbl);
	double med = sorted[r->n / 2];
	long med_flt = 0;
	for (int i = 0; i < r->n; i++)
		if (r->secs[i] == med)
			med_flt = r->flt[i];
	printf("{\"mode\":\"%s\",\"%s\":%ld,\"seconds\":%.6g,\"per_second\":%.6g,\"repeats\":%d,\"region_mib\":%ld,"
	       "\"minflt_in_median_run\":%ld,\"seconds_min\":%.6g,\"seconds_max\":%.6g}\n",
	       mode, unit, count, med, (double)count / med, r->n, region_mib, med_flt, sorted[0], sorted[r->n - 1]);
}

/* zero-read / write-fresh: fresh mapping each repeat, one touch per page. */
static void bench_touch(const char *mode, int write, long mib, int reps)
{
	long pages = mib * MIB / PAGE;
	struct result r = {.n = reps};
	for (int i = 0; i < reps; i++) {
		char *p = map(mib * MIB);
		long f0 = minflt();
		double t0 = now();
		if (write)
			write_all(p, pages, 1);
		else if (read_all(p, pages) != 0)
			abort();
		double t1 = now();
		r.flt[i] = minflt() - f0;
		r.secs[i] = t1 - t0;
		munmap(p, (size_t)(mib * MIB));
	}
	report(mode, "faults", pages, mib, &r);
}

/* cow: the parent's writes after fork, while the child still maps every page. */
static void bench_cow(long mib, int reps)
{
	long pages = mib * MIB / PAGE;
	struct result r = {.n = reps};
	for (int i = 0; i < reps; i++) {
		char *p = map(mib * MIB);
		write_all(p, pages, 1);
		int go[2];
		if (pipe(go) != 0) {
			perror("pipe");
			exit(1);
		}
		fflush(stdout);
		pid_t c = fork();
		if (c < 0) {
			perror("fork");
			exit(1);
		}
		if (c == 0) {
			char b;
			close(go[1]);
			/* hold the pages until the parent is done */
			if (read(go[0], &b, 1) < 0)
				_exit(1);
			_exit(0);
		}
		close(go[0]);
		/* fork() write-protected our stack too: take those COW faults now,
		 * outside the timed window (stack pages, rusage buffer, call frames) */
		warm_stack();
		write_all(p, 0, 2);
		(void)now();
		long f0 = minflt();
		f0 = minflt();
		double t0 = now();
		write_all(p, pages, 2);
		double t1 = now();
		r.flt[i] = minflt() - f0;
		r.secs[i] = t1 - t0;
		close(go[1]);
		waitpid(c, NULL, 0);
		munmap(p, (size_t)(mib * MIB));
	}
	report("cow", "faults", pages, mib, &r);
}

/* fork256: fork() + child _exit(0) + waitpid() of a process with mib written. */
static void bench_fork(long mib, int reps)
{
	long pages = mib * MIB / PAGE;
	char *p = map(mib * MIB);
	write_all(p, pages, 1);
	struct result r = {.n = reps};
	for (int i = 0; i < reps; i++) {
		fflush(stdout);
		double t0 = now();
		pid_t c = fork();
		if (c < 0) {
			perror("fork");
			exit(1);
		}
		if (c == 0)
			_exit(0);
		waitpid(c, NULL, 0);
		double t1 = now();
		r.secs[i] = t1 - t0;
		r.flt[i] = 0;
	}
	munmap(p, (size_t)(mib * MIB));
	report("fork256", "forks", 1, mib, &r);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s zero-read|write-fresh|cow|fork256\n", argv[0]);
		return 2;
	}
	pin();
	const char *m = argv[1];
	if (strcmp(m, "zero-read") == 0)
		bench_touch("zero-read", 0, 256, 5);
	else if (strcmp(m, "write-fresh") == 0)
		bench_touch("write-fresh", 1, 256, 5);
	else if (strcmp(m, "cow") == 0)
		bench_cow(64, 5);
	else if (strcmp(m, "fork256") == 0)
		bench_fork(256, 21);
	else {
		fprintf(stderr, "unknown mode %s\n", m);
		return 2;
	}
	return 0;
}
