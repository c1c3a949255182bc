/**
 * The worker host: owns one Machine, inside a scenario Session, and answers protocol commands
 * (protocol.ts).
 *
 * It runs unchanged inside the Web Worker (worker.ts) and in-process (in_process.ts, for Node and
 * tests): it only needs a `post` function. Every command is wrapped so that a throw becomes an
 * `error` reply; the host keeps its machine whatever a command does.
 *
 * Commands run one at a time, in order (a queue). `run` and a booting `init` can be long (a million
 * faults, a 16 GiB boot): they work in slices of RUN_SLICE_MS, post progress and then yield to the
 * event loop, so a `cancel` message is seen between slices; it is answered out of turn.
 */
import type { BootStep } from '../core/boot.ts';
import {
  ConfigError,
  DEFAULT_CONFIG,
  completeConfig,
  validateConfig,
  type MachineConfig,
} from '../core/config.ts';
import {
  describeArch,
  describeMemblock,
  describePfn,
  describeProcess,
  describeWalk,
} from '../core/inspect.ts';
import { Machine, hex } from '../core/machine.ts';
import { Snapshotter, rebindMachine, sharedParts, type Snapshot } from '../core/snapshot.ts';
import type { KEvent } from '../core/trace.ts';
import { PTE } from '../core/arch/pgtable.ts';
import { formatGfp } from '../core/mm/gfp.ts';
import {
  depositedTable,
  hpageNr,
  hpageSize,
  isHugeZeroPfn,
  largestZeroFolio,
  thpSupported,
} from '../core/mm/huge_memory.ts';
import { walkSteps } from '../core/mm/pgtable.ts';
import { PG } from '../core/phys/page.ts';
import { readProc } from '../core/proc/index.ts';
import { readSymbol } from '../core/symbols.ts';
import { ScenarioError, parseScenario, type Stmt } from '../core/scenario/parse.ts';
import { Session, parseMachine, type ScenarioProcess, type StatementWork } from '../core/scenario/run.ts';
import { statementDecl, type StatementResult } from '../core/scenario/statements.ts';
import { frameStateName } from '../core/shared/frame_state.ts';
import { describeFreeLists } from '../core/inspect_frame.ts';
import { describeSwap, describeSwapPte, describeSwapSlot } from '../core/inspect_swap.ts';
import { splitBoot, splitStatement, yieldToEventLoop, type WorkItem } from './chunked.ts';
import { DirtyRanges } from './dirty.ts';
import { ProcessPageViews } from './process_pages.ts';
import { inspectFrameReply } from './inspect_reply.ts';
import { StopReplay, type OpCommand, type OpRecord } from './timeline.ts';
import { Timeline } from './timeline_host.ts';
import { memoryUse, metadataBytes } from './memory_use.ts';
import { DEFAULT_MEMORY_BUDGET, fmtBytes } from '../core/scenario/limits.ts';
import { TraceRing } from './trace_ring.ts';
import { ZeroingRecorder, describeUnmapped } from './unmapped_info.ts';
import {
  COMMAND_TYPES,
  RUN_SLICE_MS,
  MIN_MEMORY_BUDGET,
  type MemoryUse,
  MAX_HUGE_FOLIOS,
  MAX_REGION_PAGES,
  type AllocationInfo,
  type BootStepInfo,
  type CacheInfo,
  type Command,
  type CommandType,
  type DeathInfo,
  type HugeFolioInfo,
  type HugeInfo,
  type InitCommand,
  type MachineInfo,
  type RanReply,
  type ProcessView,
  type Reply,
  type RunErrorInfo,
  type WalkReply,
  type WorkerMessage,
} from './protocol.ts';

export type Post = (msg: WorkerMessage, transfer: Transferable[]) => void;

interface Hosted {
  m: Machine;
  /** the scenario session around `m`: processes and regions by name */
  session: Session;
  /** where the session's output goes while a command runs (null: dropped) */
  out: string[] | null;
  generation: number;
  dirty: DirtyRanges;
  /** printk lines already sent */
  logSent: number;
  /** events of the operation being recorded (Timeline.record), null when not recording */
  /** the timeline's recorder of the operation running (Timeline.begin) */
  rec: ((e: KEvent) => void) | null;
  /** the emulator notes each boot step printed, by step index (trackStepNotes) */
  stepNotes: string[][];
  /**
   * Something other than boot steps and read-only lines changed the machine (alloc, free, a
   * process line...): replaying the boot steps would no longer rebuild it, so `bootBack` refuses.
   */
  beyondBoot: boolean;
  /** the last kernel_init_pages() call's steps (page_alloc_unmapped=yes only) */
  zeroing: ZeroingRecorder | null;
  /** the trace events kept for export: the live machine's (init creates it); null on replays */
  ring: TraceRing | null;
  /** the process view's windows, kept up to date from the trace (process_pages.ts) */
  pageViews: ProcessPageViews;
}

/** A long command in progress; `cancel` sets the flag, the command sees it at its next slice. */
interface Job {
  cancelled: boolean;
}

const now = () => performance.now();

/**
 * Whether a statement changes nothing a boot replay would miss: boot steps themselves, or a statement
 * its declaration says only reads (statements.ts `changes`).
 */
function replayable(cmd: string): boolean {
  return cmd === 'boot' || cmd === 'step' || statementDecl(cmd)?.changes === false;
}

export class MachineHost {
  private cur: Hosted | undefined;
  private generation = 0;
  /** the operation log, the live machine while the view is in the past, replays (timeline_host.ts) */
  private readonly timeline = new Timeline<Hosted, Checkpoint>({
    fresh: (from) => {
      const m = new Machine(from.m.cfg);
      return this.host(m, trackStepNotes(m), from.generation);
    },
    apply: (h, cmd) => this.apply(h, cmd),
    machine: (h) => h.m,
    recorder: (h, sink) => (h.rec = sink),
    snapshot: (h, tracked) => {
      const snap = this.snapshots.take(
        { m: h.m, session: h.session, stepNotes: h.stepNotes, beyondBoot: h.beyondBoot },
        this.shared(h.m),
        tracked,
      );
      return { snap, bytes: snap.bytes, blocks: snap.blocks, chunks: snap.chunks };
    },
    restore: (snap, from) => {
      const c = this.snapshots.restore(snap, this.shared(from.m));
      rebindMachine(c.m);
      const stepNotes = trackStepNotes(c.m);
      c.stepNotes.forEach((n, i) => (stepNotes[i] = n));
      const h = this.host(c.m, stepNotes, from.generation, c.session);
      h.beyondBoot = c.beyondBoot;
      return h;
    },
    discard: (h, unchanged) => this.snapshots.recycle(h.m, this.shared(h.m), unchanged),
  });
  /** every frame state sent to the view for this generation (frameDelta diffs against it) */
  private viewFrames: { generation: number; states: Uint8Array } | null = null;
  /** takes and restores the timeline's checkpoints (src/core/snapshot.ts) */
  private readonly snapshots = new Snapshotter();
  /** the immutable parts of machines of one architecture, found once (sharedParts) */
  private sharedFor: { arch: unknown; parts: Set<object> } | null = null;

