/**
 * Physical RAM: typed-array memory in fixed chunks, backed lazily on first write.
 *
 * An unbacked chunk reads as zeros — the zero page's own idea applied to the emulator — so a browser
 * can emulate many GiB while only the frames that were really written cost host memory. Physical
 * addresses are plain numbers: RAM sizes we emulate stay far below 2^53.
 *
 * Copy-on-write between machines: `fork()` gives a second PhysicalRam that shares every chunk with
 * this one (the timeline's checkpoints, and the machines restored from them). A shared chunk is
 * read-only to both; the first write to it (from either side) copies that one chunk. So a checkpoint
 * costs the chunk table, not the RAM, and a restore costs the same.
 *
 * Written RAM is stored compactly when cold (issue #13: a learner's `write` of gigabytes, one byte
 * value or one byte per page, held a GiB of host memory per GiB written): `compact()`, which the
 * hosts call after each statement, looks at the chunks written since it last ran. One that holds
 * only zeros gives its memory back; one whose bytes equal another chunk's (a fill with one value,
 * the same byte in every page) shares that chunk's buffer, read-only, like a fork's chunks — a
 * write to it copies it again through the same copy-on-write path. A chunk compact() found unique
 * is write-protected (state CLEAN) so that its next write tells compact() to look again: the
 * kernel's own way of finding dirty pages. The write fast path is unchanged. Simplification: a
 * chunk shared with a fork is left as it is (the fork holds it anyway), and equal chunks are found
 * within one RAM, not across a machine and its checkpoints.
 */
export const CHUNK_SHIFT = 16; // 64 KiB: 16 frames of 4 KiB; the chunk table costs 0.5 byte per frame.
export const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;
/**
 * Chunks are carved from slabs of this many: V8 makes every ArrayBuffer allocation pay for the
 * external memory already held (at 2 GiB in 64 KiB buffers one allocation took about a millisecond,
 * against microseconds for a view into a slab).
 */
const SLAB_CHUNKS = 64;
/** Freed chunks kept for reuse (recycle): one slab's worth. */
const SPARE_MAX = SLAB_CHUNKS;
/**
 * `written` tracks chunks in blocks of 4 KiB (the smallest page size): 16 bits per chunk. A block's
 * bit is set by any write into it and cleared when the block is cleared whole; a chunk whose bits
 * are all clear again holds only zeros and gives its host memory back (init_on_free clearing the
 * frames of a chunk one page at a time, say).
 */
const BLOCK_SHIFT = 12;
const BLOCK_SIZE = 1 << BLOCK_SHIFT;
/** words() hands out Uint32Arrays, which use the host's byte order; the entries are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/**
 * words()' view of each chunk buffer, made once: a cache keyed by the buffer (a recycled chunk keeps
 * its view; a copied one gets a new one), not machine state.
 */
const WORD_VIEWS = new WeakMap<Uint8Array, Uint32Array>();
function chunkWords(c: Uint8Array): Uint32Array {
  let w = WORD_VIEWS.get(c);
  if (!w) {
    w = new Uint32Array(c.buffer, c.byteOffset, CHUNK_SIZE >>> 2);
    WORD_VIEWS.set(c, w);
  }
  return w;
}

/** `shared` states: a chunk in any state but WRITABLE takes back()'s slow path before a write. */
const WRITABLE = 0;
/** shared with a fork, or a deduplicated buffer several chunks use: copied before a write */
const SHARED = 1;
/** this RAM's own, unchanged since compact() looked at it: a write only makes it WRITABLE (dirty) */
const CLEAN = 2;
const WORDS = CHUNK_SIZE / 4;
/**
 * compact()'s hash reads one 32-bit word in HASH_STEP (hashing every word cost as much as the full
 * comparison a match needs anyway); chunks that differ only elsewhere share a hash, so the index
 * keeps up to BUCKET chunks per hash.
 */
const HASH_STEP = 16;
const BUCKET = 4;

