/**
 * The Machine: config + RAM + kernel state + CPUs. It applies one operation at a time and is
 * deterministic: the same config and the same operations give the same state, bit for bit.
 */
import type { ArchSpec } from './arch/arch.ts';
import type { PgtableArch } from './arch/pgtable.ts';
import type { MmStruct, ShmemFile, Task } from './mm/mm_types.ts';
import { archFor } from './arch/index.ts';
import { ViptCache } from './arch/mips/cache.ts';
import { bootSteps, type BootStep } from './boot.ts';
import { completeConfig, validateConfig, type MachineConfig } from './config.ts';
import { Memblock } from './mm/memblock.ts';
import { PageAllocator, listHeadsNeeded, wouldInvokeOom } from './mm/page_alloc.ts';
import { outOfMemory } from './mm/oom_kill.ts';
import { Pageblocks } from './mm/pageblock.ts';
import { VmStat } from './mm/vmstat.ts';
import { Owner, PG, PageArray } from './phys/page.ts';
import { PhysicalRam, CHUNK_SIZE } from './phys/ram.ts';
import { FrameState } from './shared/frame_state.ts';
import { Tracer } from './trace.ts';
import { pgtableFreeNow } from './mm/pgtable.ts';
import { newDirectMapState, type DirectMapState } from './mm/direct_map.ts';
import { newTlbState, type TlbState } from './mm/tlb.ts';
import type { Mermap } from './mm/mermap.ts';
import { newSwapState, type SwapState } from './mm/swapfile.ts';
import { newKsmState, type KsmState } from './mm/ksm.ts';
import { newZswapState, type ZswapState } from './mm/zswap.ts';
import { NR_LRU_LISTS } from './mm/mm_inline.ts';
import { installReclaim, newKswapdState, type KswapdState } from './mm/kswapd.ts';

export class KernelAllocError extends Error {}

export interface NamedAllocation {
  pfn: number;
  order: number;
  gfp: number;
  cpu: number;
}