  private shared(m: Machine): Set<object> {
    if (this.sharedFor?.arch !== m.arch) this.sharedFor = { arch: m.arch, parts: sharedParts(m) };
    return this.sharedFor.parts;
  }

  /** the host memory the emulator may use (the `memory` command sets it; Session.memory checks it) */
  private memoryBudget = DEFAULT_MEMORY_BUDGET;

  private memoryNow(): MemoryUse {
    const cur = this.machine();
    const live = this.timeline.liveOr(cur);
    return memoryUse(
      live.m,
      cur === live ? null : cur.m,
      this.timeline.past,
      this.memoryBudget,
      this.snapshots.pooledBytes,
    );
  }

  /** messages waiting for the command before them to finish */
  private readonly queue: unknown[] = [];
  /** a long command is between slices: later messages wait in `queue` */
  private waiting = false;
  private job: Job | null = null;

  /** how long a long command works before it yields (RUN_SLICE_MS; tests pass Infinity to run straight through) */
  private readonly sliceMs: number;

  constructor(
    private readonly post: Post,
    opts: { sliceMs?: number; eventBudget?: number } = {},
  ) {
    this.sliceMs = opts.sliceMs ?? RUN_SLICE_MS;
    if (opts.eventBudget !== undefined) this.timeline.eventBudget = opts.eventBudget;
  }

  /** The machine and session commands act on (the view's, while it is in the past): for tests. */
  get hosted(): { m: Machine; session: Session } | undefined {
    return this.cur;
  }

  /** Handle one message from the main thread. Never throws. */
  handle(data: unknown): void {
    const cmd = data as Partial<Command> | null;
    if (cmd?.type === 'cancel') {
      // Out of turn: the command it stops is the one running now.
      const running = this.job !== null;
      if (this.job) this.job.cancelled = true;
      this.post({ type: 'cancel', seq: typeof cmd.seq === 'number' ? cmd.seq : -1, running }, []);
      return;
    }
    this.queue.push(data);
    if (!this.waiting) this.pump();
    this.whenIdle();
  }

