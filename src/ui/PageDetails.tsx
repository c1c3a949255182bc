/**
 * A virtual page of the process grid: its address, state and frame, and the page-table walk the MMU
 * does for it, level by level, with the leaf entry's bits decoded. The walk is read from the emulated
 * RAM in the worker once the pointer rests (debounced). `PageTooltip` follows the pointer;
 * `PageDetails` keeps the selected page (last clicked, or moved to with the keyboard) in view.
 */
import { memo, useEffect, useState, type CSSProperties } from 'react';
import { VPageState } from '../core/shared/page_state.ts';
import { PAGE_STATE_NAMES, pageColor } from '../render/page_palette.ts';
import { VPAGE_HUGE_ZERO, type WalkReply } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { hex } from './format.ts';

const DEBOUNCE_MS = 60;

/** One sentence per state: what the learner is looking at. */
const STATE_HINTS: Record<number, string> = {
  [VPageState.Unmapped]: 'No VMA covers this address: any access is a segmentation fault.',
  [VPageState.Untouched]:
    'Inside a VMA but never touched: no PTE yet. A read maps the zero page, a write allocates a frame.',
  [VPageState.Zero]:
    'Mapped read-only to the shared zero page: reads cost no memory. A write faults and gets a private zeroed frame.',
  [VPageState.Private]: 'An anonymous frame mapped only by this process (counted in RssAnon).',
  [VPageState.Shared]:
    'The frame is mapped by more than one process (after fork: copy-on-write; or shmem). A private write copies it.',
  [VPageState.Huge]:
    'Part of a transparent huge page: one folio of PMD size (2 MiB on 4 KiB pages) mapped by one PMD entry, no PTE table in use.',
  [VPAGE_HUGE_ZERO]:
    'Mapped read-only by one PMD entry to the huge zero folio: a whole PMD of zeroes shared by every process. A write faults and allocates a THP (or splits the PMD when none can be had).',
  [VPageState.ProtNone]: 'PROT_NONE: the PTE is kept but the MMU refuses every access (SIGSEGV).',
  [VPageState.File]:
    "A page of a file's page cache mapped here (RssFile for a disk file, RssShmem for tmpfs): a read of a page not cached was a major fault that read it from the disk. In a private mapping a write copies it to a new anonymous page and the file keeps its bytes; in a shared one the write dirties this very page, and sync writes it back.",
  [VPageState.Swapped]:
    'Swapped out: the PTE is not present and holds a swap entry (type, offset). An access faults into do_swap_page(), which finds the folio in the swap cache or reads the slot back.',
};

/** Bits worth a word of explanation in the leaf entry. */
const BIT_HINTS: Record<string, string> = {
  P: 'present',
  RW: 'writable',
  US: 'user-accessible',
  A: 'accessed',
  D: 'dirty',
  NX: 'no execute',
  SPECIAL: 'special: no struct page refcounting (the zero page)',
  PSE: 'huge page',
  G: 'global',
  PROTNONE: 'PROT_NONE: kept, but not present to the MMU',
  SOFT_DIRTY: 'soft-dirty (written since the bit was cleared)',
};

type Walk = Pick<WalkReply, 'levels' | 'huge' | 'swap'>;

