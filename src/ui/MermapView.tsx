/**
 * Per-CPU mermap slices of each prepared mm: the bump pointer (next_addr), the 4 tracking slots and
 * who holds them, the reserve page, and whether a local flush is pending (mermap_put leaves stale
 * translations; the next reuse of the space flushes this CPU's TLB).
 */
import type { MermapCpuView, UnmappedInfo } from '../worker/protocol.ts';

function SliceBar({ c }: { c: MermapCpuView }) {
  const total = c.limit + 1;
  const pct = (n: number) => `${(n / total) * 100}%`;
  return (
    <div className="mermap-bar" aria-hidden="true">
      {c.slots.map((s, i) =>
        s.inUse ? (
          <span
            key={i}
            className={s.holder === 'kernel_init_pages' ? 'seg kinit' : 'seg held'}
            style={{ left: pct(s.base), width: pct(s.end - s.base) }}
          >
            {i}
          </span>
        ) : null,
      )}
      <span className="next" style={{ left: pct(c.next) }} />
      <span
        className={c.reserveInUse ? 'seg reserve busy' : 'seg reserve'}
        style={{ left: pct(c.limit), width: pct(1) }}
      />
    </div>
  );
}

export function MermapView({ info }: { info: UnmappedInfo }) {
  if (!info.mermaps.length)
    return (
      <p className="muted" data-testid="mermap-empty">
        No mm has a mermap yet: it is prepared (mermap_mm_prepare) when an unmapped allocation first needs one
        on a CPU where a process is current. Spawn a process, then allocate with __GFP_UNMAPPED.
      </p>
    );
  return (
    <div className="mermap">
      {info.mermaps.map((mer) => (
        <table key={mer.mm} className="mermap-table" data-testid={`mermap-${mer.mm}`}>
          <caption>
            mm {mer.mm}: {(mer.cpus[0]?.limit ?? 0) + 1} pages per CPU slice, the last one kept in reserve
          </caption>
          <thead>
            <tr>
              <th scope="col">CPU</th>
              <th scope="col">slice</th>
              <th scope="col">next</th>
              <th scope="col">slots</th>
              <th scope="col">reserve</th>
              <th scope="col">flush</th>
              <th scope="col">gets (failed) / reserved / local flushes</th>
            </tr>
          </thead>
          <tbody>
            {mer.cpus.map((c) => (
              <tr key={c.cpu} data-testid={`mermap-${mer.mm}-cpu${c.cpu}`}>
                <th scope="row">{c.cpu}</th>
                <td>
                  <SliceBar c={c} />
                </td>
                <td>
                  {c.next}/{c.limit}
                </td>
                <td className="slots">
                  {c.slots.map((s, i) => (
                    <span key={i} className={s.inUse ? 'slot used' : 'slot'}>
                      {i}: {s.inUse ? `[${s.base}, ${s.end}) ${s.holder}` : 'free'}
                    </span>
                  ))}
                </td>
                <td>{c.reserveInUse ? 'in use' : 'free'}</td>
                <td>{c.needFlush ? 'pending' : '—'}</td>
                <td>
                  {c.gets} ({c.getFailures}) / {c.reservedGets} / {c.localFlushes}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}
