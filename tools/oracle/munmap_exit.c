/*
 * munmap_exit.c - brief item A8: what munmap() and exit() give back.
 *
 * /proc/vmstat nr_page_table_pages and nr_anon_pages are system-wide and the
 * machine is shared, so each case is sampled in rounds of BATCH (at most
 * MAX_SAMPLES) until WANT_QUIET "quiet" samples were found, and only those
 * are kept (enough_quiet_samples=false means the machine stayed busy). Our
 * own operation has a fixed signature in the system-wide pgfault and
 * pgalloc_* deltas (munmap allocates ~10 pages of mmu_gather batches; exit
 * takes a few faults), so a sample is quiet when its
 * pgfault delta equals the smallest one seen in the case and its pgalloc
 * delta is at most 2 above the smallest one seen with that pgfault delta:
 * nobody else faulted or allocated during its window. The mode over the
 * quiet samples is the answer; all quiet samples and the signature are
 * recorded. The process's own /proc/self/status deltas (RssAnon, VmPTE) are
 * exact and recorded too.
 *
 * The region sits alone in its PGD entry (see env.region_placement), so
 * unmapping it lets free_pgtables() free its 8 PTE tables, its PMD table and
 * its PUD table: 10 page-table pages, VmPTE -40 kB.
 */
#include "oracle_lib.c"

#define NPAGES 4096L
#define LEN (NPAGES * (long)PAGE_SZ)
#define BATCH 15	 /* samples per round */
#define MAX_SAMPLES 150	 /* at most 10 rounds */
#define WANT_QUIET 5	 /* stop once this many quiet samples were found */
static int samples_taken;

static const char *keys[] = {"nr_page_table_pages", "nr_anon_pages", "nr_free_pages", "pgfree"};
#define NKEYS 4

static long long sig_flt, sig_alloc; /* the quiet signature of the last case */

struct sample {
	long long flt, alloc;	  /* system-wide pgfault / pgalloc_* over the window */
	long long d[NKEYS];	  /* right after the call returned */
	long long settled[NKEYS]; /* once nr_page_table_pages settled */
	struct status before, after;
};

/*
 * x86 frees page-table pages through RCU (MMU_GATHER_RCU_TABLE_FREE): the
 * munmap()/exit() call returns before the tables are freed and before
 * nr_page_table_pages drops, so the counters are sampled again once that
 * counter has settled (at most SETTLE_MS later).
 */
#define SETTLE_MS 200

static long long mode_of(const struct sample *s, int n, int k, int settled)
{
	long long best = 0;
	int bestc = 0;
	for (int i = 0; i < n; i++) {
		long long vi = settled ? s[i].settled[k] : s[i].d[k];
		int c = 0;
		for (int j = 0; j < n; j++)
			c += (settled ? s[j].settled[k] : s[j].d[k]) == vi;
		if (c > bestc) {
			bestc = c;
			best = vi;
		}
	}
	return best;
}

static void j_samples(const char *key, const struct sample *s, int n, int with_status)
{
	j_obj(key);
	j_int("samples_taken_varies", samples_taken);
	j_int("quiet_samples", n);
	j_bool("enough_quiet_samples", n >= WANT_QUIET);
	j_int("quiet_signature_pgfault_systemwide_varies", sig_flt);
	j_int("quiet_signature_pgalloc_max_systemwide_varies", sig_alloc + 2);
	j_obj("vmstat_delta_systemwide");
	for (int settled = 0; settled < 2; settled++) {
		j_obj(settled ? "after_rcu_settle" : "immediately_after_call");
		for (int k = 0; k < NKEYS; k++) {
			char name[64];
			snprintf(name, sizeof name, "%s_mode", keys[k]);
			j_int(name, mode_of(s, n, k, settled));
			snprintf(name, sizeof name, "%s_samples", keys[k]);
			j_arr(name);
			for (int i = 0; i < n; i++)
				j_int(NULL, settled ? s[i].settled[k] : s[i].d[k]);
			j_end_arr();
		}
		j_end();
	}
	j_end();
	if (with_status)
		j_status_delta("own_status_delta_first_sample", s[0].before, s[0].after);
	j_end();
}

/*
 * b was read right after the call. Then poll every 2 ms until
 * nr_page_table_pages has moved and stayed put for 3 polls (the RCU callback
 * ran), or SETTLE_MS passed; c is the last poll. Polling keeps the window
 * short, so other processes disturb fewer samples.
 */
static void fill(struct sample *s, const struct vmstat *a, const struct vmstat *b, struct vmstat *c)
{
	struct timespec ts = {0, 2 * 1000000L};
	long long prev = vmstat_get(b, "nr_page_table_pages");
	int changed = 0, stable = 0;
	for (int i = 0; i < SETTLE_MS / 2; i++) {
		nanosleep(&ts, NULL);
		read_vmstat(c);
		long long now = vmstat_get(c, "nr_page_table_pages");
		if (now != prev) {
			changed = 1;
			stable = 0;
			prev = now;
		} else if (changed && ++stable >= 3) {
			break;
		}
	}
	for (int k = 0; k < NKEYS; k++) {
		s->d[k] = vmstat_get(b, keys[k]) - vmstat_get(a, keys[k]);
		s->settled[k] = vmstat_get(c, keys[k]) - vmstat_get(a, keys[k]);
	}
	s->flt = vmstat_get(c, "pgfault") - vmstat_get(a, "pgfault");
	s->alloc = vmstat_get(c, "pgalloc_normal") - vmstat_get(a, "pgalloc_normal") +
		   vmstat_get(c, "pgalloc_dma32") - vmstat_get(a, "pgalloc_dma32") +
		   vmstat_get(c, "pgalloc_dma") - vmstat_get(a, "pgalloc_dma");
}

