/**
 * The typed, promise-based client the UI uses to drive the machine.
 *
 * It speaks protocol.ts over a Transport: a Web Worker (createWorkerClient) or the host on the same
 * thread (in_process.ts). Callers see the same API either way (v86's bus on both sides of the thread
 * boundary). Each request gets a sequence number; its promise settles when the reply with that number
 * arrives, and notices (frame deltas, printk lines) go to their listeners before it does, so after
 * `await client.statement('alloc', ...)` the renderer already has the new frame states.
 */
import {
  formatProcessOp,
  formatStatement,
  type ProcessOpArgs,
  type ProcessOpName,
  type StatementArgs,
  type StatementName,
} from '../core/scenario/statements.ts';
import type {
  BootProgressNotice,
  Command,
  JournalReply,
  CommandBody,
  CommandType,
  FrameDeltaNotice,
  MachineConfig,
  PrintkNotice,
  ProcessPagesReply,
  RanReply,
  ReplayProgressNotice,
  ReplyTo,
  TimelinePos,
  TimelineReply,
  TimelineStep,
  RunProgressNotice,
  WorkerMessage,
} from './protocol.ts';

/** How many operations' steps the client keeps (a step back across an operation boundary and back). */
const TIMELINE_STEPS_HELD = 4;

/** How messages cross to the host and back. */
export interface Transport {
  send(cmd: Command, transfer?: Transferable[]): void;
  /** Deliver every message from the host to `fn`. */
  listen(fn: (msg: WorkerMessage) => void): void;
  /** Called if the host itself fails (the worker crashed or could not load). */
  onFatal?(fn: (message: string) => void): void;
  close(): void;
}

/** A command failed; `message` is the kernel's or the config checker's explanation. */
export class MachineError extends Error {
  constructor(
    message: string,
    readonly command: CommandType | 'unknown',
  ) {
    super(message);
    this.name = 'MachineError';
  }
}

/** A statement sent by MachineClient.statement failed: its message, and the run reply (state after). */
export class StatementError extends MachineError {
  constructor(
    readonly line: string,
    message: string,
    readonly reply: RanReply,
  ) {
    super(message, 'run');
    this.name = 'StatementError';
  }
}

interface Pending {
  type: CommandType;
  resolve(reply: unknown): void;
  reject(err: Error): void;
}

/**
 * Whether the worker answers: `stuck` when requests have waited `watchdogMs` with no message at
 * all from it (no reply, no progress notice: long work posts progress every slice, so silence means
 * one statement that does not yield), `dead` when the worker itself failed.
 */
export type WorkerHealth =
  | { state: 'ok' }
  | { state: 'stuck'; command: CommandType; silentMs: number }
  | { state: 'dead'; message: string };

export interface ClientOptions {
  /** a fresh transport, for restart() (the browser's: a new Worker) */
  restart?: () => Transport;
  /** report `stuck` after this long without a message while requests wait (0: never) */
  watchdogMs?: number;
}

/** Commands whose success changes the machine: after one, the client keeps a fresh journal copy. */
const CHANGES_MACHINE: ReadonlySet<CommandType> = new Set<CommandType>([
  'init',
  'run',
  'bootStep',
  'bootRunPhase',
  'bootBack',
  'truncate',
]);

/** The default silence before the watchdog reports a stuck worker. */
export const WATCHDOG_MS = 20_000;

export class MachineClient {
  private nextSeq = 1;
  private transport: Transport;
  private health: WorkerHealth = { state: 'ok' };
  private readonly healthListeners = new Set<(h: WorkerHealth) => void>();
  private lastHeard = Date.now();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** the last journal the worker sent after a machine-changing command: what restart() restores */
  private saved: JournalReply | null = null;
  private journalStale = false;
  private readonly pending = new Map<number, Pending>();
  private readonly deltaListeners = new Set<(d: FrameDeltaNotice) => void>();
  private readonly printkListeners = new Set<(n: PrintkNotice) => void>();
  private readonly progressListeners = new Set<(n: BootProgressNotice) => void>();
  private readonly replayListeners = new Set<(n: ReplayProgressNotice) => void>();
  private readonly runProgressListeners = new Set<(n: RunProgressNotice) => void>();
  private quietWaiters: (() => void)[] = [];
  /**
   * When the last frame delta arrived (performance.now() in the page, as the message was received,
   * before any listener ran): the start of the "delta arriving → drawn" figure (bench/browser.ts).
   */
  lastDeltaAt = -1;
  /** processPages windows as last received, by request, with the host's version of each */
  private readonly pageWindows = new Map<
    string,
    { version: number; states: Uint8Array; pfns: Float64Array }
  >();

