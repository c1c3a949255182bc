/*
 * forkflags.c - issue #14: MADV_DONTFORK / MADV_DOFORK / MADV_WIPEONFORK / MADV_KEEPONFORK
 * (mm/madvise.c madvise_vma_behavior, kernel/fork.c + mm/mmap.c dup_mmap).
 *
 *   forkflags    -> scenario "fork-flags"   (run by run.sh)
 *
 * 16 pages private anonymous rw at slot 0, page i holding byte 0x10 + i at offset 0.
 *   1. MADV_DONTFORK pages 0..3: VM_DONTCOPY ("dc" in smaps VmFlags) on a VMA split off.
 *   2. MADV_WIPEONFORK pages 8..11: VM_WIPEONFORK ("wf") on another split.
 *   3. Argument checks: WIPEONFORK of a MAP_SHARED|MAP_ANONYMOUS mapping (slot 1; shmem: EINVAL),
 *      DONTFORK at an unaligned start (EINVAL), DONTFORK over [VMA, hole) (the VMA part is done,
 *      then ENOMEM; slot 2 with its second half unmapped).
 *   4. fork() (a puppet child). The child's VMAs over the region: the DONTCOPY part is absent;
 *      the WIPEONFORK part is there, empty (dup_mmap skips copy_page_range and the anon_vma);
 *      the rest had its PTEs copied (present in the child's pagemap, no fault on read).
 *   5. The child reads pages 8..11 (zeros, 4 faults) and 4..7 (the parent's data, no fault).
 *   6. The parent writes pages 0..3 and 8..11 (no fault: those PTEs were never write-protected)
 *      and 4..7 (4 COW faults).
 *   7. The child writes pages 12..15 (4 COW faults) and exits.
 *   8. MADV_DOFORK pages 0..3, MADV_KEEPONFORK pages 8..11: the flags go and the VMAs merge back.
 */
#include "oracle_lib.c"

#define NPAGES 16L
#define LEN (NPAGES * (long)PAGE_SZ)
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MADV_KEEPONFORK
#define MADV_KEEPONFORK 19
#endif

static int has_flag(const char *vmflags, const char *f)
{
	char pat[8];
	snprintf(pat, sizeof pat, " %s ", f);
	char buf[200];
	snprintf(buf, sizeof buf, " %s ", vmflags);
	return strstr(buf, pat) != NULL;
}

/* The VMA holding `p` in `pid`: found, size, Rss, and the dc/wf VmFlags. */
static void j_vma_at(const char *key, pid_t pid, char *p)
{
	struct smaps s = read_smaps(pid, (unsigned long)p);
	j_obj(key);
	j_bool("found", s.found);
	if (s.found) {
		j_int("Size", smaps_get(&s, "Size"));
		j_int("Rss", smaps_get(&s, "Rss"));
		j_bool("dc", has_flag(s.vmflags, "dc"));
		j_bool("wf", has_flag(s.vmflags, "wf"));
	}
	j_end();
}

static const char *errname(int rc, int err)
{
	if (!rc)
		return "0";
	return err == ENOMEM ? "ENOMEM" : err == EINVAL ? "EINVAL" : strerror(err);
}

static void j_call(const char *key, int rc, int err, pid_t pid, char *base, long len)
{
	j_obj(key);
	j_str("errno", errname(rc, err));
	j_int("vmas_in_region", vmas_in(pid, base, len));
	j_end();
}

