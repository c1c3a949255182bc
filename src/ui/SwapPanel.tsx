/**
 * The Swap panel: each swap device's slots as a grid coloured by slot class (free, swap PTEs and
 * written, swap PTEs and zero-filled, in the swap cache), its zeromap bitmap beside it on the same
 * layout, the swap cache (which folio stands for which entry), and the counters a learner checks
 * after MADV_PAGEOUT and after reading back (SwapTotal/SwapFree/SwapCached, pswpout/pswpin,
 * swpout_zero/swpin_zero, pgmajfault). A click on a slot asks the worker for that slot alone
 * (`swapSlot`: its swap PTEs are found by walking page tables).
 *
 * Memory pressure lives here too, under the devices: each zone's free pages against its min/low/high
 * watermarks and its LRU list sizes, and the node's LRU lists with the folios at each end (LruLists).
 * Reclaim is what fills swap: a learner who presses MADV_PAGEOUT
 * or watches kswapd wants to see the slots fill, the inactive list shrink and the free pages climb
 * back over the watermarks in one place, not on two tabs. (A separate panel would fit better once
 * reclaim runs without swap, for file pages; then this section moves with its component.)
 *
 * Data: `swapInfo` (src/core/inspect_swap.ts) after every operation, only while the tab is shown
 * (usePanelShown); slots are run-length encoded, so a free 16 GiB device costs one run.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { SLOT_CLASS_NAMES, SlotClass } from '../core/shared/swap_slot.ts';
import type { SwapDeviceInfo, SwapInfoDescription, SwapSlotInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { count, hex } from './format.ts';
import { usePanelShown } from './panel_shown.ts';
import {
  SLOT_COLORS,
  ZEROMAP_CLEAR,
  ZEROMAP_SET,
  cellAt,
  cellClasses,
  cellZeromap,
  paintCells,
  slotClassAt,
  slotLayout,
  slotsByClass,
  zeromapAt,
  zeromapCount,
  type SlotLayout,
} from './swap_slots_draw.ts';
import { useFetched } from './use_fetched.ts';
import { LruLists } from './LruLists.tsx';
import { ZoneGauges } from './ZoneGauges.tsx';
import './swap.css';

const SWAPON_SIZES = ['16M', '64M', '256M', '1G', '4G', '16G'];
/** The slot grid's box (CSS pixels); the zeromap grid beside it has the same. */
const GRID_WIDTH = 240;
const GRID_MAX_HEIGHT = 200;

export function SwapPanel() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const booted = useAppState((s) => s.machine?.booted ?? false);
  const shown = usePanelShown();
  const fetched = useFetched(
    booted && shown ? () => controller.client.swapInfo().then((r) => r.info) : null,
    [version],
  );
  const info = fetched.data;
  return (
    <section className="panel swap-panel" aria-labelledby="swap-title" data-testid="swap-panel">
      <div className="panel-head">
        <h2 id="swap-title">Swap</h2>
      </div>
      {!booted ? (
        <p className="muted">Boot the machine first: swap areas are added to a running kernel.</p>
      ) : fetched.error ? (
        <p className="error">{fetched.error}</p>
      ) : !info ? (
        <p className="muted">reading…</p>
      ) : (
        <div className="swap-body">
          <div className="swap-main">
            {info.devices.length === 0 && (
              <p className="muted" data-testid="swap-none">
                No swap area: MADV_PAGEOUT finds no slot and puts every page back on the active list.
                {info.supported ? ' Add one:' : ' Swap entries are modelled on x86-64 and arm64 only.'}
              </p>
            )}
            {info.supported && info.devices.length === 0 && <SwaponForm first />}
            {info.devices.map((d) => (
              <SwapDevice key={d.type} device={d} version={version} />
            ))}
            {info.devices.length > 0 && (
              <p className="muted swap-how">
                To swap pages out: select a run of pages in the process view (shift-click), then the range
                bar&apos;s <em>more…</em> → <code>pageout</code> (MADV_PAGEOUT) or <code>cold</code>{' '}
                (MADV_COLD: only to the inactive list).
              </p>
            )}
            {info.supported && info.devices.length > 0 && <SwaponForm first={false} />}
          </div>
          <div className="swap-side">
            <SwapCounters info={info} />
            {info.devices.length > 0 && <SwapCache info={info} />}
            <ZoneGauges zones={info.zones} kswapd={info.kswapd} />
            <LruLists lists={info.lru} />
            {(info.ksm.mms > 0 || info.ksm.fullScans > 0) && <KsmTrees ksm={info.ksm} />}
          </div>
        </div>
      )}
    </section>
  );
}

