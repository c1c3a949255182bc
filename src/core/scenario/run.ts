/**
 * The scenario runner: executes a parsed scenario against a Machine. Shared by the CLI, the worker
 * and the tests. Output goes through `out`; the result says how it ended.
 *
 * Exit codes (the CLI's): 0 every expect held, 1 an expect failed (the run goes on and reports each
 * one), 2 the scenario is malformed or asks for something impossible (stops at once, `line:col`).
 */
import { ConfigError, DEFAULT_CONFIG, type MachineConfig } from '../config.ts';
import { KernelAllocError, Machine, hex } from '../machine.ts';
import { MemblockError } from '../mm/memblock.ts';
import { GFP_MASKS, parseGfp } from '../mm/gfp.ts';
import { ProcError, readProc } from '../proc/index.ts';
import { ScenarioError, parseKeyValues, parseNumber, parseScenario, type Stmt, type Token } from './parse.ts';

export interface RunResult {
  exitCode: 0 | 1 | 2;
  /** the failed expects, as printed */
  failures: string[];
  /** the malformed-scenario error, if any */
  error?: ScenarioError;
  machine: Machine | undefined;
}

export interface RunOptions {
  /** standard output */
  out: (text: string) => void;
  /** called with the machine as soon as it exists (the worker subscribes to its events) */
  onMachine?: (m: Machine) => void;
  /** called before each statement; return false to cancel the run */
  onStatement?: (s: Stmt, index: number, total: number) => boolean | void;
}

export const COMMANDS = [
  'machine',
  'boot',
  'step',
  'alloc',
  'free',
  'drain',
  'show',
  'print',
  'expect',
] as const;
const MACHINE_KEYS = [
  'arch',
  'ram',
  'cpus',
  'thp',
  'init_on_alloc',
  'init_on_free',
  'zero_page_patch',
] as const;
const OPS = ['==', '!=', '<', '<=', '>', '>=', 'contains'] as const;
type Op = (typeof OPS)[number];

/** Variables `print` and `expect` know, each read from the machine. */
const VARIABLES: Record<string, (m: Machine) => bigint> = {
  zero_page_pfn: (m) => m.vars.get('zero_page_pfn') ?? 0n,
  __zero_page: (m) => m.vars.get('__zero_page') ?? 0n,
  empty_zero_page: (m) => m.vars.get('empty_zero_page') ?? 0n,
  min_free_kbytes: (m) => BigInt(m.alloc.minFreeKbytes),
  totalreserve_pages: (m) => BigInt(m.alloc.totalreservePages),
  nr_free_pages: (m) => BigInt(m.alloc.nrFreePages()),
  nr_pcp_pages: (m) => BigInt(m.alloc.nrPcpPages()),
  pages_zeroed: (m) => BigInt(m.alloc.pagesZeroed),
  zero_page_calls: (m) => BigInt(m.zeroPageCalls),
  max_pfn: (m) => BigInt(m.pages.nrPages),
};
export const VARIABLE_NAMES = Object.keys(VARIABLES);

