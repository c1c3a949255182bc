/*
 * populate.c - brief item A7: pre-faulting with MAP_POPULATE and
 * MADV_POPULATE_READ / MADV_POPULATE_WRITE.
 *
 *   populate map-populate    -> "populate-map-populate"
 *   populate populate-read   -> "populate-madv-populate-read"
 *   populate populate-write  -> "populate-madv-populate-write"
 *
 * All three go through GUP (get_user_pages -> handle_mm_fault with no
 * pt_regs). The question the emulator needs answered is what they map (zero
 * page or real pages) and whether those faults show up in the task's minflt
 * (getrusage) and in /proc/vmstat pgfault. minflt is measured around the
 * mmap()/madvise() call itself, then around a later read and write pass.
 *
 * map-populate also covers MAP_POPULATE of a PROT_READ mapping (slot 1):
 * __mm_populate() uses FOLL_WRITE only for private writable mappings.
 */
#include "oracle_lib.c"

#define NPAGES 4096L
#define LEN (NPAGES * (long)PAGE_SZ)

/* Map (with `extra` flags / prot) under a meter; optionally madvise under another. */
static void run(const char *key, int slot, int prot, int extra_flags, int advice, const char *advice_name,
		int then_write)
{
	pid_t me = getpid();
	struct vmstat *v0 = vm_alloc(), *v1 = vm_alloc(), *v2 = vm_alloc();
	struct meter m;
	j_obj(key);
	struct status s0 = read_status(me);
	read_vmstat(v0);
	meter_start(&m);
	char *base = map_slot(slot, LEN, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags);
	struct measured mm = meter_stop(&m);
	read_vmstat(v1);
	struct status s1 = read_status(me);
	j_hex("region_start", (unsigned long)base);
	j_obj("after_mmap");
	j_measured("mmap_call", mm, 0);
	j_status_delta("status_delta_vs_before_mmap", s0, s1);
	j_view("view", me, base, NPAGES, NULL);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();
	struct status sb = s1;
	if (advice) {
		read_vmstat(v0);
		meter_start(&m);
		int rc = madvise(base, LEN, advice);
		int err = rc ? errno : 0;
		struct measured ma = meter_stop(&m);
		read_vmstat(v2);
		struct status s2 = read_status(me);
		j_obj("after_madvise");
		j_str("advice", advice_name);
		j_int("madvise_rc", rc);
		j_int("madvise_errno", err);
		j_measured("madvise_call", ma, 0);
		j_status_delta("status_delta_vs_after_mmap", s1, s2);
		j_view("view", me, base, NPAGES, NULL);
		j_vmstat_delta("vmstat_delta_systemwide", v0, v2);
		j_end();
		sb = s2;
	}
	read_vmstat(v0);
	struct measured r = touch(base, 0, NPAGES, 1, 'r', 0);
	read_vmstat(v1);
	j_obj("then_read_all");
	j_measured("read_all", r, 1);
	j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
	j_end();
	if (then_write) {
		read_vmstat(v0);
		struct measured w = touch(base, 0, NPAGES, 1, 'w', 1);
		read_vmstat(v1);
		struct status s3 = read_status(me);
		j_obj("then_write_all");
		j_measured("write_all", w, 0);
		j_status_delta("status_delta_vs_before_touching", sb, s3);
		j_view("view", me, base, NPAGES, NULL);
		j_vmstat_delta("vmstat_delta_systemwide", v0, v1);
		j_end();
	}
	j_end();
	munmap(base, LEN);
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "";
	oracle_init();
	if (strcmp(mode, "map-populate") == 0) {
		static const char *steps[] = {
			"Part rw (slot 0): 1. mmap 16 MiB (4096 pages) PROT_READ|PROT_WRITE, "
			"MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, 2 MiB aligned, no MADV_HUGEPAGE; minflt measured around "
			"the mmap() call. 2. Read 1 byte of every page. 3. Write byte 1 to every page.",
			"Part read_only (slot 1): 1. mmap 16 MiB PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE; minflt "
			"around mmap(). 2. Read 1 byte of every page.",
			NULL,
		};
		j_header("populate-map-populate", "A7",
			 "MAP_POPULATE of private anonymous memory: what gets mapped, and is it counted as minor faults?");
		j_steps(steps);
		run("rw", 0, PROT_READ | PROT_WRITE, MAP_POPULATE, 0, NULL, 1);
		run("read_only", 1, PROT_READ, MAP_POPULATE, 0, NULL, 0);
	} else if (strcmp(mode, "populate-read") == 0) {
		static const char *steps[] = {
			"1. mmap 16 MiB (4096 pages) PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, no "
			"MADV_HUGEPAGE.",
			"2. madvise(whole region, MADV_POPULATE_READ); minflt measured around the madvise() call.",
			"3. Read 1 byte of every page. 4. Write byte 1 to every page.",
			NULL,
		};
		j_header("populate-madv-populate-read", "A7",
			 "MADV_POPULATE_READ of fresh private anonymous memory: zero page? minor faults?");
		j_steps(steps);
		run("rw", 0, PROT_READ | PROT_WRITE, 0, MADV_POPULATE_READ, "MADV_POPULATE_READ", 1);
	} else if (strcmp(mode, "populate-write") == 0) {
		static const char *steps[] = {
			"1. mmap 16 MiB (4096 pages) PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 2 MiB aligned, no "
			"MADV_HUGEPAGE.",
			"2. madvise(whole region, MADV_POPULATE_WRITE); minflt measured around the madvise() call.",
			"3. Read 1 byte of every page. 4. Write byte 1 to every page.",
			NULL,
		};
		j_header("populate-madv-populate-write", "A7",
			 "MADV_POPULATE_WRITE of fresh private anonymous memory: RSS and minor faults.");
		j_steps(steps);
		run("rw", 0, PROT_READ | PROT_WRITE, 0, MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE", 1);
	} else {
		fprintf(stderr, "usage: %s map-populate|populate-read|populate-write\n", argv[0]);
		return 2;
	}
	j_varying(NULL);
	j_end();
	return 0;
}
