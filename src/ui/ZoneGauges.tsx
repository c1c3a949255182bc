/**
 * Memory pressure, per zone: the free pages (NR_FREE_PAGES) as a bar against the zone's min, low
 * and high watermarks, and the zone's LRU list sizes (nr_zone_active_anon, ...). The bar's scale is
 * a few times the high watermark, not the zone's size: on a 1 GiB machine the watermarks are a few
 * per cent of the zone, and a learner must see free pages cross them. kswapd's state beside them:
 * the model runs it at the end of the allocation that woke it, so between operations it sleeps,
 * and what it did last (runs, pages scanned and reclaimed) is what there is to show.
 */
import { memo } from 'react';
import type { KswapdState, ZonePressure } from '../worker/protocol.ts';
import { count } from './format.ts';

/** The bar spans [0, SCALE × high]; more free pages than that fill it (the figure says how many). */
const SCALE = 4;

const LRU_ROWS: [keyof ZonePressure['lru'], string][] = [
  ['active_anon', 'nr_zone_active_anon'],
  ['inactive_anon', 'nr_zone_inactive_anon'],
  ['active_file', 'nr_zone_active_file'],
  ['inactive_file', 'nr_zone_inactive_file'],
  ['unevictable', 'nr_zone_unevictable'],
];

/** Where free pages stand: what the allocator and kswapd do at that level. */
export function pressureLevel(z: ZonePressure): { level: string; why: string } {
  if (z.free < z.min) return { level: 'below min', why: 'allocations must reclaim directly' };
  if (z.free < z.low) return { level: 'below low', why: 'an allocation wakes kswapd' };
  if (z.free < z.high) return { level: 'below high', why: 'kswapd, once woken, keeps reclaiming' };
  return { level: 'above high', why: 'kswapd goes back to sleep' };
}

export const ZoneGauges = memo(function ZoneGauges({
  zones,
  kswapd,
}: {
  zones: ZonePressure[];
  kswapd: KswapdState;
}) {
  return (
    <div className="zone-gauges" data-testid="zone-gauges">
      <h3 className="sub-title">
        Memory pressure{' '}
        <span className="muted">
          kswapd:{' '}
          <span
            data-testid="kswapd-state"
            title="kswapd sleeps until an allocation finds a zone below its low watermark, then reclaims until the zone is above high (balance_pgdat); the model runs it at the end of that allocation"
          >
            {kswapd.state}
          </span>
          {kswapd.runs > 0 && (
            <span data-testid="kswapd-last">
              {' '}
              · {count(kswapd.runs)} run{kswapd.runs === 1 ? '' : 's'}
              {kswapd.last &&
                `; last: ${count(kswapd.last.scanned)} scanned, ${count(kswapd.last.reclaimed)} reclaimed${kswapd.last.balanced ? ', balanced' : ''}`}
            </span>
          )}
        </span>
      </h3>
      {zones.map((z) => {
        const top = Math.max(1, SCALE * z.high);
        const pct = (v: number) => `${Math.min(100, (100 * v) / top).toFixed(2)}%`;
        const { level, why } = pressureLevel(z);
        return (
          <div key={z.name} className="zone-gauge" data-testid={`zone-${z.name}`}>
            <div className="zone-gauge-head">
              <strong>{z.name}</strong> <span data-testid="zone-free">{count(z.free)}</span> free pages of{' '}
              {count(z.managed)} ·{' '}
              <span className={`zone-level zone-${level.replace(' ', '-')}`}>{level}</span>{' '}
              <span className="muted">({why})</span>
            </div>
            <div
              className="zone-bar"
              role="meter"
              aria-label={`${z.name} free pages against the watermarks`}
              aria-valuemin={0}
              aria-valuemax={top}
              aria-valuenow={Math.min(z.free, top)}
              aria-valuetext={`${z.free} free; min ${z.min}, low ${z.low}, high ${z.high}`}
            >
              <div className="zone-bar-free" style={{ width: pct(z.free) }} />
              {(
                [
                  ['min', z.min],
                  ['low', z.low],
                  ['high', z.high],
                ] as const
              ).map(([name, v]) => (
                <div
                  key={name}
                  className={`zone-mark zone-mark-${name}`}
                  style={{ left: pct(v) }}
                  title={`${name}: ${v} pages`}
                />
              ))}
            </div>
            <div className="zone-wmarks muted">
              watermarks (the bar spans {SCALE}× high):{' '}
              {(
                [
                  ['min', z.min],
                  ['low', z.low],
                  ['high', z.high],
                ] as const
              ).map(([name, v]) => (
                <span key={name} className={`zone-wmark zone-wmark-${name}`}>
                  {name} {count(v)}
                </span>
              ))}
            </div>
            <table className="zone-lru" aria-label={`${z.name} LRU lists (pages)`}>
              <tbody>
                <tr>
                  {LRU_ROWS.map(([k, name]) => (
                    <td key={k} title={`${name} (/proc/zoneinfo)`}>
                      <span className="muted">{k.replace('_', ' ')}</span>{' '}
                      <span data-testid={`lru-${k}`}>{count(z.lru[k])}</span>
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
        );
      })}
    </div>
  );
});
