/**
 * Every statement of the scenario language and every process operation, declared once: its name,
 * its arguments and their kinds, the key=value options and bare flags it takes, the limit it is
 * subject to, whether it changes the machine and a one-line doc. From the declaration come
 *
 * - the usage synopsis (`usage()`), as errors print it and docs/scenario-language.md shows it;
 * - the generic grammar check (`checkArgs`): arity, keys, flags and argument kinds are checked
 *   before the statement's code runs, and a mistake is a ScenarioError at the offending token
 *   with the usage in the message; the code in run.ts gets typed values;
 * - the canonical text of a statement from typed values (`formatStatement`), which the worker
 *   client sends as a `run`: every machine change the app makes is a scenario line, journalled as
 *   text (share links, the timeline), checked by the same code as a typed one;
 * - the names no process may take (`STATEMENT_NAMES`), and the known operations (`PROCESS_OP_NAMES`).
 *
 * It imports only small leaf modules (config, gfp, limits, parse), so the main thread can load it.
 *
 * What needs the machine's state (does the process exist, is the region long enough, is the
 * allocation named) is left to the statement's code, which has the tokens for its errors.
 */
import type { Machine } from '../machine.ts';
import { parseGfp } from '../mm/gfp.ts';
import { ARCH_NAMES } from '../config.ts';
import { LIMITS, type LimitName } from './limits.ts';
import { ScenarioError, parseNumber, type Token } from './parse.ts';
import { MADVISE_ADVICES } from '../shared/madvise_advice.ts';
import { PROTS } from '../shared/prot.ts';

/**
 * What an argument is. Number kinds take the language's numbers (decimal, 0x hex, K/M/G/T).
 * - `name`: a name the statement gives (an allocation, a region): any word without `=`
 * - `ident`: a name of letters, digits, `_` and `-` (a process, a region given by `as=`)
 * - `process`, `region`, `allocation`: the name of one that exists (run.ts resolves it)
 * - `size`: a number > 0; `count`: a number ≥ 0 (an offset, an mremap length); `address`: a number
 * - `int`: a whole number in [min, max] (max may be the machine's: `cpu`, `order`, `pfn`)
 * - `gfp`: GFP flags as text (`GFP_KERNEL|__GFP_ZERO`, `0xcc0`), parsed to the mask
 * - `enum`: one of `values`; `bool`: 0/1, yes/no, on/off
 * - `word`: any token (a path, a variable, a boot step); `value`: a number or a quoted string
 * - `flag`: (options only) a bare word such as `shared`
 */
export type Kind =
  | 'name'
  | 'ident'
  | 'process'
  | 'region'
  | 'allocation'
  | 'size'
  | 'count'
  | 'address'
  | 'int'
  | 'gfp'
  | 'enum'
  | 'bool'
  | 'word'
  | 'value'
  | 'flag';

/** The machine's own bounds an `int` may have as its maximum. */
export type MachineBound = 'cpu' | 'order' | 'pfn';

export interface ParamDecl {
  readonly name: string;
  readonly kind: Kind;
  /** what it is, for "expected <what>" and "'x' is not <what>" (default: `<name>`) */
  readonly what?: string;
  /** the placeholder in the usage (default `<name>`; enums show their values) */
  readonly meta?: string;
  readonly values?: readonly string[];
  /** what each of an enum's values means, said when a wrong one is given */
  readonly valueDocs?: Readonly<Record<string, string>>;
  readonly min?: number;
  readonly max?: number | MachineBound;
  /** positional: may be left out (trailing optional positionals go together: all or none) */
  readonly optional?: true;
  /** option: must be given */
  readonly required?: true;
}

export interface StatementDecl {
  readonly name: string;
  /** positional arguments, in order */
  readonly args: readonly ParamDecl[];
  /** key=value options and bare flags, in the order the usage lists them */
  readonly opts: readonly ParamDecl[];
  /** what the statement needs before its arguments' machine-dependent bounds are checked */
  readonly needs: 'none' | 'machine' | 'booted';
  /**
   * It may change the machine or the session's state (the current CPU, a limit); false: it only
   * reads or prints (the worker lets a learner step boot back over those)
   */
  readonly changes: boolean;
  /** the limit (limits.ts) its cost is checked against */
  readonly limit?: LimitName;
  readonly doc: string;
}

const region = { name: 'region', kind: 'region', what: 'a region name or an address' } as const;
const offset = { name: 'offset', kind: 'count', what: 'an offset' } as const;
const length = { name: 'length', kind: 'size', what: 'a length' } as const;
const prot = { name: 'prot', kind: 'enum', what: 'protection', values: PROTS } as const;
const cpuOpt = { name: 'cpu', kind: 'int', min: 0, max: 'cpu', meta: '<n>' } as const;
const bool = <const N extends string, const M extends string = 'yes|no'>(name: N, meta?: M) =>
  ({ name, kind: 'bool', meta: meta ?? 'yes|no' }) as const;
