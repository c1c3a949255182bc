/**
 * The mermap (mm/mermap.c, include/linux/mermap{,_types}.h, arch/x86/include/asm/mermap.h; the
 * __GFP_UNMAPPED series v2, not merged): a per-mm, per-CPU window of kernel virtual addresses for
 * short-lived mappings of pages that are not in the direct map, so kernel_init_pages() can clear them.
 *
 * Modelled: per CPU a slice with a bump pointer (next_addr) that keeps its last page in reserve, 4
 * tracking slots, PTEs pre-populated with a sentinel (pfn 0, PAGE_NONE|NX) and rewritten with
 * PAGE_KERNEL_NOGLOBAL, mermap_put restoring the sentinel without a flush, and a local flush when
 * space is reused. Simplifications: the slice's PTEs are kept in this object rather than in page
 * tables in emulated RAM; the slice size (512 pages: PAGE_SIZE << MAX_PAGECACHE_ORDER, from a
 * prototype) and the base address are emulator choices [U]; mermap_get_reserved() takes no slot
 * (it returns void * in the stored file).
 */
import type { Machine } from '../machine.ts';
import type { MmStruct } from './mm_types.ts';
import { setDirectMapDefaultNoflush, setDirectMapInvalidNoflush } from './direct_map.ts';
import { flushTlbAllLocal, flushTlbKernelRange } from './tlb.ts';

/** Pages in one CPU's slice [U]. */
export const MERMAP_CPU_PAGES = 512;
/** Tracking slots per CPU (mermap_cpu.allocs[4]). */
export const MERMAP_NR_ALLOCS = 4;
/** MERMAP_BASE_ADDR [U]: an address in the per-mm local region. */
export const MERMAP_BASE_ADDR = 0xffff_e000_0000_0000n;
/** PAGE_KERNEL_NOGLOBAL = PAGE_KERNEL minus _PAGE_GLOBAL (v2 20/22). */
export const PAGE_KERNEL_NOGLOBAL = 0x8000000000000063n;
/** The sentinel PTE: pfn 0, PAGE_NONE | NX (non-empty, so later writes never allocate). */
export const MERMAP_SENTINEL = 0x8000000000000000n | 0x100n;

export interface MermapAlloc {
  inUse: boolean;
  /** page offsets in the slice */
  base: number;
  end: number;
  /** who holds it: 'kernel_init_pages' or a preempted task */
  holder: string;
}

export interface MermapCpu {
  /** next_addr, as a page offset in the slice */
  next: number;
  readonly allocs: MermapAlloc[];
  /** the slice's PTEs (raw values) */
  readonly ptes: bigint[];
  /** put() left translations that a flush must drop before the space is reused */
  needFlush: boolean;
  reservedInUse: boolean;
  reservedNeedFlush: boolean;
  gets: number;
  getFailures: number;
  reservedGets: number;
  localFlushes: number;
}

export interface Mermap {
  readonly cpu: MermapCpu[];
}

/** mermap_mm_prepare(): per-CPU state, sentinel PTEs for every possible CPU's slice. Idempotent. */
export function mermapMmPrepare(m: Machine, mm: MmStruct): Mermap {
  let mer = m.mermaps.get(mm);
  if (mer) return mer;
  mer = {
    cpu: Array.from({ length: m.cfg.cpus }, () => ({
      next: 0,
      allocs: Array.from({ length: MERMAP_NR_ALLOCS }, () => ({ inUse: false, base: 0, end: 0, holder: '' })),
      ptes: new Array<bigint>(MERMAP_CPU_PAGES).fill(MERMAP_SENTINEL),
      needFlush: false,
      reservedInUse: false,
      reservedNeedFlush: false,
      gets: 0,
      getFailures: 0,
      reservedGets: 0,
      localFlushes: 0,
    })),
  };
  m.mermaps.set(mm, mer);
  return mer;
}

/** The mm "current" runs on a CPU: the one loaded there (null: a kernel thread, init_mm). */
export function currentMm(m: Machine, cpu: number): MmStruct | null {
  return m.tlb.cpus[cpu]!.loadedMm;
}

/** mermap_ready(): task context with an mm whose mermap is prepared. */
export function mermapReady(m: Machine, cpu: number): boolean {
  const mm = currentMm(m, cpu);
  return !!mm && m.mermaps.has(mm);
}

/** The virtual page number of a slice page. */
function vpn(m: Machine, cpu: number, page: number): number {
  return Number(MERMAP_BASE_ADDR / BigInt(m.pageSize)) + cpu * MERMAP_CPU_PAGES + page;
}

