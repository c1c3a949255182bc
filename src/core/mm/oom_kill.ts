/**
 * The OOM killer (mm/oom_kill.c): when a page fault cannot get memory, pick the process whose
 * death frees the most (oom_badness: RSS + swap entries + page tables) and kill it.
 */
import { exitGroup, SIGKILL } from '../kernel/fork.ts';
import type { Machine } from '../machine.ts';
import { formatGfp } from './gfp.ts';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, type Task } from './mm_types.ts';

export function oomBadness(m: Machine, t: Task): number {
  const mm = t.mm;
  if (!mm) return -1;
  return (
    mm.rss[MM_FILEPAGES]! +
    mm.rss[MM_ANONPAGES]! +
    mm.rss[MM_SHMEMPAGES]! +
    mm.rss[MM_SWAPENTS]! +
    mm.pgtablesBytes / m.pageSize
  );
}

/**
 * out_of_memory() → select_bad_process() → oom_kill_process(). Returns the victim, or null when
 * there is nothing left to kill.
 */
export function outOfMemory(
  m: Machine,
  culprit: string,
  gfp: number,
  order: number,
  cpu: number,
): Task | null {
  return m.trace.call('out_of_memory', () => {
    m.printk(
      `${culprit} invoked oom-killer: gfp_mask=0x${gfp.toString(16)}(${formatGfp(gfp)}), order=${order}, oom_score_adj=0`,
    );
    // select_bad_process() → oom_evaluate_task() over the task list, oldest first: a task is
    // skipped only when `points < oc->chosen_points`, so on a tie the last one evaluated (the
    // youngest) is chosen.
    let victim: Task | null = null;
    let best = -Infinity;
    for (const t of m.tasks.values()) {
      // for_each_process(): thread-group leaders only (a thread's mm is its process's)
      if (t.state !== 'R' || !t.mm || t.pid !== t.tgid) continue;
      const points = oomBadness(m, t);
      if (points < best) continue;
      best = points;
      victim = t;
    }
    if (!victim) {
      m.printk('Out of memory and no killable processes...');
      return null;
    }
    const mm = victim.mm!;
    const kb = (pages: number) => (pages * m.pageSize) / 1024;
    m.printk(
      `Out of memory: Killed process ${victim.pid} (${victim.comm}) total-vm:${kb(mm.totalVm)}kB, anon-rss:${kb(mm.rss[MM_ANONPAGES]!)}kB, ` +
        `file-rss:${kb(mm.rss[MM_FILEPAGES]!)}kB, shmem-rss:${kb(mm.rss[MM_SHMEMPAGES]!)}kB, UID:0 pgtables:${mm.pgtablesBytes / 1024}kB oom_score_adj:0`,
    );
    exitGroup(m, victim, 'killed by SIGKILL (out of memory)', cpu, SIGKILL);
    return victim;
  });
}