  /** the idle timer (whenIdle) */
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Once no command has come for IDLE_MS, warm the buffers the first step back will restore into
   * (Snapshotter.prewarm: at 16 GiB the struct page arrays are 94 MiB, and touching new memory for
   * them took 0.5-1 s of a cold step back on a 2-CPU machine). Only while the view is live, the
   * timeline has a checkpoint, and the memory budget leaves room for one more machine's metadata;
   * the pool is counted with the view in the memory meter.
   */
  private whenIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.waiting || this.queue.length > 0 || this.timeline.pos || !this.cur) return;
      const snap = this.timeline.newestSnapshot();
      if (!snap) return;
      if (this.memoryNow().total + metadataBytes(this.cur.m) > this.memoryBudget) return;
      this.snapshots.prewarm(snap, this.shared(this.cur.m));
    }, IDLE_MS);
    // In Node (the CLI, tests) a pending warm-up must not keep the process alive.
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  /** Run queued messages in order; a long command's promise holds the rest until it replies. */
  private pump(): void {
    while (this.queue.length) {
      const pending = this.handleOne(this.queue.shift());
      if (pending) {
        this.waiting = true;
        void pending.then(() => {
          this.waiting = false;
          this.pump();
          this.whenIdle();
        });
        return;
      }
    }
  }

  /** One command: its reply is posted now, or when the returned promise settles (a long command). */
  private handleOne(data: unknown): Promise<void> | undefined {
    const cmd = data as Partial<Command> | null;
    const seq = typeof cmd?.seq === 'number' ? cmd.seq : -1;
    const type = cmd?.type;
    if (!cmd || typeof type !== 'string' || !COMMAND_TYPES.includes(type as CommandType)) {
      this.post({ type: 'error', seq, command: 'unknown', message: `not a command: ${describe(data)}` }, []);
      return undefined;
    }
    const finish = (reply: Reply, transfer: Transferable[] = []) => {
      // Whatever happened (a failed alloc still prints its warning), send what changed, then the reply.
      this.flush(seq);
      this.post(reply, transfer);
    };
    const fail = (e: unknown): Reply => ({
      type: 'error',
      seq,
      command: type as CommandType,
      message: errorMessage(e),
    });
    if (type === 'run' || type === 'init') {
      const job =
        type === 'run'
          ? this.runLive(seq, String((cmd as { lines?: unknown }).lines ?? ''))
          : this.init(cmd as InitCommand);
      return this.drive(job, finish, fail);
    }
    let reply: Reply;
    const transfer: Transferable[] = [];
    try {
      reply = this.run(cmd as Command, transfer);
    } catch (e) {
      reply = fail(e);
    }
    finish(reply, transfer);
    return undefined;
  }

  /**
   * Run a long command: synchronously up to its first `yield` (the end of a slice), then one slice
   * per turn of the event loop, so that `cancel` messages are seen between slices. Resolves (or
   * returns undefined, when it never yielded) after its reply was posted.
   */
  private drive(
    job: Generator<void, Reply>,
    finish: (reply: Reply) => void,
    fail: (e: unknown) => Reply,
  ): Promise<void> | undefined {
    let step: IteratorResult<void, Reply>;
    try {
      step = job.next();
    } catch (e) {
      finish(fail(e));
      return undefined;
    }
    if (step.done) {
      finish(step.value);
      return undefined;
    }
    return (async () => {
      try {
        while (!step.done) {
          await yieldToEventLoop();
          step = job.next();
        }
        finish(step.value);
      } catch (e) {
        finish(fail(e));
      }
    })();
  }

  /**
   * Build and (if asked) boot a new machine, in slices so a 16 GiB boot shows progress and can be
   * cancelled. Boot runs step by step as timeline operations (so the learner can go back into boot
   * too), recorded aside until the machine is complete: a ConfigError, a throw or a cancel leaves the
   * learner's current machine, and its timeline, in place.
   */
  private *init(cmd: InitCommand): Generator<void, Reply> {
    const m = new Machine(cmd.config ?? {});
    const stepNotes = trackStepNotes(m);
    const h = this.host(m, stepNotes, this.generation + 1);
    h.ring = new TraceRing();
    const staged: OpRecord[] = [];
    if (cmd.boot) {
      const job: Job = { cancelled: false };
      this.job = job;
      try {
        const total = m.steps.length;
        let slice = now();
        while (!m.booted) {
          this.timeline.recordTo(staged, h, { kind: 'boot' }, this.bootLabel(h));
          if (m.booted || now() - slice < this.sliceMs) continue;
          this.post({ type: 'bootProgress', seq: cmd.seq, done: m.bootIndex, total }, []);
          yield;
          if (job.cancelled)
            throw new Error(
              `Boot cancelled after ${m.bootIndex} of ${total} steps; the previous machine is still running.`,
            );
          slice = now();
        }
      } finally {
        this.job = null;
      }
    }
    this.timeline.reset(staged);
    this.snapshots.clearPool(); // the old machine's buffers: whenIdle warms this one's
    h.logSent = m.log.length; // the reply carries the whole log
    this.generation = h.generation;
    this.cur = h;
    return { type: 'ready', seq: cmd.seq, info: this.info(h), log: m.log.slice() };
  }

  /**
   * What rebuilds the live machine, for share links: its config and the timeline's operations as
   * scenario text. A leading complete boot becomes `bootAtInit` (init boots, recording the same boot
   * operations), so operation numbers, and a link's step, mean the same after the link is opened.
   */
  private journal(): { config: MachineConfig; bootAtInit: boolean; entries: string[] } {
    const live = this.timeline.liveOr(this.machine());
    const cmds = this.timeline.commands();
    const steps = live.m.steps.length;
    const bootAtInit = cmds.length >= steps && cmds.slice(0, steps).every((c) => c.kind === 'boot');
    // A failed statement that changed something stays an operation but not a line of the link.
    const entries = (bootAtInit ? cmds.slice(steps) : cmds)
      .filter((c) => !(c.kind === 'run' && c.shared === ''))
      .map(opText);
    return { config: { ...live.m.cfg }, bootAtInit, entries };
  }

  private machine(): Hosted {
    if (!this.cur) throw new Error('no machine yet: send init first');
    return this.cur;
  }

  private run(cmd: Command, transfer: Transferable[]): Reply {
    const seq = cmd.seq;
    switch (cmd.type) {
      case 'init':
      case 'run':
      case 'cancel':
        // handleOne runs these (they are long, or answered out of turn).
        throw new Error(`${cmd.type}: not handled here`);
      case 'journal': {
        return { type: 'journal', seq, ...this.journal() };
      }
      case 'machineConfig': {
        // Checked as the scenario runner checks it, then as `init` would (an impossible machine).
        try {
          const s = parseScenario(String(cmd.line ?? ''))[0];
          if (!s || s.cmd !== 'machine') throw new ScenarioError(1, 1, 'expected a machine line');
          const config = parseMachine(s, { ...DEFAULT_CONFIG });
          try {
            validateConfig(completeConfig(config));
          } catch (e) {
            if (e instanceof ConfigError) throw new ScenarioError(1, s.cmdCol, `machine: ${e.message}`);
            throw e;
          }
          return { type: 'machineConfig', seq, config, error: null };
        } catch (e) {
          return { type: 'machineConfig', seq, config: null, error: runError(e, 1) };
        }
      }
      case 'memory': {
        if (cmd.budget !== undefined) {
          const b = Number(cmd.budget);
          if (!Number.isSafeInteger(b) || b < MIN_MEMORY_BUDGET)
            throw new RangeError(
              `memory budget: ${cmd.budget} is not a size of at least ${fmtBytes(MIN_MEMORY_BUDGET)}`,
            );
          this.memoryBudget = b;
        }
        return { type: 'memory', seq, use: this.memoryNow() };
      }
      case 'trace': {
        const ring = this.timeline.liveOr(this.machine()).ring ?? new TraceRing();
        return { type: 'trace', seq, events: ring.events(), capacity: ring.capacity, dropped: ring.dropped };
      }
      case 'bootStep': {
        const h = this.present();
        const step = h.m.booted ? undefined : h.m.steps[h.m.bootIndex];
        if (step) this.timeline.record(h, { kind: 'boot' }, this.bootLabel(h));
        // The grid's colours depend on how far boot has got (memblock-free vs reserved, memmap
        // initialised or not), not only on the frames a step's events name.
        if (step) h.dirty.markAll();
        return {
          type: 'bootStepped',
          seq,
          step: step ? stepInfo(h, step, h.m.bootIndex - 1) : null,
          info: this.info(h),
        };
      }
      case 'bootRunPhase': {
        const h = this.present();
        const ran: BootStepInfo[] = [];
        const phase = h.m.steps[h.m.bootIndex]?.phase;
        while (!h.m.booted && h.m.steps[h.m.bootIndex]!.phase === phase) {
          const step = h.m.steps[h.m.bootIndex]!;
          this.timeline.record(h, { kind: 'boot' }, this.bootLabel(h));
          ran.push(stepInfo(h, step, h.m.bootIndex - 1));
        }
        if (ran.length) h.dirty.markAll();
        return { type: 'bootRan', seq, steps: ran, info: this.info(h) };
      }
      case 'bootBack': {
        const old = this.present();
        if (old.m.bootIndex === 0) throw new Error('back: no boot step has run yet');
        if (old.beyondBoot)
          throw new Error(
            'back: this machine has done more than boot (processes, allocations...), which replaying the boot steps cannot rebuild; press Reboot to start again',
          );
        // Rebuild: the same config, bootIndex - 1 steps. Deterministic, so the machine is the one
        // the learner saw a step ago, bit for bit.
        const target = old.m.bootIndex - 1;
        // The timeline starts again with those steps (read-only lines run since are not replayed).
        const m = new Machine(old.m.cfg);
        const h = this.host(m, trackStepNotes(m), old.generation);
        this.timeline.reset();
        for (let i = 0; i < target; i++) {
          this.timeline.record(h, { kind: 'boot' }, this.bootLabel(h));
          this.post({ type: 'bootProgress', seq, done: i + 1, total: target }, []);
        }
        // The reply carries the whole log: no printk notice for the replayed lines.
        h.logSent = m.log.length;
        this.cur = h;
        return {
          type: 'bootedBack',
          seq,
          undone: stepInfo(h, m.steps[target]!, target),
          info: this.info(h),
          log: m.log.slice(),
        };
      }
      case 'archInfo': {
        const h = this.machine();
        return { type: 'archInfo', seq, info: describeArch(h.m), cache: cacheInfo(h) };
      }
      case 'memblock': {
        const h = this.machine();
        return {
          type: 'memblock',
          seq,
          generation: h.generation,
          bootIndex: h.m.bootIndex,
          info: describeMemblock(h.m),
        };
      }
      case 'readProc': {
        const h = this.machine();
        return { type: 'proc', seq, path: cmd.path, text: readProc(h.m, String(cmd.path)) };
      }
      case 'describePfn': {
        const h = this.machine();
        const info = describePfn(h.m, cmd.pfn);
        // describePfn reads one frame; for a tail page of a free block the state is only right when
        // read from the block's MAX_ORDER-aligned start (see dirty.ts).
        const mask = (1 << h.m.arch.maxPageOrder) - 1;
        const from = cmd.pfn & ~mask;
        const states = new Uint8Array(cmd.pfn - from + 1);
        h.m.frameStates(states, from, cmd.pfn + 1);
        return {
          type: 'pageInfo',
          seq,
          info: { ...info, state: frameStateName(states[states.length - 1]!) },
        };
      }
      case 'frames': {
        const h = this.machine();
        const n = h.m.pages.nrPages;
        const from = Math.max(0, Math.floor(Number(cmd.from)));
        const to = Math.min(n, Math.floor(Number(cmd.to)));
        if (!(to > from))
          throw new RangeError(`frames: empty range [${cmd.from}, ${cmd.to}) (pfns 0..${n - 1})`);
        const mask = (1 << h.m.arch.maxPageOrder) - 1;
        const start = from & ~mask;
        const bytes = new Uint8Array(to - start);
        h.m.frameStates(bytes, start, to);
        const states = bytes.slice(from - start).buffer;
        transfer.push(states);
        return { type: 'frames', seq, generation: h.generation, from, to, states };
      }
      case 'printVar': {
        // the scenario's `print` reader: the era's names, and why an absent one is absent
        const v = readSymbol(this.machine().m, String(cmd.name));
        return { type: 'var', seq, name: cmd.name, value: hex(v) };
      }
      case 'value': {
        // read only: an expect's value, so the session's own reader (scenario/run.ts) decides
        const h = this.machine();
        const what = String(cmd.what);
        return { type: 'measured', seq, what, value: h.session.value(what) };
      }
      case 'timeline': {
        const h = this.machine();
        const t = this.timeline.describe(h, cmd.op, cmd.have);
        return { type: 'timeline', seq, ...t, past: this.timeline.past };
      }
      case 'seek':
      case 'truncate': {
        const progress = (done: number, total: number) =>
          this.post({ type: 'replayProgress', seq, done, total }, []);
        const before = this.timeline.liveOr(this.machine());
        let r;
        try {
          r =
            cmd.type === 'seek'
              ? this.timeline.seek(this.machine(), cmd.pos, progress)
              : this.timeline.truncate(progress);
        } catch (e) {
          // A failed move leaves the view live (the machine shown may have been let go).
          if (this.cur !== before && !this.timeline.pos) {
            this.cur = before;
            before.dirty.markAll();
          }
          throw e;
        }
        const h = r.h;
        // Continue from here: the replayed machine becomes the live one and keeps the trace so far.
        if (cmd.type === 'truncate') h.ring = before.ring;
        this.cur = h;
        // Only the frames the operations between the two positions named can have changed.
        h.dirty.reset(r.changed);
        // The printk lines were sent with the reply's whole log: notices start after them.
        h.logSent = h.m.log.length;
        return {
          type: 'sought',
          seq,
          pos: r.pos,
          partial: r.partial,
          info: this.info(h),
          log: h.m.log.slice(),
          processes: processes(h),
          allocations: allocations(h.m),
        };
      }
      case 'processes':
        return { type: 'processes', seq, processes: processes(this.machine()) };
      case 'processPages': {
        const h = this.machine();
        const p = findProcess(h, cmd.name);
        const r = p.regions.get(String(cmd.region));
        if (!r)
          throw new Error(
            `${p.name} has no region named '${cmd.region}' (regions: ${[...p.regions.keys()].join(', ') || 'none'})`,
          );
        const ps = h.m.pageSize;
        const regionPages = Math.ceil(r.len / ps);
        const first = Math.max(0, Math.min(regionPages, Math.floor(Number(cmd.firstPage ?? 0)) || 0));
        const want = cmd.count === undefined ? regionPages - first : Math.floor(Number(cmd.count)) || 0;
        const count = Math.max(0, Math.min(want, regionPages - first, MAX_REGION_PAGES));
        const start = r.start + first * ps;
        const a = h.pageViews.pages(
          p.task,
          `${p.task.pid}:${String(cmd.region)}:${first}:${count}`,
          start,
          count,
          cmd.have,
        );
        const statesBuf = a.states.buffer as ArrayBuffer;
        const pfnsBuf = a.pfns.buffer as ArrayBuffer;
        transfer.push(statesBuf, pfnsBuf);
        const delta = a.whole ? null : { base: a.base, pages: a.pages.buffer as ArrayBuffer };
        if (delta) transfer.push(delta.pages);
        return {
          type: 'processPages',
          seq,
          generation: h.generation,
          name: p.name,
          pid: p.task.pid,
          region: String(cmd.region),
          regionStart: r.start,
          regionPages,
          firstPage: first,
          count,
          start,
          pageShift: h.m.arch.pageShift,
          states: statesBuf,
          pfns: pfnsBuf,
          version: a.version,
          delta,
        };
      }
      case 'walk': {
        const h = this.machine();
        const p = findProcess(h, cmd.name);
        const va = Number(cmd.va);
        if (!Number.isSafeInteger(va) || va < 0) throw new RangeError(`walk: ${cmd.va} is not an address`);
        return {
          type: 'walk',
          seq,
          name: p.name,
          va,
          levels: describeWalk(h.m, p.task, va),
          huge: hugeLeaf(h, p, va),
          swap: describeSwapPte(h.m, p.task, va),
        };
      }
      case 'hugeInfo':
        return { type: 'hugeInfo', seq, info: hugeInfo(this.machine()) };
      case 'unmappedInfo': {
        const h = this.machine();
        return { type: 'unmappedInfo', seq, info: describeUnmapped(h.m, h.session, h.zeroing, transfer) };
      }
      case 'inspectFrame':
        return inspectFrameReply(this.machine(), seq, cmd.pfn, transfer);
      case 'freeLists': {
        const h = this.machine();
        return { type: 'freeLists', seq, generation: h.generation, zones: describeFreeLists(h.m) };
      }
      case 'swapInfo': {
        const h = this.machine();
        const info = describeSwap(h.m);
        for (const d of info.devices)
          transfer.push(
            d.runStarts.buffer as ArrayBuffer,
            d.runClasses.buffer as ArrayBuffer,
            d.zeroRuns.buffer as ArrayBuffer,
          );
        return { type: 'swapInfo', seq, generation: h.generation, info };
      }
      case 'swapSlot':
        return {
          type: 'swapSlot',
          seq,
          slot: describeSwapSlot(this.machine().m, Number(cmd.swapType), Number(cmd.offset)),
        };
    }
  }

  /**
   * The machine commands may change: the live one. While the view is in the past (a `seek`), the
   * learner must first return to live or continue from there (`truncate`): nothing is lost silently.
   */
  private present(): Hosted {
    const h = this.machine();
    const pos = this.timeline.pos;
    if (pos)
      throw new Error(
        `the view is in the past (operation ${pos.op + 1}, step ${pos.step}): go back to live (End in the timeline) or press "Continue from here" to drop the later operations first`,
      );
    return h;
  }

  private bootLabel(h: Hosted): string {
    const s = h.m.steps[h.m.bootIndex];
    return s ? `boot: ${s.fn} (${s.phase})` : 'boot';
  }

  /**
   * Run one operation on `h`: the live commands and the timeline's replays both come through here, so
   * a replay does exactly what the learner did. Returns what the command's reply needs.
   */
  private apply(h: Hosted, cmd: OpCommand): unknown {
    switch (cmd.kind) {
      case 'boot':
        h.m.bootStep();
        syncSession(h);
        return undefined;
      case 'run':
        return this.execLines(h, cmd.lines);
    }
  }

  /**
   * Run scenario lines through the session, stopping at the first that fails: a timeline replay's
   * `run` operation (straight through). The session prints into h.out; a ScenarioError becomes a
   * structured error, and anything else the core throws is reported the same way (with the line it
   * came from) rather than losing the machine.
   */
  private execLines(h: Hosted, text: string): LinesRan {
    const r = this.linesStart(h, text);
    h.out = r.output;
    try {
      for (const s of r.stmts) {
        if (this.execStmt(h, text, s, s, r)) break;
        r.executed++;
      }
    } finally {
      h.out = null;
    }
    return this.linesDone(h, r);
  }

  /**
   * A learner's `run` on the live machine, recorded as one timeline operation. Long runs work in
   * slices (chunked.ts splits big reads and writes and a `boot` line into pieces that are each a valid
   * line): after each slice the host posts `runProgress` and the frames changed so far, then yields so
   * a `cancel` is seen. A cancelled run stops after the statement or piece that was running, says so
   * in its output, and is recorded as the text of what ran (so a replay rebuilds exactly that state).
   */
  private *runLive(seq: number, text: string): Generator<void, Reply> {
    const h = this.present();
    const bootIndex = h.m.bootIndex;
    const r = this.linesStart(h, text);
    /** the text of what ran (the pieces of a split line when it was cut short) */
    const ran: string[] = [];
    let cancelled = false;
    const job: Job = { cancelled: false };
    this.job = job;
    let slice = now();
    // One timeline operation per statement (a fault, a fork: what the learner thinks of as one
    // step), for runs of up to OPS_PER_RUN statements; a longer run is one operation, so a
    // million-line scenario does not keep a million event lists.
    const perStmt = r.stmts.length <= OPS_PER_RUN;
    const events = perStmt ? null : this.timeline.begin(h);
    /** the statement being recorded as its own operation, and its events */
    let open: { s: Stmt; events: KEvent[]; pieces: string[] } | null = null;
    h.out = r.output;
    try {
      run: for (let i = 0; i < r.stmts.length; i++) {
        const s = r.stmts[i]!;
        if (perStmt) open = { s, events: this.timeline.begin(h), pieces: [] };
        const proc = h.session.procs.get(s.cmd);
        const items: WorkItem[] =
          s.cmd === 'machine'
            ? [{ stmt: s, accessesAfter: 0, accessesTotal: 0 }]
            : proc
              ? splitStatement(s, (name) => proc.regions.get(name)?.len, h.session.limits.get('accesses'))
              : splitBoot(s, h.m.steps, h.m.bootIndex);
        const piecesRan: string[] = [];
        // The learner's statement may not take the emulator's memory over the budget (a replay,
        // which rebuilds what was accepted, is not checked: Session.memory stays null there).
        const use = this.memoryNow();
        h.session.memory = { budget: use.budget, inUse: use.total, raise: MEMORY_RAISE };
        if (items.length > 1 && proc) {
          // a big read/write runs as pieces: the memory budget is checked for the line as a whole
          try {
            h.session.checkWholeAccess(s);
          } catch (e) {
            r.errors.push(runError(e, s.line));
            break run;
          }
        }
        for (const item of items) {
          const w = this.beginStmt(h, text, s, item.stmt, r);
          if (w === true) break run;
          // A long statement (a populate, a pagemap of many pages) in slices, with progress and Cancel.
          while (w) {
            const step = this.stepStmt(h, s, w, r);
            if (step === 'error') break run;
            if (step === 'done') break;
            if (now() - slice < this.sliceMs) continue;
            this.post(
              {
                type: 'runProgress',
                seq,
                done: i,
                total: r.stmts.length,
                line: s.line,
                accessesDone: w.done,
                accessesTotal: w.total,
              },
              [],
            );
            this.flush(seq);
            yield;
            slice = now();
            if (job.cancelled) {
              // Stopped mid-statement: what ran is the statement cut where it stopped (StatementWork).
              const cut = w.cut();
              ran.push(...piecesRan, ...cut);
              open?.pieces.push(...cut);
              r.output.push(
                `# cancelled during line ${s.line}: ${w.done} of ${w.total} ${w.unit} done (the machine is as after them: ${cut.join('; ')})\n`,
              );
              cancelled = true;
              break run;
            }
          }
          piecesRan.push(item.stmt.text);
          open?.pieces.push(item.stmt.text);
          h.m.ram.compact(); // each piece of a long write stored compactly before the next (phys/ram.ts)
          // Killed half-way: the whole line would have stopped here too (userRead returns).
          const stopped = proc !== undefined && proc.task.state !== 'R';
          if (now() - slice >= this.sliceMs && !stopped) {
            this.post(
              {
                type: 'runProgress',
                seq,
                done: i,
                total: r.stmts.length,
                line: s.line,
                accessesDone: item.accessesAfter,
                accessesTotal: item.accessesTotal,
              },
              [],
            );
            this.flush(seq);
            yield;
            slice = now();
            if (job.cancelled && item !== items[items.length - 1]) {
              ran.push(...piecesRan);
              r.output.push(
                item.accessesTotal
                  ? `# cancelled during line ${s.line}: ${item.accessesAfter} of ${item.accessesTotal} accesses ran (the machine is as after them)\n`
                  : `# cancelled during line ${s.line}: the machine is as after boot step ${h.m.bootIndex} of ${h.m.steps.length}; 'boot' finishes it\n`,
              );
              cancelled = true;
              break run;
            }
          }
          if (stopped) break;
        }
        r.executed++;
        ran.push(...(items.length > 1 ? piecesRan : [s.text]));
        if (open) {
          this.timeline.commit(h, open.events, { kind: 'run', lines: s.text }, s.text.trim());
          open = null;
        }
        if (job.cancelled) {
          if (i + 1 < r.stmts.length) {
            r.output.push(
              `# cancelled after line ${s.line}: ${r.executed} of ${r.stmts.length} statements ran (the machine is as after them)\n`,
            );
            cancelled = true;
          }
          break;
        }
      }
    } finally {
      h.out = null;
      h.session.memory = null;
      this.job = null;
      if (open) {
        // A statement cut short by Cancel is the pieces that ran. One that failed is kept only if it
        // changed something (like record()); share links leave it out (shared ''), since it fails.
        const cut = cancelled && open.pieces.length > 0;
        if (cut || open.events.length > 0)
          this.timeline.commit(
            h,
            open.events,
            {
              kind: 'run',
              lines: cut ? open.pieces.join('\n') : open.s.text,
              ...(cut ? {} : { shared: '' }),
            },
            open.s.text.trim(),
          );
        else this.timeline.discard(h);
      }
      if (events) {
        // Not cancelled: the text as given (a replay stops at the same failing line); cancelled: what ran.
        const what = ran.join('\n');
        const failed = r.errors.length > 0 && !cancelled;
        this.timeline.commit(
          h,
          events,
          {
            kind: 'run',
            lines: cancelled ? what : text,
            ...(failed ? { shared: what || `# nothing ran: ${runLabel(text)}` } : {}),
          },
          runLabel(text),
        );
      }
    }
    // `boot` or `step` in the text: the grid's colours depend on how far boot has got.
    if (h.m.bootIndex !== bootIndex) h.dirty.markAll();
    return {
      type: 'ran',
      seq,
      ...this.linesDone(h, r),
      ...(cancelled ? { cancelled } : {}),
      info: this.info(h),
      processes: processes(h),
      allocations: allocations(h.m),
    };
  }

  private linesStart(h: Hosted, text: string): LinesState {
    const r: LinesState = {
      stmts: [],
      output: [],
      errors: [],
      deaths: [],
      failuresBefore: h.session.failures.length,
      executed: 0,
    };
    try {
      r.stmts = parseScenario(text);
    } catch (e) {
      r.errors.push(runError(e, 0));
    }
    return r;
  }

  /**
   * Execute `stmt` (statement `s` of `text`, or a piece of it) and note deaths and errors in `r`.
   * Returns true when the run must stop (an error).
   */
  private execStmt(h: Hosted, text: string, s: Stmt, stmt: Stmt, r: LinesState): boolean {
    const w = this.beginStmt(h, text, s, stmt, r);
    if (w === true) return true;
    while (w) {
      const step = this.stepStmt(h, s, w, r);
      if (step !== 'more') return step === 'error';
    }
    return false;
  }

  /**
   * Run the next slice of a long statement (Session.begin); 'error' when it failed (noted in `r`),
   * 'done' when it finished.
   */
  private stepStmt(h: Hosted, s: Stmt, w: StatementWork, r: LinesState): 'more' | 'done' | 'error' {
    let fin: boolean;
    try {
      fin = w.step();
    } catch (e) {
      if (e instanceof StopReplay) throw e;
      r.errors.push(runError(e, s.line));
      fin = true;
    }
    this.noteDeaths(h, r);
    return r.errors.length > 0 ? 'error' : fin ? 'done' : 'more';
  }

  private noteDeaths(h: Hosted, r: LinesState): void {
    // the session noted who died (without scanning every process: issue #13 item 11)
    for (const p of h.session.lastDeaths) {
      const reason = p.task.exit ?? 'exited';
      r.deaths.push({ name: p.name, pid: p.task.pid, reason, killed: reason !== 'exited' });
    }
  }

  /**
   * Start `stmt` (statement `s` of `text`, or a piece of it) and note deaths and errors in `r`.
   * Returns true when the run must stop (an error), the rest of a long statement (Session.begin)
   * to run slice by slice, or undefined when the statement is done.
   */
  private beginStmt(
    h: Hosted,
    text: string,
    s: Stmt,
    stmt: Stmt,
    r: LinesState,
  ): true | StatementWork | undefined {
    if (s.cmd === 'machine') {
      r.errors.push({
        line: s.line,
        col: s.cmdCol,
        message: 'machine: the machine already exists; choose RAM and CPUs and press Reboot instead',
      });
      return true;
    }
    if (!replayable(s.cmd)) h.beyondBoot = true;
    if (h.zeroing) h.zeroing.label = text.split('\n')[s.line - 1]?.trim() ?? s.cmd;
    let w: StatementWork | undefined;
    try {
      w = h.session.begin(stmt);
      if (h.session.lastResult) r.result = h.session.lastResult;
    } catch (e) {
      // A timeline replay stopping inside this line is not the line's error.
      if (e instanceof StopReplay) throw e;
      r.errors.push(runError(e, s.line));
    }
    this.noteDeaths(h, r);
    return r.errors.length > 0 ? true : w;
  }

  private linesDone(h: Hosted, r: LinesState): LinesRan {
    return {
      output: r.output.join(''),
      errors: r.errors,
      failures: h.session.failures.slice(r.failuresBefore),
      executed: r.executed,
      deaths: r.deaths,
      ...(r.result ? { result: r.result } : {}),
    };
  }

  /** Post the frames and printk lines the last command changed, as notices. */
  private flush(seq: number): void {
    const h = this.cur;
    if (!h) return;
    if (h.m.log.length > h.logSent) {
      this.post({ type: 'printk', seq, generation: h.generation, lines: h.m.log.slice(h.logSent) }, []);
      h.logSent = h.m.log.length;
    }
    if (h.dirty.empty) return;
    const d = this.frameDelta(h, h.dirty.take());
    if (!d) return;
    this.post(
      {
        type: 'frameDelta',
        seq,
        generation: h.generation,
        nrPages: h.m.pages.nrPages,
        ranges: d.ranges,
        states: d.states,
      },
      [d.ranges.buffer, d.states.buffer],
    );
  }

  /**
   * The frames of `dirty` whose state differs from what the view last received (`viewFrames`, a copy
   * of every state sent for this generation): after a seek or End every frame is dirty, but only the
   * ones that changed travel. The first delta of a generation goes whole (the grid starts anew on it).
   */
  private frameDelta(h: Hosted, dirty: Uint32Array): { ranges: Uint32Array; states: Uint8Array } | null {
    const nr = h.m.pages.nrPages;
    let total = 0;
    for (let i = 0; i < dirty.length; i += 2) total += dirty[i + 1]! - dirty[i]!;
    const fresh = new Uint8Array(total);
    for (let i = 0, at = 0; i < dirty.length; i += 2) {
      const from = dirty[i]!;
      const to = dirty[i + 1]!;
      h.m.frameStates(fresh.subarray(at, at + to - from), from, to);
      at += to - from;
    }
    const v = this.viewFrames;
    if (!v || v.generation !== h.generation || v.states.length !== nr) {
      const states = new Uint8Array(nr);
      for (let i = 0, at = 0; i < dirty.length; i += 2) {
        states.set(fresh.subarray(at, at + dirty[i + 1]! - dirty[i]!), dirty[i]!);
        at += dirty[i + 1]! - dirty[i]!;
      }
      this.viewFrames = { generation: h.generation, states };
      return { ranges: dirty, states: fresh };
    }
    // Changed runs, joined across gaps shorter than DELTA_GAP (a range costs 8 bytes and a loop).
    const out: number[] = [];
    const seen = v.states;
    for (let i = 0, at = 0; i < dirty.length; i += 2) {
      const from = dirty[i]!;
      const to = dirty[i + 1]!;
      for (let p = from; p < to; p++) {
        if (fresh[at + p - from] === seen[p]) continue;
        let e = p + 1;
        let last = e;
        while (e < to && e - last < DELTA_GAP) {
          if (fresh[at + e - from] !== seen[e]) last = e + 1;
          e++;
        }
        out.push(p, last);
        p = last;
      }
      at += to - from;
    }
    if (out.length === 0) return null;
    const ranges = Uint32Array.from(out);
    let n = 0;
    for (let i = 0; i < ranges.length; i += 2) n += ranges[i + 1]! - ranges[i]!;
    const states = new Uint8Array(n);
    // `fresh` is indexed by position within the dirty ranges: map each changed run back into it.
    for (let i = 0, at = 0, j = 0, base = 0; i < ranges.length; i += 2) {
      const from = ranges[i]!;
      const to = ranges[i + 1]!;
      while (dirty[j + 1]! <= from) {
        base += dirty[j + 1]! - dirty[j]!;
        j += 2;
      }
      const src = fresh.subarray(base + from - dirty[j]!, base + to - dirty[j]!);
      states.set(src, at);
      seen.set(src, from);
      at += to - from;
    }
    return { ranges, states };
  }

  private info(h: Hosted): MachineInfo {
    const m = h.m;
    const zero = Number(m.vars.get('zero_page_pfn') ?? 0n);
    return {
      generation: h.generation,
      config: { ...m.cfg },
      nrPages: m.pages.nrPages,
      pageShift: m.arch.pageShift,
      maxOrder: m.arch.maxPageOrder,
      pageblockOrder: m.arch.pageblockOrder,
      steps: m.steps.map((s, i) => stepInfo(h, s, i)),
      bootIndex: m.bootIndex,
      booted: m.booted,
      zones: m.alloc.zones
        .filter((z) => z.spannedPages > 0)
        .map((z) => ({ name: z.name, startPfn: z.zoneStartPfn, endPfn: z.endPfn })),
      zeroPagePfn: zero > 0 ? zero : null,
      arch: describeArch(m),
      cache: cacheInfo(h),
      // In the past (a timeline seek) nothing may change the machine, boot Back included.
      canStepBack: m.bootIndex > 0 && !h.beyondBoot && !this.timeline.pos,
    };
  }

  /** Wrap a machine for hosting: a session around it, and dirty tracking from its trace events. */
  /**
   * Wrap a machine for hosting. `session`: a copy restored from a checkpoint (its output is pointed
   * at this host record); otherwise a new session adopts the machine.
   */
  private host(m: Machine, stepNotes: string[][], generation: number, session?: Session): Hosted {
    const h: Hosted = {
      m,
      session: undefined as unknown as Session,
      out: null,
      generation,
      dirty: new DirtyRanges(m.pages.nrPages, m.arch.maxPageOrder, m.arch.pageShift),
      logSent: m.log.length,
      rec: null,
      stepNotes,
      beyondBoot: false,
      zeroing: m.cfg.pageAllocUnmapped ? new ZeroingRecorder(m.cfg.unmappedZeroing ?? 'per_block') : null,
      ring: null,
      pageViews: new ProcessPageViews(m),
    };
    const out = (text: string) => h.out?.push(text);
    if (session) {
      (session as unknown as { opts: { out: typeof out } }).opts = { out };
      session.memory = null; // a checkpoint taken during a live run: replays are not budgeted
      h.session = session;
    } else {
      h.session = new Session({ out });
      h.session.attach(m);
    }
    m.trace.subscribe((e) => h.dirty.addEvent(e));
    if (h.zeroing) m.trace.subscribe((e) => h.zeroing!.add(e));
    m.trace.subscribe((e) => h.rec?.(e));
    m.trace.subscribe((e) => h.ring?.push(e));
    m.trace.subscribe((e) => h.pageViews.addEvent(e));
    h.dirty.markAll();
    return h;
  }
}

