/*
 * threads.c - issue #14: threads sharing an mm (clone(CLONE_VM | CLONE_THREAD ...) through
 * pthread_create): one address space, faults counted per thread, the whole group in /proc/<pid>/stat.
 *
 *   threads    -> scenario "threads"   (run by run.sh)
 *
 *   1. mmap 64 KiB rw private anonymous at slot 0 (16 pages); pthread_create T.
 *   2. T writes pages 0..7: 8 faults in T (RUSAGE_THREAD), none in the main thread; RssAnon +32 kB,
 *      seen from both (one mm); /proc/<pid>/status Threads 2; T's /proc/<tid>/status has
 *      Tgid = the main thread's pid; /proc/<pid>/stat minflt counts T's faults too.
 *   3. The main thread reads pages 0..7: no fault (T's PTEs are the process's).
 *   4. T munmaps pages 0..3; the main thread's maps shows the region cut; RssAnon -16 kB.
 *   5. T exits (pthread_join): Threads 1; the memory stays (RssAnon unchanged).
 *
 * Not recorded: the TLB shootdown a munmap sends to the CPU of another thread. This machine class
 * (a KVM guest on AMD EPYC) counts no "TLB shootdowns" in /proc/interrupts at all, not even
 * system-wide, so it cannot be observed here.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#define NPAGES 16L
#define LEN (NPAGES * (long)PAGE_SZ)

static char *base;
static atomic_long t_minflt;
static atomic_int t_tid;
static int cpu_main, cpu_other;
static atomic_int ready, start, go;

static long thread_minflt(void)
{
	struct rusage r;
	getrusage(RUSAGE_THREAD, &r);
	return r.ru_minflt;
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof s, &s))
		die("sched_setaffinity");
}

static void *writer(void *arg)
{
	(void)arg;
	pin(cpu_other);
	t_tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&ready, 1);
	while (!atomic_load(&start))
		;
	long f0 = thread_minflt();
	for (long i = 0; i < 8; i++)
		((volatile char *)base)[i * PAGE_SZ] = 1;
	atomic_store(&t_minflt, thread_minflt() - f0);
	while (!atomic_load(&go))
		;
	if (munmap(base, 4 * PAGE_SZ))
		die("munmap");
	return NULL;
}

static long status_of(pid_t tid, const char *field)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	if (read_file(path) < 0)
		die("read %s", path);
	char *p = strstr(filebuf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 64 KiB rw private anonymous at slot 0; pthread_create T (pinned to the other CPU).",
		"2. T writes one byte in each of pages 0..7.",
		"3. The main thread reads pages 0..7.",
		"4. T munmaps pages 0..3.",
		"5. pthread_join(T).",
		NULL,
	};
	j_header("threads", "#14", "Threads share one mm: faults per thread, one RSS, Threads and Tgid in status.");
	j_steps(steps);
	cpu_main = sched_getcpu();
	cpu_other = cpu_main == 0 ? 1 : 0;
	pin(cpu_main);
	base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	pid_t me = getpid();

	pthread_t t;
	if (pthread_create(&t, NULL, writer, NULL))
		die("pthread_create");
	/* the thread's own stack and TLS are set up and touched before anything is measured */
	while (!atomic_load(&ready))
		sched_yield();
	struct status s0 = read_status(me);
	long stat0 = read_stat_minflt(me);
	long main0 = thread_minflt();
	atomic_store(&start, 1);
	while (!atomic_load(&t_minflt))
		sched_yield();
	long main1 = thread_minflt();
	struct status s1 = read_status(me);
	j_obj("thread_writes_0_7");
	j_int("thread_minflt", t_minflt);
	j_int("main_thread_minflt", main1 - main0);
	j_int("RssAnon_kB_delta", s1.RssAnon - s0.RssAnon);
	j_int("Threads", status_of(me, "\nThreads:"));
	j_bool("thread_Tgid_is_main_pid", status_of(t_tid, "\nTgid:") == me);
	j_bool("thread_Pid_is_its_tid", status_of(t_tid, "\nPid:") == t_tid);
	j_int("thread_RssAnon_kB_minus_main", status_of(t_tid, "\nRssAnon:") - s1.RssAnon);
	j_bool("stat_minflt_counts_the_thread", read_stat_minflt(me) - stat0 >= t_minflt);
	j_end();

	j_measured("main_reads_0_7", touch(base, 0, 8, 1, 'r', 0), 1);

	s0 = read_status(me);
	atomic_store(&go, 1);
	pthread_join(t, NULL);
	s1 = read_status(me);
	j_obj("thread_munmaps_0_3_and_exits");
	j_int("RssAnon_kB_delta", s1.RssAnon - s0.RssAnon);
	j_int("Threads", status_of(me, "\nThreads:"));
	struct smaps sm = read_smaps(me, (unsigned long)base);
	j_bool("page0_mapped", sm.found);
	sm = read_smaps(me, (unsigned long)(base + 4 * PAGE_SZ));
	j_int("vma_from_page4_Size", sm.found ? smaps_get(&sm, "Size") : -1);
	j_end();

	j_varying("none");
	j_end();
	return 0;
}
