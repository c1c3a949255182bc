/**
 * The controls for a run of selected pages (shift-click, shift-drag or Shift+arrows in the process
 * grid; the selected page alone when there is no run): madvise, mlock, userfaultfd, mprotect, munmap and mremap. Each button runs
 * the scenario line a learner could type (`A madvise r1 0x5000 32K dontneed`), shown before it runs.
 */
import { memo } from 'react';
import { useAppState, useController } from './context.ts';
import { count, hex, size } from './format.ts';
import { actingRange, rangeLine, runRangeOp, type RangeOp } from './process_actions.ts';
import { processView, useProcessView } from './process_view.ts';

const MREMAP: { kind: Extract<RangeOp, { op: 'mremap' }>['kind']; label: string; title: string }[] = [
  {
    kind: 'grow',
    label: 'grow ×2',
    title:
      'mremap(MREMAP_MAYMOVE) to twice the length: the VMA grows in place if the space after it is free, else it moves — its PTEs move, the frames and data stay',
  },
  { kind: 'shrink', label: 'shrink ½', title: 'mremap() to half the length: the tail is unmapped' },
  {
    kind: 'move',
    label: 'move',
    title:
      'mremap(MREMAP_MAYMOVE|MREMAP_DONTUNMAP): the pages move to a new address; the old range stays mapped, empty (the next touch faults)',
  },
];

const MADVISE: { advice: Extract<RangeOp, { op: 'madvise' }>['advice']; title: string }[] = [
  {
    advice: 'dontneed',
    title: 'MADV_DONTNEED: zap the PTEs; the next touch faults again (zero page or a new frame)',
  },
  {
    advice: 'free',
    title:
      'MADV_FREE: the pages become lazyfree (clean, on the file LRU); reclaim may drop them, a write keeps them',
  },
  { advice: 'populate_read', title: 'MADV_POPULATE_READ: fault the pages in as reads (the zero page)' },
  { advice: 'populate_write', title: 'MADV_POPULATE_WRITE: fault the pages in as writes (a frame each)' },
  { advice: 'hugepage', title: 'MADV_HUGEPAGE: THP allowed here (transparent_hugepage=madvise)' },
  { advice: 'nohugepage', title: 'MADV_NOHUGEPAGE: no THP here' },
];

/** The rarer advices, in a menu so the bar stays two short rows. */
const MADVISE_MORE: { advice: Extract<RangeOp, { op: 'madvise' }>['advice']; title: string }[] = [
  { advice: 'cold', title: 'MADV_COLD: deactivate the pages (inactive LRU); they stay mapped' },
  {
    advice: 'pageout',
    title:
      'MADV_PAGEOUT: reclaim the pages now (to swap, after swapon; zero-filled ones only set a zeromap bit)',
  },
  {
    advice: 'dontfork',
    title: 'MADV_DONTFORK: a later fork leaves these pages out of the child (VM_DONTCOPY, "dc")',
  },
  { advice: 'dofork', title: 'MADV_DOFORK: undo MADV_DONTFORK' },
  {
    advice: 'wipeonfork',
    title:
      'MADV_WIPEONFORK: a later fork gives the child these pages empty, reading zeros (VM_WIPEONFORK, "wf"; private memory only)',
  },
  { advice: 'keeponfork', title: 'MADV_KEEPONFORK: undo MADV_WIPEONFORK' },
  {
    advice: 'mergeable',
    title:
      'MADV_MERGEABLE: ksmd may merge these pages (VM_MERGEABLE, "mg"); with use_zero_pages a zero-filled page becomes the zero page ("ksmd scan", twice)',
  },
  {
    advice: 'unmergeable',
    title: 'MADV_UNMERGEABLE: unshare the merged pages (a fresh page each) and stop merging',
  },
];

