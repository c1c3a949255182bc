/**
 * The header, on one line: the brand, which screen (one machine, or Compare), the machine settings
 * (a drop-down form: architecture/CPU, granule, zero-page patch, RAM, CPUs, THP and huge-zero knobs,
 * page_alloc_unmapped on x86-64, step through boot) and the tools. Settings are a pending draft:
 * nothing changes until Apply, which says what the new machine will be and, when the learner has
 * processes or operations, what will be lost, and asks first. An impossible config is refused by the
 * worker's config checker: the error banner says why, and the running machine stays.
 */
import { memo, useCallback, useId, useState } from 'react';
import type { MachineConfig } from '../worker/protocol.ts';
import { ArchFields } from './ArchFields.tsx';
import { useAppState, useController } from './context.ts';
import { size } from './format.ts';
import { HeaderTools } from './HeaderTools.tsx';
import { MemoryMeter } from './MemoryMeter.tsx';

// The header re-renders when the machine's status changes (twice per click); these read the store
// themselves and need not follow it.
const Meter = memo(MemoryMeter);
const Tools = memo(HeaderTools);
import { ARCH_LABELS, type AppState, type ConfigDraft } from './store.ts';
import { UnmappedConfig } from './UnmappedConfig.tsx';

/** What Apply would change: one line per setting, `name: now → draft`. */
function pendingChanges(d: ConfigDraft, c: MachineConfig | undefined): string[] {
  if (!c) return [];
  const out: string[] = [];
  const cpu = (a: string, vce: boolean) =>
    a === 'mips' ? (vce ? 'MIPS R4400SC' : 'MIPS 24Kc') : ARCH_LABELS[a as keyof typeof ARCH_LABELS];
  const was = cpu(c.arch, c.vce);
  const now = cpu(d.arch, d.arch === 'mips' && d.vce);
  if (was !== now) out.push(`arch ${was} → ${now}`);
  const cmp = (name: string, a: unknown, b: unknown, f: (v: never) => string = String) => {
    if (a !== b) out.push(`${name} ${f(a as never)} → ${f(b as never)}`);
  };
  if (d.arch === 'arm64') cmp('granule', `${c.granule}K`, `${d.granule}K`);
  cmp('zero-page patch', c.zeroPagePatch, d.zeroPagePatch);
  cmp('RAM', c.ram, d.ram, size);
  if (!Number.isNaN(d.cpus)) cmp('CPUs', c.cpus, d.cpus);
  cmp('THP', c.thp, d.thp);
  cmp('use_zero_page', c.useZeroPage, d.useZeroPage);
  cmp('huge zero', c.hugeZero, d.hugeZero);
  const unmapped = d.arch === 'x86_64' && d.pageAllocUnmapped;
  cmp('page_alloc_unmapped', c.pageAllocUnmapped ?? false, unmapped);
  if (unmapped) cmp('unmapped_zeroing', c.unmappedZeroing ?? 'per_block', d.unmappedZeroing);
  return out;
}

