/**
 * /proc/<pid>/status and /proc/<pid>/smaps_rollup of the shown process, exactly as the kernel
 * formats them, refreshed after every operation while the panel is on screen (and read afresh when
 * its tab is opened). smaps_rollup walks every page table of the process, as the kernel's does
 * (fs/proc/task_mmu.c show_smaps_rollup): on a 4 GiB region that is a million PTEs, tens of
 * milliseconds of the worker, so a hidden tab does not read it after every click. In status the
 * memory lines a learner watches (VmSize, VmRSS, RssAnon, RssShmem, VmPTE) are highlighted; the
 * other lines can be hidden.
 */
import { useId, useState } from 'react';
import { useAppState, useController } from './context.ts';
import { usePanelShown } from './panel_shown.ts';
import { useFetched } from './use_fetched.ts';

const KEY_LINES = /^(VmSize|VmRSS|RssAnon|RssShmem|VmPTE):/;
/** The lines about memory (and who the process is), shown unless "every line" is ticked. */
const MEMORY_LINES = /^(Name|State|Pid|PPid|Vm\w+|Rss\w+|HugetlbPages|THP_enabled):/;

export function ProcStatusPanel() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const pid = useAppState((s) => s.processes.find((p) => p.name === s.currentProc)?.pid ?? null);
  const name = useAppState((s) => s.currentProc);
  const shown = usePanelShown();
  const [all, setAll] = useState(false);
  const allId = useId();
  // The version when the tab was last opened: files read before it (while the tab was hidden, the
  // machine went on) are not shown as current; "reading…" until the new ones arrive.
  const [openedAt, setOpenedAt] = useState(version);
  const [wasShown, setWasShown] = useState(shown);
  if (shown !== wasShown) {
    setWasShown(shown);
    if (shown) setOpenedAt(version);
  }

  const fetched = useFetched(
    pid === null || !shown
      ? null
      : () =>
          Promise.all([
            controller.readProc(`/proc/${pid}/status`),
            controller.readProc(`/proc/${pid}/smaps_rollup`),
          ]),
    [pid, version],
  );

  if (pid === null) {
    return (
      <section className="panel status-panel" aria-labelledby="status-title">
        <h2 id="status-title">/proc/&lt;pid&gt;/status</h2>
        <p className="muted">Spawn a process to see its status and smaps_rollup here.</p>
      </section>
    );
  }
  // another process's files are not shown; this one's, one operation older, are until the new ones
  const got =
    fetched.key[0] === pid && (fetched.key[1] as number) >= openedAt
      ? {
          pid,
          version: fetched.key[1] as number,
          status: fetched.data?.[0] ?? '',
          rollup: fetched.data?.[1] ?? '',
          error: fetched.error,
        }
      : null;
  const lines = (got?.status ?? '').split('\n').filter((l) => l !== '');
  const visible = all ? lines : lines.filter((l) => MEMORY_LINES.test(l));

  return (
    <section className="panel status-panel" aria-labelledby="status-title">
      <div className="panel-head">
        <h2 id="status-title">
          /proc/{pid}/status <span className="muted normal">({name})</span>
        </h2>
        <input id={allId} type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
        <label htmlFor={allId}>every line</label>
      </div>
      {got?.error ? (
        <p className="error-text">{got.error}</p>
      ) : (
        <div className="status-columns">
          <pre
            className="proc-text"
            data-testid="proc-status"
            data-pid={got?.pid ?? ''}
            data-version={got?.version ?? ''}
            role="region"
            aria-label={`Contents of /proc/${pid}/status`}
            tabIndex={0}
          >
            {got
              ? visible.map((l, i) => (
                  <span key={i} className={KEY_LINES.test(l) ? 'key-line' : undefined}>
                    {l + '\n'}
                  </span>
                ))
              : 'reading…'}
          </pre>
          <div>
            <h3 className="sub-title">/proc/{pid}/smaps_rollup</h3>
            <p className="muted" data-testid="smaps-rollup-note">
              Like the kernel's, it walks every page table of the process: read while this tab is open, after
              the grids show each operation.
            </p>
            <pre
              className="proc-text"
              data-testid="proc-smaps-rollup"
              role="region"
              aria-label={`Contents of /proc/${pid}/smaps_rollup`}
              tabIndex={0}
            >
              {got ? got.rollup : 'reading…'}
            </pre>
          </div>
        </div>
      )}
    </section>
  );
}
