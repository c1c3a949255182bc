/**
 * /proc/<pid>/status and /proc/<pid>/smaps_rollup of the shown process, exactly as the kernel
 * formats them, refreshed after every operation. In status the memory lines a learner watches
 * (VmSize, VmRSS, RssAnon, RssShmem, VmPTE) are highlighted; the other lines can be hidden.
 */
import { useId, useState } from 'react';
import { useAppState, useController } from './context.ts';
import { useFetched } from './use_fetched.ts';

const KEY_LINES = /^(VmSize|VmRSS|RssAnon|RssShmem|VmPTE):/;
/** The lines about memory (and who the process is), shown unless "every line" is ticked. */
const MEMORY_LINES = /^(Name|State|Pid|PPid|Vm\w+|Rss\w+|HugetlbPages|THP_enabled):/;

export function ProcStatusPanel() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const pid = useAppState((s) => s.processes.find((p) => p.name === s.currentProc)?.pid ?? null);
  const name = useAppState((s) => s.currentProc);
  const [all, setAll] = useState(false);
  const allId = useId();

  const fetched = useFetched(
    pid === null
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
  const shown =
    fetched.key[0] === pid
      ? {
          pid,
          version: fetched.key[1] as number,
          status: fetched.data?.[0] ?? '',
          rollup: fetched.data?.[1] ?? '',
          error: fetched.error,
        }
      : null;
  const lines = (shown?.status ?? '').split('\n').filter((l) => l !== '');
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
      {shown?.error ? (
        <p className="error-text">{shown.error}</p>
      ) : (
        <div className="status-columns">
          <pre
            className="proc-text"
            data-testid="proc-status"
            data-pid={shown?.pid ?? ''}
            data-version={shown?.version ?? ''}
            role="region"
            aria-label={`Contents of /proc/${pid}/status`}
            tabIndex={0}
          >
            {shown
              ? visible.map((l, i) => (
                  <span key={i} className={KEY_LINES.test(l) ? 'key-line' : undefined}>
                    {l + '\n'}
                  </span>
                ))
              : 'reading…'}
          </pre>
          <div>
            <h3 className="sub-title">/proc/{pid}/smaps_rollup</h3>
            <pre
              className="proc-text"
              data-testid="proc-smaps-rollup"
              role="region"
              aria-label={`Contents of /proc/${pid}/smaps_rollup`}
              tabIndex={0}
            >
              {shown ? shown.rollup : 'reading…'}
            </pre>
          </div>
        </div>
      )}
    </section>
  );
}
