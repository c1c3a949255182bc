/**
 * The header: which screen (one machine, or Compare), and the machine's config — architecture,
 * arm64 granule, MIPS VCE, the zero-page patch, RAM (the sizes the arch can have), CPUs, how to
 * boot — with the Reboot button. An impossible config is refused by the worker's config checker:
 * the error banner says why, and the running machine stays.
 */
import { useId } from 'react';
import { ARCH_NAMES, type ArchName } from '../core/config.ts';
import { useAppState, useController } from './context.ts';
import { size } from './format.ts';
import { HeaderTools } from './HeaderTools.tsx';
import { ARCH_LABELS, ramChoicesFor, withArch } from './store.ts';
import { UnmappedConfig } from './UnmappedConfig.tsx';

export function Header() {
  const controller = useController();
  const draft = useAppState((s) => s.draft);
  const machine = useAppState((s) => s.machine);
  const status = useAppState((s) => s.status);
  const viewMode = useAppState((s) => s.viewMode);
  const ids = {
    arch: useId(),
    granule: useId(),
    vce: useId(),
    patch: useId(),
    ram: useId(),
    cpus: useId(),
    step: useId(),
    view: useId(),
    thp: useId(),
    uzp: useId(),
    hz: useId(),
    unmapped: useId(),
    zeroing: useId(),
  };
  const busy = status === 'booting' || status === 'busy';

  return (
    <header className="app-header">
      <div className="brand">
        <h1>MM Lab</h1>
        <p className="tagline">Linux memory management, emulated: one cell per page frame</p>
      </div>
      <fieldset className="mode-switch view-switch">
        <legend className="sr-only">Screen</legend>
        <input
          id={`${ids.view}-m`}
          type="radio"
          name={ids.view}
          checked={viewMode === 'machine'}
          onChange={() => controller.setViewMode('machine')}
        />
        <label htmlFor={`${ids.view}-m`}>Machine</label>
        <input
          id={`${ids.view}-c`}
          type="radio"
          name={ids.view}
          checked={viewMode === 'compare'}
          onChange={() => controller.setViewMode('compare')}
        />
        <label htmlFor={`${ids.view}-c`}>Compare two arches</label>
      </fieldset>
      {viewMode === 'machine' && (
        <form
          className="machine-form"
          aria-label="Machine configuration"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void controller.reboot();
          }}
        >
          <label htmlFor={ids.arch}>arch</label>
          <select
            id={ids.arch}
            value={draft.arch}
            onChange={(e) => controller.setDraft(withArch(draft, e.target.value as ArchName))}
          >
            {ARCH_NAMES.map((a) => (
              <option key={a} value={a}>
                {ARCH_LABELS[a]}
              </option>
            ))}
          </select>
          {draft.arch === 'arm64' && (
            <>
              <label htmlFor={ids.granule}>granule</label>
              <select
                id={ids.granule}
                value={draft.granule}
                onChange={(e) => controller.setDraft({ granule: Number(e.target.value) as 4 | 16 | 64 })}
              >
                <option value={4}>4K</option>
                <option value={16}>16K</option>
                <option value={64}>64K</option>
              </select>
            </>
          )}
          {draft.arch === 'mips' && (
            <span className="check">
              <input
                id={ids.vce}
                type="checkbox"
                checked={draft.vce}
                onChange={(e) => controller.setDraft({ vce: e.target.checked })}
              />
              <label
                htmlFor={ids.vce}
                title="An R4400 SC/MC: virtual coherency exceptions, 8 coloured zero pages"
              >
                VCE (R4400)
              </label>
            </span>
          )}
          <label htmlFor={ids.patch}>zero-page patch</label>
          <select
            id={ids.patch}
            value={draft.zeroPagePatch}
            title='"mm: cache struct page for empty_zero_page" (2026)'
            onChange={(e) => controller.setDraft({ zeroPagePatch: e.target.value as 'before' | 'after' })}
          >
            <option value="before">before</option>
            <option value="after">after</option>
          </select>
          <label htmlFor={ids.ram}>RAM</label>
          <select
            id={ids.ram}
            value={draft.ram}
            onChange={(e) => controller.setDraft({ ram: Number(e.target.value) })}
          >
            {ramChoicesFor(draft.arch).map((c) => (
              <option key={c.bytes} value={c.bytes}>
                {c.label}
              </option>
            ))}
          </select>
          <label htmlFor={ids.cpus}>CPUs</label>
          <input
            id={ids.cpus}
            className="cpus"
            type="number"
            inputMode="numeric"
            min={1}
            max={64}
            value={Number.isNaN(draft.cpus) ? '' : draft.cpus}
            onChange={(e) => controller.setDraft({ cpus: e.target.valueAsNumber })}
          />
          <label
            htmlFor={ids.thp}
            title="transparent_hugepage= : when anonymous faults may use a PMD-sized folio"
          >
            THP
          </label>
          <select
            id={ids.thp}
            value={draft.thp}
            onChange={(e) => controller.setDraft({ thp: e.target.value as 'never' | 'madvise' | 'always' })}
          >
            <option value="never">never</option>
            <option value="madvise">madvise</option>
            <option value="always">always</option>
          </select>
          <span className="check">
            <input
              id={ids.uzp}
              type="checkbox"
              checked={draft.useZeroPage}
              onChange={(e) => controller.setDraft({ useZeroPage: e.target.checked })}
            />
            <label htmlFor={ids.uzp} title="/sys/kernel/mm/transparent_hugepage/use_zero_page">
              use_zero_page
            </label>
          </span>
          {/* One span so the wrapping header never leaves the label at a line's end, its select on the next. */}
          <span className="field">
            <label htmlFor={ids.hz} title="How the huge zero folio lives">
              huge zero
            </label>
            <select
              id={ids.hz}
              value={draft.hugeZero}
              onChange={(e) =>
                controller.setDraft({ hugeZero: e.target.value as 'dynamic' | 'persistent' | 'static_pmd' })
              }
            >
              <option value="dynamic">dynamic</option>
              <option value="persistent">persistent</option>
              <option value="static_pmd">static_pmd</option>
            </select>
          </span>
          {draft.arch === 'x86_64' && (
            <UnmappedConfig
              ids={{ unmapped: ids.unmapped, zeroing: ids.zeroing }}
              draft={draft}
              onChange={(patch) => controller.setDraft(patch)}
            />
          )}
          <span className="check">
            <input
              id={ids.step}
              type="checkbox"
              checked={draft.stepBoot}
              onChange={(e) => controller.setDraft({ stepBoot: e.target.checked })}
            />
            <label htmlFor={ids.step}>step through boot</label>
          </span>
          <button type="submit" className="primary" disabled={busy}>
            {status === 'booting' ? 'Booting…' : 'Reboot'}
          </button>
        </form>
      )}
      <p className="machine-summary" aria-live="polite" data-testid="machine-summary">
        {viewMode === 'compare' ? (
          <span className="muted">
            Two more machines, each in its own worker; the main machine keeps running.
          </span>
        ) : machine ? (
          <>
            {machine.config.arch}
            {machine.config.arch === 'arm64' ? ` ${machine.config.granule}K` : ''}
            {machine.config.arch === 'mips' && machine.config.vce ? ' (VCE)' : ''} ·{' '}
            {size(machine.config.ram)} RAM · {machine.config.cpus} CPUs · patch {machine.config.zeroPagePatch}{' '}
            · THP {machine.config.thp}
            {machine.config.useZeroPage ? '' : ' (no zero page)'} · huge zero {machine.config.hugeZero}
            {machine.config.pageAllocUnmapped
              ? ` · page_alloc_unmapped (zeroing ${machine.config.unmappedZeroing ?? 'per_block'})`
              : ''}
          </>
        ) : (
          <span>Booting the emulated machine…</span>
        )}
      </p>
      <HeaderTools />
    </header>
  );
}