const oneOf = <const N extends string, const V extends readonly string[]>(name: N, values: V) =>
  ({ name, kind: 'enum', values }) as const;

/** The machine's keys (`machine arch=arm64 ram=512M ...`), in the order the docs list them. */
const MACHINE_OPTS = [
  oneOf('arch', ARCH_NAMES as readonly ['x86_64', 'arm64', 'arm', 'sparc64', 'mips', 's390']),
  oneOf('granule', ['4K', '16K', '64K']),
  bool('vce'),
  bool('coloured_zero'),
  { name: 'ram', kind: 'size', what: 'a size such as 1G or 512M', meta: '<size>' },
  { name: 'cpus', kind: 'count', what: 'a number', meta: '<n>' },
  oneOf('thp', ['never', 'madvise', 'always']),
  bool('use_zero_page', '0|1'),
  oneOf('huge_zero', ['dynamic', 'persistent', 'static_pmd']),
  { name: 'max_ptes_none', kind: 'int', min: 0, max: 8191, meta: '<n>' },
  bool('shrink_underused', '0|1'),
  bool('init_on_alloc', '0|1'),
  bool('init_on_free', '0|1'),
  oneOf('zero_page_patch', ['before', 'after']),
  bool('pcid'),
  bool('page_alloc_unmapped'),
  oneOf('unmapped_zeroing', ['as_posted', 'per_block']),
] as const;

/**
 * MERMAP_CPU_PAGES (mm/mermap.ts), written out: this table is also loaded on the main thread (the
 * worker client formats statements with it), which must not pull in the mm code. A test checks that
 * the two agree.
 */
export const PREEMPT_MAX_PAGES = 512;

const LIMIT_OPTS: readonly ParamDecl[] = (Object.keys(LIMITS) as LimitName[]).map(
  (name) => ({ name, kind: 'count', what: 'a number', meta: '<n>' }) as const,
);

/** The operators `expect` compares with. */
export const EXPECT_OPS = ['==', '!=', '<', '<=', '>', '>=', 'contains'] as const;
export type ExpectOp = (typeof EXPECT_OPS)[number];

/** The advice `A madvise` takes (one list with the core and the UI's range bar). */
export const ADVICES = MADVISE_ADVICES;

function decl<const D extends Partial<StatementDecl> & Pick<StatementDecl, 'name' | 'doc'>>(
  d: D,
): Omit<StatementDecl, 'args' | 'opts'> &
  Omit<D, 'args' | 'opts'> & {
    args: D['args'] extends readonly ParamDecl[] ? D['args'] : readonly [];
    opts: D['opts'] extends readonly ParamDecl[] ? D['opts'] : readonly [];
  } {
  return { args: [], opts: [], needs: 'none', changes: false, ...d } as never;
}