export function runScenario(text: string, opts: RunOptions): RunResult {
  const failures: string[] = [];
  let machine: Machine | undefined;
  let config: MachineConfig = { ...DEFAULT_CONFIG };
  let logSeen = 0;
  const out = opts.out;

  const flushLog = () => {
    if (!machine) return;
    for (; logSeen < machine.log.length; logSeen++) out(machine.log[logSeen] + '\n');
  };
  const getMachine = (s: Stmt): Machine => {
    if (!machine) {
      try {
        machine = new Machine(config);
      } catch (e) {
        if (e instanceof ConfigError) throw new ScenarioError(s.line, s.cmdCol, e.message);
        throw e;
      }
      opts.onMachine?.(machine);
    }
    return machine;
  };
  const needBooted = (s: Stmt): Machine => {
    const m = getMachine(s);
    if (!m.booted)
      throw new ScenarioError(
        s.line,
        s.cmdCol,
        `${s.cmd}: the machine has not finished booting; add 'boot' first`,
      );
    return m;
  };

  let stmts: Stmt[];
  try {
    stmts = parseScenario(text);
  } catch (e) {
    if (e instanceof ScenarioError) return { exitCode: 2, failures, error: e, machine };
    throw e;
  }

  try {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!;
      if (opts.onStatement?.(s, i, stmts.length) === false) break;
      const a = s.args;
      switch (s.cmd) {
        case 'machine': {
          if (machine)
            throw new ScenarioError(
              s.line,
              s.cmdCol,
              "machine: must come before 'boot' and any other operation",
            );
          config = parseMachine(s, config);
          getMachine(s);
          break;
        }
        case 'boot': {
          const kv = parseKeyValues(s.line, a, ['until'], 'boot');
          const m = getMachine(s);
          const until = kv.get('until');
          if (until && !m.steps.some((st) => st.fn === until.text))
            throw new ScenarioError(
              s.line,
              until.col,
              `boot: no boot step '${until.text}' (steps: ${m.steps.map((st) => st.fn).join(', ')})`,
            );
          if (m.booted) throw new ScenarioError(s.line, s.cmdCol, 'boot: the machine has already booted');
          m.boot(until?.text);
          flushLog();
          break;
        }
        case 'step': {
          noArgs(s);
          const m = getMachine(s);
          const st = m.bootStep();
          if (!st) throw new ScenarioError(s.line, s.cmdCol, 'step: boot is already complete');
          out(`step: ${st.phase} → ${st.fn} (${st.file})\n`);
          flushLog();
          break;
        }
        case 'alloc': {
          if (!a.length)
            throw new ScenarioError(
              s.line,
              s.cmdCol,
              'alloc: expected a name: alloc <name> order=<n> [gfp=<flags>] [cpu=<n>]',
            );
          const name = a[0]!;
          if (name.text.includes('='))
            throw new ScenarioError(s.line, name.col, `alloc: expected a name before '${name.text}'`);
          const kv = parseKeyValues(s.line, a.slice(1), ['order', 'gfp', 'cpu'], 'alloc');
          const m = needBooted(s);
          const orderTok = kv.get('order');
          if (!orderTok)
            throw new ScenarioError(s.line, name.col + name.text.length + 1, 'alloc: order=<n> is required');
          const order = intArg(s, orderTok, 'order', 0, m.arch.maxPageOrder);
          const gfpTok = kv.get('gfp');
          let gfp = GFP_MASKS['GFP_KERNEL']!;
          if (gfpTok) {
            try {
              gfp = parseGfp(gfpTok.text);
            } catch (e) {
              throw new ScenarioError(s.line, gfpTok.col, `alloc: ${(e as Error).message}`);
            }
          }
          const cpuTok = kv.get('cpu');
          const cpu = cpuTok ? intArg(s, cpuTok, 'cpu', 0, m.cfg.cpus - 1) : 0;
          if (m.named.has(name.text))
            throw new ScenarioError(
              s.line,
              name.col,
              `alloc: '${name.text}' is already allocated; free it first`,
            );
          try {
            m.allocNamed(name.text, order, gfp, cpu);
          } catch (e) {
            // Out of memory is kernel behaviour, not a malformed scenario: the failure was printed.
            if (!(e instanceof KernelAllocError)) throw e;
          }
          flushLog();
          break;
        }
        case 'free': {
          if (!a.length)
            throw new ScenarioError(s.line, s.cmdCol, 'free: expected the name of an allocation');
          const name = a[0]!;
          const kv = parseKeyValues(s.line, a.slice(1), ['cpu'], 'free');
          const m = needBooted(s);
          if (!m.named.has(name.text))
            throw new ScenarioError(
              s.line,
              name.col,
              `free: nothing is allocated under the name '${name.text}'`,
            );
          const cpuTok = kv.get('cpu');
          m.freeNamed(name.text, cpuTok ? intArg(s, cpuTok, 'cpu', 0, m.cfg.cpus - 1) : undefined);
          flushLog();
          break;
        }
        case 'drain': {
          noArgs(s);
          needBooted(s).alloc.drainAllPages();
          break;
        }
        case 'show': {
          if (a.length !== 1)
            throw new ScenarioError(s.line, s.cmdCol, 'show: expected one path, e.g. show /proc/buddyinfo');
          const m = getMachine(s);
          const path = a[0]!;
          if (path.text === 'dmesg') {
            out('==> dmesg <==\n' + m.log.map((l) => l + '\n').join(''));
            break;
          }
          let body: string;
          try {
            body = readProc(m, path.text);
          } catch (e) {
            if (e instanceof ProcError) throw new ScenarioError(s.line, path.col, e.message);
            throw e;
          }
          out(`==> ${path.text} <==\n${body}`);
          break;
        }
        case 'print': {
          if (a.length !== 1) throw new ScenarioError(s.line, s.cmdCol, 'print: expected one variable name');
          const m = getMachine(s);
          const v = readVariable(s, a[0]!, m);
          out(`${a[0]!.text} = ${hex(v)}\n`);
          break;
        }
        case 'expect': {
          const f = runExpect(s, getMachine(s));
          if (f) {
            failures.push(f);
            out(`FAIL ${f}\n`);
          }
          break;
        }
        default:
          throw new ScenarioError(
            s.line,
            s.cmdCol,
            `unknown command '${s.cmd}' (commands: ${COMMANDS.join(', ')})`,
          );
      }
    }
  } catch (e) {
    if (e instanceof ScenarioError) return { exitCode: 2, failures, error: e, machine };
    if (e instanceof MemblockError)
      return { exitCode: 2, failures, error: new ScenarioError(0, 0, `boot failed: ${e.message}`), machine };
    throw e;
  }
  return { exitCode: failures.length ? 1 : 0, failures, machine };
}

function noArgs(s: Stmt): void {
  if (s.args.length) throw new ScenarioError(s.line, s.args[0]!.col, `${s.cmd}: takes no arguments`);
}

