/**
 * The long fuzz run of issue #13: `npm run fuzz -- --runs 100000 [--batch 2000] [--kinds
 * text,share,programs] [--seed 1] [--case-timeout 60] [--jobs 1]`.
 *
 * The cases are tests/helpers/fuzz_cases.ts's (the same as tests/fuzz.test.ts runs a few of). They
 * run in batches, each in a child process of its own: a batch is `count` cases drawn by fast-check
 * from one seed (fc.sample), so any case is replayed from (kind, seed, index) with `--show`. The
 * parent reads which case a child is on; a child that spends --case-timeout seconds of CPU on one
 * case is a hang (killed, and the batch goes on after that case), a child that dies is a crash (the
 * same). Each child's
 * memory at the end of its batch is printed, so growth per case shows up as growth per batch.
 *
 * Why batches: one process running 100,000 cases in vitest died after 24 minutes (see
 * docs/ACCURACY.md, Fuzzing); with a child per batch, a case that hangs or crashes is counted and
 * the run goes on, and each batch's memory goes back to the system.
 *
 *   npm run fuzz -- --show programs 42 17     # print case 17 of seed 42's programs batch
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import {
  program,
  programText,
  runProgramCase,
  runShareCase,
  runTextCase,
  scenarioText,
  shareHash,
  type Outcome,
  type Program,
} from '../tests/helpers/fuzz_cases.ts';

const KINDS = ['text', 'share', 'programs'] as const;
type Kind = (typeof KINDS)[number];

/** The cases of one batch, as fast-check draws them from `seed`. */
function batchCases(kind: Kind, seed: number, count: number): unknown[] {
  const arb: fc.Arbitrary<unknown> = kind === 'text' ? scenarioText : kind === 'share' ? shareHash : program;
  return fc.sample(arb, { seed, numRuns: count });
}

function runCase(kind: Kind, c: unknown): Outcome | Promise<Outcome> {
  if (kind === 'text') return runTextCase(c as string);
  if (kind === 'share') return runShareCase(c as string);
  return runProgramCase(c as Program);
}

function describeCase(kind: Kind, c: unknown): string {
  return kind === 'programs' ? programText(c as Program) : JSON.stringify(c);
}

// --- child: one batch ------------------------------------------------------------------------

/** Run cases [from, count) of a batch; one line per case to stdout (`@i`), a JSON line per failure. */
async function child(kind: Kind, seed: number, count: number, from: number): Promise<void> {
  const cases = batchCases(kind, seed, count);
  const out = (s: string) => process.stdout.write(s + '\n');
  for (let i = from; i < count; i++) {
    out(`@${i}`);
    const r = await runCase(kind, cases[i]);
    if (!r.ok)
      out(
        JSON.stringify({ fail: { kind, seed, index: i, class: r.kind, message: r.message.slice(0, 500) } }),
      );
  }
  const mem = process.memoryUsage();
  out(JSON.stringify({ done: { rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external } }));
}

// --- parent -----------------------------------------------------------------------------------

interface Failure {
  kind: Kind;
  seed: number;
  index: number;
  class: string;
  message: string;
}