export const RangeActions = memo(function RangeActions() {
  const controller = useController();
  useProcessView((s) => s.range);
  useAppState((s) => s.pageSelection);
  useAppState((s) => s.pagesVersion);
  const busy = useAppState((s) => s.status !== 'ready');
  const shift = useAppState((s) => s.machine?.pageShift ?? 12);
  const proc = useAppState((s) => s.processes.find((p) => p.name === s.currentProc) ?? null);
  const r = actingRange(controller);
  if (!r || !proc)
    // The bar keeps its place (no layout shift when a page gets selected).
    return (
      <div className="range-actions empty muted" data-testid="range-actions">
        Select pages to madvise, mprotect, munmap or mremap them: click one, then shift-click (or shift-drag,
        or Shift+arrows) to extend.
      </div>
    );
  const d = controller.regionPages;
  const n = r.last - r.first + 1;
  const disabled = busy || proc.state !== 'R';
  const run = (o: RangeOp) => void runRangeOp(controller, o);
  const title = (o: RangeOp, what: string) => `${what}\nruns: ${rangeLine(r, shift, o)}`;
  return (
    <div className="range-actions" role="group" aria-label="Selected pages" data-testid="range-actions">
      <span className="range-what">
        {n === 1 ? `page ${r.first}` : `pages ${r.first}–${r.last}`} ({count(n)} page{n === 1 ? '' : 's'},{' '}
        {size(n * 2 ** shift)}
        {d && <> at {hex(d.start + r.first * 2 ** shift)}</>})
      </span>
      <span className="range-group">
        <span className="muted">madvise</span>
        {MADVISE.map((m) => (
          <button
            key={m.advice}
            type="button"
            disabled={disabled}
            title={title({ op: 'madvise', advice: m.advice }, m.title)}
            onClick={() => run({ op: 'madvise', advice: m.advice })}
          >
            {m.advice}
          </button>
        ))}
        <select
          aria-label="more madvise"
          title="More madvise advices: pick one to run it on the selected pages"
          disabled={disabled}
          value=""
          onChange={(e) => {
            const m = MADVISE_MORE.find((x) => x.advice === e.target.value);
            if (m) run({ op: 'madvise', advice: m.advice });
          }}
        >
          <option value="">more…</option>
          {MADVISE_MORE.map((m) => (
            <option
              key={m.advice}
              value={m.advice}
              title={title({ op: 'madvise', advice: m.advice }, m.title)}
            >
              {m.advice}
            </option>
          ))}
        </select>
      </span>
      <span className="range-group">
        {(['mlock', 'munlock'] as const).map((op) => (
          <button
            key={op}
            type="button"
            disabled={disabled}
            title={title(
              { op },
              op === 'mlock'
                ? 'mlock(): lock the pages in memory (VM_LOCKED, VmLck) and fault them in'
                : 'munlock(): the pages may be reclaimed again',
            )}
            onClick={() => run({ op })}
          >
            {op}
          </button>
        ))}
      </span>
      <span className="range-group">
        <span className="muted">userfaultfd</span>
        <button
          type="button"
          disabled={disabled}
          title={title(
            { op: 'uffd', ioctl: 'register' },
            'UFFDIO_REGISTER (MISSING mode, UFFD_FEATURE_SIGBUS): a fault on an empty page here is SIGBUS from now on',
          )}
          onClick={() => run({ op: 'uffd', ioctl: 'register' })}
          aria-label="uffd register"
        >
          register
        </button>
        <button
          type="button"
          disabled={disabled}
          title={title(
            { op: 'uffd', ioctl: 'zeropage' },
            'UFFDIO_ZEROPAGE: map the shared zero page into every empty PTE of the (registered) range, without a fault',
          )}
          onClick={() => run({ op: 'uffd', ioctl: 'zeropage' })}
          aria-label="uffd zeropage"
        >
          zeropage
        </button>
      </span>
      <span className="range-group">
        <span className="muted">mprotect</span>
        {(['none', 'r', 'rw', 'rx'] as const).map((prot) => (
          <button
            key={prot}
            type="button"
            disabled={disabled}
            title={title(
              { op: 'mprotect', prot },
              `mprotect(${{ none: 'PROT_NONE', r: 'PROT_READ', rw: 'PROT_READ|PROT_WRITE', rx: 'PROT_READ|PROT_EXEC: executable, NX clear in the PTEs' }[prot]})`,
            )}
            onClick={() => run({ op: 'mprotect', prot })}
            aria-label={`mprotect ${prot}`}
          >
            {prot}
          </button>
        ))}
      </span>
      <button
        type="button"
        disabled={disabled}
        title={title({ op: 'munmap' }, 'munmap(): the pages leave the address space')}
        onClick={() => run({ op: 'munmap' })}
      >
        munmap
      </button>
      <span className="range-group">
        <span className="muted">mremap</span>
        {MREMAP.map((x) => (
          <button
            key={x.kind}
            type="button"
            disabled={disabled || (x.kind === 'shrink' && n === 1)}
            title={title({ op: 'mremap', kind: x.kind }, x.title)}
            onClick={() => run({ op: 'mremap', kind: x.kind })}
            aria-label={`mremap ${x.kind}`}
          >
            {x.label}
          </button>
        ))}
      </span>
      {processView.getState().range && (
        <button type="button" className="link" onClick={() => processView.setState({ range: null })}>
          clear
        </button>
      )}
    </div>
  );
});