export class Machine {
  readonly cfg: MachineConfig;
  readonly arch: ArchSpec;
  readonly trace = new Tracer();
  readonly ram: PhysicalRam;
  readonly pages: PageArray;
  readonly memblock: Memblock;
  readonly pageblocks: Pageblocks;
  readonly vmstat = new VmStat();
  readonly alloc: PageAllocator;
  /** printk ring buffer (dmesg) */
  readonly log: string[] = [];
  /** Kernel variables a debugger could print: zero_page_pfn, __zero_page, ... */
  readonly vars = new Map<string, bigint>();
  private zeroPagePfnN = 0;
  /** ZERO_PAGE() calls that computed virt_to_page() (before the zero-page patch). */
  zeroPageCalls = 0;
  memmapReady = false;
  memmapPhys: { base: number; size: number } | undefined;
  readonly steps: BootStep[];
  /** index of the next boot step to run */
  bootIndex = 0;
  /** kernel allocations made by name from a scenario (`alloc k1 order=3`) */
  readonly named = new Map<string, NamedAllocation>();
  /** the page-table format of this architecture */
  readonly pgtableArch: PgtableArch;
  /** bytes per page-table entry at each level (cached: the fault path reads it at every level) */
  readonly entrySize: readonly number[];
  /** where the zero page(s) are, once they exist: ZERO_PAGE(vaddr) picks one of 2^order */
  zeroPages: { basePfn: number; order: number } | null = null;
  /** a huge (PMD) leaf has been mapped at least once: walks must look for them from now on */
  hugeMapped = false;
  /** hugepage_init() found less than 512 MiB: transparent_hugepage_flags = 0 */
  thpDisabledAtBoot = false;
  /** the huge zero folio: its head pfn (-1 when there is none) and huge_zero_refcount */
  hugeZeroPfn = -1;
  hugeZeroRefcount = 0;
  /**
   * The deferred split queue (pgdat->deferred_split_queue; one node): head pfns in list order,
   * each with its PG_partially_mapped flag. THPs a fault allocated wait here (false) for the
   * shrinker's thp_underused() check; partially unmapped large folios (true) to be split.
   */
  readonly deferredSplit = new Map<number, boolean>();
  /** _entire_mapcount of PMD-mapped large folios, by head pfn (-1 when not PMD-mapped) */
  readonly entireMapcount = new Map<number, number>();
  /** MIPS: the toy virtually indexed data cache that user accesses go through */
  readonly cache: ViptCache | undefined;
  /** 32-bit arm before 2026: the physical address paging_init() got from early_alloc() */
  zeroPageEarly: number | undefined;
  /** processes by pid (dead ones stay, as zombies, so their fate can be reported) */
  readonly tasks = new Map<number, Task>();
  nextPid = 100;
  /** tasks that have exited so far (do_exit): a runner sees a death without scanning every task */
  nrExited = 0;
  nextShmemIno = 1;
  /** named files (`file` statement: tmpfs and disk), by name, with their page caches (mm/filemap.ts) */
  readonly files = new Map<string, ShmemFile>();
  nextAnonVma = 1;
  /** page tables waiting for an RCU grace period before they are freed (tlb_remove_table) */
  readonly rcuPending: [pfn: number, order: number][] = [];
  /** per-CPU LRU add batches (mm/swap.c cpu_fbatches.lru_add) */
  readonly lruBatch: number[][];
  /** per-CPU lazyfree batches (cpu_fbatches.lru_lazyfree): MADV_FREE'd folios on their way to the file LRU */
  readonly lazyfreeBatch: number[][];
  /**
   * per-CPU mlock batches (mm/mlock.c mlock_fbatch): each entry is pfn * 4 + MlockOp, the tag the
   * kernel keeps in the folio pointer's low bits (LRU_FOLIO, NEW_FOLIO, or 0 for munlock)
   */
  readonly mlockBatch: number[][];
  /** folio->mlock_count of unevictable mlocked folios, by head pfn (it overlays lru in the kernel) */
  readonly mlockCount = new Map<number, number>();
  /** ksmd: use_zero_pages, its counters, the mms on its list and their pages' checksums (mm/ksm.ts) */
  readonly ksm: KsmState = newKsmState();
  /** index (for PageArray.head) of the first LRU list head: enum lru_list order (mm_inline.ts) */
  readonly lruHeadBase: number;
  /** kswapd's state: sleeping or woken, and why (mm/kswapd.ts) */
  readonly kswapd: KswapdState = newKswapdState();
  /** swap devices, their slots and zeromaps, and the swap cache (mm/swapfile.ts) */
  readonly swap: SwapState = newSwapState();
  /** zswap: enabled, its pool's entries by swap entry and zsmalloc classes (mm/zswap.ts) */
  readonly zswap: ZswapState = newZswapState();
  /** the kernel direct map's page tables (x86-64: built by init_mem_mapping) */
  readonly directMap: DirectMapState = newDirectMapState();
  /** per-CPU TLBs and IRQ state */
  readonly tlb: TlbState;
  /** each mm's mermap (CONFIG_PAGE_ALLOC_UNMAPPED; mm/mermap.ts) */
  readonly mermaps = new Map<MmStruct, Mermap>();
  /** clear_page_mermap() counts: fast-path runs and pages, slow-path pages */
  readonly mermapStats = { fastRuns: 0, fastPages: 0, slowPages: 0 };