/** The statements, by name. */
export const STATEMENTS = {
  machine: decl({
    name: 'machine',
    opts: MACHINE_OPTS,
    changes: true,
    doc: 'Configure the machine (before any other operation).',
  }),
  boot: decl({
    name: 'boot',
    opts: [{ name: 'until', kind: 'word', meta: '<function>' }],
    changes: true,
    doc: 'Run the boot steps to the end, or stop just before the named one.',
  }),
  step: decl({ name: 'step', changes: true, doc: 'Run one boot step.' }),
  cpu: decl({
    name: 'cpu',
    args: [{ name: 'cpu', kind: 'int', min: 0, max: 'cpu', what: 'a CPU number', meta: '<n>' }],
    needs: 'machine',
    changes: true,
    doc: 'The CPU the next operations run on.',
  }),
  alloc: decl({
    name: 'alloc',
    args: [{ name: 'name', kind: 'name', what: 'a name' }],
    opts: [
      { name: 'order', kind: 'int', min: 0, max: 'order', meta: '<n>', required: true },
      { name: 'gfp', kind: 'gfp', meta: '<flags>' },
      cpuOpt,
    ],
    needs: 'booted',
    changes: true,
    doc: '__alloc_pages(gfp, order) under a name.',
  }),
  free: decl({
    name: 'free',
    args: [{ name: 'name', kind: 'allocation', what: 'the name of an allocation' }],
    opts: [cpuOpt],
    needs: 'booted',
    changes: true,
    doc: '__free_pages() of a named allocation.',
  }),
  limit: decl({
    name: 'limit',
    opts: LIMIT_OPTS,
    changes: true,
    doc: 'Change what one statement may cost; alone, print every limit.',
  }),
  drain: decl({ name: 'drain', needs: 'booted', changes: true, doc: 'drain_all_pages().' }),
  sleep: decl({ name: 'sleep', needs: 'booted', changes: true, doc: 'RCU grace periods complete.' }),
  drop_caches: decl({
    name: 'drop_caches',
    needs: 'booted',
    changes: true,
    doc: 'echo 3 > /proc/sys/vm/drop_caches: clean unmapped page cache dropped, the THP shrinkers run (deferred split, then thp-zero), pcp lists drain.',
  }),
  ksm: decl({
    name: 'ksm',
    args: [
      { name: 'action', kind: 'enum', values: ['scan', 'unmerge'], what: 'scan or unmerge' },
      { name: 'passes', kind: 'count', what: 'a number of full scans', meta: '<full scans>', optional: true },
    ],
    opts: [bool('use_zero_pages')],
    needs: 'booted',
    changes: true,
    limit: 'accesses',
    doc: 'ksmd: full scans of the MADV_MERGEABLE ranges (echo 1 > run), or unmerge everything (echo 2 > run).',
  }),
  swapon: decl({
    name: 'swapon',
    args: [{ name: 'size', kind: 'size', what: 'a size' }],
    opts: [{ name: 'prio', kind: 'int', min: -1, max: 32767, meta: '<n>' }],
    needs: 'booted',
    changes: true,
    limit: 'swap_pages',
    doc: 'swapon of a swap area in emulated storage.',
  }),
  file: decl({
    name: 'file',
    args: [
      { name: 'name', kind: 'ident', what: 'a file name' },
      { name: 'size', kind: 'size', what: 'a size' },
      {
        ...oneOf('fs', ['tmpfs', 'disk']),
        what: 'tmpfs or disk',
        valueDocs: {
          tmpfs: 'a file in /dev/shm (shmem: swap-backed pages)',
          disk: 'a regular file on the emulated disk (read on a fault, written back by sync)',
        },
      },
    ],
    opts: [
      { name: 'fill', kind: 'int', min: 0, max: 255, meta: '<byte>', what: 'a byte (0..255)' },
      { name: 'read_ahead_kb', kind: 'int', min: 4, max: 65536, meta: '<kB>', what: 'a size in kB' },
    ],
    needs: 'booted',
    changes: true,
    limit: 'accesses',
    doc: 'A named file: tmpfs (written with fill, or sparse) or on the emulated disk (every byte fill, 0: a hole; not cached yet).',
  }),
  sync: decl({
    name: 'sync',
    args: [{ name: 'file', kind: 'ident', what: 'a file name', optional: true }],
    needs: 'booted',
    changes: true,
    doc: 'fsync() of a disk file (or sync() of every one): its dirty pages written back, clean again.',
  }),
  fadvise: decl({
    name: 'fadvise',
    args: [
      { name: 'file', kind: 'ident', what: 'a file name' },
      { ...oneOf('advice', ['dontneed']), what: 'dontneed' },
    ],
    needs: 'booted',
    changes: true,
    doc: 'posix_fadvise(POSIX_FADV_DONTNEED) over a whole disk file: its clean, unmapped pages leave the page cache.',
  }),
  zswap: decl({
    name: 'zswap',
    args: [{ name: 'state', kind: 'enum', values: ['on', 'off'], what: 'on or off' }],
    opts: [
      { name: 'max_pool_percent', kind: 'int', min: 1, max: 100, meta: '<n>' },
      { name: 'accept_threshold_percent', kind: 'int', min: 1, max: 100, meta: '<n>' },
    ],
    needs: 'booted',
    changes: true,
    doc: 'echo Y|N > /sys/module/zswap/parameters/enabled: the compressed swap cache.',
  }),
  reclaim: decl({
    name: 'reclaim',
    args: [{ name: 'size', kind: 'size', what: 'a size' }],
    needs: 'booted',
    changes: true,
    doc: 'echo <size> > /sys/devices/system/node/node0/reclaim: proactive reclaim of the node.',
  }),
  blkdev_zeroout: decl({
    name: 'blkdev_zeroout',
    args: [{ name: 'bytes', kind: 'size', what: 'a length' }],
    opts: [
      {
        ...oneOf('zero', ['page', 'largest']),
        valueDocs: { page: 'ZERO_PAGE, before 6.18', largest: 'largest_zero_folio()' },
      },
      { name: 'max_transfer', kind: 'size', what: 'a multiple of 512 bytes', meta: '<bytes>' },
    ],
    needs: 'booted',
    changes: true,
    limit: 'zeroout_bios',
    doc: '__blkdev_issue_zero_pages(): the bios that zero a range without WRITE_ZEROES.',
  }),
  spawn: decl({
    name: 'spawn',
    args: [{ name: 'name', kind: 'ident', what: 'a process name' }],
    needs: 'booted',
    changes: true,
    doc: 'A new process.',
  }),
  pagemap: decl({
    name: 'pagemap',
    args: [{ name: 'process', kind: 'process', what: 'a process name' }, region, offset, length],
    limit: 'pagemap_lines',
    doc: 'One /proc/<pid>/pagemap entry per page of a range.',
  }),
  kpageflags: decl({
    name: 'kpageflags',
    args: [{ name: 'pfn', kind: 'int', min: 0, max: 'pfn', what: 'a pfn' }],
    needs: 'booted',
    doc: "A frame's /proc/kpageflags value and kpagecount.",
  }),
  show: decl({
    name: 'show',
    args: [{ name: 'path', kind: 'word', what: 'one path, e.g. show /proc/buddyinfo' }],
    needs: 'machine',
    doc: 'Print a /proc file, dmesg, the TLBs, the mermap or the MIPS cache.',
  }),
  print: decl({
    name: 'print',
    args: [{ name: 'variable', kind: 'word', what: 'one variable name' }],
    needs: 'machine',
    doc: 'Print a kernel variable in hex.',
  }),
  irqs: decl({
    name: 'irqs',
    args: [{ name: 'state', kind: 'enum', values: ['off', 'on'], what: 'state' }],
    needs: 'machine',
    changes: true,
    doc: 'local_irq_disable()/enable() on the current CPU.',
  }),
  direct_map: decl({
    name: 'direct_map',
    args: [
      { name: 'name', kind: 'allocation', what: 'the name of an allocation' },
      { name: 'state', kind: 'enum', values: ['invalid', 'default'], what: 'state' },
    ],
    opts: [{ name: 'flush', kind: 'flag' }],
    needs: 'booted',
    changes: true,
    doc: "set_direct_map_valid_noflush() on a named allocation's pages.",
  }),
  flush_tlb_kernel_range: decl({
    name: 'flush_tlb_kernel_range',
    args: [{ name: 'name', kind: 'allocation', what: 'the name of an allocation' }],
    needs: 'booted',
    changes: true,
    doc: "A TLB shootdown of a named allocation's direct-map range.",
  }),
  flush_tlb_local: decl({
    name: 'flush_tlb_local',
    needs: 'machine',
    changes: true,
    doc: 'flush_tlb_local() on the current CPU.',
  }),
  preempt: decl({
    name: 'preempt',
    opts: [{ name: 'pages', kind: 'int', min: 1, max: PREEMPT_MAX_PAGES, meta: '<n>' }],
    needs: 'booted',
    changes: true,
    doc: 'A thread is preempted holding a mermap mapping.',
  }),
  resume: decl({
    name: 'resume',
    needs: 'booted',
    changes: true,
    doc: 'The preempted holders on this CPU put their mappings.',
  }),
  expect: decl({
    name: 'expect',
    args: [
      { name: 'what', kind: 'word', what: 'what to check' },
      { name: 'op', kind: 'enum', values: EXPECT_OPS, what: 'operator', meta: '<op>' },
      { name: 'value', kind: 'value', what: 'a number or a quoted string' },
    ],
    doc: 'Check a value.',
  }),
} as const;

