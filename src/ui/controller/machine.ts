/**
 * The machine: the header's draft config, reboot and boot stepping, huge pages (the shrinker, block
 * zeroing), kernel allocations, and the kernel reads (/proc, values, memblock, the unmapped state).
 */
import {
  type MachineConfig,
  type MemblockReply,
  type UnmappedInfo,
  type ZerooutResult,
} from '../../worker/protocol.ts';
import { archConfig, type ConfigDraft } from '../store.ts';
import { SelectionController } from './selection.ts';
import { HISTORY } from './core.ts';

export abstract class MachineController extends SelectionController {
  /** Refetch THP and huge-zero-folio facts (the panel and the frame grid's markers). */
  protected async refreshHuge(): Promise<void> {
    if (!this.machine) return;
    try {
      const r = await this.client.hugeInfo();
      this.set({ huge: r.info });
    } catch {
      this.set({ huge: null });
    }
  }

  /** echo 3 > drop_caches: the thp-zero shrinker runs; the panel says how many pages it freed. */
  async dropCaches(): Promise<void> {
    await this.op(async () => {
      // a `run` of the statement; op() then refreshes the huge-zero facts (bump)
      const r = await this.client.statement('drop_caches', {});
      const freed = r.result?.statement === 'drop_caches' ? r.result.freed : 0;
      this.store.setState((s) => ({
        machine: r.info,
        allocations: r.allocations,
        shrinkerResult: { freed, output: r.output },
        history: [...s.history, { text: 'drop_caches', output: r.output, errors: [], failures: [] }].slice(
          -HISTORY,
        ),
      }));
    });
  }

  /**
   * The bios __blkdev_issue_zero_pages() builds: a `blkdev_zeroout` statement, whose run reply
   * carries them as its result (errors go to the caller).
   */
  async blkZeroout(bytes: number, zero: 'page' | 'largest', maxTransfer?: number): Promise<ZerooutResult> {
    const r = await this.track(
      this.client.statement('blkdev_zeroout', { bytes, zero, max_transfer: maxTransfer }),
    );
    this.set({ machine: r.info });
    this.bump();
    if (r.result?.statement !== 'blkdev_zeroout') throw new Error('blkdev_zeroout: no result');
    return r.result;
  }

  setDraft(patch: Partial<ConfigDraft>): void {
    this.store.setState((s) => ({ draft: { ...s.draft, ...patch } }));
  }

  /** Forget the settings not applied: the draft is the running machine's config again. */
  discardDraft(): void {
    const c = this.machine?.config;
    if (c) this.store.setState((s) => ({ draft: { ...s.draft, ...draftFrom(c, false), ramChosen: c.ram } }));
  }

  /**
   * Create and boot a machine from the draft config, or from `given` (a share link, a scenario's
   * `machine` line, a lesson: the header's draft follows it, and keys the header has no control for,
   * like coloured_zero, still reach the machine); on failure the current machine stays. Resolves
   * true when the new machine is up.
   */
  async reboot(given?: { config: Partial<MachineConfig>; boot: boolean }): Promise<boolean> {
    if (given) this.setDraft(draftFrom(given.config, !given.boot));
    const { draft, machine } = this.store.getState();
    this.set({ status: 'booting', error: null });
    this.long = { kind: 'boot', started: performance.now() };
    try {
      const r = await this.client.init(
        given?.config ?? {
          ...archConfig(draft),
          cpus: draft.cpus,
          thp: draft.thp,
          useZeroPage: draft.useZeroPage,
          hugeZero: draft.hugeZero,
          // the series is x86-64 only (the config checker refuses it elsewhere)
          pageAllocUnmapped: draft.arch === 'x86_64' && draft.pageAllocUnmapped,
          unmappedZeroing: draft.unmappedZeroing,
        },
        given ? given.boot : !draft.stepBoot,
      );
      this.set({
        machine: r.info,
        log: r.log,
        allocations: [],
        lastAllocation: null,
        selection: null,
        hover: null,
        processes: [],
        currentProc: null,
        currentRegion: null,
        pageSelection: null,
        pageHover: null,
        history: [],
        deaths: [],
        shrinkerResult: null,
        timelinePos: null,
        timelinePartial: false,
      });
      this.pagesToken++;
      this.showPages(null);
      this.syncLink();
      this.bump();
      this.readyResolve?.();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.long = null;
      this.set({ work: null, status: machine || this.store.getState().machine ? 'ready' : 'starting' });
    }
  }

