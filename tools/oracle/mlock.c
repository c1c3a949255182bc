/*
 * mlock.c - issue #14: mlock / munlock (mm/mlock.c).
 *
 *   mlock    -> scenario "mlock"   (run by run.sh)
 *
 * 64 pages (256 KiB) private anonymous rw at slot 0, nothing touched (then slots 1-3 as below). Per phase: the call's return
 * value and errno, the deltas of VmLck, VmRSS, RssAnon and minor faults, the number of VMAs the
 * region is cut into (/proc/self/maps), and smaps Locked/Rss of the VMAs at a few pages.
 *   1. mlock pages 16..47: VM_LOCKED on a VMA split out of the middle, the 32 pages faulted in
 *      (write faults: populate_vma_page_range uses FOLL_WRITE on a private writable mapping).
 *   2. munlock pages 16..31: the locked VMA splits again; no page leaves.
 *   3. mlock(base + 1, 100): the start rounds down, the length up: page 0 is locked.
 *   4. munmap pages 56..59, then mlock pages 52..63: ENOMEM; pages 52..55 (before the hole) are
 *      locked, nothing is faulted in.
 *   5. munlock pages 52..63 (same hole): ENOMEM; pages 52..55 are unlocked.
 *   6. mlock of a 16-page PROT_NONE mapping (slot 1).
 *   7. mmap 16 pages rw MAP_LOCKED (slot 2): VM_LOCKED and populated at mmap.
 *   8. mmap 16 pages PROT_NONE MAP_LOCKED (slot 3): VM_LOCKED, nothing faulted, no error.
 *   9. munmap of the MAP_LOCKED rw mapping: VmLck gives its pages back.
 *  10. madvise DONTNEED, FREE, COLD, PAGEOUT of pages 32..35 (locked, resident): each EINVAL
 *      (madvise_dontneed_free_valid_vma, can_madv_lru_vma refuse VM_LOCKED), nothing dropped.
 *  11. madvise DONTNEED of pages 16..39: the unlocked VMA's pages 16..31 are dropped, then the
 *      locked VMA stops the walk with EINVAL.
 *  12. mremap of a MAP_LOCKED 16-page mapping (slot 4) to 32 pages in place: the new part is
 *      populated (mremap's mm_populate for a VM_LOCKED VMA) and counted in VmLck.
 *  13. mremap(MREMAP_MAYMOVE|MREMAP_DONTUNMAP) of it to slot 5 (MREMAP_FIXED): the old VMA loses
 *      VM_LOCKED (dontunmap_complete), the new one keeps it.
 */
#include "oracle_lib.c"

#define NPAGES 64L
#define LEN (NPAGES * (long)PAGE_SZ)
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static long vmlck_kb(void)
{
	if (read_file("/proc/self/status") < 0)
		die("read status");
	return status_field("\nVmLck:");
}

struct snap {
	struct status st;
	long vmlck, minflt;
};

static struct snap take(void)
{
	struct snap s;
	s.vmlck = vmlck_kb();
	s.st = read_status(getpid());
	s.minflt = read_stat_minflt(getpid());
	return s;
}

static void j_vma_at(const char *key, char *p)
{
	struct smaps s = read_smaps(getpid(), (unsigned long)p);
	j_obj(key);
	j_bool("found", s.found);
	if (s.found) {
		j_int("Size", smaps_get(&s, "Size"));
		j_int("Rss", smaps_get(&s, "Rss"));
		j_int("Locked", smaps_get(&s, "Locked"));
		j_bool("lo", strstr(s.vmflags, " lo") != NULL || strncmp(s.vmflags, "lo", 2) == 0);
	}
	j_end();
}

