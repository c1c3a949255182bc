/**
 * Events: every state change in the emulated kernel is reported as a typed event, tracepoint style.
 *
 * Kernel tracepoint names are used where they exist (mm_page_alloc, mm_page_free, ...). Each event
 * carries `path`, the chain of kernel functions that were on the (emulated) call stack when the change
 * was made, and before/after values where a value changed. Events feed the UI's animation, the
 * step-through view and exports; the tests use them to check that nothing changes unreported.
 */
import type { KernelFnName } from './kernel_fns.ts';

export type EventBody =
  | { type: 'boot_step'; phase: string; fn: string; file: string }
  | { type: 'printk'; text: string }
  | {
      type: 'memblock';
      op: 'add' | 'reserve' | 'remove' | 'free' | 'alloc';
      list: 'memory' | 'reserved';
      base: number;
      size: number;
    }
  | { type: 'memmap_init'; startPfn: number; nrPages: number; zone: string }
  | { type: 'page_reserved'; startPfn: number; nrPages: number; before: boolean; after: boolean }
  | { type: 'mm_page_alloc'; pfn: number; order: number; migratetype: number; gfp: number }
  | { type: 'mm_page_free'; pfn: number; order: number }
  | {
      type: 'mm_page_alloc_extfrag';
      pfn: number;
      order: number;
      fallbackOrder: number;
      startMigratetype: number;
      fallbackMigratetype: number;
      claimed: boolean;
    }
  | { type: 'free_list_add'; zone: string; order: number; freetype: number; pfn: number; tail: boolean }
  | { type: 'free_list_del'; zone: string; order: number; freetype: number; pfn: number }
  | { type: 'pcp_add'; cpu: number; zone: string; pindex: number; pfn: number; order: number }
  | { type: 'pcp_del'; cpu: number; zone: string; pindex: number; pfn: number; order: number }
  | { type: 'pageblock_migratetype'; pfn: number; before: number; after: number }
  | { type: 'page_clear'; pfn: number; nrPages: number }
  /**
   * kernel_init_pages() with CONFIG_PAGE_ALLOC_UNMAPPED, before it clears one pageblock: the pages it
   * passes on (as posted, an unmapped block passes the remaining count), and which way it goes.
   */
  | {
      type: 'kernel_init_block';
      /** the block's index in this kernel_init_pages() call: 0 starts a new call */
      block: number;
      pfn: number;
      nrPages: number;
      unmapped: boolean;
      cpu: number;
    }
  /** mermap_get(): `slot` is the tracking slot taken, -1 when the space or the slots ran out */
  | { type: 'mermap_get'; cpu: number; pfn: number; nrPages: number; slot: number; holder: string }
  /** clear_page() of one page through the mermap: one mermap_get for the run (fast path) or mermap_get_reserved per page (slow) */
  | { type: 'mermap_clear_page'; cpu: number; pfn: number; reserved: boolean }
  | { type: 'page_ref'; pfn: number; field: 'refcount' | 'mapcount'; before: number; after: number }
  | { type: 'var'; name: string; before: string; after: string }
  | { type: 'alloc_fail'; order: number; gfp: number }
  /** __rmqueue_smallest() found no free block of this freetype at `order` or above (a fallback comes next) */
  | { type: 'free_list_miss'; zone: string; order: number; freetype: number }
  /**
   * a page-table entry written: the table page, the index, the new 64-bit value as two halves, and the
   * table's level (0 = top) so that the value can be decoded (PgtableArch.flags/bitNames)
   */
  | { type: 'pte_set'; tablePfn: number; index: number; lo: number; hi: number; level: number }
  | { type: 'page_fault'; pid: number; address: number; write: boolean; result: string }
  | { type: 'rss'; pid: number; item: number; before: number; after: number }
  | { type: 'task'; pid: number; comm: string; event: 'spawn' | 'fork' | 'exit' | 'kill'; detail: string };

export type KEvent = EventBody & {
  /** kernel function path, outermost first */ path: string[];
  /** sequence number */ seq: number;
};

export type EventSink = (e: KEvent) => void;

/**
 * The emulated call stack plus the event sink. `enter`/`leave` bracket a kernel function so that the
 * events it emits say where they came from. With no sink attached, emitting costs one branch.
 */
export class Tracer {
  readonly stack: string[] = [];
  private sinks: EventSink[] = [];
  private seq = 0;

  get on(): boolean {
    return this.sinks.length > 0;
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink);
    return () => {
      this.sinks = this.sinks.filter((s) => s !== sink);
    };
  }

  enter(fn: KernelFnName): void {
    this.stack.push(fn);
  }

  leave(): void {
    this.stack.pop();
  }

  /** Run `body` as kernel function `fn`: events inside it carry `fn` in their path. */
  call<T>(fn: KernelFnName, body: () => T): T {
    return this.frame(fn, body);
  }

  /**
   * Run `body` as a boot step or phase: boot.ts names those, with their own file and why, so they
   * are not kernel functions of the table.
   */
  bootStep<T>(fn: string, body: () => T): T {
    return this.frame(fn, body);
  }

  private frame<T>(fn: string, body: () => T): T {
    this.stack.push(fn);
    try {
      return body();
    } finally {
      this.stack.pop();
    }
  }

  emit(body: EventBody): void {
    if (this.sinks.length === 0) return;
    const e = body as KEvent;
    e.path = this.stack.slice();
    e.seq = this.seq++;
    for (const s of this.sinks) s(e);
  }
}
