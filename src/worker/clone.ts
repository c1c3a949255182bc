/**
 * Deep copies of a hosted machine, for the timeline's checkpoints.
 *
 * `cloneGraph` copies an object graph: class instances keep their prototypes, Maps and Sets are
 * rebuilt, typed arrays and DataViews get copied buffers (views that shared a buffer still share the
 * copy: PhysicalRam keeps a Uint8Array and a DataView per chunk), shared references and cycles stay
 * shared. Functions are kept by reference — which is wrong for closures over the old machine, so
 * `cloneMachine` rebinds the few the core installs and `ownFunctions` lets a test insist that there
 * are no others.
 */
import { bootSteps } from '../core/boot.ts';
import { kernelMapAccess } from '../core/mm/direct_map.ts';
import { installUnmapped } from '../core/mm/mermap.ts';
import type { Machine } from '../core/machine.ts';
import type { Session } from '../core/scenario/run.ts';

/** Copy `root` deeply; objects in `share` are kept by reference (immutable specs). */
export function cloneGraph<T>(
  root: T,
  share: ReadonlySet<object> = new Set(),
  stats: { bytes: number } = { bytes: 0 },
): T {
  const memo = new Map<unknown, unknown>();
  const buffers = new Map<ArrayBufferLike, ArrayBuffer>();
  const copyBuffer = (b: ArrayBufferLike): ArrayBuffer => {
    let c = buffers.get(b);
    if (!c) {
      c = (b as ArrayBuffer).slice(0);
      buffers.set(b, c);
      stats.bytes += c.byteLength;
    }
    return c;
  };
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (share.has(v)) return v;
    const seen = memo.get(v);
    if (seen !== undefined) return seen;
    if (ArrayBuffer.isView(v)) {
      const buf = copyBuffer(v.buffer);
      const c =
        v instanceof DataView
          ? new DataView(buf, v.byteOffset, v.byteLength)
          : new (v.constructor as new (b: ArrayBuffer, o: number, n: number) => ArrayBufferView)(
              buf,
              v.byteOffset,
              (v as unknown as { length: number }).length,
            );
      memo.set(v, c);
      return c;
    }
    if (v instanceof ArrayBuffer) {
      const c = copyBuffer(v);
      memo.set(v, c);
      return c;
    }
    if (Array.isArray(v)) {
      const c: unknown[] = new Array<unknown>(v.length);
      memo.set(v, c);
      // Holes stay holes (a sparse array's keys are part of what it is).
      for (let i = 0; i < v.length; i++) if (i in v) c[i] = copy(v[i]);
      return c;
    }
    if (v instanceof Map) {
      const c = new Map();
      memo.set(v, c);
      for (const [k, x] of v) c.set(copy(k), copy(x));
      return c;
    }
    if (v instanceof Set) {
      const c = new Set();
      memo.set(v, c);
      for (const x of v) c.add(copy(x));
      return c;
    }
    const c = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    memo.set(v, c);
    for (const k of Object.keys(v)) c[k] = copy((v as Record<string, unknown>)[k]);
    return c;
  };
  return copy(root) as T;
}

/** The function-valued own properties reachable from `root` (outside `share`), by path: for tests. */
export function ownFunctions(root: unknown, share: ReadonlySet<object> = new Set()): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'function') return void found.push(path);
    if (v === null || typeof v !== 'object' || share.has(v) || seen.has(v) || ArrayBuffer.isView(v)) return;
    seen.add(v);
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    if (v instanceof Map)
      return v.forEach((x, k) => walk(x, `${path}.get(${typeof k === 'object' ? '…' : String(k)})`));
    if (v instanceof Set) return v.forEach((x) => walk(x, `${path}.has(…)`));
    for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], `${path}.${k}`);
  };
  walk(root, '');
  return found;
}

/** What the host keeps of a machine: the Machine and its scenario Session. */
export interface MachineAndSession {
  m: Machine;
  session: Session;
}

/**
 * The immutable parts of a machine, shared between copies: the architecture spec and everything it
 * reaches (the allocator's config points at the arch's zone table, for one: a copy must too).
 */
export function sharedParts(m: Machine): Set<object> {
  const shared = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || shared.has(v)) return;
    shared.add(v);
    if (ArrayBuffer.isView(v)) return;
    if (v instanceof Map) return v.forEach((x, k) => (walk(k), walk(x)));
    if (v instanceof Set) return v.forEach((x) => walk(x));
    for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
  };
  walk(m.arch);
  walk(m.pgtableArch);
  return shared;
}

/**
 * The closures a Machine holds, by path from {m, session}: every one is rebound by cloneMachine (or
 * replaced by the host: the tracer's sinks, the session's output). `tests/timeline.test.ts` checks
 * that a machine has no function-valued property outside this list.
 */
export const KNOWN_CLOSURES: readonly RegExp[] = [
  /^\.m\.steps\[\d+\]\.run$/, // bootSteps(m): regenerated for the copy
  /^\.m\.bootStep$/, // the host's trackStepNotes wrapper: rewrapped by the host
  /^\.m\.alloc\.onPrintk$/,
  /^\.m\.alloc\.onKernelAccess$/,
  /^\.m\.alloc\.unmappedHooks\.\w+$/,
  /^\.m\.trace\.sinks\[\d+\]$/, // the host's sinks: a copy starts with none
  /^\.session\.opts\.out$/, // the host's output: replaced
];

/**
 * A deep copy of a machine and its session that shares nothing mutable with them: the closures the
 * core installs on a machine are rebound to the copy, the tracer starts without sinks, and the
 * host's own wrappers (m.bootStep, session output) are removed for the host to install its own.
 */
export function cloneMachine(
  src: MachineAndSession,
  out: (text: string) => void,
  stats?: { bytes: number },
): MachineAndSession {
  // Only the machine and the session: a host record passed in brings more (dirty ranges, output).
  const c = cloneGraph({ m: src.m, session: src.session }, sharedParts(src.m), stats);
  const m = c.m;
  (m.trace as unknown as { sinks: unknown[] }).sinks = [];
  delete (m as unknown as Record<string, unknown>)['bootStep']; // back to Machine.prototype.bootStep
  (m as { steps: unknown }).steps = bootSteps(m);
  m.alloc.onPrintk = (line) => m.printk(line);
  if (src.m.alloc.onKernelAccess) m.alloc.onKernelAccess = (pfn, nr, cpu) => kernelMapAccess(m, pfn, nr, cpu);
  if (src.m.alloc.unmappedHooks) installUnmapped(m);
  (c.session as unknown as { opts: { out: (t: string) => void } }).opts = { out };
  return c;
}
