/**
 * Per-CPU TLBs (arch/x86/mm/tlb.c, arch/x86/include/asm/tlbflush.h): a small cache of translations per
 * CPU, tagged global (the direct map's _PAGE_GLOBAL entries) or by PCID, filled by page walks and
 * emptied by flushes.
 *
 * PCIDs follow x86's per-CPU dynamic ASIDs: each mm has a ctx_id; a CPU keeps TLB_NR_DYN_ASIDS (6)
 * slots remembering which ctx_id owns which ASID, and the hardware tag is kPCID = ASID + 1
 * (switch_mm_irqs_off → choose_new_asid). Switching to an mm that still owns a slot on this CPU keeps
 * its tagged entries; taking a new slot flushes what the slot's previous owner left. With pcid=no
 * every CR3 write drops all non-global entries. Global entries survive every switch.
 *
 * The model: the emulator always walks the page tables for an access and then records the
 * translation here, so a stale entry is visible (show tlb, the invariant checker) but never used.
 */
import type { Machine } from '../machine.ts';
import type { MmStruct } from './mm_types.ts';
import { directMapFlushed } from './direct_map.ts';

/** Entries per CPU: a deliberately small TLB, 16 sets of 4 ways. */
export const TLB_SETS = 16;
export const TLB_WAYS = 4;
export const TLB_ENTRIES = TLB_SETS * TLB_WAYS;
/** TLB_NR_DYN_ASIDS */
export const TLB_NR_DYN_ASIDS = 6;
/** tlb_single_page_flush_ceiling: larger kernel-range flushes flush everything (do_flush_tlb_all). */
export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

export interface TlbEntry {
  /** virtual page number: of the user address, or (kernel) of the offset from PAGE_OFFSET */
  vpn: number;
  kernel: boolean;
  /** first pfn the entry maps */
  pfn: number;
  /** pages it covers: 1, 512 (2M) or 262144 (1G) */
  pages: number;
  global: boolean;
  /** the PCID loaded when it was filled (0 = no PCID; ignored for global entries) */
  pcid: number;
  writable: boolean;
}

const SLOT_KERNEL = 1;
const SLOT_GLOBAL = 2;
const SLOT_WRITABLE = 4;

export class CpuTlb {
  // TLB_SETS sets of TLB_WAYS ways: set s holds slots [s * TLB_WAYS, (s + 1) * TLB_WAYS). The slots
  // live in typed arrays, not objects: a fill happens on every user access, and writing a 34-bit
  // vpn into an object field costs ~100 ns (a boxed double) where a Float64Array store costs ~1.
  /** vpn per slot, -1 when the slot is empty */
  private readonly vpnA = new Float64Array(TLB_ENTRIES).fill(-1);
  private readonly pfnA = new Float64Array(TLB_ENTRIES);
  private readonly pagesA = new Uint32Array(TLB_ENTRIES);
  private readonly pcidA = new Uint8Array(TLB_ENTRIES);
  /** SLOT_KERNEL | SLOT_GLOBAL | SLOT_WRITABLE */
  private readonly bitsA = new Uint8Array(TLB_ENTRIES);
  /** one entry object reused for `drop` predicates (no allocation per flush) */
  private readonly scratch: TlbEntry = {
    vpn: 0,
    kernel: false,
    pfn: 0,
    pages: 1,
    global: false,
    pcid: 0,
    writable: false,
  };
  /** next way to replace in each set: round-robin (FIFO), deterministic */
  private readonly victim = new Uint8Array(TLB_SETS);
  /** the mm whose page tables are loaded (CR3), null for init_mm */
  loadedMm: MmStruct | null = null;
  /** the ASID slot in use (0..5) */
  loadedAsid = 0;
  /** ctx_id owning each ASID slot (0 = none) */
  readonly asidCtx = new Array<number>(TLB_NR_DYN_ASIDS).fill(0);
  /** cpu_tlbstate.next_asid */
  nextAsid = 0;
  /** local IRQs enabled */
  irqsOn = true;

  constructor(private readonly usePcid: boolean) {}

