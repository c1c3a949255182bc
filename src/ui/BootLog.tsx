/** The kernel log (dmesg): every printk line since boot, in a collapsible panel. */
import { useAppState } from './context.ts';

export function BootLog() {
  const log = useAppState((s) => s.log);
  return (
    <details className="panel boot-log">
      <summary>
        <h2>Kernel log (dmesg)</h2> <span className="muted">{log.length} lines</span>
      </summary>
      <pre tabIndex={0} role="region" aria-label="Kernel log">
        {log.join('\n')}
      </pre>
    </details>
  );
}
