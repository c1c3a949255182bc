/**
 * Swap I/O (mm/page_io.c): swap_writeout() and swap_read_folio(). A zero-filled folio is never
 * written: is_folio_zero_filled() sets the slot's zeromap bit and counts swpout_zero; reading such a
 * slot back zero-fills the folio and counts swpin_zero. Other folios are copied to the device's
 * bytes (pswpout) and back (pswpin). The "I/O" completes at once (no writeback state, no timing).
 * With zswap on, a folio that is not zero-filled goes to zswap_store() before the device, and a
 * read asks zswap_load() after the zeromap (mm/zswap.ts).
 */
import type { Machine } from '../machine.ts';
import { swapInfo, swpOffset, zeromapSet, zeromapTest } from './swapfile.ts';
import { zswapLoad, zswapStore } from './zswap.ts';

/** swap_writeout() for an order-0 folio in the swap cache as slot `key`. */
export function swapWriteout(m: Machine, pfn: number, key: number): 'zero' | 'zswap' | 'written' {
  const si = swapInfo(m, key);
  const off = swpOffset(key);
  const ps = m.pageSize;
  const addr = pfn * ps;
  // is_folio_zero_filled(): the whole folio reads as zeros
  if (m.ram.isZero(addr, ps)) {
    zeromapSet(si, off, true);
    si.data.delete(off);
    m.vmstat.inc('swpout_zero');
    return 'zero';
  }
  zeromapSet(si, off, false);
  // zswap_store(): taken by the compressed pool, the device is not written
  if (m.trace.call('zswap_store', () => zswapStore(m, pfn, key))) {
    si.data.delete(off); // what the device held for this slot before is stale now
    return 'zswap';
  }
  si.data.set(off, m.ram.read(addr, ps));
  m.vmstat.inc('pswpout');
  return 'written';
}

/** swap_read_folio(): fill a new folio from slot `key` (swap_read_folio_zeromap first). */
export function swapReadFolio(m: Machine, pfn: number, key: number): void {
  const si = swapInfo(m, key);
  const off = swpOffset(key);
  const ps = m.pageSize;
  const addr = pfn * ps;
  if (zeromapTest(si, off)) {
    m.ram.clearPage(addr, ps);
    m.vmstat.inc('swpin_zero');
    return;
  }
  const z = m.zswap.tree.size ? m.trace.call('zswap_load', () => zswapLoad(m, pfn, key)) : null;
  const bytes = z ?? si.data.get(off);
  if (!bytes) throw new Error(`swap_read_folio: slot ${off} of swap type ${si.type} holds no data`);
  for (let i = 0; i < ps; i += 4)
    m.ram.writeU32(
      addr + i,
      bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24),
    );
  if (!z) m.vmstat.inc('pswpin');
}