function intArg(s: Stmt, t: Token, what: string, min: number, max: number): number {
  const v = parseNumber(t.text);
  if (v === undefined) throw new ScenarioError(s.line, t.col, `${s.cmd}: ${what}=${t.text} is not a number`);
  if (v < min || v > max)
    throw new ScenarioError(s.line, t.col, `${s.cmd}: ${what}=${t.text} is out of range ${min}..${max}`);
  return v;
}

function parseMachine(s: Stmt, base: MachineConfig): MachineConfig {
  const kv = parseKeyValues(s.line, s.args, MACHINE_KEYS, 'machine');
  const c = { ...base };
  for (const [k, t] of kv) {
    const bad = (why: string) => new ScenarioError(s.line, t.col, `machine: ${k}=${t.text}: ${why}`);
    const bool = () => {
      if (t.text === '1' || t.text === 'yes' || t.text === 'on') return true;
      if (t.text === '0' || t.text === 'no' || t.text === 'off') return false;
      throw bad('expected 0 or 1');
    };
    switch (k) {
      case 'arch':
        if (t.text !== 'x86_64')
          throw bad('supported: x86_64 (the other architectures arrive with the architectures issue)');
        c.arch = 'x86_64';
        break;
      case 'ram': {
        const v = parseNumber(t.text);
        if (v === undefined) throw bad('expected a size such as 1G or 512M');
        c.ram = v;
        break;
      }
      case 'cpus': {
        const v = parseNumber(t.text);
        if (v === undefined) throw bad('expected a number');
        c.cpus = v;
        break;
      }
      case 'thp':
        if (t.text !== 'never' && t.text !== 'madvise' && t.text !== 'always')
          throw bad('expected never, madvise or always');
        c.thp = t.text;
        break;
      case 'init_on_alloc':
        c.initOnAlloc = bool();
        break;
      case 'init_on_free':
        c.initOnFree = bool();
        break;
      case 'zero_page_patch':
        if (t.text !== 'before' && t.text !== 'after') throw bad('expected before or after');
        c.zeroPagePatch = t.text;
        break;
    }
  }
  return c;
}

function readVariable(s: Stmt, t: Token, m: Machine): bigint {
  const f = VARIABLES[t.text];
  if (!f)
    throw new ScenarioError(
      s.line,
      t.col,
      `unknown variable '${t.text}' (known: ${VARIABLE_NAMES.join(', ')})`,
    );
  return f(m);
}

/** The value an expect names: a variable, pfn(<name>)/order(<name>), dmesg, or <proc path>:<key>. */
function expectValue(s: Stmt, t: Token, m: Machine): number | string {
  const w = t.text;
  if (w === 'dmesg') return m.log.join('\n');
  const fn = /^(pfn|order)\((.+)\)$/.exec(w);
  if (fn) {
    const a = m.named.get(fn[2]!);
    if (!a) throw new ScenarioError(s.line, t.col, `expect: nothing is allocated under the name '${fn[2]}'`);
    return fn[1] === 'pfn' ? a.pfn : a.order;
  }
  if (w.startsWith('/proc/')) {
    const colon = w.indexOf(':');
    if (colon < 0)
      throw new ScenarioError(s.line, t.col, `expect: name a field: ${w}:<key> (e.g. /proc/meminfo:MemFree)`);
    const path = w.slice(0, colon);
    const key = w.slice(colon + 1);
    let text: string;
    try {
      text = readProc(m, path);
    } catch (e) {
      if (e instanceof ProcError) throw new ScenarioError(s.line, t.col, e.message);
      throw e;
    }
    const v = procField(path, text, key);
    if (v === undefined)
      throw new ScenarioError(s.line, t.col + colon + 1, `expect: ${path} has no field '${key}'`);
    return v;
  }
  return Number(readVariable(s, t, m));
}

/**
 * Look a field up in a /proc file's text: `MemFree` (meminfo, vmstat), `DMA32[3]` (buddyinfo, free
 * blocks at order 3), `DMA32.managed` or `DMA32.free` (zoneinfo), `DMA32.Movable[3]` and
 * `DMA32.Movable.blocks` (pagetypeinfo).
 */
export function procField(path: string, text: string, key: string): number | undefined {
  const lines = text.split('\n');
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

function runExpect(s: Stmt, m: Machine): string | undefined {
  const a = s.args;
  if (a.length !== 3)
    throw new ScenarioError(
      s.line,
      s.cmdCol,
      `expect: expected 'expect <what> <op> <value>' with op one of ${OPS.join(' ')}`,
    );
  const [whatTok, opTok, valTok] = a as [Token, Token, Token];
  if (!OPS.includes(opTok.text as Op))
    throw new ScenarioError(
      s.line,
      opTok.col,
      `expect: unknown operator '${opTok.text}' (use ${OPS.join(' ')})`,
    );
  const op = opTok.text as Op;
  const actual = expectValue(s, whatTok, m);
  let expected: number | string;
  if (valTok.quoted) expected = valTok.text;
  else {
    const n = parseNumber(valTok.text);
    if (n === undefined)
      throw new ScenarioError(
        s.line,
        valTok.col,
        `expect: '${valTok.text}' is not a number (quote text: "...")`,
      );
    expected = n;
  }
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