  constructor(
    transport: Transport,
    private readonly opts: ClientOptions = {},
  ) {
    this.transport = transport;
    this.attach(transport);
    const ms = opts.watchdogMs ?? 0;
    if (ms > 0) this.watchdog = setInterval(() => this.watch(ms), Math.max(50, Math.min(1000, ms / 4)));
  }

  private attach(transport: Transport): void {
    transport.listen((msg) => {
      if (transport === this.transport) this.receive(msg);
    });
    transport.onFatal?.((message) => {
      if (transport !== this.transport) return;
      this.failAll(`The emulator worker failed: ${message}`);
      this.setHealth({ state: 'dead', message });
    });
  }

  /** Reject every waiting request with `message`. */
  private failAll(message: string): void {
    const err = new MachineError(message, 'unknown');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.settleQuiet();
  }

  private watch(ms: number): void {
    if (this.health.state === 'dead' || this.pending.size === 0) return;
    const silent = Date.now() - this.lastHeard;
    if (silent < ms) return;
    const first = this.pending.values().next().value!;
    this.setHealth({ state: 'stuck', command: first.type, silentMs: silent });
  }

  private setHealth(h: WorkerHealth): void {
    const was = this.health;
    this.health = h;
    if (was.state === h.state && h.state !== 'stuck') return;
    for (const fn of this.healthListeners) fn(h);
  }

  /** Whether the worker answers (the watchdog's view). */
  get workerHealth(): WorkerHealth {
    return this.health;
  }

  /** The watchdog's reports: stuck, dead, and ok again (a stuck worker that answered after all). */
  onHealth(fn: (h: WorkerHealth) => void): () => void {
    this.healthListeners.add(fn);
    return () => this.healthListeners.delete(fn);
  }

  /** The journal restart() would restore: the state after the last machine-changing command. */
  get savedJournal(): JournalReply | null {
    return this.saved;
  }

  /**
   * Replace the worker with a fresh one (a stuck one is terminated): every waiting request fails,
   * and the caller rebuilds the machine from the returned journal (the last state saved, i.e. after
   * the last command that completed; null when nothing was saved yet).
   */
  restart(): JournalReply | null {
    if (!this.opts.restart) throw new MachineError('this client cannot restart its worker', 'unknown');
    this.transport.close();
    this.failAll('The emulator worker was restarted; this request was lost');
    this.pageWindows.clear();
    this.transport = this.opts.restart();
    this.attach(this.transport);
    this.lastHeard = Date.now();
    this.setHealth({ state: 'ok' });
    return this.saved;
  }

