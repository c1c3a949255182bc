/**
 * The architecture, CPU, page granule, zero-page patch and RAM fields: one form part shared by the
 * header's machine settings and each side of Compare. MIPS is offered as the real CPUs: an R4400SC
 * (virtual coherency exceptions, so 8 coloured zero pages) and a MIPS 24Kc (none, one zero page).
 * The granule shows on arm64 only. Switching arch never changes RAM silently: when the arch cannot
 * have the RAM chosen, the nearest size it can is used and a note says so (the choice comes back on
 * an arch that can have it: store.ts withArch).
 */
import { ARCH_NAMES, type ArchName } from '../core/config.ts';
import { ERA_KERNEL } from '../core/symbols.ts';
import { ARCH_LABELS, ramChoicesFor, ramClampNote, withArch, type ArchDraft } from './store.ts';

/** The CPU select's choices: every arch, MIPS twice (with and without VCEs). */
interface CpuChoice {
  value: string;
  label: string;
  arch: ArchName;
  vce: boolean;
}

const CPU_CHOICES: readonly CpuChoice[] = ARCH_NAMES.flatMap((a): CpuChoice[] =>
  a === 'mips'
    ? [
        { value: 'mips:vce', label: 'MIPS R4400SC (VCEs: 8 zero pages)', arch: a, vce: true },
        { value: 'mips', label: 'MIPS 24Kc (no VCE: 1 zero page)', arch: a, vce: false },
      ]
    : [{ value: a, label: ARCH_LABELS[a], arch: a, vce: false }],
);

function cpuValue(d: ArchDraft): string {
  return d.arch === 'mips' && d.vce ? 'mips:vce' : d.arch;
}

export function ArchFields<T extends ArchDraft>({
  id,
  draft,
  onChange,
}: {
  /** a useId() prefix: the fields' ids */
  id: string;
  draft: T;
  onChange: (next: T) => void;
}) {
  const note = ramClampNote(draft);
  return (
    <>
      <span className="field">
        <label htmlFor={`${id}-arch`}>arch</label>
        <select
          id={`${id}-arch`}
          value={cpuValue(draft)}
          onChange={(e) => {
            const c = CPU_CHOICES.find((x) => x.value === e.target.value)!;
            onChange({ ...withArch(draft, c.arch), vce: c.vce });
          }}
        >
          {CPU_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </span>
      {draft.arch === 'arm64' && (
        <span className="field">
          <label htmlFor={`${id}-granule`}>granule</label>
          <select
            id={`${id}-granule`}
            value={draft.granule}
            onChange={(e) => onChange({ ...draft, granule: Number(e.target.value) as 4 | 16 | 64 })}
          >
            <option value={4}>4K</option>
            <option value={16}>16K</option>
            <option value={64}>64K</option>
          </select>
        </span>
      )}
      <span className="field">
        <label htmlFor={`${id}-patch`}>zero-page patch</label>
        <select
          id={`${id}-patch`}
          value={draft.zeroPagePatch}
          title={`before: ${ERA_KERNEL.before}; after: ${ERA_KERNEL.after}`}
          onChange={(e) => onChange({ ...draft, zeroPagePatch: e.target.value as 'before' | 'after' })}
        >
          <option value="before">before ({ERA_KERNEL.before})</option>
          <option value="after">after (the series)</option>
        </select>
      </span>
      <span className="field">
        <label htmlFor={`${id}-ram`}>RAM</label>
        <select
          id={`${id}-ram`}
          value={draft.ram}
          aria-describedby={note ? `${id}-ramnote` : undefined}
          onChange={(e) =>
            onChange({ ...draft, ram: Number(e.target.value), ramChosen: Number(e.target.value) })
          }
        >
          {ramChoicesFor(draft.arch).map((c) => (
            <option key={c.bytes} value={c.bytes}>
              {c.label}
            </option>
          ))}
        </select>
      </span>
      {note && (
        <span className="ram-note" id={`${id}-ramnote`} data-testid="ram-note" role="note">
          {note}
        </span>
      )}
    </>
  );
}
