/**
 * The scenario runner: executes a parsed scenario against a Machine. Shared by the CLI, the worker
 * and the tests. Output goes through `out`; the result says how it ended.
 *
 * Exit codes (the CLI's): 0 every expect held, 1 an expect failed (the run goes on and reports each
 * one), 2 the scenario is malformed or asks for something impossible (stops at once, `line:col`).
 */
import { protWrites } from '../shared/prot.ts';
import { ConfigError, DEFAULT_CONFIG, DEFAULT_RAM, fmtSize, type MachineConfig } from '../config.ts';
import { cloneThread, exitGroup, exitTask, forkTask, spawnTask } from '../kernel/fork.ts';
import { doMmap, sysMadvise, sysMprotect, sysMunmap, type Advice } from '../mm/mmap.ts';
import { mmPopulate } from '../mm/gup.ts';
import { sysMlock, sysMlockall, sysMunlock, sysMunlockall } from '../mm/mlock.ts';
import { ksmCounters, ksmDoScan, ksmUnmergeAll } from '../mm/ksm.ts';
import { userfaultfdRegister, userfaultfdZeropage } from '../mm/userfaultfd.ts';
import { sysMremap } from '../mm/mremap.ts';
import { sysBrk } from '../mm/brk.ts';
import { largestZeroFolio, shrinkSlab } from '../mm/huge_memory.ts';
import { TooManyBios, blkdevIssueZeroPages, checkZerooutArgs } from '../block/blk-lib.ts';
import {
  BudgetExceeded,
  LIMITS,
  LIMIT_NAMES,
  Limits,
  fmtBytes,
  type LimitName,
  type MemoryBudget,
} from './limits.ts';
import { CHUNK_SIZE } from '../phys/ram.ts';
import { MM_ANONPAGES, type MmStruct, type ShmemFile, type Task } from '../mm/mm_types.ts';
import {
  DEFAULT_READ_AHEAD_KB,
  fileCreate,
  filemapWriteAndWait,
  invalidateMappingPages,
} from '../mm/filemap.ts';
import { lruAddDrainAll } from '../mm/rmap.ts';
import { kpagecount, kpageflags, pagemapEntry } from '../proc/page.ts';
import { hexdumpLines, userRead, userReadBytes, userWrite, type ReadBytes } from '../user.ts';
import { KernelAllocError, Machine, hex } from '../machine.ts';
import {
  directMapModelled,
  kernelPagePresent,
  setDirectMapDefaultNoflush,
  setDirectMapInvalidNoflush,
} from '../mm/direct_map.ts';
import { describeTlb, flushTlbKernelRange, flushTlbLocal, switchMm, TlbShootdownRefused } from '../mm/tlb.ts';
import { MemblockError } from '../mm/memblock.ts';
import { readSymbol, SYMBOL_NAMES, SymbolError } from '../symbols.ts';
import { sysSwapon } from '../mm/swapfile.ts';
import { userProactiveReclaim } from '../mm/vmscan.ts';
import { GFP, GFP_MASKS } from '../mm/gfp.ts';
import {
  MERMAP_CPU_PAGES,
  MermapOops,
  currentMm,
  describeMermap,
  mermapMmPrepare,
  preemptHolder,
  resumeHolders,
} from '../mm/mermap.ts';
import { ProcError, readProc } from '../proc/index.ts';
import { checkInvariants } from '../check.ts';
import {
  ScenarioError,
  lookup,
  parseNumber,
  parseScenario,
  tokenize,
  type Stmt,
  type Token,
} from './parse.ts';
import {
  PROCESS_OPS,
  PROCESS_OP_NAMES,
  RESULT_BIOS,
  STATEMENTS,
  STATEMENT_NAMES,
  checkArgs,
  processOpDecl,
  statementDecl,
  usage,
  type Checked,
  type ExpectOp,
  type ProcessOpName,
  type ProcessOpValues,
  type StatementName,
  type StatementResult,
  type StatementValues,
} from './statements.ts';

export interface RunResult {
  exitCode: 0 | 1 | 2;
  /** the failed expects, as printed */
  failures: string[];
  /** the malformed-scenario error, if any */
  error?: ScenarioError;
  /** with `check`: the invariants the first statement that broke them broke (the run stopped there) */
  violation?: { line: number; col: number; text: string; errors: string[] };
  machine: Machine | undefined;
  session: Session;
}

export interface RunOptions {
  /** standard output */
  out: (text: string) => void;
  /** called with the machine as soon as it exists (the worker subscribes to its events) */
  onMachine?: (m: Machine) => void;
  /** called before each statement; return false to cancel the run */
  onStatement?: (s: Stmt, index: number, total: number) => boolean | void;
  /**
   * Run the invariant checker (check.ts) after every statement and stop at the first that leaves
   * the machine inconsistent: a bug in the emulator, reported at the statement that caused it.
   */
  check?: boolean;
  /** units per slice of a long statement (STATEMENT_SLICE); tests vary it to show slicing changes nothing */
  slice?: number;
}

/**
 * What one slice of a long statement covers: pages a populate faults in, lines a pagemap prints.
 * A slice is tens of milliseconds of work, so a host that looks at its messages between slices
 * (the worker) sees a Cancel promptly; a statement of one slice or less runs exactly as before.
 */
export const STATEMENT_SLICE = 16_384;
/**
 * Pages per slice of a `checksum`: each of its pages is 4,096 byte loads and digest steps (a
 * populate's is one fault), so 1,024 pages (4 MiB) is about as long as a populate's slice.
 */
export const CHECKSUM_SLICE = 1_024;

/**
 * A statement that works page by page over a range too big to do at once (a populate of gigabytes,
 * a long pagemap). `Session.begin` made its checks and did what happens at once (the mmap itself);
 * `step` runs the rest a slice at a time, so a host can post progress and stop between slices.
 *
 * Stopped early, the machine is as the kernel leaves it when a fatal signal interrupts a populate
 * (__get_user_pages checks fatal_signal_pending between pages and returns -EINTR): the pages
 * faulted so far stay, the rest are not touched. `cut()` says that as scenario lines.
 */
export interface StatementWork {
  /** units done so far */
  readonly done: number;
  /** units in the whole statement */
  readonly total: number;
  /** what is counted: 'pages' (populate) or 'lines' (pagemap) */
  readonly unit: 'pages' | 'lines';
  /** Run the next slice; true when the statement has finished (or stopped, e.g. killed by OOM). */
  step(): boolean;
  /** Lines that rebuild the machine as it is now: the statement cut where it stopped (journal). */
  cut(): string[];
}

/** The statement names (statements.ts declares each): no process may take one as its name. */
export const COMMANDS: readonly string[] = STATEMENT_NAMES;

/** The most bytes one `dump` prints (a `checksum` reads any length the accesses limit allows). */
const DUMP_MAX = 64 * 1024;

/** Variables `print` and `expect` know (in some era and arch: symbols.ts says which). */
export const VARIABLE_NAMES = SYMBOL_NAMES;

/** A process the scenario named, and the regions it mapped by name. */
export interface ScenarioProcess {
  name: string;
  task: Task;
  /** `brk` marks the region `heap` that `A brk` keeps in step with the break (a user's own region named heap is not) */
  regions: Map<string, { start: number; len: number; brk?: true }>;
}

/**
 * A scenario being run: the machine and the names the scenario gave to things. `exec` runs one
 * statement, so the worker can drive the same language one operation at a time.
 */
export class Session {
  machine: Machine | undefined;
  config: MachineConfig = { ...DEFAULT_CONFIG };
  readonly failures: string[] = [];
  readonly procs = new Map<string, ScenarioProcess>();
  /** the CPU the next operations run on (`cpu <n>`) */
  cpu = 0;
  /** what one statement may cost (limits.ts); `limit <name>=<n>` raises one */
  readonly limits = new Limits();
  /**
   * The host's memory budget and what it holds, when it runs statements live (the worker sets it
   * before each one); null: nothing is refused for memory (the CLI, tests, timeline replays).
   */
  memory: MemoryBudget | null = null;
  private logSeen = 0;
  /**
   * What the last statement that has a structured result gave (statements.ts StatementResult):
   * the worker puts it in its `run` reply, so the UI shows it without parsing the output.
   */
  lastResult: StatementResult | undefined;
  /** what the last blkdev_zeroout built (expect blkdev_bios / blkdev_bvecs) */
  private lastZeroout: { bios: number; bvecs: number } | undefined;
  /** what the last `dump` or `checksum` read (expect dump, dump_sum, ...) */
  private lastDump:
    { text: string | undefined; len: number; sum: number; nonzero: number; crc32: number } | undefined;

  constructor(private readonly opts: RunOptions) {}

  /**
   * The value an `expect` would compare, for `what` as `expect` writes it (`/proc/A/status:VmRSS`,
   * `huge_zero_refcount`, `blkdev_bvecs`...): lessons read their reveals through this, in the
   * worker and in the tests alike. A bad name throws a ScenarioError (line 1).
   */
  value(what: string): number | string {
    const toks = tokenize(what, 1);
    if (toks.length !== 1) throw new ScenarioError(1, 1, `value: expected one thing to read, got '${what}'`);
    const s: Stmt = { line: 1, cmd: 'expect', cmdCol: 1, args: toks, text: what };
    return this.expectValue(s, toks[0]!);
  }

  /** Adopt a machine made elsewhere (the worker's init): its log so far counts as already shown. */
  attach(m: Machine): void {
    this.machine = m;
    this.config = { ...m.cfg };
    this.logSeen = m.log.length;
    this.notesSeen = m.notes.length;
  }

  /** The host showed the kernel log another way (after acting on the machine directly): skip it. */
  syncLog(): void {
    this.logSeen = this.machine?.log.length ?? 0;
    this.notesSeen = this.machine?.notes.length ?? 0;
  }

  private out(text: string): void {
    this.opts.out(text);
  }

  private notesSeen = 0;

