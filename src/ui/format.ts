/** Small text formatters shared by the views. */

export function hex(n: number): string {
  return '0x' + n.toString(16);
}

/** Physical address of a pfn, hex. */
export function physAddr(pfn: number, pageShift: number): string {
  return '0x' + (BigInt(pfn) << BigInt(pageShift)).toString(16).padStart(9, '0');
}

/** Thousands separators, e.g. 1 048 576 → "1,048,576". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 GiB", "256 MiB" */
export function size(bytes: number): string {
  const GiB = 1024 ** 3;
  const MiB = 1024 ** 2;
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
