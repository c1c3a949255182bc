/** The kernel log (dmesg): every printk line since boot, in its own dock tab. */
import { useAppState } from './context.ts';

export function BootLog() {
  const log = useAppState((s) => s.log);
  return (
    <section className="panel boot-log" aria-labelledby="bootlog-title">
      <div className="panel-head">
        <h2 id="bootlog-title">Kernel log (dmesg)</h2> <span className="muted">{log.length} lines</span>
      </div>
      <pre tabIndex={0} role="region" aria-label="Kernel log">
        {log.join('\n')}
      </pre>
    </section>
  );
}
