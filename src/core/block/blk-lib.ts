/**
 * __blkdev_issue_zero_pages() (block/blk-lib.c): zeroing a range by writing a zero buffer, used when
 * the device has no WRITE_ZEROES. Each bio takes up to nr_vecs = min(ceil(sectors / 8), 256) bvecs
 * (counted in 4 KiB units), one bvec per copy of the zero buffer — copies of one buffer are never
 * physically contiguous with each other, so they never merge. Before v6.18 the buffer was
 * ZERO_PAGE(0) (4 KiB); since, largest_zero_folio(): the persistent huge zero folio when there is
 * one, else still the 4 KiB page. The block layer later splits bios to the device's limit.
 */
export const BIO_MAX_VECS = 256;
/** bi_size is an unsigned int: a bio stops growing before 4 GiB */
export const BIO_MAX_BYTES = 2 ** 32 - 1;
const SECTOR = 512;

export interface Bio {
  sector: number;
  bytes: number;
  vecs: number;
}

export interface ZerooutResult {
  bios: Bio[];
  bvecs: number;
  /** after bio_split_to_limits() with the device's max transfer size, if one was given */
  split: Bio[] | null;
}

/**
 * Why a zeroout request is malformed (the argument and the reason), or undefined: the one check
 * the scenario's `blkdev_zeroout` and the worker's `blkZeroout` command both apply.
 */
export function checkZerooutArgs(
  bytes: number,
  maxTransfer: number | undefined,
): { arg: 'bytes' | 'max_transfer'; why: string } | undefined {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return { arg: 'bytes', why: 'is not a length' };
  if (bytes % SECTOR !== 0) return { arg: 'bytes', why: 'is not a whole number of 512-byte sectors' };
  if (
    maxTransfer !== undefined &&
    (!Number.isSafeInteger(maxTransfer) || maxTransfer <= 0 || maxTransfer % SECTOR)
  )
    return { arg: 'max_transfer', why: 'expected a multiple of 512 bytes' };
  return undefined;
}

/** More bios than the caller's budget allows: nothing more is built. */
export class TooManyBios extends Error {
  constructor(
    readonly need: number,
    readonly allowed: number,
    /** the bios split to max_transfer are the ones over */
    readonly split = false,
  ) {
    super(`${need} bios is over the limit of ${allowed}`);
  }
}

/**
 * `maxBios` bounds the work and memory: the bios are counted before each is built (exactly, from
 * the sizes, for the split), and TooManyBios says how many the request needs — a lower bound when
 * the unsplit bios alone are over.
 */
export function blkdevIssueZeroPages(
  bytes: number,
  bufferBytes: number,
  pageSize: number,
  maxTransfer?: number,
  maxBios = Infinity,
): ZerooutResult {
  // no bio holds more than BIO_MAX_VECS copies of the buffer, nor more than bi_size's 4 GiB
  const fullBio = Math.min(BIO_MAX_VECS * bufferBytes, BIO_MAX_BYTES);
  const atLeast = Math.ceil(bytes / fullBio);
  if (atLeast > maxBios) throw new TooManyBios(atLeast, maxBios);
  const bios: Bio[] = [];
  let sector = 0;
  let left = Math.ceil(bytes / SECTOR) * SECTOR;
  let bvecs = 0;
  while (left > 0) {
    const nrSects = left / SECTOR;
    const nrVecs = Math.min(Math.ceil(nrSects / (pageSize / SECTOR)), BIO_MAX_VECS);
    const bio: Bio = { sector, bytes: 0, vecs: 0 };
    while (left > 0 && bio.vecs < nrVecs) {
      const len = Math.min(bufferBytes, left);
      if (bio.bytes + len > BIO_MAX_BYTES) break; // bio_add_folio() refuses
      bio.bytes += len;
      bio.vecs++;
      left -= len;
    }
    bvecs += bio.vecs;
    sector += bio.bytes / SECTOR;
    if (bios.length >= maxBios) throw new TooManyBios(bios.length + 1, maxBios);
    bios.push(bio);
  }
  let split: Bio[] | null = null;
  if (maxTransfer) {
    let need = 0;
    for (const b of bios) need += Math.ceil(b.bytes / maxTransfer);
    if (need > maxBios) throw new TooManyBios(need, maxBios, true);
    split = [];
    for (const b of bios) {
      for (let off = 0; off < b.bytes; off += maxTransfer) {
        const n = Math.min(maxTransfer, b.bytes - off);
        // a split bio carries the bvecs (or parts of them) that fall in its range
        split.push({
          sector: b.sector + off / SECTOR,
          bytes: n,
          vecs: Math.ceil(n / Math.min(bufferBytes, n)),
        });
      }
    }
  }
  return { bios, bvecs, split };
}