  /** Print the kernel log lines, then the emulator's notes (prefixed "# "), new since last time. */
  private flushLog(): void {
    const m = this.machine;
    if (!m) return;
    for (; this.logSeen < m.log.length; this.logSeen++) this.out(m.log[this.logSeen] + '\n');
    for (; this.notesSeen < m.notes.length; this.notesSeen++) this.out(`# ${m.notes[this.notesSeen]}\n`);
  }

  private getMachine(s: Stmt): Machine {
    if (!this.machine) {
      try {
        this.machine = new Machine(this.config);
      } catch (e) {
        if (e instanceof ConfigError) throw new ScenarioError(s.line, configErrorCol(s, e), e.message);
        throw e;
      }
      this.opts.onMachine?.(this.machine);
    }
    return this.machine;
  }

  private needBooted(s: Stmt): Machine {
    const m = this.getMachine(s);
    if (!m.booted)
      throw new ScenarioError(
        s.line,
        s.cmdCol,
        `${s.cmd}: the machine has not finished booting; add 'boot' first`,
      );
    return m;
  }

  /** the scenario's processes still running, in the order they were made */
  private readonly running = new Set<ScenarioProcess>();

  /**
   * Report processes that died during the last statement (SIGSEGV, the OOM killer). Only when a
   * task exited (Machine.nrExited moved) are the running ones looked at: a statement costs the
   * same with 40,000 processes as with one.
   */
  private reportDeaths(exitedBefore: number): void {
    if ((this.machine?.nrExited ?? 0) === exitedBefore) return;
    for (const p of this.running)
      if (p.task.state !== 'R') {
        this.running.delete(p);
        this.lastDeaths.push(p);
        this.out(`${p.name}: ${p.task.exit}\n`);
      }
  }

  /** the processes that died during the last statement exec() ran (the worker reports them) */
  lastDeaths: ScenarioProcess[] = [];

  private addProcess(p: ScenarioProcess): void {
    this.procs.set(p.name, p);
    this.running.add(p);
  }

  /** Run statement `s` to its end (a long one slice after slice: the same work as a host's). */
  exec(s: Stmt): void {
    const work = this.begin(s);
    if (work) while (!work.step());
  }

  /**
   * Start statement `s`: a short one runs whole and gives undefined; a long one (a populate or a
   * pagemap of more than STATEMENT_SLICE pages) makes its checks, does what happens at once, and
   * comes back as work whose `step()` runs it a slice at a time. After `begin` and each `step`, the
   * kernel log is printed and `lastDeaths` holds the processes that died in it.
   */
  begin(s: Stmt): StatementWork | undefined {
    this.lastResult = undefined;
    const w = this.around(() => this.exec1(s));
    if (!w) return undefined;
    return {
      get done() {
        return w.done;
      },
      total: w.total,
      unit: w.unit,
      step: () => this.around(() => w.step()),
      cut: () => w.cut(),
    };
  }

  /** Run `f` as (part of) a statement: print the kernel log after it and note who died. */
  private around<T>(f: () => T): T {
    const exitedBefore = this.machine?.nrExited ?? 0;
    this.lastDeaths = [];
    try {
      return f();
    } finally {
      this.flushLog();
      this.reportDeaths(exitedBefore);
    }
  }

  /** Check statement `s` against its declaration (statements.ts): its typed arguments. */
  private check<N extends StatementName>(s: Stmt, name: N): Checked<StatementValues<N>> {
    const d = STATEMENTS[name];
    return checkArgs(d, s.args, {
      line: s.line,
      what: s.cmd,
      usage: usage(d),
      at: { text: s.cmd, col: s.cmdCol, quoted: false },
      machine: (needs) => (needs === 'booted' ? this.needBooted(s) : this.getMachine(s)),
    });
  }

  /** Check a process's operation (`A read ...`, the operation at s.args[0]): its typed arguments. */
  private checkOp<N extends ProcessOpName>(s: Stmt, p: ScenarioProcess, op: N): Checked<ProcessOpValues<N>> {
    const d = PROCESS_OPS[op];
    return checkArgs(d, s.args.slice(1), {
      line: s.line,
      what: `${p.name} ${op}`,
      usage: `${p.name} ${usage(d)}`,
      at: s.args[0]!,
      machine: () => this.machine!,
    });
  }

  /**
   * blkdev_zeroout <bytes> [zero=page|largest] [max_transfer=<bytes>]: the bios that
   * __blkdev_issue_zero_pages() builds to zero a range of a device without WRITE_ZEROES.
   */
  private blkdevZeroout(s: Stmt): void {
    const { v, t } = this.check(s, 'blkdev_zeroout');
    const m = this.machine!;
    const { bytes, max_transfer: maxTransfer } = v;
    const bad = checkZerooutArgs(bytes, maxTransfer);
    if (bad?.arg === 'bytes')
      throw new ScenarioError(s.line, t.bytes!.col, `blkdev_zeroout: ${t.bytes!.text} ${bad.why}`);
    if (bad)
      throw new ScenarioError(
        s.line,
        t.max_transfer!.col,
        `blkdev_zeroout: max_transfer=${t.max_transfer!.text}: ${bad.why}`,
      );
    const buf =
      (v.zero ?? 'largest') === 'largest' ? largestZeroFolio(m) : { pfn: m.zeroPfn(0), bytes: m.pageSize };
    let r;
    try {
      r = blkdevIssueZeroPages(bytes, buf.bytes, m.pageSize, maxTransfer, this.limits.get('zeroout_bios'));
    } catch (e) {
      if (!(e instanceof TooManyBios)) throw e;
      const over = new BudgetExceeded('zeroout_bios', e.need, e.allowed);
      throw new ScenarioError(
        s.line,
        (e.split ? t.max_transfer! : t.bytes!).col,
        `blkdev_zeroout: ${over.message}`,
      );
    }
    this.lastZeroout = { bios: r.bios.length, bvecs: r.bvecs };
    const bio = (b: { sector: number; bytes: number; vecs?: number }) => ({
      sector: b.sector,
      bytes: b.bytes,
      vecs: b.vecs ?? 0,
    });
    this.lastResult = {
      statement: 'blkdev_zeroout',
      bytes,
      zero: v.zero ?? 'largest',
      buffer: { pfn: buf.pfn, bytes: buf.bytes },
      bios: r.bios.length,
      bvecs: r.bvecs,
      firstBios: r.bios.slice(0, RESULT_BIOS).map(bio),
      split: r.split ? { bios: r.split.length, first: r.split.slice(0, RESULT_BIOS).map(bio) } : null,
    };
    let out = `blkdev_zeroout: ${bytes} bytes from a ${buf.bytes / 1024} KiB zero buffer (pfn 0x${buf.pfn.toString(16)}): ${r.bios.length} bios, ${r.bvecs} bvecs\n`;
    // the bios themselves: the first few, then how many more of the same shape
    const SHOW = 4;
    const kib = (n: number) => `${n / 1024} KiB`;
    r.bios.slice(0, SHOW).forEach((b, i) => {
      out += `  bio ${i}: sector ${b.sector}, ${b.vecs} bvecs x ${kib(buf.bytes)} -> ${kib(b.bytes)}\n`;
    });
    if (r.bios.length > SHOW) out += `  ... ${r.bios.length - SHOW} more\n`;
    if (r.split) {
      out += `after bio_split_to_limits() with max_transfer=${maxTransfer}: ${r.split.length} bios\n`;
      r.split.slice(0, SHOW).forEach((b, i) => {
        out += `  bio ${i}: sector ${b.sector}, ${kib(b.bytes)}\n`;
      });
      if (r.split.length > SHOW) out += `  ... ${r.split.length - SHOW} more\n`;
    }
    this.out(out);
  }

