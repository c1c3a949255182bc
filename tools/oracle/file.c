/*
 * file.c - issue #15, "file-backed memory, minimally": mmap of a regular file
 * on a disk filesystem (ext4) and of a tmpfs file (/dev/shm).
 *
 * A disk file's page not in the page cache is a major fault: filemap_fault()
 * reads it (and the read-around window of do_sync_mmap_readahead) into the
 * page cache; a read fault first maps what is cached around it (fault-around,
 * 64 KiB). A private mapping's write copies the page-cache page (do_cow_fault,
 * or do_wp_page after a read); a shared mapping's write dirties the page-cache
 * page (do_shared_fault / wp_page_shared), and msync(MS_SYNC) writes it back.
 * tmpfs pages are shmem: RssShmem, swap-backed, on the anon LRU lists.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#define NPAGES 64L
#define LEN (NPAGES * (long)PAGE_SZ)
#define FILL 0x5a

static const char *file_keys[] = {
	"pgfault", "pgmajfault", "nr_file_pages", "nr_mapped", "nr_shmem", "nr_dirty", "nr_writeback",
	"nr_dirtied", "nr_written", "nr_inactive_file", "nr_active_file", "nr_inactive_anon",
	"nr_active_anon", "nr_anon_pages", "pgpgin", "pgpgout", "workingset_refault_file", NULL,
};

static void j_file_vmstat(const char *key, const struct vmstat *a, const struct vmstat *b)
{
	j_obj(key);
	for (int i = 0; file_keys[i]; i++)
		j_int(file_keys[i], vmstat_get(b, file_keys[i]) - vmstat_get(a, file_keys[i]));
	j_end();
}

/* Which pages are cached, as a string of 0/1 (the read-around window). */
static void j_cached_map(const char *key, int fd)
{
	unsigned char vec[NPAGES];
	char s[NPAGES + 1];
	void *p = mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap for mincore");
	if (mincore(p, LEN, vec))
		die("mincore");
	munmap(p, LEN);
	for (long i = 0; i < NPAGES; i++)
		s[i] = (vec[i] & 1) ? '1' : '0';
	s[NPAGES] = 0;
	j_str(key, s);
}

/* A phase: vmstat and status around an action, the view of the region after it. */
struct phase {
	struct vmstat *v0, *v1;
	struct status s0;
};

static void phase_begin(struct phase *ph)
{
	ph->s0 = read_status(getpid());
	read_vmstat(ph->v0);
}

static void phase_end(struct phase *ph, const char *key, struct measured r, char *base, int fd, int with_sum)
{
	read_vmstat(ph->v1);
	struct status s1 = read_status(getpid());
	j_obj(key);
	j_measured("faults", r, with_sum);
	j_status_delta("status_delta", ph->s0, s1);
	j_view("view", getpid(), base, NPAGES, NULL);
	j_page_detail("page_0", getpid(), (unsigned long)base);
	j_page_detail("page_1", getpid(), (unsigned long)base + PAGE_SZ);
	j_file_vmstat("vmstat_delta_systemwide", ph->v0, ph->v1);
	if (fd >= 0) {
		j_int("cached_pages", cached_pages(fd, NPAGES));
		j_cached_map("cached_map", fd);
	}
	j_end();
}

static struct measured none(void)
{
	struct measured r = {0, 0, 0, 0};
	return r;
}

static int make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open %s", path);
	static char buf[LEN];
	memset(buf, FILL, sizeof buf);
	if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
		die("write %s", path);
	if (fsync(fd))
		die("fsync");
	return fd;
}