/** The operations a process does (`A mmap r1 64M rw`), by name: the process is the first word. */
export const PROCESS_OPS = {
  mmap: decl({
    name: 'mmap',
    args: [{ name: 'region', kind: 'name', what: 'a region name' }, length, prot],
    opts: [
      { name: 'shared', kind: 'flag' },
      { name: 'populate', kind: 'flag' },
      { name: 'locked', kind: 'flag' },
      { name: 'devzero', kind: 'flag' },
      { name: 'file', kind: 'ident', what: 'a file name', meta: '<name>' },
      { name: 'offset', kind: 'count', what: 'a file offset', meta: '<n>' },
      { name: 'at', kind: 'address', what: 'an address', meta: '<address>' },
    ],
    changes: true,
    limit: 'accesses',
    doc: 'mmap() an anonymous region, /dev/zero (devzero, at a file offset), or a file made by `file` (file=, at a file offset).',
  }),
  read: decl({
    name: 'read',
    args: [region, offset, length, { name: 'stride', kind: 'size', what: 'a stride' }],
    changes: true,
    limit: 'accesses',
    doc: 'Read one byte every stride bytes.',
  }),
  write: decl({
    name: 'write',
    args: [
      region,
      offset,
      length,
      { name: 'stride', kind: 'size', what: 'a stride' },
      { name: 'byte', kind: 'int', min: 0, max: 255, what: 'a byte (0..255)' },
    ],
    changes: true,
    limit: 'accesses',
    doc: 'Write a byte every stride bytes.',
  }),
  dump: decl({
    name: 'dump',
    args: [region, offset, length],
    changes: true,
    limit: 'accesses',
    doc: 'Print the bytes the process reads, hexdump -C style.',
  }),
  checksum: decl({
    name: 'checksum',
    args: [region, offset, length],
    changes: true,
    limit: 'accesses',
    doc: 'Read a range and print its sum, nonzero count and CRC-32.',
  }),
  madvise: decl({
    name: 'madvise',
    args: [region, offset, length, { name: 'advice', kind: 'enum', values: ADVICES, what: 'advice' }],
    changes: true,
    limit: 'accesses',
    doc: 'madvise().',
  }),
  mprotect: decl({
    name: 'mprotect',
    args: [region, offset, length, prot],
    changes: true,
    doc: 'mprotect().',
  }),
  uffd: decl({
    name: 'uffd',
    args: [
      { name: 'ioctl', kind: 'enum', values: ['register', 'zeropage'], what: 'register or zeropage' },
      region,
      offset,
      length,
    ],
    changes: true,
    doc: 'userfaultfd (UFFD_FEATURE_SIGBUS, no handler thread): UFFDIO_REGISTER in MISSING mode, or UFFDIO_ZEROPAGE (the zero page into empty PTEs).',
  }),
  mlock: decl({
    name: 'mlock',
    args: [region, offset, length],
    opts: [{ name: 'onfault', kind: 'flag' }],
    changes: true,
    limit: 'accesses',
    doc: 'mlock(): lock and fault in a range; onfault: mlock2(MLOCK_ONFAULT), locked as pages fault in.',
  }),
  mlockall: decl({
    name: 'mlockall',
    opts: [
      { name: 'current', kind: 'flag' },
      { name: 'future', kind: 'flag' },
      { name: 'onfault', kind: 'flag' },
    ],
    changes: true,
    limit: 'accesses',
    doc: 'mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT).',
  }),
  munlockall: decl({ name: 'munlockall', changes: true, doc: 'munlockall().' }),
  munlock: decl({ name: 'munlock', args: [region, offset, length], changes: true, doc: 'munlock().' }),
  munmap: decl({
    name: 'munmap',
    args: [region, { ...offset, optional: true }, { ...length, optional: true }],
    changes: true,
    doc: 'munmap() all of a region, or part of it.',
  }),
  mremap: decl({
    name: 'mremap',
    args: [
      region,
      offset,
      { name: 'old_length', kind: 'count', what: 'a length', meta: '<old length>' },
      { name: 'new_length', kind: 'count', what: 'a length', meta: '<new length>' },
    ],
    opts: [
      { name: 'maymove', kind: 'flag' },
      { name: 'fixed', kind: 'address', what: 'an address', meta: '<address>' },
      { name: 'dontunmap', kind: 'flag' },
      { name: 'as', kind: 'ident', what: 'a region name', meta: '<name>' },
    ],
    changes: true,
    limit: 'accesses',
    doc: 'mremap() part or all of a region.',
  }),
  fork: decl({
    name: 'fork',
    args: [{ name: 'child', kind: 'ident', what: 'a process name' }],
    changes: true,
    doc: 'fork(): the child knows the parent’s regions by the same names.',
  }),
  thread: decl({
    name: 'thread',
    args: [{ name: 'thread', kind: 'ident', what: 'a thread name', meta: '<name>' }],
    changes: true,
    doc: 'clone(CLONE_VM|CLONE_THREAD): a thread sharing the process’s address space.',
  }),
  exit: decl({ name: 'exit', changes: true, doc: 'The process exits (exit_group); a thread exits alone.' }),
  brk: decl({
    name: 'brk',
    args: [
      {
        name: 'brk',
        kind: 'word',
        what: 'an address, +<length> or -<length>',
        meta: '<address>|+<length>|-<length>',
      },
    ],
    changes: true,
    doc: 'brk(): move the program break (the heap’s end).',
  }),
} as const;