  private exec1(s: Stmt): StatementWork | void {
    const proc = this.procs.get(s.cmd);
    if (proc) return this.execProcess(s, proc);
    if (!statementDecl(s.cmd))
      throw new ScenarioError(
        s.line,
        s.cmdCol,
        `unknown command '${s.cmd}' (commands: ${COMMANDS.join(', ')}, or a process name)`,
      );
    switch (s.cmd as StatementName) {
      case 'machine': {
        if (this.machine)
          throw new ScenarioError(
            s.line,
            s.cmdCol,
            "machine: must come before 'boot' and any other operation",
          );
        this.config = parseMachine(s, this.config);
        this.getMachine(s);
        return;
      }
      case 'boot': {
        const { v, t } = this.check(s, 'boot');
        const m = this.getMachine(s);
        const until = v.until;
        if (until !== undefined && !m.steps.some((st) => st.fn === until))
          throw new ScenarioError(
            s.line,
            t.until!.col,
            `boot: no boot step '${until}' (steps: ${m.steps.map((st) => st.fn).join(', ')})`,
          );
        if (m.booted) throw new ScenarioError(s.line, s.cmdCol, 'boot: the machine has already booted');
        if (until !== undefined && m.steps.findIndex((st) => st.fn === until) < m.bootIndex)
          throw new ScenarioError(
            s.line,
            t.until!.col,
            `boot: already past '${until}' (the next step is ${m.steps[m.bootIndex]!.fn})`,
          );
        m.boot(until);
        return;
      }
      case 'step': {
        this.check(s, 'step');
        const m = this.getMachine(s);
        const st = m.bootStep();
        if (!st) throw new ScenarioError(s.line, s.cmdCol, 'step: boot is already complete');
        this.out(`step: ${st.phase} → ${st.fn} (${st.file})\n`);
        return;
      }
      case 'cpu': {
        this.cpu = this.check(s, 'cpu').v.cpu;
        return;
      }
      case 'alloc':
        return this.execAlloc(s);
      case 'free': {
        const { v, t } = this.check(s, 'free');
        const m = this.machine!;
        if (!m.named.has(v.name))
          throw new ScenarioError(
            s.line,
            t.name!.col,
            `free: nothing is allocated under the name '${v.name}'`,
          );
        if (this.freeWouldOops(m, v.name, v.cpu)) return;
        try {
          m.freeNamed(v.name, v.cpu);
        } catch (e) {
          // init_on_free through the mermap can oops as the allocation side can (v2).
          if (!(e instanceof MermapOops)) throw e;
          this.out(`free ${v.name}: ${e.message}\n`);
        }
        return;
      }
      case 'drain': {
        this.check(s, 'drain');
        this.machine!.alloc.drainAllPages();
        return;
      }
      case 'sleep': {
        // Time passes: RCU grace periods complete (deferred page-table frees happen).
        this.check(s, 'sleep');
        this.machine!.synchronizeRcu();
        return;
      }
      case 'drop_caches': {
        // echo 3 > /proc/sys/vm/drop_caches: drop_slab() → shrink_slab() runs every shrinker, the
        // THP ones among them: thp-deferred_split (splits underused and partially mapped THPs)
        // and thp-zero (frees the huge zero folio nobody maps).
        this.check(s, 'drop_caches');
        const m = this.machine!;
        // drop_caches_sysctl_handler(): lru_add_drain_all(), then drop_pagecache_sb(): every
        // file's clean, unmapped page-cache pages (not shmem); DROP_PAGECACHE, later DROP_SLAB
        lruAddDrainAll(m);
        let dropped = 0;
        m.trace.call('invalidate_mapping_pages', () => {
          for (const f of m.files.values()) dropped += invalidateMappingPages(m, f, this.cpu);
        });
        m.vmstat.inc('drop_pagecache');
        if (dropped) this.out(`drop_caches: ${dropped} page-cache page${dropped === 1 ? '' : 's'} dropped\n`);
        const { split, hugeZeroFreed: freed } = shrinkSlab(m, this.cpu);
        m.vmstat.inc('drop_slab');
        m.alloc.drainAllPages();
        this.lastResult = split
          ? { statement: 'drop_caches', freed, split }
          : { statement: 'drop_caches', freed };
        if (split)
          this.out(`drop_caches: thp-deferred_split shrinker split ${split} THP${split === 1 ? '' : 's'}\n`);
        this.out(`drop_caches: thp-zero shrinker freed ${freed} pages\n`);
        return;
      }
      case 'blkdev_zeroout': {
        this.blkdevZeroout(s);
        return;
      }
      case 'swapon': {
        this.execSwapon(s);
        return;
      }
      case 'zswap': {
        // /sys/module/zswap/parameters: enabled, max_pool_percent, accept_threshold_percent.
        // Turning it off keeps what the pool holds: those pages still load from it.
        const { v } = this.check(s, 'zswap');
        const z = this.machine!.zswap;
        z.enabled = v.state === 'on';
        if (v.max_pool_percent !== undefined) z.maxPoolPercent = v.max_pool_percent;
        if (v.accept_threshold_percent !== undefined) z.acceptThrPercent = v.accept_threshold_percent;
        this.out(
          `zswap: ${z.enabled ? 'on' : 'off'}, max_pool_percent ${z.maxPoolPercent}, ` +
            `accept_threshold_percent ${z.acceptThrPercent}, ${z.tree.size} pages stored\n`,
        );
        return;
      }
      case 'ksm': {
        // /sys/kernel/mm/ksm: use_zero_pages=, then run=1 for N full scans of ksmd, or run=2
        const { v, t: tk } = this.check(s, 'ksm');
        const m = this.machine!;
        if (v.use_zero_pages !== undefined) m.ksm.useZeroPages = v.use_zero_pages;
        if (v.action === 'unmerge') {
          ksmUnmergeAll(m, this.cpu);
          this.out('ksm: unmerged every page\n');
          return;
        }
        const passes = v.passes ?? 1;
        // each full scan reads every anonymous page of the mms on ksmd's list once (at most)
        let pages = 0;
        for (const mm of m.ksm.mms) if (mm.users > 0) pages += mm.rss[MM_ANONPAGES]!;
        this.budget(s, tk.passes ?? s.args[0]!, 'accesses', pages * passes * (m.pageSize / 4));
        let zero = 0;
        let merged = 0;
        for (let i = 0; i < passes; i++) {
          const r = ksmDoScan(m, this.cpu);
          zero += r.zero;
          merged += r.ksm;
        }
        const c = ksmCounters(m);
        this.out(
          `ksm: ${passes} full scan${passes === 1 ? '' : 's'} (full_scans ${m.ksm.fullScans}), ` +
            `${merged} page${merged === 1 ? '' : 's'} merged into KSM pages, ` +
            `${zero} with the zero page; pages_shared ${c.pages_shared}, pages_sharing ${c.pages_sharing}, ` +
            `pages_unshared ${c.pages_unshared}, ksm_zero_pages ${m.ksm.zeroPages}\n`,
        );
        return;
      }
      case 'reclaim': {
        this.execReclaim(s);
        return;
      }
      case 'file': {
        this.execFile(s);
        return;
      }
      case 'sync': {
        const { v, t } = this.check(s, 'sync');
        const m = this.machine!;
        const files = v.file !== undefined ? [this.namedFile(s, t.file!)] : [...m.files.values()];
        let n = 0;
        for (const f of files) n += filemapWriteAndWait(m, f);
        this.out(`sync: ${n} page${n === 1 ? '' : 's'} written back\n`);
        return;
      }
      case 'fadvise': {
        const { t } = this.check(s, 'fadvise');
        const m = this.machine!;
        const f = this.namedFile(s, t.file!);
        // generic_fadvise(POSIX_FADV_DONTNEED): __filemap_fdatawrite_range() starts writeback of
        // the dirty pages (it completes at once here: the kernel's may still be under writeback and
        // stay), lru_add_drain() (and lru_add_drain_all() when pages were left), then
        // invalidate_mapping_pages()
        filemapWriteAndWait(m, f);
        lruAddDrainAll(m);
        const n = m.trace.call('invalidate_mapping_pages', () => invalidateMappingPages(m, f, this.cpu));
        this.out(`fadvise: ${n} page${n === 1 ? '' : 's'} dropped from the page cache\n`);
        return;
      }
      case 'spawn': {
        const { v, t } = this.check(s, 'spawn');
        const m = this.machine!;
        this.newProcessName(s, t.name!);
        const task = spawnTask(m, v.name, this.cpu);
        // With the mermap modelled, the new task is current on this CPU (its mm is loaded) and its
        // mermap is prepared: v2 leaves mermap_mm_prepare() to the caller and has none outside
        // KUnit (which does kunit_attach_mm(); mermap_mm_prepare(current->mm)); spawn stands in.
        if (task?.mm && m.cfg.pageAllocUnmapped) {
          switchMm(m, this.cpu, task.mm);
          // -ENOMEM (no memory for its page tables) leaves it unprepared: unmapped allocations WARN
          if (!mermapMmPrepare(m, task.mm, this.cpu))
            this.out(`spawn ${v.name}: mermap_mm_prepare failed: no memory for the mm-local page tables\n`);
        }
        if (!task) throw new ScenarioError(s.line, s.cmdCol, 'spawn: out of memory');
        this.addProcess({ name: v.name, task, regions: new Map() });
        return;
      }
      case 'pagemap': {
        const { v, t } = this.check(s, 'pagemap');
        const p = this.process(s, t.process!);
        const [start, len] = this.range(s, p, t.region!, t.offset!, t.length!);
        const m = this.machine!;
        if (!p.task.mm) throw new ScenarioError(s.line, t.process!.col, `pagemap: ${p.name} has exited`);
        const total = Math.ceil(len / m.pageSize);
        this.budget(s, t.length!, 'pagemap_lines', total);
        const mm = p.task.mm;
        // Slices of STATEMENT_SLICE lines: a million-line pagemap shows progress and can be stopped.
        return this.sliced(
          total,
          'lines',
          (from, to) => {
            let out = '';
            for (let i = from; i < to; i++) {
              const va = start + i * m.pageSize;
              out += `0x${va.toString(16)} 0x${pagemapEntry(m, mm, va).toString(16).padStart(16, '0')}\n`;
            }
            this.out(out);
            return true;
          },
          (done) => [
            `pagemap ${v.process} ${v.region} ${t.offset!.text} 0x${(done * m.pageSize).toString(16)}`,
          ],
        );
      }
      case 'kpageflags': {
        const { pfn } = this.check(s, 'kpageflags').v;
        const m = this.machine!;
        this.out(
          `0x${pfn.toString(16)} 0x${kpageflags(m, pfn).toString(16).padStart(16, '0')} ${kpagecount(m, pfn)}\n`,
        );
        return;
      }
      case 'show': {
        const { t } = this.check(s, 'show');
        const m = this.machine!;
        const path = t.path!;
        if (m.bootIndex === 0)
          throw new ScenarioError(
            s.line,
            s.cmdCol,
            `show: the machine has not started booting, so ${path.text} would be empty; add 'boot' (or 'step') first`,
          );
        if (path.text === 'dmesg') {
          this.out('==> dmesg <==\n' + m.log.map((l) => l + '\n').join(''));
          return;
        }
        if (path.text === 'tlb') {
          if (m.cfg.arch !== 'x86_64')
            throw new ScenarioError(
              s.line,
              path.col,
              `show tlb: the TLB is modelled as x86-64's (PCIDs, 4K/2M/1G entries); arch=${m.cfg.arch} has no TLB view`,
            );
          this.out('==> tlb <==\n' + describeTlb(m, (mm) => this.mmName(m, mm)));
          return;
        }
        if (path.text === 'mermap') {
          this.out('==> mermap <==\n' + describeMermap(m, (mm) => this.mmName(m, mm)));
          return;
        }
        if (path.text === 'cache') {
          if (!m.cache)
            throw new ScenarioError(
              s.line,
              path.col,
              `show cache: only the MIPS machine models its data cache (arch=${m.cfg.arch})`,
            );
          this.out('==> cache <==\n' + m.cache.describe());
          return;
        }
        this.out(`==> ${path.text} <==\n${this.readProc(s, path, this.resolvePath(s, path))}`);
        return;
      }
      case 'print': {
        const { t } = this.check(s, 'print');
        const value = readVariable(s, t.variable!, this.machine!);
        this.out(`${t.variable!.text} = ${hex(value)}\n`);
        return;
      }
      case 'irqs': {
        const { state } = this.check(s, 'irqs').v;
        this.machine!.tlb.cpus[this.cpu]!.irqsOn = state === 'on';
        return;
      }
      case 'resume': {
        this.check(s, 'resume');
        const m = this.mermapMachine(s);
        this.out(
          `resume: cpu ${this.cpu}: ${resumeHolders(m, this.cpu)} preempted holders put their mappings\n`,
        );
        return;
      }
      case 'preempt': {
        const { v } = this.check(s, 'preempt');
        const m = this.mermapMachine(s);
        const nr = v.pages ?? MERMAP_CPU_PAGES - 1;
        const mm = currentMm(m, this.cpu);
        if (!mm)
          throw new ScenarioError(
            s.line,
            s.cmdCol,
            `preempt: no process runs on cpu ${this.cpu} (a mermap is per mm: spawn one first)`,
          );
        if (!m.mermaps.has(mm))
          throw new ScenarioError(
            s.line,
            s.cmdCol,
            `preempt: the process current on cpu ${this.cpu} has no prepared mermap (only spawn prepares one)`,
          );
        const slot = preemptHolder(m, this.cpu, nr);
        this.out(
          slot < 0
            ? `preempt: cpu ${this.cpu}: mermap_get of ${nr} pages failed\n`
            : `preempt: cpu ${this.cpu}: a preempted task holds mermap slot ${slot} (${nr} pages)\n`,
        );
        return;
      }
      case 'direct_map': {
        const { v, t } = this.check(s, 'direct_map');
        const m = this.machine!;
        if (!directMapModelled(m))
          throw new ScenarioError(
            s.line,
            s.cmdCol,
            `direct_map: the direct map is not modelled on ${m.cfg.arch}`,
          );
        const n = this.named(s, t.name!);
        const nr = 1 << n.order;
        // An UNMAPPED pageblock is out of the direct map as a whole (the series' invariant, which
        // the allocator's flip back relies on): only freeing the pages may change that.
        if (v.state === 'default' && m.alloc.unmappedHooks && m.pageblocks.unmapped(n.pfn))
          throw new ScenarioError(
            s.line,
            t.state!.col,
            `direct_map: ${v.name} is __GFP_UNMAPPED memory: its pageblock stays out of the direct map (free it instead)`,
          );
        const ok =
          v.state === 'invalid'
            ? setDirectMapInvalidNoflush(m, n.pfn, nr, this.cpu)
            : setDirectMapDefaultNoflush(m, n.pfn, nr, this.cpu);
        if (!ok) this.out(`direct_map: ${v.name}: -ENOMEM (no page for a split table)\n`);
        if (v.flush) this.kernelFlush(m, n.pfn, nr);
        return;
      }
      case 'flush_tlb_kernel_range': {
        const { t } = this.check(s, 'flush_tlb_kernel_range');
        const n = this.named(s, t.name!);
        this.kernelFlush(this.machine!, n.pfn, 1 << n.order);
        return;
      }
      case 'flush_tlb_local': {
        this.check(s, 'flush_tlb_local');
        const n = flushTlbLocal(this.machine!, this.cpu);
        this.out(`flush_tlb_local: cpu ${this.cpu} dropped ${n} entries\n`);
        return;
      }
      case 'limit': {
        // limit [<name>=<n>...]: raise (or lower) what one statement may cost; alone, list them
        const { v, t } = this.check(s, 'limit');
        if (!s.args.length) {
          this.out(
            LIMIT_NAMES.map(
              (n) => `limit ${n}=${this.limits.get(n)} (at most ${LIMITS[n].ceiling}: ${LIMITS[n].counts})\n`,
            ).join(''),
          );
          return;
        }
        const given = v as Partial<Record<LimitName, number>>;
        const toks = t as Partial<Record<LimitName, Token>>;
        for (const k of LIMIT_NAMES) {
          const n = given[k];
          if (n === undefined) continue;
          const why = this.limits.set(k, n);
          if (why) throw new ScenarioError(s.line, toks[k]!.col, `limit: ${k}=${toks[k]!.text}: ${why}`);
        }
        return;
      }
      case 'expect': {
        const f = this.runExpect(s);
        if (f) {
          this.failures.push(f);
          this.out(`FAIL ${f}\n`);
        }
        return;
      }
    }
  }

