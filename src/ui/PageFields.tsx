/** struct page fields of one frame (src/core/inspect.ts PageInfo), as a definition list. */
import type { PageInfo } from '../worker/protocol.ts';
import { hex } from './format.ts';

export function PageFields({ info }: { info: PageInfo }) {
  const rows: [string, string][] = [
    ['zone', info.zone ?? '— (no zone)'],
    ['flags', info.flags.length ? info.flags.map((f) => `PG_${f}`).join(' ') : '—'],
    ['_refcount', String(info.refcount)],
    ['_mapcount', `${info.mapcount}${info.mapcount === -1 ? ' (unmapped)' : ''}`],
    ['order', info.order === null ? '—' : String(info.order)],
    ['owner', info.owner],
    ['pageblock', `${info.pageblock.migratetype} (pfn ${hex(info.pageblock.pfn)})`],
    [
      'free block',
      info.freeBlock
        ? `order ${info.freeBlock.order} at pfn ${hex(info.freeBlock.pfn)} (${info.freeBlock.where === 'pcp' ? 'per-CPU list' : 'buddy free list'})`
        : '—',
    ],
  ];
  return (
    <dl className="page-fields">
      {rows.map(([k, v]) => (
        <div key={k} className="field">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
