/**
 * The mutation check (issue #14): each step the kernel cannot do without — a TLB flush, the
 * migratetype update of a buddy merge — is deleted, one at a time, from a copy of the source, and
 * the tests that should notice are run against the copy. A mutant the tests still pass "survives":
 * the step could vanish and nothing would say so. Exit status 1 when any mutant survives.
 *
 *   npm run mutation                 # every mutant
 *   npm run mutation -- zap dup_mmap # the named ones
 *   npm run mutation -- --baseline   # first run the tests on an unmutated copy (they must pass)
 *
 * The deletion is a real source edit in a temporary copy of the tree (node_modules linked), not a
 * flag in the code: the code under test is exactly the code that ships, minus one line.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { MUTANTS, type Mutant } from './mutants.ts';

const root = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const baseline = args.includes('--baseline');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !MUTANTS.some((mu) => mu.name === n));
if (unknown.length) {
  console.error(
    `unknown mutant(s): ${unknown.join(', ')}; known: ${MUTANTS.map((mu) => mu.name).join(', ')}`,
  );
  process.exit(2);
}
const chosen = names.length ? MUTANTS.filter((mu) => names.includes(mu.name)) : MUTANTS;

/** A fresh copy of the tree: sources, tests, configs; node_modules linked, not copied. */
function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmlab-mutant-'));
  const skip = new Set(['node_modules', '.git', 'dist', 'test-results', 'playwright-report']);
  cpSync(root, dir, {
    recursive: true,
    filter: (src) => !skip.has(relative(root, src).split('/')[0]!),
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Delete the one line of `mu.file` that contains `mu.line` (it must occur exactly once). */
function applyMutant(dir: string, mu: Mutant): void {
  const path = join(dir, mu.file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(mu.line) ? [i] : []));
  if (hits.length !== 1)
    throw new Error(
      `${mu.name}: "${mu.line}" occurs ${hits.length} times in ${mu.file} (must be once: the mutant list is out of date)`,
    );
  lines.splice(hits[0]!, 1);
  writeFileSync(path, lines.join('\n'));
}

/** Run the mutant's tests in `dir`; true when they pass. */
function testsPass(dir: string, mu: Mutant): { pass: boolean; seconds: number; failed: string } {
  const t0 = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', '--bail=1', ...mu.tests], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  // the first failing test and the first invariant it broke, for the report
  const failed = [
    out.match(/FAIL +(.+)/)?.[1]?.trim(),
    out.match(/invariant violation\(s\):\n\s*(.+)/)?.[1]?.trim() ?? out.match(/(AssertionError: .+)/)?.[1],
  ]
    .filter(Boolean)
    .join('\n      ');
  return { pass: r.status === 0, seconds: Math.round((Date.now() - t0) / 1000), failed };
}

let survived = 0;
if (baseline) {
  const dir = copyTree();
  const files = [...new Set(chosen.flatMap((mu) => mu.tests))];
  const r = testsPass(dir, { name: 'baseline', file: '', line: '', why: '', tests: files });
  rmSync(dir, { recursive: true, force: true });
  console.log(`baseline (no mutation): ${r.pass ? 'pass' : 'FAIL'} (${r.seconds} s)`);
  if (!r.pass) {
    console.log(`  ${r.failed}\nthe tests fail without a mutation: fix them first`);
    process.exit(1);
  }
}
for (const mu of chosen) {
  const dir = copyTree();
  try {
    applyMutant(dir, mu);
    const r = testsPass(dir, mu);
    if (r.pass) survived++;
    console.log(
      `${r.pass ? 'SURVIVED' : 'killed  '} ${mu.name} (${r.seconds} s): delete \`${mu.line}\` in ${mu.file}`,
    );
    console.log(`      ${r.pass ? `no test in ${mu.tests.join(', ')} noticed: ${mu.why}` : r.failed}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`${chosen.length - survived} killed, ${survived} survived`);
process.exit(survived ? 1 : 0);