export class PhysicalRam {
  readonly size: number;
  private readonly chunks: (Uint8Array | undefined)[];
  private readonly views: (DataView | undefined)[];
  /** per chunk: WRITABLE, SHARED (with a fork, or deduplicated: copy before writing) or CLEAN */
  private readonly shared: Uint8Array;
  /** per chunk, the 4 KiB blocks written since they were last cleared whole (BLOCK_SHIFT) */
  private readonly written: Uint16Array;
  /** Chunks given back because they became all zeros again without being cleared whole. */
  zeroedChunks = 0;
  /** Host buffers of CHUNK_SIZE this RAM's chunks use: a buffer deduplicated chunks share counts once. */
  backedChunks = 0;
  /**
   * Chunks copied because a write met a shared chunk (each is a CHUNK_SIZE the past keeps, or that
   * a deduplicated buffer's other users keep).
   */
  cowCopies = 0;
  /**
   * Chunks that hold no host memory of their own: they share a buffer with an identical chunk of
   * this RAM (compact()). Their number, summed over the buffers, is Σ(users − 1).
   */
  dedupedChunks = 0;
  /** Buffers several of this RAM's chunks share (compact()), with how many chunks use each. */
  private users: Map<Uint8Array, number>;
  /**
   * The frozen table this RAM was thawed from, and which of its table blocks (TABLE_BLOCK chunks)
   * changed since: a RAM let go can take another frozen table in place (`thaw(into)`) by copying the
   * blocks that differ, instead of building a table of every chunk (at 16 GiB 262,144 entries twice).
   */
  private origin: FrozenRam | null = null;
  private tableDirty: Uint8Array | null = null;
  /** Chunks that became WRITABLE since compact() last ran: what it has to look at. */
  private dirty = new Set<number>();
  /**
   * compact()'s index, made on first use: sampled content hash → up to BUCKET chunks that held such
   * content when it looked (each is checked again before use); each chunk's hash.
   */
  private byHash: Map<number, number[]> | null = null;
  private hashes: Int32Array | null = null;
  /**
   * Told when this RAM stops using a chunk it shared with a fork (copied on write, or cleared
   * whole): from then on only the fork holds it. The timeline counts the memory its past holds so.
   * Not part of the machine's state: a fork starts without one.
   */
  onRelease: ((chunk: Uint8Array) => void) | null = null;
  /** the slab new chunks come from, and the next free chunk in it */
  private slab: ArrayBuffer | null = null;
  private slabNext = SLAB_CHUNKS;
  /** chunks cleared whole that nothing else held: reused before the slab */
  private spare: Uint8Array[] = [];

  /**
   * Keep a freed buffer for reuse, up to SPARE_MAX: beyond that it is let go, so the garbage
   * collector can take its slab back once every chunk of the slab is gone (compaction frees
   * thousands at once, and a pool that only grew would keep the host memory it saved).
   */
  private recycle(c: Uint8Array): void {
    if (this.spare.length < SPARE_MAX) this.spare.push(c);
  }

  constructor(size: number, from?: PhysicalRam | FrozenRam) {
    if (size <= 0 || size % CHUNK_SIZE !== 0)
      throw new RangeError(`RAM size must be a positive multiple of ${CHUNK_SIZE}`);
    this.size = size;
    const n = size / CHUNK_SIZE;
    if (from instanceof FrozenRam) {
      // concat of the blocks: native, and the arrays come out packed like a fork's slice()
      const t = from.table;
      this.chunks = ([] as (Uint8Array | undefined)[]).concat(...t.map((b) => b.chunks));
      this.views = ([] as (DataView | undefined)[]).concat(...t.map((b) => b.views));
      this.written = new Uint16Array(n);
      for (let b = 0; b < t.length; b++) this.written.set(t[b]!.written, b * TABLE_BLOCK);
      this.backedChunks = from.backedChunks;
      this.shared = new Uint8Array(n).fill(SHARED);
      this.users = new Map(from.users);
      this.dedupedChunks = from.dedupedChunks;
      this.origin = from;
      this.tableDirty = new Uint8Array(t.length);
    } else if (from) {
      this.chunks = from.chunks.slice();
      this.views = from.views.slice();
      this.backedChunks = from.backedChunks;
      this.shared = new Uint8Array(n).fill(1);
      from.shared.fill(1);
      this.written = from.written.slice();
      this.users = new Map(from.users);
      this.dedupedChunks = from.dedupedChunks;
    } else {
      this.chunks = new Array<Uint8Array | undefined>(n).fill(undefined);
      this.views = new Array<DataView | undefined>(n).fill(undefined);
      this.shared = new Uint8Array(n);
      this.written = new Uint16Array(n);
      this.users = new Map();
    }
  }

