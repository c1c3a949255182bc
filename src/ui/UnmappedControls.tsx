/**
 * Controls that reach the unmapped-pages states, each one scenario line through `controller.run` so
 * the transcript shows it: `cpu <n>`, `preempt pages=<n>` (a holder blocks the mermap fast path),
 * `resume`, `irqs off|on`, `alloc <name> order=<n> gfp=GFP_KERNEL[|__GFP_UNMAPPED][|__GFP_ZERO]` and
 * `free <name>`.
 */
import { useId, useState } from 'react';
import type { UnmappedInfo } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';

/** The first k1, k2, … no allocation has taken. */
function nextName(taken: string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`k${i}`)) return `k${i}`;
}

export function UnmappedControls({ info }: { info: UnmappedInfo }) {
  const controller = useController();
  const busy = useAppState((s) => s.status !== 'ready');
  const allocations = useAppState((s) => s.allocations);
  const [name, setName] = useState<string | null>(null);
  const [order, setOrder] = useState(9);
  const [unmapped, setUnmapped] = useState(true);
  const [zero, setZero] = useState(true);
  const [pages, setPages] = useState(511);
  const [freeName, setFreeName] = useState('');
  const ids = {
    cpu: useId(),
    name: useId(),
    order: useId(),
    unmapped: useId(),
    zero: useId(),
    pages: useId(),
    free: useId(),
  };
  const nameValue = name ?? nextName(allocations.map((a) => a.name));
  const cpu = info.cpus[info.curCpu];
  const gfp = ['GFP_KERNEL', unmapped && '__GFP_UNMAPPED', zero && '__GFP_ZERO'].filter(Boolean).join('|');
  const off = busy || !info.booted;
  const freeValue = allocations.some((a) => a.name === freeName)
    ? freeName
    : (allocations.at(-1)?.name ?? '');

  return (
    <div className="unmapped-controls">
      <div className="inline-form">
        <label htmlFor={ids.cpu}>cpu</label>
        <select
          id={ids.cpu}
          value={info.curCpu}
          disabled={off}
          onChange={(e) => void controller.run(`cpu ${e.target.value}`)}
        >
          {info.cpus.map((c) => (
            <option key={c.cpu} value={c.cpu}>
              {c.cpu}
            </option>
          ))}
        </select>
        <span data-testid="unmapped-cpu-state">
          {cpu ? `current: ${cpu.mm ?? 'no process (init_mm)'}, IRQs ${cpu.irqsOn ? 'on' : 'off'}` : ''}
        </span>
        <button
          type="button"
          disabled={off}
          onClick={() => void controller.run(`irqs ${cpu?.irqsOn ? 'off' : 'on'}`)}
        >
          {cpu?.irqsOn ? 'IRQs off' : 'IRQs on'}
        </button>
      </div>
      <form
        className="inline-form"
        aria-label="preempt a mermap holder"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void controller.run(`preempt pages=${pages}`);
        }}
      >
        <label htmlFor={ids.pages}>holder pages</label>
        <input
          id={ids.pages}
          className="short"
          type="number"
          min={1}
          max={511}
          value={Number.isNaN(pages) ? '' : pages}
          onChange={(e) => setPages(e.target.valueAsNumber)}
        />
        <button type="submit" disabled={off}>
          Preempt
        </button>
        <button type="button" disabled={off} onClick={() => void controller.run('resume')}>
          Resume
        </button>
      </form>
      <form
        className="inline-form"
        aria-label="allocate"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void controller
            .run(`alloc ${nameValue.trim()} order=${order} gfp=${gfp}`)
            .then((r) => r?.errors.length === 0 && setName(null));
        }}
      >
        <label htmlFor={ids.name}>name</label>
        <input
          id={ids.name}
          className="short"
          value={nameValue}
          spellCheck={false}
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor={ids.order}>order</label>
        <input
          id={ids.order}
          className="short"
          type="number"
          min={0}
          max={10}
          value={Number.isNaN(order) ? '' : order}
          onChange={(e) => setOrder(e.target.valueAsNumber)}
        />
        <span className="check">
          <input
            id={ids.unmapped}
            type="checkbox"
            checked={unmapped}
            onChange={(e) => setUnmapped(e.target.checked)}
          />
          <label htmlFor={ids.unmapped}>__GFP_UNMAPPED</label>
        </span>
        <span className="check">
          <input id={ids.zero} type="checkbox" checked={zero} onChange={(e) => setZero(e.target.checked)} />
          <label htmlFor={ids.zero}>__GFP_ZERO</label>
        </span>
        <button type="submit" className="primary" disabled={off}>
          Alloc
        </button>
      </form>
      {allocations.length > 0 && (
        <form
          className="inline-form"
          aria-label="free"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (freeValue) void controller.run(`free ${freeValue}`);
          }}
        >
          <label htmlFor={ids.free}>allocation</label>
          <select id={ids.free} value={freeValue} onChange={(e) => setFreeName(e.target.value)}>
            {allocations.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name} (order {a.order}, {a.gfp})
              </option>
            ))}
          </select>
          <button type="submit" disabled={off}>
            Free
          </button>
        </form>
      )}
    </div>
  );
}