/** The swap lines of /proc/meminfo and /proc/vmstat the lesson reads. */
const SwapCounters = memo(function SwapCounters({ info }: { info: SwapInfoDescription }) {
  const m = info.meminfo;
  const v = info.vmstat;
  const rows: [string, string, string][] = [
    ['SwapTotal', `${count(m.SwapTotal)} kB`, '/proc/meminfo'],
    ['SwapFree', `${count(m.SwapFree)} kB`, '/proc/meminfo'],
    ['SwapCached', `${count(m.SwapCached)} kB`, '/proc/meminfo: folios in the swap cache'],
    ['pswpout', count(v.pswpout), '/proc/vmstat: pages written to swap'],
    ['swpout_zero', count(v.swpout_zero), '/proc/vmstat: zero-filled pages swapped out without a write'],
    ['pswpin', count(v.pswpin), '/proc/vmstat: pages read from swap'],
    ['swpin_zero', count(v.swpin_zero), '/proc/vmstat: zeromap pages swapped in without a read'],
    ['pgmajfault', count(v.pgmajfault), '/proc/vmstat: major faults'],
  ];
  // zswap's lines once it has been used (or is on): a pool in RAM in front of the device
  const z = info.zswap;
  if (z.enabled || v.zswpout)
    rows.push(
      ['zswap', z.enabled ? 'on' : 'off', '/sys/module/zswap/parameters/enabled'],
      [
        'Zswap',
        `${count(z.Zswap)} kB`,
        `/proc/meminfo: the compressed pool's memory (at most ${count(z.maxPoolKb)} kB, max_pool_percent)`,
      ],
      ['Zswapped', `${count(z.Zswapped)} kB`, '/proc/meminfo: pages stored in the pool, uncompressed'],
      ['zswpout', count(v.zswpout), '/proc/vmstat: pages stored by zswap instead of written'],
      ['zswpin', count(v.zswpin), '/proc/vmstat: pages loaded back from zswap'],
      [
        'zswpwb',
        count(v.zswpwb),
        '/proc/vmstat: pages zswap wrote back to the device when its pool was full',
      ],
    );
  return (
    <dl className="swap-counters" data-testid="swap-counters">
      {rows.map(([k, val, title]) => (
        <div key={k} title={title}>
          <dt>{k}</dt>
          <dd data-testid={`swap-${k}`}>{val}</dd>
        </div>
      ))}
    </dl>
  );
});