/**
 * Record the emulator notes each boot step prints. Machine.notes is one list for the whole boot;
 * wrapping bootStep (which boot() and the session's `boot`/`step` also go through) ties each note
 * to the step that printed it.
 */
function trackStepNotes(m: Machine): string[][] {
  const perStep: string[][] = [];
  const bootStep = m.bootStep.bind(m);
  m.bootStep = () => {
    const index = m.bootIndex;
    const before = m.notes.length;
    const step = bootStep();
    if (step) perStep[index] = m.notes.slice(before);
    return step;
  };
  return perStep;
}

/** A timeline checkpoint: a snapshot of a machine and its session, and the host's notes about it. */
type Checkpoint = Snapshot<{ m: Machine; session: Session; stepNotes: string[][]; beyondBoot: boolean }>;

/** What `run` replies with about the lines themselves (RanReply without the machine). */
type LinesRan = Pick<RanReply, 'output' | 'errors' | 'failures' | 'executed' | 'deaths' | 'result'>;

/** A run of scenario lines in progress (execLines, runLive). */
interface LinesState {
  stmts: Stmt[];
  output: string[];
  errors: RunErrorInfo[];
  deaths: DeathInfo[];
  failuresBefore: number;
  executed: number;
  /** the last structured result a statement gave (RanReply.result) */
  result?: StatementResult;
}

