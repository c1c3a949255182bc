/**
 * The frames a timeline step names, for linked views: stepping onto `mm_page_alloc` of a fault
 * selects the page it allocated in the frame grid, the inspector, the process grid and the
 * free-list view. The first frame is the one the UI selects; the others are offered as buttons
 * (a `pte_set` names both the table it wrote and the page the entry maps).
 */
import { PTE } from '../core/arch/pgtable.ts';
import type { Machine } from '../core/machine.ts';
import type { KEvent } from '../core/trace.ts';
import type { StepFrame } from './protocol.ts';

/** The frames event `e` is about, the main one first; empty when it names none. */
export function stepFrames(e: KEvent, m: Machine): StepFrame[] {
  switch (e.type) {
    case 'mm_page_alloc':
      return [{ pfn: e.pfn, role: 'allocated' }];
    case 'mm_page_free':
      return [{ pfn: e.pfn, role: 'freed' }];
    case 'mm_page_alloc_extfrag':
      return [{ pfn: e.pfn, role: 'taken by the fallback' }];
    case 'page_ref':
      return [
        { pfn: e.pfn, role: e.field === 'refcount' ? 'its _refcount changed' : 'its _mapcount changed' },
      ];
    case 'page_clear':
      return [{ pfn: e.pfn, role: e.nrPages === 1 ? 'zeroed' : `first of the ${e.nrPages} zeroed` }];
    case 'free_list_add':
      return [{ pfn: e.pfn, role: 'added to a free list' }];
    case 'free_list_del':
      return [{ pfn: e.pfn, role: 'taken off a free list' }];
    case 'pcp_add':
      return [{ pfn: e.pfn, role: 'added to a per-CPU list' }];
    case 'pcp_del':
      return [{ pfn: e.pfn, role: 'taken off a per-CPU list' }];
    case 'pte_set': {
      const arch = m.pgtableArch;
      const raw = { lo: e.lo, hi: e.hi };
      const table: StepFrame = { pfn: e.tablePfn, role: 'the page table written' };
      if (arch.isNone(raw, e.level)) return [table];
      const leaf = e.level === arch.levels - 1 || (arch.flags(raw, e.level) & PTE.HUGE) !== 0;
      // A leaf's target is the page the fault is about, so it comes first; an upper entry's
      // table is the one being filled in.
      return leaf
        ? [{ pfn: arch.pfn(raw), role: 'mapped by the entry' }, table]
        : [table, { pfn: arch.tablePfn(raw, e.level), role: 'the next table the entry points at' }];
    }
    default:
      return [];
  }
}
