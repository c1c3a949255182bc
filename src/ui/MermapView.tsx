/**
 * Per-CPU mermap slices of each prepared mm: the bump pointer (next_addr), the 4 tracking slots and
 * who holds them, the headroom page (the last page, which only mermap_get_reserved may use), and whether a local flush is pending (mermap_put leaves stale
 * translations; the next reuse of the space flushes this CPU's TLB), and where the slice's PTE table
 * lies: a page of the mm's own page tables in emulated RAM (the frame inspector shows its entries).
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
        className={c.headroomInUse ? 'seg reserve busy' : 'seg reserve'}
        style={{ left: pct(c.limit), width: pct(1) }}
      />
    </div>
  );
}

export function MermapView({ info }: { info: UnmappedInfo }) {
  if (!info.mermaps.length)
    return (
      <p className="muted" data-testid="mermap-empty">
        No mm has a mermap yet. v2 prepares one only where a caller asks (mermap_mm_prepare); here `spawn`
        does it for the new process, which becomes current on its CPU. Spawn a process, then allocate with
        __GFP_UNMAPPED.
      </p>
    );
  return (
    <div className="mermap">
      {info.mermaps.map((mer) => (
        <table key={mer.mm} className="mermap-table" data-testid={`mermap-${mer.mm}`}>
          <caption>
            mm {mer.mm}: {(mer.cpus[0]?.limit ?? 0) + 1} pages per CPU slice; mermap_get leaves the last one
            free as headroom for mermap_get_reserved
          </caption>
          <thead>
            <tr>
              <th scope="col">CPU</th>
              <th scope="col">slice</th>
              <th scope="col">next</th>
              <th scope="col">slots</th>
              <th scope="col">headroom</th>
              <th scope="col">flush</th>
              <th scope="col">gets (failed) / reserved (failed) / local flushes</th>
            </tr>
          </thead>
          <tbody>
            {mer.cpus.map((c) => (
              <tr key={c.cpu} data-testid={`mermap-${mer.mm}-cpu${c.cpu}`}>
                <th scope="row">{c.cpu}</th>
                <td>
                  <SliceBar c={c} />
                  <span className="muted" data-testid={`mermap-${mer.mm}-cpu${c.cpu}-pte`}>
                    {c.base}: PTE table at pfn 0x{c.ptePfn.toString(16)}
                  </span>
                </td>
                <td>
                  {c.next}/{c.limit + 1}
                </td>
                <td className="slots">
                  {c.slots.map((s, i) => (
                    <span key={i} className={s.inUse ? 'slot used' : 'slot'}>
                      {i}: {s.inUse ? `[${s.base}, ${s.end}) ${s.holder}` : 'free'}
                    </span>
                  ))}
                </td>
                <td>{c.headroomInUse ? 'in use' : 'free'}</td>
                <td>{c.needFlush ? 'pending' : '—'}</td>
                <td>
                  {c.gets} ({c.getFailures}) / {c.reservedGets} ({c.reservedFailures}) / {c.localFlushes}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}
