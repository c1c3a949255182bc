/**
 * The fuzz cases of issue #13, shared by tests/fuzz.test.ts (a bounded number in `npm test`) and
 * scripts/fuzz.ts (long runs in batches of child processes). Each kind is an arbitrary and a
 * runner that classifies one case without throwing: ok, or the failure's class and message.
 *
 * - text: token soup from the language's own words, numbers with every suffix, Unicode spaces,
 *   quotes, comments and arbitrary graphemes. Ok: no error, or a located ScenarioError that is not
 *   an internal one.
 * - share: arbitrary JSON (and arbitrary bytes) deflated into a link. Ok: a state or a
 *   ShareLinkError.
 * - programs: random valid programs on 2-4 CPUs (processes, mmap/read/write/madvise/mprotect/
 *   munmap/fork/exit, kernel allocations, unmapped memory and the direct map). Ok: the invariant
 *   checker finds nothing after every statement, and no statement is an internal error.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { checkInvariants } from '../../src/core/check.ts';
import { ScenarioError, parseScenario } from '../../src/core/scenario/parse.ts';
import { COMMANDS, Session, runScenario } from '../../src/core/scenario/run.ts';
import { ShareLinkError, decodeShare, toBase64Url } from '../../src/ui/share/share_codec.ts';

/** How one case ended: ok, or the class of failure (a hang or a crash is seen from outside). */
export type Outcome =
  { ok: true } | { ok: false; kind: 'internal' | 'unlocated' | 'invariant' | 'exception'; message: string };

const OK: Outcome = { ok: true };
const why = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Small limits so a fuzzed `read r1 0 64M 1` is refused, not run for seconds. */
export const LIMITS = 'limit accesses=65536 pagemap_lines=512 zeroout_bios=4096 swap_pages=65536\n';

const SPACES = [' ', '\t', '\u00a0', '\u3000', '\u000b', '\u2028', '\ufeff', '\u200a', '\r'];
const WORDS = [
  ...COMMANDS,
  'A',
  'B',
  'mmap',
  'read',
  'write',
  'madvise',
  'mprotect',
  'munmap',
  'fork',
  'exit',
  'r1',
  'r2',
  'rw',
  'r',
  'none',
  'shared',
  'populate',
  'dontneed',
  'populate_read',
  'hugepage',
  'nohugepage',
  'order=0',
  'order=3',
  'order=99',
  'gfp=GFP_KERNEL',
  'gfp=constructor',
  'gfp=__GFP_UNMAPPED',
  'cpu=1',
  'ram=1G',
  'ram=64M',
  'ram=constructor',
  'arch=arm64',
  'arch=mips',
  'granule=64K',
  'huge_zero=static_pmd',
  'thp=always',
  'page_alloc_unmapped=yes',
  'until=memblock_free_all',
  'max_transfer=512',
  'zero=page',
  'invalid',
  'default',
  'flush',
  'pages=2',
  'accesses=10',
  '/proc/meminfo',
  '/proc/A/status',
  '/proc/A/hasOwnProperty',
  '/proc/buddyinfo:DMA[3]',
  'dmesg',
  'tlb',
  'mermap',
  'zero_page_pfn',
  'nr_free_pages',
  'pfn(k)',
  'k',
  '==',
  '>=',
  'contains',
  'constructor',
  'toString',
  '__proto__',
  'valueOf',
  '"quoted text"',
  '"unterminated',
  '#',
  '=',
];
const NUMBERS = [
  '0',
  '1',
  '7',
  '4K',
  '4095',
  '64K',
  '2M',
  '64M',
  '1G',
  '64G',
  '8000T',
  '0x1000',
  '-1',
  '1.5',
  '99999999999999999999',
];

const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
const line = fc
  .array(fc.tuple(token, fc.constantFrom(...SPACES)), { maxLength: 7 })
  .map((ts) => ts.map(([t, s]) => t + s).join(''));
export const scenarioText = fc
  .tuple(fc.boolean(), fc.array(line, { maxLength: 10 }), fc.constantFrom('\n', '\r\n'))
  .map(
    ([booted, lines, nl]) =>
      (booted ? 'machine ram=128M cpus=2\nboot\nspawn A\nA mmap r1 1M rw\n' : '') + lines.join(nl),
  );

/** Run one scenario text: a located, non-internal error or none. */
export function runTextCase(text: string): Outcome {
  let r;
  try {
    r = runScenario(LIMITS + text, { out: () => {} });
  } catch (e) {
    return { ok: false, kind: 'exception', message: why(e) };
  }
  if (!r.error) return OK;
  if (r.error.internal) return { ok: false, kind: 'internal', message: r.error.message };
  const lines = (LIMITS + text).replace(/^\ufeff/, '').split('\n');
  if (r.error.line < 1 || r.error.col < 1 || r.error.line > lines.length)
    return { ok: false, kind: 'unlocated', message: `${r.error.line}:${r.error.col}: ${r.error.message}` };
  return OK;
}

const hashOf = (bytes: Uint8Array) => `#s=${toBase64Url(new Uint8Array(deflateRawSync(bytes)))}`;

const shareJson = fc.oneof(
  fc.json(),
  fc
    .record({
      v: fc.oneof(fc.constant(1), fc.jsonValue()),
      config: fc.dictionary(
        fc.constantFrom('arch', 'ram', 'cpus', 'constructor', '__proto__', 'toString', 'granule'),
        fc.jsonValue(),
      ),
      boot: fc.oneof(fc.boolean(), fc.jsonValue()),
      entries: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      sel: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
    })
    .map((o) => JSON.stringify(o)),
);

