/**
 * The buddy allocator's free lists: per zone a table of free_area[order].free_list[freetype] counts
 * (the numbers /proc/pagetypeinfo prints), a cell per list; choosing a cell lists that list's first
 * blocks, each a button that selects the block everywhere (linked views). Below, each CPU's pcp
 * lists. The lists come from the worker (`freeLists`) after every operation while the view is open;
 * only counts and the first few blocks of each list cross, so a 16 GiB machine costs the same.
 */
import { useState } from 'react';
import type { FreeListInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { hex } from './format.ts';
import { usePanelShown } from './panel_shown.ts';
import { useFetched } from './use_fetched.ts';
import './inspector.css';

interface Chosen {
  zone: string;
  /** null for a buddy list, else the CPU of a pcp list */
  cpu: number | null;
  order: number;
  freetype: string;
}

function sameList(a: Chosen | null, zone: string, cpu: number | null, l: FreeListInfo): boolean {
  return !!a && a.zone === zone && a.cpu === cpu && a.order === l.order && a.freetype === l.freetype;
}

export function FreeListView() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const booted = useAppState((s) => s.machine?.booted ?? false);
  const selectedBlock = useAppState((s) => s.selectedBlock);
  const [open, setOpen] = useState(true);
  const [chosen, setChosen] = useState<Chosen | null>(null);

  // Read while on screen (and afresh when its tab is opened), not after every click behind another tab.
  const shown = usePanelShown();
  const fetched = useFetched(open && shown ? () => controller.freeLists() : null, [version]);
  const zones = fetched.data?.zones ?? null;
  const error = fetched.error;

  const pick = (pfn: number, order: number) => {
    controller.frameGrid?.focusPfn(pfn, 12);
    controller.select(pfn, { pfn, order });
  };
  const isSelected = (pfn: number) => selectedBlock?.pfn === pfn;

  const blocks = (zone: string, cpu: number | null, l: FreeListInfo) => (
    <div className="freelist-blocks" data-testid="freelist-blocks">
      <span className="muted">
        {cpu === null
          ? `${zone} free_area[${l.order}].free_list[${l.freetype}]`
          : `CPU ${cpu} ${zone} pcp ${l.freetype} order ${l.order}`}
        : {l.count} block{l.count === 1 ? '' : 's'}
        {l.count > l.first.length ? `, the first ${l.first.length}` : ''}:
      </span>{' '}
      {l.first.map((pfn) => (
        <button
          key={pfn}
          type="button"
          className={`block-button${isSelected(pfn) ? ' selected' : ''}`}
          aria-pressed={isSelected(pfn)}
          data-pfn={pfn}
          onClick={() => pick(pfn, l.order)}
        >
          {hex(pfn)}
        </button>
      ))}
    </div>
  );

  return (
    <section className="panel freelists" aria-labelledby="freelists-title" data-testid="freelists">
      <div className="panel-head">
        <h2 id="freelists-title">Free lists</h2>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Show'}
        </button>
      </div>
      {open && !booted && (
        <p className="muted">The free lists exist once boot has freed memory to the buddy allocator.</p>
      )}
      {open && error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {open &&
        booted &&
        zones?.map((z) => {
          const orders = z.nrFree.map((_, o) => o);
          const types = [...new Set(z.lists.map((l) => l.freetype))];
          const chosenHere =
            chosen?.zone === z.zone && chosen.cpu === null
              ? z.lists.find((l) => sameList(chosen, z.zone, null, l))
              : undefined;
          const pcpLists = z.pcp.flatMap((c) => c.lists.filter((l) => l.count > 0).map((l) => ({ c, l })));
          return (
            <div key={z.zone} className="freelist-zone">
              <h3 className="sub-title">
                Zone {z.zone}{' '}
                <span className="muted">
                  (pfn {hex(z.startPfn)}–{hex(z.endPfn)})
                </span>
              </h3>
              <div className="freelist-scroll">
                <table
                  className="freelist-table"
                  aria-label={`Free blocks per order and freetype, zone ${z.zone}`}
                >
                  <thead>
                    <tr>
                      <th scope="col">freetype \ order</th>
                      {orders.map((o) => (
                        <th key={o} scope="col">
                          {o}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {types.map((t) => (
                      <tr key={t}>
                        <th scope="row">{t}</th>
                        {orders.map((o) => {
                          const l = z.lists.find((x) => x.order === o && x.freetype === t)!;
                          const holdsSelection = l.first.some(isSelected);
                          return (
                            <td key={o} className={holdsSelection ? 'holds-selection' : undefined}>
                              {l.count === 0 ? (
                                <span className="muted">0</span>
                              ) : (
                                <button
                                  type="button"
                                  className="count-button"
                                  aria-pressed={sameList(chosen, z.zone, null, l)}
                                  aria-label={`${l.count} free blocks of order ${o}, ${t}, zone ${z.zone}: list them`}
                                  onClick={() =>
                                    setChosen({ zone: z.zone, cpu: null, order: o, freetype: t })
                                  }
                                >
                                  {l.count}
                                </button>
                              )}
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                    <tr className="freelist-total">
                      <th scope="row">nr_free</th>
                      {z.nrFree.map((n, o) => (
                        <td key={o}>{n}</td>
                      ))}
                    </tr>
                  </tbody>
                </table>
              </div>
              {chosenHere && blocks(z.zone, null, chosenHere)}
              <h4 className="sub-title">Per-CPU lists</h4>
              <ul className="pcp-list">
                {z.pcp.map((c) => (
                  <li key={c.cpu}>
                    CPU {c.cpu}: {c.count} pages (high {c.high}, batch {c.batch})
                  </li>
                ))}
              </ul>
              {pcpLists.map(({ c, l }) => (
                <div key={`${c.cpu}:${l.pindex}`}>{blocks(z.zone, c.cpu, l)}</div>
              ))}
            </div>
          );
        })}
      {open && booted && (
        <p className="hint muted">
          Counts are the exact list lengths (/proc/pagetypeinfo prints &quot;&gt;100000&quot; past that);
          nr_free counts blocks of each order on all freetypes, as /proc/buddyinfo. Click a count to list its
          blocks; click a block to select it on the frame grid.
        </p>
      )}
    </section>
  );
}