/* Pages of [first, first + count) present in pid's pagemap. */
static long present(pid_t pid, char *base, long first, long count)
{
	static uint64_t *e;
	if (!e)
		e = pm_alloc();
	read_pagemap(pid, (unsigned long)(base + first * (long)PAGE_SZ), count, e);
	return pm_present(e, count);
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 64 KiB (16 pages) rw MAP_PRIVATE|MAP_ANONYMOUS at slot 0; write byte 0x10 + i at offset 0 of page i; "
		"madvise(base, 16 KiB, MADV_DONTFORK).",
		"2. madvise(base + 32 KiB, 16 KiB, MADV_WIPEONFORK).",
		"3. madvise(slot 1: 16 KiB MAP_SHARED|MAP_ANONYMOUS, MADV_WIPEONFORK); madvise(base + 1, 4 KiB, MADV_DONTFORK); "
		"slot 2: mmap 32 KiB rw private, munmap its second half, madvise(slot 2, 32 KiB, MADV_DONTFORK).",
		"4. fork(): a child that waits for commands.",
		"5. The child reads one byte of pages 8..11, then of pages 4..7.",
		"6. The parent writes byte 0x60 to pages 0..3, then 8..11, then 4..7.",
		"7. The child writes byte 0x70 to pages 12..15, then exits.",
		"8. madvise(base, 16 KiB, MADV_DOFORK); madvise(base + 32 KiB, 16 KiB, MADV_KEEPONFORK).",
		NULL,
	};
	j_header("fork-flags", "#14",
		 "MADV_DONTFORK and MADV_WIPEONFORK: what fork() leaves out or empties, and what the parent then does not COW.");
	j_steps(steps);
	const long P = PAGE_SZ;
	pid_t me = getpid();
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	for (long i = 0; i < NPAGES; i++)
		base[i * P] = (char)(0x10 + i);

	errno = 0;
	int rc = madvise(base, 4 * P, MADV_DONTFORK);
	j_call("dontfork", rc, errno, me, base, LEN);
	j_vma_at("dontfork_vma_page0", me, base);
	j_vma_at("dontfork_vma_page4", me, base + 4 * P);

	errno = 0;
	rc = madvise(base + 8 * P, 4 * P, MADV_WIPEONFORK);
	j_call("wipeonfork", rc, errno, me, base, LEN);
	j_vma_at("wipeonfork_vma_page8", me, base + 8 * P);
	j_vma_at("wipeonfork_vma_page12", me, base + 12 * P);

	char *sh = map_slot(1, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	errno = 0;
	rc = madvise(sh, 4 * P, MADV_WIPEONFORK);
	j_call("wipeonfork_shared", rc, errno, me, sh, 4 * P);
	errno = 0;
	rc = madvise(base + 1, P, MADV_DONTFORK);
	j_call("dontfork_unaligned", rc, errno, me, base, LEN);
	char *h = map_slot(2, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (munmap(h + 4 * P, 4 * P))
		die("munmap");
	errno = 0;
	rc = madvise(h, 8 * P, MADV_DONTFORK);
	j_call("dontfork_over_hole", rc, errno, me, h, 8 * P);
	j_vma_at("dontfork_over_hole_vma", me, h);

	struct status pa = read_status(me);
	struct puppet c;
	puppet_fork(&c);
	j_obj("child_after_fork");
	j_int("vmas_in_region", vmas_in(c.pid, base, LEN));
	j_vma_at("vma_page0", c.pid, base);
	j_vma_at("vma_page4", c.pid, base + 4 * P);
	j_vma_at("vma_page8", c.pid, base + 8 * P);
	j_vma_at("vma_page12", c.pid, base + 12 * P);
	j_int("present_pages_4_7", present(c.pid, base, 4, 4));
	j_int("present_pages_8_11", present(c.pid, base, 8, 4));
	j_int("present_pages_12_15", present(c.pid, base, 12, 4));
	j_vma_at("dontfork_over_hole_vma", c.pid, h);
	struct status cs = read_status(c.pid);
	j_int("RssAnon_kB_child_minus_parent", cs.RssAnon - pa.RssAnon);
	j_end();

	j_measured("child_reads_8_11", puppet_touch(&c, base, 8, 4, 1, 'r', 0).m, 1);
	j_measured("child_reads_4_7", puppet_touch(&c, base, 4, 4, 1, 'r', 0).m, 1);
	j_int("child_present_pages_8_11_after_read", present(c.pid, base, 8, 4));

	j_measured("parent_writes_0_3", touch(base, 0, 4, 1, 'w', 0x60), 0);
	j_measured("parent_writes_8_11", touch(base, 8, 4, 1, 'w', 0x60), 0);
	j_measured("parent_writes_4_7", touch(base, 4, 4, 1, 'w', 0x60), 0);
	j_measured("child_writes_12_15", puppet_touch(&c, base, 12, 4, 1, 'w', 0x70).m, 0);
	j_measured("child_reads_4_7_after_parent_wrote", puppet_touch(&c, base, 4, 4, 1, 'r', 0).m, 1);
	j_measured("parent_reads_12_15_after_child_wrote", touch(base, 12, 4, 1, 'r', 0), 1);
	puppet_exit(&c);

	errno = 0;
	rc = madvise(base, 4 * P, MADV_DOFORK);
	j_call("dofork", rc, errno, me, base, LEN);
	errno = 0;
	rc = madvise(base + 8 * P, 4 * P, MADV_KEEPONFORK);
	j_call("keeponfork", rc, errno, me, base, LEN);
	j_vma_at("keeponfork_vma_page0", me, base);
	j_varying("none");
	j_end();
	return 0;
}
