/**
 * The node's LRU lists as reclaim sees them (issue #15): for each list (enum lru_list: inactive and
 * active anon, inactive and active file, unevictable) its size in pages and a row of cells, the
 * oldest folios on the left (the tail: shrink_inactive_list and shrink_active_list isolate these
 * next) and the newest on the right (the head: lru_add puts new folios there). A cell is a folio:
 * a button that selects its head frame, as the swap cache's buttons do. A dot marks PG_referenced,
 * the first half of the second chance: young again on the next scan, the folio is activated.
 *
 * Only the ends travel (describeLruEnds, a few folios each), so the row costs the same on a 16 GiB
 * machine; the size is the lruvec's counter. When a list is shorter than both ends together, its
 * folios are shown once, in order.
 */
import { memo } from 'react';
import type { LruFolio, LruListEnds } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { count, hex } from './format.ts';
import './lru.css';

const LIST_NAMES: Record<LruListEnds['lru'], string> = {
  inactive_anon: 'inactive anon',
  active_anon: 'active anon',
  inactive_file: 'inactive file',
  active_file: 'active file',
  unevictable: 'unevictable',
};

/** The list in order from tail to head: the oldest, a gap if the middle is not shown, the newest. */
export function tailToHead(l: LruListEnds): { before: LruFolio[]; gap: boolean; after: LruFolio[] } {
  const n = Math.max(l.oldest.length, l.newest.length);
  // a list that did not fill one end is whole in `oldest`
  if (l.oldest.length < n || l.newest.length < n || l.oldest.length === 0)
    return { before: l.oldest, gap: false, after: [] };
  const seen = new Set(l.oldest.map((f) => f.pfn));
  const after = [...l.newest].reverse().filter((f) => !seen.has(f.pfn));
  return { before: l.oldest, gap: after.length === l.newest.length, after };
}

export const LruLists = memo(function LruLists({ lists }: { lists: LruListEnds[] }) {
  const controller = useController();
  const selection = useAppState((s) => s.selection);
  const cell = (l: LruListEnds, f: LruFolio, where: string) => (
    <button
      key={f.pfn}
      type="button"
      className={`lru-cell lru-${l.lru}${f.referenced ? ' lru-ref' : ''}${selection === f.pfn ? ' selected' : ''}`}
      aria-label={`${LIST_NAMES[l.lru]} folio at pfn ${hex(f.pfn)}, ${where}${f.referenced ? ', PG_referenced' : ''}`}
      title={`pfn ${hex(f.pfn)} · ${where}${f.referenced ? ' · PG_referenced: referenced once, activated if young again' : ''}`}
      data-pfn={f.pfn}
      onClick={() => {
        controller.frameGrid?.focusPfn(f.pfn, 16);
        controller.select(f.pfn);
      }}
    />
  );
  return (
    <div className="lru-lists" data-testid="lru-lists">
      <h3 className="sub-title">
        LRU lists <span className="muted">(node 0, pages)</span>
      </h3>
      <p className="lru-ends muted">
        <span>← tail: oldest, reclaim scans here</span>
        <span>head: newest →</span>
      </p>
      <ul className="lru-rows">
        {lists.map((l) => {
          const { before, gap, after } = tailToHead(l);
          return (
            <li key={l.lru} className="lru-row" data-testid={`lru-list-${l.lru}`}>
              <span className="lru-name" title={`nr_${l.lru} (/proc/vmstat)`}>
                {LIST_NAMES[l.lru]}
              </span>
              <span className="lru-pages" data-testid="lru-pages">
                {count(l.pages)}
              </span>
              <span className="lru-cells">
                {before.length === 0 && <span className="muted">empty</span>}
                {before.map((f, i) =>
                  cell(l, f, i === 0 ? 'the oldest (tail)' : `number ${i + 1} from the tail`),
                )}
                {gap && (
                  <span className="lru-gap" aria-hidden="true">
                    …
                  </span>
                )}
                {after.map((f, i) =>
                  cell(
                    l,
                    f,
                    i === after.length - 1 ? 'the newest (head)' : `number ${after.length - i} from the head`,
                  ),
                )}
              </span>
            </li>
          );
        })}
      </ul>
      <p className="lru-legend muted">
        <span className="lru-cell lru-ref lru-inactive_anon" aria-hidden="true" /> PG_referenced (scanned
        once; young again means activation) · click a folio to select its frame
      </p>
    </div>
  );
});
