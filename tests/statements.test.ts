/**
 * The statement table (src/core/scenario/statements.ts): the generic grammar check every statement
 * and process operation goes through, the canonical text the client formats from typed arguments,
 * the client's typed `statement` method (the app's one path for machine changes), and the docs'
 * statement reference agreeing with the table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/core/scenario/run.ts';
import {
  PREEMPT_MAX_PAGES,
  PROCESS_OPS,
  PROCESS_OP_NAMES,
  STATEMENTS,
  STATEMENT_NAMES,
  checkArgs,
  formatProcessOp,
  formatStatement,
  usage,
} from '../src/core/scenario/statements.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { MERMAP_CPU_PAGES } from '../src/core/mm/mermap.ts';
import { MachineClient, StatementError } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

/** `line:col: message` of the scenario's error, or 'no error'. */
function where(text: string): string {
  const r = runScenario(text, { out: () => {} });
  return r.error ? `${r.error.line}:${r.error.col}: ${r.error.message}` : 'no error';
}

describe('the generic check: arity, keys and kinds, located, with the usage', () => {
  it('a missing argument names what is missing and shows the usage', () => {
    expect(where('boot\nfree\n')).toBe(
      '2:1: free: expected the name of an allocation (usage: free <name> [cpu=<n>])',
    );
    expect(where('boot\nspawn A\nA read r1 0\n')).toBe(
      '3:3: A read: expected a length (usage: A read <region> <offset> <length> <stride>)',
    );
  });

  it('an extra argument is pointed at', () => {
    expect(where('boot\nspawn A B\n')).toBe("2:9: spawn: too many arguments: 'B' (usage: spawn <name>)");
    expect(where('boot\ndrain now\n')).toBe('2:7: drain: takes no arguments (usage: drain)');
    expect(where('boot\nspawn A\nA exit now\n')).toBe('3:8: A exit: takes no arguments (usage: A exit)');
  });

  it('an unknown key or flag lists the known ones, at its column', () => {
    expect(where('boot\nalloc k order=1 colour=red\n')).toBe(
      "2:17: alloc: unknown key 'colour' (known: order=, gfp=, cpu=) (usage: alloc <name> order=<n> [gfp=<flags>] [cpu=<n>])",
    );
    expect(where('boot\nspawn A\nA mmap r1 4K rw huge\n')).toMatch(
      /^3:17: A mmap: unknown flag 'huge' \(known: shared, populate, locked, devzero, file=, offset=, at=\)/,
    );
    expect(where('boot\nalloc k order=1 order=2\n')).toMatch(/^2:17: alloc: 'order' given twice/);
  });

  it('a value of the wrong kind is refused at the value', () => {
    expect(where('boot\nspawn A\nA mmap r1 lots rw\n')).toBe(
      "3:11: A mmap: 'lots' is not a length (usage: A mmap <region> <length> none|r|rw|x|rx|rwx [shared] [populate] [locked] [devzero] [file=<name>] [offset=<n>] [at=<address>])",
    );
    expect(where('boot\nspawn A\nA mmap r1 4K wx\n')).toMatch(
      /^3:14: A mmap: unknown protection 'wx' \(expected none, r, rw, x, rx or rwx\)/,
    );
    expect(where('boot\nspawn A\nA mmap r1 4K rw at=here\n')).toBe(
      '3:20: A mmap: at=here: expected an address',
    );
    expect(where('boot\nalloc k order=99\n')).toBe('2:15: alloc: order=99 is out of range 0..10');
    expect(where('boot\ncpu 2\n')).toBe('2:5: cpu: cpu=2 is out of range 0..1');
    expect(where('boot\nswapon 4M prio=-2\n')).toBe('2:16: swapon: prio=-2 is out of range -1..32767');
    expect(where('machine cpus=two\n')).toBe('1:14: machine: cpus=two: expected a number');
  });

  it('a required key that is missing is located after the last argument', () => {
    expect(where('boot\nalloc k\n')).toBe(
      '2:9: alloc: order=<n> is required (usage: alloc <name> order=<n> [gfp=<flags>] [cpu=<n>])',
    );
  });

  it('an unknown operation lists the declared ones, once', () => {
    expect(where('boot\nspawn A\nA frob\n')).toBe(
      `3:3: A: unknown operation 'frob' (${PROCESS_OP_NAMES.join(', ')})`,
    );
  });

  it('trailing optional positionals go together (munmap: all of the region, or offset and length)', () => {
    expect(where('boot\nspawn A\nA mmap r1 8K rw\nA munmap r1 0 4K\nA munmap r1\n')).toBe('no error');
    expect(where('boot\nspawn A\nA mmap r1 8K rw\nA munmap r1 0\n')).toMatch(
      /^4:3: A munmap: expected a length/,
    );
  });
});

