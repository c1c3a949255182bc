/**
 * Unmapped pages (CONFIG_PAGE_ALLOC_UNMAPPED, the unmerged __GFP_UNMAPPED series v2) and the x86-64
 * TLBs: the controls, the pageblock map over the direct map, the per-CPU mermap slices, the per-CPU
 * TLB and the zeroing path of the last allocation. Refetched from the worker after every
 * machine-changing operation (opVersion). On a machine without the option only the TLB is shown,
 * and the panel says how to turn the rest on; off x86-64 it says why there is nothing.
 */
import { useAppState, useController } from './context.ts';
import { usePanelShown } from './panel_shown.ts';
import { useFetched } from './use_fetched.ts';
import { MermapView } from './MermapView.tsx';
import { PageblockMapView } from './PageblockMapView.tsx';
import { TlbView } from './TlbView.tsx';
import { UnmappedControls } from './UnmappedControls.tsx';
import { ZeroingPathView } from './ZeroingPathView.tsx';
import './unmapped.css';

/** Where the emulator is simpler than the series (docs/ACCURACY.md has the full list). */
const SIMPLIFICATIONS = [
  'The direct map and TLBs are modelled on x86-64 only; the series itself is x86-only so far.',
  'The series is not merged: modelled after v2 (2026-03-20), patches 19/22 and 20/22; [M]/[U] points are in docs/ACCURACY.md.',
  'A mermap slice is 512 pages (PMD_SIZE, as in v2) and mermap_get leaves its last page free, so clearing a whole 512-page pageblock never fits the fast path. The slices’ PTEs are in the process’s own page tables in emulated RAM (the mm-local region, counted in its VmPTE); the LDT remap that shares the region is not modelled.',
  'Unmapped pages bypass the per-CPU lists (v2 gives them a pcp bank of their own).',
  'In v2 only KUnit calls mermap_mm_prepare(); here `spawn` prepares the new process’s mermap (a forked child has none). The slow path’s PAGE_KERNEL works only under PTI; the PTI case is modelled.',
];

export function UnmappedPanel() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const machine = useAppState((s) => s.machine);
  const x86 = machine?.config.arch === 'x86_64';
  // Read while on screen (and afresh when its tab is opened), not after every click behind another tab.
  const shown = usePanelShown();
  const fetched = useFetched(machine && x86 && shown ? () => controller.unmappedInfo() : null, [
    version,
    machine,
  ]);
  const { data: info, error } = fetched;

  return (
    <section className="panel unmapped-panel" aria-labelledby="unmapped-title" data-testid="unmapped-panel">
      <h2 id="unmapped-title">Unmapped pages, mermap and TLBs</h2>
      {!machine ? (
        <p className="muted">Waiting for the machine…</p>
      ) : !x86 ? (
        <p className="muted" data-testid="unmapped-why">
          The kernel direct map, the TLB model and __GFP_UNMAPPED are modelled on x86-64 only (the series is
          x86-only). Pick x86-64 in the header to see them.
        </p>
      ) : error ? (
        <p className="error-text">{error}</p>
      ) : !info ? (
        <p className="muted">Reading…</p>
      ) : (
        <>
          {!info.enabled && (
            <p className="muted" data-testid="unmapped-why">
              This machine was booted without page_alloc_unmapped, so there are no UNMAPPED pageblocks, no
              mermap and no unmapped zeroing to show. Tick <strong>page_alloc_unmapped</strong> in the header
              and press Reboot; the per-CPU TLBs below are there either way.
            </p>
          )}
          {info.enabled && (
            <>
              <UnmappedControls info={info} />
              <h3>Pageblocks by freetype, over the direct map</h3>
              <PageblockMapView info={info} />
              <h3>Mermap slices per CPU</h3>
              <MermapView info={info} />
              <h3>Zeroing path of the last allocation</h3>
              <ZeroingPathView run={info.lastZeroing} />
            </>
          )}
          <h3>TLB per CPU</h3>
          <TlbView info={info} />
          <details className="simplified">
            <summary>Where the emulator simplifies</summary>
            <ul>
              {SIMPLIFICATIONS.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}
