/**
 * memblock, the boot-time memory manager, over the physical address range: the `memory` regions
 * (RAM firmware reported) and the `reserved` ones, coloured by who reserved them (memblock=debug's
 * caller log: kernel image, firmware, memmap, other memblock allocations). Point at the bar for the
 * regions and reservations at that address; the full lists are below it. Refetched after every
 * boot step (and every other operation).
 */
import { useState, type PointerEvent } from 'react';
import { FrameState } from '../core/shared/frame_state.ts';
import { frameColor } from '../render/palette.ts';
import { useAppState, useController } from './context.ts';
import type { MemblockInfo } from '../worker/protocol.ts';
import { size } from './format.ts';
import { useFetched } from './use_fetched.ts';

/** Colours by owner, the frame grid's for the same kind of frame. */
function ownerColor(owner: string): string {
  if (owner === 'firmware') return frameColor(FrameState.Firmware);
  if (owner.startsWith('kernel')) return frameColor(FrameState.KernelImage);
  if (owner === 'memmap') return frameColor(FrameState.Memmap);
  return frameColor(FrameState.Memblock);
}

const MEMORY_COLOR = frameColor(FrameState.BootFree);
const HOLE_COLOR = frameColor(FrameState.Hole);
/** Pointer slack, in CSS pixels, when looking for the regions under it (tiny ones are ≥ 2 px wide). */
const SLACK_PX = 3;

function hexAddr(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** size() for byte counts that are not whole KiB/MiB multiples too. */
function amount(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) !== 0) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return size(n);
}

export function MemblockView() {
  const controller = useController();
  const generation = useAppState((s) => s.machine?.generation ?? -1);
  const bootIndex = useAppState((s) => s.machine?.bootIndex ?? -1);
  const opVersion = useAppState((s) => s.opVersion);
  const [hoverAddr, setHoverAddr] = useState<{ addr: number; slack: number } | null>(null);

  const fetched = useFetched(generation < 0 ? null : () => controller.memblock(), [
    generation,
    bootIndex,
    opVersion,
  ]);
  const info = fetched.data?.info;
  const error = fetched.error;
  const span = info ? Math.max(1, info.span.end - info.span.start) : 1;
  const pct = (addr: number) => ((addr - info!.span.start) / span) * 100;
  const box = (base: number, len: number) => ({
    left: `${pct(base)}%`,
    width: `max(${(len / span) * 100}%, 2px)`,
  });

  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!info) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - r.left, 0), r.width);
    setHoverAddr({
      addr: info.span.start + Math.floor((x / r.width) * span),
      slack: Math.ceil((SLACK_PX / r.width) * span),
    });
  };

  const at = hoverAddr && info ? regionsAt(info, hoverAddr.addr, hoverAddr.slack) : null;
  const memTotal = info?.memory.reduce((s, r) => s + r.size, 0) ?? 0;
  const resTotal = info?.reserved.reduce((s, r) => s + r.size, 0) ?? 0;

  return (
    <section className="panel memblock-panel" aria-labelledby="memblock-title" data-testid="memblock-view">
      <div className="panel-head">
        <h2 id="memblock-title">memblock</h2>
        <span className="muted" data-testid="memblock-summary">
          {info
            ? info.memory.length === 0 && info.reserved.length === 0
              ? 'empty: firmware has not been read yet'
              : `${
                  info.memory.length
                    ? `memory ${amount(memTotal)} in ${info.memory.length} region${info.memory.length === 1 ? '' : 's'}`
                    : 'memory: none added yet'
                } · ${
                  info.reserved.length
                    ? `reserved ${amount(resTotal)} in ${info.reserved.length}`
                    : 'nothing reserved yet'
                }`
            : 'reading…'}
        </span>
      </div>
      {error && <p className="error-text">{error}</p>}
      {info && (
        <>
          <div className="memblock-body">
            <div className="track-labels" aria-hidden="true">
              <span>memory</span>
              <span>reserved</span>
            </div>
            <div
              className="memblock-bar"
              data-testid="memblock-bar"
              data-regions={regionsKey(info)}
              onPointerMove={onMove}
              onPointerLeave={() => setHoverAddr(null)}
            >
              <div className="track" style={{ background: HOLE_COLOR }}>
                {info.memory.map((r) => (
                  <span
                    key={r.base}
                    className="piece"
                    style={{ ...box(r.base, r.size), background: MEMORY_COLOR }}
                    title={`memory ${hexAddr(r.base)}–${hexAddr(r.base + r.size - 1)} (${amount(r.size)})`}
                  />
                ))}
              </div>
              <div className="track">
                {info.reserved.map((r) => (
                  <span
                    key={r.base}
                    className="piece"
                    style={{ ...box(r.base, r.size), background: frameColor(FrameState.Memblock) }}
                    title={`reserved ${hexAddr(r.base)}–${hexAddr(r.base + r.size - 1)} (${amount(r.size)})`}
                  />
                ))}
                {reservedPieces(info).map((p, i) => (
                  <span
                    key={i}
                    className="piece"
                    style={{ ...box(p.base, p.size), background: ownerColor(p.owner) }}
                    title={`${p.owner}: ${p.caller}`}
                  />
                ))}
              </div>
              {hoverAddr && (
                <span className="cursor" aria-hidden="true" style={{ left: `${pct(hoverAddr.addr)}%` }} />
              )}
            </div>
          </div>
          <div className="memblock-axis muted" aria-hidden="true">
            <span>{hexAddr(info.span.start)}</span>
            <span>{hexAddr(info.span.start + span / 2)}</span>
            <span>{hexAddr(info.span.end)}</span>
          </div>
          <p className="memblock-hover" data-testid="memblock-hover">
            {at ? (
              <>
                <code>{hexAddr(hoverAddr!.addr)}</code>: {at.memory ? 'memory' : 'no RAM (hole)'}
                {at.reserved ? ', reserved' : ''}
                {at.labels.length > 0 &&
                  ' — ' + at.labels.map((l) => `${l.caller}: ${l.owner} (${amount(l.size)})`).join('; ')}
              </>
            ) : (
              <span className="muted">
                Point at the bar: which regions and reservations are at that address. Tiny ranges are drawn 2
                px wide.
              </span>
            )}
          </p>
          <MemblockLegend />
          <details className="memblock-lists">
            <summary>Regions and who reserved them</summary>
            <MemblockTables info={info} />
          </details>
        </>
      )}
    </section>
  );
}