/** Quiet time after the last command before the host warms a restore's buffers (whenIdle). */
const IDLE_MS = 250;

/** Changed frames this close together travel as one range (frameDelta). */
const DELTA_GAP = 16;

/** How the learner raises the memory budget, as a refusal says it. */
const MEMORY_RAISE = "raise the budget in the app's memory meter (Memory, in the header).";

/** Runs of at most this many statements become one timeline operation per statement. */
const OPS_PER_RUN = 1000;

/** A `run` as the timeline lists it: its lines, shortened. */
function runLabel(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const first = lines[0] ?? '(empty)';
  return lines.length > 1 ? `${first} (+${lines.length - 1} lines)` : first;
}

function stepInfo(h: Hosted, s: BootStep, index: number): BootStepInfo {
  return { phase: s.phase, fn: s.fn, file: s.file, why: s.why, notes: h.stepNotes[index] ?? [] };
}

function cacheInfo(h: Hosted): CacheInfo | null {
  const c = h.m.cache;
  return c ? { stats: { ...c.stats }, text: c.describe() } : null;
}

/**
 * Let the session catch up with kernel log lines printed by commands that acted on the machine
 * directly (bootStep, alloc, free), so that a later `run` prints only its own lines.
 */
function syncSession(h: Hosted): void {
  h.session.syncLog();
}