describe('formatting from typed arguments', () => {
  it('builds the canonical line, which parses back to the same statement', () => {
    expect(formatStatement('alloc', { name: 'k1', order: 3, gfp: 'GFP_KERNEL|__GFP_ZERO' })).toBe(
      'alloc k1 order=3 gfp=GFP_KERNEL|__GFP_ZERO',
    );
    expect(formatStatement('blkdev_zeroout', { bytes: 1024, zero: 'page', max_transfer: 512 })).toBe(
      'blkdev_zeroout 1K zero=page max_transfer=512',
    );
    expect(formatStatement('direct_map', { name: 'k', state: 'invalid', flush: true })).toBe(
      'direct_map k invalid flush',
    );
    expect(formatProcessOp('A', 'mmap', { region: 'r1', length: 8192, prot: 'rw', at: 0x10000 })).toBe(
      'A mmap r1 8K rw at=0x10000',
    );
    const [s] = parseScenario(formatStatement('drop_caches', {}));
    expect(s!.cmd).toBe('drop_caches');
  });

  it('the line checks back to the typed values it was made from', () => {
    const env = (what: string, line: string) => ({
      line: 1,
      what,
      usage: what,
      at: { text: what, col: 1, quoted: false },
      machine: () => {
        throw new Error(`${line}: needs no machine here`);
      },
    });
    const args = {
      region: 'r1',
      offset: 0,
      old_length: 2 ** 21,
      new_length: 2 ** 22,
      maymove: true,
      as: 'r2',
    };
    const line = formatProcessOp('A', 'mremap', args);
    expect(line).toBe('A mremap r1 0 2M 4M maymove as=r2');
    const [s] = parseScenario(line);
    expect(checkArgs(PROCESS_OPS.mremap, s!.args.slice(1), env('A mremap', line)).v).toEqual(args);
  });

  it('refuses a value that would not stay one word', () => {
    expect(() => formatStatement('alloc', { name: 'k 1', order: 0 })).toThrow(/is not one word/);
    expect(() => formatStatement('free', { name: 'k#x' })).toThrow(/is not one word/);
  });
});

describe('the declarations', () => {
  it('preempt pages= is bounded by the mermap slice (written out so the main thread needs no mm code)', () => {
    expect(PREEMPT_MAX_PAGES).toBe(MERMAP_CPU_PAGES);
  });

  it('docs/scenario-language.md shows every declared usage, and declares every statement it shows', () => {
    const doc = readFileSync(new URL('../docs/scenario-language.md', import.meta.url), 'utf8');
    const cell = (u: string) => '| `' + u.replaceAll('|', '\\|') + '` |';
    for (const name of STATEMENT_NAMES) expect(doc, name).toContain(cell(usage(STATEMENTS[name])));
    for (const name of PROCESS_OP_NAMES) expect(doc, name).toContain(cell(`A ${usage(PROCESS_OPS[name])}`));
    // every row of the statement tables names a declared statement or operation
    const tables = doc.slice(doc.indexOf('## Statements'), doc.indexOf('### What `expect` can look at'));
    for (const m of tables.matchAll(/^\| `([^`]+)` \|/gm)) {
      const words = m[1]!.split(' ');
      const known =
        words[0] === 'A'
          ? PROCESS_OP_NAMES.includes(words[1] as never)
          : STATEMENT_NAMES.includes(words[0] as never);
      expect(known, m[1]).toBe(true);
    }
  });
});

describe("the client's typed statement method", () => {
  const client = async () => {
    const c = new MachineClient(inProcessTransport());
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    return c;
  };

  it('sends the formatted line as a run, and the journal records it as text', async () => {
    const c = await client();
    const r = await c.statement('alloc', { name: 'k1', order: 2, gfp: 'GFP_KERNEL' });
    expect(r.allocations.map((a) => [a.name, a.order])).toEqual([['k1', 2]]);
    const d = await c.statement('drop_caches', {});
    expect(d.result).toEqual({ statement: 'drop_caches', freed: 0 });
    await c.statement('free', { name: 'k1' });
    expect((await c.journal()).entries).toEqual([
      'alloc k1 order=2 gfp=GFP_KERNEL',
      'drop_caches',
      'free k1',
    ]);
  });

  it("runs a process's operation from typed arguments", async () => {
    const c = await client();
    await c.statement('spawn', { name: 'A' });
    await c.processOp('A', 'mmap', { region: 'r1', length: 2 ** 16, prot: 'rw', populate: true });
    await c.processOp('A', 'write', { region: 'r1', offset: 4096, length: 8192, stride: 4096, byte: 7 });
    expect((await c.value('/proc/A/status:RssAnon')).value).toBeGreaterThanOrEqual(64);
    expect((await c.journal()).entries).toEqual([
      'spawn A',
      'A mmap r1 64K rw populate',
      'A write r1 4K 8K 4K 7',
    ]);
  });

  it('rejects with the located message of the scenario check', async () => {
    const c = await client();
    const e = await c.statement('free', { name: 'nothing' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StatementError);
    expect((e as StatementError).message).toBe("free: nothing is allocated under the name 'nothing'");
    expect((e as StatementError).line).toBe('free nothing');
  });

  it("an old share link's `alloc ... cpu=0` line still runs", async () => {
    const c = await client();
    const r = await c.run('alloc k1 order=3 gfp=GFP_KERNEL|__GFP_ZERO cpu=0');
    expect(r.errors).toEqual([]);
    expect(r.allocations[0]).toMatchObject({ name: 'k1', order: 3, cpu: 0 });
  });
});
