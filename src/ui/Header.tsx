/** The header: the machine's config (RAM, CPUs, how to boot) and the Reboot button. */
import { useId } from 'react';
import { useAppState, useController } from './context.ts';
import { size } from './format.ts';
import { RAM_CHOICES } from './store.ts';

export function Header() {
  const controller = useController();
  const draft = useAppState((s) => s.draft);
  const machine = useAppState((s) => s.machine);
  const status = useAppState((s) => s.status);
  const ids = { ram: useId(), cpus: useId(), step: useId() };
  const busy = status === 'booting' || status === 'busy';

  return (
    <header className="app-header">
      <div className="brand">
        <h1>MM Lab</h1>
        <p className="tagline">Linux memory management, emulated: one cell per page frame</p>
      </div>
      <form
        className="machine-form"
        aria-label="Machine configuration"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void controller.reboot();
        }}
      >
        <label htmlFor={ids.ram}>RAM</label>
        <select
          id={ids.ram}
          value={draft.ram}
          onChange={(e) => controller.setDraft({ ram: Number(e.target.value) })}
        >
          {RAM_CHOICES.map((c) => (
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
        <input
          id={ids.step}
          type="checkbox"
          checked={draft.stepBoot}
          onChange={(e) => controller.setDraft({ stepBoot: e.target.checked })}
        />
        <label htmlFor={ids.step}>step through boot</label>
        <button type="submit" className="primary" disabled={busy}>
          {status === 'booting' ? 'Booting…' : 'Reboot'}
        </button>
      </form>
      <p className="machine-summary" aria-live="polite" data-testid="machine-summary">
        {machine ? (
          <>
            {machine.config.arch} · {size(machine.config.ram)} RAM · {machine.config.cpus} CPUs
          </>
        ) : (
          <span>Booting the emulated machine…</span>
        )}
      </p>
    </header>
  );
}
