/*
 * file_seq.c - issue #15, file-backed memory: a sequential read through a mapped file bigger than
 * the readahead window. Run by file_seq_run.sh on a loop-mounted ext4 whose device has
 * read_ahead_kb 128 (a new block device's default), as `file_seq <dir>`.
 *
 * The first access is a major fault (the read-around window, 32 pages); after it, async readahead
 * (the page marked PG_readahead, do_async_mmap_readahead) keeps the next window cached ahead of
 * the reader, so every later fault is minor. How many minor faults there are depends on the
 * folio sizes ext4 chose and on when the reads complete: recorded, marked _varies.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#define NPAGES 256L
#define LEN (NPAGES * (long)PAGE_SZ)

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: file_seq <directory on a block device with read_ahead_kb 128>");
	oracle_init();
	static const char *steps[] = {
		"1. A 256-page ext4 file of 0x5a (a loop device, read_ahead_kb 128), fsync'd, evicted (POSIX_FADV_DONTNEED).",
		"2. mmap it MAP_PRIVATE PROT_READ at a 2 MiB-aligned address; read 1 byte of page 0 (the read-around).",
		"3. Read 1 byte of each page 1..255 in order.",
		NULL,
	};
	j_header("file-seq", "#15", "A sequential read of a mapped 1 MiB file: one major fault, then async readahead.");
	j_steps(steps);
	char path[4096];
	snprintf(path, sizeof path, "%s/mmlab-oracle-seq.dat", argv[1]);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open %s", path);
	static char buf[LEN];
	memset(buf, 0x5a, sizeof buf);
	if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
		die("write");
	if (fsync(fd) || posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED))
		die("fsync/fadvise");
	j_int("cached_before", cached_pages(fd, NPAGES));
	char *base = map_slot(0, LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	munmap(base, LEN);
	base = mmap(base, LEN, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap file");
	struct measured first = touch(base, 0, 1, 1, 'r', 0);
	j_obj("read_page0");
	j_int("majflt_delta", first.majflt);
	j_int("minflt_delta", first.minflt);
	j_int("cached_pages", cached_pages(fd, NPAGES));
	j_end();
	struct measured rest = touch(base, 1, NPAGES - 1, 1, 'r', 0);
	j_obj("read_rest");
	j_int("majflt_delta", rest.majflt);
	j_int("minflt_delta_varies", rest.minflt);
	j_int("byte_sum", (long long)rest.sum);
	j_int("cached_pages", cached_pages(fd, NPAGES));
	j_end();
	munmap(base, LEN);
	close(fd);
	unlink(path);
	j_varying(NULL);
	j_end();
	return 0;
}