export function Header() {
  const controller = useController();
  const draft = useAppState((s) => s.draft);
  const machine = useAppState((s) => s.machine);
  const viewMode = useAppState((s) => s.viewMode);
  const [confirming, setConfirming] = useState(false);
  const [open, setOpen] = useState(false);
  const id = useId();
  const changes = pendingChanges(draft, machine?.config);
  // The header does not follow the status or the work done (they change with every click, and a
  // render here sets the settings' inputs again): ApplyButton and LosingNote do, and submit reads them.
  const onDraft = useCallback((d: Partial<ConfigDraft>) => controller.setDraft(d), [controller]);

  const apply = async () => {
    setConfirming(false);
    if (await controller.reboot()) setOpen(false);
  };

  return (
    <header className="app-header">
      <div className="brand">
        <h1>MM Lab</h1>
        <p className="tagline">Linux memory management, emulated: one cell per page frame</p>
      </div>
      <fieldset className="mode-switch view-switch">
        <legend className="sr-only">Screen</legend>
        <input
          id={`${id}-m`}
          type="radio"
          name={`${id}-view`}
          checked={viewMode === 'machine'}
          onChange={() => controller.setViewMode('machine')}
        />
        <label htmlFor={`${id}-m`}>Machine</label>
        <input
          id={`${id}-c`}
          type="radio"
          name={`${id}-view`}
          checked={viewMode === 'compare'}
          onChange={() => controller.setViewMode('compare')}
        />
        <label htmlFor={`${id}-c`}>Compare two arches</label>
      </fieldset>
      {viewMode === 'machine' && (
        <details
          className="settings"
          open={open}
          onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
          data-testid="settings"
        >
          <summary>
            <span className="settings-label">Machine settings</span>
            {changes.length > 0 && (
              <span className="pending-badge" data-testid="pending-badge">
                {changes.length} pending
              </span>
            )}
          </summary>
          <form
            className="machine-form"
            aria-label="Machine configuration"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              const { processes, ops } = losing(controller.store.getState());
              if ((processes > 0 || ops > 0) && !confirming) setConfirming(true);
              else void apply();
            }}
          >
            <div className="form-fields">
              <ArchFields id={id} draft={draft} onChange={onDraft} />
              <span className="field">
                <label htmlFor={`${id}-cpus`}>CPUs</label>
                <input
                  id={`${id}-cpus`}
                  className="cpus"
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={64}
                  value={Number.isNaN(draft.cpus) ? '' : draft.cpus}
                  onChange={(e) => controller.setDraft({ cpus: e.target.valueAsNumber })}
                />
              </span>
              <span className="field">
                <label
                  htmlFor={`${id}-thp`}
                  title="transparent_hugepage= : when anonymous faults may use a PMD-sized folio"
                >
                  THP
                </label>
                <select
                  id={`${id}-thp`}
                  value={draft.thp}
                  onChange={(e) =>
                    controller.setDraft({ thp: e.target.value as 'never' | 'madvise' | 'always' })
                  }
                >
                  <option value="never">never</option>
                  <option value="madvise">madvise</option>
                  <option value="always">always</option>
                </select>
              </span>
              <span className="check">
                <input
                  id={`${id}-uzp`}
                  type="checkbox"
                  checked={draft.useZeroPage}
                  onChange={(e) => controller.setDraft({ useZeroPage: e.target.checked })}
                />
                <label htmlFor={`${id}-uzp`} title="/sys/kernel/mm/transparent_hugepage/use_zero_page">
                  use_zero_page
                </label>
              </span>
              <span className="field">
                <label htmlFor={`${id}-hz`} title="How the huge zero folio lives">
                  huge zero
                </label>
                <select
                  id={`${id}-hz`}
                  value={draft.hugeZero}
                  onChange={(e) =>
                    controller.setDraft({
                      hugeZero: e.target.value as 'dynamic' | 'persistent' | 'static_pmd',
                    })
                  }
                >
                  <option value="dynamic">dynamic</option>
                  <option value="persistent">persistent</option>
                  <option value="static_pmd">static_pmd</option>
                </select>
              </span>
              {draft.arch === 'x86_64' && (
                <UnmappedConfig
                  ids={{ unmapped: `${id}-unmapped`, zeroing: `${id}-zeroing` }}
                  draft={draft}
                  onChange={(patch) => controller.setDraft(patch)}
                />
              )}
              <span className="check">
                <input
                  id={`${id}-step`}
                  type="checkbox"
                  checked={draft.stepBoot}
                  onChange={(e) => controller.setDraft({ stepBoot: e.target.checked })}
                />
                <label htmlFor={`${id}-step`}>step through boot</label>
              </span>
            </div>
            <div className="pending" data-testid="pending">
              {changes.length === 0 ? (
                <p className="muted">
                  These are the running machine&apos;s settings. Change one, then Apply.
                </p>
              ) : (
                <p>
                  <strong>Pending:</strong> {changes.join(', ')}.
                </p>
              )}
              {confirming && <LosingNote />}
              <div className="buttons">
                <ApplyButton confirming={confirming} />
                {confirming && (
                  <button type="button" onClick={() => setConfirming(false)}>
                    Keep my machine
                  </button>
                )}
                {changes.length > 0 && machine && (
                  <button
                    type="button"
                    onClick={() => {
                      setConfirming(false);
                      controller.discardDraft();
                    }}
                  >
                    Discard changes
                  </button>
                )}
              </div>
            </div>
          </form>
        </details>
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
            {size(machine.config.ram)} RAM · {machine.config.cpus} CPUs ·{' '}
            {machine.config.zeroPagePatch === 'before' ? 'Linux 6.18' : '6.18 + zero-page series'} · THP{' '}
            {machine.config.thp}
            {machine.config.useZeroPage ? '' : ' (no zero page)'} · huge zero {machine.config.hugeZero}
            {machine.config.pageAllocUnmapped
              ? ` · page_alloc_unmapped (zeroing ${machine.config.unmappedZeroing ?? 'per_block'})`
              : ''}
          </>
        ) : (
          <span>Booting the emulated machine…</span>
        )}
      </p>
      {viewMode === 'machine' && <Meter />}
      <Tools />
    </header>
  );
}

/** What a reboot throws away: the processes alive and the operations after boot. */
function losing(s: AppState): { processes: number; ops: number } {
  return {
    processes: s.processes.filter((p) => p.exit === null).length,
    ops: s.timeline?.ops.filter((o) => o.kind !== 'boot').length ?? 0,
  };
}

/** The warning before a reboot that loses work. */
function LosingNote() {
  const processes = useAppState((s) => losing(s).processes);
  const ops = useAppState((s) => losing(s).ops);
  return (
    <p className="confirm" role="alert">
      Rebooting throws away {processes > 0 ? `${processes} process${processes === 1 ? '' : 'es'}` : ''}
      {processes > 0 && ops > 0 ? ' and ' : ''}
      {ops > 0 ? `${ops} operation${ops === 1 ? '' : 's'} after boot` : ''} (the timeline starts again).
    </p>
  );
}

/** Apply (or Reboot anyway), disabled while the machine is busy. */
function ApplyButton({ confirming }: { confirming: boolean }) {
  const status = useAppState((s) => s.status);
  const busy = status === 'booting' || status === 'busy';
  return (
    <button type="submit" className="primary" disabled={busy}>
      {status === 'booting' ? 'Booting…' : confirming ? 'Reboot anyway' : 'Apply and reboot'}
    </button>
  );
}
