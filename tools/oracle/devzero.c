/*
 * devzero.c - issues #14/#15: private and shared mappings of /dev/zero (drivers/char/mem.c
 * mmap_zero: a shared one is shmem_zero_setup(), the same object MAP_SHARED|MAP_ANONYMOUS gets; a
 * private one is vma_set_anonymous(): anonymous memory, but the VMA keeps /dev/zero as its file).
 *
 *   devzero    -> scenario "devzero"   (run by run.sh)
 *
 *   1. mmap 64 KiB of /dev/zero rw MAP_PRIVATE at slot 0 (offset 0): the maps line names /dev/zero
 *      with its device and inode; smaps Size/Rss/Anonymous, VmFlags.
 *   2. Write pages 0..7: 8 faults, each a fresh anonymous page (RssAnon +32 kB, smaps Anonymous).
 *   3. Read pages 0..7: no fault, the bytes written.
 *   4. madvise: MADV_WIPEONFORK is EINVAL (the VMA has a file); MADV_FREE and MADV_DONTNEED work as
 *      on anonymous memory (DONTNEED of pages 0..3: RssAnon -16 kB).
 *   5. mmap 64 KiB anonymous rw private right after it (MAP_FIXED_NOREPLACE): the two VMAs do not
 *      merge (different vm_file); mprotect of both to PROT_READ and back: still two.
 *   6. mmap 64 KiB of /dev/zero rw MAP_PRIVATE at offset 16 KiB (slot 1): the maps offset.
 *   7. mmap 64 KiB of /dev/zero rw MAP_SHARED (slot 2): "/dev/zero (deleted)", like
 *      MAP_SHARED|MAP_ANONYMOUS; write 4 pages: RssShmem +16 kB.
 *
 * Read faults are left out on purpose: whether they map the shared zero page depends on the
 * kernel's configuration (this machine class's kernel allocates a page for them).
 */
#include "oracle_lib.c"

#include <fcntl.h>

