/** A /proc file, exactly as the kernel formats it, refreshed after every operation while it is shown. */
import { useId, useState } from 'react';
import { useAppState, useController } from './context.ts';
import { usePanelShown } from './panel_shown.ts';
import { useFetched } from './use_fetched.ts';

const FILES = ['/proc/buddyinfo', '/proc/pagetypeinfo', '/proc/zoneinfo', '/proc/meminfo', '/proc/vmstat'];

/** Column heads for /proc/buddyinfo: "Node %d, zone %8s " then "%6lu " per order. */
function buddyinfoHeader(orders: number): string {
  let s = 'free blocks of order:'.padEnd(22);
  for (let o = 0; o < orders; o++) s += String(o).padStart(6) + ' ';
  return s;
}

export function ProcPanel() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const hasMachine = useAppState((s) => s.machine !== null);
  const maxOrder = useAppState((s) => s.machine?.maxOrder ?? 10);
  const [path, setPath] = useState(FILES[0]!);
  const selectId = useId();
  // A hidden tab does not read (a seek or a click would read the file again for nobody); shown
  // again, it reads the current one.
  const onScreen = usePanelShown();
  const fetched = useFetched(hasMachine && onScreen ? () => controller.readProc(path) : null, [
    path,
    version,
  ]);
  // the file of another path is not shown; the same file one operation older is, until the new one
  const shown =
    fetched.key[0] === path
      ? { path, text: fetched.error ?? fetched.data ?? '', error: fetched.error !== null }
      : null;
  return (
    <section className="panel proc-panel" aria-labelledby="proc-title">
      <div className="panel-head">
        <h2 id="proc-title">
          <label htmlFor={selectId}>/proc file</label>
        </h2>
        <select id={selectId} value={path} onChange={(e) => setPath(e.target.value)}>
          {FILES.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </div>
      {path === '/proc/buddyinfo' && (
        <pre className="proc-header" aria-hidden="true">
          {buddyinfoHeader(maxOrder + 1)}
        </pre>
      )}
      <pre
        className={shown?.error ? 'proc-text error-text' : 'proc-text'}
        data-testid="proc-text"
        data-path={shown?.path ?? ''}
        role="region"
        aria-label={`Contents of ${path}`}
        tabIndex={0}
      >
        {shown ? shown.text || '(empty: no zones exist before free_area_init)' : 'reading…'}
      </pre>
    </section>
  );
}
