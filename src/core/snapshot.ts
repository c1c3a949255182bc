/**
 * Machine snapshots: a versioned image of a machine (and whatever the host keeps beside it) that a
 * restore turns back into an independent machine — the timeline's checkpoints.
 *
 * Each part is saved the way it is cheapest to keep:
 *   - physical RAM (phys/ram.ts) is frozen copy-on-write: the snapshot shares every chunk with the
 *     machine, and whichever side writes a shared chunk first copies that chunk alone; the chunk
 *     table itself is kept in blocks shared with the previous snapshot's (FrozenRam);
 *   - the large typed arrays (struct page's fields, the pageblock bits, list links) are kept in
 *     BLOCK-byte blocks, and a block equal to the same block of the previous snapshot of the same
 *     array is shared with it, so a checkpoint costs the blocks that changed since the last one;
 *   - the rest (tasks, mms, VMAs, maps, counters: small) is copied structurally, class instances
 *     keeping their prototypes;
 *   - the closures the core installs on a machine (boot steps, the allocator's printk and
 *     direct-map hooks, the unmapped-allocation hooks) are not state: restore installs them again
 *     for the new machine (`rebindMachine`), and the tracer starts without sinks.
 *
 * Immutable specs (the architecture and what it reaches) are shared, never copied.
 */
import { installReclaim } from './mm/kswapd.ts';
import { bootSteps } from './boot.ts';
import type { Machine } from './machine.ts';
import { kernelMapAccess } from './mm/direct_map.ts';
import { installUnmapped } from './mm/mermap.ts';
import { FrozenRam, PhysicalRam } from './phys/ram.ts';

export const SNAPSHOT_MAGIC = 'mmlab-snapshot';
/** Bumped whenever what a snapshot holds changes shape; restore refuses any other. */
export const SNAPSHOT_VERSION = 1;
/** Block size for the large typed arrays' sharing between consecutive snapshots. */
export const SNAPSHOT_BLOCK = 1 << 16;

const EMPTY = new Uint8Array(0);

/** A large typed array kept as blocks (some shared with the previous snapshot of the same array). */
class BlockedArray {
  constructor(
    readonly ctor: new (b: ArrayBuffer) => ArrayBufferView,
    readonly byteLength: number,
    readonly blocks: Uint8Array[],
  ) {}

  /**
   * The array again: in `into` (a buffer of byteLength nothing else uses) or a new one. `held`: the
   * blocks `into` holds already (it was materialised from them and not written since): only the
   * blocks that differ from those (by identity: consecutive snapshots share unchanged blocks) are
   * copied.
   */
  materialise(into?: ArrayBuffer, held?: readonly Uint8Array[]): ArrayBufferView {
    const buf = into ?? new ArrayBuffer(this.byteLength);
    const u8 = new Uint8Array(buf);
    const same = held && held.length === this.blocks.length;
    let off = 0;
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i]!;
      if (!same || held[i] !== b) u8.set(b, off);
      off += b.byteLength;
    }
    return new this.ctor(buf);
  }
}

/** A small typed array (its whole buffer) kept in a step window's slab. */
class SmallArray {
  constructor(
    readonly ctor: new (b: ArrayBuffer) => ArrayBufferView,
    readonly bytes: Uint8Array,
  ) {}
}

/** A buffer a snapshot holds that the next snapshot may share: a block of a large array or of a chunk table. */
export interface SnapshotBlock {
  readonly byteLength: number;
}

export interface Snapshot<T> {
  magic: typeof SNAPSHOT_MAGIC;
  version: number;
  /** the copied graph; typed arrays as BlockedArray, RAM as a frozen fork */
  root: T;
  /** the blocks of the large arrays and of RAM's chunk table (shared ones included) */
  blocks: SnapshotBlock[];
  /** the RAM chunks the snapshot holds (shared with the machine until it writes them) */
  chunks: Uint8Array[];
  /** bytes copied for this snapshot outside `blocks`: the small arrays */
  bytes: number;
}

/**
 * Takes and restores snapshots. It remembers the last snapshot of each large array (by the array's
 * buffer) so the next snapshot of the same machine shares the blocks that did not change.
 */