  constructor(config: Partial<MachineConfig> = {}) {
    this.cfg = completeConfig(config);
    validateConfig(this.cfg);
    this.arch = archFor(this.cfg);
    this.pgtableArch = this.arch.pgtable;
    this.entrySize = Array.from(
      { length: this.pgtableArch.levels },
      (_, l) => 1 << this.pgtableArch.entryShift(l),
    );
    const fw = this.arch.firmwareMap(this.cfg.ram);
    // Physical address space: up to the end of the highest usable range, rounded to MAX_ORDER blocks.
    const top = Math.max(...fw.filter((r) => r.type === 'usable').map((r) => r.base + r.size));
    const blockBytes = 1 << (this.arch.pageShift + this.arch.maxPageOrder);
    const physSize = Math.ceil(top / Math.max(blockBytes, CHUNK_SIZE)) * Math.max(blockBytes, CHUNK_SIZE);
    this.ram = new PhysicalRam(physSize);
    const nrPages = physSize / (1 << this.arch.pageShift);
    const allocCfg = {
      nrCpus: this.cfg.cpus,
      maxOrder: this.arch.maxPageOrder,
      pageblockOrder: this.arch.pageblockOrder,
      thpOrder: this.arch.pmdOrder,
      pageShift: this.arch.pageShift,
      initOnAlloc: this.cfg.initOnAlloc,
      initOnFree: this.cfg.initOnFree,
      zones: this.arch.zones,
      pageAllocUnmapped: this.cfg.pageAllocUnmapped ?? false,
      unmappedZeroing: this.cfg.unmappedZeroing ?? 'per_block',
    };
    // the allocator's free-list and pcp heads, then the node lruvec's LRU list heads
    this.lruHeadBase = listHeadsNeeded(allocCfg);
    this.pages = new PageArray(nrPages, this.lruHeadBase + NR_LRU_LISTS);
    this.memblock = new Memblock(this.trace);
    this.pageblocks = new Pageblocks(this.arch.pageblockOrder, nrPages, this.trace);
    this.alloc = new PageAllocator(this.pages, this.pageblocks, this.ram, this.trace, this.vmstat, allocCfg);
    this.alloc.onPrintk = (line) => this.printk(line);
    installReclaim(this);
    this.vars.set('zero_page_pfn', 0n);
    this.vars.set('__zero_page', 0n);
    this.vars.set('zero_page_mask', 0n);
    // empty_zero_page: the BSS array's address, or (coloured arches) an unsigned long that will
    // hold the address of the memblock allocation.
    this.vars.set(
      'empty_zero_page',
      this.arch.colouredZero ? 0n : this.arch.imageVirt(this.arch.emptyZeroPagePhys()),
    );
    this.steps = bootSteps(this);
    this.lruBatch = Array.from({ length: this.cfg.cpus }, () => []);
    this.lazyfreeBatch = Array.from({ length: this.cfg.cpus }, () => []);
    this.mlockBatch = Array.from({ length: this.cfg.cpus }, () => []);
    this.tlb = newTlbState(this.cfg.cpus, this.cfg.pcid ?? true);
    this.cache = this.cfg.arch === 'mips' ? new ViptCache(this.cfg.vce) : undefined;
  }

  get pageSize(): number {
    return 1 << this.arch.pageShift;
  }

  get booted(): boolean {
    return this.bootIndex >= this.steps.length;
  }

  /**
   * The emulator's own commentary (what a step did, e.g. where the zero page is), kept apart from
   * the kernel log so that dmesg holds only what Linux prints.
   */
  readonly notes: string[] = [];

  note(text: string): void {
    this.notes.push(text);
  }

  printk(text: string): void {
    this.log.push(text);
    this.trace.emit({ type: 'printk', text });
  }

  /**
   * Set a kernel variable. `shownAs`: the name the kernel of this configuration gives it, for the
   * trace (the zero page's pfn is stored under one key, 'zero_page_pfn', whatever the era, but 6.18
   * calls it zero_pfn: symbols.ts ERA_NAMES).
   */
  setVar(name: string, value: bigint, shownAs = name): void {
    const before = this.vars.get(name) ?? 0n;
    this.vars.set(name, value);
    // The fault path reads it on every zero-page fault: keep a number copy (BigInt is slow).
    if (name === 'zero_page_pfn') this.zeroPagePfnN = Number(value);
    if (this.trace.on)
      this.trace.emit({ type: 'var', name: shownAs, before: hex(before), after: hex(value) });
  }