int main(void)
{
	oracle_init();
	struct phase ph = {vm_alloc(), vm_alloc(), {0}};
	static const char *steps[] = {
		"1. A 64-page file on ext4 (/var/tmp), every byte 0x5a, fsync'd, evicted with POSIX_FADV_DONTNEED.",
		"2. mmap it MAP_PRIVATE rw; read 1 byte of page 0 (a major fault and the read-around).",
		"3. Read 1 byte of each page 1..63.",
		"4. Write byte 1 to page 0 and page 1 (private: COW from the page-cache page).",
		"5. munmap; evict; mmap MAP_PRIVATE rw again; write page 4 first (do_cow_fault on a page not cached).",
		"6. munmap; mmap MAP_SHARED rw; write byte 2 to pages 0..7 (do_shared_fault: dirty page cache).",
		"7. msync(MS_SYNC) the whole mapping (writeback).",
		"8. munmap; POSIX_FADV_DONTNEED (clean page cache dropped).",
		"9. A 64-page file in /dev/shm (tmpfs) written with 0x5a; mmap MAP_SHARED rw, read every page.",
		"10. mmap it MAP_PRIVATE rw too; read page 0, write page 0 (COW from the shmem page).",
		NULL,
	};
	j_header("file", "#15", "mmap of a regular (ext4) file and a tmpfs file: faults, page cache, dirty, writeback.");
	j_steps(steps);

	const char *dpath = "/var/tmp/mmlab-oracle-file.dat";
	int fd = make_file(dpath);
	if (posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED))
		die("fadvise");
	j_int("cached_after_fadvise_dontneed", cached_pages(fd, NPAGES));
	j_int("read_ahead_kb", read_long("/sys/block/vda/queue/read_ahead_kb"));

	/* 2. private, read page 0 */
	char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	munmap(base, LEN);
	base = mmap(base, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap file");
	j_hex("region_start", (unsigned long)base);
	phase_begin(&ph);
	struct measured r = touch(base, 0, 1, 1, 'r', 0);
	phase_end(&ph, "private_read_page0", r, base, fd, 1);

	phase_begin(&ph);
	r = touch(base, 1, NPAGES - 1, 1, 'r', 0);
	phase_end(&ph, "private_read_rest", r, base, fd, 1);

	phase_begin(&ph);
	r = touch(base, 0, 2, 1, 'w', 1);
	phase_end(&ph, "private_write_page0_1", r, base, fd, 0);

	/* 5. do_cow_fault on an uncached page */
	munmap(base, LEN);
	if (posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED))
		die("fadvise");
	base = mmap(base, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap file");
	phase_begin(&ph);
	r = touch(base, 4, 1, 1, 'w', 1);
	phase_end(&ph, "private_write_first_page4", r, base, fd, 0);
	{
		unsigned char b = 0;
		if (pread(fd, &b, 1, 4 * PAGE_SZ) != 1)
			die("pread");
		j_int("file_page4_byte0_after_private_write", b);
	}

	/* 6. shared writes */
	munmap(base, LEN);
	base = mmap(base, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap file shared");
	phase_begin(&ph);
	r = touch(base, 0, 8, 1, 'w', 2);
	phase_end(&ph, "shared_write_pages0_7", r, base, fd, 0);

	phase_begin(&ph);
	if (msync(base, LEN, MS_SYNC))
		die("msync");
	phase_end(&ph, "after_msync", none(), base, fd, 0);
	{
		unsigned char b = 0;
		if (pread(fd, &b, 1, 3 * PAGE_SZ) != 1)
			die("pread");
		j_int("file_page3_byte0_after_msync", b);
	}

	/* 8. drop */
	munmap(base, LEN);
	read_vmstat(ph.v0);
	if (posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED))
		die("fadvise");
	read_vmstat(ph.v1);
	j_obj("after_munmap_fadvise_dontneed");
	j_file_vmstat("vmstat_delta_systemwide", ph.v0, ph.v1);
	j_int("cached_pages", cached_pages(fd, NPAGES));
	j_end();
	close(fd);
	unlink(dpath);

	/* 9. tmpfs */
	const char *spath = "/dev/shm/mmlab-oracle-file";
	read_vmstat(ph.v0);
	int sfd = make_file(spath);
	read_vmstat(ph.v1);
	j_obj("tmpfs_after_write");
	j_file_vmstat("vmstat_delta_systemwide", ph.v0, ph.v1);
	j_int("cached_pages", cached_pages(sfd, NPAGES));
	j_end();
	char *sbase = (char *)slot_addr(1);
	sbase = mmap(sbase, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, sfd, 0);
	if (sbase == MAP_FAILED)
		die("mmap tmpfs");
	phase_begin(&ph);
	r = touch(sbase, 0, NPAGES, 1, 'r', 0);
	phase_end(&ph, "tmpfs_shared_read_all", r, sbase, -1, 1);

	char *pbase = (char *)slot_addr(2);
	pbase = mmap(pbase, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, sfd, 0);
	if (pbase == MAP_FAILED)
		die("mmap tmpfs private");
	phase_begin(&ph);
	r = touch(pbase, 0, 1, 1, 'r', 0);
	phase_end(&ph, "tmpfs_private_read_page0", r, pbase, -1, 1);
	phase_begin(&ph);
	r = touch(pbase, 0, 1, 1, 'w', 3);
	phase_end(&ph, "tmpfs_private_write_page0", r, pbase, -1, 0);
	j_int("tmpfs_shared_page0_byte0_after_private_write", (unsigned char)sbase[0]);
	munmap(pbase, LEN);
	munmap(sbase, LEN);
	close(sfd);
	unlink(spath);
	j_varying(NULL);
	j_end();
	return 0;
}