export class Snapshotter {
  private last = new WeakMap<ArrayBufferLike, Uint8Array[]>();
  /** the last freeze of each RAM, whose table blocks the next one shares */
  private lastRam = new WeakMap<PhysicalRam, FrozenRam>();
  /**
   * Buffers of large arrays of machines that were let go (`recycle`), by byte length: a restore
   * writes the arrays into them instead of allocating new ones. At 16 GiB a machine's metadata is
   * about 94 MiB; allocating it for every step back took 300–600 ms, mostly the garbage collector
   * (V8 collects when external memory grows) and the first touch of fresh pages, against about
   * 15 ms to copy the blocks into buffers that are already there.
   */
  private pool = new Map<number, ArrayBuffer[]>();
  /** RAMs of machines let go: a restore's RAM takes the frozen chunk table in place (PhysicalRam.adopt) */
  private ramPool: PhysicalRam[] = [];
  /** the small arrays' buffers of the machine let go, by byte length (copied into whole) */
  private smallPool = new Map<number, ArrayBuffer[]>();
  private readonly fresh = (len: number): ArrayBuffer =>
    this.smallPool.get(len)?.pop() ?? new ArrayBuffer(len);
  /**
   * The blocks a buffer was last materialised from, while nothing has written it since (a machine
   * restored for display only and let go unchanged: `recycle(.., true)`). A restore into it copies
   * only the blocks that differ: a step inside an operation costs the blocks that step changed.
   */
  private holds = new WeakMap<ArrayBuffer, readonly Uint8Array[]>();
  /** bytes the last restore copied into the large arrays (tests check the cheap path was taken) */
  lastRestoreCopied = 0;

  /** Bytes the pool holds (the memory meter counts them with the view). */
  get pooledBytes(): number {
    let n = 0;
    for (const [len, bufs] of this.pool) n += len * bufs.length;
    for (const [len, bufs] of this.smallPool) n += len * bufs.length;
    for (const r of this.ramPool) n += r.tableBytes();
    return n;
  }

  /** Let the pooled buffers go (the memory they hold is wanted back). */
  clearPool(): void {
    this.pool = new Map();
    this.smallPool = new Map();
    this.ramPool = [];
  }

  /**
   * Fill the pool from `snap` when it is empty: a machine restored and let go at once, so that the
   * next restore (the first step back from live) writes into memory that is already there. The host
   * calls it when idle: the first touch of new memory is most of a cold restore's cost.
   */
  prewarm(snap: Snapshot<unknown>, share: ReadonlySet<object>): boolean {
    if (this.poolFits(snap)) return false;
    this.clearPool(); // another machine's (a new init): let it go first
    this.recycle(this.restore(snap, share), share, true);
    return true;
  }