export type StatementName = keyof typeof STATEMENTS;
export type ProcessOpName = keyof typeof PROCESS_OPS;

/** The statement names, in the docs' order (the line editor completes them; no process may take one). */
export const STATEMENT_NAMES = Object.keys(STATEMENTS) as StatementName[];
export const PROCESS_OP_NAMES = Object.keys(PROCESS_OPS) as ProcessOpName[];

const statementTable: ReadonlyMap<string, StatementDecl> = new Map(Object.entries(STATEMENTS));
const processOpTable: ReadonlyMap<string, StatementDecl> = new Map(Object.entries(PROCESS_OPS));

/** The declaration of a statement the user typed (a Map: `constructor` is no statement). */
export function statementDecl(name: string): StatementDecl | undefined {
  return statementTable.get(name);
}

export function processOpDecl(name: string): StatementDecl | undefined {
  return processOpTable.get(name);
}

// ---------------------------------------------------------------------------------------------
// Types derived from a declaration

type ParamsOf<L> = L extends readonly (infer P)[] ? P : never;

/** The value a param has after checking (what run.ts gets). */
type Parsed<P> = P extends { kind: 'flag' | 'bool' }
  ? boolean
  : P extends { kind: 'size' | 'count' | 'address' | 'int' | 'gfp' }
    ? number
    : P extends { kind: 'value' }
      ? number | string
      : P extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

