/**
 * alloc_pages() and __free_pages() by hand: allocate a named block and watch the buddy allocator split
 * a larger block (expand), free it and watch the buddies merge back.
 */
import { useId, useState } from 'react';
import { useAppState, useController } from './context.ts';
import { hex } from './format.ts';

const GFP_CHOICES = [
  'GFP_KERNEL',
  'GFP_KERNEL|__GFP_ZERO',
  'GFP_ATOMIC',
  'GFP_HIGHUSER_MOVABLE',
  'GFP_DMA',
  'GFP_DMA32',
];

function nextName(taken: string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`k${i}`)) return `k${i}`;
}

export function AllocForm() {
  const controller = useController();
  const allocations = useAppState((s) => s.allocations);
  const booted = useAppState((s) => s.machine?.booted ?? false);
  const busy = useAppState((s) => s.status !== 'ready');
  const [name, setName] = useState('k1');
  const [order, setOrder] = useState('0');
  const [gfp, setGfp] = useState('GFP_KERNEL');
  const ids = { name: useId(), order: useId(), gfp: useId(), gfpList: useId() };

  const submit = async () => {
    const ok = await controller.alloc(name, Number(order), gfp);
    if (ok) setName(nextName(controller.store.getState().allocations.map((a) => a.name)));
  };

  return (
    <section className="panel alloc-panel" aria-labelledby="alloc-title">
      <h2 id="alloc-title">Allocate pages</h2>
      <form
        className="alloc-form"
        aria-label="alloc_pages"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor={ids.name}>name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
        <label htmlFor={ids.order}>order</label>
        <input
          id={ids.order}
          type="number"
          inputMode="numeric"
          min={0}
          value={order}
          onChange={(e) => setOrder(e.target.value)}
        />
        <label htmlFor={ids.gfp}>gfp</label>
        <input
          id={ids.gfp}
          list={ids.gfpList}
          value={gfp}
          onChange={(e) => setGfp(e.target.value)}
          spellCheck={false}
        />
        <datalist id={ids.gfpList}>
          {GFP_CHOICES.map((g) => (
            <option key={g} value={g} />
          ))}
        </datalist>
        <button type="submit" className="primary" disabled={busy || !booted}>
          Allocate
        </button>
      </form>
      <p className="muted hint">
        {booted
          ? `2^order contiguous frames. Watch /proc/buddyinfo: a larger block is split, its halves go back on the free lists.`
          : 'The buddy allocator is up once boot has finished (memblock_free_all).'}
      </p>
      {allocations.length > 0 && (
        <ul className="allocations" aria-label="Live allocations">
          {allocations.map((a) => (
            <li key={a.name}>
              <button
                type="button"
                className="link"
                onClick={() => controller.frameGrid?.focusPfn(a.pfn, 16)}
                aria-label={`Show ${a.name} on the grid`}
              >
                {a.name}
              </button>
              <span>
                pfn {hex(a.pfn)}, order {a.order}, {a.gfp}
              </span>
              <button
                type="button"
                disabled={busy}
                onClick={() => void controller.free(a.name)}
                aria-label={`Free ${a.name}`}
              >
                Free
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
