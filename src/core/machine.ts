/**
 * The Machine: config + RAM + kernel state + CPUs. It applies one operation at a time and is
 * deterministic: the same config and the same operations give the same state, bit for bit.
 */
import type { ArchSpec } from './arch/arch.ts';
import { x86_64 } from './arch/x86_64/setup.ts';
import { bootSteps, type BootStep } from './boot.ts';
import { DEFAULT_CONFIG, validateConfig, type MachineConfig } from './config.ts';
import { Memblock } from './mm/memblock.ts';
import { STRUCT_PAGE_SIZE, VMEMMAP_START } from './mm/mm_init.ts';
import { PageAllocator, listHeadsNeeded } from './mm/page_alloc.ts';
import { Pageblocks } from './mm/pageblock.ts';
import { VmStat } from './mm/vmstat.ts';
import { Owner, PG, PageArray } from './phys/page.ts';
import { PhysicalRam, CHUNK_SIZE } from './phys/ram.ts';
import { FrameState } from './shared/frame_state.ts';
import { Tracer } from './trace.ts';

const ARCHES: Record<string, ArchSpec> = { x86_64 };

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
  /** ZERO_PAGE() calls that computed virt_to_page() (before the zero-page patch). */
  zeroPageCalls = 0;
  memmapReady = false;
  memmapPhys: { base: number; size: number } | undefined;
  readonly steps: BootStep[];
  /** index of the next boot step to run */
  bootIndex = 0;
  /** kernel allocations made by name from a scenario (`alloc k1 order=3`) */
  readonly named = new Map<string, NamedAllocation>();

  constructor(config: Partial<MachineConfig> = {}) {
    this.cfg = { ...DEFAULT_CONFIG, ...config };
    validateConfig(this.cfg);
    this.arch = ARCHES[this.cfg.arch]!;
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
    };
    this.pages = new PageArray(nrPages, listHeadsNeeded(allocCfg));
    this.memblock = new Memblock(this.trace);
    this.pageblocks = new Pageblocks(this.arch.pageblockOrder, nrPages, this.trace);
    this.alloc = new PageAllocator(this.pages, this.pageblocks, this.ram, this.trace, this.vmstat, allocCfg);
    this.alloc.onPrintk = (line) => this.printk(line);
    this.vars.set('zero_page_pfn', 0n);
    this.vars.set('__zero_page', 0n);
    this.vars.set('empty_zero_page', this.emptyZeroPageVirt());
    this.steps = bootSteps(this);
  }

  get pageSize(): number {
    return 1 << this.arch.pageShift;
  }

  get booted(): boolean {
    return this.bootIndex >= this.steps.length;
  }

  printk(text: string): void {
    this.log.push(text);
    this.trace.emit({ type: 'printk', text });
  }

  setVar(name: string, value: bigint): void {
    const before = this.vars.get(name) ?? 0n;
    this.vars.set(name, value);
    if (this.trace.on) this.trace.emit({ type: 'var', name, before: hex(before), after: hex(value) });
  }

  // --- boot -----------------------------------------------------------------------------------

  /** Run the next boot step. Returns it, or undefined when boot is complete. */
  bootStep(): BootStep | undefined {
    const step = this.steps[this.bootIndex];
    if (!step) return undefined;
    this.trace.call(step.phase, () =>
      this.trace.call(step.fn, () => {
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

  /** Kernel virtual address of empty_zero_page: the image is linked at __START_KERNEL_map. */
  emptyZeroPageVirt(): bigint {
    return this.arch.kernelMapBase + BigInt(this.arch.emptyZeroPagePhys());
  }

  /**
   * virt_to_page() for a kernel address: __pa() handles both the direct map (PAGE_OFFSET) and, on
   * x86-64, kernel-image addresses (__START_KERNEL_map + phys_base).
   */
  virtToPfn(va: bigint): number {
    const pa = va >= this.arch.kernelMapBase ? va - this.arch.kernelMapBase : va - this.arch.pageOffset;
    return Number(pa >> BigInt(this.arch.pageShift));
  }

  zeroPageStructToPfn(): number {
    const p = this.vars.get('__zero_page') ?? 0n;
    return Number((p - VMEMMAP_START) / BigInt(STRUCT_PAGE_SIZE));
  }

  /** ZERO_PAGE() as before the patch: virt_to_page(empty_zero_page), computed on every call. */
  zeroPagePfnSlow(): number {
    this.zeroPageCalls++;
    return this.virtToPfn(this.emptyZeroPageVirt());
  }

  /** ZERO_PAGE(0): the cached __zero_page after the patch, the per-call arithmetic before it. */
  zeroPagePfn(): number {
    return this.cfg.zeroPagePatch === 'after' ? this.zeroPageStructToPfn() : this.zeroPagePfnSlow();
  }

  /** is_zero_pfn() */
  isZeroPfn(pfn: number): boolean {
    const z = Number(this.vars.get('zero_page_pfn') ?? 0n);
    return z !== 0 && pfn === z;
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
    const pfn = this.alloc.allocPages(gfp, order, cpu);
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
      out.fill(FrameState.Uninit, 0, to - from);
      return;
    }
    const zeroPfn = Number(this.vars.get('zero_page_pfn') ?? 0n);
    const ps = this.pageSize;
    for (let pfn = from; pfn < to;) {
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
      out[pfn - from] = this.frameStateOf(pfn, f, zeroPfn, ps);
      pfn++;
    }
  }

  private frameStateOf(pfn: number, f: number, zeroPfn: number, ps: number): number {
    if (zeroPfn !== 0 && pfn === zeroPfn) return FrameState.ZeroPage;
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

export function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}