function findProcess(h: Hosted, name: unknown): ScenarioProcess {
  const p = h.session.procs.get(String(name));
  if (!p) {
    const known = [...h.session.procs.keys()];
    throw new Error(
      `no process named '${String(name)}' (${known.length ? `processes: ${known.join(', ')}` : 'spawn one first'})`,
    );
  }
  return p;
}

function processes(h: Hosted): ProcessView[] {
  return [...h.session.procs.values()].map((p) => ({
    ...describeProcess(h.m, p.task),
    name: p.name,
    regions: [...p.regions].map(([name, r]) => ({ name, start: r.start, len: r.len })),
  }));
}

/** THP folios and the huge zero folio (HugeInfo). PMD-sized folios are naturally aligned. */
function hugeInfo(h: Hosted): HugeInfo {
  const m = h.m;
  const supported = thpSupported(m);
  const nr = supported ? hpageNr(m) : 0;
  const folios: HugeFolioInfo[] = [];
  let thpCount = 0;
  if (supported && m.booted) {
    const p = m.pages;
    const want = PG.head | PG.anon;
    for (let pfn = 0; pfn + nr <= p.nrPages; pfn += nr) {
      const f = p.flags[pfn]!;
      if ((f & want) !== want || p.order[pfn] !== m.arch.pmdOrder || isHugeZeroPfn(m, pfn)) continue;
      thpCount++;
      if (folios.length < MAX_HUGE_FOLIOS) folios.push({ pfn, nr, kind: 'thp' });
    }
  }
  const holders = [...h.session.procs.values()]
    .filter((p) => p.task.mm?.hugeZeroFolio)
    .map((p) => ({ name: p.name, pid: p.task.pid }));
  return {
    supported,
    thp: m.cfg.thp,
    useZeroPage: m.cfg.useZeroPage,
    kind: m.cfg.hugeZero,
    hpageBytes: supported ? hpageSize(m) : 0,
    hpageNr: nr,
    pfn: m.hugeZeroPfn >= 0 ? m.hugeZeroPfn : null,
    refcount: m.hugeZeroRefcount,
    holders,
    folios,
    thpCount,
    largestZero: m.booted ? largestZeroFolio(m) : { pfn: -1, bytes: m.pageSize },
  };
}

