/**
 * The huge zero folio: where it is (or that it is not allocated), huge_zero_refcount, which
 * processes' mms hold it (MMF_HUGE_ZERO_FOLIO), its kind and what it pins, the THPs in use, and a
 * button that runs the thp-zero shrinker (drop_caches).
 */
import { useAppState, useController } from './context.ts';
import { MAX_THP_MARKERS } from './controller.ts';
import { hex, size } from './format.ts';

const KIND_NOTES = {
  dynamic:
    'dynamic (6.18 default): allocated on the first read fault, refcounted, freed by the thp-zero shrinker once no mm holds it.',
  persistent:
    'persistent (CONFIG_PERSISTENT_HUGE_ZERO_FOLIO): allocated at boot, never freed; largest_zero_folio() can use it.',
  static_pmd:
    'static_pmd (the STATIC_PMD_ZERO_PAGE proposal): taken from memblock at boot, pinned for good; largest_zero_folio() can use it.',
} as const;

export function HugeZeroPanel() {
  const controller = useController();
  const huge = useAppState((s) => s.huge);
  const result = useAppState((s) => s.shrinkerResult);
  const status = useAppState((s) => s.status);
  const busy = status === 'booting' || status === 'busy';
  return (
    <section className="panel huge-panel" aria-labelledby="huge-title" data-testid="huge-panel">
      <h2 id="huge-title">Huge zero folio</h2>
      {!huge ? (
        <p className="muted">Waiting for the machine…</p>
      ) : !huge.supported ? (
        <p className="muted">
          This architecture has no transparent huge pages in the emulator (modelled on x86-64 and arm64 only).
        </p>
      ) : (
        <>
          <dl className="facts huge-facts">
            <dt>huge_zero_pfn</dt>
            <dd data-testid="huge-zero-pfn">{huge.pfn === null ? 'not allocated' : hex(huge.pfn)}</dd>
            <dt>huge_zero_refcount</dt>
            <dd data-testid="huge-zero-refcount">{huge.refcount}</dd>
            <dt>MMF_HUGE_ZERO_FOLIO</dt>
            <dd data-testid="huge-zero-holders">
              {huge.kind !== 'dynamic'
                ? 'not used (no per-mm references for this kind)'
                : huge.holders.length
                  ? huge.holders.map((h) => `${h.name} (pid ${h.pid})`).join(', ')
                  : 'no mm'}
            </dd>
            <dt>kind</dt>
            <dd data-testid="huge-zero-kind">{huge.kind}</dd>
            <dt>pins</dt>
            <dd>
              {size(huge.hpageBytes)} ({huge.hpageNr} pages
              {huge.kind === 'dynamic'
                ? huge.pfn === null
                  ? ', only while allocated)'
                  : ', until the shrinker frees it)'
                : ', for good)'}
            </dd>
            <dt>THPs in use</dt>
            <dd data-testid="thp-count">
              {huge.thpCount}
              {huge.thpCount > MAX_THP_MARKERS
                ? ` (the first ${MAX_THP_MARKERS} are marked on the grid)`
                : ''}
            </dd>
          </dl>
          <p className="hint muted">{KIND_NOTES[huge.kind]}</p>
          {huge.kind === 'dynamic' && (
            <p className="hint muted">
              The refcount is one per mm that mapped it plus one the shrinker keeps; the shrinker can free it
              only at 1.
            </p>
          )}
          <button type="button" disabled={busy} onClick={() => void controller.dropCaches()}>
            Run shrinker (drop_caches)
          </button>
          {result && (
            <p className="shrinker-result" role="status" data-testid="shrinker-result">
              thp-zero shrinker freed {result.freed} pages
              {result.freed ? ` (${size(result.freed * (huge.hpageBytes / huge.hpageNr))})` : ''}
              {result.freed === 0 && huge.kind === 'dynamic' && huge.pfn !== null
                ? ': an mm still holds the folio'
                : ''}
              {result.freed === 0 && huge.kind !== 'dynamic' ? `: a ${huge.kind} folio is never freed` : ''}
            </p>
          )}
        </>
      )}
    </section>
  );
}