  /** The slots as entries (null = empty), for views and checks: a fresh copy each time. */
  get entries(): (TlbEntry | null)[] {
    const out: (TlbEntry | null)[] = [];
    for (let i = 0; i < TLB_ENTRIES; i++) out.push(this.vpnA[i] === -1 ? null : this.read(i, {} as TlbEntry));
    return out;
  }

  private read(i: number, e: TlbEntry): TlbEntry {
    const bits = this.bitsA[i]!;
    e.vpn = this.vpnA[i]!;
    e.kernel = (bits & SLOT_KERNEL) !== 0;
    e.pfn = this.pfnA[i]!;
    e.pages = this.pagesA[i]!;
    e.global = (bits & SLOT_GLOBAL) !== 0;
    e.pcid = this.pcidA[i]!;
    e.writable = (bits & SLOT_WRITABLE) !== 0;
    return e;
  }

  /** The hardware tag of the loaded address space. */
  get pcid(): number {
    return this.usePcid ? this.loadedAsid + 1 : 0;
  }

  /** The set a page of `pages` pages at `vpn` lives in: low bits of its page number. */
  private static set(vpn: number, pages: number): number {
    // vpn is page-aligned to `pages` and may pass 2^31: >>> 0 keeps its low 32 bits without fmod
    return ((vpn / pages) >>> 0) & (TLB_SETS - 1);
  }

  private find(kernel: boolean, vpn: number, pages: number, pcid: number): number {
    const base = CpuTlb.set(vpn, pages) * TLB_WAYS;
    const k = kernel ? SLOT_KERNEL : 0;
    for (let i = base; i < base + TLB_WAYS; i++) {
      if (this.vpnA[i] !== vpn || this.pagesA[i] !== pages) continue;
      const bits = this.bitsA[i]!;
      if ((bits & SLOT_KERNEL) === k && (bits & SLOT_GLOBAL ? 0 : this.pcidA[i]) === pcid) return i;
    }
    return -1;
  }

  /** Record a translation (a walk just made it). */
  fill(kernel: boolean, vpn: number, pfn: number, pages: number, global: boolean, writable: boolean): void {
    const pcid = global ? 0 : this.pcid;
    let v = this.find(kernel, vpn, pages, pcid);
    if (v < 0) {
      const set = CpuTlb.set(vpn, pages);
      for (let i = set * TLB_WAYS; i < (set + 1) * TLB_WAYS; i++)
        if (this.vpnA[i] === -1) {
          v = i;
          break;
        }
      if (v < 0) {
        v = set * TLB_WAYS + this.victim[set]!;
        this.victim[set] = (this.victim[set]! + 1) % TLB_WAYS;
      }
    }
    this.vpnA[v] = vpn;
    this.pfnA[v] = pfn;
    this.pagesA[v] = pages;
    this.pcidA[v] = pcid;
    this.bitsA[v] = (kernel ? SLOT_KERNEL : 0) | (global ? SLOT_GLOBAL : 0) | (writable ? SLOT_WRITABLE : 0);
  }

  /** A global direct-map entry covering `pfn` (vpn = pfn offset from PAGE_OFFSET) is cached. */
  hasKernel(pfn: number): boolean {
    return (
      this.find(true, pfn, 1, 0) >= 0 ||
      this.find(true, pfn - (pfn % 512), 512, 0) >= 0 ||
      this.find(true, pfn - (pfn % 262144), 262144, 0) >= 0
    );
  }

  /** Drop every entry `pred` accepts (pred sees a reused object: it must not keep it). */
  drop(pred: (e: TlbEntry) => boolean): number {
    let n = 0;
    for (let i = 0; i < TLB_ENTRIES; i++) {
      if (this.vpnA[i] === -1 || !pred(this.read(i, this.scratch))) continue;
      this.vpnA[i] = -1;
      n++;
    }
    return n;
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < TLB_ENTRIES; i++) if (this.vpnA[i] !== -1) n++;
    return n;
  }
}

export interface TlbState {
  readonly cpus: CpuTlb[];
  usePcid: boolean;
  /** mm->context.ctx_id source (last_mm_ctx_id) */
  nextCtxId: number;
  shootdowns: number;
  localFlushes: number;
}

