/**
 * A toy virtually indexed, physically tagged data cache, to show why MIPS has coloured zero pages.
 *
 * Primary: 32 KiB, 2-way, 32-byte lines. Each way is 16 KiB, larger than a 4 KiB page, so VA bits
 * 13:12 take part in choosing the set: one physical line read through two virtual addresses that
 * differ there lands in two sets, an alias. Other CPUs silently keep both copies.
 *
 * R4000/R4400 SC/MC parts catch this with their secondary cache: its tag keeps PIdx, VA[14:12] of
 * the virtual address the line was last cached under (a 3-bit field, enough for primary caches up
 * to 32 KiB per way). A primary miss that finds the line in the secondary cache with another PIdx
 * raises a virtual coherency exception (VCE), which is slow. The colour that matters is therefore
 * VA[14:12]: eight colours, hence order 3 (8 zero pages) in setup_zero_pages() when cpu_has_vce.
 * With one zero page per colour, every user address mapping a given zero page has the same
 * VA[14:12], and neither an alias nor a VCE can happen.
 */
export const CACHE_SIZE = 32 * 1024;
export const WAYS = 2;
export const LINE = 32;
export const WAY_SIZE = CACHE_SIZE / WAYS;
export const SETS = WAY_SIZE / LINE;
/** PIdx: VA[14:12] kept in the secondary cache tag, 3 bits */
export const PIDX_COLOURS = 8;

export interface CacheStats {
  accesses: number;
  hits: number;
  misses: number;
  /** a line was found cached under another colour */
  aliases: number;
  /** aliases the CPU trapped (cpu_has_vce) */
  vces: number;
}

export class ViptCache {
  /** tag (physical line number) per set and way, -1 = empty */
  private readonly tags = new Float64Array(SETS * WAYS).fill(-1);
  private readonly lru = new Uint8Array(SETS);
  /** the secondary cache's PIdx per physical line (inclusive and large: a line once cached stays) */
  private readonly pidx = new Map<number, number>();
  readonly stats: CacheStats = { accesses: 0, hits: 0, misses: 0, aliases: 0, vces: 0 };

  constructor(readonly vce: boolean) {}

  /** The colour of an address: VA[14:12], the secondary tag's PIdx (8 colours with 4 KiB pages). */
  static colour(addr: number, pageSize: number): number {
    return Math.floor(addr / pageSize) % PIDX_COLOURS;
  }

  access(va: number, pa: number): void {
    const s = this.stats;
    s.accesses++;
    const set = Math.floor(va / LINE) % SETS;
    const tag = Math.floor(pa / LINE);
    for (let w = 0; w < WAYS; w++) {
      if (this.tags[set * WAYS + w] === tag) {
        s.hits++;
        this.lru[set] = w ^ 1;
        return;
      }
    }
    s.misses++;
    // Is the same physical line in the primary cache in a set of another VA[13:12]?
    const pageOffsetLines = Math.floor((pa % 4096) / LINE);
    for (let c = 0; c < WAY_SIZE / 4096; c++) {
      const other = c * (4096 / LINE) + pageOffsetLines;
      if (other === set) continue;
      for (let w = 0; w < WAYS; w++) {
        if (this.tags[other * WAYS + w] !== tag) continue;
        s.aliases++;
        // The VCE handler writes the line back and invalidates the other copy.
        if (this.vce) this.tags[other * WAYS + w] = -1;
      }
    }
    // The secondary cache compares its PIdx with VA[14:12] of this access.
    const colour = ViptCache.colour(va, 4096);
    const had = this.pidx.get(tag);
    if (this.vce && had !== undefined && had !== colour) s.vces++;
    this.pidx.set(tag, colour);
    const w = this.lru[set]!;
    this.tags[set * WAYS + w] = tag;
    this.lru[set] = w ^ 1;
  }

  describe(): string {
    const s = this.stats;
    return (
      `VIPT D-cache: ${CACHE_SIZE / 1024} KiB, ${WAYS}-way, ${LINE}-byte lines, ${WAY_SIZE / 1024} KiB per way (set index VA[13:5]); ` +
      `secondary tag PIdx = VA[14:12] (colour, 8 values)\n` +
      `accesses ${s.accesses}  hits ${s.hits}  misses ${s.misses}  aliases ${s.aliases}  virtual coherency exceptions ${s.vces}\n`
    );
  }
}