/** swapon: one scenario line, journalled and on the timeline like any other. */
function SwaponForm({ first }: { first: boolean }) {
  const controller = useController();
  const [size, setSize] = useState('16M');
  const [prio, setPrio] = useState('');
  const line = `swapon ${size}${prio.trim() ? ` prio=${prio.trim()}` : ''}`;
  return (
    <form
      className="swapon-form"
      data-testid="swapon-form"
      onSubmit={(e) => {
        e.preventDefault();
        void controller.run(line);
      }}
    >
      <label>
        {first ? 'swap area of' : 'another swap area of'}{' '}
        <select value={size} onChange={(e) => setSize(e.target.value)} aria-label="Swap area size">
          {SWAPON_SIZES.map((s) => (
            <option key={s} value={s}>
              {s.replace(/([MG])$/, ' $1iB')}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        prio{' '}
        <input
          className="swapon-prio"
          value={prio}
          onChange={(e) => setPrio(e.target.value)}
          placeholder="auto"
          inputMode="numeric"
          size={5}
          aria-label="Swap priority (empty: automatic)"
        />
      </label>{' '}
      <button type="submit">swapon</button> <code className="muted">{line}</code>
    </form>
  );
}

/** One device: its /proc/swaps line, the slot grid, the zeromap beside it, and the chosen slot. */
function SwapDevice({ device: d, version }: { device: SwapDeviceInfo; version: number }) {
  const controller = useController();
  const lay = useMemo(() => slotLayout(d.max, GRID_WIDTH, GRID_MAX_HEIGHT), [d.max]);
  const [hover, setHover] = useState<number | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const slot = useFetched(
    chosen !== null ? () => controller.client.swapSlot(d.type, chosen).then((r) => r.slot) : null,
    [d.type, chosen, version],
  );
  const pageKb = useAppState((s) => (s.machine?.arch.pageSize ?? 4096) / 1024);
  const kb = (pages: number) => count(pages * pageKb);
  const shownSlot = hover ?? chosen;
  return (
    <div className="swap-device" data-testid={`swap-device-${d.type}`}>
      <h3 className="sub-title">
        {d.name}{' '}
        <span className="muted">
          type {d.type} · priority {d.prio}
        </span>{' '}
        <span data-testid="swap-used">
          {count(d.inuse * pageKb)} of {count(d.pages * pageKb)} kB used
        </span>{' '}
        <span className="muted">
          ({count(d.inuse)} of {count(d.pages)} slots
          {d.zeroSlots > 0 && `, ${count(d.zeroSlots)} in the zeromap`})
        </span>
      </h3>
      <div className="swap-grids">
        <SlotGrid
          label="slots (swap_map)"
          device={d}
          lay={lay}
          kind="slots"
          hover={hover}
          chosen={chosen}
          onHover={setHover}
          onChoose={setChosen}
        />
        <SlotGrid
          label="zeromap"
          device={d}
          lay={lay}
          kind="zeromap"
          hover={hover}
          chosen={chosen}
          onHover={setHover}
          onChoose={setChosen}
        />
      </div>
      <SlotLegend device={d} />
      <p className="swap-slot-line" aria-live="polite" data-testid="swap-slot-line">
        {shownSlot === null
          ? lay.perCell > 1
            ? `${count(lay.perCell)} slots a cell (${kb(lay.perCell)} kB): a cell shows its most notable slot. Point at a cell; click it for its first slot.`
            : 'Point at a slot; click it for its swap PTEs and swap-cache folio.'
          : slotSummary(d, shownSlot, lay)}
      </p>
      {chosen !== null && slot.data && slot.fresh && <SlotDetail slot={slot.data} />}
      {chosen !== null && slot.error && <p className="error">{slot.error}</p>}
    </div>
  );
}

function slotSummary(d: SwapDeviceInfo, off: number, lay: SlotLayout): string {
  if (lay.perCell === 1)
    return `slot ${count(off)} (${hex(off)}): ${SLOT_CLASS_NAMES[slotClassAt(d, off)]} · zeromap ${zeromapAt(d, off) ? 1 : 0}`;
  // a cell of several slots: how many of each class, and how many zeromap bits
  const end = Math.min(d.max, off + lay.perCell);
  const per = slotsByClass(d, off, end);
  const parts = [...per.entries()].map(([c, n]) => `${count(n)} ${SLOT_CLASS_NAMES[c]}`);
  return `slots ${count(off)}–${count(end - 1)}: ${parts.join(', ')} · zeromap bits ${count(zeromapCount(d, off, end))}`;
}

/** One of the two canvases (slots or zeromap) on the shared layout, with a hover/selection ring. */
function SlotGrid(props: {
  label: string;
  device: SwapDeviceInfo;
  lay: SlotLayout;
  kind: 'slots' | 'zeromap';
  hover: number | null;
  chosen: number | null;
  onHover: (off: number | null) => void;
  onChoose: (off: number) => void;
}) {
  const { device: d, lay, kind } = props;
  const base = useRef<HTMLCanvasElement>(null);
  const ring = useRef<HTMLCanvasElement>(null);
  const cells = Math.ceil(d.max / lay.perCell);
  useEffect(() => {
    const c = base.current;
    if (!c) return;
    const t0 = performance.now();
    if (kind === 'slots') {
      const cls = cellClasses(d, lay);
      paintCells(c, lay, cells, (i) => SLOT_COLORS[cls[i]!] ?? null);
    } else {
      const z = cellZeromap(d, lay);
      paintCells(c, lay, cells, (i) => (z[i] ? ZEROMAP_SET : ZEROMAP_CLEAR));
    }
    c.dataset.drawMs = (performance.now() - t0).toFixed(1);
  }, [d, lay, kind, cells]);
  useEffect(() => {
    const c = ring.current;
    if (!c) return;
    c.width = lay.width + 4;
    c.height = lay.height + 4;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, c.width, c.height);
    const mark = (off: number | null, color: string) => {
      if (off === null) return;
      const cell = Math.floor(off / lay.perCell);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(
        (cell % lay.cols) * lay.cell + 1,
        Math.floor(cell / lay.cols) * lay.cell + 1,
        lay.cell + 2,
        lay.cell + 2,
      );
    };
    mark(props.hover, '#888');
    mark(props.chosen, '#d00');
  }, [props.hover, props.chosen, lay]);
  const offAt = (e: React.MouseEvent<HTMLElement>): number | null => {
    const r = base.current!.getBoundingClientRect();
    const cell = cellAt(lay, e.clientX - r.left, e.clientY - r.top);
    return cell < 0 || cell >= cells ? null : cell * lay.perCell;
  };
  const move = (delta: number) => {
    const next = Math.max(0, Math.min(d.max - 1, (props.chosen ?? 0) + delta * lay.perCell));
    props.onChoose(next);
  };
  return (
    <figure className={`swap-grid swap-grid-${kind}`}>
      <figcaption className="muted">{props.label}</figcaption>
      <div
        className="swap-grid-box"
        style={{ width: lay.width + 4, height: lay.height + 4 }}
        role="application"
        tabIndex={0}
        aria-label={`${d.name} ${props.label}: ${d.max} slots, ${lay.perCell} per cell; arrows choose a slot`}
        data-testid={`swap-${kind}-${d.type}`}
        onMouseMove={(e) => props.onHover(offAt(e))}
        onMouseLeave={() => props.onHover(null)}
        onClick={(e) => {
          const off = offAt(e);
          if (off !== null) props.onChoose(off);
        }}
        onKeyDown={(e) => {
          const step: Record<string, number> = {
            ArrowLeft: -1,
            ArrowRight: 1,
            ArrowUp: -lay.cols,
            ArrowDown: lay.cols,
          };
          const s = step[e.key];
          if (s === undefined) return;
          e.preventDefault();
          move(s);
        }}
      >
        <canvas ref={base} className="swap-canvas" data-per-cell={lay.perCell} data-cell={lay.cell} />
        <canvas ref={ring} className="swap-ring" aria-hidden="true" />
      </div>
    </figure>
  );
}

/** The slot classes present on the device, with their colours. */
function SlotLegend({ device: d }: { device: SwapDeviceInfo }) {
  const present = new Set(d.runClasses);
  const shown = [
    SlotClass.Free,
    SlotClass.Written,
    SlotClass.Zswap,
    SlotClass.Zero,
    SlotClass.Cached,
    SlotClass.CacheOnly,
    SlotClass.Bad,
  ].filter((c) => present.has(c) || c === SlotClass.Written || c === SlotClass.Zero);
  return (
    <ul className="swap-legend" aria-label="Slot states">
      {shown.map((c) => (
        <li key={c}>
          <span className="swatch" style={{ background: SLOT_COLORS[c] }} aria-hidden="true" />
          {SLOT_CLASS_NAMES[c]}
        </li>
      ))}
      <li>
        <span className="swatch" style={{ background: ZEROMAP_SET }} aria-hidden="true" />
        zeromap bit set (slot reads back as zeros)
      </li>
    </ul>
  );
}

/** The chosen slot: its swap_map byte decoded, zeromap bit, swap-cache folio, and swap PTEs. */
function SlotDetail({ slot: s }: { slot: SwapSlotInfo }) {
  const pageKb = useAppState((st) => (st.machine?.arch.pageSize ?? 4096) / 1024);
  const controller = useController();
  return (
    <div className="swap-slot-detail" data-testid="swap-slot-detail">
      <p>
        <strong>
          slot {s.offset} of type {s.type}
        </strong>{' '}
        · swap_map {hex(s.map)}: {s.count} swap PTE{s.count === 1 ? '' : 's'}
        {s.hasCache && ' | SWAP_HAS_CACHE'} · zeromap{' '}
        <span data-testid="swap-slot-zeromap">{s.zeromap ? 1 : 0}</span>
        {' · '}
        {s.zeromap
          ? 'nothing on the device: a fault zero-fills the page (swpin_zero)'
          : s.zswapLength !== null
            ? `held by zswap in ${count(s.zswapLength)} bytes${s.zswapLength >= pageKb * 1024 ? ' (stored as it is: it does not compress)' : ' (compressed, estimated)'}, nothing on the device; a fault loads it (zswpin)`
            : s.written
              ? `its ${pageKb} KiB are on the device (pswpout); a fault reads them (pswpin)`
              : 'no data'}
      </p>
      {s.cachePfn !== null && (
        <p>
          swap cache: folio{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              controller.frameGrid?.focusPfn(s.cachePfn!, 16);
              controller.select(s.cachePfn!);
            }}
          >
            pfn {hex(s.cachePfn)}
          </button>{' '}
          stands for this entry: a fault on it maps that folio (a minor fault).
        </p>
      )}
      {s.ptes.length > 0 && (
        <p>
          held by:{' '}
          {s.ptes.map((p) => (
            <code key={`${p.pid}:${p.va}`} className="swap-pte">
              {p.name} (pid {p.pid}) {hex(p.va)}
            </code>
          ))}
        </p>
      )}
    </div>
  );
}

/** The swap cache: which folio holds which entry (the first few; the count is whole). */
function SwapCache({ info }: { info: SwapInfoDescription }) {
  const controller = useController();
  if (info.cacheSize === 0)
    return (
      <p className="muted" data-testid="swap-cache">
        Swap cache: empty.
      </p>
    );
  return (
    <div className="swap-cache" data-testid="swap-cache">
      <span>
        Swap cache: {count(info.cacheSize)} folio{info.cacheSize === 1 ? '' : 's'}
        {info.cacheSize > info.cache.length && `, the first ${info.cache.length}`}:
      </span>{' '}
      {info.cache.map((e) => (
        <button
          key={`${e.type}:${e.offset}`}
          type="button"
          className="block-button"
          title={`swap entry type ${e.type} offset ${e.offset} → folio pfn ${e.pfn}`}
          onClick={() => {
            controller.frameGrid?.focusPfn(e.pfn, 16);
            controller.select(e.pfn);
          }}
        >
          {e.type}:{e.offset}→{hex(e.pfn)}
        </button>
      ))}
    </div>
  );
}

/**
 * KSM's two trees in outline: the stable tree's KSM pages (each a frame every equal page maps, with
 * its rmap items), the unstable tree's size, and the sysfs counters they make.
 */
const KsmTrees = memo(function KsmTrees({ ksm }: { ksm: SwapInfoDescription['ksm'] }) {
  const controller = useController();
  const c = ksm.counters;
  return (
    <div className="ksm-trees" data-testid="ksm-trees">
      <p>
        <strong>KSM</strong> (ksmd, {count(ksm.fullScans)} full scan{ksm.fullScans === 1 ? '' : 's'}
        {ksm.useZeroPages ? ', use_zero_pages' : ''}):{' '}
        <span title="/sys/kernel/mm/ksm/pages_shared: KSM pages (stable tree nodes)">
          pages_shared <span data-testid="ksm-pages_shared">{count(c.pages_shared)}</span>
        </span>
        {' · '}
        <span title="/sys/kernel/mm/ksm/pages_sharing: further mappings of those pages (the memory saved)">
          pages_sharing <span data-testid="ksm-pages_sharing">{count(c.pages_sharing)}</span>
        </span>
        {' · '}
        <span title="/sys/kernel/mm/ksm/pages_unshared: pages waiting in this scan's unstable tree for an equal one">
          pages_unshared <span data-testid="ksm-pages_unshared">{count(c.pages_unshared)}</span>
        </span>
        {' · '}
        <span title="/sys/kernel/mm/ksm/pages_volatile: pages still changing between scans">
          pages_volatile {count(c.pages_volatile)}
        </span>
        {' · '}
        <span title="/sys/kernel/mm/ksm/ksm_zero_pages: pages merged with the zero page">
          ksm_zero_pages {count(ksm.zeroPages)}
        </span>
      </p>
      {ksm.stable.length > 0 ? (
        <p>
          Stable tree:{' '}
          {ksm.stable.map((n) => (
            <button
              key={n.kpfn}
              type="button"
              className="block-button"
              title={`KSM page pfn ${n.kpfn}: ${n.items} rmap items in its stable node, ${n.mapped} PTEs map it now (a write to one copies it: cow_ksm)`}
              onClick={() => {
                controller.frameGrid?.focusPfn(n.kpfn, 16);
                controller.select(n.kpfn);
              }}
            >
              {hex(n.kpfn)} ×{n.items}
            </button>
          ))}
          {c.pages_shared > ksm.stable.length && ` … ${count(c.pages_shared - ksm.stable.length)} more`}
          {ksm.stale > 0 && ` · ${count(ksm.stale)} stale (their KSM page is gone; dropped at the next scan)`}
        </p>
      ) : (
        <p className="muted">Stable tree: empty (no two equal pages merged yet).</p>
      )}
    </div>
  );
});