export function newTlbState(nrCpus: number, usePcid: boolean): TlbState {
  return {
    cpus: Array.from({ length: nrCpus }, () => new CpuTlb(usePcid)),
    usePcid,
    nextCtxId: 1,
    shootdowns: 0,
    localFlushes: 0,
  };
}

/**
 * switch_mm_irqs_off(): load `mm` on `cpu`. With PCID, an mm that still owns an ASID slot here
 * keeps its tagged entries; otherwise the next slot is taken and its old entries flushed. Without
 * PCID the CR3 write drops every non-global entry. Global entries always stay.
 */
export function switchMm(m: Machine, cpu: number, mm: MmStruct): void {
  const t = m.tlb.cpus[cpu]!;
  if (t.loadedMm === mm) return;
  m.trace.call('switch_mm_irqs_off', () => {
    t.loadedMm = mm;
    if (!m.tlb.usePcid) {
      t.drop((e) => !e.global);
      return;
    }
    const have = t.asidCtx.indexOf(mm.ctxId);
    if (have >= 0) {
      t.loadedAsid = have;
      return;
    }
    // choose_new_asid(): a fresh slot; its previous owner's entries are flushed with the CR3 write.
    const asid = t.nextAsid;
    t.nextAsid = (asid + 1) % TLB_NR_DYN_ASIDS;
    t.asidCtx[asid] = mm.ctxId;
    t.loadedAsid = asid;
    const pcid = asid + 1;
    t.drop((e) => !e.global && e.pcid === pcid);
  });
}

/** The mm is gone (exit): no CPU keeps it loaded (lazy TLB falls back to init_mm). */
export function dropMm(m: Machine, mm: MmStruct): void {
  for (const t of m.tlb.cpus) {
    if (t.loadedMm === mm) t.loadedMm = null;
    const slot = t.asidCtx.indexOf(mm.ctxId);
    if (slot >= 0) t.asidCtx[slot] = 0;
  }
}

/** The pcid `mm` has on a CPU, or -1 when it owns no slot there. */
function pcidOn(m: Machine, t: CpuTlb, mm: MmStruct): number {
  if (!m.tlb.usePcid) return t.loadedMm === mm ? 0 : -1;
  const slot = t.asidCtx.indexOf(mm.ctxId);
  return slot < 0 ? -1 : slot + 1;
}

/** Record a user translation made on `cpu` (mmuTranslate). */
export function tlbFillUser(
  m: Machine,
  cpu: number,
  va: number,
  pfn: number,
  pages: number,
  writable: boolean,
): void {
  // the first page of the span: floor(va / span) * pages, exact for these powers of two (no fmod)
  const vpn = Math.floor(va / (m.pageSize * pages)) * pages;
  m.tlb.cpus[cpu]!.fill(false, vpn, pfn, pages, false, writable);
}

/** Record a direct-map translation (vpn = pfn offset from PAGE_OFFSET). */
export function tlbFillKernel(
  m: Machine,
  cpu: number,
  basePfn: number,
  leafPfn: number,
  pages: number,
): void {
  m.tlb.cpus[cpu]!.fill(true, basePfn, leafPfn, pages, true, true);
}

/**
 * flush_tlb_mm_range(): drop `mm`'s user entries for [start, end) on every CPU (an IPI to the CPUs
 * in mm_cpumask; CPUs that are not running the mm catch up through tlb_gen — here, at once).
 */
export function flushTlbMmRange(m: Machine, mm: MmStruct, start: number, end: number): void {
  const ps = m.pageSize;
  const s = Math.floor(start / ps);
  const e = Math.ceil(end / ps);
  for (const t of m.tlb.cpus) {
    const pcid = pcidOn(m, t, mm);
    if (pcid < 0) continue;
    t.drop((x) => !x.kernel && x.pcid === pcid && x.vpn < e && x.vpn + x.pages > s);
  }
}