/** The value a caller gives for a param (what formatStatement takes). */
type Input<P> = P extends { kind: 'gfp' } ? string : Parsed<P>;

type Required_<P> = P extends { optional: true } ? never : P extends { kind: 'flag' } ? never : P;

type Fields<D extends StatementDecl, F extends 'parsed' | 'input'> = {
  [
    P in Required_<ParamsOf<D['args']>> as P extends { name: infer N extends string } ? N : never
  ]: F extends 'parsed' ? Parsed<P> : Input<P>;
} & {
  [
    P in Exclude<ParamsOf<D['args']>, Required_<ParamsOf<D['args']>>> as P extends {
      name: infer N extends string;
    }
      ? N
      : never
  ]?: F extends 'parsed' ? Parsed<P> : Input<P>;
} & {
  [
    P in ParamsOf<D['opts']> as P extends { name: infer N extends string; required: true } ? N : never
  ]: F extends 'parsed' ? Parsed<P> : Input<P>;
} & {
  [
    P in ParamsOf<D['opts']> as P extends { required: true }
      ? never
      : P extends { name: infer N extends string }
        ? N
        : never
  ]?: F extends 'parsed' ? Parsed<P> : Input<P>;
};

/** The typed arguments of statement N, as its code gets them. */
export type StatementValues<N extends StatementName> = Fields<(typeof STATEMENTS)[N], 'parsed'>;
/** The typed arguments of statement N, as a caller gives them to formatStatement. */
export type StatementArgs<N extends StatementName> = Fields<(typeof STATEMENTS)[N], 'input'>;
export type ProcessOpValues<N extends ProcessOpName> = Fields<(typeof PROCESS_OPS)[N], 'parsed'>;
export type ProcessOpArgs<N extends ProcessOpName> = Fields<(typeof PROCESS_OPS)[N], 'input'>;

/** A checked statement: its typed values, and the token each came from (for later errors). */
export interface Checked<V> {
  v: V;
  /** the token of each argument given (for an option: its value's token) */
  t: Partial<Record<keyof V & string, Token>>;
}

// ---------------------------------------------------------------------------------------------
// Usage

function metaOf(p: ParamDecl): string {
  if (p.meta) return p.meta;
  if (p.kind === 'enum' && p.values) return p.values.join('|');
  return `<${p.name}>`;
}

/**
 * The usage synopsis: `alloc <name> order=<n> [gfp=<flags>] [cpu=<n>]`. For a process operation
 * it starts at the operation (`read <region> ...`); errors put the process's name before it.
 */
