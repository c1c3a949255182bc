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
import { ConfigError, DEFAULT_CONFIG, completeConfig, validateConfig } from '../core/config.ts';
import {
  describeArch,
  describeMemblock,
  describePfn,
  describeProcess,
  describeWalk,
  processPageStates,
} from '../core/inspect.ts';
import { KernelAllocError, Machine, hex } from '../core/machine.ts';
import { blkdevIssueZeroPages } from '../core/block/blk-lib.ts';
import { PTE } from '../core/arch/pgtable.ts';
import { formatGfp, parseGfp } from '../core/mm/gfp.ts';
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
import { VPageState } from '../core/shared/page_state.ts';
import { readProc } from '../core/proc/index.ts';
import { ScenarioError, parseScenario, type Stmt } from '../core/scenario/parse.ts';
import { Session, parseMachine, type ScenarioProcess } from '../core/scenario/run.ts';
import { frameStateName } from '../core/shared/frame_state.ts';
import { splitBoot, splitStatement, yieldToEventLoop, type WorkItem } from './chunked.ts';
import { DirtyRanges } from './dirty.ts';
import { TraceRing } from './trace_ring.ts';
import {
  COMMAND_TYPES,
  RUN_SLICE_MS,
  MAX_HUGE_FOLIOS,
  MAX_REGION_PAGES,
  MAX_ZEROOUT_BYTES,
  VPAGE_HUGE_ZERO,
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
  /** the emulator notes each boot step printed, by step index (trackStepNotes) */
  stepNotes: string[][];
  /**
   * Something other than boot steps and read-only lines changed the machine (alloc, free, a
   * process line...): replaying the boot steps would no longer rebuild it, so `bootBack` refuses.
   */
  beyondBoot: boolean;
  /** whether `init` booted the machine (else the journal's `step` lines did) */
  bootAtInit: boolean;
  /** scenario text of each command that ran since init (JournalReply); share links replay it */
  journal: string[];
  /** the trace events kept for export */
  ring: TraceRing;
}

/** A long command in progress; `cancel` sets the flag, the command sees it at its next slice. */
interface Job {
  cancelled: boolean;
}

const now = () => performance.now();

/** Scenario statements that change nothing a boot replay would miss (boot steps themselves, or reads). */
const REPLAYABLE_STMTS = new Set(['boot', 'step', 'show', 'print', 'expect', 'pagemap', 'kpageflags']);

export class MachineHost {
  private cur: Hosted | undefined;
  private generation = 0;
  /** messages waiting for the command before them to finish */
  private readonly queue: unknown[] = [];
  /** a long command is between slices: later messages wait in `queue` */
  private waiting = false;
  private job: Job | null = null;