/** flush_tlb_local(): this CPU's non-global entries of the current PCID. Globals stay. */
export function flushTlbLocal(m: Machine, cpu: number): number {
  const t = m.tlb.cpus[cpu]!;
  const pcid = t.pcid;
  m.tlb.localFlushes++;
  return t.drop((e) => !e.global && e.pcid === pcid);
}

/** __flush_tlb_all(): everything on this CPU, global entries included (CR4.PGE toggle / INVPCID). */
export function flushTlbAllLocal(m: Machine, cpu: number): number {
  return m.tlb.cpus[cpu]!.drop(() => true);
}

export class TlbShootdownRefused extends Error {}

/**
 * flush_tlb_kernel_range(): a shootdown of direct-map pages [pfn, pfn + nr) on every CPU. It sends
 * IPIs (on_each_cpu), so it needs IRQs on: with IRQs off smp_call_function_many_cond() WARNs (an IPI
 * waited for with IRQs off can deadlock against a CPU doing the same), and the flush is refused here.
 * Above tlb_single_page_flush_ceiling pages it flushes everything, global entries included.
 */
export function flushTlbKernelRange(m: Machine, pfn: number, nr: number, cpu: number): void {
  const t = m.tlb.cpus[cpu]!;
  if (!t.irqsOn) {
    m.printk(
      `WARNING: CPU: ${cpu} PID: 0 at kernel/smp.c:815 smp_call_function_many_cond+0x3c0/0x4d0 (flush_tlb_kernel_range with IRQs disabled)`,
    );
    throw new TlbShootdownRefused(
      `flush_tlb_kernel_range: refused: IRQs are off on CPU ${cpu} — a TLB shootdown sends IPIs and waits for them, which needs IRQs on (smp_call_function_many_cond WARNs)`,
    );
  }
  m.trace.call('flush_tlb_kernel_range', () => {
    m.tlb.shootdowns++;
    const all = nr > TLB_SINGLE_PAGE_FLUSH_CEILING;
    const end = pfn + nr;
    for (const c of m.tlb.cpus) {
      if (all) c.drop(() => true);
      else c.drop((e) => e.kernel && e.vpn < end && e.vpn + e.pages > pfn);
    }
    directMapFlushed(m, pfn, nr, all);
  });
}

/** A CPU's TLB as text (the `show tlb` format, see docs/scenario-language.md). */
export function describeTlb(m: Machine, mmName: (mm: MmStruct) => string): string {
  const ps = BigInt(m.pageSize);
  const size = (pages: number) => (pages === 1 ? '4K' : pages === 512 ? '2M' : '1G');
  let out = `pcid=${m.tlb.usePcid ? 'yes' : 'no'}, ${TLB_ENTRIES} entries per CPU (${TLB_SETS} sets x ${TLB_WAYS} ways), round-robin replacement\n`;
  m.tlb.cpus.forEach((t, cpu) => {
    const loaded = t.loadedMm ? mmName(t.loadedMm) : 'init_mm';
    out += `cpu ${cpu}: irqs ${t.irqsOn ? 'on' : 'off'}, mm ${loaded}, pcid ${t.pcid}, ${t.count()}/${TLB_ENTRIES} entries\n`;
    if (m.tlb.usePcid) {
      const slots = t.asidCtx.map((c, i) => `${i + 1}:${c ? ctxName(m, c, mmName) : '-'}`);
      out += `  asids (pcid:mm) ${slots.join(' ')}\n`;
    }
    for (const e of t.entries) {
      if (!e) continue;
      const va = e.kernel ? m.arch.pageOffset + BigInt(e.vpn) * ps : BigInt(e.vpn) * ps;
      const tag = e.global ? 'global' : `pcid ${e.pcid}`;
      out += `  0x${va.toString(16).padStart(16, '0')} ${size(e.pages).padEnd(2)} -> pfn 0x${e.pfn.toString(16)} ${e.writable ? 'rw' : 'ro'} ${tag}\n`;
    }
  });
  return out;
}

function ctxName(m: Machine, ctx: number, mmName: (mm: MmStruct) => string): string {
  for (const task of m.tasks.values()) if (task.mm && task.mm.ctxId === ctx) return mmName(task.mm);
  return `ctx${ctx}`;
}