  /** Whether the pool has a buffer for every large array of `snap`, and a RAM of its size. */
  private poolFits(snap: Snapshot<unknown>): boolean {
    const need = new Map<number, number>();
    let ram = 0;
    const seen = new Set<unknown>();
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) return;
      seen.add(v);
      if (v instanceof FrozenRam) return void (ram = v.size);
      if (v instanceof BlockedArray) return void need.set(v.byteLength, (need.get(v.byteLength) ?? 0) + 1);
      if (Array.isArray(v)) return v.forEach(walk);
      if (v instanceof Map) return v.forEach((x, k) => (walk(k), walk(x)));
      if (v instanceof Set) return v.forEach(walk);
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
    };
    walk(snap.root);
    for (const [len, n] of need) if ((this.pool.get(len)?.length ?? 0) < n) return false;
    return ram === 0 || this.ramPool.some((r) => r.size === ram);
  }

  /**
   * `root` (a restored machine, with what the host keeps beside it) will not be used again: its
   * large arrays' buffers are kept for the next restore. Only the arrays a snapshot would keep in
   * blocks qualify (whole buffers of at least SNAPSHOT_BLOCK bytes). Its RAM is kept too, for its
   * chunk table only: the chunks stay shared copy-on-write with the checkpoints, and a restore's RAM
   * copies the table blocks that differ into it. The pool keeps one machine's worth: the previous
   * one is let go.
   */
  recycle(root: unknown, share: ReadonlySet<object>, unchanged = false): void {
    const pool = new Map<number, ArrayBuffer[]>();
    const small = new Map<number, ArrayBuffer[]>();
    const rams: PhysicalRam[] = [];
    const seen = new Set<unknown>();
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== 'object' || share.has(v) || seen.has(v)) return;
      seen.add(v);
      if (v instanceof PhysicalRam) return void rams.push(v);
      if (ArrayBuffer.isView(v)) {
        if (v instanceof DataView || seen.has(v.buffer)) return;
        seen.add(v.buffer);
        if (v.byteOffset !== 0 || v.byteLength !== v.buffer.byteLength) return;
        if (v.byteLength < SNAPSHOT_BLOCK) {
          // small arrays too: a new ArrayBuffer costs far more than its bytes (V8 charges each
          // allocation for the external memory held), and a step's restore has a score of them
          const list = small.get(v.byteLength) ?? [];
          list.push(v.buffer as ArrayBuffer);
          small.set(v.byteLength, list);
          return;
        }
        const list = pool.get(v.byteLength) ?? [];
        if (!unchanged) this.holds.delete(v.buffer as ArrayBuffer);
        list.push(v.buffer as ArrayBuffer);
        pool.set(v.byteLength, list);
        return;
      }
      if (Array.isArray(v)) return v.forEach(walk);
      if (v instanceof Map) return v.forEach((x, k) => (walk(k), walk(x)));
      if (v instanceof Set) return v.forEach(walk);
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
    };
    walk(root);
    this.pool = pool;
    this.smallPool = small;
    this.ramPool = rams;
  }

  /**
   * Snapshot `root` (a machine and what the host keeps with it); `share`: immutable objects.
   * `tracked`: the large arrays a WriteTracker watched since the last snapshot of them: blocks it saw
   * no write to are shared with that snapshot without comparing them.
   */
  take<T>(root: T, share: ReadonlySet<object>, tracked?: WriteTracker): Snapshot<T> {
    const blocks: SnapshotBlock[] = [];
    const chunks: Uint8Array[] = [];
    const smalls = new Map<ArrayBufferLike, Uint8Array>();
    let bytes = 0;
    const copied = copyGraph(root, share, (v, buffers) => {
      if (v instanceof PhysicalRam) {
        const prev = this.lastRam.get(v);
        const f = v.freeze(prev);
        this.lastRam.set(v, f);
        if (tracked && prev) {
          // a step window's snapshot: the chunks of the table blocks the last one did not have (the
          // others it holds already, and the window is let go as a whole)
          for (let b = 0; b < f.table.length; b++) {
            const t = f.table[b]!;
            if (t === prev.table[b]) continue;
            blocks.push(t);
            for (const c of t.chunks) if (c) chunks.push(c);
          }
          return f;
        }
        for (const c of f.backed()) chunks.push(c);
        for (const t of f.table) blocks.push(t);
        return f;
      }
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
        if (!whole || v.byteLength < SNAPSHOT_BLOCK) {
          if (tracked && whole) {
            // a step window's snapshot: into the watcher's slab (see WriteTracker.alloc)
            let r = smalls.get(v.buffer);
            if (!r) {
              r = tracked.alloc(v.byteLength);
              r.set(new Uint8Array(v.buffer));
              smalls.set(v.buffer, r);
              bytes += v.byteLength;
            }
            return new SmallArray(v.constructor as new (b: ArrayBuffer) => ArrayBufferView, r);
          }
          const c = copyView(v, buffers);
          bytes += c.bytes;
          return c.view;
        }
        const prev = this.last.get(v.buffer);
        const written = tracked?.dirty.get(v.buffer);
        const src = new Uint8Array(v.buffer);
        const got: Uint8Array[] = [];
        // Blocks equal to the last snapshot's are shared; the others are copied into one buffer.
        const changed: number[] = [];
        for (let off = 0, i = 0; off < src.byteLength; off += SNAPSHOT_BLOCK, i++) {
          const p = prev?.[i];
          const end = Math.min(off + SNAPSHOT_BLOCK, src.byteLength);
          if (p && p.byteLength === end - off && ((written && !written[i]) || sameBytes(src, off, p)))
            got.push(p);
          else {
            changed.push(i);
            got.push(EMPTY);
          }
        }
        let size = 0;
        for (const i of changed) size += Math.min(SNAPSHOT_BLOCK, src.byteLength - i * SNAPSHOT_BLOCK);
        const store = tracked ? tracked.alloc(size) : new Uint8Array(size);
        let at = 0;
        for (const i of changed) {
          const off = i * SNAPSHOT_BLOCK;
          const n = Math.min(SNAPSHOT_BLOCK, src.byteLength - off);
          const b = store.subarray(at, at + n);
          b.set(src.subarray(off, off + n));
          got[i] = b;
          at += n;
        }
        this.last.set(v.buffer, got);
        // the array holds these blocks now: a restore into it (once its machine is let go
        // unchanged since, `recycle(.., true)`) copies only the blocks that differ from them
        this.holds.set(v.buffer as ArrayBuffer, got);
        for (const b of got) blocks.push(b);
        return new BlockedArray(v.constructor as new (b: ArrayBuffer) => ArrayBufferView, v.byteLength, got);
      }
      return undefined;
    });
    return { magic: SNAPSHOT_MAGIC, version: SNAPSHOT_VERSION, root: copied, blocks, chunks, bytes };
  }

  /** A new, independent copy of what `snap` holds (the snapshot itself is not changed). */
  restore<T>(snap: Snapshot<T>, share: ReadonlySet<object>): T {
    if (snap?.magic !== SNAPSHOT_MAGIC)
      throw new Error('restore: not a machine snapshot (no mmlab-snapshot magic)');
    if (snap.version !== SNAPSHOT_VERSION)
      throw new Error(`restore: snapshot version ${snap.version}, this build reads ${SNAPSHOT_VERSION}`);
    this.lastRestoreCopied = 0;
    return copyGraph(snap.root, share, (v, buffers) => {
      if (v instanceof FrozenRam) return v.thaw(this.ramPool.pop());
      if (v instanceof BlockedArray) {
        const into = this.pooled(v);
        const held = into && this.holds.get(into);
        const same = held && held.length === v.blocks.length;
        for (let i = 0; i < v.blocks.length; i++)
          if (!same || held[i] !== v.blocks[i]) this.lastRestoreCopied += v.blocks[i]!.byteLength;
        const a = v.materialise(into, held);
        this.holds.set(a.buffer as ArrayBuffer, v.blocks);
        // what the next snapshot of this array (a step window's, taken inside the operation that
        // runs on it) shares its unchanged blocks with
        this.last.set(a.buffer, v.blocks);
        return a;
      }
      if (v instanceof SmallArray) {
        // views of one buffer share one copy (keyed by the bytes the snapshot holds)
        let buf = buffers.get(v.bytes as unknown as ArrayBufferLike);
        if (!buf) {
          buf = this.fresh(v.bytes.byteLength);
          new Uint8Array(buf).set(v.bytes);
          buffers.set(v.bytes as unknown as ArrayBufferLike, buf);
        }
        return new v.ctor(buf);
      }
      if (ArrayBuffer.isView(v)) return copyView(v, buffers, this.fresh).view;
      return undefined;
    });
  }

  /**
   * A pooled buffer for `v`: the one that holds most of its blocks already (arrays of the same length
   * — flags, refcount, mapcount — share a pool list), else any.
   */
  private pooled(v: BlockedArray): ArrayBuffer | undefined {
    const list = this.pool.get(v.byteLength);
    if (!list?.length) return undefined;
    let best = list.length - 1;
    let most = -1;
    for (let j = 0; j < list.length; j++) {
      const held = this.holds.get(list[j]!);
      if (!held || held.length !== v.blocks.length) continue;
      let n = 0;
      for (let i = 0; i < held.length; i++) if (held[i] === v.blocks[i]) n++;
      if (n > most) {
        most = n;
        best = j;
      }
    }
    return list.splice(best, 1)[0];
  }
}

