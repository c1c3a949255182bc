/**
 * Moving through the timeline like a debugger: back/forward a step, step over a call, into it, out
 * of it, and the slider's linear index over every position. Pure functions of the operation sizes
 * and the shown operation's step depths, so the panel and the tests share them.
 *
 * Positions are {op, step} with step in 0..steps (steps = "after the operation"); null is live. The
 * position after the last operation is the live state, so it is returned as null.
 */
import type { TimelinePos } from '../worker/protocol.ts';

/** The timeline as navigation sees it: steps per operation, and the depths of operation `op`'s steps. */
interface NavModel {
  /** number of steps of each operation */
  sizes: readonly number[];
  /** the operation whose steps `depths` are */
  op: number;
  depths: readonly number[];
}

/** Where the view is, as a concrete position (live = after the last operation). */
export function concrete(sizes: readonly number[], pos: TimelinePos | null): TimelinePos | null {
  if (pos) return pos;
  const last = sizes.length - 1;
  return last < 0 ? null : { op: last, step: sizes[last]! };
}

/** The position after the last operation is live. */
function norm(sizes: readonly number[], p: TimelinePos): TimelinePos | null {
  const last = sizes.length - 1;
  return p.op === last && p.step >= sizes[last]! ? null : p;
}

export function forward(sizes: readonly number[], pos: TimelinePos | null): TimelinePos | null {
  const p = concrete(sizes, pos);
  if (!p) return null;
  if (p.step < sizes[p.op]!) return norm(sizes, { op: p.op, step: p.step + 1 });
  if (p.op + 1 < sizes.length) return norm(sizes, { op: p.op + 1, step: 0 });
  return null;
}

export function back(sizes: readonly number[], pos: TimelinePos | null): TimelinePos | null {
  const p = concrete(sizes, pos);
  if (!p) return null;
  if (p.step > 0) return { op: p.op, step: p.step - 1 };
  if (p.op > 0) return { op: p.op - 1, step: sizes[p.op - 1]! };
  return p;
}

/**
 * Step over: to the next step at the same depth or shallower (a call's whole subtree is skipped);
 * the end of the operation when there is none. Needs the depths of the current operation.
 */
export function over(m: NavModel, pos: TimelinePos | null): TimelinePos | null {
  const p = concrete(m.sizes, pos);
  if (!p || p.op !== m.op || p.step >= m.depths.length) return forward(m.sizes, pos);
  const d = m.depths[p.step]!;
  for (let j = p.step + 1; j < m.depths.length; j++)
    if (m.depths[j]! <= d) return norm(m.sizes, { op: p.op, step: j });
  return norm(m.sizes, { op: p.op, step: m.depths.length });
}

/** Step into: the next step, descending into a call (at the end of an operation, the next one). */
export function into(m: NavModel, pos: TimelinePos | null): TimelinePos | null {
  return forward(m.sizes, pos);
}

/** Step out: to the first step after the caller's subtree, i.e. the next one shallower than this. */
export function out(m: NavModel, pos: TimelinePos | null): TimelinePos | null {
  const p = concrete(m.sizes, pos);
  if (!p || p.op !== m.op || p.step >= m.depths.length) return forward(m.sizes, pos);
  const d = m.depths[p.step]!;
  for (let j = p.step + 1; j < m.depths.length; j++)
    if (m.depths[j]! < d) return norm(m.sizes, { op: p.op, step: j });
  return norm(m.sizes, { op: p.op, step: m.depths.length });
}

/** The slider: positions (op, 0..steps) for every op, in order; live is the last index. */
export function sliderMax(sizes: readonly number[]): number {
  let n = 0;
  for (const s of sizes) n += s + 1;
  return Math.max(0, n - 1);
}

export function toIndex(sizes: readonly number[], pos: TimelinePos | null): number {
  const p = concrete(sizes, pos);
  if (!p) return 0;
  let n = 0;
  for (let i = 0; i < p.op; i++) n += sizes[i]! + 1;
  return n + p.step;
}

export function fromIndex(sizes: readonly number[], index: number): TimelinePos | null {
  let n = Math.max(0, Math.floor(index));
  for (let op = 0; op < sizes.length; op++) {
    if (n <= sizes[op]!) return norm(sizes, { op, step: n });
    n -= sizes[op]! + 1;
  }
  return null;
}

/**
 * Boot, one boot function at a time through the timeline (a booted machine's boot steps are its
 * first operations): `start` is the state right after the first boot operation, `next`/`back` the end
 * of the following/previous one. `kinds` is each operation's kind. Returns undefined when there is
 * no such move (no boot operations, already at the first); null is live.
 */
export function bootMove(
  sizes: readonly number[],
  kinds: readonly string[],
  pos: TimelinePos | null,
  dir: 'start' | 'next' | 'back',
): TimelinePos | null | undefined {
  let last = -1;
  while (kinds[last + 1] === 'boot') last++;
  if (last < 0) return undefined;
  if (dir === 'start') return norm(sizes, { op: 0, step: sizes[0]! });
  const p = concrete(sizes, pos);
  if (!p) return undefined;
  // Where boot is: the boot operation shown (completed or not); past boot, just after the last one.
  const at = p.op > last ? last + 1 : p.step >= sizes[p.op]! ? p.op : p.op - 1;
  if (dir === 'next') {
    // After the last boot function: back to live (boot is over).
    if (at >= last) return at === last ? null : undefined;
    return norm(sizes, { op: at + 1, step: sizes[at + 1]! });
  }
  if (at <= 0) return undefined;
  return { op: at - 1, step: sizes[at - 1]! };
}
