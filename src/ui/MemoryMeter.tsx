/**
 * The emulator's own memory use, in the header (issue #13: a learner filling a big machine crashed
 * a laptop's tab). A compact meter — what the emulator holds against the memory budget — opens
 * into the figures: the RAM chunks the live machine holds (only written RAM costs memory; chunks
 * with equal bytes share one copy once compacted, and the row says how many), what the
 * timeline's past holds apart from it, the per-frame metadata, a replayed machine while the view is
 * in the past; and the budget, which the learner chooses here (kept in localStorage and sent to the
 * worker with every read). A statement that may take the total over the budget is refused before
 * it runs, at its line, saying so. A share link cannot raise the budget.
 */
import { useId, useState } from 'react';
import type { MemoryUse } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { useFetched } from './use_fetched.ts';
import './memory_meter.css';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** The budgets offered; the default (DEFAULT_MEMORY_BUDGET) is 2 GiB. */
export const BUDGETS = [256 * MiB, 512 * MiB, GiB, 2 * GiB, 4 * GiB, 8 * GiB, 16 * GiB];
const DEFAULT_BUDGET = 2 * GiB;
const STORAGE_KEY = 'mmlab.memoryBudget';

function loadBudget(): number {
  try {
    const v = Number(localStorage.getItem(STORAGE_KEY));
    return BUDGETS.includes(v) ? v : DEFAULT_BUDGET;
  } catch {
    return DEFAULT_BUDGET;
  }
}

function saveBudget(v: number): void {
  try {
    localStorage.setItem(STORAGE_KEY, String(v));
  } catch {
    // private mode: the choice lasts this page
  }
}

/** Bytes for a person: 1.5 GiB, 312 MiB. */
export function bytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(n >= 10 * GiB ? 0 : 1).replace(/\.0$/, '')} GiB`;
  if (n >= MiB) return `${Math.round(n / MiB)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

export function MemoryMeter() {
  const controller = useController();
  const version = useAppState((s) => s.opVersion);
  const machine = useAppState((s) => s.machine);
  const [budget, setBudget] = useState(loadBudget);
  const id = useId();
  const fetched = useFetched<MemoryUse>(machine ? () => controller.client.memory(budget) : null, [
    version,
    machine,
    budget,
  ]);
  const u = fetched.data;
  const choose = (v: number) => {
    saveBudget(v);
    setBudget(v);
  };
  const share = u ? u.total / u.budget : 0;
  return (
    <details className="memory-meter" data-testid="memory-meter">
      <summary
        aria-label={
          u ? `Emulator memory: ${bytes(u.total)} of a ${bytes(u.budget)} budget` : 'Emulator memory'
        }
      >
        <span className="memory-label">Memory</span>
        <meter min={0} max={1} low={0.6} high={0.85} optimum={0} value={share} aria-hidden="true" />
        <span className="memory-total">{u ? bytes(u.total) : '…'}</span>
      </summary>
      <div className="memory-panel">
        <h2 className="sub-title">The emulator&apos;s own memory</h2>
        {fetched.error && <p role="alert">{fetched.error}</p>}
        {u && (
          <table className="memory-table" data-testid="memory-table">
            <tbody>
              <tr>
                <th scope="row">Emulated RAM written</th>
                <td>{bytes(u.ram)}</td>
                <td
                  className="muted"
                  title="After each statement the emulator looks at the RAM it wrote: a chunk that holds only zeros gives its memory back, and chunks with the same bytes (a fill with one value, one byte in every page) share one copy until one of them is written again."
                >
                  {u.ramChunks.toLocaleString('en-US')} chunks of {bytes(u.chunkSize)} of the{' '}
                  {bytes(u.ramSize)} machine
                  {u.dedupedChunks > 0 && (
                    <span data-testid="memory-deduped">
                      , and {u.dedupedChunks.toLocaleString('en-US')} more stored compactly (sharing an equal
                      chunk&apos;s bytes)
                    </span>
                  )}
                  ; RAM never written (or all zeros again) costs nothing
                </td>
              </tr>
              <tr>
                <th scope="row">Timeline&apos;s past</th>
                <td>{bytes(u.past)}</td>
                <td className="muted">
                  {u.checkpoints} checkpoints, at most {bytes(u.pastBudget)}
                </td>
              </tr>
              <tr>
                <th scope="row">struct page and metadata</th>
                <td>{bytes(u.metadata)}</td>
                <td className="muted">fixed by the RAM size</td>
              </tr>
              {u.view > 0 && (
                <tr>
                  <th scope="row">Replayed machine</th>
                  <td>{bytes(u.view)}</td>
                  <td className="muted">the view is in the past</td>
                </tr>
              )}
              <tr className="memory-sum">
                <th scope="row">Total</th>
                <td>{bytes(u.total)}</td>
                <td className="muted">{Math.round(share * 100)}% of the budget</td>
              </tr>
            </tbody>
          </table>
        )}
        <p>
          <label htmlFor={`${id}-budget`}>Memory budget</label>{' '}
          <select id={`${id}-budget`} value={budget} onChange={(e) => choose(Number(e.target.value))}>
            {BUDGETS.map((b) => (
              <option key={b} value={b}>
                {bytes(b)}
              </option>
            ))}
          </select>
        </p>
        <p className="muted">
          A line that may write more emulated RAM than the budget leaves is refused before it runs, and says
          so. Links and scenarios cannot raise it.
        </p>
      </div>
    </details>
  );
}
