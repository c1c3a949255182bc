/**
 * One way for a panel to read something from the worker and keep it current: `useFetched(read, key)`
 * runs `read` whenever `key` changes (the machine's version, a pid, a path...), drops replies that
 * arrive after the key moved on (a slow reply never overwrites a newer one), and turns a rejected
 * read into a message. Panels used to copy this effect with a `live` flag each; the copies differed
 * in whether a failure cleared the old data and whether a stale reply could show.
 */
import { useEffect, useState } from 'react';

interface FetchedState<T> {
  /** the last reply, for `key` or an earlier one (see `fresh`); null before the first */
  data: T | null;
  /** why the last read failed (its data is then null), or null */
  error: string | null;
  /** the key the data or error is for (a panel may keep showing data of the same path, older version) */
  key: readonly unknown[];
  /** the data or error is for the current key (false while a read for a new key is pending) */
  fresh: boolean;
}

/**
 * Read `read()` for `key` (an array of primitives compared element by element, like an effect's
 * dependencies). `read` null: nothing to read now (no machine, a closed panel); the last state stays.
 */
export function useFetched<T>(read: (() => Promise<T>) | null, key: readonly unknown[]): FetchedState<T> {
  const [state, setState] = useState<{ key: readonly unknown[]; data: T | null; error: string | null }>({
    key: [],
    data: null,
    error: null,
  });
  const enabled = read !== null;
  useEffect(() => {
    if (!read) return;
    let live = true;
    read().then(
      (data) => live && setState({ key, data, error: null }),
      (e: unknown) =>
        live && setState({ key, data: null, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
    // `read` is a new closure every render: the key says when to read again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, ...key]);
  return { ...state, fresh: sameKey(state.key, key) };
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