#define NPAGES 16L
#define LEN (NPAGES * (long)PAGE_SZ)
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The /proc/self/maps line of the VMA holding p: perms, offset, whether a device/inode is named, the name. */
static void j_maps_line(const char *key, char *p)
{
	if (read_file("/proc/self/maps") < 0)
		die("read maps");
	j_obj(key);
	for (char *l = filebuf; *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		unsigned long a, b, off, ino;
		char perms[8], dev[16];
		int name_at = 0;
		if (sscanf(l, "%lx-%lx %7s %lx %15s %lu %n", &a, &b, perms, &off, dev, &ino, &name_at) >= 6 &&
		    a <= (unsigned long)p && (unsigned long)p < b) {
			j_str("perms", perms);
			j_hex("offset", off);
			j_bool("has_inode", ino != 0);
			j_str("name", name_at ? l + name_at : "");
			j_str("dev_varies", dev);
			j_int("inode_varies", (long long)ino);
			break;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	j_end();
}

static void j_vma(const char *key, char *p)
{
	struct smaps s = read_smaps(getpid(), (unsigned long)p);
	j_obj(key);
	j_bool("found", s.found);
	if (s.found) {
		j_int("Size", smaps_get(&s, "Size"));
		j_int("Rss", smaps_get(&s, "Rss"));
		j_int("Anonymous", smaps_get(&s, "Anonymous"));
		j_int("Shared_Dirty", smaps_get(&s, "Shared_Dirty"));
		j_int("Private_Dirty", smaps_get(&s, "Private_Dirty"));
		j_str("VmFlags", s.vmflags);
	}
	j_end();
}

static const char *errname(int rc, int err)
{
	if (!rc)
		return "0";
	return err == ENOMEM ? "ENOMEM" : err == EINVAL ? "EINVAL" : strerror(err);
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. open(/dev/zero, O_RDWR); mmap 64 KiB rw MAP_PRIVATE at slot 0, offset 0.",
		"2. Write byte 0x5a at offset 0 of pages 0..7.",
		"3. Read pages 0..7.",
		"4. madvise(MADV_WIPEONFORK) of pages 0..3; MADV_FREE of pages 8..11; MADV_DONTNEED of pages 0..3.",
		"5. mmap 64 KiB anonymous rw MAP_PRIVATE|MAP_FIXED_NOREPLACE right after the /dev/zero mapping; "
		"mprotect both (128 KiB) PROT_READ, then PROT_READ|PROT_WRITE.",
		"6. mmap 64 KiB of /dev/zero rw MAP_PRIVATE at slot 1, offset 16 KiB.",
		"7. mmap 64 KiB of /dev/zero rw MAP_SHARED at slot 2; write pages 0..3.",
		NULL,
	};
	j_header("devzero", "#14",
		 "Private mappings of /dev/zero are anonymous memory with a file: named in maps, refused by "
		 "MADV_WIPEONFORK, never merged with plain anonymous VMAs. Shared ones are shmem, as MAP_SHARED|MAP_ANONYMOUS.");
	j_steps(steps);
	const long P = PAGE_SZ;
	int fd = open("/dev/zero", O_RDWR);
	if (fd < 0)
		die("open /dev/zero");
	char *base = (char *)slot_addr(0);
	if (mmap(base, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0) != base)
		die("mmap /dev/zero");
	j_hex("region_start", (unsigned long)base);
	j_maps_line("private_maps_line", base);
	j_vma("private_vma_fresh", base);

	struct status s0 = read_status(getpid());
	j_measured("write_0_7", touch(base, 0, 8, 1, 'w', 0x5a), 0);
	struct status s1 = read_status(getpid());
	j_status_delta("write_0_7_status_delta", s0, s1);
	j_vma("private_vma_after_write", base);
	j_measured("read_0_7", touch(base, 0, 8, 1, 'r', 0), 1);

	errno = 0;
	int rc = madvise(base, 4 * P, MADV_WIPEONFORK);
	j_str("wipeonfork_errno", errname(rc, errno));
	errno = 0;
	rc = madvise(base + 8 * P, 4 * P, MADV_FREE);
	j_str("free_errno", errname(rc, errno));
	s0 = read_status(getpid());
	errno = 0;
	rc = madvise(base, 4 * P, MADV_DONTNEED);
	j_str("dontneed_errno", errname(rc, errno));
	s1 = read_status(getpid());
	j_status_delta("dontneed_status_delta", s0, s1);

	char *anon = base + LEN;
	if (mmap(anon, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != anon)
		die("mmap anon");
	j_int("vmas_with_anon_neighbour", vmas_in(getpid(), base, 2 * LEN));
	errno = 0;
	rc = mprotect(base, 2 * LEN, PROT_READ);
	j_str("mprotect_r_errno", errname(rc, errno));
	rc = mprotect(base, 2 * LEN, PROT_READ | PROT_WRITE);
	j_str("mprotect_rw_errno", errname(rc, errno));
	j_int("vmas_after_mprotect", vmas_in(getpid(), base, 2 * LEN));
	j_maps_line("anon_neighbour_maps_line", anon);

	char *off = (char *)slot_addr(1);
	if (mmap(off, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 4 * P) != off)
		die("mmap /dev/zero offset");
	j_maps_line("private_offset_maps_line", off);

	char *sh = (char *)slot_addr(2);
	if (mmap(sh, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0) != sh)
		die("mmap /dev/zero shared");
	j_maps_line("shared_maps_line", sh);
	s0 = read_status(getpid());
	j_measured("shared_write_0_3", touch(sh, 0, 4, 1, 'w', 0x33), 0);
	s1 = read_status(getpid());
	j_status_delta("shared_write_status_delta", s0, s1);
	j_vma("shared_vma_after_write", sh);

	j_varying("dev_varies and inode_varies: the device and inode numbers of /dev/zero and of the shmem object");
	j_end();
	return 0;
}