function MemblockLegend() {
  const items: [string, string][] = [
    ['memory (RAM firmware reported)', MEMORY_COLOR],
    ['no RAM', HOLE_COLOR],
    ['firmware', ownerColor('firmware')],
    ['kernel image', ownerColor('kernel code')],
    ['memmap', ownerColor('memmap')],
    ['other memblock allocations', ownerColor('memblock')],
  ];
  return (
    <ul className="page-legend memblock-legend" aria-label="memblock colours">
      {items.map(([name, color]) => (
        <li key={name}>
          <span className="swatch" style={{ background: color }} aria-hidden="true" />
          {name}
        </li>
      ))}
    </ul>
  );
}

function MemblockTables({ info }: { info: MemblockInfo }) {
  const row = (r: { base: number; size: number }) => (
    <>
      <td className="mono">{hexAddr(r.base)}</td>
      <td className="mono">{hexAddr(r.base + r.size - 1)}</td>
      <td>{amount(r.size)}</td>
    </>
  );
  return (
    <div className="memblock-tables">
      <table className="walk" aria-label="memblock.memory and memblock.reserved">
        <thead>
          <tr>
            <th scope="col">list</th>
            <th scope="col">base</th>
            <th scope="col">end</th>
            <th scope="col">size</th>
          </tr>
        </thead>
        <tbody>
          {info.memory.map((r) => (
            <tr key={`m${r.base}`}>
              <th scope="row">memory</th>
              {row(r)}
            </tr>
          ))}
          {info.reserved.map((r) => (
            <tr key={`r${r.base}`}>
              <th scope="row">reserved</th>
              {row(r)}
            </tr>
          ))}
        </tbody>
      </table>
      <table className="walk" aria-label="Reservations by caller (memblock=debug)">
        <thead>
          <tr>
            <th scope="col">caller</th>
            <th scope="col">owner</th>
            <th scope="col">base</th>
            <th scope="col">end</th>
            <th scope="col">size</th>
          </tr>
        </thead>
        <tbody>
          {info.labels.map((l, i) => (
            <tr key={i}>
              <th scope="row">{l.caller}</th>
              <td>{l.owner}</td>
              {row(l)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The labelled reservations, clipped to what is still reserved (freed init memory drops out). */
function reservedPieces(info: MemblockInfo): { base: number; size: number; owner: string; caller: string }[] {
  const out: { base: number; size: number; owner: string; caller: string }[] = [];
  for (const l of info.labels) {
    for (const r of info.reserved) {
      const s = Math.max(l.base, r.base);
      const e = Math.min(l.base + l.size, r.base + r.size);
      if (e > s) out.push({ base: s, size: e - s, owner: l.owner, caller: l.caller });
    }
  }
  // Wide labels first, so the narrower ones (sections inside the kernel image) are drawn on top.
  return out.sort((a, b) => b.size - a.size);
}

function overlaps(r: { base: number; size: number }, addr: number, slack: number): boolean {
  return r.base <= addr + slack && r.base + r.size > addr - slack;
}

function regionsAt(info: MemblockInfo, addr: number, slack: number) {
  return {
    memory: info.memory.some((r) => overlaps(r, addr, 0)),
    reserved: info.reserved.some((r) => overlaps(r, addr, slack)),
    // What is still reserved there, by who reserved it: narrowest (most specific) first.
    labels: reservedPieces(info)
      .filter((p) => overlaps(p, addr, slack))
      .sort((a, b) => a.size - b.size),
  };
}

/** The regions as one string (tests compare views through it). */
function regionsKey(info: MemblockInfo): string {
  const list = (rs: { base: number; size: number }[]) => rs.map((r) => `${r.base}+${r.size}`).join(',');
  return `memory:${list(info.memory)};reserved:${list(info.reserved)};labels:${info.labels.length}`;
}