  /**
   * A copy of this RAM that shares every chunk with it, copy-on-write on both sides: O(chunk
   * table), whatever the RAM holds.
   */
  fork(): PhysicalRam {
    return new PhysicalRam(this.size, this);
  }

  /**
   * The chunk table as it is now, for a snapshot: every chunk becomes shared (copy-on-write, as a
   * fork's), and the table is kept in blocks of TABLE_BLOCK chunks, a block equal to the same block
   * of `prev` (the last freeze of this RAM) being that block. At 16 GiB a whole table is 262,144
   * entries; an operation that writes 32 MiB changes one or two blocks of it, so a checkpoint costs
   * kilobytes of table instead of megabytes. `thaw()` makes a RAM of it again.
   */
  freeze(prev?: FrozenRam | null): FrozenRam {
    const n = this.chunks.length;
    const table: TableBlock[] = [];
    const same = prev && prev.size === this.size ? prev.table : null;
    for (let start = 0, b = 0; start < n; start += TABLE_BLOCK, b++) {
      const end = Math.min(start + TABLE_BLOCK, n);
      const p = same?.[b];
      if (p && this.tableEquals(p, start, end)) table.push(p);
      else
        table.push(
          new TableBlock(
            this.chunks.slice(start, end),
            this.views.slice(start, end),
            this.written.slice(start, end),
          ),
        );
    }
    this.shared.fill(SHARED);
    return new FrozenRam(this.size, table, new Map(this.users), this.backedChunks, this.dedupedChunks);
  }

  /**
   * Become a thaw of `f` (this RAM is let go: nothing reads it any more). Table blocks are copied
   * where `f`'s differ from the table this RAM was thawed from or this RAM changed them since; the
   * rest already hold f's entries. Everything else is as a new thaw's.
   */
  adopt(f: FrozenRam): boolean {
    if (f.size !== this.size || !this.origin || !this.tableDirty) return false;
    const was = this.origin.table;
    for (let b = 0; b < f.table.length; b++) {
      const t = f.table[b]!;
      if (t !== was[b] || this.tableDirty[b]) {
        const at = b * TABLE_BLOCK;
        for (let j = 0; j < t.chunks.length; j++) {
          this.chunks[at + j] = t.chunks[j];
          this.views[at + j] = t.views[j];
        }
      }
      this.written.set(t.written, b * TABLE_BLOCK);
    }
    this.tableDirty.fill(0);
    this.origin = f;
    this.shared.fill(SHARED);
    this.users = new Map(f.users);
    this.backedChunks = f.backedChunks;
    this.dedupedChunks = f.dedupedChunks;
    this.zeroedChunks = 0;
    this.cowCopies = 0;
    this.dirty.clear();
    this.byHash = null;
    this.hashes = null;
    this.onRelease = null;
    return true;
  }

  private tableEquals(t: TableBlock, start: number, end: number): boolean {
    const { chunks, views, written } = this;
    for (let ci = start; ci < end; ci++) {
      const j = ci - start;
      if (chunks[ci] !== t.chunks[j] || views[ci] !== t.views[j] || written[ci] !== t.written[j])
        return false;
    }
    return true;
  }