/* Copy the quiet samples of s[0..n) to q (see the top comment); returns how many. */
static int keep_quiet(const struct sample *s, int n, struct sample *q)
{
	sig_flt = s[0].flt;
	for (int i = 1; i < n; i++)
		if (s[i].flt < sig_flt)
			sig_flt = s[i].flt;
	sig_alloc = -1;
	for (int i = 0; i < n; i++)
		if (s[i].flt == sig_flt && (sig_alloc < 0 || s[i].alloc < sig_alloc))
			sig_alloc = s[i].alloc;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (s[i].flt == sig_flt && s[i].alloc <= sig_alloc + 2)
			q[k++] = s[i];
	return k;
}

static struct sample all[MAX_SAMPLES], quiet[MAX_SAMPLES];

/* munmap of a region that was written ('w') or only read ('r'). */
static void munmap_case(const char *key, int op)
{
	struct sample *s = all;
	struct vmstat *a = vm_alloc(), *b = vm_alloc(), *c = vm_alloc();
	int n = 0, q = 0;
	for (int i = 0; i < MAX_SAMPLES; i++) {
		if (i % BATCH == 0 && i > 0 && (q = keep_quiet(all, i, quiet)) >= WANT_QUIET)
			break;
		n = i + 1;
		char *base = map_slot(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		touch(base, 0, NPAGES, 1, op, 1);
		s[i].before = read_status(getpid());
		read_vmstat(a);
		munmap(base, LEN);
		read_vmstat(b);
		s[i].after = read_status(getpid());
		fill(&s[i], a, b, c);
	}
	q = keep_quiet(all, n, quiet);
	samples_taken = n;
	quiet[0].before = all[0].before;
	quiet[0].after = all[0].after;
	vm_pool_used -= 3;
	j_samples(key, quiet, q, 1);
}

/*
 * exit of a child that wrote the region (with_region) or that has the same
 * (untouched) mapping and ran the same command with a count of 0, so the two
 * cases differ only by the region's pages and page tables.
 */
static void exit_case(const char *key, int with_region)
{
	struct sample *s = all;
	struct vmstat *a = vm_alloc(), *b = vm_alloc(), *c = vm_alloc();
	char *base = (char *)slot_addr(1);
	long vmpte = 0, rssanon = 0;
	int n = 0, q = 0;
	for (int i = 0; i < MAX_SAMPLES; i++) {
		if (i % BATCH == 0 && i > 0 && (q = keep_quiet(all, i, quiet)) >= WANT_QUIET)
			break;
		n = i + 1;
		struct puppet ch;
		map_slot(1, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		puppet_fork(&ch);
		munmap(base, LEN); /* the parent's copy: never touched */
		puppet_touch(&ch, base, 0, with_region ? NPAGES : 0, 1, 'w', 1);
		struct status cs = read_status(ch.pid);
		vmpte = cs.VmPTE;
		rssanon = cs.RssAnon;
		read_vmstat(a);
		puppet_exit(&ch);
		read_vmstat(b);
		fill(&s[i], a, b, c);
	}
	q = keep_quiet(all, n, quiet);
	samples_taken = n;
	vm_pool_used -= 3;
	j_obj(key);
	j_samples("around_exit_and_waitpid", quiet, q, 0);
	j_int("child_VmPTE_kB_before_exit_absolute", vmpte);
	j_int("child_RssAnon_kB_before_exit_absolute", rssanon);
	j_end();
}

int main(void)
{
	oracle_init();
	static const char *steps[] = {
		"Each case is sampled in rounds of 15 (at most 150) until 5 quiet samples were found; only quiet samples (system-wide pgfault delta equal to the case's "
		"minimum and pgalloc at most 2 above the minimum: nobody else was active) are kept.",
		"munmap_written: mmap 16 MiB (4096 pages) rw MAP_PRIVATE|MAP_ANONYMOUS at slot 0 (alone in "
		"its PGD entry), write byte 1 to every page, snapshot, munmap(whole region), snapshot, then poll every 2 ms until nr_page_table_pages has changed and "
		"stayed put for 3 polls (page tables are freed after an RCU grace period; max 200 ms), snapshot.",
		"munmap_read_only: the same but every page is only READ (zero page).",
		"exit_child_with_region: mmap 16 MiB at slot 1, fork, the parent munmaps its (untouched) copy, "
		"the child writes byte 1 to every page; snapshot; child _exit(0); waitpid; snapshot; settle "
		"as above; snapshot.",
		"exit_empty_child: the same, but the child's write loop has a count of 0 (region mapped, never "
		"touched).",
		"The region's share of exit = exit_child_with_region - exit_empty_child.",
		NULL,
	};
	j_header("munmap-exit", "A8",
		 "System-wide nr_page_table_pages / nr_anon_pages given back by munmap() of a 16 MiB region and by "
		 "exit() of a process holding one.");
	j_steps(steps);
	munmap_case("munmap_written", 'w');
	munmap_case("munmap_read_only", 'r');
	exit_case("exit_empty_child", 0);
	exit_case("exit_child_with_region", 1);
	j_varying("*_samples: each sample is system wide; trust the *_mode values, and the own_status_delta");
	j_end();
	return 0;
}