  constructor(private readonly post: Post) {}

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
      let long: Promise<Reply>;
      try {
        long =
          type === 'run'
            ? this.runLines(this.machine(), seq, String((cmd as { lines?: unknown }).lines ?? ''))
            : this.init(cmd as InitCommand);
      } catch (e) {
        finish(fail(e));
        return undefined;
      }
      return long.then(finish, (e: unknown) => finish(fail(e)));
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
   * Build and (if asked) boot a new machine, in slices so a 16 GiB boot shows progress and can be
   * cancelled. The old machine is dropped only once the new one is complete: a ConfigError, a throw
   * or a cancel leaves the learner's current machine in place.
   */
  private async init(cmd: InitCommand): Promise<Reply> {
    const m = new Machine(cmd.config ?? {});
    const stepNotes = trackStepNotes(m);
    const ring = new TraceRing();
    m.trace.subscribe((e) => ring.push(e));
    if (cmd.boot) {
      const job: Job = { cancelled: false };
      this.job = job;
      try {
        const total = m.steps.length;
        let slice = now();
        while (!m.booted) {
          m.bootStep();
          if (m.booted || now() - slice < RUN_SLICE_MS) continue;
          this.post({ type: 'bootProgress', seq: cmd.seq, done: m.bootIndex, total }, []);
          await yieldToEventLoop();
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
    const h = this.host(m, stepNotes, this.generation + 1, ring);
    h.bootAtInit = cmd.boot;
    this.generation = h.generation;
    this.cur = h;
    return { type: 'ready', seq: cmd.seq, info: this.info(h), log: m.log.slice() };
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
        const h = this.machine();
        return {
          type: 'journal',
          seq,
          config: { ...h.m.cfg },
          bootAtInit: h.bootAtInit,
          entries: h.journal.slice(),
        };
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
      case 'trace': {
        const h = this.machine();
        return {
          type: 'trace',
          seq,
          events: h.ring.events(),
          capacity: h.ring.capacity,
          dropped: h.ring.dropped,
        };
      }
      case 'bootStep': {
        const h = this.machine();
        const step = h.m.bootStep();
        if (step) h.journal.push('step');
        syncSession(h);
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
        const h = this.machine();
        const ran: BootStepInfo[] = [];
        const phase = h.m.steps[h.m.bootIndex]?.phase;
        while (!h.m.booted && h.m.steps[h.m.bootIndex]!.phase === phase) {
          const step = h.m.bootStep()!;
          ran.push(stepInfo(h, step, h.m.bootIndex - 1));
        }
        if (ran.length) h.journal.push(ran.map(() => 'step').join('\n'));
        syncSession(h);
        if (ran.length) h.dirty.markAll();
        return { type: 'bootRan', seq, steps: ran, info: this.info(h) };
      }
      case 'bootBack': {
        const old = this.machine();
        if (old.m.bootIndex === 0) throw new Error('back: no boot step has run yet');
        if (old.beyondBoot)
          throw new Error(
            'back: this machine has done more than boot (processes, allocations...), which replaying the boot steps cannot rebuild; press Reboot to start again',
          );
        // Rebuild: the same config, bootIndex - 1 steps. Deterministic, so the machine is the one
        // the learner saw a step ago, bit for bit.
        const target = old.m.bootIndex - 1;
        const m = new Machine(old.m.cfg);
        const stepNotes = trackStepNotes(m);
        for (let i = 0; i < target; i++) {
          m.bootStep();
          this.post({ type: 'bootProgress', seq, done: i + 1, total: target }, []);
        }
        const h = this.host(m, stepNotes, old.generation);
        // Only boot steps (and read-only lines) ran: the rewound machine is `target` steps from init.
        if (target > 0) h.journal.push(Array.from({ length: target }, () => 'step').join('\n'));
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
      case 'alloc': {
        const h = this.machine();
        const name = String(cmd.name ?? '').trim();
        if (!/^[A-Za-z_][\w.-]*$/.test(name))
          throw new Error(`alloc: '${name}' is not a name (letters, digits, _ . -)`);
        const order = Number(cmd.order);
        if (!Number.isInteger(order) || order < 0)
          throw new Error(`alloc ${name}: order must be a whole number ≥ 0, not ${cmd.order}`);
        const gfp = parseGfp(String(cmd.gfp ?? 'GFP_KERNEL'));
        h.beyondBoot = true;
        try {
          h.m.allocNamed(name, order, gfp);
          h.journal.push(allocLine(name, order, gfp));
        } catch (e) {
          // Out of memory still ran the allocator (and maybe the OOM killer): replay it too.
          if (e instanceof KernelAllocError && h.m.booted) h.journal.push(allocLine(name, order, gfp));
          throw e;
        } finally {
          syncSession(h);
        }
        return {
          type: 'allocated',
          seq,
          allocation: allocationInfo(name, h.m),
          allocations: allocations(h.m),
        };
      }
      case 'free': {
        const h = this.machine();
        h.beyondBoot = true;
        h.m.freeNamed(String(cmd.name));
        h.journal.push(`free ${String(cmd.name)}`);
        syncSession(h);
        return { type: 'freed', seq, name: cmd.name, allocations: allocations(h.m) };
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
        const h = this.machine();
        const v = h.m.vars.get(String(cmd.name));
        if (v === undefined) {
          throw new Error(`print ${cmd.name}: no such variable (known: ${[...h.m.vars.keys()].join(', ')})`);
        }
        return { type: 'var', seq, name: cmd.name, value: hex(v) };
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
        const pfns = new Float64Array(count);
        const states = processPageStates(h.m, p.task, start, count, pfns);
        // The core says `Huge` for every PMD mapping; the UI tells the huge zero folio apart.
        for (let i = 0; i < count; i++)
          if (states[i] === VPageState.Huge && isHugeZeroPfn(h.m, pfns[i]!)) states[i] = VPAGE_HUGE_ZERO;
        const statesBuf = states.buffer as ArrayBuffer;
        const pfnsBuf = pfns.buffer as ArrayBuffer;
        transfer.push(statesBuf, pfnsBuf);
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
        };
      }
      case 'hugeInfo':
        return { type: 'hugeInfo', seq, info: hugeInfo(this.machine()) };
      case 'dropCaches': {
        const h = this.machine();
        h.beyondBoot = true;
        const before = h.m.hugeZeroPfn;
        const output: string[] = [];
        h.out = output;
        try {
          for (const s of parseScenario('drop_caches')) h.session.exec(s);
          h.journal.push('drop_caches');
        } finally {
          h.out = null;
        }
        const freed = before >= 0 && h.m.hugeZeroPfn < 0 ? hpageNr(h.m) : 0;
        return {
          type: 'droppedCaches',
          seq,
          freed,
          output: output.join(''),
          huge: hugeInfo(h),
          info: this.info(h),
        };
      }
      case 'blkZeroout': {
        const h = this.machine();
        if (!h.m.booted) throw new Error('blkdev_zeroout: boot the machine first');
        const bytes = Number(cmd.bytes);
        if (!Number.isSafeInteger(bytes) || bytes <= 0)
          throw new RangeError(`blkdev_zeroout: ${cmd.bytes} is not a length in bytes`);
        if (bytes > MAX_ZEROOUT_BYTES)
          throw new RangeError(
            `blkdev_zeroout: at most ${MAX_ZEROOUT_BYTES / 2 ** 30} GiB here (the model builds every bvec)`,
          );
        const zero = cmd.zero === 'page' ? 'page' : 'largest';
        let maxTransfer: number | undefined;
        if (cmd.maxTransfer !== undefined && cmd.maxTransfer !== null) {
          maxTransfer = Number(cmd.maxTransfer);
          if (!Number.isSafeInteger(maxTransfer) || maxTransfer <= 0 || maxTransfer % 512 !== 0)
            throw new RangeError(
              `blkdev_zeroout: max_transfer=${cmd.maxTransfer}: expected a multiple of 512 bytes`,
            );
          if (bytes / maxTransfer > 1 << 20)
            throw new RangeError(
              `blkdev_zeroout: max_transfer=${maxTransfer} would split into more than a million bios; choose a larger one`,
            );
        }
        const buffer =
          zero === 'largest' ? largestZeroFolio(h.m) : { pfn: h.m.zeroPfn(0), bytes: h.m.pageSize };
        const r = blkdevIssueZeroPages(bytes, buffer.bytes, h.m.pageSize, maxTransfer);
        const FIRST = 8;
        const bio = (b: { sector: number; bytes: number; vecs: number }) => ({
          sector: b.sector,
          bytes: b.bytes,
          vecs: b.vecs,
        });
        return {
          type: 'zeroout',
          seq,
          bytes,
          zero,
          buffer,
          bios: r.bios.length,
          bvecs: r.bvecs,
          firstBios: r.bios.slice(0, FIRST).map(bio),
          split: r.split ? { bios: r.split.length, first: r.split.slice(0, FIRST).map(bio) } : null,
        };
      }
    }
  }

  /**
   * Run scenario lines through the session, stopping at the first that fails. The session prints
   * into h.out; a ScenarioError becomes a structured error, and anything else the core throws is
   * reported the same way (with the line it came from) rather than losing the machine.
   *
   * Long runs work in slices (chunked.ts splits big reads and writes into pieces): after each slice
   * the host posts `runProgress` and the frames changed so far, then yields so a `cancel` is seen.
   * A cancelled run stops after the statement or piece that was running, and says so in its output.
   */
  private async runLines(h: Hosted, seq: number, text: string): Promise<Reply> {
    const output: string[] = [];
    const errors: RunErrorInfo[] = [];
    const deaths: DeathInfo[] = [];
    const failuresBefore = h.session.failures.length;
    const bootIndex = h.m.bootIndex;
    let executed = 0;
    let cancelled = false;
    let stmts: Stmt[] = [];
    try {
      stmts = parseScenario(text);
    } catch (e) {
      errors.push(runError(e, 0));
    }
    /** the text of what ran, for the journal (the pieces of a split line when it was cut short) */
    const ran: string[] = [];
    const job: Job = { cancelled: false };
    this.job = job;
    let slice = now();
    h.out = output;
    try {
      run: for (let i = 0; i < stmts.length; i++) {
        const s = stmts[i]!;
        if (s.cmd === 'machine') {
          errors.push({
            line: s.line,
            col: s.cmdCol,
            message: 'machine: the machine already exists; choose RAM and CPUs and press Reboot instead',
          });
          break;
        }
        const proc = h.session.procs.get(s.cmd);
        const items: WorkItem[] = proc
          ? splitStatement(s, (r) => proc.regions.get(r)?.len)
          : splitBoot(s, h.m.steps, h.m.bootIndex);
        const piecesRan: string[] = [];
        for (const item of items) {
          const alive = [...h.session.procs.values()].filter((p) => p.task.state === 'R');
          if (!REPLAYABLE_STMTS.has(s.cmd)) h.beyondBoot = true;
          try {
            h.session.exec(item.stmt);
            piecesRan.push(item.stmt.text);
          } catch (e) {
            errors.push(runError(e, s.line));
          }
          for (const p of alive) {
            if (p.task.state === 'R') continue;
            const reason = p.task.exit ?? 'exited';
            deaths.push({ name: p.name, pid: p.task.pid, reason, killed: reason !== 'exited' });
          }
          if (errors.length) break run;
          // Killed half-way: the whole line would have stopped here too (userRead returns).
          const stopped = proc !== undefined && proc.task.state !== 'R';
          if (now() - slice >= RUN_SLICE_MS && !stopped) {
            this.post(
              {
                type: 'runProgress',
                seq,
                done: i,
                total: stmts.length,
                line: s.line,
                accessesDone: item.accessesAfter,
                accessesTotal: item.accessesTotal,
              },
              [],
            );
            this.flush(seq);
            await yieldToEventLoop();
            slice = now();
            if (job.cancelled && item !== items[items.length - 1]) {
              ran.push(...piecesRan);
              output.push(
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
        executed++;
        ran.push(...(items.length > 1 ? piecesRan : [s.text]));
        if (job.cancelled) {
          if (i + 1 < stmts.length) {
            output.push(
              `# cancelled after line ${s.line}: ${executed} of ${stmts.length} statements ran (the machine is as after them)\n`,
            );
            cancelled = true;
          }
          break;
        }
      }
    } finally {
      h.out = null;
      this.job = null;
    }
    if (ran.length) h.journal.push(ran.join('\n'));
    // `boot` or `step` in the text: the grid's colours depend on how far boot has got.
    if (h.m.bootIndex !== bootIndex) h.dirty.markAll();
    return {
      type: 'ran',
      seq,
      output: output.join(''),
      errors,
      failures: h.session.failures.slice(failuresBefore),
      executed,
      ...(cancelled ? { cancelled } : {}),
      deaths,
      info: this.info(h),
      processes: processes(h),
      allocations: allocations(h.m),
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
    const ranges = h.dirty.take();
    let total = 0;
    for (let i = 0; i < ranges.length; i += 2) total += ranges[i + 1]! - ranges[i]!;
    const states = new Uint8Array(total);
    for (let i = 0, at = 0; i < ranges.length; i += 2) {
      const from = ranges[i]!;
      const to = ranges[i + 1]!;
      h.m.frameStates(states.subarray(at, at + to - from), from, to);
      at += to - from;
    }
    this.post(
      { type: 'frameDelta', seq, generation: h.generation, nrPages: h.m.pages.nrPages, ranges, states },
      [ranges.buffer, states.buffer],
    );
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
      canStepBack: m.bootIndex > 0 && !h.beyondBoot,
    };
  }

  /** Wrap a machine for hosting: a session around it, and dirty tracking from its trace events. */
  private host(m: Machine, stepNotes: string[][], generation: number, ring?: TraceRing): Hosted {
    const h: Hosted = {
      m,
      session: undefined as unknown as Session,
      out: null,
      generation,
      dirty: new DirtyRanges(m.pages.nrPages, m.arch.maxPageOrder, m.arch.pageShift),
      logSent: m.log.length,
      stepNotes,
      beyondBoot: false,
      bootAtInit: false,
      journal: [],
      ring: ring ?? new TraceRing(),
    };
    h.session = new Session({ out: (text) => h.out?.push(text) });
    h.session.attach(m);
    m.trace.subscribe((e) => h.dirty.addEvent(e));
    if (!ring) m.trace.subscribe((e) => h.ring.push(e));
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

/** The scenario line that repeats a host `alloc` (it ran on CPU 0; the gfp as the kernel names it). */
function allocLine(name: string, order: number, gfp: number): string {
  let text = formatGfp(gfp);
  try {
    if (parseGfp(text) !== gfp) text = '0x' + gfp.toString(16);
  } catch {
    text = '0x' + gfp.toString(16);
  }
  return `alloc ${name} order=${order} gfp=${text} cpu=0`;
}

function allocationInfo(name: string, m: Machine): AllocationInfo {
  const a = m.named.get(name)!;
  return { name, pfn: a.pfn, order: a.order, gfp: formatGfp(a.gfp), cpu: a.cpu };
}

function allocations(m: Machine): AllocationInfo[] {
  return [...m.named.keys()].map((n) => allocationInfo(n, m));
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
