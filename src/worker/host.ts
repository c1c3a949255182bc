/**
 * The worker host: owns one Machine and answers protocol commands (protocol.ts).
 *
 * It runs unchanged inside the Web Worker (worker.ts) and in-process (in_process.ts, for Node and
 * tests): it only needs a `post` function. Every command is wrapped so that a throw becomes an
 * `error` reply; the host keeps its machine whatever a command does.
 */
import { ConfigError } from '../core/config.ts';
import { describePfn } from '../core/inspect.ts';
import { Machine, hex } from '../core/machine.ts';
import { formatGfp, parseGfp } from '../core/mm/gfp.ts';
import { readProc } from '../core/proc/index.ts';
import { frameStateName } from '../core/shared/frame_state.ts';
import { DirtyRanges } from './dirty.ts';
import {
  COMMAND_TYPES,
  type AllocationInfo,
  type Command,
  type CommandType,
  type MachineInfo,
  type Reply,
  type WorkerMessage,
} from './protocol.ts';

export type Post = (msg: WorkerMessage, transfer: Transferable[]) => void;

interface Hosted {
  m: Machine;
  generation: number;
  dirty: DirtyRanges;
  /** printk lines already sent */
  logSent: number;
}

export class MachineHost {
  private cur: Hosted | undefined;
  private generation = 0;

  constructor(private readonly post: Post) {}

  /** Handle one message from the main thread. Never throws. */
  handle(data: unknown): void {
    const cmd = data as Partial<Command> | null;
    const seq = typeof cmd?.seq === 'number' ? cmd.seq : -1;
    const type = cmd?.type;
    if (!cmd || typeof type !== 'string' || !COMMAND_TYPES.includes(type as CommandType)) {
      this.post({ type: 'error', seq, command: 'unknown', message: `not a command: ${describe(data)}` }, []);
      return;
    }
    let reply: Reply;
    const transfer: Transferable[] = [];
    try {
      reply = this.run(cmd as Command, transfer);
    } catch (e) {
      reply = { type: 'error', seq, command: type as CommandType, message: errorMessage(e) };
    }
    // Whatever happened (a failed alloc still prints its warning), send what changed, then the reply.
    this.flush(seq);
    this.post(reply, transfer);
  }

  private machine(): Hosted {
    if (!this.cur) throw new Error('no machine yet: send init first');
    return this.cur;
  }

  private run(cmd: Command, transfer: Transferable[]): Reply {
    const seq = cmd.seq;
    switch (cmd.type) {
      case 'init': {
        // Build the new machine completely before dropping the old one: a ConfigError (or anything
        // else) thrown here leaves the learner's current machine in place.
        const m = new Machine(cmd.config ?? {});
        const h: Hosted = {
          m,
          generation: this.generation + 1,
          dirty: new DirtyRanges(m.pages.nrPages, m.arch.maxPageOrder, m.arch.pageShift),
          logSent: 0,
        };
        if (cmd.boot) m.boot();
        this.generation = h.generation;
        this.cur = h;
        m.trace.subscribe((e) => h.dirty.addEvent(e));
        h.dirty.markAll();
        h.logSent = m.log.length;
        return { type: 'ready', seq, info: this.info(h), log: m.log.slice() };
      }
      case 'bootStep': {
        const h = this.machine();
        const step = h.m.bootStep();
        // The grid's colours depend on how far boot has got (memblock-free vs reserved, memmap
        // initialised or not), not only on the frames a step's events name.
        if (step) h.dirty.markAll();
        return {
          type: 'bootStepped',
          seq,
          step: step ? { phase: step.phase, fn: step.fn, file: step.file, why: step.why } : null,
          info: this.info(h),
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
        h.m.allocNamed(name, order, gfp);
        return {
          type: 'allocated',
          seq,
          allocation: allocationInfo(name, h.m),
          allocations: allocations(h.m),
        };
      }
      case 'free': {
        const h = this.machine();
        h.m.freeNamed(String(cmd.name));
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
    }
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
      steps: m.steps.map((s) => ({ phase: s.phase, fn: s.fn, file: s.file, why: s.why })),
      bootIndex: m.bootIndex,
      booted: m.booted,
      zones: m.alloc.zones
        .filter((z) => z.spannedPages > 0)
        .map((z) => ({ name: z.name, startPfn: z.zoneStartPfn, endPfn: z.endPfn })),
      zeroPagePfn: zero > 0 ? zero : null,
    };
  }
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
