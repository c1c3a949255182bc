/*
 * mprotect_signals.c - brief item A5: mprotect() and the SIGSEGV a bad access
 * gets, plus the faults writes take after protections come back.
 *
 * Faulting accesses are done in forked children so the parent's address
 * space stays intact. Each child either installs a SIGSEGV handler
 * (sigaction SA_SIGINFO on a pre-touched alternate stack) that writes
 * si_signo/si_code/si_errno/si_addr and its minflt delta to a pipe and
 * _exit(42)s, or keeps the default action (the parent then sees the child
 * killed by SIGSEGV; RLIMIT_CORE is 0 so no core is written).
 *
 * si_code values: SEGV_MAPERR = 1 (no VMA), SEGV_ACCERR = 2 (VMA forbids it).
 */
#include "oracle_lib.c"

#define NPAGES 1024L
#define LEN (NPAGES * (long)PAGE_SZ)

struct sigrep {
	int got_signal;
	int signo, code, err;
	unsigned long addr;
	long minflt_delta; /* from just before the access to inside the handler */
};

static int sig_pipe_w = -1;
static struct rusage sig_r0;
static char altstack[64 * 1024];

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	struct rusage r1;
	getrusage(RUSAGE_SELF, &r1);
	struct sigrep rep = {1, si->si_signo, si->si_code, si->si_errno, (unsigned long)si->si_addr,
			     r1.ru_minflt - sig_r0.ru_minflt};
	if (write(sig_pipe_w, &rep, sizeof rep) < 0)
		_exit(5);
	_exit(42);
}

struct access_result {
	struct sigrep rep;
	int have_rep;
	int wstatus;
};

/* Fork a child that reads or writes one byte at addr. */
static struct access_result child_access(char *addr, int op, int with_handler)
{
	int pfd[2];
	struct access_result res;
	memset(&res, 0, sizeof res);
	if (pipe(pfd))
		die("pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(pfd[0]);
		sig_pipe_w = pfd[1];
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		if (with_handler) {
			memset(altstack, 0, sizeof altstack);
			stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
			if (sigaltstack(&ss, NULL))
				_exit(6);
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_sigaction = segv_handler;
			sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
			sigemptyset(&sa.sa_mask);
			if (sigaction(SIGSEGV, &sa, NULL))
				_exit(7);
		}
		warm_up_paths();
		struct rusage tmp;
		getrusage(RUSAGE_SELF, &tmp);
		getrusage(RUSAGE_SELF, &sig_r0);
		if (op == 'w')
			*(volatile char *)addr = 1;
		else
			(void)*(volatile char *)addr;
		struct rusage r1;
		getrusage(RUSAGE_SELF, &r1);
		struct sigrep rep = {0, 0, 0, 0, 0, r1.ru_minflt - sig_r0.ru_minflt};
		if (write(pfd[1], &rep, sizeof rep) < 0)
			_exit(5);
		_exit(0);
	}
	close(pfd[1]);
	res.have_rep = read(pfd[0], &res.rep, sizeof res.rep) == (ssize_t)sizeof res.rep;
	close(pfd[0]);
	if (waitpid(pid, &res.wstatus, 0) != pid)
		die("waitpid");
	return res;
}

static void j_access(const char *key, const char *what, char *addr, int op, int with_handler)
{
	struct access_result r = child_access(addr, op, with_handler);
	j_obj(key);
	j_str("access", what);
	j_str("op", op == 'w' ? "write 1 byte" : "read 1 byte");
	j_hex("addr", (unsigned long)addr);
	j_bool("sigsegv_handler_installed", with_handler);
	j_bool("child_reported", r.have_rep);
	if (r.have_rep) {
		j_bool("got_signal", r.rep.got_signal);
		if (r.rep.got_signal) {
			j_int("si_signo", r.rep.signo);
			j_int("si_code", r.rep.code);
			j_str("si_code_name", r.rep.code == SEGV_MAPERR	  ? "SEGV_MAPERR"
					      : r.rep.code == SEGV_ACCERR ? "SEGV_ACCERR"
									  : "other");
			j_int("si_errno", r.rep.err);
			j_hex("si_addr", r.rep.addr);
			j_bool("si_addr_equals_access_addr", r.rep.addr == (unsigned long)addr);
		}
		j_int("child_minflt_delta_for_the_access", r.rep.minflt_delta);
	}
	j_bool("exited", WIFEXITED(r.wstatus));
	if (WIFEXITED(r.wstatus))
		j_int("exit_code", WEXITSTATUS(r.wstatus));
	j_bool("killed_by_signal", WIFSIGNALED(r.wstatus));
	if (WIFSIGNALED(r.wstatus)) {
		j_int("termsig", WTERMSIG(r.wstatus));
		j_str("termsig_name", WTERMSIG(r.wstatus) == SIGSEGV ? "SIGSEGV" : "other");
		j_bool("core_dumped", WCOREDUMP(r.wstatus));
	}
	j_end();
}

static struct measured do_mprotect(char *base, int prot, int *rc)
{
	struct meter m;
	meter_start(&m);
	*rc = mprotect(base, LEN, prot);
	return meter_stop(&m);
}