/** Write PTEs for consecutive pfns and record the translations in this CPU's TLB (non-global). */
function mapPages(m: Machine, mc: MermapCpu, cpu: number, base: number, pfn: number, nr: number): void {
  const tlb = m.tlb.cpus[cpu]!;
  for (let i = 0; i < nr; i++) {
    mc.ptes[base + i] = (BigInt(pfn + i) << 12n) | PAGE_KERNEL_NOGLOBAL;
    tlb.fill(false, vpn(m, cpu, base + i), pfn + i, 1, false, true);
  }
}

function localFlush(m: Machine, mc: MermapCpu, cpu: number): void {
  // x86: __flush_tlb_all() on this CPU only; no other CPU ever uses this slice.
  flushTlbAllLocal(m, cpu);
  m.tlb.localFlushes++;
  mc.localFlushes++;
  mc.needFlush = false;
}

/**
 * mermap_get(): map nr pages at pfn in this CPU's slice. Returns the slot index, or -1 when the
 * space (the last page stays in reserve) or the 4 slots are taken.
 */
export function mermapGet(m: Machine, cpu: number, pfn: number, nr: number, holder: string): number {
  const mm = currentMm(m, cpu);
  if (!mm) return -1;
  const mc = mermapMmPrepare(m, mm).cpu[cpu]!;
  const limit = MERMAP_CPU_PAGES - 1;
  if (nr > limit) {
    mc.getFailures++;
    return getFailed(m, cpu, pfn, nr, holder);
  }
  if (mc.next + nr > limit) {
    let newNext = 0;
    for (const a of mc.allocs) if (a.inUse) newNext = Math.max(newNext, a.end);
    if (newNext + nr > limit) {
      mc.getFailures++;
      return getFailed(m, cpu, pfn, nr, holder);
    }
    localFlush(m, mc, cpu);
    mc.next = newNext;
  }
  const slot = mc.allocs.findIndex((a) => !a.inUse);
  if (slot < 0) {
    mc.getFailures++;
    return getFailed(m, cpu, pfn, nr, holder);
  }
  const a = mc.allocs[slot]!;
  a.inUse = true;
  a.base = mc.next;
  a.end = mc.next + nr;
  a.holder = holder;
  mc.next += nr;
  mc.gets++;
  mapPages(m, mc, cpu, a.base, pfn, nr);
  if (m.trace.on) m.trace.emit({ type: 'mermap_get', cpu, pfn, nrPages: nr, slot, holder });
  return slot;
}

/** A failed mermap_get(), reported so views can tell why clear_page_mermap() took its slow path. */
function getFailed(m: Machine, cpu: number, pfn: number, nr: number, holder: string): number {
  if (m.trace.on) m.trace.emit({ type: 'mermap_get', cpu, pfn, nrPages: nr, slot: -1, holder });
  return -1;
}

/** mermap_put(): the sentinel back, no flush (the flush comes when the space is reused). */
export function mermapPut(m: Machine, cpu: number, slot: number): void {
  const mm = currentMm(m, cpu)!;
  const mc = m.mermaps.get(mm)!.cpu[cpu]!;
  const a = mc.allocs[slot]!;
  for (let i = a.base; i < a.end; i++) mc.ptes[i] = MERMAP_SENTINEL;
  a.inUse = false;
  a.holder = '';
  mc.needFlush = true;
}

/**
 * clear_page_mermap() (v2 20/22): fast path, one mermap_get for the run; slow path, page by page
 * with IRQs saved and disabled through mermap_get_reserved(), which always succeeds.
 */
export function clearPageMermap(m: Machine, pfn: number, nr: number, cpu: number): void {
  const ps = m.pageSize;
  const slot = mermapGet(m, cpu, pfn, nr, 'kernel_init_pages');
  if (slot >= 0) {
    for (let i = 0; i < nr; i++) {
      m.ram.clearPage((pfn + i) * ps, ps);
      if (m.trace.on) m.trace.emit({ type: 'mermap_clear_page', cpu, pfn: pfn + i, reserved: false });
    }
    mermapPut(m, cpu, slot);
    m.mermapStats.fastRuns++;
    m.mermapStats.fastPages += nr;
    return;
  }
  const mm = currentMm(m, cpu);
  if (!mm) throw new Error('clear_page_mermap: no mm on this CPU (mermap_ready() is false)');
  const mc = mermapMmPrepare(m, mm).cpu[cpu]!;
  const t = m.tlb.cpus[cpu]!;
  const reserve = MERMAP_CPU_PAGES - 1;
  for (let i = 0; i < nr; i++) {
    const saved = t.irqsOn;
    t.irqsOn = false; // local_irq_save()
    // mermap_get_reserved(): the reserved last page; reusing it needs a local flush of that page.
    if (mc.reservedNeedFlush) {
      const v = vpn(m, cpu, reserve);
      t.drop((e) => !e.kernel && !e.global && e.vpn === v);
    }
    mc.reservedInUse = true;
    mc.reservedGets++;
    mapPages(m, mc, cpu, reserve, pfn + i, 1);
    m.ram.clearPage((pfn + i) * ps, ps);
    if (m.trace.on) m.trace.emit({ type: 'mermap_clear_page', cpu, pfn: pfn + i, reserved: true });
    mc.ptes[reserve] = MERMAP_SENTINEL; // mermap_put()
    mc.reservedInUse = false;
    mc.reservedNeedFlush = true;
    t.irqsOn = saved; // local_irq_restore()
  }
  m.mermapStats.slowPages += nr;
}