  // --- boot -----------------------------------------------------------------------------------

  /** Run the next boot step. Returns it, or undefined when boot is complete. */
  bootStep(): BootStep | undefined {
    const step = this.steps[this.bootIndex];
    if (!step) return undefined;
    this.trace.bootStep(step.phase, () =>
      this.trace.bootStep(step.fn, () => {
        this.trace.emit({ type: 'boot_step', phase: step.phase, fn: step.fn, file: step.file });
        step.run(this);
      }),
    );
    this.bootIndex++;
    return step;
  }

  /** Boot to the end, or up to (not including) the step named `until`. */
  boot(until?: string): void {
    if (until !== undefined && !this.steps.some((s) => s.fn === until)) {
      throw new Error(
        `boot until=${until}: no such boot step (steps: ${this.steps.map((s) => s.fn).join(', ')})`,
      );
    }
    while (!this.booted) {
      if (until !== undefined && this.steps[this.bootIndex]!.fn === until) return;
      this.bootStep();
    }
  }

  // --- addresses ------------------------------------------------------------------------------

  /**
   * Whether ZERO_PAGE() is one load of a cached struct page pointer (after the patch, for one zero
   * page; and before it on arm and sparc64, which stored a struct page * at boot), or arithmetic on
   * every call (virt_to_page(empty_zero_page [+ (vaddr & zero_page_mask)])).
   */
  get zeroPageCached(): boolean {
    if (this.arch.colouredZero) return false;
    return this.cfg.zeroPagePatch === 'after' || this.arch.name === 'arm' || this.arch.name === 'sparc64';
  }

  /**
   * zero_pfn(addr) / ZERO_PAGE(addr): the zero page to map at a user address. Coloured arches pick
   * the page whose colour matches the address: (vaddr & zero_page_mask) >> PAGE_SHIFT.
   */
  zeroPfn(va: number): number {
    const z = this.zeroPages;
    if (!z) throw new Error('ZERO_PAGE() before any zero page exists');
    const colour = z.order ? Math.floor(va / this.pageSize) % (1 << z.order) : 0;
    if (!this.zeroPageCached) this.zeroPageCalls++;
    return z.basePfn + colour;
  }

  /**
   * my_zero_pfn(addr) in 6.18, zero_pfn(addr) after "mm: rename my_zero_pfn() to zero_pfn()"
   * (include/linux/pgtable.h): with coloured zero pages it is page_to_pfn(ZERO_PAGE(addr)); otherwise
   * it returns the zero_pfn / zero_page_pfn variable and calls no ZERO_PAGE() at all.
   */
  myZeroPfn(va: number): number {
    return this.arch.colouredZero ? this.zeroPfn(va) : this.zeroPagePfnN;
  }

  /** is_zero_pfn(): coloured arches accept the whole range (an unsigned subtraction in C). */
  isZeroPfn(pfn: number): boolean {
    const zp = this.zeroPagePfnN;
    if (zp === 0) return false;
    const n = this.zeroPages ? 1 << this.zeroPages.order : 1;
    return pfn >= zp && pfn - zp < n;
  }

  /** synchronize_rcu(): a grace period passes and the RCU-deferred page tables are freed. */
  synchronizeRcu(): void {
    this.trace.call('rcu_do_batch', () => {
      for (const [pfn, order] of this.rcuPending.splice(0)) pgtableFreeNow(this, pfn, order, 0);
    });
  }

  // --- kernel allocations by name (the scenario's `alloc` / `free`) -----------------------------