/** If the walk for `va` ends at a huge PMD leaf: what it maps and the PTE table deposited under it. */
function hugeLeaf(h: Hosted, p: ScenarioProcess, va: number): NonNullable<WalkReply['huge']> | null {
  const mm = p.task.mm;
  if (!mm) return null;
  const m = h.m;
  const steps = walkSteps(m, mm, va);
  const last = steps.length - 1;
  const s = steps[last];
  if (!s || last === m.pgtableArch.levels - 1) return null;
  const f = m.pgtableArch.flags(s.entry, last);
  if (!(f & PTE.PRESENT) || !(f & PTE.HUGE)) return null;
  const headPfn = m.pgtableArch.pfn(s.entry);
  const dep = depositedTable(mm, s.tablePfn, s.index);
  return {
    kind: isHugeZeroPfn(m, headPfn) ? 'huge-zero' : 'thp',
    headPfn,
    depositedPfn: dep ?? null,
  };
}

function runError(e: unknown, line: number): RunErrorInfo {
  if (e instanceof ScenarioError) return { line: e.line || line, col: e.col || 1, message: e.message };
  return { line, col: 1, message: `the emulator failed on this line: ${errorMessage(e)}` };
}

/** The scenario line that repeats an operation (a share link's journal entry). */
function opText(c: OpCommand): string {
  switch (c.kind) {
    case 'boot':
      return 'step';
    case 'run':
      return c.shared ?? c.lines;
  }
}

function allocations(m: Machine): AllocationInfo[] {
  return [...m.named].map(([name, a]) => ({
    name,
    pfn: a.pfn,
    order: a.order,
    gfp: formatGfp(a.gfp),
    cpu: a.cpu,
  }));
}

function errorMessage(e: unknown): string {
  if (e instanceof ConfigError)
    return `Impossible machine: ${e.message}. The previous machine is still running.`;
  if (e instanceof Error) return e.message;
  return String(e);
}

function describe(data: unknown): string {
  try {
    return JSON.stringify(data)?.slice(0, 200) ?? String(data);
  } catch {
    return String(data);
  }
}