  /**
   * The chunks that hold host memory, in address order (the timeline counts what its past holds): a
   * buffer deduplicated chunks share appears once per chunk (the timeline counts buffers once).
   */
  backed(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const c of this.chunks) if (c) out.push(c);
    return out;
  }

  private check(addr: number, len: number): void {
    if (addr < 0 || addr + len > this.size || !Number.isInteger(addr)) {
      throw new RangeError(`physical access 0x${addr.toString(16)}+${len} outside RAM of ${this.size} bytes`);
    }
  }

  /** A chunk of host memory that nothing else refers to: zeroed unless the caller overwrites it all. */
  private newChunk(zeroed = true): Uint8Array {
    const s = this.spare.pop();
    if (s) return zeroed ? s.fill(0) : s;
    if (this.slabNext === SLAB_CHUNKS) {
      this.slab = new ArrayBuffer(CHUNK_SIZE * SLAB_CHUNKS);
      this.slabNext = 0;
    }
    return new Uint8Array(this.slab!, this.slabNext++ * CHUNK_SIZE, CHUNK_SIZE);
  }

  /** The chunk at index ci, ready to be written: backed if it was not, copied if it is shared. */
  private back(ci: number): Uint8Array {
    // the fast path alone, small enough for V8 to inline into every store
    const c = this.chunks[ci];
    return c && this.shared[ci] === WRITABLE ? c : this.backSlow(ci);
  }

  private backSlow(ci: number): Uint8Array {
    let c = this.chunks[ci];
    if (!c) {
      c = this.newChunk();
      this.chunks[ci] = c;
      this.views[ci] = new DataView(c.buffer, c.byteOffset, CHUNK_SIZE);
      if (this.tableDirty) this.tableDirty[ci >>> TABLE_SHIFT] = 1;
      this.shared[ci] = WRITABLE;
      this.backedChunks++;
      this.dirty.add(ci);
    } else if (this.shared[ci] !== WRITABLE) {
      this.dirty.add(ci);
      if (this.shared[ci] === CLEAN) {
        this.shared[ci] = WRITABLE;
        return c;
      }
      const old = c;
      c = this.newChunk(false);
      c.set(old);
      this.chunks[ci] = c;
      this.views[ci] = new DataView(c.buffer, c.byteOffset, CHUNK_SIZE);
      if (this.tableDirty) this.tableDirty[ci >>> TABLE_SHIFT] = 1;
      this.shared[ci] = WRITABLE;
      this.cowCopies++;
      // a deduplicated buffer other chunks still use: this chunk is one more buffer now
      if (this.unuse(old)) this.backedChunks++;
    }
    return c;
  }

  /** Note a write of [addr, addr+len) (inside one chunk) in `written`. */
  private mark(addr: number, len: number): void {
    const ci = Math.floor(addr / CHUNK_SIZE);
    const first = (addr & CHUNK_MASK) >>> BLOCK_SHIFT;
    const last = ((addr + len - 1) & CHUNK_MASK) >>> BLOCK_SHIFT;
    this.written[ci]! |= ((2 << last) - 1) & ~((1 << first) - 1);
  }

  /**
   * Note a write of at most 8 naturally aligned bytes at `addr` in chunk ci: it stays inside one
   * 4 KiB block (the page-table entry writes of the fault path come here: no range arithmetic).
   */
  private markBlock(ci: number, addr: number): void {
    this.written[ci]! |= 1 << ((addr & CHUNK_MASK) >>> BLOCK_SHIFT);
  }

  /**
   * Chunk stops using the SHARED buffer `old`: true when other chunks of this RAM still use it (a
   * deduplicated buffer); else this RAM holds it no more, and a fork may (onRelease).
   */
  private unuse(old: Uint8Array): boolean {
    const n = this.users.get(old);
    if (n !== undefined && n > 1) {
      this.users.set(old, n - 1);
      this.dedupedChunks--;
      return true;
    }
    if (n !== undefined) this.users.delete(old);
    this.onRelease?.(old);
    return false;
  }

  /** Give chunk ci's host memory back: it reads as zeros from now on. */
  private drop(ci: number): void {
    const c = this.chunks[ci]!;
    this.chunks[ci] = undefined;
    this.views[ci] = undefined;
    if (this.tableDirty) this.tableDirty[ci >>> TABLE_SHIFT] = 1;
    this.written[ci] = 0;
    if (this.shared[ci] === SHARED) {
      if (!this.unuse(c)) this.backedChunks--;
    } else {
      this.backedChunks--;
      this.recycle(c);
    }
    this.shared[ci] = WRITABLE;
  }

  /** The chunk at index ci (read only: a write must go through the methods), and whether a fork shares it. */
  chunkAt(ci: number): { chunk: Uint8Array; shared: boolean } | undefined {
    const c = this.chunks[ci];
    return c ? { chunk: c, shared: this.shared[ci] === SHARED } : undefined;
  }

  isBacked(addr: number): boolean {
    return this.chunks[Math.floor(addr / CHUNK_SIZE)] !== undefined;
  }

  readU8(addr: number): number {
    this.check(addr, 1);
    const c = this.chunks[Math.floor(addr / CHUNK_SIZE)];
    return c ? c[addr & CHUNK_MASK]! : 0;
  }

  writeU8(addr: number, v: number): void {
    this.check(addr, 1);
    const ci = Math.floor(addr / CHUNK_SIZE);
    this.back(ci)[addr & CHUNK_MASK] = v;
    this.markBlock(ci, addr);
  }

  /** 32-bit little-endian load; page-table entries are read as two of these (see arch/pgtable.ts). */
  readU32(addr: number): number {
    const ci = Math.floor(addr / CHUNK_SIZE);
    const v = this.views[ci];
    if (v) return v.getUint32(addr & CHUNK_MASK, true);
    this.check(addr, 4);
    return 0;
  }

  /** 32-bit little-endian store: addr must be 4-byte aligned (entries, swap-in words). */
  writeU32(addr: number, value: number): void {
    this.check(addr, 4);
    const ci = Math.floor(addr / CHUNK_SIZE);
    this.back(ci);
    this.views[ci]!.setUint32(addr & CHUNK_MASK, value >>> 0, true);
    this.markBlock(ci, addr);
  }

  /** 64-bit little-endian load (page-table entries): addr must be 8-byte aligned. */
  readU64(addr: number): bigint {
    this.check(addr, 8);
    const ci = Math.floor(addr / CHUNK_SIZE);
    const v = this.views[ci];
    return v ? v.getBigUint64(addr & CHUNK_MASK, true) : 0n;
  }

  writeU64(addr: number, value: bigint): void {
    this.check(addr, 8);
    const ci = Math.floor(addr / CHUNK_SIZE);
    this.back(ci);
    this.views[ci]!.setBigUint64(addr & CHUNK_MASK, value, true);
    this.markBlock(ci, addr);
  }

  /**
   * The 32-bit words of the chunk holding `addr`, as a Uint32Array (index it with wordIndex(addr)),
   * for the per-entry loops that walk a whole page table (fork's copy_pte_range, the zap): one
   * chunk lookup per table instead of a bounds-checked DataView access per half entry, and no
   * allocation (one view per chunk buffer, cached). Null when the chunk is not backed: it reads as
   * zeros. READ ONLY: a store through it would get past copy-on-write (a snapshot's shared chunk)
   * and the `written` bits; use writableWords(). The view goes stale when a write through the
   * other methods copies the chunk (a shared one): take it again after any call that may write.
   */
  words(addr: number): Uint32Array | null {
    this.checkWords(addr);
    const c = this.chunks[Math.floor(addr / CHUNK_SIZE)];
    return c ? chunkWords(c) : null;
  }

  /**
   * words() to write the 4 KiB block holding `addr` through: the chunk backed (copied first if
   * shared) and the block marked written — what the first writeU32() into the block would have
   * done, so a loop that takes this at its first store into a block leaves the RAM in the state
   * per-entry stores would. Stores outside that block must take it again.
   */
  writableWords(addr: number): Uint32Array {
    this.checkWords(addr);
    const ci = Math.floor(addr / CHUNK_SIZE);
    const c = this.back(ci);
    this.markBlock(ci, addr);
    return chunkWords(c);
  }

  /** The index of the word at `addr` in its chunk's words(). */
  static wordIndex(addr: number): number {
    return (addr & CHUNK_MASK) >>> 2;
  }

  private checkWords(addr: number): void {
    this.check(addr, 4);
    if (!LITTLE_ENDIAN)
      throw new Error('PhysicalRam.words: needs a little-endian host (entries are little-endian)');
  }

  /** Copy `len` bytes starting at `addr` into a new array (for hexdumps). */
  read(addr: number, len: number): Uint8Array {
    this.check(addr, len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const ci = Math.floor(a / CHUNK_SIZE);
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const c = this.chunks[ci];
      if (c) out.set(c.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** Fill [addr, addr+len) with zeros. Unbacked chunks already read as zero and stay unbacked. */
  clear(addr: number, len: number): void {
    this.check(addr, len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const ci = Math.floor(a / CHUNK_SIZE);
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const c = this.chunks[ci];
      if (c) {
        // the 4 KiB blocks this clear covers whole hold only zeros now
        const first = (off + BLOCK_SIZE - 1) >>> BLOCK_SHIFT;
        const end = (off + n) >>> BLOCK_SHIFT;
        const cleared = first < end ? ((1 << end) - 1) & ~((1 << first) - 1) : 0;
        if (n === CHUNK_SIZE) {
          // A whole chunk cleared: give its host memory back, it reads as zeros again.
          this.drop(ci);
        } else if ((this.written[ci]! & ~cleared) === 0) {
          // Everything written in the chunk is cleared now (a frame freed with init_on_free after
          // the others): the chunk is all zeros, so it costs nothing any more.
          this.drop(ci);
          this.zeroedChunks++;
        } else {
          this.back(ci).fill(0, off, off + n);
          this.written[ci]! &= ~cleared;
        }
      }
      done += n;
    }
  }

  /** clear_page(): zero one page of `pageSize` bytes at physical address `addr`. */
  clearPage(addr: number, pageSize: number): void {
    this.clear(addr, pageSize);
  }

  /** copy_page(): copy one page; copying an unbacked page clears the destination. */
  copyPage(dst: number, src: number, pageSize: number): void {
    this.check(src, pageSize);
    this.check(dst, pageSize);
    let done = 0;
    while (done < pageSize) {
      const s = src + done;
      const d = dst + done;
      const sOff = s & CHUNK_MASK;
      const dOff = d & CHUNK_MASK;
      const n = Math.min(pageSize - done, CHUNK_SIZE - sOff, CHUNK_SIZE - dOff);
      const sc = this.chunks[Math.floor(s / CHUNK_SIZE)];
      if (sc) {
        this.back(Math.floor(d / CHUNK_SIZE)).set(sc.subarray(sOff, sOff + n), dOff);
        this.mark(d, n);
      } else this.clear(d, n);
      done += n;
    }
  }

  /** True when every byte of [addr, addr+len) is zero (tests and invariants). */
  isZero(addr: number, len: number): boolean {
    this.check(addr, len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const ci = Math.floor(a / CHUNK_SIZE);
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const c = this.chunks[ci];
      if (c) for (let i = off; i < off + n; i++) if (c[i] !== 0) return false;
      done += n;
    }
    return true;
  }

  /**
   * Store the chunks written since the last call compactly (see the header): an all-zero chunk gives
   * its memory back, a chunk equal to another shares that one's buffer. Cost: the chunks written
   * since, never the whole RAM. Reads return the same bytes before and after. Returns the chunks
   * whose own buffer it gave back.
   */
  compact(): number {
    if (this.dirty.size === 0) return 0;
    const n = this.chunks.length;
    const byHash = (this.byHash ??= new Map());
    const hashes = (this.hashes ??= new Int32Array(n));
    let freed = 0;
    for (const ci of this.dirty) {
      const c = this.chunks[ci];
      // dropped since, or shared with a fork taken since (the fork holds it as it is anyway)
      if (!c || this.shared[ci] !== WRITABLE) continue;
      const w = new Int32Array(c.buffer, c.byteOffset, WORDS);
      const h = sampleHash(w);
      if (h === ZERO_SAMPLE && isZeroWords(w)) {
        this.drop(ci);
        this.zeroedChunks++;
        freed++;
        continue;
      }
      const bucket = byHash.get(h);
      if (bucket && this.dedupe(ci, w, bucket)) {
        freed++;
        continue;
      }
      this.forget(ci);
      if (!bucket) byHash.set(h, [ci]);
      else if (bucket.push(ci) > BUCKET) bucket.shift();
      hashes[ci] = h;
      this.shared[ci] = CLEAN;
    }
    this.dirty.clear();
    return freed;
  }

  /**
   * Share a buffer with the first chunk of `bucket` that holds the same words as chunk ci (words w);
   * entries no longer read-only (written since) leave the bucket.
   */
  private dedupe(ci: number, w: Int32Array, bucket: number[]): boolean {
    for (let i = 0; i < bucket.length; i++) {
      const other = bucket[i]!;
      const o = this.chunks[other];
      if (other === ci) continue;
      if (!o || this.shared[other] === WRITABLE) {
        bucket.splice(i--, 1);
        continue;
      }
      if (sameWords(new Int32Array(o.buffer, o.byteOffset, WORDS), w)) {
        this.share(ci, other, o);
        return true;
      }
    }
    return false;
  }

  /** Take chunk ci out of compact()'s index (it is about to be indexed under its new hash). */
  private forget(ci: number): void {
    const h = this.hashes![ci]!;
    const bucket = this.byHash!.get(h);
    const at = bucket ? bucket.indexOf(ci) : -1;
    if (at < 0) return;
    bucket!.splice(at, 1);
    if (bucket!.length === 0) this.byHash!.delete(h);
  }

  /** Chunk ci (WRITABLE, equal to chunk `other`'s buffer o) uses o from now on; its buffer is spare. */
  private share(ci: number, other: number, o: Uint8Array): void {
    const own = this.chunks[ci]!;
    this.shared[other] = SHARED;
    this.users.set(o, (this.users.get(o) ?? 1) + 1);
    this.dedupedChunks++;
    this.chunks[ci] = o;
    this.views[ci] = this.views[other];
    if (this.tableDirty) this.tableDirty[ci >>> TABLE_SHIFT] = 1;
    this.shared[ci] = SHARED;
    this.backedChunks--;
    this.recycle(own);
  }

  /** Host bytes held by the chunk table and the chunks' buffers (a shared buffer counts once). */
  hostBytes(): number {
    return this.tableBytes() + this.backedChunks * CHUNK_SIZE;
  }

  /**
   * Host bytes of the chunk table (a reference per chunk: the views, flags and bitmaps are near it)
   * and of compact()'s index once it exists (a hash per chunk, about 64 bytes per hash it remembers).
   */
  tableBytes(): number {
    return this.chunks.length * 8 + (this.hashes?.byteLength ?? 0) + (this.byHash?.size ?? 0) * 64;
  }
}

/** Chunks per block of a frozen chunk table (FrozenRam): 256 MiB of RAM. */
const TABLE_SHIFT = 12;
export const TABLE_BLOCK = 1 << TABLE_SHIFT;

/** TABLE_BLOCK entries of a frozen chunk table (shared by consecutive freezes while unchanged). */
export class TableBlock {
  constructor(
    readonly chunks: readonly (Uint8Array | undefined)[],
    readonly views: readonly (DataView | undefined)[],
    readonly written: Uint16Array,
  ) {}

  /** Host bytes it holds (a reference is counted as 8 bytes, as PhysicalRam.tableBytes does). */
  get byteLength(): number {
    return this.chunks.length * 16 + this.written.byteLength;
  }
}

/**
 * A RAM frozen for a snapshot (PhysicalRam.freeze): its chunk table, read only; the chunks it names
 * are shared copy-on-write with the RAM it was taken from and with every RAM thawed from it.
 */
export class FrozenRam {
  constructor(
    readonly size: number,
    readonly table: readonly TableBlock[],
    readonly users: ReadonlyMap<Uint8Array, number>,
    readonly backedChunks: number,
    readonly dedupedChunks: number,
  ) {}

  /**
   * A RAM holding what this one froze, sharing every chunk (copy-on-write). `into`: a RAM thawed
   * before and let go, which takes this table in place when it can (PhysicalRam.adopt).
   */
  thaw(into?: PhysicalRam): PhysicalRam {
    if (into?.adopt(this)) return into;
    return new PhysicalRam(this.size, this);
  }

  /** The chunks that hold host memory (as PhysicalRam.backed). */
  backed(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const t of this.table) for (const c of t.chunks) if (c) out.push(c);
    return out;
  }
}

function isZeroWords(w: Int32Array): boolean {
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}

/** a.length is a multiple of 4: four words a turn (a third faster in V8 than one) */
function sameWords(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i += 4)
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3])
      return false;
  return true;
}

/** FNV-1a over one 32-bit word in HASH_STEP: an index key only, a match is compared in full. */
function sampleHash(w: Int32Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < w.length; i += HASH_STEP) h = Math.imul(h ^ w[i]!, 0x01000193);
  return h;
}

/** the hash of an all-zero chunk: only a chunk with this hash needs the zero test */
const ZERO_SAMPLE = sampleHash(new Int32Array(WORDS));
