/**
 * mm — the MM Lab command line: runs a scenario headless in Node with the same core as the app.
 *
 *   npm run --silent mm -- run <file>     (file '-' reads standard input)
 *
 * Exit status: 0 every expect held; 1 an expect failed (each is reported); 2 the scenario is
 * malformed or impossible, reported as file:line:col: message.
 */
import { readFileSync } from 'node:fs';
import { runScenario } from '../core/scenario/run.ts';

const USAGE = `usage: mm run <file|->
  Runs a scenario (see docs/scenario-language.md) and prints each 'show' as
  ==> /proc/<file> <== followed by the file's text.
  exit 0: every expect held; 1: an expect failed; 2: malformed scenario.`;

function main(argv: string[]): number {
  const [cmd, file, ...rest] = argv;
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
    const r = runScenario(text, {
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