int main(void)
{
	oracle_init();
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc();
	uint64_t *A = pm_alloc(), *B = pm_alloc();
	int rc;
	static const char *steps[] = {
		"1. mmap 4 MiB (1024 pages) PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, no "
		"MADV_HUGEPAGE; read 1 byte of every page (zero page everywhere).",
		"2. mprotect(whole region, PROT_READ).",
		"3. Forked children access page 0 (base): (a) write with a SA_SIGINFO SIGSEGV handler, (b) write with the "
		"default action, (c) read (allowed).",
		"4. mprotect(PROT_READ|PROT_WRITE); parent writes byte 1 at offset 0 of every page.",
		"5. mprotect(PROT_READ) then mprotect(PROT_READ|PROT_WRITE) again; parent writes byte 2 to every page "
		"(pages are now exclusive anon pages, not the zero page).",
		"6. mprotect(PROT_NONE); children (a) read base with a handler, (b) read base with the default action.",
		"7. A child reads an address in an empty, never-mapped 512 GiB slot (slot_base + 5*slot_stride) with a "
		"handler, and another one writes there with the default action.",
		"8. mprotect(PROT_READ|PROT_WRITE) again; parent reads every page (contents still 2).",
		NULL,
	};
	j_header("mprotect-then-write", "A5",
		 "mprotect() transitions, the SIGSEGV si_code of denied accesses (SEGV_ACCERR vs SEGV_MAPERR), and the "
		 "write faults taken after write permission returns.");
	j_steps(steps);

	struct status s0 = read_status(me);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	struct measured r = touch(base, 0, NPAGES, 1, 'r', 0);
	struct status s1 = read_status(me);
	j_obj("after_read_all");
	j_measured("read_all", r, 1);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, A);
	j_end();

	struct measured mp = do_mprotect(base, PROT_READ, &rc);
	j_obj("after_mprotect_read_only");
	j_int("mprotect_rc", rc);
	j_measured("mprotect_call", mp, 0);
	j_view("view", me, base, NPAGES, B);
	j_pfn_compare("pfns_vs_before", A, B, NPAGES);
	j_access("child_write_with_handler", "write to PROT_READ page (zero page mapped)", base, 'w', 1);
	j_access("child_write_default_action", "write to PROT_READ page (zero page mapped)", base, 'w', 0);
	j_access("child_read", "read of PROT_READ page", base, 'r', 1);
	j_end();

	mp = do_mprotect(base, PROT_READ | PROT_WRITE, &rc);
	read_vmstat(v0);
	struct measured w1 = touch(base, 0, NPAGES, 1, 'w', 1);
	read_vmstat(v1);
	struct status s2 = read_status(me);
	j_obj("after_mprotect_rw_then_write_all");
	j_int("mprotect_rc", rc);
	j_measured("mprotect_call", mp, 0);
	j_measured("write_all", w1, 0);
	j_status_delta("status_delta_vs_after_read", s1, s2);
	j_view("view", me, base, NPAGES, A);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	int rc2;
	struct measured mp1 = do_mprotect(base, PROT_READ, &rc);
	uint64_t *RO = pm_alloc();
	read_pagemap(me, (unsigned long)base, NPAGES, RO);
	struct measured mp2 = do_mprotect(base, PROT_READ | PROT_WRITE, &rc2);
	read_vmstat(v0);
	struct measured w2 = touch(base, 0, NPAGES, 1, 'w', 2);
	read_vmstat(v1);
	j_obj("after_ro_rw_cycle_then_write_all_again");
	j_int("mprotect_ro_rc", rc);
	j_int("mprotect_rw_rc", rc2);
	j_measured("mprotect_ro_call", mp1, 0);
	j_measured("mprotect_rw_call", mp2, 0);
	j_measured("write_all", w2, 0);
	j_view("view", me, base, NPAGES, B);
	j_pfn_compare("pfns_vs_before_cycle", A, B, NPAGES);
	j_pfn_compare("pfns_while_read_only_vs_before_cycle", A, RO, NPAGES);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();

	mp = do_mprotect(base, PROT_NONE, &rc);
	j_obj("after_mprotect_prot_none");
	j_int("mprotect_rc", rc);
	j_measured("mprotect_call", mp, 0);
	j_view("view", me, base, NPAGES, NULL);
	j_access("child_read_with_handler", "read of PROT_NONE page", base, 'r', 1);
	j_access("child_read_default_action", "read of PROT_NONE page", base, 'r', 0);
	j_end();

	j_obj("unmapped_address");
	j_access("child_read_with_handler", "read of never-mapped address", (char *)slot_addr(5) + 0x1234, 'r', 1);
	j_access("child_write_default_action", "write to never-mapped address", (char *)slot_addr(5), 'w', 0);
	j_end();

	mp = do_mprotect(base, PROT_READ | PROT_WRITE, &rc);
	struct measured rr = touch(base, 0, NPAGES, 1, 'r', 0);
	j_obj("after_mprotect_rw_read_all");
	j_int("mprotect_rc", rc);
	j_measured("read_all", rr, 1);
	j_check("contents_are_2", rr.sum == 2UL * NPAGES);
	j_end();

	j_varying(NULL);
	j_end();
	munmap(base, LEN);
	return 0;
}