  /** The machine for preempt/resume: booted, with the mermap (page_alloc_unmapped=yes). */
  private mermapMachine(s: Stmt): Machine {
    const m = this.machine!;
    if (!m.cfg.pageAllocUnmapped)
      throw new ScenarioError(s.line, s.cmdCol, `${s.cmd}: the mermap needs page_alloc_unmapped=yes`);
    return m;
  }

  /**
   * Work over `total` units in slices of STATEMENT_SLICE: `run(from, to)` does units [from, to) and
   * returns false to stop the statement there (an error it printed, the process killed). One slice
   * or less runs at once (nothing to return). `cut(done)` is the statement as the lines that did
   * the first `done` units.
   */
  private sliced(
    total: number,
    unit: StatementWork['unit'],
    run: (from: number, to: number) => boolean,
    cut: (done: number) => string[],
    slice = this.opts.slice ?? STATEMENT_SLICE,
  ): StatementWork | void {
    if (total <= slice) {
      run(0, total);
      return;
    }
    let done = 0;
    let over = false;
    return {
      get done() {
        return done;
      },
      total,
      unit,
      step: () => {
        if (over) return true;
        // slice boundaries at multiples of the slice (from the range's start), the last one short
        const to = Math.min(total, done + slice);
        const more = run(done, to);
        done = to;
        over = !more || done >= total;
        return over;
      },
      cut: () => cut(done),
    };
  }

  /** Print what a `dump` or `checksum` of [start, start+len) read, and keep it for `expect dump...`. */
  private readDone(
    p: ScenarioProcess,
    op: 'dump' | 'checksum',
    start: number,
    len: number,
    r: ReadBytes,
  ): void {
    const what = `${p.name}: ${op} 0x${start.toString(16)} ${len}`;
    const digest = `sum 0x${r.sum.toString(16)}, nonzero ${r.nonzero}, crc32 0x${r.crc32.toString(16).padStart(8, '0')}`;
    if (op === 'dump') {
      this.out(`${what}\n`);
      for (const l of hexdumpLines(start, r.bytes!)) this.out(`${l}\n`);
    } else this.out(`${what}: ${r.count} bytes, ${digest}\n`);
    if (r.killed) this.out(`${p.name}: ${op} stopped after ${r.count} bytes\n`);
    this.lastDump = {
      text:
        op === 'dump' ? Array.from(r.bytes!, (b) => b.toString(16).padStart(2, '0')).join(' ') : undefined,
      len: r.count,
      sum: r.sum,
      nonzero: r.nonzero,
      crc32: r.crc32,
    };
  }

  /** Refuse a statement whose cost (`need`, counted in the limit's unit) is over a limit, at `t`. */
  private budget(s: Stmt, t: Token, limit: LimitName, need: number): void {
    try {
      this.limits.check(limit, need);
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      // `A read: ...` for a process's operation, `pagemap: ...` for a command
      const what = this.procs.has(s.cmd) ? `${s.cmd} ${s.args[0]!.text}` : s.cmd;
      throw new ScenarioError(s.line, t.col, `${what}: ${e.message}`);
    }
  }