interface Totals {
  cases: Record<Kind, number>;
  hangs: Failure[];
  crashes: Failure[];
  failures: Failure[];
  /** the largest RSS a child reported at the end of a batch, per kind (MiB) */
  peakRss: Record<Kind, number>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** CPU time a process used (user + system), in ms, from /proc (0 where there is none). */
function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of proc(5); the slice starts at field 3. USER_HZ is 100.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Run one batch in children (a new child after a hang or crash) until its cases are done. */
async function runBatch(
  kind: Kind,
  seed: number,
  count: number,
  caseTimeoutMs: number,
  t: Totals,
): Promise<void> {
  let from = 0;
  while (from < count) {
    let current = from - 1;
    let done = false;
    let hung = false;
    const p = spawn(
      process.execPath,
      [...process.execArgv, process.argv[1]!, '--child', kind, String(seed), String(count), String(from)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    // A hang is a case that used --case-timeout of CPU, not of wall time: run at nice 19 on a busy
    // machine, a child can wait a minute for a core without being stuck.
    let timer: NodeJS.Timeout;
    let cpuAtCase = 0;
    const arm = () => {
      clearTimeout(timer);
      cpuAtCase = cpuMs(p.pid);
      const check = () => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        // before its first case the child is starting (loading the core): not a case's time
        if (current < from || cpuMs(p.pid) - cpuAtCase < caseTimeoutMs) {
          timer = setTimeout(check, caseTimeoutMs / 4);
          return;
        }
        hung = true;
        p.kill('SIGKILL');
      };
      timer = setTimeout(check, caseTimeoutMs);
    };
    arm();
    const lines = createInterface({ input: p.stdout });
    lines.on('line', (l) => {
      arm();
      if (l.startsWith('@')) {
        current = Number(l.slice(1));
        if (current > from) t.cases[kind]++; // the case before it finished
        return;
      }
      const msg = JSON.parse(l) as { fail?: Failure; done?: { rss: number } };
      if (msg.fail) {
        t.failures.push(msg.fail);
        console.error(`FAIL ${JSON.stringify(msg.fail)}`);
      }
      if (msg.done) {
        done = true;
        t.cases[kind]++; // the last case
        t.peakRss[kind] = Math.max(t.peakRss[kind], Math.round(msg.done.rss / 2 ** 20));
      }
    });
    const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
    clearTimeout(timer!);
    await new Promise((r) => setImmediate(r));
    if (done && code === 0) return;
    // The case being run when the child stopped: a hang (killed by us) or a crash; go on after it.
    const at = Math.max(current, from);
    const f: Failure = {
      kind,
      seed,
      index: at,
      class: hung ? 'hang' : 'crash',
      message: hung
        ? `${caseTimeoutMs} ms of CPU on one case`
        : `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    };
    (hung ? t.hangs : t.crashes).push(f);
    console.error(`${f.class.toUpperCase()} ${JSON.stringify(f)}`);
    t.cases[kind]++;
    from = at + 1;
  }
}

async function parent(): Promise<void> {
  const runs = Number(arg('runs', '3000'));
  const batch = Number(arg('batch', '2000'));
  const kinds = arg('kinds', KINDS.join(','))
    .split(',')
    .filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
  const seed0 = Number(arg('seed', '1'));
  const caseTimeoutMs = Number(arg('case-timeout', '60')) * 1000;
  const jobs = Math.max(1, Number(arg('jobs', '1')));
  const deadline = process.argv.includes('--until') ? Date.parse(arg('until', '')) : Infinity;
  const t: Totals = {
    cases: { text: 0, share: 0, programs: 0 },
    hangs: [],
    crashes: [],
    failures: [],
    peakRss: { text: 0, share: 0, programs: 0 },
  };
  // Batches round-robin over the kinds, each kind's seeds seed0, seed0+1, ...
  const plan: { kind: Kind; seed: number; count: number }[] = [];
  for (let left = runs, n = 0; left > 0; n++) {
    const kind = kinds[n % kinds.length]!;
    const count = Math.min(batch, left);
    plan.push({ kind, seed: seed0 + Math.floor(n / kinds.length), count });
    left -= count;
  }
  const started = Date.now();
  let next = 0;
  const total = () => t.cases.text + t.cases.share + t.cases.programs;
  const worker = async () => {
    while (next < plan.length && Date.now() < deadline) {
      const b = plan[next++]!;
      await runBatch(b.kind, b.seed, b.count, caseTimeoutMs, t);
      const s = ((Date.now() - started) / 1000).toFixed(0);
      console.error(
        `[${s} s] ${total()} cases (text ${t.cases.text}, share ${t.cases.share}, programs ${t.cases.programs}); hangs ${t.hangs.length}, crashes ${t.crashes.length}, failures ${t.failures.length}; peak child RSS MiB ${JSON.stringify(t.peakRss)}`,
      );
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const byClass = (c: string) => t.failures.filter((f) => f.class === c).length;
  const all = [...t.hangs, ...t.crashes, ...t.failures];
  const summary = {
    cases: total(),
    byKind: t.cases,
    hangs: t.hangs.length,
    crashes: t.crashes.length,
    internalErrors: byClass('internal'),
    invariantViolations: byClass('invariant'),
    unlocatedErrors: byClass('unlocated'),
    exceptions: byClass('exception'),
    seconds: Math.round((Date.now() - started) / 1000),
    peakChildRssMiB: t.peakRss,
    failures: all
      .slice(0, 50)
      .map((f) => ({ ...f, replay: `npm run fuzz -- --show ${f.kind} ${f.seed} ${f.index}` })),
  };
  console.log(JSON.stringify(summary, null, 2));
  process.exitCode = all.length ? 1 : 0;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--child');
  if (i >= 0) {
    const [kind, seed, count, from] = process.argv.slice(i + 1);
    return child(kind as Kind, Number(seed), Number(count), Number(from));
  }
  const s = process.argv.indexOf('--show');
  if (s >= 0) {
    const [kind, seed, index] = process.argv.slice(s + 1) as [Kind, string, string];
    const c = batchCases(kind, Number(seed), Number(index) + 1)[Number(index)];
    console.log(describeCase(kind, c));
    console.log(JSON.stringify(await runCase(kind, c)));
    return;
  }
  return parent();
}

await main();
