/*
 * unevictable.c - issue #14: the unevictable LRU behind mlock (mm/mlock.c mlock_folio,
 * mlock_new_folio, munlock_folio and the per-CPU mlock batch; PG_mlocked, PG_unevictable).
 *
 *   unevictable -> scenario "unevictable"   (run by run.sh)
 *
 *   1. mmap 256 KiB (64 pages) rw at slot 0; write pages 0..7 (they wait in the LRU add batch).
 *   2. mlock the whole mapping: the 8 mapped pages are mlocked through the batch, then the
 *      populate faults 56 new pages straight into the mlock batch (31 go through, 25 wait).
 *   3. munlock pages 16..31: the waiting 25 reach the unevictable list first (lru_add_drain),
 *      then the 16 are munlocked and rescued to the inactive list.
 *   4. fork a child (its VMA is not locked); the parent writes page 0 (a COW in a locked VMA:
 *      the new page is mlocked, the old one munlocked but still the child's); the child exits.
 *   5. munmap pages 0..15 (locked): munlocked as they are unmapped.
 *   6. a child mmaps 128 KiB MAP_LOCKED (32 pages, faulted in at mmap) and exits.
 *
 * Per step: the system-wide deltas of meminfo Mlocked/Unevictable and the unevictable_pgs_*
 * events, and how many of the mapping's pages /proc/kpageflags shows MLOCKED / UNEVICTABLE / LRU.
 * Pinned to one CPU, so the per-CPU batches are this program's own.
 */
#define _GNU_SOURCE
#include "oracle_lib.c"

#include <sys/wait.h>

static const char *ev_keys[] = {
	"unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued",
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared",
	"unevictable_pgs_stranded", NULL,
};

struct snap {
	struct vmstat *v;
	long mlocked_kb, unevictable_kb;
};

static void take(struct snap *s)
{
	read_vmstat(s->v);
	s->mlocked_kb = meminfo_kb("Mlocked");
	s->unevictable_kb = meminfo_kb("Unevictable");
}

/* The deltas since `a`, and the kpageflags of the first `n` pages at `base` (0: none). */
static void j_step(const char *key, struct snap *a, char *base, long n)
{
	struct snap b = { .v = vm_alloc() };
	take(&b);
	j_obj(key);
	j_int("Mlocked_kB_delta", b.mlocked_kb - a->mlocked_kb);
	j_int("Unevictable_kB_delta", b.unevictable_kb - a->unevictable_kb);
	for (int i = 0; ev_keys[i]; i++)
		j_int(ev_keys[i], vmstat_get(b.v, ev_keys[i]) - vmstat_get(a->v, ev_keys[i]));
	if (n) {
		uint64_t *pm = pm_alloc();
		read_pagemap(getpid(), (unsigned long)base, n, pm);
		j_int("present", pm_present(pm, n));
		j_int("kpf_mlocked", kpf_count(pm, n, KPF_MLOCKED));
		j_int("kpf_unevictable", kpf_count(pm, n, KPF_UNEVICTABLE));
		j_int("kpf_lru", kpf_count(pm, n, KPF_LRU));
	}
	j_end();
	/* the next step's baseline (the pool is small: reuse a's buffer) */
	struct vmstat *keep = a->v;
	memcpy(keep, b.v, sizeof *keep);
	a->mlocked_kb = b.mlocked_kb;
	a->unevictable_kb = b.unevictable_kb;
	vm_pool_used--;
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"1. mmap 256 KiB (64 pages) rw private anonymous at slot 0; write pages 0..7.",
		"2. mlock(base, 256 KiB).",
		"3. munlock(base + 64 KiB, 64 KiB).",
		"4. fork; the parent writes page 0; the child exits (waitpid).",
		"5. munmap(base, 64 KiB).",
		"6. a child mmaps 128 KiB rw MAP_LOCKED and exits (waitpid).",
		NULL,
	};
	j_header("unevictable", "#14", "mlock and the unevictable LRU: PG_mlocked, PG_unevictable, the mlock batch, Mlocked/Unevictable and unevictable_pgs_*.");
	j_steps(steps);
	struct snap s = { .v = vm_alloc() };
	const long P = PAGE_SZ;
	char *base = map_slot(0, 64 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	take(&s);
	touch(base, 0, 8, 1, 'w', 1);
	j_step("write_0_7", &s, base, 64);

	j_int("mlock_rc", mlock(base, 64 * P));
	j_step("mlock_all", &s, base, 64);

	j_int("munlock_rc", munlock(base + 16 * P, 16 * P));
	j_step("munlock_16_31", &s, base, 64);

	int pfd[2];
	if (pipe(pfd))
		die("pipe");
	pid_t c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		char x;
		close(pfd[1]);
		if (read(pfd[0], &x, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[0]);
	touch(base, 0, 1, 1, 'w', 2);
	j_step("fork_parent_writes_0", &s, base, 64);
	if (write(pfd[1], "x", 1) != 1)
		die("write pipe");
	close(pfd[1]);
	waitpid(c, NULL, 0);
	j_step("child_exit", &s, base, 64);

	j_int("munmap_rc", munmap(base, 16 * P));
	j_step("munmap_0_15", &s, base + 16 * P, 48);

	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		char *q = map_slot(1, 32 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED);
		_exit(q[0]);
	}
	waitpid(c, NULL, 0);
	j_step("child_map_locked_exit", &s, NULL, 0);

	j_varying("none");
	j_end();
	return 0;
}
