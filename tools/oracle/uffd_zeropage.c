/*
 * uffd_zeropage.c - issue #15: userfaultfd's UFFDIO_ZEROPAGE maps the shared zero page into
 * unpopulated PTEs of a registered range (mm/userfaultfd.c mfill_atomic_pte_zeropage()).
 *
 *   uffd_zeropage -> "uffd-zeropage"
 *
 * No fault-handling thread: the ioctls are issued by the process itself, and the context asks
 * for UFFD_FEATURE_SIGBUS so that a touch of a missing page is SIGBUS instead of a wait forever.
 *
 * Steps (16 pages rw MAP_PRIVATE|MAP_ANONYMOUS at slot 0, page 0 written first):
 *   register [0,16) MISSING; ZEROPAGE [1,8); ZEROPAGE [0,1) (EEXIST); ZEROPAGE [7,10) (EEXIST at
 *   once); ZEROPAGE [12,13); ZEROPAGE [8,16) (pages 8..11, then EEXIST at 12: EAGAIN with 16 KiB
 *   done); argument errors (unaligned start, length 0, an unregistered mapping); read pages
 *   0..12 (no fault); read page 13 (missing: SIGBUS); write page 3 (COW from the zero page).
 */
#include "oracle_lib.c"

#include <linux/userfaultfd.h>
#include <setjmp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#define NPAGES 16L
#define LEN (NPAGES * (long)PAGE_SZ)

static pid_t me;
static int uffd;
static char *base;
static sigjmp_buf jb;
static int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(jb, 1);
}

/* One UFFDIO_ZEROPAGE: rc, errno, the zeropage field, and the deltas it caused. */
static void zeropage(const char *key, unsigned long start, unsigned long len)
{
	struct uffdio_zeropage z;
	memset(&z, 0, sizeof z);
	z.range.start = start;
	z.range.len = len;
	struct status s0 = read_status(me);
	struct meter m;
	meter_start(&m);
	errno = 0;
	int rc = ioctl(uffd, UFFDIO_ZEROPAGE, &z);
	int err = rc ? errno : 0;
	struct measured r = meter_stop(&m);
	struct status s1 = read_status(me);
	j_obj(key);
	j_hex("start_offset", start - (unsigned long)base);
	j_int("len", (long long)len);
	j_int("rc", rc);
	j_str("errno", err == 0 ? "" : err == EEXIST ? "EEXIST" : err == EAGAIN ? "EAGAIN" : err == EINVAL ? "EINVAL" : err == ENOENT ? "ENOENT" : strerror(err));
	j_int("zeropage", (long long)z.zeropage);
	j_measured("ioctl", r, 0);
	j_status_delta("status_delta", s0, s1);
	j_end();
}

/* Which of the 16 pages map the shared zero page (KPF_ZERO_PAGE), are other pages, or are absent. */
static void j_pages(const char *key)
{
	uint64_t e[NPAGES];
	read_pagemap(me, (unsigned long)base, NPAGES, e);
	char s[NPAGES + 1];
	for (long i = 0; i < NPAGES; i++) {
		if (!(e[i] & PM_PRESENT))
			s[i] = '.';
		else if (kpageflags(pm_pfn(e[i])) & KB(KPF_ZERO_PAGE))
			s[i] = 'z';
		else
			s[i] = 'p';
	}
	s[NPAGES] = 0;
	j_str(key, s);
}

int main(void)
{
	oracle_init();
	me = getpid();
	static const char *steps[] = {
		"1. mmap 64 KiB (16 pages) rw MAP_PRIVATE|MAP_ANONYMOUS at slot 0; write byte 1 to page 0.",
		"2. userfaultfd(O_CLOEXEC|O_NONBLOCK); UFFDIO_API with UFFD_FEATURE_SIGBUS; UFFDIO_REGISTER pages 0..15 "
		"MISSING.",
		"3. UFFDIO_ZEROPAGE pages 1..7; pages 0..0 (written); pages 7..9; page 12; pages 8..15.",
		"4. UFFDIO_ZEROPAGE at base+1 (unaligned), length 0, and on a second, unregistered 64 KiB mapping.",
		"5. Read 1 byte of pages 0..12; read page 13 (never populated); write byte 2 to page 3.",
		NULL,
	};
	j_header("uffd-zeropage", "#15",
		 "UFFDIO_ZEROPAGE maps the shared zero page into the empty PTEs of a userfaultfd-registered range; "
		 "EEXIST where a PTE exists; a missing page is SIGBUS with UFFD_FEATURE_SIGBUS.");
	j_steps(steps);

	struct status s0 = read_status(me);
	base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	char *other = map_slot(1, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	base[0] = 1;
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		die("userfaultfd");
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_SIGBUS};
	j_int("uffdio_api_rc", ioctl(uffd, UFFDIO_API, &api));
	struct uffdio_register reg;
	memset(&reg, 0, sizeof reg);
	reg.range.start = (unsigned long)base;
	reg.range.len = LEN;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	struct status s1 = read_status(me);
	j_obj("after_register");
	j_int("rc", ioctl(uffd, UFFDIO_REGISTER, &reg));
	j_bool("ioctls_has_ZEROPAGE", !!(reg.ioctls & (1ULL << _UFFDIO_ZEROPAGE)));
	struct smaps sm = read_smaps(me, (unsigned long)base);
	j_str("VmFlags", sm.vmflags);
	j_int("vmas_in_region", vmas_in(me, base, LEN));
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_pages("pages");
	j_end();

	unsigned long b = (unsigned long)base, P = PAGE_SZ;
	j_obj("zeropage_calls");
	zeropage("pages_1_7", b + P, 7 * P);
	zeropage("page_0_written", b, P);
	zeropage("pages_7_9", b + 7 * P, 3 * P);
	zeropage("page_12", b + 12 * P, P);
	zeropage("pages_8_15", b + 8 * P, 8 * P);
	zeropage("unaligned_start", b + 1, P);
	zeropage("length_0", b + 14 * P, 0);
	zeropage("unregistered_mapping", (unsigned long)other, P);
	j_end();

	struct status s2 = read_status(me);
	sm = read_smaps(me, (unsigned long)base);
	j_obj("after_zeropage");
	j_status_delta("status_delta_vs_after_register", s1, s2);
	j_smaps("smaps", &sm);
	j_pages("pages");
	j_end();

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	struct measured r = touch(base, 0, 13, 1, 'r', 0);
	j_obj("after_read_0_12");
	j_measured("read", r, 1);
	j_end();

	struct meter m;
	int bus = 0;
	bus_code = 0;
	meter_start(&m);
	if (sigsetjmp(jb, 1) == 0)
		(void)*(volatile char *)(base + 13 * PAGE_SZ);
	else
		bus = 1;
	struct measured rb = meter_stop(&m);
	j_obj("read_page_13_missing");
	j_bool("sigbus", bus);
	j_str("si_code", bus_code == BUS_ADRERR ? "BUS_ADRERR" : bus_code == 0 ? "" : "other");
	j_measured("read", rb, 0);
	j_pages("pages");
	j_end();

	struct status s3 = read_status(me);
	struct measured w = touch(base, 3, 1, 1, 'w', 2);
	struct status s4 = read_status(me);
	j_obj("after_write_page_3");
	j_measured("write", w, 0);
	j_status_delta("status_delta", s3, s4);
	j_pages("pages");
	j_end();

	close(uffd);
	munmap(base, LEN);
	munmap(other, LEN);
	j_varying(NULL);
	j_end();
	return 0;
}
