/**
 * /proc/meminfo (fs/proc/meminfo.c meminfo_proc_show). Fields print as the kernel's show_val_kb():
 * a 16-column label and an 8-wide number.
 */
import type { Machine } from '../machine.ts';
import { MEMINFO_FIELDS } from './names.ts';
import { vmstatValue } from './stats.ts';
import { totalSwapcachePages } from '../mm/swap_state.ts';
import { zswapTotalPages } from '../mm/zswap.ts';
import { directMapCounts, directMapModelled } from '../mm/direct_map.ts';

function directMapKb(m: Machine): { k4: number; m2: number; g1: number } {
  const c = directMapCounts(m);
  return { k4: c.k4 * 4, m2: c.m2 * 2048, g1: c.g1 * 1024 * 1024 };
}

/** What the direct map uses, by page size: 4 KiB below 2 MiB alignment, 2 MiB, 1 GiB (gbpages). */
function directMap(m: Machine): { k4: number; m2: number; g1: number } {
  const M2 = 2 << 20;
  const G1 = 1 << 30;
  let k4 = 0;
  let m2 = 0;
  let g1 = 0;
  for (const r of m.memblock.memory.regions) {
    // init_memory_mapping() maps whole pages from the start of each RAM range (page 0 included).
    let s = r.base === 0x1000 ? 0 : r.base;
    const e = r.base + r.size;
    const s2 = Math.min(Math.ceil(s / M2) * M2, e);
    k4 += s2 - s;
    s = s2;
    const s1 = Math.min(Math.ceil(s / G1) * G1, Math.floor(e / M2) * M2);
    if (s1 > s) m2 += s1 - s;
    s = Math.max(s, s1);
    const e1 = Math.floor(e / G1) * G1;
    if (e1 > s) {
      g1 += e1 - s;
      s = e1;
    }
    const e2 = Math.floor(e / M2) * M2;
    if (e2 > s) {
      m2 += e2 - s;
      s = e2;
    }
    k4 += Math.ceil((e - s) / 4096) * 4096;
  }
  return { k4: k4 / 1024, m2: m2 / 1024, g1: g1 / 1024 };
}

/**
 * si_mem_available(): free pages above the reserves, plus the file LRU's pages but the smaller of
 * half of them and the zones' low watermarks (some page cache must stay). No reclaimable slab here.
 */
function siMemAvailable(m: Machine, free: number): number {
  const wmarkLow = m.alloc.zones.reduce((s, z) => s + (z.populated() ? z.lowWmark() : 0), 0);
  let pagecache = vmstatValue(m, 'nr_active_file') + vmstatValue(m, 'nr_inactive_file');
  pagecache -= Math.min(Math.floor(pagecache / 2), wmarkLow);
  return Math.max(0, free - m.alloc.totalreservePages + pagecache);
}

export function meminfo(m: Machine): string {
  const pk = (pages: number) => (pages * (1 << m.arch.pageShift)) / 1024;
  const totalram = m.alloc.zones.reduce((s, z) => s + z.managedPages, 0);
  const free = m.alloc.nrFreePages();
  // x86-64: direct_pages_count[], read from init_top_pgt's tables; elsewhere an estimate.
  const dm = directMapModelled(m) ? directMapKb(m) : directMap(m);
  const values: Record<string, number> = {
    MemTotal: pk(totalram),
    MemFree: pk(free),
    MemAvailable: pk(siMemAvailable(m, free)),
    // NR_FILE_PAGES - total_swapcache_pages() - buffers: the model's nr_file_pages already leaves
    // the swap cache out (swap_state.ts does not count it), and has no buffer heads
    Cached: pk(vmstatValue(m, 'nr_file_pages')),
    SwapCached: pk(totalSwapcachePages(m)),
    Active: pk(vmstatValue(m, 'nr_active_anon') + vmstatValue(m, 'nr_active_file')),
    Inactive: pk(vmstatValue(m, 'nr_inactive_anon') + vmstatValue(m, 'nr_inactive_file')),
    'Active(anon)': pk(vmstatValue(m, 'nr_active_anon')),
    'Inactive(anon)': pk(vmstatValue(m, 'nr_inactive_anon')),
    'Active(file)': pk(vmstatValue(m, 'nr_active_file')),
    'Inactive(file)': pk(vmstatValue(m, 'nr_inactive_file')),
    Unevictable: pk(vmstatValue(m, 'nr_unevictable')),
    Mlocked: pk(vmstatValue(m, 'nr_mlock')),
    SwapTotal: pk(m.swap.totalSwapPages),
    SwapFree: pk(m.swap.nrSwapPages),
    Zswap: pk(zswapTotalPages(m)),
    Zswapped: pk(m.zswap.tree.size),
    Dirty: pk(vmstatValue(m, 'nr_dirty')),
    Writeback: pk(vmstatValue(m, 'nr_writeback')),
    AnonPages: pk(vmstatValue(m, 'nr_anon_pages')),
    Mapped: pk(vmstatValue(m, 'nr_mapped')),
    Shmem: pk(vmstatValue(m, 'nr_shmem')),
    PageTables: pk(vmstatValue(m, 'nr_page_table_pages')),
    // vm_commit_limit(): overcommit_ratio 50% of RAM plus all swap
    CommitLimit: pk(Math.floor(totalram / 2) + m.swap.totalSwapPages),
    VmallocTotal: 34359738367,
    AnonHugePages: pk(vmstatValue(m, 'nr_anon_transparent_hugepages') * (1 << m.arch.pmdOrder)),
    Hugepagesize: (1 << (m.arch.pageShift + m.arch.pmdOrder)) >> 10,
    DirectMap4k: dm.k4,
    DirectMap2M: dm.m2,
    DirectMap1G: dm.g1,
  };
  let out = '';
  for (const [name, kb] of MEMINFO_FIELDS) {
    const v = values[name] ?? 0;
    out += `${(name + ':').padEnd(16)}${String(v).padStart(8)}${kb ? ' kB' : ''}\n`;
  }
  return out;
}
