/**
 * What the lesson "Running out of memory: kswapd, reclaim and swap" (lessons/reclaim-kswapd.md)
 * says in its narration, beyond its questions (tests/lessons.test.ts checks those), and what the
 * Swap panel's LRU view shows at each step (describeLruEnds in src/core/inspect_swap.ts).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/core/config.ts';
import { LRU_ENDS_LISTED, describeLruEnds, describeSwap, describeSwapPte } from '../src/core/inspect_swap.ts';
import { processPageStates } from '../src/core/inspect.ts';
import { WMARK_LOW } from '../src/core/mm/mmzone.ts';
import { PG } from '../src/core/phys/page.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { VPageState } from '../src/core/shared/page_state.ts';
import { findLesson } from '../src/ui/lessons/index.ts';

const lesson = findLesson('reclaim-kswapd')!;

function boot(): Session {
  const s = new Session({ out: () => {} });
  s.config = { ...DEFAULT_CONFIG, ...lesson.machine };
  for (const st of parseScenario('boot')) s.exec(st);
  return s;
}

function run(s: Session, text: string): void {
  for (const st of parseScenario(text)) s.exec(st);
}

function step(title: string): string {
  const st = lesson.steps.find((x) => x.title === title);
  if (!st) throw new Error(`no step '${title}'`);
  return st.lines ?? '';
}

describe('the reclaim lesson', () => {
  it('says what the machine does at each step, and the LRU view shows it', () => {
    const s = boot();
    const m = s.machine!;
    const vm = (n: string) => m.vmstat.get(n);
    const lists = () => Object.fromEntries(describeLruEnds(m).map((l) => [l.lru, l]));

    // 1. 64 MiB of writes: all on the inactive anon list but the last few still in the batch of 31
    run(s, step('New pages join the inactive list'));
    const pages64 = (64 << 20) / 4096;
    expect(vm('nr_active_anon')).toBe(0);
    expect(vm('nr_inactive_anon')).toBeGreaterThan(pages64 - 31);
    expect(vm('nr_inactive_anon')).toBeLessThan(pages64);
    const l1 = lists();
    expect(l1.inactive_anon!.pages).toBe(vm('nr_inactive_anon'));
    expect(l1.inactive_anon!.newest).toHaveLength(LRU_ENDS_LISTED);
    expect(l1.active_anon!.newest).toEqual([]);
    const a = s.procs.get('A')!;
    const start = a.regions.get('r')!.start;

    // 2. 40 MiB more: DMA32 to its low watermark, then DMA; kswapd ran 22 times, freeing a few
    //    hundred pages each, about 6500 in all, and the free pages end above high
    const dma0 = vm('pgalloc_dma');
    const runs0 = vm('pageoutrun');
    const steal0 = vm('pgsteal_kswapd');
    run(s, step('Crossing the low watermark: kswapd wakes'));
    expect(vm('pgalloc_dma')).toBeGreaterThan(dma0 + 1000);
    const runs = vm('pageoutrun') - runs0;
    const freed = vm('pgsteal_kswapd') - steal0;
    expect(runs).toBe(22);
    expect(freed).toBeGreaterThan(6400);
    expect(freed).toBeLessThan(6600);
    expect(freed / runs).toBeGreaterThan(100);
    expect(freed / runs).toBeLessThan(1000);
    const info = describeSwap(m);
    expect(info.kswapd.state).toBe('sleeping');
    expect(info.kswapd.last!.balanced).toBe(true);
    expect(info.zones.some((z) => z.free > z.high)).toBe(true);

    // 3. scanned about five times what was freed; the freed pages are the start of A's region
    run(s, step('Scanned twice, freed once'));
    const ratio = vm('pgscan_kswapd') / vm('pgsteal_kswapd');
    expect(ratio).toBeGreaterThan(4.5);
    expect(ratio).toBeLessThan(5.5);
    expect(describeSwapPte(m, a.task, start)).not.toBeNull();
    expect(processPageStates(m, a.task, start, 1)[0]).toBe(VPageState.Swapped);
    const l3 = lists();
    expect(l3.inactive_anon!.oldest.length).toBe(LRU_ENDS_LISTED);
    // the oldest are folios already written, in the swap cache, rotated to the tail to be freed
    // next; the newest came in after the last scan (not PG_referenced yet)
    const cached = new Set(m.swap.cache.values());
    expect(l3.inactive_anon!.oldest.every((f) => cached.has(f.pfn))).toBe(true);
    expect(l3.inactive_anon!.newest.every((f) => !f.referenced)).toBe(true);

    // 4. the pages from 28 MiB to 32 MiB are resident and PG_referenced; reading them does not
    //    fault; the next kswapd runs activate exactly them
    const mid = start + (28 << 20);
    const n4 = (4 << 20) / 4096;
    const pfns = new Float64Array(n4);
    const st4 = processPageStates(m, a.task, mid, n4, pfns);
    expect([...st4].every((x) => x === VPageState.Private)).toBe(true);
    expect([...pfns].every((p) => (m.pages.flags[p]! & PG.referenced) !== 0)).toBe(true);
    const [readLine, writeLine] = step('The second chance: a page used again is activated').split('\n');
    const faults = vm('pgfault');
    run(s, readLine!);
    expect(vm('pgfault')).toBe(faults);
    run(s, writeLine!);
    expect(vm('nr_active_anon')).toBe(n4);
    const active = new Set(pfns);
    const l4 = lists();
    expect(l4.active_anon!.pages).toBe(n4);
    expect([...l4.active_anon!.newest, ...l4.active_anon!.oldest].every((f) => active.has(f.pfn))).toBe(true);

    // 5. no direct reclaim: kswapd kept every zone from falling below min between faults
    run(s, step('Did A ever reclaim for itself?'));
    expect(vm('allocstall_movable')).toBe(0);
    const dma32 = m.alloc.zones.find((z) => z.name === 'DMA32')!;
    expect(dma32.nrFreePages).toBeGreaterThan(dma32.watermark[WMARK_LOW]!);

    // 6. reading back the first 4 MiB: none in the swap cache, each read from the device, and
    //    workingset_refault puts each on the active list
    for (let i = 0; i < n4; i++) expect(describeSwapPte(m, a.task, start + i * 4096)?.cachePfn).toBeNull();
    const in0 = vm('pswpin');
    const ref0 = vm('workingset_refault_anon');
    run(s, step('Reading back: major faults'));
    expect(vm('pswpin') - in0).toBe(n4);
    expect(vm('workingset_refault_anon') - ref0).toBe(n4);
    expect(vm('nr_active_anon')).toBe(2 * n4);
  });
});
