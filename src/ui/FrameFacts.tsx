/**
 * The inspector's facts about a frame beyond struct page: /proc/kpageflags decoded bit by bit,
 * /proc/kpagecount, its buddy block or folio and the free list that holds it, its pageblock and
 * zone, and who maps it (the reverse map across processes).
 */
import type { FrameInspectionReply } from '../worker/protocol.ts';
import { useController } from './context.ts';
import { hex } from './format.ts';

/** What each KPF bit the emulator can set means, for the hover title. */
const KPF_HINTS: Record<string, string> = {
  KPF_LOCKED: 'page is being locked for exclusive access',
  KPF_REFERENCED: 'page has been referenced since last LRU list enqueue/requeue',
  KPF_UPTODATE: 'page has up-to-date data',
  KPF_DIRTY: 'page has been written to, hence contains new data',
  KPF_LRU: 'page is in one of the LRU lists',
  KPF_ACTIVE: 'page is in the active LRU list',
  KPF_BUDDY: 'a free memory block managed by the buddy allocator (only its first page says so)',
  KPF_MMAP: 'a memory mapped page',
  KPF_ANON: 'a memory mapped page that is not part of a file',
  KPF_SWAPBACKED: 'page is backed by swap/RAM',
  KPF_COMPOUND_HEAD: 'the first page of a compound page (folio)',
  KPF_COMPOUND_TAIL: 'a page of a compound page other than the first',
  KPF_NOPAGE: 'no page frame exists at the requested address',
  KPF_THP: 'a page of a transparent huge page (or the huge zero folio)',
  KPF_ZERO_PAGE: 'the zero page (or the huge zero folio)',
  KPF_PGTABLE: 'a page used as a page table',
  KPF_RESERVED: 'PG_reserved: never given to the buddy allocator (memblock reserved it)',
  KPF_OWNER_2: 'PG_owner_2; on an anonymous folio this is PG_anon_exclusive',
};

export function FrameFacts({ insp }: { insp: FrameInspectionReply }) {
  const controller = useController();
  const show = (pfn: number, block?: { pfn: number; order: number }) => {
    controller.frameGrid?.focusPfn(pfn, 12);
    controller.select(pfn, block);
  };
  const b = insp.block;
  return (
    <>
      <h3 className="sub-title">/proc/kpageflags</h3>
      <p className="mono" data-testid="kpageflags">
        {insp.kpageflags}
      </p>
      <ul className="kpf-list" aria-label="Flags set in kpageflags">
        {insp.kpageflagNames.length === 0 && <li className="muted">no flags set</li>}
        {insp.kpageflagNames.map((f) => (
          <li key={f.bit}>
            <abbr className="bit" title={KPF_HINTS[f.name] ?? f.name}>
              {f.name}
            </abbr>{' '}
            <span className="muted">bit {f.bit}</span>
          </li>
        ))}
      </ul>
      <dl className="page-fields">
        <div className="field">
          <dt>kpagecount</dt>
          <dd data-testid="kpagecount">{insp.kpagecount}</dd>
        </div>
        <div className="field">
          <dt>block</dt>
          <dd data-testid="frame-block">
            {b === null ? (
              '—'
            ) : b.kind === 'free' ? (
              <>
                free, order {b.order} at pfn {hex(b.headPfn)} ({2 ** b.order} pages) on{' '}
                {b.list
                  ? b.list.cpu === null
                    ? `zone ${b.list.zone} free_area[${b.list.order}].free_list[${b.list.freetype}], position ${b.list.position}`
                    : `CPU ${b.list.cpu}'s pcp list (zone ${b.list.zone}, order ${b.list.order}, ${b.list.freetype}), position ${b.list.position}`
                  : b.where === 'pcp'
                    ? 'a per-CPU list'
                    : 'a buddy free list'}
              </>
            ) : (
              <>
                allocated, {b.compound ? `compound (folio) of order ${b.order}, head` : `order ${b.order} at`}{' '}
                pfn {hex(b.headPfn)}
              </>
            )}
            {b && b.headPfn !== insp.pfn && (
              <>
                {' '}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => show(b.headPfn, { pfn: b.headPfn, order: b.order })}
                >
                  Select its head
                </button>
              </>
            )}
          </dd>
        </div>
        <div className="field">
          <dt>pageblock</dt>
          <dd>
            #{insp.pageblock.index} at pfn {hex(insp.pageblock.pfn)}, {insp.pageblock.migratetype}
          </dd>
        </div>
        <div className="field">
          <dt>zone</dt>
          <dd>{insp.page.zone ?? '— (no zone)'}</dd>
        </div>
        {insp.pageCache && (
          <div className="field">
            <dt>page cache</dt>
            <dd data-testid="frame-page-cache">
              {insp.pageCache.path}, index {insp.pageCache.index} (bytes{' '}
              {hex(insp.pageCache.index * insp.pageSize)}–
              {hex((insp.pageCache.index + 1) * insp.pageSize - 1)})
              {insp.pageCache.dirty ? ', dirty: not yet written back' : ''}
            </dd>
          </div>
        )}
      </dl>
      <h3 className="sub-title">Mapped by</h3>
      {insp.rmap.length === 0 ? (
        <p className="muted" data-testid="rmap-empty">
          No process maps this frame.
        </p>
      ) : (
        // The zero page can be mapped hundreds of times: the list scrolls in a box of its own
        // instead of making the page thousands of pixels tall.
        <div className="rmap-scroll" tabIndex={0} role="region" aria-label="Mappings of this frame">
          <table className="walk rmap" aria-label={`Processes that map pfn ${insp.pfn}`} data-testid="rmap">
            <thead>
              <tr>
                <th scope="col">pid</th>
                <th scope="col">comm</th>
                <th scope="col">address</th>
                <th scope="col">VMA</th>
                <th scope="col">by</th>
              </tr>
            </thead>
            <tbody>
              {insp.rmap.map((r) => (
                <tr key={`${r.pid}:${r.va}`}>
                  <td>{r.pid}</td>
                  <td>{r.comm}</td>
                  <td className="mono">{hex(r.va)}</td>
                  <td>{r.vma || '[anon]'}</td>
                  <td>
                    {r.via}
                    {r.writable ? '' : ' (read-only)'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {insp.rmapTotal > insp.rmap.length && (
        <p className="muted" data-testid="rmap-more">
          {insp.rmapComplete
            ? `…and ${insp.rmapTotal - insp.rmap.length} more mappings (${insp.rmapTotal} in all).`
            : `…and more: the first ${insp.rmap.length} are listed (the zero page's mappings are not counted anywhere, so the search stopped there).`}
        </p>
      )}
      <p className="hint muted">
        The kernel finds these through the folio's anon_vma; the emulator walks every process's page tables,
        which finds the same mappings (and the zero page's, which the kernel's rmap does not track).
      </p>
    </>
  );
}
