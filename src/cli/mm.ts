/**
 * mm — the MM Lab command line: runs a scenario headless in Node with the same core as the app.
 *
 *   npm run --silent mm -- run [--check] <file>     (file '-' reads standard input)
 *
 * Exit status: 0 every expect held; 1 an expect failed (each is reported), or with --check a
 * statement broke an invariant; 2 the scenario is malformed or impossible, reported as
 * file:line:col: message.
 */
import { readFileSync } from 'node:fs';
import type { PhysicalRam } from '../core/phys/ram.ts';
import { runScenario } from '../core/scenario/run.ts';

const USAGE = `usage: mm run [--check] <file|->
  Runs a scenario (see docs/scenario-language.md) and prints each 'show' as
  ==> /proc/<file> <== followed by the file's text.
  --check  runs the invariant checker after every statement and stops at the first
           statement that leaves the machine inconsistent (a bug in the emulator: report it).
  exit 0: every expect held; 1: an expect failed, or an invariant broke; 2: malformed scenario.`;

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const [cmd, file, ...rest] = argv.filter((a) => a !== '--check');
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (cmd !== 'run' || !file || rest.length) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    process.stderr.write(
      `mm: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return 2;
  }
  const name = file === '-' ? '<stdin>' : file;
  let buf = '';
  const flush = () => {
    if (buf) process.stdout.write(buf);
    buf = '';
  };
  try {
    let ram: PhysicalRam | undefined;
    const r = runScenario(text, {
      check,
      onMachine: (m) => void (ram = m.ram),
      // written RAM stored compactly after each statement, as the app does (phys/ram.ts)
      onStatement: () => void ram?.compact(),
      out: (s) => {
        buf += s;
        if (buf.length > 1 << 16) flush();
      },
    });
    flush();
    if (r.error) {
      const where = r.error.line ? `${name}:${r.error.line}:${r.error.col}` : name;
      process.stderr.write(`${where}: ${r.error.message}\n`);
      return 2;
    }
    if (r.violation) {
      const v = r.violation;
      const shown = v.errors
        .slice(0, 20)
        .map((e) => `  ${e}\n`)
        .join('');
      const more = v.errors.length > 20 ? `  ... ${v.errors.length - 20} more\n` : '';
      process.stderr.write(
        `${name}:${v.line}:${v.col}: invariant violated after '${v.text}' (a bug in the emulator):\n${shown}${more}`,
      );
      return 1;
    }
    if (r.failures.length) {
      for (const f of r.failures) process.stderr.write(`${name}: ${f}\n`);
      process.stderr.write(`${r.failures.length} expect(s) failed\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    flush();
    // A bug in the emulator, not in the scenario: say so plainly, without a stack trace.
    process.stderr.write(`${name}: internal error in the emulator: ${(e as Error).message}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