/** WriteTracker.alloc's slab size */
const SLAB_BYTES = 2 ** 20;

/** Mutating (or aliasing: subarray) methods of a typed array: a call marks the whole array written. */
const WRITERS = new Set<PropertyKey>(['fill', 'set', 'copyWithin', 'sort', 'reverse', 'subarray']);

/**
 * Which SNAPSHOT_BLOCK blocks of a holder's large typed arrays (struct page's fields: `m.pages`) are
 * written, while it watches: each array is replaced on the holder by a Proxy that marks the block of
 * every index stored through it. Exact as long as the code reads the array from the holder each
 * time (the core does: `m.pages.flags[pfn]`, never an alias kept across a kernel function); a
 * mutating method marks the whole array. Slower than the bare arrays (a trap per access), so the
 * timeline watches only the few events around the cursor it takes snapshots at.
 */
export class WriteTracker {
  /** per watched buffer, one byte per block: written since `clear()` */
  readonly dirty = new Map<ArrayBufferLike, Uint8Array>();
  private readonly raw = new Map<string, ArrayBufferView>();
  private readonly proxies = new Map<string, ArrayBufferView>();

  /**
   * `watch` false: watch nothing (every block is compared, as without a tracker); the snapshots
   * still go into the tracker's slabs and list only the RAM chunks of changed table blocks.
   */
  constructor(
    private readonly holder: object,
    watch = true,
  ) {
    const h = holder as Record<string, unknown>;
    if (!watch) return;
    for (const k of Object.keys(h)) {
      const v = h[k];
      if (!ArrayBuffer.isView(v) || v instanceof DataView) continue;
      if (v.byteOffset !== 0 || v.byteLength !== v.buffer.byteLength || v.byteLength < SNAPSHOT_BLOCK)
        continue;
      const bits = new Uint8Array(Math.ceil(v.byteLength / SNAPSHOT_BLOCK));
      this.dirty.set(v.buffer, bits);
      const shift = Math.log2(
        SNAPSHOT_BLOCK / (v as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
      );
      const methods = new Map<PropertyKey, unknown>();
      const target = v as unknown as Record<PropertyKey, unknown>;
      const proxy = new Proxy(target, {
        get(t, key) {
          const x = t[key];
          if (typeof x !== 'function') return x;
          let f = methods.get(key);
          if (!f) {
            f = (...args: unknown[]) => {
              if (WRITERS.has(key)) bits.fill(1);
              return (x as (...a: unknown[]) => unknown).apply(t, args);
            };
            methods.set(key, f);
          }
          return f;
        },
        set(t, key, value) {
          if (typeof key === 'string') {
            const i = Number(key);
            if (i >= 0 && i < bits.length << shift) bits[i >>> shift] = 1;
          }
          t[key] = value;
          return true;
        },
      });
      this.raw.set(k, v);
      this.proxies.set(k, proxy as unknown as ArrayBufferView);
    }
    this.install(this.proxies);
  }

  private install(from: Map<string, ArrayBufferView>): void {
    const h = this.holder as Record<string, unknown>;
    for (const [k, v] of from) h[k] = v;
  }

  /** Run `f` with the bare arrays in place (a snapshot must see typed arrays, not proxies). */
  bare<T>(f: () => T): T {
    this.install(this.raw);
    try {
      return f();
    } finally {
      this.install(this.proxies);
    }
  }

  private slab: Uint8Array | null = null;
  private slabUsed = 0;

  /**
   * Bytes for the changed blocks of a snapshot taken while watching, carved from slabs: one
   * ArrayBuffer per snapshot made each of a step window's cost about a millisecond on a machine
   * holding a GiB of buffers (V8 charges every allocation for the external memory held). The slabs
   * live as long as the window's snapshots, which are let go together.
   */
  alloc(size: number): Uint8Array {
    if (size > SLAB_BYTES / 4) return new Uint8Array(size);
    if (!this.slab || this.slabUsed + size > this.slab.byteLength) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    this.slabUsed += size;
    return this.slab.subarray(this.slabUsed - size, this.slabUsed);
  }

  /** Forget the writes seen so far (a snapshot of them was just taken). */
  clear(): void {
    for (const d of this.dirty.values()) d.fill(0);
  }

  /** Stop watching: the holder gets its arrays back. */
  stop(): void {
    this.install(this.raw);
  }
}

/** Whether src[off .. off+b.length) equals b, four bytes at a time where both are aligned. */
function sameBytes(src: Uint8Array, off: number, b: Uint8Array): boolean {
  const n = b.byteLength;
  if (off % 4 === 0 && n % 4 === 0 && b.byteOffset % 4 === 0) {
    const x = new Int32Array(src.buffer, src.byteOffset + off, n / 4);
    const y = new Int32Array(b.buffer, b.byteOffset, n / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < n; i++) if (src[off + i] !== b[i]) return false;
  return true;
}

/** A copy of a typed array or DataView; views that shared a buffer share the copy. */
function copyView(
  v: ArrayBufferView,
  buffers: Map<ArrayBufferLike, ArrayBuffer>,
  fresh?: (len: number) => ArrayBuffer,
): { view: ArrayBufferView; bytes: number } {
  let buf = buffers.get(v.buffer);
  let bytes = 0;
  if (!buf) {
    if (fresh) {
      buf = fresh(v.buffer.byteLength);
      new Uint8Array(buf).set(new Uint8Array(v.buffer));
    } else buf = (v.buffer as ArrayBuffer).slice(0);
    buffers.set(v.buffer, buf);
    bytes = buf.byteLength;
  }
  const view =
    v instanceof DataView
      ? new DataView(buf, v.byteOffset, v.byteLength)
      : new (v.constructor as new (b: ArrayBuffer, o: number, n: number) => ArrayBufferView)(
          buf,
          v.byteOffset,
          (v as unknown as { length: number }).length,
        );
  return { view, bytes };
}

/**
 * Copy an object graph: class instances keep their prototypes, Maps and Sets are rebuilt, shared
 * references and cycles stay shared, functions are kept by reference (rebindMachine replaces the
 * core's). `special` may take over any object (RAM, typed arrays); objects in `share` are kept.
 */
function copyGraph<T>(
  root: T,
  share: ReadonlySet<object>,
  special: (v: object, buffers: Map<ArrayBufferLike, ArrayBuffer>) => unknown,
): T {
  const memo = new Map<unknown, unknown>();
  const buffers = new Map<ArrayBufferLike, ArrayBuffer>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (share.has(v)) return v;
    const seen = memo.get(v);
    if (seen !== undefined) return seen;
    const s = special(v, buffers);
    if (s !== undefined) {
      memo.set(v, s);
      return s;
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
    if (v instanceof ArrayBuffer) {
      const c = v.slice(0);
      memo.set(v, c);
      return c;
    }
    const c = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    memo.set(v, c);
    for (const k of Object.keys(v)) c[k] = copy((v as Record<string, unknown>)[k]);
    return c;
  };
  return copy(root) as T;
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
 * The closures a Machine holds, by path from {m, session}: rebindMachine installs every one again
 * (or the host does: the tracer's sinks, the session's output, its bootStep wrapper).
 * `tests/timeline.test.ts` checks that a machine has no function-valued property outside this list.
 */
export const KNOWN_CLOSURES: readonly RegExp[] = [
  /^\.m\.steps\[\d+\]\.run$/, // bootSteps(m): regenerated for the copy
  /^\.m\.bootStep$/, // the host's trackStepNotes wrapper: rewrapped by the host
  /^\.m\.alloc\.onPrintk$/,
  /^\.m\.alloc\.onKernelAccess$/,
  /^\.m\.alloc\.unmappedHooks\.\w+$/,
  /^\.m\.alloc\.reclaimHooks\.\w+$/, // installReclaim(m): installed again for the copy
  /^\.m\.trace\.sinks\[\d+\]$/, // the host's sinks: a copy starts with none
  /^\.m\.ram\.onRelease$/, // the timeline's ledger: only on the live machine
  /^\.session\.opts\.out$/, // the host's output: replaced
];

/**
 * Make a restored machine its own: the hooks the core installed on the original are installed again
 * for this one, the tracer starts without sinks, and a host wrapper of bootStep is dropped.
 */
export function rebindMachine(m: Machine): void {
  (m.trace as unknown as { sinks: unknown[] }).sinks = [];
  // a snapshot taken inside an operation (the timeline's step window) has the call path of its event
  m.trace.stack.length = 0;
  delete (m as unknown as Record<string, unknown>)['bootStep']; // back to Machine.prototype.bootStep
  (m as { steps: unknown }).steps = bootSteps(m);
  m.alloc.onPrintk = (line) => m.printk(line);
  if (m.alloc.onKernelAccess) m.alloc.onKernelAccess = (pfn, nr, cpu) => kernelMapAccess(m, pfn, nr, cpu);
  if (m.alloc.unmappedHooks) installUnmapped(m);
  installReclaim(m);
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