  allocNamed(name: string, order: number, gfp: number, cpu = 0): NamedAllocation {
    if (!this.booted)
      throw new KernelAllocError(
        `alloc ${name}: the buddy allocator is not up until boot finishes (memblock_free_all)`,
      );
    if (this.named.has(name))
      throw new KernelAllocError(`alloc ${name}: '${name}' is already allocated; free it first`);
    if (cpu >= this.cfg.cpus)
      throw new KernelAllocError(`alloc ${name}: cpu ${cpu} does not exist (cpus=${this.cfg.cpus})`);
    let pfn = this.alloc.allocPages(gfp, order, cpu);
    // Like __alloc_pages_may_oom(): a small allocation that may reclaim kills a process and retries
    // for as long as there is something to kill.
    while (
      pfn < 0 &&
      !this.alloc.failedBeforeOom &&
      wouldInvokeOom(gfp, order) &&
      outOfMemory(this, 'mm', gfp, order, cpu)
    )
      pfn = this.alloc.allocPages(gfp, order, cpu);
    if (pfn < 0)
      throw new KernelAllocError(`alloc ${name}: page allocation failure: order:${order} (out of memory)`);
    for (let i = 0; i < 1 << order; i++) this.pages.owner[pfn + i] = Owner.KernelAlloc;
    const a = { pfn, order, gfp, cpu };
    this.named.set(name, a);
    return a;
  }

  freeNamed(name: string, cpu?: number): void {
    const a = this.named.get(name);
    if (!a) throw new KernelAllocError(`free ${name}: nothing is allocated under that name`);
    this.named.delete(name);
    this.alloc.freePages(a.pfn, a.order, cpu ?? a.cpu);
  }

  /**
   * free_reserved_area(): give boot-only memory (init sections) to the buddy allocator page by page,
   * raising managed pages, and print "Freeing <what> memory: <n>K".
   */
  freeReservedArea(start: number, end: number, what: string): void {
    this.trace.call('free_reserved_area', () => {
      const ps = this.pageSize;
      const s = Math.ceil(start / ps);
      const e = Math.floor(end / ps);
      for (let pfn = s; pfn < e; pfn++) {
        this.pages.flags[pfn] = this.pages.flags[pfn]! & ~PG.reserved;
        this.pages.owner[pfn] = Owner.None;
        this.alloc.zoneOf(pfn).managedPages++;
        this.alloc.freePages(pfn, 0, 0);
      }
      this.memblock.free(s * ps, (e - s) * ps);
      this.printk(`Freeing ${what} memory: ${((e - s) * ps) / 1024}K`);
    });
  }

  // --- views ----------------------------------------------------------------------------------

  /** The frame grid's byte per pfn (see shared/frame_state.ts). Writes [from, to) into `out`. */
  frameStates(out: Uint8Array, from = 0, to = this.pages.nrPages): void {
    const p = this.pages;
    if (!this.memmapReady) {
      this.frameStatesFromMemblock(out, from, to);
      return;
    }
    const ps = this.pageSize;
    let pfn = from;
    // `from` may fall inside a free block whose head (the only PageBuddy page) lies before it.
    const head = findFreeBlockHead(this, from);
    if (head >= 0) {
      const end = Math.min(head + (1 << p.order[head]!), to);
      out.fill(p.flags[head]! & PG.pcp ? FrameState.Pcp : FrameState.Free0 + p.order[head]!, 0, end - from);
      pfn = end;
    }
    while (pfn < to) {
      const f = p.flags[pfn]!;
      if (f & PG.buddy) {
        const n = Math.min(1 << p.order[pfn]!, to - pfn);
        out.fill(FrameState.Free0 + p.order[pfn]!, pfn - from, pfn - from + n);
        pfn += n;
        continue;
      }
      if (f & PG.pcp) {
        const n = Math.min(1 << p.order[pfn]!, to - pfn);
        out.fill(FrameState.Pcp, pfn - from, pfn - from + n);
        pfn += n;
        continue;
      }
      out[pfn - from] = this.frameStateOf(pfn, f, ps);
      pfn++;
    }
  }