  /** Run the next boot step. */
  async bootStep(): Promise<void> {
    await this.op(async () => {
      const r = await this.client.bootStep();
      this.set({ machine: r.info });
    });
  }

  /** Run the remaining boot steps one by one (the grid follows each). */
  async finishBoot(): Promise<void> {
    await this.op(async () => {
      for (;;) {
        const r = await this.client.bootStep();
        this.set({ machine: r.info });
        if (r.info.booted || !r.step) break;
      }
    });
  }

  /** Step over the current boot phase: run to the first step of the next one. */
  async bootRunPhase(): Promise<void> {
    await this.op(async () => {
      const r = await this.client.bootRunPhase();
      this.set({ machine: r.info });
    });
  }

  /**
   * One boot step back: the worker rebuilds the machine and replays the steps before it (slow on a
   * big machine: the boot panel shows the progress after a moment).
   */
  async bootBack(): Promise<void> {
    await this.op(async () => {
      this.replayStarted = performance.now();
      try {
        const r = await this.client.bootBack();
        this.set({ machine: r.info, log: r.log, selection: null, hover: null });
      } finally {
        this.replayStarted = null;
        this.set({ work: null });
      }
    });
  }

  /** CONFIG_PAGE_ALLOC_UNMAPPED's state now: freetypes, direct map, TLBs, mermap, last zeroing (errors go to the caller). */
  unmappedInfo(): Promise<UnmappedInfo> {
    return this.track(this.client.unmappedInfo().then((r) => r.info));
  }

  /** memblock's regions now (errors go to the caller). */
  memblock(): Promise<MemblockReply> {
    return this.track(this.client.memblock());
  }

  async alloc(name: string, order: number, gfp: string): Promise<boolean> {
    return this.op(async () => {
      try {
        // on the current CPU (`cpu <n>`), as a typed `alloc` line is
        const r = await this.client.statement('alloc', { name, order, gfp });
        const a = r.allocations.find((x) => x.name === name);
        this.set({ machine: r.info, allocations: r.allocations });
        // out of memory is not a scenario error: the kernel's failure line is the output
        if (!a) throw new Error(r.output.trim() || `alloc ${name}: the allocation failed`);
        this.set({ lastAllocation: a, selection: a.pfn });
      } finally {
        // The OOM killer may have run.
        await this.refreshProcesses();
      }
    });
  }

  async free(name: string): Promise<boolean> {
    return this.op(async () => {
      const r = await this.client.statement('free', { name });
      const last = this.store.getState().lastAllocation;
      const kept = r.allocations.some((a) => a.name === name);
      this.set({ machine: r.info, allocations: r.allocations });
      // a refused free (a page out of the direct map) says why in its output and keeps the name
      if (kept) throw new Error(r.output.trim() || `free ${name}: refused`);
      if (last?.name === name) this.set({ lastAllocation: null });
    });
  }

  /** The value an `expect` would compare (`/proc/A/status:VmRSS`, `huge_zero_refcount`); errors go to the caller. */
  value(what: string): Promise<number | string> {
    return this.track(this.client.value(what).then((r) => r.value));
  }

  /** Read a /proc file (errors are thrown to the caller: the panel shows them in place). */
  readProc(path: string): Promise<string> {
    return this.track(this.client.readProc(path).then((r) => r.text));
  }
}

/** The header's draft for a machine config (share links, a scenario's `machine` line). */
function draftFrom(c: Partial<MachineConfig>, stepBoot: boolean): Partial<ConfigDraft> {
  const d: Partial<ConfigDraft> = { stepBoot };
  if (c.arch) d.arch = c.arch;
  if (c.granule) d.granule = c.granule;
  if (c.vce !== undefined) d.vce = c.vce;
  if (c.zeroPagePatch) d.zeroPagePatch = c.zeroPagePatch;
  if (c.ram) d.ram = c.ram;
  if (c.cpus) d.cpus = c.cpus;
  if (c.thp) d.thp = c.thp;
  if (c.useZeroPage !== undefined) d.useZeroPage = c.useZeroPage;
  if (c.hugeZero) d.hugeZero = c.hugeZero;
  if (c.pageAllocUnmapped !== undefined) d.pageAllocUnmapped = c.pageAllocUnmapped;
  if (c.unmappedZeroing) d.unmappedZeroing = c.unmappedZeroing;
  return d;
}
