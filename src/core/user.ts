/**
 * What a user program does with its memory, for scenarios: read or write one byte every `stride`
 * bytes of a range. Each access goes through the MMU (mmu.ts), so faults happen exactly where a
 * real program's loads and stores would take them.
 */
import type { Machine } from './machine.ts';
import { userAccess } from './mmu.ts';
import type { Task } from './mm/mm_types.ts';

export interface AccessSummary {
  /** bytes accessed before the loop ended */
  count: number;
  /** sum of the bytes read (a checksum a test can compare) */
  sum: number;
  /** the task died during the loop */
  killed: boolean;
}

export function userRead(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  stride: number,
  cpu: number,
  onByte?: (va: number, v: number) => void,
): AccessSummary {
  let count = 0;
  let sum = 0;
  for (let va = start; va < start + len; va += stride) {
    const pa = userAccess(m, task, va, false, cpu);
    if (pa < 0) return { count, sum, killed: true };
    const v = m.ram.readU8(pa);
    onByte?.(va, v);
    sum += v;
    count++;
  }
  return { count, sum, killed: false };
}

export function userWrite(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  stride: number,
  byte: number,
  cpu: number,
): AccessSummary {
  let count = 0;
  for (let va = start; va < start + len; va += stride) {
    const pa = userAccess(m, task, va, true, cpu);
    if (pa < 0) return { count, sum: 0, killed: true };
    m.ram.writeU8(pa, byte);
    count++;
  }
  return { count, sum: 0, killed: false };
}

/** What a `dump` or `checksum` read: the bytes (kept only when asked for) and their digests. */
export interface ReadBytes {
  /** the bytes read, when the caller asked to keep them */
  bytes?: Uint8Array;
  /** bytes read before the loop ended (less than asked when the task died) */
  count: number;
  sum: number;
  nonzero: number;
  /** CRC-32 (IEEE, as zlib's crc32()) of the bytes read */
  crc32: number;
  killed: boolean;
}

let CRC_TABLE: Uint32Array | undefined;
function crcTable(): Uint32Array {
  if (CRC_TABLE) return CRC_TABLE;
  CRC_TABLE = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    CRC_TABLE[n] = c >>> 0;
  }
  return CRC_TABLE;
}

/**
 * Read every byte of [start, start+len) as a program's memcpy() out of its own memory would: one
 * load through the MMU per page touched (the first byte of each page, so a missing page takes a
 * read fault exactly as a real load does: the zero page, a swap-in, SIGSEGV on PROT_NONE), then
 * the rest of that page's bytes from the frame the translation gave. The bytes are the ones the
 * process sees, never the frame a stale view would show. `crcBefore`: the crc32 of bytes read
 * before these, to go on from (a checksum read in slices).
 */
export function userReadBytes(
  m: Machine,
  task: Task,
  start: number,
  len: number,
  cpu: number,
  keep: boolean,
  crcBefore = 0,
): ReadBytes {
  const table = crcTable();
  const ps = m.pageSize;
  const bytes = keep ? new Uint8Array(len) : undefined;
  // as zlib's crc32(crc, buf, len): the CRC of the bytes before goes on over these (a sliced checksum)
  let crc = (crcBefore ^ 0xffffffff) | 0;
  let sum = 0;
  let nonzero = 0;
  let count = 0;
  const end = start + len;
  for (let va = start; va < end;) {
    const pageEnd = Math.min(end, (Math.floor(va / ps) + 1) * ps);
    const pa = userAccess(m, task, va, false, cpu);
    if (pa < 0)
      return {
        bytes: bytes?.subarray(0, count),
        count,
        sum,
        nonzero,
        crc32: (crc ^ 0xffffffff) >>> 0,
        killed: true,
      };
    for (let i = 0; i < pageEnd - va; i++) {
      const v = m.ram.readU8(pa + i);
      if (bytes) bytes[count] = v;
      crc = table[(crc ^ v) & 0xff]! ^ (crc >>> 8);
      sum += v;
      if (v) nonzero++;
      count++;
    }
    va = pageEnd;
  }
  return { bytes, count, sum, nonzero, crc32: (crc ^ 0xffffffff) >>> 0, killed: false };
}

/**
 * `hexdump -C`-style lines for bytes read at `start`: the address, 16 bytes in hex, the printable
 * characters; a run of lines equal to the one before collapses to one `*`, as hexdump does.
 */
export function hexdumpLines(start: number, bytes: Uint8Array): string[] {
  const out: string[] = [];
  let prev = '';
  let starred = false;
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, Math.min(bytes.length, off + 16));
    const hexs = Array.from(row, (b) => b.toString(16).padStart(2, '0'));
    const key = hexs.join(' ');
    if (key === prev && row.length === 16 && off + 16 < bytes.length) {
      if (!starred) out.push('*');
      starred = true;
      continue;
    }
    starred = false;
    prev = key;
    const left = hexs.slice(0, 8).join(' ');
    const right = hexs.slice(8).join(' ');
    const text = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(
      `${(start + off).toString(16).padStart(16, '0')}  ${(left + '  ' + right).padEnd(49)} |${text}|`,
    );
  }
  return out;
}