  /** Before free_area_init there are no struct pages: show what memblock knows. */
  private frameStatesFromMemblock(out: Uint8Array, from: number, to: number): void {
    out.fill(this.bootIndex === 0 ? FrameState.Uninit : FrameState.Hole, 0, to - from);
    if (this.bootIndex === 0) return;
    const ps = this.pageSize;
    const paint = (base: number, size: number, st: number) => {
      const s = Math.max(Math.ceil(base / ps), from);
      const e = Math.min(Math.floor((base + size) / ps), to);
      if (e > s) out.fill(st, s - from, e - from);
    };
    for (const r of this.memblock.memory.regions) paint(r.base, r.size, FrameState.BootFree);
    for (const l of this.memblock.labels) {
      if (!this.memblock.isMemory(l.base) && !this.memblock.isMemory(l.base + l.size - 1)) continue;
      paint(l.base, l.size, this.ownerState(l.owner));
    }
    // Reservations outside RAM (the low 1 MiB's holes) stay holes.
    for (let pfn = from; pfn < to; pfn++)
      if (!this.memblock.isMemory(pfn * ps)) out[pfn - from] = FrameState.Hole;
  }

  private frameStateOf(pfn: number, f: number, ps: number): number {
    const z = this.zeroPages;
    if (z && pfn >= z.basePfn && pfn < z.basePfn + (1 << z.order)) return FrameState.ZeroPage;
    const owner = this.pages.owner[pfn]!;
    if (f & PG.reserved) {
      switch (owner) {
        case Owner.Firmware:
          return FrameState.Firmware;
        case Owner.KernelText:
        case Owner.KernelRodata:
        case Owner.KernelData:
        case Owner.KernelInit:
        case Owner.KernelBss:
          return FrameState.KernelImage;
        case Owner.Memmap:
          return FrameState.Memmap;
        case Owner.Memblock:
          return FrameState.Memblock;
        default:
          // Before memblock_free_all, reserved-but-unlabelled frames are either holes or not yet
          // examined; memblock tells which.
          if (!this.memblock.isMemory(pfn * ps)) return FrameState.Hole;
          if (this.memblock.isReserved(pfn * ps)) {
            const l = this.memblock.labelAt(pfn * ps);
            if (l) return this.ownerState(l.owner);
            return FrameState.Memblock;
          }
          return FrameState.BootFree;
      }
    }
    if (!this.booted && this.bootIndex > 0 && owner === Owner.None && !(f & (PG.anon | PG.pgtable))) {
      // memmap initialised, not reserved, not yet freed: it is either memblock-free or memblock-reserved.
      const l = this.memblock.isReserved(pfn * ps) ? this.memblock.labelAt(pfn * ps) : undefined;
      if (l) return this.ownerState(l.owner);
      if (this.memblock.isReserved(pfn * ps)) return FrameState.Memblock;
      return FrameState.BootFree;
    }
    switch (owner) {
      case Owner.PageTable:
        return FrameState.PageTable;
      case Owner.Anon:
        return FrameState.Anon;
      case Owner.Shmem:
      case Owner.File: // a disk file's page-cache page: the frame grid's one page-cache colour
        return FrameState.Shmem;
      default:
        return FrameState.KernelAlloc;
    }
  }

  private ownerState(owner: Owner): number {
    switch (owner) {
      case Owner.Firmware:
        return FrameState.Firmware;
      case Owner.Memmap:
        return FrameState.Memmap;
      case Owner.Memblock:
        return FrameState.Memblock;
      default:
        return FrameState.KernelImage;
    }
  }
}

/** The head of the free block (buddy or pcp) covering pfn, if it starts before pfn; else -1. */
function findFreeBlockHead(m: Machine, pfn: number): number {
  const p = m.pages;
  for (let o = 1; o <= m.arch.maxPageOrder; o++) {
    const head = pfn & ~((1 << o) - 1);
    if (head === pfn) continue;
    const f = p.flags[head]!;
    if (f & (PG.buddy | PG.pcp) && head + (1 << p.order[head]!) > pfn) return head;
  }
  return -1;
}

export function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}