/**
 * A task preempted while it holds a mermap mapping (migrate_disable() keeps it on this CPU, but
 * not from being preempted): a thread of the mm loaded on the CPU maps `nr` pages and stays there.
 */
export function preemptHolder(m: Machine, cpu: number, nr: number): number {
  const mm = currentMm(m, cpu);
  if (!mm) return -1;
  mermapMmPrepare(m, mm);
  // It maps some page of its own; which one does not matter for the window, pfn 0 stands in.
  return mermapGet(m, cpu, 0, nr, 'preempted task');
}

/** The preempted holders run again and put their mappings. */
export function resumeHolders(m: Machine, cpu: number): number {
  const mm = currentMm(m, cpu);
  const mer = mm && m.mermaps.get(mm);
  if (!mer) return 0;
  let n = 0;
  mer.cpu[cpu]!.allocs.forEach((a, i) => {
    if (a.inUse && a.holder === 'preempted task') {
      mermapPut(m, cpu, i);
      n++;
    }
  });
  return n;
}

/** `show mermap`: each prepared mm's slice on every CPU. */
export function describeMermap(m: Machine, mmName: (mm: MmStruct) => string): string {
  let out = `mermap: ${MERMAP_CPU_PAGES} pages per CPU slice (last page reserved), ${MERMAP_NR_ALLOCS} slots, PTEs PAGE_KERNEL_NOGLOBAL 0x${PAGE_KERNEL_NOGLOBAL.toString(16)}, sentinel 0x${MERMAP_SENTINEL.toString(16)}\n`;
  const s = m.mermapStats;
  out += `clear_page_mermap: fast runs ${s.fastRuns} (${s.fastPages} pages), slow path pages ${s.slowPages}\n`;
  for (const [mm, mer] of m.mermaps) {
    out += `mm ${mmName(mm)}:\n`;
    mer.cpu.forEach((mc, cpu) => {
      const base = MERMAP_BASE_ADDR + BigInt(cpu * MERMAP_CPU_PAGES * m.pageSize);
      const slots = mc.allocs.map((a, i) => (a.inUse ? `${i}:[${a.base},${a.end}) ${a.holder}` : `${i}:-`));
      out += `  cpu ${cpu}: base 0x${base.toString(16)} next ${mc.next}/${MERMAP_CPU_PAGES - 1} reserve ${mc.reservedInUse ? 'in use' : 'free'}${mc.needFlush ? ', flush pending' : ''}; gets ${mc.gets}, failed ${mc.getFailures}, reserved ${mc.reservedGets}, local flushes ${mc.localFlushes}\n`;
      out += `    slots ${slots.join(' ')}\n`;
    });
  }
  return out;
}

/** Install CONFIG_PAGE_ALLOC_UNMAPPED's machine side into the allocator (after init_mem_mapping). */
export function installUnmapped(m: Machine): void {
  if (!m.cfg.pageAllocUnmapped) return;
  m.alloc.unmappedHooks = {
    irqsOn: (cpu) => m.tlb.cpus[cpu]!.irqsOn,
    mermapReady: (cpu) => {
      // The series prepares the mm's mermap before use (mermap_mm_prepare); here at first need.
      const mm = currentMm(m, cpu);
      if (mm) mermapMmPrepare(m, mm);
      return mermapReady(m, cpu);
    },
    setDirectMap: (pfn, nr, valid, cpu) =>
      valid ? setDirectMapDefaultNoflush(m, pfn, nr, cpu) : setDirectMapInvalidNoflush(m, pfn, nr, cpu),
    flushKernelRange: (pfn, nr, cpu) => flushTlbKernelRange(m, pfn, nr, cpu),
    clearPageMermap: (pfn, nr, cpu) => clearPageMermap(m, pfn, nr, cpu),
  };
}
