/*
 * exec.c - issue #14: PROT_EXEC on anonymous memory (VM_EXEC; the PTEs lose NX).
 *
 *   exec    -> scenario "exec"   (run by run.sh)
 *
 * What user space can see of it: the maps permissions, smaps VmFlags (`ex`), where status counts
 * the mapping (VmLib for exec-only-and-not-writable memory, VmData for writable), and which
 * accesses fault or kill.
 *   1. mmap 64 KiB PROT_READ|PROT_EXEC (slot 0): r-xp, VmLib +64 kB, VmData +0.
 *   2. Read all 16 pages (16 faults); write one: SIGSEGV (SEGV_ACCERR).
 *   3. mmap 64 KiB PROT_EXEC alone (slot 1): --xp; a read works on x86 (no execute-only pages).
 *   4. mmap 64 KiB PROT_READ|PROT_WRITE|PROT_EXEC (slot 2): rwxp, VmData +64 kB, VmLib +0; a write works.
 *   5. mprotect slot 2 to PROT_READ|PROT_EXEC: VmData -64 kB, VmLib +64 kB.
 */
#include "oracle_lib.c"

#include <setjmp.h>
#include <signal.h>

static sigjmp_buf jb;
static int segv_code;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_code = si->si_code;
	siglongjmp(jb, 1);
}

static long field_kb(const char *name)
{
	if (read_file("/proc/self/status") < 0)
		die("read status");
	char *p = strstr(filebuf, name);
	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

static void j_map(const char *key, char *p, long lib0, long data0)
{
	struct smaps s = read_smaps(getpid(), (unsigned long)p);
	j_obj(key);
	j_str("perms", s.perms);
	j_str("VmFlags", s.vmflags);
	j_int("VmLib_kB_delta", field_kb("\nVmLib:") - lib0);
	j_int("VmData_kB_delta", field_kb("\nVmData:") - data0);
	j_end();
}

/* 1 when touching p (read or write) is SIGSEGV; the si_code name in *code. */
static int faults(char *p, int write, const char **code)
{
	segv_code = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*(volatile char *)p = 1;
		else
			(void)*(volatile char *)p;
		*code = "";
		return 0;
	}
	*code = segv_code == SEGV_ACCERR ? "SEGV_ACCERR" : segv_code == SEGV_MAPERR ? "SEGV_MAPERR" : "?";
	return 1;
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 64 KiB PROT_READ|PROT_EXEC, private anonymous, at slot 0.",
		"2. Read one byte of each of its 16 pages; then write one byte.",
		"3. mmap 64 KiB PROT_EXEC alone at slot 1; read one byte.",
		"4. mmap 64 KiB PROT_READ|PROT_WRITE|PROT_EXEC at slot 2; write one byte.",
		"5. mprotect the slot 2 mapping to PROT_READ|PROT_EXEC.",
		NULL,
	};
	j_header("exec", "#14", "PROT_EXEC on anonymous memory: permissions, VmFlags ex, VmLib against VmData, what faults.");
	j_steps(steps);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	const char *code;

	long lib0 = field_kb("\nVmLib:"), data0 = field_kb("\nVmData:");
	char *rx = map_slot(0, 64 * 1024, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
	j_map("rx_mapped", rx, lib0, data0);
	j_measured("rx_read_16", touch(rx, 0, 16, 1, 'r', 0), 1);
	j_obj("rx_write");
	j_bool("sigsegv", faults(rx, 1, &code));
	j_str("si_code", code);
	j_end();

	lib0 = field_kb("\nVmLib:");
	data0 = field_kb("\nVmData:");
	char *x = map_slot(1, 64 * 1024, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
	j_map("x_mapped", x, lib0, data0);
	j_obj("x_read");
	j_bool("sigsegv", faults(x, 0, &code));
	j_end();

	lib0 = field_kb("\nVmLib:");
	data0 = field_kb("\nVmData:");
	char *rwx = map_slot(2, 64 * 1024, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
	j_map("rwx_mapped", rwx, lib0, data0);
	j_obj("rwx_write");
	j_bool("sigsegv", faults(rwx, 1, &code));
	j_end();

	lib0 = field_kb("\nVmLib:");
	data0 = field_kb("\nVmData:");
	errno = 0;
	int rc = mprotect(rwx, 64 * 1024, PROT_READ | PROT_EXEC);
	j_str("mprotect_rx_errno", rc ? strerror(errno) : "0");
	j_map("rwx_to_rx", rwx, lib0, data0);

	j_varying("none");
	j_end();
	return 0;
}