  /**
   * The memory-budget check of a read or write line as a whole: the worker runs a big one as
   * pieces (src/worker/chunked.ts), each a statement of its own that alone would pass. Throws the
   * refusal; a line this cannot read is left to the pieces, which report it.
   */
  checkWholeAccess(s: Stmt): void {
    const p = this.procs.get(s.cmd);
    const a = s.args;
    const op = a[0]?.text;
    const m = this.machine;
    if (!p || !m || (op !== 'read' && op !== 'write')) return;
    let start: number;
    let len: number;
    let stride: number;
    try {
      stride = this.checkOp(s, p, op).v.stride;
      [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
    } catch {
      return;
    }
    const touched = pagesTouched(start, len, stride, m.pageSize);
    this.hostMemory(s, a[3]!, op === 'write' ? touched : 0, tablePages(touched));
  }

  /**
   * Refuse, at `t`, a statement that may write `pages` pages of emulated RAM and `tables` more
   * for page tables, when that could take the emulator's own memory over the host's budget
   * (Session.memory). The estimate is an upper bound for the live machine: a written page backs
   * at most its own bytes, and no more RAM can be backed than is not backed yet.
   */
  private hostMemory(s: Stmt, t: Token, pages: number, tables: number): void {
    const mb = this.memory;
    const m = this.machine;
    if (!mb || !m) return;
    const budget = mb.budget;
    const mayBack = Math.min((pages + tables) * m.pageSize, m.ram.size - m.ram.backedChunks * CHUNK_SIZE);
    const use = mb.inUse;
    if (use + mayBack <= budget) return;
    const what = this.procs.has(s.cmd) ? `${s.cmd} ${s.args[0]!.text}` : s.cmd;
    throw new ScenarioError(
      s.line,
      t.col,
      `${what}: may write ${fmtBytes(mayBack)} of emulated RAM (${pages ? `${pages} pages and ` : ''}${tables} page-table pages of ${fmtBytes(m.pageSize)}), and with ${fmtBytes(use)} of host memory in use that is over the memory budget of ${fmtBytes(budget)}; nothing was done. Ask for less, or ${mb.raise}`,
    );
  }

  /**
   * Freeing a page that is out of the direct map (`direct_map k invalid` without `default`): with
   * init_on_free, kernel_init_pages() clears it through the direct map and oopses at once; without,
   * the next zeroing allocation that gets it does. Either way the kernel would be left with a page
   * half freed. The emulator reports the oops as the kernel would (the BUG line in the log, with
   * init_on_free) and does not free: the machine stays as it was, the name still bound, so the
   * learner can put the page back (`direct_map k default`) and free it.
   */
  private freeWouldOops(m: Machine, name: string, cpu: number | undefined): boolean {
    const a = m.named.get(name)!;
    if (!directMapModelled(m)) return false;
    // __GFP_UNMAPPED memory is out of the direct map by design and is cleared through the mermap
    if (m.alloc.unmappedHooks && m.pageblocks.unmapped(a.pfn)) return false;
    const nr = 1 << a.order;
    let bad = -1;
    for (let i = 0; i < nr && bad < 0; i++) if (!kernelPagePresent(m, a.pfn + i)) bad = a.pfn + i;
    if (bad < 0) return false;
    const va = m.arch.pageOffset + BigInt(bad) * BigInt(m.pageSize);
    if (m.cfg.initOnFree) {
      m.printk(`BUG: unable to handle page fault for address: 0x${va.toString(16)}`);
      m.printk('#PF: supervisor write access in kernel mode');
      m.printk(`CPU: ${cpu ?? a.cpu} RIP: 0010:clear_page_erms (kernel_init_pages <- free_pages_prepare)`);
      this.flushLog();
      this.out(
        `free ${name}: kernel oops: init_on_free clears pfn 0x${bad.toString(16)} through the direct map, where it has no entry; the free was not done and ${name} stays allocated (direct_map ${name} default, then free)\n`,
      );
    } else
      this.out(
        `free ${name}: refused: pfn 0x${bad.toString(16)} is not in the direct map, so the next allocation to zero it would oops (BUG: unable to handle page fault at 0x${va.toString(16)}); put it back first: direct_map ${name} default\n`,
      );
    return true;
  }

  /** A named allocation, for statements about it. */
  private named(s: Stmt, t: Token): { pfn: number; order: number } {
    const n = this.machine?.named.get(t.text);
    if (!n) throw new ScenarioError(s.line, t.col, `nothing is allocated under the name '${t.text}'`);
    return n;
  }

  /** flush_tlb_kernel_range() from the current CPU; refused (and said so) with IRQs off. */
  private kernelFlush(m: Machine, pfn: number, nr: number): void {
    try {
      flushTlbKernelRange(m, pfn, nr, this.cpu);
    } catch (e) {
      if (!(e instanceof TlbShootdownRefused)) throw e;
      this.out(e.message + '\n');
    }
  }

  /** A process name for an mm (show tlb). */
  private mmName(m: Machine, mm: MmStruct): string {
    for (const p of this.procs.values()) if (p.task.mm === mm) return p.name;
    for (const t of m.tasks.values()) if (t.mm === mm) return t.comm;
    return 'dead mm';
  }

  /** `file <name> <size> tmpfs|disk [fill=B] [read_ahead_kb=N]`: a named file (mm/filemap.ts). */
  private execFile(s: Stmt): void {
    const { v, t } = this.check(s, 'file');
    const m = this.machine!;
    if (m.files.has(v.name)) throw new ScenarioError(s.line, t.name!.col, `file: '${v.name}' exists already`);
    const pages = Math.ceil(v.size / m.pageSize);
    const fill = v.fill ?? 0;
    // a tmpfs file with a fill is written now: one page each
    const written = v.fs === 'tmpfs' && fill ? pages : 0;
    this.budget(s, t.size!, 'accesses', Math.max(written, 1));
    this.hostMemory(s, t.size!, written, 0);
    const f = fileCreate(m, v.name, v.size, v.fs, fill, v.read_ahead_kb ?? DEFAULT_READ_AHEAD_KB, this.cpu);
    if (!f) this.out(`file ${v.name}: ENOSPC: out of memory writing the tmpfs file\n`);
  }

  /** A file the `file` statement made, or a located error. */
  private namedFile(s: Stmt, tk: Token): ShmemFile {
    const f = this.machine!.files.get(tk.text);
    if (!f) {
      const known = [...this.machine!.files.keys()];
      throw new ScenarioError(
        s.line,
        tk.col,
        `no file named '${tk.text}' (${known.length ? `files: ${known.join(', ')}` : 'make one with `file`'})`,
      );
    }
    return f;
  }

  /** `swapon <size> [prio=N]`: a swap area in emulated storage (mm/swapfile.ts). */
  private execSwapon(s: Stmt): void {
    const { v, t } = this.check(s, 'swapon');
    const m = this.machine!;
    const bytes = v.size;
    // -1 asks for the automatic priority (SWAP_FLAG_PRIO_MASK: a user priority is 0..32767)
    const prio = v.prio === -1 ? undefined : v.prio;
    // swapon 8000T once asked for a 2-billion-entry swap map (an internal error, issue #13)
    this.budget(s, t.size!, 'swap_pages', Math.floor(bytes / m.pageSize));
    const r = sysSwapon(m, bytes, prio);
    if (typeof r === 'string') throw new ScenarioError(s.line, t.size!.col, r);
    this.out(`swapon: ${r.name}: ${(r.pages * m.pageSize) / 1024} kB, type ${r.type}, priority ${r.prio}\n`);
  }

  /**
   * `reclaim <size>`: what writing the size to /sys/devices/system/node/node0/reclaim does
   * (user_proactive_reclaim), over the node's LRU lists (the root cgroup). Prints the pages
   * reclaimed; short of the target after MAX_RECLAIM_RETRIES fruitless batches, the write's EAGAIN.
   */
  private execReclaim(s: Stmt): void {
    const { v } = this.check(s, 'reclaim');
    const m = this.machine!;
    const want = Math.ceil(v.size / m.pageSize);
    const r = userProactiveReclaim(m, want, 0);
    const kb = (r.reclaimed * m.pageSize) / 1024;
    this.out(
      r.ok
        ? `reclaim: ${kb} kB reclaimed\n`
        : `reclaim: EAGAIN (${kb} kB reclaimed of ${(want * m.pageSize) / 1024} kB)\n`,
    );
  }

  private execAlloc(s: Stmt): void {
    const { v, t } = this.check(s, 'alloc');
    const m = this.machine!;
    const gfp = v.gfp ?? GFP_MASKS['GFP_KERNEL']!;
    if (gfp & GFP.__GFP_UNMAPPED && !m.cfg.pageAllocUnmapped)
      throw new ScenarioError(
        s.line,
        t.gfp!.col,
        'alloc: __GFP_UNMAPPED exists only with CONFIG_PAGE_ALLOC_UNMAPPED (machine page_alloc_unmapped=yes)',
      );
    if (m.named.has(v.name))
      throw new ScenarioError(s.line, t.name!.col, `alloc: '${v.name}' is already allocated; free it first`);
    try {
      m.allocNamed(v.name, v.order, gfp, v.cpu ?? this.cpu);
    } catch (e) {
      // Out of memory is kernel behaviour, not a malformed scenario: the failure was printed.
      if (e instanceof MermapOops) this.out(`alloc ${v.name}: ${e.message}\n`);
      else if (!(e instanceof KernelAllocError)) throw e;
    }
  }

  /** A new process's name (spawn, fork; its syntax is the declaration's): not a command, not taken. */
  private newProcessName(s: Stmt, t: Token): void {
    if (statementDecl(t.text))
      throw new ScenarioError(s.line, t.col, `'${t.text}' is a command and cannot name a process`);
    if (this.procs.has(t.text))
      throw new ScenarioError(s.line, t.col, `a process named '${t.text}' already exists`);
  }

  private process(s: Stmt, t: Token): ScenarioProcess {
    const p = this.procs.get(t.text);
    if (!p) throw new ScenarioError(s.line, t.col, `no process named '${t.text}' (spawn it first)`);
    return p;
  }

  /**
   * A region and an offset/length inside it: [start, len]. The offset and length tokens are ones the
   * operation's declaration checked (an offset, a length); the region and the end are checked here.
   */
  /** A process statement's region token that names no region: it must be an address. */
  private addressOf(s: Stmt, p: ScenarioProcess, regionTok: Token): number {
    const addr = parseNumber(regionTok.text);
    if (addr === undefined)
      throw new ScenarioError(
        s.line,
        regionTok.col,
        `${p.name} has no region named '${regionTok.text}' (an address works too: 0x7ffff7fe0000)`,
      );
    return addr;
  }

  private range(
    s: Stmt,
    p: ScenarioProcess,
    regionTok: Token,
    offTok: Token,
    lenTok: Token,
  ): [number, number] {
    const off = parseNumber(offTok.text)!;
    const len = parseNumber(lenTok.text)!;
    const r = p.regions.get(regionTok.text);
    // an address instead of a region: the call covers whatever is there, VMAs and holes alike,
    // as the system call does (its own checks apply: EINVAL, ENOMEM, SIGSEGV)
    if (!r) return [this.addressOf(s, p, regionTok) + off, len];
    if (off + len > r.len)
      throw new ScenarioError(
        s.line,
        lenTok.col,
        `${regionTok.text} is ${fmtSize(r.len)}: offset ${offTok.text} + length ${lenTok.text} runs past its end`,
      );
    return [r.start + off, len];
  }

  private execProcess(s: Stmt, p: ScenarioProcess): StatementWork | void {
    const m = this.needBooted(s);
    const a = s.args;
    const op = a[0];
    const known = `${PROCESS_OP_NAMES.join(', ')}`;
    if (!op) throw new ScenarioError(s.line, s.cmdCol, `${p.name}: expected an operation (${known})`);
    if (!processOpDecl(op.text))
      throw new ScenarioError(s.line, op.col, `${p.name}: unknown operation '${op.text}' (${known})`);
    if (p.task.state !== 'R')
      throw new ScenarioError(s.line, s.cmdCol, `${p.name} is no longer running (${p.task.exit})`);
    const t = p.task;
    const cpu = this.cpu;
    const ps = m.pageSize;
    switch (op.text as ProcessOpName) {
      case 'mmap': {
        const { v, t: tk } = this.checkOp(s, p, 'mmap');
        const name = tk.region!;
        if (p.regions.has(name.text))
          throw new ScenarioError(s.line, name.col, `${p.name} already has a region named '${name.text}'`);
        const len = v.length;
        const {
          prot,
          shared = false,
          populate = false,
          locked = false,
          devzero = false,
          offset,
          at: fixed,
        } = v;
        const file = tk.file ? this.namedFile(s, tk.file) : undefined;
        if (file && devzero)
          throw new ScenarioError(
            s.line,
            tk.file!.col,
            'mmap: file= and devzero are two different files: give one',
          );
        // mmap()'s file offset must be page-aligned (EINVAL); only a private /dev/zero mapping takes one here
        if (offset !== undefined && offset % ps)
          throw new ScenarioError(
            s.line,
            tk.offset!.col,
            `mmap: offset '${tk.offset!.text}' is not a multiple of the page size (EINVAL)`,
          );
        if (offset !== undefined && !file && (!devzero || shared))
          throw new ScenarioError(
            s.line,
            tk.offset!.col,
            'mmap: offset= needs devzero and a private mapping (the model has no offset into a shared /dev/zero object), or file=',
          );
        const pages = Math.ceil(len / ps);
        if (populate || locked) {
          this.budget(s, tk.length!, 'accesses', pages);
          // MAP_POPULATE (and MAP_LOCKED) write every page of a private writable mapping; a read
          // populate maps the zero page and writes only page tables (one per 512 entries)
          this.hostMemory(s, tk.length!, protWrites(prot) && !shared ? pages : 0, tablePages(pages));
        }
        // A populate of more than a slice: mmap now, then __mm_populate() over the range a slice at
        // a time (the same page-by-page GUP loop the whole call runs; PROT_NONE populates nothing).
        // MAP_LOCKED populates inside the call, whole.
        const slicedPopulate =
          populate && !locked && prot !== 'none' && pages > (this.opts.slice ?? STATEMENT_SLICE);
        const r = doMmap(
          m,
          t,
          len,
          prot,
          shared,
          populate && !slicedPopulate,
          cpu,
          fixed,
          locked,
          devzero ? { pgoff: (offset ?? 0) / ps } : undefined,
          file ? { f: file, pgoff: (offset ?? 0) / ps } : undefined,
        );
        if (r.addr < 0) {
          this.out(`${p.name}: mmap ${name.text}: ${r.error}\n`);
          return;
        }
        p.regions.set(name.text, { start: r.addr, len: pages * ps });
        if (r.error) this.out(`${p.name}: mmap ${name.text}: populate: ${r.error}\n`);
        if (!slicedPopulate) return;
        const addr = r.addr;
        // MAP_POPULATE faults with FOLL_WRITE only in a private writable mapping (populate_vma_page_range)
        const advice = protWrites(prot) && !shared ? 'populate_write' : 'populate_read';
        const mmapLine = [s.cmd, ...a.filter((f) => f.text !== 'populate').map((f) => f.text)].join(' ');
        return this.sliced(
          pages,
          'pages',
          (from, to) => {
            // mm_populate() ignores errors; one that ran out of memory ends it (the rest of the VMA
            // is skipped, as __mm_populate's loop does), and so does the task's death.
            const res = mmPopulate(m, t, addr + from * ps, (to - from) * ps, cpu);
            if (res !== 'ok') this.out(`${p.name}: mmap ${name.text}: populate: ${res}\n`);
            return res === 'ok' && t.state === 'R';
          },
          // Cut short: the mapping, and the pages populated so far as MADV_POPULATE of that prefix
          // (the same GUP faults: FOLL_WRITE exactly when MAP_POPULATE would use it).
          (done) => [
            mmapLine,
            ...(done ? [`${p.name} madvise ${name.text} 0 0x${(done * ps).toString(16)} ${advice}`] : []),
          ],
        );
      }
      case 'read': {
        const { v } = this.checkOp(s, p, 'read');
        const [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
        const stride = v.stride;
        this.budget(s, a[3]!, 'accesses', Math.ceil(len / stride));
        this.hostMemory(s, a[3]!, 0, tablePages(pagesTouched(start, len, stride, ps)));
        userRead(m, t, start, len, stride, cpu);
        return;
      }
      case 'dump':
      case 'checksum': {
        const dump = op.text === 'dump';
        this.checkOp(s, p, dump ? 'dump' : 'checksum');
        const [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
        if (dump && len > DUMP_MAX)
          throw new ScenarioError(
            s.line,
            a[3]!.col,
            `dump prints at most ${DUMP_MAX} bytes; use '${p.name} checksum' for ${len} bytes`,
          );
        this.budget(s, a[3]!, 'accesses', len);
        if (dump) return this.readDone(p, 'dump', start, len, userReadBytes(m, t, start, len, cpu, true));
        // A checksum of gigabytes reads in slices of whole pages (progress, Cancel), each page loaded
        // once, in order, the digest going on across slices: the same faults and digest as at once.
        const first = Math.floor(start / ps);
        const pages = Math.ceil((start + len) / ps) - first;
        /** where page i of the range starts (the range's own start and end for the partial ones) */
        const at = (i: number) => Math.min(start + len, Math.max(start, (first + i) * ps));
        let got: ReadBytes = { count: 0, sum: 0, nonzero: 0, crc32: 0, killed: false };
        return this.sliced(
          pages,
          'pages',
          (from, to) => {
            const r = userReadBytes(m, t, at(from), at(to) - at(from), cpu, false, got.crc32);
            got = {
              count: got.count + r.count,
              sum: got.sum + r.sum,
              nonzero: got.nonzero + r.nonzero,
              crc32: r.crc32,
              killed: r.killed,
            };
            if (r.killed || to === pages) this.readDone(p, 'checksum', start, len, got);
            return !r.killed;
          },
          (done) => [`${s.cmd} checksum ${a[1]!.text} ${a[2]!.text} 0x${(at(done) - start).toString(16)}`],
          this.opts.slice ?? CHECKSUM_SLICE,
        );
      }
      case 'write': {
        const { v } = this.checkOp(s, p, 'write');
        const [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
        const { stride, byte } = v;
        this.budget(s, a[3]!, 'accesses', Math.ceil(len / stride));
        const touched = pagesTouched(start, len, stride, ps);
        this.hostMemory(s, a[3]!, touched, tablePages(touched));
        userWrite(m, t, start, len, stride, byte, cpu);
        return;
      }
      case 'madvise': {
        const adv: Advice = this.checkOp(s, p, 'madvise').v.advice;
        const [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
        if (!adv.startsWith('populate')) {
          const err = sysMadvise(m, t, start, len, adv, cpu);
          if (err) this.out(`${p.name}: madvise ${adv}: ${err}\n`);
          return;
        }
        const pages = Math.ceil(len / ps);
        this.budget(s, a[3]!, 'accesses', pages);
        this.hostMemory(s, a[3]!, adv === 'populate_write' ? pages : 0, tablePages(pages));
        // madvise_populate() stops at its first error, so the range in slices (from the learner's
        // start: an unaligned one fails in the first) does what the whole call does.
        return this.sliced(
          pages,
          'pages',
          (from, to) => {
            const err = sysMadvise(m, t, start + from * ps, Math.min(len, to * ps) - from * ps, adv, cpu);
            if (err) this.out(`${p.name}: madvise ${adv}: ${err}\n`);
            return !err && t.state === 'R';
          },
          (done) => [`${s.cmd} madvise ${a[1]!.text} ${a[2]!.text} 0x${(done * ps).toString(16)} ${adv}`],
        );
      }
      case 'mprotect': {
        const { prot } = this.checkOp(s, p, 'mprotect').v;
        const [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
        const err = sysMprotect(m, t, start, len, prot);
        if (err) this.out(`${p.name}: mprotect: ${err}\n`);
        return;
      }
      case 'uffd': {
        const what = this.checkOp(s, p, 'uffd').v.ioctl;
        const [start, len] = this.range(s, p, a[2]!, a[3]!, a[4]!);
        if (what === 'register') {
          const err = userfaultfdRegister(m, t, start, len);
          if (err) this.out(`${p.name}: uffd register: ${err}\n`);
          return;
        }
        this.budget(s, a[4]!, 'accesses', Math.ceil(len / ps));
        this.hostMemory(s, a[4]!, 0, tablePages(Math.ceil(len / ps)));
        const r = userfaultfdZeropage(m, t, start, len, cpu);
        this.out(
          r.rc === 0
            ? `${p.name}: uffd zeropage: zeropage=${r.zeropage}\n`
            : `${p.name}: uffd zeropage: ${r.errno} (zeropage=${r.zeropage})\n`,
        );
        return;
      }
      case 'mlock':
      case 'munlock': {
        const onfault = op.text === 'mlock' && this.checkOp(s, p, 'mlock').v.onfault === true;
        if (op.text === 'munlock') this.checkOp(s, p, 'munlock');
        const [start, len] = this.range(s, p, a[1]!, a[2]!, a[3]!);
        let err;
        if (op.text === 'mlock') {
          const pages = onfault ? 0 : Math.ceil(len / ps) + 1;
          this.budget(s, a[3]!, 'accesses', pages);
          // mlock populates: a writable private range is written page by page (at most)
          this.hostMemory(s, a[3]!, pages, tablePages(pages));
          err = sysMlock(m, t, start, len, cpu, onfault);
        } else err = sysMunlock(m, t, start, len, cpu);
        if (err) this.out(`${p.name}: ${op.text}: ${err}\n`);
        return;
      }
      case 'mlockall': {
        const { v } = this.checkOp(s, p, 'mlockall');
        if (v.current && !v.onfault) {
          // MCL_CURRENT faults in every mapping: what the VMAs span, at most
          const pages = (t.mm?.vmas ?? []).reduce((n, x) => n + (x.end - x.start) / ps, 0);
          this.budget(s, op, 'accesses', pages);
          this.hostMemory(s, op, pages, tablePages(pages));
        }
        const err = sysMlockall(m, t, { current: v.current, future: v.future, onfault: v.onfault }, cpu);
        if (err) this.out(`${p.name}: mlockall: ${err}\n`);
        return;
      }
      case 'munlockall': {
        this.checkOp(s, p, 'munlockall');
        sysMunlockall(m, t, cpu);
        return;
      }
      case 'munmap': {
        this.checkOp(s, p, 'munmap');
        const r = p.regions.get(a[1]!.text);
        if (!r && a.length !== 4)
          throw new ScenarioError(
            s.line,
            a[1]!.col,
            `${p.name} has no region named '${a[1]!.text}' (an address needs an offset and a length: munmap <address> 0 <length>)`,
          );
        const [start, len] = a.length === 4 ? this.range(s, p, a[1]!, a[2]!, a[3]!) : [r!.start, r!.len];
        const err = sysMunmap(m, t, start, len, cpu);
        if (err) this.out(`${p.name}: munmap: ${err}\n`);
        else if (a.length === 2) p.regions.delete(a[1]!.text);
        return;
      }
      case 'mremap': {
        const { v, t: tk } = this.checkOp(s, p, 'mremap');
        const { offset, old_length: oldLen, new_length: newLen, as } = v;
        // A region name, or an address as the system call takes it. An address where a named
        // region starts is that region (its name follows the pages); any other address just
        // names the range the call works on.
        let name = a[1]!.text;
        let r = p.regions.get(name);
        let off = offset;
        if (!r) {
          const addr = this.addressOf(s, p, a[1]!);
          const named = [...p.regions].find(([, x]) => x.start === addr + offset);
          if (named) [name, r, off] = [named[0], named[1], 0];
          else [name, r, off] = ['', { start: addr + offset, len: 0 }, 0];
        }
        const at = r.start + off;
        const flags = {
          maymove: v.maymove ?? false,
          fixed: v.fixed !== undefined,
          dontunmap: v.dontunmap ?? false,
        };
        const newAddr = v.fixed ?? 0;
        if (as !== undefined && as !== name && p.regions.has(as))
          throw new ScenarioError(s.line, tk.as!.col, `${p.name} already has a region named '${as}'`);
        if (oldLen === 0 && t.mm?.vmas.some((v) => v.shmem && v.start <= at && at < v.end))
          throw new ScenarioError(
            s.line,
            a[3]!.col,
            'mremap: an old length of 0 (a second mapping of shared memory) is not modelled',
          );
        this.budget(s, a[3]!, 'accesses', Math.ceil(Math.min(oldLen, newLen) / ps));
        const res = sysMremap(m, t, at, oldLen, newLen, flags, newAddr, cpu);
        if ('errno' in res) {
          this.out(`${p.name}: mremap: ${res.errno}\n`);
          return;
        }
        const len = Math.ceil(newLen / ps) * ps;
        if (!name) {
          // an address no region starts at: only as= names the result
          if (as !== undefined) p.regions.set(as, { start: res.addr, len });
          else if (res.addr !== at)
            this.out(`# ${p.name}: mremap moved the pages to 0x${res.addr.toString(16)}\n`);
        } else if (off === 0 && Math.ceil(oldLen / ps) * ps >= r.len) {
          // the whole region: its name (or as=) follows it
          p.regions.set(as ?? name, { start: res.addr, len });
        } else if (res.addr === at) {
          // part of it, in place: a tail that grew or shrank changes the region's length
          if (off + Math.ceil(oldLen / ps) * ps >= r.len)
            p.regions.set(name, { start: r.start, len: off + len });
          if (as !== undefined) p.regions.set(as, { start: at, len });
        } else {
          // part of it, moved: the region keeps its range; the moved pages get a name of their own
          let moved = as;
          for (let i = 1; moved === undefined || (moved !== as && p.regions.has(moved)); i++)
            moved = `${name}_moved${i === 1 ? '' : i}`;
          p.regions.set(moved, { start: res.addr, len });
          if (as === undefined) this.out(`# ${p.name}: the moved pages are region ${moved}\n`);
        }
        return;
      }
      case 'fork': {
        this.checkOp(s, p, 'fork');
        this.newProcessName(s, a[1]!);
        const child = forkTask(m, t, a[1]!.text, cpu);
        if (!child) {
          this.out(`${p.name}: fork: ENOMEM\n`);
          return;
        }
        this.addProcess({ name: a[1]!.text, task: child, regions: new Map(p.regions) });
        return;
      }
      case 'exit': {
        // the process: exit_group(), every thread goes; a thread alone: pthread_exit()
        this.checkOp(s, p, 'exit');
        if (t.pid === t.tgid) exitGroup(m, t, 'exited', cpu);
        else exitTask(m, t, 'exited', cpu);
        return;
      }
      case 'thread': {
        const { t: tk } = this.checkOp(s, p, 'thread');
        this.newProcessName(s, tk.thread!);
        const th = cloneThread(m, t, tk.thread!.text);
        // one address space: the thread knows the same regions (the same map: an mmap by either
        // names a region both see)
        this.addProcess({ name: tk.thread!.text, task: th, regions: p.regions });
        return;
      }
      case 'brk': {
        const { t: tk } = this.checkOp(s, p, 'brk');
        this.brk(s, p, tk.brk!);
        return;
      }
    }
  }

  /**
   * `A brk <address>`, or sbrk-style `A brk +64K` / `A brk -16K` (the address computed from the
   * current break): brk() and what it returned. The region `heap` follows the heap VMA
   * [start_brk, PAGE_ALIGN(brk)), so reads and writes can name it.
   */
  private brk(s: Stmt, p: ScenarioProcess, tok: Token): void {
    const m = this.needBooted(s);
    const mm = p.task.mm!;
    const sign = tok.text[0] === '+' ? 1 : tok.text[0] === '-' ? -1 : 0;
    const n = parseNumber(sign ? tok.text.slice(1) : tok.text);
    if (n === undefined)
      throw new ScenarioError(
        s.line,
        tok.col,
        `brk: '${tok.text}' is not an address, +<length> or -<length>`,
      );
    const want = sign ? mm.brk + sign * n : n;
    const have = p.regions.get('heap');
    if (have && !have.brk)
      throw new ScenarioError(
        s.line,
        s.cmdCol,
        `brk: ${p.name} has a region named 'heap' that is not its heap`,
      );
    const got = sysBrk(m, p.task, Math.max(0, want), this.cpu);
    this.out(
      `${p.name}: brk(0x${Math.max(0, want).toString(16)}) = 0x${got.toString(16)}${got === want ? '' : ' (refused: the old break)'}\n`,
    );
    const end = Math.ceil(mm.brk / m.pageSize) * m.pageSize;
    if (end > mm.startBrk) {
      p.regions.set('heap', { start: mm.startBrk, len: end - mm.startBrk, brk: true });
    } else {
      p.regions.delete('heap');
    }
  }

  /** `/proc/A/status` → `/proc/<pid of A>/status`. */
  private resolvePath(s: Stmt, t: Token): string {
    const m = /^\/proc\/([A-Za-z_][\w-]*)\//.exec(t.text);
    if (
      !m ||
      /^\d+$/.test(m[1]!) ||
      ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'meminfo', 'vmstat'].includes(m[1]!)
    )
      return t.text;
    const p = this.procs.get(m[1]!);
    if (!p) throw new ScenarioError(s.line, t.col + 6, `no process named '${m[1]}'`);
    return t.text.replace(`/proc/${m[1]}/`, `/proc/${p.task.pid}/`);
  }

  private readProc(s: Stmt, t: Token, path: string): string {
    try {
      return readProc(this.machine!, path);
    } catch (e) {
      if (e instanceof ProcError) throw new ScenarioError(s.line, t.col, e.message);
      throw e;
    }
  }

  /** The value an expect names: a variable, pfn(<name>)/order(<name>), dmesg, or <proc path>:<key>. */
  private expectValue(s: Stmt, t: Token): number | string {
    const m = this.getMachine(s);
    const w = t.text;
    if (w === 'dmesg') return m.log.join('\n');
    if (w === 'blkdev_bios' || w === 'blkdev_bvecs') {
      if (!this.lastZeroout)
        throw new ScenarioError(s.line, t.col, `expect: ${w}: no blkdev_zeroout has run yet`);
      return w === 'blkdev_bios' ? this.lastZeroout.bios : this.lastZeroout.bvecs;
    }
    if (w === 'dump' || w === 'dump_len' || w === 'dump_sum' || w === 'dump_nonzero' || w === 'dump_crc32') {
      const d = this.lastDump;
      if (!d) throw new ScenarioError(s.line, t.col, `expect: ${w}: no dump or checksum has run yet`);
      if (w === 'dump') {
        if (d.text === undefined)
          throw new ScenarioError(
            s.line,
            t.col,
            'expect: dump: the last read was a checksum (use dump_sum, dump_crc32)',
          );
        return d.text;
      }
      return w === 'dump_len' ? d.len : w === 'dump_sum' ? d.sum : w === 'dump_nonzero' ? d.nonzero : d.crc32;
    }
    const fn = /^(pfn|order|direct_map_present|tlb_maps)\((.+)\)$/.exec(w);
    if (fn) {
      const a = m.named.get(fn[2]!);
      if (!a)
        throw new ScenarioError(s.line, t.col, `expect: nothing is allocated under the name '${fn[2]}'`);
      const nr = 1 << a.order;
      if (fn[1] === 'direct_map_present') {
        // pages of the allocation whose direct-map entry is present (kernel_page_present)
        let n = 0;
        for (let i = 0; i < nr; i++) if (kernelPagePresent(m, a.pfn + i)) n++;
        return n;
      }
      if (fn[1] === 'tlb_maps') {
        // TLB entries, on all CPUs, that translate to a page of the allocation
        let n = 0;
        for (const c of m.tlb.cpus)
          for (const e of c.entries) if (e && e.pfn < a.pfn + nr && e.pfn + e.pages > a.pfn) n++;
        return n;
      }
      return fn[1] === 'pfn' ? a.pfn : a.order;
    }
    if (w.startsWith('/proc/')) {
      const colon = w.indexOf(':');
      if (colon < 0)
        throw new ScenarioError(
          s.line,
          t.col,
          `expect: name a field: ${w}:<key> (e.g. /proc/meminfo:MemFree)`,
        );
      const pathTok = { ...t, text: w.slice(0, colon) };
      const path = this.resolvePath(s, pathTok);
      const key = w.slice(colon + 1);
      const v = procField(path, this.readProc(s, t, path), key);
      if (v === undefined)
        throw new ScenarioError(s.line, t.col + colon + 1, `expect: ${pathTok.text} has no field '${key}'`);
      return v;
    }
    return Number(readVariable(s, t, m));
  }

  private runExpect(s: Stmt): string | undefined {
    const { v, t } = this.check(s, 'expect');
    const [whatTok, valTok] = [t.what!, t.value!];
    const op: ExpectOp = v.op;
    const actual = this.expectValue(s, whatTok);
    const expected = v.value;
    const opTok = t.op!;
    let ok: boolean;
    if (op === 'contains') ok = String(actual).includes(String(expected));
    else if (typeof expected === 'string' || typeof actual === 'string') {
      if (op !== '==' && op !== '!=')
        throw new ScenarioError(
          s.line,
          opTok.col,
          `expect: '${op}' compares numbers; use == != or contains for text`,
        );
      ok = (String(actual) === String(expected)) === (op === '==');
    } else {
      ok = {
        '==': actual === expected,
        '!=': actual !== expected,
        '<': actual < expected,
        '<=': actual <= expected,
        '>': actual > expected,
        '>=': actual >= expected,
      }[op];
    }
    if (ok) return undefined;
    const shown =
      typeof actual === 'string'
        ? JSON.stringify(actual.length > 200 ? actual.slice(0, 200) + '…' : actual)
        : String(actual);
    return `line ${s.line}: expect ${whatTok.text} ${op} ${valTok.quoted ? JSON.stringify(valTok.text) : valTok.text}: found ${shown}`;
  }
}

/**
 * Run a whole scenario. Never throws for anything the text can cause: a mistake, an impossible
 * machine or a bug in the emulator met on a line all come back as `error`, located at that line.
 */
export function runScenario(text: string, opts: RunOptions): RunResult {
  const session = new Session(opts);
  let stmts: Stmt[];
  try {
    stmts = parseScenario(text);
  } catch (e) {
    if (e instanceof ScenarioError)
      return { exitCode: 2, failures: [], error: e, machine: undefined, session };
    throw e;
  }
  try {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!;
      if (opts.onStatement?.(s, i, stmts.length) === false) break;
      try {
        session.exec(s);
      } catch (e) {
        throw locate(e, s);
      }
      const errors = opts.check && session.machine ? checkInvariants(session.machine) : [];
      if (errors.length)
        return {
          exitCode: 1,
          failures: session.failures,
          violation: { line: s.line, col: s.cmdCol, text: s.text, errors },
          machine: session.machine,
          session,
        };
    }
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return { exitCode: 2, failures: session.failures, error: e, machine: session.machine, session };
  }
  return {
    exitCode: session.failures.length ? 1 : 0,
    failures: session.failures,
    machine: session.machine,
    session,
  };
}

/**
 * Whatever a statement threw, as a ScenarioError at that statement: a scenario mistake stays as it
 * is; a boot that cannot fit memory is the statement's failure; anything else is a bug in the
 * emulator, reported at the line that met it (never a bare stack trace, never an unplaced message).
 */
function locate(e: unknown, s: Stmt): unknown {
  if (e instanceof ScenarioError) return e;
  if (e instanceof MemblockError) return new ScenarioError(s.line, s.cmdCol, `boot failed: ${e.message}`);
  if (e instanceof ConfigError) return new ScenarioError(s.line, configErrorCol(s, e), e.message);
  const why = e instanceof Error ? e.message : String(e);
  return new ScenarioError(s.line, s.cmdCol, `internal error in the emulator: ${why}`, true);
}

/** The column of the `key=` a ConfigError names (`ram=1M is too small...`), else the command's. */
function configErrorCol(s: Stmt, e: ConfigError): number {
  const key = /^(\w+)=/.exec(e.message)?.[1];
  const tok = key ? s.args.find((a) => a.text.startsWith(`${key}=`)) : undefined;
  return tok?.col ?? s.cmdCol;
}

/** Pages a read or write of [start, start+len) every `stride` bytes touches. */
function pagesTouched(start: number, len: number, stride: number, pageSize: number): number {
  if (stride >= pageSize) return Math.ceil(len / stride);
  return Math.floor((start + len - 1) / pageSize) - Math.floor(start / pageSize) + 1;
}

/** Page-table pages that mapping `pages` pages may need: one per 512 entries, and one more. */
function tablePages(pages: number): number {
  return Math.ceil(pages / 512) + 1;
}

export function parseMachine(s: Stmt, base: MachineConfig): MachineConfig {
  const d = STATEMENTS.machine;
  const { v } = checkArgs<StatementValues<'machine'>>(d, s.args, {
    line: s.line,
    what: 'machine',
    usage: usage(d),
    at: { text: s.cmd, col: s.cmdCol, quoted: false },
    machine: () => {
      throw new Error('machine: its arguments do not depend on a machine');
    },
  });
  const c = { ...base };
  // Without ram=, the chosen architecture's usual size.
  if (v.ram === undefined && v.arch !== undefined) {
    const ram = lookup(DEFAULT_RAM, v.arch);
    if (ram) c.ram = ram;
  }
  if (v.arch !== undefined) c.arch = v.arch;
  if (v.granule !== undefined) c.granule = ({ '4K': 4, '16K': 16, '64K': 64 } as const)[v.granule];
  if (v.vce !== undefined) c.vce = v.vce;
  if (v.coloured_zero !== undefined) c.colouredZero = v.coloured_zero;
  if (v.use_zero_page !== undefined) c.useZeroPage = v.use_zero_page;
  if (v.huge_zero !== undefined) c.hugeZero = v.huge_zero;
  if (v.max_ptes_none !== undefined) c.maxPtesNone = v.max_ptes_none;
  if (v.shrink_underused !== undefined) c.shrinkUnderused = v.shrink_underused;
  if (v.ram !== undefined) c.ram = v.ram;
  if (v.cpus !== undefined) c.cpus = v.cpus;
  if (v.thp !== undefined) c.thp = v.thp;
  if (v.init_on_alloc !== undefined) c.initOnAlloc = v.init_on_alloc;
  if (v.init_on_free !== undefined) c.initOnFree = v.init_on_free;
  if (v.pcid !== undefined) c.pcid = v.pcid;
  if (v.page_alloc_unmapped !== undefined) c.pageAllocUnmapped = v.page_alloc_unmapped;
  if (v.unmapped_zeroing !== undefined) c.unmappedZeroing = v.unmapped_zeroing;
  if (v.zero_page_patch !== undefined) c.zeroPagePatch = v.zero_page_patch;
  return c;
}

function readVariable(s: Stmt, t: Token, m: Machine): bigint {
  try {
    return readSymbol(m, t.text);
  } catch (e) {
    if (e instanceof SymbolError) throw new ScenarioError(s.line, t.col, e.message);
    throw e;
  }
}

/**
 * Look a field up in a /proc file's text: `MemFree` (meminfo, vmstat), `DMA32[3]` (buddyinfo, free
 * blocks at order 3), `DMA32.managed` or `DMA32.free` (zoneinfo), `DMA32.Movable[3]` and
 * `DMA32.Movable.blocks` (pagetypeinfo).
 */
export function procField(path: string, text: string, key: string): number | undefined {
  const lines = text.split('\n');
  if (/^\/proc\/\d+\/stat$/.test(path)) {
    // /proc/<pid>/stat:10 is minflt: fields are numbered from 1, as in proc(5).
    const n = Number(key);
    const f = text.trim().split(' ')[n - 1];
    return Number.isInteger(n) && f !== undefined ? Number(f) : undefined;
  }
  if (/^\/proc\/\d+\/smaps$/.test(path)) {
    // one value per VMA: the total
    let sum: number | undefined;
    for (const l of lines) {
      const m = /^(\w+):\s+(\d+)/.exec(l);
      if (m && m[1] === key) sum = (sum ?? 0) + Number(m[2]);
    }
    return sum;
  }
  if (path === '/proc/buddyinfo') {
    const k = /^(\w+)\[(\d+)\]$/.exec(key);
    if (!k) return undefined;
    const l = lines.find((x) => x.split(/\s+/)[3] === k[1]);
    const n = l?.trim().split(/\s+/).slice(4)[Number(k[2])];
    return n === undefined ? undefined : Number(n);
  }
  if (path === '/proc/zoneinfo') {
    const k = /^(\w+)\.(\w+)$/.exec(key);
    if (!k) return undefined;
    const start = lines.findIndex((x) => x.startsWith('Node ') && x.trim().endsWith(` ${k[1]}`));
    if (start < 0) return undefined;
    for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('Node '); i++) {
      const parts = lines[i]!.trim().split(/\s+/);
      if (k[2] === 'free' && parts[0] === 'pages' && parts[1] === 'free') return Number(parts[2]);
      if (parts[0] === k[2] || parts[0] === `${k[2]}:`) return Number(parts[1]);
    }
    return undefined;
  }
  if (path === '/proc/pagetypeinfo') {
    const k = /^(\w+)\.(\w+)(?:\[(\d+)\]|\.blocks)$/.exec(key);
    if (!k) return undefined;
    if (k[3] !== undefined) {
      const l = lines.find((x) => new RegExp(`zone +${k[1]}, type +${k[2]} `).test(x));
      const n = l?.split(/\s+/).filter(Boolean).slice(6)[Number(k[3])];
      return n === undefined ? undefined : Number(n.replace('>', ''));
    }
    const header = lines.findIndex((x) => x.startsWith('Number of blocks type'));
    const types = lines[header]!.slice(23).trim().split(/\s+/);
    const col = types.indexOf(k[2]!);
    const l = lines.slice(header + 1).find((x) => new RegExp(`zone +${k[1]} `).test(x));
    if (col < 0 || !l) return undefined;
    return Number(l.trim().split(/\s+/).slice(4)[col]);
  }
  for (const l of lines) {
    const m = /^([\w()]+):?\s+(\d+)/.exec(l);
    if (m && m[1] === key) return Number(m[2]);
  }
  return undefined;
}
