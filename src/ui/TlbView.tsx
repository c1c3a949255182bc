/**
 * One CPU's TLB (x86-64 with PCIDs): IRQ state, the loaded mm and its PCID, the six dynamic ASID
 * slots, and every entry tagged `global` or with its PCID. A non-global entry whose PCID is not the
 * loaded one is kept but cannot match until that address space is loaded again: switching to
 * another process keeps global entries usable and parks the others.
 */
import { useId, useState } from 'react';
import type { CpuView, UnmappedInfo } from '../worker/protocol.ts';
import { hex } from './format.ts';

function usable(c: CpuView, e: CpuView['entries'][number]): boolean {
  return e.global || e.pcid === c.pcid;
}

export function TlbView({ info }: { info: UnmappedInfo }) {
  const [pick, setPick] = useState<number | null>(null);
  const selectId = useId();
  if (!info.cpus.length) return <p className="muted">The TLB model follows x86-64; this machine has none.</p>;
  const cpu = Math.min(pick ?? info.curCpu, info.cpus.length - 1);
  const c = info.cpus[cpu]!;
  const parked = c.entries.filter((e) => !usable(c, e)).length;
  return (
    <div className="tlb-view">
      <div className="inline-form">
        <label htmlFor={selectId}>TLB of CPU</label>
        <select id={selectId} value={cpu} onChange={(e) => setPick(Number(e.target.value))}>
          {info.cpus.map((x) => (
            <option key={x.cpu} value={x.cpu}>
              {x.cpu}
            </option>
          ))}
        </select>
      </div>
      <p data-testid="tlb-summary">
        CPU {c.cpu}: IRQs {c.irqsOn ? 'on' : 'off'}, mm {c.mm ?? 'init_mm'}
        {info.pcid ? `, PCID ${c.pcid}` : ' (pcid=no)'}, {c.entries.length}/{c.tlbSize} entries
        {parked ? `, ${parked} tagged with another PCID (kept, not usable until it is loaded again)` : ''}
      </p>
      {info.pcid && (
        <p className="muted">
          ASID slots (pcid:mm): {c.asids.map((a, i) => `${i + 1}:${a ?? '-'}`).join(' ')}
        </p>
      )}
      <div className="tlb-scroll" role="region" aria-label={`TLB entries of CPU ${c.cpu}`} tabIndex={0}>
        <table className="tlb-table" data-testid="tlb-table">
          <thead>
            <tr>
              <th scope="col">virtual page</th>
              <th scope="col">size</th>
              <th scope="col">pfn</th>
              <th scope="col">rw</th>
              <th scope="col">tag</th>
              <th scope="col">what</th>
            </tr>
          </thead>
          <tbody>
            {c.entries.map((e, i) => (
              <tr key={i} className={usable(c, e) ? undefined : 'parked'}>
                <td className="mono">{e.va}</td>
                <td>{e.size}</td>
                <td className="mono">{hex(e.pfn)}</td>
                <td>{e.writable ? 'rw' : 'ro'}</td>
                <td>{e.global ? 'global' : `pcid ${e.pcid}`}</td>
                <td>{e.kind}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">
        Direct-map entries are global (_PAGE_GLOBAL): they survive every address-space switch and go only with
        a full flush. User and mermap entries are non-global, tagged with the PCID that was loaded; the
        mermap's PTEs must be non-global (PAGE_KERNEL_NOGLOBAL) because its page tables belong to one mm. To
        watch an address-space switch, have another process read or write a page on this CPU (the Processes
        panel, or a scenario line such as <code>B read r1 0 4K 4K</code>): the global entries stay usable, and
        the previous process's entries{' '}
        {info.pcid ? 'stay, tagged with its PCID, parked' : 'are dropped (pcid=no)'}.
      </p>
    </div>
  );
}
