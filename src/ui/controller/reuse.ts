/**
 * Structural sharing for what the worker sends with every reply (the machine's summary, the process
 * list, the allocations): each reply is a fresh structured clone, so without this every click hands
 * every view a new object and every view that reads one re-renders, changed or not. `reuse(prev,
 * next)` returns `next` with each part that equals the same part of `prev` replaced by `prev`'s, and
 * `prev` itself when nothing differs, so a zustand selector sees a new reference only where a value
 * changed.
 */
export function reuse<T>(prev: T, next: T): T {
  return share(prev, next) as T;
}

function share(prev: unknown, next: unknown): unknown {
  if (Object.is(prev, next)) return prev;
  if (typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next;
  if (Array.isArray(prev)) {
    if (!Array.isArray(next)) return next;
    let same = prev.length === next.length;
    const out = next.map((v: unknown, i) => {
      const s = i < prev.length ? share(prev[i], v) : v;
      if (s !== prev[i]) same = false;
      return s;
    });
    return same ? prev : out;
  }
  // Plain records only: a typed array or a class instance is taken as sent.
  if (Object.getPrototypeOf(prev) !== Object.prototype || Object.getPrototypeOf(next) !== Object.prototype)
    return next;
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  const keys = Object.keys(n);
  let same = keys.length === Object.keys(p).length;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const s = k in p ? share(p[k], n[k]) : n[k];
    if (s !== p[k] || !(k in p)) same = false;
    out[k] = s;
  }
  return same ? prev : out;
}
