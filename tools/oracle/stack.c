/*
 * stack.c - issue #14: stack growth (mm/mmap.c expand_downwards, acct_stack_growth; the fault path's
 * lock_mm_and_find_vma → expand_stack_locked).
 *
 *   stack    -> scenario "stack"   (run by run.sh)
 *
 * A touch below the [stack] VMA grows the VMA down to that page (VmStk grows by the pages between,
 * one fault); a touch that would make the stack larger than RLIMIT_STACK (8 MiB here) is SIGSEGV,
 * and so is one within stack_guard_gap (256 pages) of a mapping below the stack. Offsets are from
 * the stack VMA's end (vm_end, the top), which does not move.
 *   1. Write a byte 64 KiB below the stack VMA's start.
 *   2. Write a byte at top - 8 MiB (the stack becomes exactly RLIMIT_STACK).
 *   3. Write a byte at top - 8 MiB - 4 KiB (one page over): SIGSEGV.
 *   4. mmap 64 KiB anonymous rw at top - 10 MiB (MAP_FIXED_NOREPLACE)... not reachable once the
 *      stack is 8 MiB, so the guard gap is tried on a second process: see below.
 * Guard gap, in a child (its stack as exec left it): mmap 64 KiB at start - 2 MiB - 64 KiB (ending
 * 2 MiB below the stack); write at start - 1.5 MiB (0.5 MiB above that mapping: inside the 1 MiB
 * gap): SIGSEGV; in another child, write at start - 0.75 MiB (1.25 MiB above it): the stack grows.
 */
#include "oracle_lib.c"

#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static sigjmp_buf jb;
static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

/* The [stack] VMA: start and end. */
static void stack_vma(unsigned long *start, unsigned long *end)
{
	if (read_file("/proc/self/maps") < 0)
		die("read maps");
	*start = *end = 0;
	for (char *l = filebuf; *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (strstr(l, "[stack]"))
			sscanf(l, "%lx-%lx", start, end);
		if (!nl)
			break;
		l = nl + 1;
	}
}

static long vmstk_kb(void)
{
	if (read_file("/proc/self/status") < 0)
		die("read status");
	char *p = strstr(filebuf, "\nVmStk:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/* Write a byte at addr; 1 when it faulted with SIGSEGV. Also the minflt and VmStk deltas, the new start. */
static void j_touch(const char *key, unsigned long addr, unsigned long top)
{
	unsigned long s0, e0, s1, e1;
	stack_vma(&s0, &e0);
	long k0 = vmstk_kb(), f0 = read_stat_minflt(getpid());
	int segv = 0;
	if (sigsetjmp(jb, 1) == 0)
		*(volatile char *)addr = 1;
	else
		segv = 1;
	long f1 = read_stat_minflt(getpid()), k1 = vmstk_kb();
	stack_vma(&s1, &e1);
	j_obj(key);
	j_int("address_below_top", (long long)(top - addr));
	j_bool("sigsegv", segv);
	j_int("VmStk_kB_delta", k1 - k0);
	j_int("start_moved_kB", (long long)(s0 - s1) / 1024);
	j_bool("new_start_is_the_page", s1 == (addr & ~(unsigned long)(PAGE_SZ - 1)));
	j_int("minflt_delta", f1 - f0);
	j_end();
}

/* In a child: map a 64 KiB blocker ending `gap_below` under the stack's start, then touch `touch_below` under it. */
static void guard_child(const char *key, unsigned long gap_below, unsigned long touch_below)
{
	int pfd[2];
	if (pipe(pfd))
		die("pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		unsigned long s, e;
		stack_vma(&s, &e);
		char *b = (char *)(s - gap_below - 64 * 1024);
		if (mmap(b, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != b)
			_exit(3);
		int r[2] = {0, 0};
		if (sigsetjmp(jb, 1) == 0)
			*(volatile char *)(s - touch_below) = 1;
		else
			r[0] = 1;
		unsigned long s1, e1;
		stack_vma(&s1, &e1);
		r[1] = (int)((s - s1) / 1024);
		if (write(pfd[1], r, sizeof r) != (ssize_t)sizeof r)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	int r[2] = {-1, -1};
	if (read(pfd[0], r, sizeof r) != (ssize_t)sizeof r)
		die("child %s", key);
	waitpid(pid, NULL, 0);
	j_obj(key);
	j_int("blocker_end_below_start", (long long)gap_below);
	j_int("touch_below_start", (long long)touch_below);
	j_bool("sigsegv", r[0]);
	j_int("start_moved_kB", r[1]);
	j_end();
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. Write a byte 64 KiB below the [stack] VMA's start.",
		"2. Write a byte 8 MiB below the stack's top (vm_end).",
		"3. Write a byte 8 MiB + 4 KiB below the top.",
		"4. A child maps 64 KiB ending 2 MiB below its stack's start and writes 1.5 MiB below the start.",
		"5. Another child does the same but writes 0.75 MiB below the start.",
		NULL,
	};
	j_header("stack", "#14", "Stack growth: a touch below [stack] grows it (expand_downwards), up to RLIMIT_STACK, never into the guard gap.");
	j_steps(steps);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	struct rlimit rl;
	getrlimit(RLIMIT_STACK, &rl);
	j_int("rlimit_stack_kB", (long long)(rl.rlim_cur / 1024));

	guard_child("guard_gap_inside", 2 << 20, 3 << 19);
	guard_child("guard_gap_outside", 2 << 20, 3 << 18);

	unsigned long start, top;
	stack_vma(&start, &top);
	j_touch("below_start_64k", start - 64 * 1024, top);
	j_touch("at_rlimit", top - (8UL << 20), top);
	j_touch("over_rlimit", top - (8UL << 20) - PAGE_SZ, top);

	j_varying("none");
	j_end();
	return 0;
}