export function usage(d: StatementDecl): string {
  const parts = [d.name];
  const optional = d.args.filter((p) => p.optional).map(metaOf);
  for (const p of d.args) if (!p.optional) parts.push(metaOf(p));
  if (optional.length) parts.push(`[${optional.join(' ')}]`);
  if (d === STATEMENTS.limit) parts.push('[<name>=<n> ...]');
  else
    for (const p of d.opts) {
      const text = p.kind === 'flag' ? p.name : `${p.name}=${metaOf(p)}`;
      parts.push(p.required ? text : `[${text}]`);
    }
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// The generic check

/** What the check needs from the session. */
export interface CheckEnv {
  line: number;
  /** the word the statement is named by in messages: `alloc`, or `A read` for an operation */
  what: string;
  /** the usage as messages print it (`A read <region> ...` for an operation) */
  usage: string;
  /** the token errors about the statement as a whole point at (the command, the operation) */
  at: Token;
  /** the machine, once the syntax is right; throws when the statement needs more than there is */
  machine: (needs: 'machine' | 'booted') => Machine;
}

const IDENT = /^[A-Za-z_][\w-]*$/;

function alternatives(values: readonly string[], docs?: Readonly<Record<string, string>>): string {
  if (docs) values = values.map((v) => (Object.hasOwn(docs, v) ? `${v} (${docs[v]})` : v));
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

function bound(max: number | MachineBound | undefined, m: Machine | undefined): number | undefined {
  if (typeof max === 'number' || max === undefined) return max;
  if (!m) return undefined;
  return max === 'cpu' ? m.cfg.cpus - 1 : max === 'order' ? m.arch.maxPageOrder : m.pages.nrPages - 1;
}

/** Why `text` is not a value of `p` ('' when it is), and the value. */
function parseParam(p: ParamDecl, tok: Token): { value?: unknown; why?: string; expected?: string } {
  const text = tok.text;
  switch (p.kind) {
    case 'flag':
      return { value: true };
    case 'word':
    case 'process':
    case 'region':
    case 'allocation':
    case 'name':
      return { value: text };
    case 'ident':
      return IDENT.test(text)
        ? { value: text }
        : { why: `'${text}' is not ${p.what ?? 'a name'} (letters, digits, _ and -)` };
    case 'size':
    case 'count':
    case 'address':
    case 'int': {
      const neg = p.kind === 'int' && (p.min ?? 0) < 0 && text.startsWith('-');
      const n = parseNumber(neg ? text.slice(1) : text);
      const v = n === undefined ? undefined : neg ? -n : n;
      if (v === undefined || (p.kind === 'size' && v <= 0))
        return { why: `'${text}' is not ${p.what ?? 'a number'}` };
      return { value: v };
    }
    case 'gfp':
      try {
        return { value: parseGfp(text) };
      } catch (e) {
        return { why: (e as Error).message };
      }
    case 'enum':
      return p.values!.includes(text)
        ? { value: text }
        : {
            why: `unknown ${p.what ?? p.name} '${text}' (expected ${alternatives(p.values!, p.valueDocs)})`,
            expected: `expected ${alternatives(p.values!, p.valueDocs)}`,
          };
    case 'bool':
      if (text === '1' || text === 'yes' || text === 'on') return { value: true };
      if (text === '0' || text === 'no' || text === 'off') return { value: false };
      return { why: 'expected 0 or 1' };
    case 'value':
      if (tok.quoted) return { value: text };
      return parseNumber(text) === undefined
        ? { why: `'${text}' is not a number (quote text: "...")` }
        : { value: parseNumber(text) };
  }
}

/**
 * Check a statement's arguments against its declaration and give their typed values. Throws a
 * ScenarioError at the offending token: a missing or extra argument, an unknown key or flag, a key
 * given twice, a value not of its kind or outside its bounds. Machine-dependent bounds (a CPU
 * number, an order, a pfn) are checked once `needs` is met (env.machine throws when not).
 */
export function checkArgs<V>(d: StatementDecl, toks: readonly Token[], env: CheckEnv): Checked<V> {
  const err = (t: Token | undefined, msg: string, withUsage = true): ScenarioError =>
    new ScenarioError(
      env.line,
      (t ?? env.at).col,
      `${env.what}: ${msg}${withUsage ? ` (usage: ${env.usage})` : ''}`,
    );
  const v: Record<string, unknown> = {};
  const t: Record<string, Token> = {};
  const optByName = new Map(d.opts.map((p) => [p.name, p]));
  const isOption = (tok: Token) => {
    if (tok.quoted) return false;
    const eq = tok.text.indexOf('=');
    return eq > 0 ? optByName.has(tok.text.slice(0, eq)) : optByName.get(tok.text)?.kind === 'flag';
  };
  // positional arguments
  let i = 0;
  for (const p of d.args) {
    const tok = toks[i];
    if (!tok || isOption(tok)) {
      // trailing optional positionals go together: none given, or all
      if (p.optional && !d.args.some((q) => q.optional && t[q.name])) break;
      if (tok) throw err(tok, `expected ${p.what ?? metaOf(p)} before '${tok.text}'`);
      throw err(undefined, `expected ${p.what ?? metaOf(p)}`);
    }
    if (p.kind !== 'value' && p.kind !== 'word' && /^[A-Za-z_]\w*=/.test(tok.text) && !tok.quoted)
      throw err(tok, `expected ${p.what ?? metaOf(p)} before '${tok.text}'`);
    const r = parseParam(p, tok);
    if (r.why) throw err(tok, r.why);
    v[p.name] = r.value;
    t[p.name] = tok;
    i++;
  }
  // options: key=value and flags, in any order, each at most once
  for (; i < toks.length; i++) {
    const tok = toks[i]!;
    if (!d.opts.length)
      throw err(tok, d.args.length ? `too many arguments: '${tok.text}'` : 'takes no arguments');
    const eq = tok.quoted ? -1 : tok.text.indexOf('=');
    const key = eq > 0 ? tok.text.slice(0, eq) : tok.text;
    const p = optByName.get(key);
    const known = d.opts.map((o) => (o.kind === 'flag' ? o.name : `${o.name}=`)).join(', ');
    if (!p || (p.kind === 'flag') !== eq <= 0) {
      if (eq > 0) throw err(tok, `unknown key '${key}' (known: ${known})`);
      throw err(
        tok,
        d.opts.some((o) => o.kind === 'flag')
          ? `unknown flag '${tok.text}' (known: ${known})`
          : `expected key=value, got '${tok.text}'`,
      );
    }
    if (t[p.name]) throw err(tok, `'${p.name}' given twice`);
    const valTok: Token =
      eq > 0 ? { text: tok.text.slice(eq + 1), col: tok.col + eq + 1, quoted: false } : tok;
    const r = parseParam(p, valTok);
    if (r.why)
      throw err(
        valTok,
        `${key}=${valTok.text}: ${r.expected ?? r.why.replace(`'${valTok.text}' is not `, 'expected ')}`,
        false,
      );
    v[p.name] = r.value;
    t[p.name] = valTok;
  }
  for (const p of d.opts)
    if (p.required && !t[p.name]) {
      const last = toks[toks.length - 1] ?? env.at;
      throw new ScenarioError(
        env.line,
        last.col + last.text.length + 1,
        `${env.what}: ${p.name}=${metaOf(p)} is required (usage: ${env.usage})`,
      );
    }
  // bounds, some of them the machine's
  const m = d.needs === 'none' ? undefined : env.machine(d.needs);
  for (const p of [...d.args, ...d.opts]) {
    const tok = t[p.name];
    if (!tok || p.kind !== 'int') continue;
    const n = v[p.name] as number;
    const lo = p.min ?? 0;
    const hi = bound(p.max, m);
    if (n < lo || (hi !== undefined && n > hi))
      throw new ScenarioError(
        env.line,
        tok.col,
        `${env.what}: ${p.name}=${tok.text} is out of range ${lo}..${hi ?? '∞'}`,
      );
  }
  return { v: v as V, t: t as Checked<V>['t'] };
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** A size as a person writes it: 1G, 64M, 4K, or bytes when no unit divides it. */
function sizeText(n: number): string {
  for (const [unit, mul] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const)
    if (n > 0 && n % mul === 0) return `${n / mul}${unit}`;
  return String(n);
}

function formatValue(p: ParamDecl, value: unknown): string {
  if (p.kind === 'address' && typeof value === 'number') return `0x${value.toString(16)}`;
  if ((p.kind === 'size' || p.kind === 'count') && typeof value === 'number') return sizeText(value);
  if (p.kind === 'bool') return value ? 'yes' : 'no';
  if (p.kind === 'value' && typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function format(d: StatementDecl, args: Readonly<Record<string, unknown>>): string {
  const parts = [d.name];
  for (const p of d.args) {
    const value = args[p.name];
    if (value === undefined) {
      if (p.optional) continue;
      throw new Error(`${d.name}: ${p.name} is required`);
    }
    const text = formatValue(p, value);
    // a value that would not come back as one token is refused, not quoted into something else
    if (!text || /[\s#"]/.test(text)) throw new Error(`${d.name}: ${p.name} '${text}' is not one word`);
    parts.push(text);
  }
  for (const p of d.opts) {
    const value = args[p.name];
    if (value === undefined || (value === false && p.kind === 'flag')) continue;
    if (p.kind === 'flag') parts.push(p.name);
    else {
      const text = formatValue(p, value);
      if (!text || /[\s#"]/.test(text)) throw new Error(`${d.name}: ${p.name} '${text}' is not one word`);
      parts.push(`${p.name}=${text}`);
    }
  }
  return parts.join(' ');
}

/** The canonical text of statement `name` with typed arguments: `alloc k1 order=3 gfp=GFP_KERNEL`. */
export function formatStatement<N extends StatementName>(name: N, args: StatementArgs<N>): string {
  return format(STATEMENTS[name], args as Record<string, unknown>);
}

/** The canonical text of a process's operation: `A mmap r1 64K rw populate`. */
export function formatProcessOp<N extends ProcessOpName>(
  process: string,
  op: N,
  args: ProcessOpArgs<N>,
): string {
  if (!IDENT.test(process)) throw new Error(`'${process}' is not a process name`);
  return `${process} ${format(PROCESS_OPS[op], args as Record<string, unknown>)}`;
}

// ---------------------------------------------------------------------------------------------
// Results

/** One bio as blkdev_zeroout reports it: where it starts, how long it is, how many bvecs it holds. */
export interface BioInfo {
  sector: number;
  bytes: number;
  vecs: number;
}

/** The most bios a blkdev_zeroout result lists (before and after the split). */
export const RESULT_BIOS = 8;

/**
 * What a statement reports besides its output, for a host that shows it (the worker's `run` reply
 * carries the last one): the numbers the statement printed, as data.
 */
export type StatementResult =
  | {
      statement: 'drop_caches';
      /** pages the thp-zero shrinker freed */
      freed: number;
      /** THPs the thp-deferred_split shrinker split (absent when none) */
      split?: number;
    }
  | {
      statement: 'blkdev_zeroout';
      bytes: number;
      zero: 'page' | 'largest';
      /** the zero buffer every bvec points at */
      buffer: { pfn: number; bytes: number };
      bios: number;
      bvecs: number;
      /** the first RESULT_BIOS bios */
      firstBios: BioInfo[];
      /** after bio_split_to_limits() with max_transfer (null without one) */
      split: { bios: number; first: BioInfo[] } | null;
    };