/** A share link's hash: deflated JSON or bytes, or junk, with or without a `&step=`. */
export const shareHash: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      shareJson.map((j) => hashOf(new TextEncoder().encode(j))),
      fc.uint8Array({ maxLength: 64 }).map(hashOf),
      fc.string({ maxLength: 40 }).map((s) => `#s=${s}`),
      fc.string({ maxLength: 40 }),
    ),
    fc.option(fc.string({ maxLength: 12 })),
  )
  .map(([hash, step]) => (step === null ? hash : `${hash}&step=${step}`));

/** Decode one link: a state or a ShareLinkError. */
export async function runShareCase(hash: string): Promise<Outcome> {
  try {
    await decodeShare(hash);
  } catch (e) {
    if (!(e instanceof ShareLinkError)) return { ok: false, kind: 'exception', message: why(e) };
  }
  return OK;
}

// --- random valid programs, the invariants after every statement --------------------------------

const PROCS = ['P0', 'P1', 'P2', 'P3'];
const REGIONS = ['r0', 'r1', 'r2'];
const PAGE = 4096;

const proc = fc.constantFrom(...PROCS);
const region = fc.constantFrom(...REGIONS);
/** an offset and length in pages inside a region of at most 64 pages */
const span = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 16 }))
  .map(([o, n]) => `0x${(o * PAGE).toString(16)} 0x${(n * PAGE).toString(16)}`);

const statement = (cpus: number, unmapped: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: 0, max: cpus - 1 }).map((c) => `cpu ${c}`) },
    { weight: 2, arbitrary: proc.map((p) => `spawn ${p}`) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          proc,
          region,
          fc.integer({ min: 1, max: 64 }),
          fc.constantFrom('rw', 'rw', 'r', 'none'),
          fc.constantFrom('', ' shared', ' populate'),
        )
        .map(([p, r, n, prot, f]) => `${p} mmap ${r} ${n * PAGE} ${prot}${f}`),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          proc,
          region,
          span,
          fc.constantFrom(1, 512, 4096),
          fc.integer({ min: 0, max: 255 }),
          fc.boolean(),
        )
        .map(([p, r, s, stride, b, w]) =>
          w ? `${p} write ${r} ${s} ${stride} ${b}` : `${p} read ${r} ${s} ${stride}`,
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          proc,
          region,
          span,
          fc.constantFrom('dontneed', 'populate_read', 'populate_write', 'hugepage', 'nohugepage'),
        )
        .map(([p, r, s, a]) => `${p} madvise ${r} ${s} ${a}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(proc, region, span, fc.constantFrom('none', 'r', 'rw'))
        .map(([p, r, s, prot]) => `${p} mprotect ${r} ${s} ${prot}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(proc, region, fc.option(span))
        .map(([p, r, s]) => `${p} munmap ${r}${s ? ` ${s}` : ''}`),
    },
    { weight: 2, arbitrary: fc.tuple(proc, proc).map(([p, c]) => `${p} fork ${c}`) },
    { weight: 1, arbitrary: proc.map((p) => `${p} exit`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 0, max: 4 }),
          fc.constantFrom(
            'GFP_KERNEL',
            'GFP_ATOMIC',
            'GFP_KERNEL|__GFP_ZERO',
            ...(unmapped ? ['GFP_KERNEL|__GFP_UNMAPPED'] : []),
          ),
        )
        .map(([k, o, g]) => `alloc k${k} order=${o} gfp=${g}`),
    },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => `free k${k}`) },
    ...(unmapped
      ? [
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('invalid', 'default'), fc.boolean())
              .map(([k, op, f]) => `direct_map k${k} ${op}${f ? ' flush' : ''}`),
          },
          { weight: 1, arbitrary: fc.constant('preempt pages=1') },
          { weight: 1, arbitrary: fc.constant('resume') },
        ]
      : []),
    { weight: 1, arbitrary: fc.constantFrom('drain', 'sleep', 'drop_caches', 'flush_tlb_local') },
  );

export const program = fc
  .record({
    cpus: fc.integer({ min: 2, max: 4 }),
    thp: fc.constantFrom('never', 'madvise', 'always'),
    unmapped: fc.boolean(),
    initOnFree: fc.boolean(),
  })
  .chain((c) =>
    fc.record({
      machine: fc.constant(
        `machine ram=128M cpus=${c.cpus} thp=${c.thp} init_on_free=${c.initOnFree ? 1 : 0} page_alloc_unmapped=${c.unmapped ? 'yes' : 'no'}`,
      ),
      body: fc.array(statement(c.cpus, c.unmapped), { minLength: 1, maxLength: 40 }),
    }),
  );

export interface Program {
  machine: string;
  body: string[];
}

/** The program as scenario text (what a failure report prints). */
export function programText(p: Program): string {
  return `${p.machine}\nboot\n${LIMITS}${p.body.join('\n')}\n`;
}

/** Run one program statement by statement, the invariant checker after each. */
export function runProgramCase(p: Program): Outcome {
  const session = new Session({ out: () => {} });
  const stmts = parseScenario(programText(p));
  for (const s of stmts) {
    try {
      session.exec(s);
    } catch (e) {
      // a statement about a process or region that does not exist (yet) is a scenario error
      if (!(e instanceof ScenarioError))
        return { ok: false, kind: 'exception', message: `line ${s.line}: ${s.text}: ${why(e)}` };
      if (e.internal)
        return { ok: false, kind: 'internal', message: `line ${s.line}: ${s.text}: ${e.message}` };
    }
    let errs: string[];
    try {
      errs = session.machine ? checkInvariants(session.machine) : [];
    } catch (e) {
      return { ok: false, kind: 'exception', message: `checking after line ${s.line}: ${why(e)}` };
    }
    if (errs.length)
      return {
        ok: false,
        kind: 'invariant',
        message: `after line ${s.line}: ${s.text}: ${errs.slice(0, 3).join('; ')}`,
      };
  }
  return OK;
}