  /** After a machine-changing command, fetch the journal once the worker is quiet. */
  private saveJournal(): void {
    if (!this.journalStale || this.pending.size > 0) return;
    this.journalStale = false;
    this.journal().then(
      (j) => {
        if (!this.journalStale) this.saved = j;
      },
      () => {},
    );
  }

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Resolves when no request is waiting for its reply. */
  whenQuiet(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.quietWaiters.push(resolve));
  }

  /** Frame states changed (or a new machine started: a delta with a new generation). */
  onFrameDelta(fn: (d: FrameDeltaNotice) => void): () => void {
    this.deltaListeners.add(fn);
    return () => this.deltaListeners.delete(fn);
  }

  /** The kernel printed something. */
  onPrintk(fn: (n: PrintkNotice) => void): () => void {
    this.printkListeners.add(fn);
    return () => this.printkListeners.delete(fn);
  }

  /** A long boot replay (`bootBack`) made progress. */
  onBootProgress(fn: (n: BootProgressNotice) => void): () => void {
    this.progressListeners.add(fn);
    return () => this.progressListeners.delete(fn);
  }

  /** A timeline replay (`seek`, `truncate`) made progress. */
  onReplayProgress(fn: (n: ReplayProgressNotice) => void): () => void {
    this.replayListeners.add(fn);
    return () => this.replayListeners.delete(fn);
  }

  /** A long `run` made progress (posted between its slices). */
  onRunProgress(fn: (n: RunProgressNotice) => void): () => void {
    this.runProgressListeners.add(fn);
    return () => this.runProgressListeners.delete(fn);
  }

  /** Send any command; resolves with its reply, rejects with a MachineError. */
  request<T extends CommandType>(body: CommandBody<T>, transfer?: Transferable[]): Promise<ReplyTo[T]> {
    const seq = this.nextSeq++;
    const cmd = { ...body, seq } as unknown as Command;
    if (this.health.state === 'dead')
      return Promise.reject(
        new MachineError(`The emulator worker has stopped (${this.health.message}): restart it`, cmd.type),
      );
    if (this.pending.size === 0) this.lastHeard = Date.now();
    return new Promise<ReplyTo[T]>((resolve, reject) => {
      this.pending.set(seq, { type: cmd.type, resolve: resolve as (r: unknown) => void, reject });
      try {
        this.transport.send(cmd, transfer);
      } catch (e) {
        this.pending.delete(seq);
        this.settleQuiet();
        reject(new MachineError(e instanceof Error ? e.message : String(e), cmd.type));
      }
    });
  }

  // --- one method per command (protocol.ts documents each) ---------------------------------------

  init(config: Partial<MachineConfig>, boot = true) {
    return this.request<'init'>({ type: 'init', config, boot });
  }

  bootStep() {
    return this.request<'bootStep'>({ type: 'bootStep' });
  }

  /** Run to the first step of the next boot phase. */
  bootRunPhase() {
    return this.request<'bootRunPhase'>({ type: 'bootRunPhase' });
  }

  /** One boot step back (the host replays the steps before it). */
  bootBack() {
    return this.request<'bootBack'>({ type: 'bootBack' });
  }

  archInfo() {
    return this.request<'archInfo'>({ type: 'archInfo' });
  }

  memblock() {
    return this.request<'memblock'>({ type: 'memblock' });
  }

  readProc(path: string) {
    return this.request<'readProc'>({ type: 'readProc', path });
  }

  describePfn(pfn: number) {
    return this.request<'describePfn'>({ type: 'describePfn', pfn });
  }

  frames(from: number, to: number) {
    return this.request<'frames'>({ type: 'frames', from, to });
  }

  /** The value an `expect` would compare (`/proc/A/status:VmRSS`, `huge_zero_refcount`, ...). */
  value(what: string) {
    return this.request<'value'>({ type: 'value', what });
  }

  printVar(name: string) {
    return this.request<'printVar'>({ type: 'printVar', name });
  }

  /** Run scenario lines; resolves with what they printed and any structured errors. */
  run(lines: string) {
    return this.request<'run'>({ type: 'run', lines });
  }

  /**
   * Run one statement from typed arguments: `statement('alloc', { name: 'k1', order: 3 })` sends
   * the line `alloc k1 order=3` as a `run`, formatted by the statement's declaration
   * (src/core/scenario/statements.ts), so the app's buttons and a typed scenario take one path:
   * the same checks, and the timeline journals the line as text. Resolves with the run reply
   * (its `result` holds a statement's structured result); rejects with a StatementError carrying
   * the statement's located message when it failed.
   */
  statement<N extends StatementName>(name: N, args: StatementArgs<N>): Promise<RanReply> {
    return this.runOne(formatStatement(name, args));
  }

  /** A process's operation from typed arguments: `processOp('A', 'fork', { child: 'B' })`. */
  processOp<N extends ProcessOpName>(process: string, op: N, args: ProcessOpArgs<N>): Promise<RanReply> {
    return this.runOne(formatProcessOp(process, op, args));
  }

  private async runOne(line: string): Promise<RanReply> {
    const r = await this.run(line);
    const e = r.errors[0];
    if (e) throw new StatementError(line, e.message, r);
    if (r.cancelled) throw new StatementError(line, `${line}: cancelled`, r);
    return r;
  }

  processes() {
    return this.request<'processes'>({ type: 'processes' });
  }

  /**
   * A window of a region's pages, always whole to the caller. The client keeps the last window it
   * got for each (process, region, window) and asks for only what changed since (`have`); a delta
   * reply is applied to it, so a COW click on a 1M-page region moves a few bytes, not 9 MB, and
   * copies nothing. The buffers are the client's own and a later call for the same window patches
   * them in place: a caller that wants to compare before with after copies what it needs first.
   * `changed`: the pages patched into the window held at version `base` (null: a whole window the
   * client held none of; a whole window replacing one it held is compared with it and patched in).
   */
  async processPages(
    name: string,
    region: string,
    firstPage?: number,
    count?: number,
  ): Promise<ProcessPagesReply & { changed: { base: number; pages: Uint32Array } | null }> {
    const key = `${name}\0${region}\0${firstPage ?? 0}\0${count ?? -1}`;
    const held = this.pageWindows.get(key);
    const reply = await this.request<'processPages'>({
      type: 'processPages',
      name,
      region,
      firstPage,
      count,
      have: held?.version,
    });
    let states: Uint8Array = new Uint8Array(reply.states);
    let pfns: Float64Array = new Float64Array(reply.pfns);
    const delta = reply.delta;
    let changed: { base: number; pages: Uint32Array } | null = null;
    const now = this.pageWindows.get(key); // as held now (a concurrent request may have replaced it)
    if (!delta && now && now.states.length === reply.count && now.pfns.length === reply.count) {
      // A whole window where we hold one (after a seek the host walks the shown machine afresh):
      // patched into ours like a delta, so the views see only the pages that differ (most often a
      // few, or none) and repaint, recount and relink only those.
      const diff = diffWindow(now.states, now.pfns, states, pfns);
      changed = { base: now.version, pages: diff };
      states = now.states;
      pfns = now.pfns;
    } else if (delta) {
      // The host answers in order and only sends a delta against the version we named; a window
      // forgotten since (restart) or replaced by a concurrent request is asked for whole.
      const base = this.pageWindows.get(key);
      if (!base || base.version !== delta.base || base.states.length !== reply.count)
        return this.refetchWhole(key, name, region, firstPage, count);
      const pages = new Uint32Array(delta.pages);
      for (let k = 0; k < pages.length; k++) {
        base.states[pages[k]!] = states[k]!;
        base.pfns[pages[k]!] = pfns[k]!;
      }
      states = base.states;
      pfns = base.pfns;
    }
    this.pageWindows.delete(key); // re-insert: the map is kept in least-recently-used order
    this.pageWindows.set(key, { version: reply.version, states, pfns });
    while (this.pageWindows.size > 4) this.pageWindows.delete(this.pageWindows.keys().next().value!);
    if (delta) changed = { base: delta.base, pages: new Uint32Array(delta.pages) };
    return {
      ...reply,
      delta: null,
      changed,
      states: states.buffer as ArrayBuffer,
      pfns: pfns.buffer as ArrayBuffer,
    };
  }

  private refetchWhole(
    key: string,
    name: string,
    region: string,
    firstPage?: number,
    count?: number,
  ): ReturnType<MachineClient['processPages']> {
    this.pageWindows.delete(key);
    return this.processPages(name, region, firstPage, count);
  }

  walk(name: string, va: number) {
    return this.request<'walk'>({ type: 'walk', name, va });
  }

  hugeInfo() {
    return this.request<'hugeInfo'>({ type: 'hugeInfo' });
  }

  unmappedInfo() {
    return this.request<'unmappedInfo'>({ type: 'unmappedInfo' });
  }

  inspectFrame(pfn: number) {
    return this.request<'inspectFrame'>({ type: 'inspectFrame', pfn });
  }

  freeLists() {
    return this.request<'freeLists'>({ type: 'freeLists' });
  }

  /** Swap devices, the swap cache, swap counters and each zone's watermarks and LRU sizes. */
  swapInfo() {
    return this.request<'swapInfo'>({ type: 'swapInfo' });
  }

  /** One swap slot in detail, with the swap PTEs that hold its entry. */
  swapSlot(swapType: number, offset: number) {
    return this.request<'swapSlot'>({ type: 'swapSlot', swapType, offset });
  }

  /** The operation log, where the view is, and the steps of operation `op`. */
  async timeline(op: number | null): Promise<TimelineReply> {
    const r = await this.request<'timeline'>({ type: 'timeline', op, have: [...this.timelineSteps.keys()] });
    if (r.opId === null) return r;
    if (r.stepsHeld) {
      const steps = this.timelineSteps.get(r.opId);
      // the worker thought we held them; we do unless a concurrent call evicted them: ask again whole
      if (!steps) return this.request<'timeline'>({ type: 'timeline', op });
      this.timelineSteps.delete(r.opId); // most recently used last
      this.timelineSteps.set(r.opId, steps);
      return { ...r, steps, stepsHeld: false };
    }
    this.timelineSteps.set(r.opId, r.steps);
    while (this.timelineSteps.size > TIMELINE_STEPS_HELD)
      this.timelineSteps.delete(this.timelineSteps.keys().next().value!);
    return r;
  }
  /** The steps of the last few operations listed, by operation id (TimelineReply.opId), oldest first. */
  private readonly timelineSteps = new Map<number, TimelineStep[]>();

  /** Show the machine at a timeline position (null: live). */
  seek(pos: TimelinePos | null) {
    return this.request<'seek'>({ type: 'seek', pos });
  }

  /** Continue from the position the view is at, dropping the later operations. */
  truncate() {
    return this.request<'truncate'>({ type: 'truncate' });
  }

  /** Stop the long command now running (answered at once; the command then replies as cancelled). */
  cancel() {
    return this.request<'cancel'>({ type: 'cancel' });
  }

  /** The config and scenario text that rebuild the machine (share links). */
  journal() {
    return this.request<'journal'>({ type: 'journal' });
  }

  /** The config a scenario `machine` line asks for, or where it is wrong. */
  machineConfig(line: string) {
    return this.request<'machineConfig'>({ type: 'machineConfig', line });
  }

  /** The trace events the worker kept. */
  trace() {
    return this.request<'trace'>({ type: 'trace' });
  }

  /** The emulator's own memory use; `budget` (bytes) sets the memory budget first. */
  async memory(budget?: number) {
    return (await this.request<'memory'>({ type: 'memory', ...(budget === undefined ? {} : { budget }) }))
      .use;
  }

  close(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.transport.close();
  }

  private receive(msg: WorkerMessage): void {
    this.lastHeard = Date.now();
    if (this.health.state === 'stuck') this.setHealth({ state: 'ok' });
    switch (msg.type) {
      case 'frameDelta':
        this.lastDeltaAt = typeof performance === 'undefined' ? -1 : performance.now();
        for (const fn of this.deltaListeners) fn(msg);
        return;
      case 'printk':
        for (const fn of this.printkListeners) fn(msg);
        return;
      case 'bootProgress':
        for (const fn of this.progressListeners) fn(msg);
        return;
      case 'replayProgress':
        for (const fn of this.replayListeners) fn(msg);
        return;
      case 'runProgress':
        for (const fn of this.runProgressListeners) fn(msg);
        return;
    }
    const p = this.pending.get(msg.seq);
    if (!p) {
      if (msg.type === 'error') console.error(`mm-lab worker: ${msg.message}`);
      return;
    }
    this.pending.delete(msg.seq);
    if (msg.type === 'error') p.reject(new MachineError(msg.message, msg.command));
    else {
      if (this.opts.restart && CHANGES_MACHINE.has(p.type)) this.journalStale = true;
      p.resolve(msg);
    }
    this.saveJournal();
    this.settleQuiet();
  }

  private settleQuiet(): void {
    if (this.pending.size > 0) return;
    const waiters = this.quietWaiters;
    this.quietWaiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Patch window `into` (states, pfns) with `from` where they differ; returns the pages that did.
 * Both pairs have one length.
 */
function diffWindow(
  intoStates: Uint8Array,
  intoPfns: Float64Array,
  fromStates: Uint8Array,
  fromPfns: Float64Array,
): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < fromStates.length; i++)
    if (intoStates[i] !== fromStates[i] || intoPfns[i] !== fromPfns[i]) {
      intoStates[i] = fromStates[i]!;
      intoPfns[i] = fromPfns[i]!;
      out.push(i);
    }
  return Uint32Array.from(out);
}

/** A transport over a dedicated Worker. */
export function workerTransport(worker: Worker): Transport {
  let fatal: ((message: string) => void) | undefined;
  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    fatal?.(ev.message || 'the worker script could not run');
  });
  return {
    send(cmd, transfer = []) {
      worker.postMessage(cmd, transfer);
    },
    listen(fn) {
      worker.addEventListener('message', (ev: MessageEvent<WorkerMessage>) => fn(ev.data));
    },
    onFatal(fn) {
      fatal = fn;
    },
    close() {
      worker.terminate();
    },
  };
}

/** The browser's client: the machine lives in a module worker built from worker.ts. */
export function createWorkerClient(): MachineClient {
  const make = () =>
    workerTransport(
      new Worker(new URL('./worker.ts', import.meta.url), {
        type: 'module',
        name: 'mm-lab-machine',
      }),
    );
  return new MachineClient(make(), { restart: make, watchdogMs: WATCHDOG_MS });
}
