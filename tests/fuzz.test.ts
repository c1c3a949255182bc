/**
 * The fuzzers of issue #13, kept: nothing a user types, pastes or opens may hang, crash or corrupt
 * the emulator.
 *
 * - scenario text: token soup from the language's own words, numbers with every suffix, Unicode
 *   spaces, quotes, comments and arbitrary graphemes. Every run ends with no error or a located
 *   ScenarioError that is not an internal one.
 * - share-link payloads: arbitrary JSON (and arbitrary bytes) deflated into a link. Decoding either
 *   gives a state or a ShareLinkError.
 * - random valid programs on 2–4 CPUs (processes, mmap/read/write/madvise/mprotect/munmap/fork/
 *   exit, kernel allocations, unmapped memory and the direct map), the invariant checker after every
 *   statement.
 *
 * `npm test` runs a few seconds' worth; FUZZ_RUNS=<n> runs n cases of each (a long run:
 * FUZZ_RUNS=100000). FC_SEED picks the programs (helpers/fc_seed.ts).
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/core/check.ts';
import { ScenarioError, parseScenario } from '../src/core/scenario/parse.ts';
import { COMMANDS, Session, runScenario } from '../src/core/scenario/run.ts';
import { ShareLinkError, decodeShare, toBase64Url } from '../src/ui/share/share_codec.ts';
import './helpers/fc_seed.ts';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 0);
/** cases per property: small by default, FUZZ_RUNS when set */
const runs = (byDefault: number) => (RUNS > 0 ? RUNS : byDefault);
/** no case may take long (limits bound each statement), but a long run takes what it takes */
const TIMEOUT = RUNS > 0 ? 0 : 60_000;

/** Small limits so a fuzzed `read r1 0 64M 1` is refused, not run for seconds. */
const LIMITS = 'limit accesses=65536 pagemap_lines=512 zeroout_bios=4096\n';

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
const scenarioText = fc
  .tuple(fc.boolean(), fc.array(line, { maxLength: 10 }), fc.constantFrom('\n', '\r\n'))
  .map(
    ([booted, lines, nl]) =>
      (booted ? 'machine ram=128M cpus=2\nboot\nspawn A\nA mmap r1 1M rw\n' : '') + lines.join(nl),
  );

describe('fuzz: scenario text', () => {
  it(
    'every text ends with no error or a located, non-internal one',
    () => {
      fc.assert(
        fc.property(scenarioText, (text) => {
          const r = runScenario(LIMITS + text, { out: () => {} });
          if (!r.error) return;
          expect(r.error.internal, r.error.message).toBe(false);
          expect(r.error.line).toBeGreaterThanOrEqual(1);
          expect(r.error.col).toBeGreaterThanOrEqual(1);
          const lines = (LIMITS + text).replace(/^\ufeff/, '').split('\n');
          expect(r.error.line).toBeLessThanOrEqual(lines.length);
        }),
        { numRuns: runs(30) },
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: share-link payloads', () => {
  const hashOf = (bytes: Uint8Array) => `#s=${toBase64Url(new Uint8Array(deflateRawSync(bytes)))}`;
  const onlyShareErrors = async (hash: string) => {
    try {
      await decodeShare(hash);
    } catch (e) {
      if (!(e instanceof ShareLinkError)) throw e;
    }
  };

  it(
    'any JSON or bytes in a link decode to a state or a ShareLinkError',
    async () => {
      const json = fc.oneof(
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
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            json.map((j) => hashOf(new TextEncoder().encode(j))),
            fc.uint8Array({ maxLength: 64 }).map(hashOf),
            fc.string({ maxLength: 40 }).map((s) => `#s=${s}`),
            fc.string({ maxLength: 40 }),
          ),
          fc.option(fc.string({ maxLength: 12 })),
          async (hash, step) => onlyShareErrors(step === null ? hash : `${hash}&step=${step}`),
        ),
        { numRuns: runs(150) },
      );
    },
    TIMEOUT,
  );
});

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

const program = fc
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

describe('fuzz: random valid programs across CPUs', () => {
  it(
    'every statement leaves the machine consistent, and nothing is an internal error',
    () => {
      fc.assert(
        fc.property(program, ({ machine, body }) => {
          const session = new Session({ out: () => {} });
          const stmts = parseScenario(`${machine}\nboot\n${LIMITS}${body.join('\n')}\n`);
          for (const s of stmts) {
            try {
              session.exec(s);
            } catch (e) {
              // a statement about a process or region that does not exist (yet) is a scenario error
              if (!(e instanceof ScenarioError) || e.internal) throw e;
            }
            const errs = session.machine ? checkInvariants(session.machine) : [];
            expect(errs, `after line ${s.line}: ${s.text}`).toEqual([]);
          }
        }),
        { numRuns: runs(8) },
      );
    },
    TIMEOUT,
  );
});
