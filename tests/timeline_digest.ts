/**
 * The timeline tests' measure of "the same machine": a digest of everything a hosted machine and
 * its session hold (tests/timeline*.test.ts).
 */
import { createHash } from 'node:crypto';
import type { Machine } from '../src/core/machine.ts';
import { CHUNK_SIZE, PhysicalRam } from '../src/core/phys/ram.ts';
import type { Session } from '../src/core/scenario/run.ts';

/**
 * A digest of everything the hosted machine and its session hold: every own field, recursively, in
 * discovery order (cycles by the order they were first met), typed arrays byte for byte. Functions
 * (code, not state: the host wraps m.bootStep) and the tracer (its sinks are the host's, not machine
 * state) are left out. RAM counts by what it holds (which chunks are backed, their bytes), not by how
 * it shares them with checkpoints; a chunk a checkpoint shares cannot change, so its hash is kept.
 */
export function digest(h: { m: Machine; session: Session }): string {
  const root = { m: h.m, session: h.session }; // not the host's own bookkeeping around them
  const hash = createHash('sha1');
  const seen = new Map<object, number>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') {
      if (typeof v !== 'function') hash.update(`${typeof v}:${String(v)};`);
      return;
    }
    const id = seen.get(v);
    if (id !== undefined) return void hash.update(`@${id};`);
    seen.set(v, seen.size);
    if (v instanceof PhysicalRam) {
      hash.update(`RAM[${v.size}]`);
      for (let ci = 0; ci < v.size / CHUNK_SIZE; ci++) {
        const c = v.chunkAt(ci);
        if (c) hash.update(`${ci}:${chunkHash(c.chunk, c.shared)};`);
      }
      return;
    }
    if (ArrayBuffer.isView(v)) {
      hash.update(`${v.constructor.name}[${v.byteLength}]`);
      hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return;
    }
    if (v instanceof Map) {
      hash.update(`Map(${v.size}){`);
      for (const [k, x] of v) {
        walk(k);
        walk(x);
      }
      return void hash.update('}');
    }
    if (v instanceof Set) {
      hash.update(`Set(${v.size}){`);
      for (const x of v) walk(x);
      return void hash.update('}');
    }
    hash.update(`${Object.getPrototypeOf(v)?.constructor?.name ?? 'null'}{`);
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (k === 'trace' || k === 'opts' || typeof x === 'function') continue;
      hash.update(`${k}=`);
      walk((v as Record<string, unknown>)[k]);
    }
    hash.update('}');
  };
  walk(root);
  return hash.digest('hex');
}

const frozenChunks = new WeakMap<Uint8Array, string>();

/** A RAM chunk's hash; a shared chunk is read-only for good, so its hash is remembered. */
function chunkHash(c: Uint8Array, shared: boolean): string {
  const known = frozenChunks.get(c);
  if (known) return known;
  const x = createHash('sha1').update(c).digest('hex');
  if (shared) frozenChunks.set(c, x);
  return x;
}