static void j_phase(const char *key, int rc, int err, struct snap a, struct snap b, char *base, long len)
{
	j_obj(key);
	j_int("rc", rc);
	j_str("errno", rc ? (err == ENOMEM ? "ENOMEM" : err == EINVAL ? "EINVAL" : err == EAGAIN ? "EAGAIN" : err == EPERM ? "EPERM" : strerror(err)) : "0");
	j_int("VmLck_kB_delta", b.vmlck - a.vmlck);
	j_int("VmLck_kB", b.vmlck);
	j_int("VmRSS_kB_delta", b.st.VmRSS - a.st.VmRSS);
	j_int("RssAnon_kB_delta", b.st.RssAnon - a.st.RssAnon);
	j_int("minflt_delta", b.minflt - a.minflt);
	j_int("vmas_in_region", vmas_in(getpid(), base, len));
	j_end();
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 256 KiB (64 pages) rw MAP_PRIVATE|MAP_ANONYMOUS at slot 0; mlock(base + 64 KiB, 128 KiB).",
		"2. munlock(base + 64 KiB, 64 KiB).",
		"3. mlock(base + 1, 100).",
		"4. munmap(base + 224 KiB, 16 KiB); mlock(base + 208 KiB, 48 KiB).",
		"5. munlock(base + 208 KiB, 48 KiB).",
		"6. mmap 64 KiB PROT_NONE MAP_PRIVATE|MAP_ANONYMOUS at slot 1; mlock it all.",
		"7. mmap 64 KiB rw MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED at slot 2.",
		"8. mmap 64 KiB PROT_NONE MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED at slot 3.",
		"9. munmap the slot 2 mapping.",
		"10. madvise(base + 128 KiB, 16 KiB, MADV_DONTNEED / MADV_FREE / MADV_COLD / MADV_PAGEOUT), one after the other.",
		"11. madvise(base + 64 KiB, 96 KiB, MADV_DONTNEED).",
		"12. mmap 64 KiB rw MAP_LOCKED at slot 4; mremap it to 128 KiB (in place).",
		"13. mremap(slot 4, 128 KiB, 128 KiB, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, slot 5).",
		NULL,
	};
	j_header("mlock", "#14", "mlock and munlock: VMA splits, VmLck, smaps Locked, populate, rounding, a hole (ENOMEM), PROT_NONE.");
	j_steps(steps);
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	j_hex("region_start", (unsigned long)base);
	const long P = PAGE_SZ;

	struct snap a = take();
	errno = 0;
	int rc = mlock(base + 16 * P, 32 * P);
	int err = errno;
	struct snap b = take();
	j_phase("mlock_middle", rc, err, a, b, base, LEN);
	j_vma_at("mlock_middle_vma_page0", base);
	j_vma_at("mlock_middle_vma_page16", base + 16 * P);

	a = take();
	errno = 0;
	rc = munlock(base + 16 * P, 16 * P);
	err = errno;
	b = take();
	j_phase("munlock_first_half", rc, err, a, b, base, LEN);
	j_vma_at("munlock_vma_page16", base + 16 * P);
	j_vma_at("munlock_vma_page32", base + 32 * P);

	a = take();
	errno = 0;
	rc = mlock(base + 1, 100);
	err = errno;
	b = take();
	j_phase("mlock_unaligned", rc, err, a, b, base, LEN);
	j_vma_at("mlock_unaligned_vma_page0", base);

	if (munmap(base + 56 * P, 4 * P))
		die("munmap");
	a = take();
	errno = 0;
	rc = mlock(base + 52 * P, 12 * P);
	err = errno;
	b = take();
	j_phase("mlock_over_hole", rc, err, a, b, base, LEN);
	j_vma_at("mlock_over_hole_vma_page52", base + 52 * P);
	j_vma_at("mlock_over_hole_vma_page60", base + 60 * P);

	a = take();
	errno = 0;
	rc = munlock(base + 52 * P, 12 * P);
	err = errno;
	b = take();
	j_phase("munlock_over_hole", rc, err, a, b, base, LEN);
	j_vma_at("munlock_over_hole_vma_page52", base + 52 * P);

	char *pn = map_slot(1, 16 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	a = take();
	errno = 0;
	rc = mlock(pn, 16 * P);
	err = errno;
	b = take();
	j_phase("mlock_prot_none", rc, err, a, b, pn, 16 * P);
	j_vma_at("mlock_prot_none_vma", pn);

	a = take();
	char *ml = map_slot(2, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED);
	b = take();
	j_phase("map_locked_rw", 0, 0, a, b, ml, 16 * P);
	j_vma_at("map_locked_rw_vma", ml);

	a = take();
	char *mn = map_slot(3, 16 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED);
	b = take();
	j_phase("map_locked_prot_none", 0, 0, a, b, mn, 16 * P);
	j_vma_at("map_locked_prot_none_vma", mn);

	a = take();
	errno = 0;
	rc = munmap(ml, 16 * P);
	err = errno;
	b = take();
	j_phase("munmap_map_locked", rc, err, a, b, ml, 16 * P);

	static const struct {
		const char *key;
		int advice;
	} adv[] = {
		{"madvise_dontneed_locked", MADV_DONTNEED},
		{"madvise_free_locked", MADV_FREE},
		{"madvise_cold_locked", MADV_COLD},
		{"madvise_pageout_locked", MADV_PAGEOUT},
	};
	for (int i = 0; i < 4; i++) {
		a = take();
		errno = 0;
		rc = madvise(base + 32 * P, 4 * P, adv[i].advice);
		err = errno;
		b = take();
		j_phase(adv[i].key, rc, err, a, b, base, LEN);
	}

	a = take();
	errno = 0;
	rc = madvise(base + 16 * P, 24 * P, MADV_DONTNEED);
	err = errno;
	b = take();
	j_phase("madvise_dontneed_into_locked", rc, err, a, b, base, LEN);
	j_vma_at("madvise_dontneed_into_locked_vma_page16", base + 16 * P);
	j_vma_at("madvise_dontneed_into_locked_vma_page32", base + 32 * P);

	char *mr = map_slot(4, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED);
	a = take();
	errno = 0;
	char *g = mremap(mr, 16 * P, 32 * P, 0);
	err = errno;
	b = take();
	j_phase("mremap_grow_locked", g == MAP_FAILED ? -1 : 0, err, a, b, mr, 32 * P);
	j_bool("mremap_grow_locked_in_place", g == mr);
	j_vma_at("mremap_grow_locked_vma", mr);

	a = take();
	errno = 0;
	char *d = mremap(mr, 32 * P, 32 * P, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, (void *)slot_addr(5));
	err = errno;
	b = take();
	j_phase("mremap_dontunmap_locked", d == MAP_FAILED ? -1 : 0, err, a, b, mr, 32 * P);
	j_vma_at("mremap_dontunmap_locked_old_vma", mr);
	j_vma_at("mremap_dontunmap_locked_new_vma", (char *)slot_addr(5));
	munmap(mr, 32 * P);
	munmap((char *)slot_addr(5), 32 * P);

	j_varying("none");
	j_end();
	munmap(base, LEN);
	munmap(pn, 16 * P);
	munmap(mn, 16 * P);
	return 0;
}
