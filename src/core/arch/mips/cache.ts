/**
 * A toy virtually indexed, physically tagged data cache, to show why MIPS has coloured zero pages.
 *
 * 32 KiB, 2-way, 32-byte lines: each way is 16 KiB, larger than a 4 KiB page, so VA bits 13:12 —
 * the page's "colour" — take part in choosing the set. One physical line read through two virtual
 * addresses of different colour lands in two sets: an alias. R4000/R4400 SC/MC parts notice this
 * with their secondary cache and raise a virtual coherency exception (VCE), which is slow; other
 * CPUs silently keep two copies. With one zero page per colour, a user address and its zero page
 * always agree on the colour, and neither can happen.
 */
export const CACHE_SIZE = 32 * 1024;
export const WAYS = 2;
export const LINE = 32;
export const WAY_SIZE = CACHE_SIZE / WAYS;
export const SETS = WAY_SIZE / LINE;

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
  readonly stats: CacheStats = { accesses: 0, hits: 0, misses: 0, aliases: 0, vces: 0 };

  constructor(readonly vce: boolean) {}

  /** The colour of an address: the index bits above the page offset (VA[13:12] here). */
  static colour(addr: number, pageSize: number): number {
    return Math.floor((addr % WAY_SIZE) / pageSize);
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
    // Is the same physical line cached in a set of another colour?
    const pageOffsetLines = Math.floor((pa % 4096) / LINE);
    for (let c = 0; c < WAY_SIZE / 4096; c++) {
      const other = c * (4096 / LINE) + pageOffsetLines;
      if (other === set) continue;
      for (let w = 0; w < WAYS; w++) {
        if (this.tags[other * WAYS + w] !== tag) continue;
        s.aliases++;
        if (this.vce) {
          // The VCE handler writes the line back and invalidates the other copy.
          s.vces++;
          this.tags[other * WAYS + w] = -1;
        }
      }
    }
    const w = this.lru[set]!;
    this.tags[set * WAYS + w] = tag;
    this.lru[set] = w ^ 1;
  }

  describe(): string {
    const s = this.stats;
    return (
      `VIPT D-cache: ${CACHE_SIZE / 1024} KiB, ${WAYS}-way, ${LINE}-byte lines, ${WAY_SIZE / 1024} KiB per way (colour = VA[13:12])\n` +
      `accesses ${s.accesses}  hits ${s.hits}  misses ${s.misses}  aliases ${s.aliases}  virtual coherency exceptions ${s.vces}\n`
    );
  }
}