/** The walk for `va`, refetched when the page states change (version). */
function useWalk(va: number | null, version: number): Walk | null {
  const controller = useController();
  const [walk, setWalk] = useState<{ va: number; version: number; walk: Walk } | null>(null);
  useEffect(() => {
    if (va === null) return;
    const done = controller.beginWork();
    const timer = setTimeout(() => {
      controller
        .walk(va)
        .then((w) => setWalk({ va, version, walk: w }))
        .catch(() => setWalk(null))
        .finally(done);
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      done();
    };
  }, [controller, va, version]);
  return walk && walk.va === va && walk.version === version ? walk.walk : null;
}

const OFFSET = 16;

/** The page under the pointer, next to it. */
export const PageTooltip = memo(function PageTooltip() {
  const controller = useController();
  const hover = useAppState((s) => s.pageHover);
  const version = useAppState((s) => s.pagesVersion);
  const d = controller.regionPages;
  const page = hover && d && hover.page < d.states.length ? hover.page : null;
  const va = d && page !== null ? d.start + page * 2 ** d.pageShift : null;
  const walk = useWalk(va, version);
  if (!hover || page === null) return null;

  const style: CSSProperties = {};
  if (hover.clientX > window.innerWidth - 480) style.right = window.innerWidth - hover.clientX + OFFSET;
  else style.left = hover.clientX + OFFSET;
  if (hover.clientY > window.innerHeight - 280) style.bottom = window.innerHeight - hover.clientY + OFFSET;
  else style.top = hover.clientY + OFFSET;
  return (
    <div className="tooltip page-tooltip" role="tooltip" data-testid="page-tooltip" style={style}>
      <PageInfo page={page} walk={walk} />
    </div>
  );
});

/** The selected page, below the grid. */
export const PageDetails = memo(function PageDetails() {
  const controller = useController();
  const selection = useAppState((s) => s.pageSelection);
  const version = useAppState((s) => s.pagesVersion);
  const d = controller.regionPages;
  const page = d && selection !== null && selection < d.states.length ? selection : null;
  const va = d && page !== null ? d.start + page * 2 ** d.pageShift : null;
  const walk = useWalk(va, version);
  return (
    // it scrolls inside the stage: focusable so the keyboard can scroll it (axe scrollable-region-focusable)
    <div
      className="page-details"
      data-testid="page-details"
      tabIndex={0}
      role="region"
      aria-label="Selected page"
    >
      <h3 className="sub-title" id="page-details-title">
        Selected page
      </h3>
      {page === null ? (
        <p className="muted">
          {d
            ? 'Point at a page for its address, frame and page-table walk; click it to read or write it (the mode above), and it stays here.'
            : 'No region shown.'}
        </p>
      ) : (
        <>
          <PageInfo page={page} walk={walk} />
          {d!.pfns[page]! >= 0 && (
            <button
              type="button"
              onClick={() => {
                const pfn = d!.pfns[page]!;
                controller.frameGrid?.focusPfn(pfn, 16);
                controller.select(pfn);
              }}
            >
              Show its frame
            </button>
          )}
        </>
      )}
    </div>
  );
});

function PageInfo({ page, walk: w }: { page: number; walk: Walk | null }) {
  const walk = w?.levels ?? null;
  const controller = useController();
  const procName = useAppState((s) => s.currentProc);
  const region = useAppState((s) => s.currentRegion);
  const d = controller.regionPages!;
  const va = d.start + page * 2 ** d.pageShift;
  const state = d.states[page]!;
  const pfn = d.pfns[page]!;
  const offset = page * 2 ** d.pageShift;

  return (
    <>
      <div className="page-details-head">
        <span className="swatch" style={{ background: pageColor(state) }} aria-hidden="true" />
        <strong>
          {procName} {hex(va)}
        </strong>
        <span className="muted">
          ({region} + {hex(offset)}, page {page})
        </span>
      </div>
      <div className="page-details-line">
        state: <span data-testid="page-state">{PAGE_STATE_NAMES[state]}</span>
        {pfn >= 0 && (
          <>
            {' '}
            · pfn <span data-testid="page-pfn">{pfn}</span> ({hex(pfn)})
          </>
        )}
      </div>
      <p className="hint muted">{STATE_HINTS[state]}</p>
      {w?.swap && <SwapEntryLine swap={w.swap} />}
      {walk === null ? (
        <p className="muted">reading the page tables…</p>
      ) : walk.length === 0 ? (
        <p className="muted">No page tables: the process has exited.</p>
      ) : (
        // its own horizontal scroll: a wide walk (flags wrapping late) must not widen the column
        <div className="walk-scroll">
          <table className="walk" aria-label={`Page-table walk for ${hex(va)}`}>
            <thead>
              <tr>
                <th scope="col">level</th>
                <th scope="col">table pfn</th>
                <th scope="col">index</th>
                <th scope="col">entry</th>
                <th scope="col">bits</th>
                <th scope="col">points at</th>
              </tr>
            </thead>
            <tbody>
              {walk.map((l, i) => {
                const leaf = i === walk.length - 1;
                return (
                  <tr key={l.level} className={leaf ? 'leaf' : undefined}>
                    <th scope="row">{l.level}</th>
                    <td>{hex(l.tablePfn)}</td>
                    <td>{l.index}</td>
                    <td className="mono">{l.entry}</td>
                    <td className="bits">
                      {leaf && w?.swap ? (
                        // a swap PTE's bits are the entry (type, offset), not PTE flags: decoding
                        // them as flags would show the inverted offset as PAT, SPECIAL...
                        <span data-testid="walk-swap-entry">
                          swap entry: type {w.swap.type}, offset {w.swap.offset}
                          {w.swap.exclusive ? ', exclusive' : ''}{' '}
                        </span>
                      ) : (
                        l.bits.map((b) => (
                          <abbr key={b} className="bit" title={BIT_HINTS[b] ?? b}>
                            {b}
                          </abbr>
                        ))
                      )}
                      {!l.present && <span className="muted">not present</span>}
                    </td>
                    <td className="points">
                      {l.target !== null && (
                        <button
                          type="button"
                          className="link-button"
                          aria-label={`Select pfn ${l.target}, the ${leaf ? 'frame' : 'table'} the ${l.level} entry points at`}
                          onClick={() => {
                            controller.frameGrid?.focusPfn(l.target!, 16);
                            controller.select(l.target);
                          }}
                        >
                          {leaf ? 'frame' : 'table'} {hex(l.target)}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {w?.huge && <HugeLeaf huge={w.huge} />}
    </>
  );
}

/** The PTE holds a swap entry: where the page went, and what a fault will find there. */
function SwapEntryLine({ swap }: { swap: NonNullable<WalkReply['swap']> }) {
  return (
    <p className="page-details-line" data-testid="page-swap">
      swapped out: type {swap.type} offset {swap.offset}
      {swap.zeromap
        ? ' · zeromap slot: nothing was written, a fault brings back a zeroed page (swpin_zero)'
        : swap.zswap
          ? ' · held compressed by zswap: nothing was written, a fault decompresses it (zswpin)'
          : ' · written to the device (pswpout)'}
      {swap.cachePfn !== null && ` · in the swap cache as pfn ${hex(swap.cachePfn)} (a fault now is minor)`}
    </p>
  );
}

/** The walk ended at a huge PMD leaf: what it maps, and the PTE table kept under it for a split. */
function HugeLeaf({ huge }: { huge: NonNullable<WalkReply['huge']> }) {
  const controller = useController();
  const show = (pfn: number) => {
    controller.frameGrid?.focusPfn(pfn, 16);
    controller.select(pfn);
  };
  return (
    <p className="huge-leaf" data-testid="huge-leaf">
      The walk ends at the PMD: huge leaf ({huge.kind === 'huge-zero' ? 'the huge zero folio' : 'a THP'}, head
      pfn {hex(huge.headPfn)}),{' '}
      {huge.depositedPfn !== null ? (
        <>
          deposited PTE table at pfn <span data-testid="deposited-pfn">{hex(huge.depositedPfn)}</span>{' '}
          <button type="button" className="link-button" onClick={() => show(huge.depositedPfn!)}>
            Show it
          </button>
          <span className="muted">
            {' '}
            (allocated at fault time and kept unused, so a later split never fails for want of a page table;
            counted in VmPTE)
          </span>
        </>
      ) : (
        'no PTE table deposited'
      )}
    </p>
  );
}
