/**
 * Issue #13's reproducers, one test each, named after the bug: nothing a user types, pastes or opens
 * may hang, crash or corrupt the emulator. Each must end quickly with a located message.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/core/check.ts';
import type { Machine } from '../src/core/machine.ts';
import { directMapFlushPending } from '../src/core/mm/direct_map.ts';
import { oomBadness, outOfMemory } from '../src/core/mm/oom_kill.ts';
import { lruAddDrainCpu } from '../src/core/mm/rmap.ts';
import { PG } from '../src/core/phys/page.ts';
import { parseScenario, tokenize } from '../src/core/scenario/parse.ts';
import { runScenario } from '../src/core/scenario/run.ts';
import { MAX_LINK_CHARS, decodeShare, shareScenarioText, toBase64Url } from '../src/ui/share/share_codec.ts';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

function run(text: string) {
  let out = '';
  const r = runScenario(text, { out: (s) => (out += s) });
  return { ...r, out };
}

/** Where and what the run stopped on: `line:col: message`. */
function where(r: { error?: { line: number; col: number; message: string } }): string {
  return r.error ? `${r.error.line}:${r.error.col}: ${r.error.message}` : 'no error';
}

/** Every character JavaScript's \s matches that is not an ASCII space, tab or newline. */
const UNICODE_SPACES = [
  '\u000b', '\u000c', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005',
  '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
  '\ufeff',
]; // prettier-ignore

describe('bug: unicode whitespace hung the tokenizer', () => {
  it.each(UNICODE_SPACES.map((c) => [c.codePointAt(0)!.toString(16), c]))(
    'U+%s separates tokens like a space',
    (_hex, c) => {
      expect(tokenize(`spawn${c}A${c}`, 1)).toEqual([
        { text: 'spawn', col: 1, quoted: false },
        { text: 'A', col: 7, quoted: false },
      ]);
    },
  );

  it('a scenario saved with a BOM and typed with no-break spaces runs', () => {
    const r = run(
      '\ufeffmachine\u00a0ram=1G\u3000cpus=2\nboot\u000b\nspawn\u2003A\nexpect /proc/meminfo:MemTotal > 0\n',
    );
    expect(where(r)).toBe('no error');
    expect(r.exitCode).toBe(0);
    // the BOM is not a column: the first key is where an editor shows it
    expect(parseScenario('\ufeffmachine ram=1G')[0]!.args[0]!.col).toBe(9);
  });
});

describe('bug: scenario names were looked up on plain objects', () => {
  it('show /proc/A/hasOwnProperty is no such file, not a TypeError', () => {
    const r = run('boot\nspawn A\nshow /proc/A/hasOwnProperty\n');
    expect(r.error?.internal).toBe(false);
    expect(where(r)).toMatch(/^3:6: \/proc\/\d+\/hasOwnProperty: no such file/);
  });

  it('gfp=constructor is an unknown flag, not gfp 0', () => {
    const r = run('boot\nalloc k order=0 gfp=constructor\n');
    expect(where(r)).toBe("2:21: alloc: gfp=constructor: unknown GFP flag 'constructor'");
  });

  it('granule=constructor and arch=constructor are refused at their column', () => {
    expect(where(run('machine arch=arm64 granule=constructor\n'))).toBe(
      '1:28: machine: granule=constructor: expected 4K, 16K or 64K',
    );
    expect(where(run('machine arch=constructor\n'))).toBe(
      '1:14: machine: arch=constructor: expected x86_64, arm64, arm, sparc64, mips or s390',
    );
  });

  it('a share link with config.constructor or config.__proto__ says which setting is unknown', async () => {
    for (const key of ['constructor', '__proto__', 'toString']) {
      const json = `{"v":1,"config":{"${key}":1},"boot":true,"entries":[]}`;
      const hash = `#s=${toBase64Url(new Uint8Array(deflateRawSync(Buffer.from(json))))}`;
      await expect(decodeShare(hash)).rejects.toThrow(`config: unknown machine setting '${key}'`);
    }
  });
});

describe('bug: errors without a place', () => {
  it('a machine-config error points at the bad key, not column 1', () => {
    expect(where(run('machine cpus=2 ram=1M\n'))).toMatch(/^1:16: ram=1M is too small for x86_64/);
  });

  it('a boot failure carries the boot line', () => {
    const r = run('machine arch=arm64 granule=64K huge_zero=static_pmd\nboot\n');
    expect(where(r)).toMatch(/^2:1: boot failed: .*Failed to allocate/);
  });
});

describe('bug: one statement could take the app down', () => {
  it('blkdev_zeroout 8000T is refused at its length, saying the limit and how to raise it', () => {
    const r = run('boot\nblkdev_zeroout 8000T\n');
    expect(r.error?.internal).toBe(false);
    expect(where(r)).toBe(
      "2:16: blkdev_zeroout: 8388608000 bios is over the limit of 1048576 (zeroout_bios: bios one blkdev_zeroout builds (before or after splitting to max_transfer)); ask for less, or raise it with 'limit zeroout_bios=<n>' (at most 2097152)",
    );
  });

  it('blkdev_zeroout 64G max_transfer=512 is refused at max_transfer', () => {
    expect(where(run('boot\nblkdev_zeroout 64G max_transfer=512\n'))).toMatch(
      /^2:33: blkdev_zeroout: 134217728 bios is over the limit of 1048576/,
    );
  });

  it('pagemap A r1 0 64G is refused; a raised limit lets a longer pagemap run', () => {
    const setup = 'boot\nspawn A\nA mmap r1 64G rw\n';
    expect(where(run(setup + 'pagemap A r1 0 64G\n'))).toMatch(
      /^4:16: pagemap: 16777216 lines is over the limit of 65536 .*'limit pagemap_lines=<n>'/,
    );
    const ok = run(setup + 'limit pagemap_lines=65537\npagemap A r1 0 0x10001000\n');
    expect(where(ok)).toBe('no error');
    expect(ok.out.split('\n').filter((l) => l.startsWith('0x'))).toHaveLength(65537);
    expect(where(run('limit pagemap_lines=2000000\n'))).toBe(
      '1:21: limit: pagemap_lines=2000000: pagemap_lines must be 1..1048576 (lines one pagemap prints (one per page))',
    );
  });

  it('swapon 8000T is refused at its size (it was an internal error: a swap map of 2^31 entries)', () => {
    const r = run('boot\nswapon 8000T\n');
    expect(r.error?.internal).toBe(false);
    expect(where(r)).toBe(
      "2:8: swapon: 2147483648000 pages is over the limit of 16777216 (swap_pages: pages one swapon adds (its swap map holds a byte per page)); ask for less, or raise it with 'limit swap_pages=<n>' (at most 67108864)",
    );
    expect(where(run('boot\nswapon 64G\n'))).toBe('no error');
  });

  it('A read r1 0 100T 1 and a 100T populate are refused before any work', () => {
    const r = run('boot\nspawn A\nA mmap r1 100T rw\nA read r1 0 100T 1\n');
    expect(where(r)).toMatch(/^4:13: A read: 109951162777600 accesses is over the limit of 67108864/);
    expect(where(run('boot\nspawn A\nA mmap r1 100T r populate\n'))).toMatch(
      /^3:11: A mmap: 26843545600 accesses is over the limit/,
    );
    expect(where(run('boot\nspawn A\nA mmap r1 100T r\nA madvise r1 0 100T populate_read\n'))).toMatch(
      /^4:16: A madvise: 26843545600 accesses is over the limit/,
    );
  });

  it("the app's blkdev_zeroout is the scenario statement: the same limit, one session", async () => {
    const c = new MachineClient(inProcessTransport());
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await expect(c.statement('blkdev_zeroout', { bytes: 8000 * 2 ** 40, zero: 'largest' })).rejects.toThrow(
      /8388608000 bios is over the limit of 1048576 \(zeroout_bios/,
    );
    await expect(
      c.statement('blkdev_zeroout', { bytes: 64 * 2 ** 30, zero: 'page', max_transfer: 512 }),
    ).rejects.toThrow(/134217728 bios is over the limit/);
    // raising the limit in the scenario raises it for the app too: one declaration, one session
    await c.run('limit zeroout_bios=2000000');
    const ok = await c.statement('blkdev_zeroout', { bytes: 2 ** 30, zero: 'page', max_transfer: 1024 });
    expect(ok.result?.statement === 'blkdev_zeroout' && ok.result.split?.bios).toBe(2 ** 20);
    const big = await c.run('spawn A\nA mmap r1 100T rw\nA read r1 0 100T 1');
    expect(big.errors).toEqual([
      expect.objectContaining({
        line: 3,
        col: 13,
        message: expect.stringMatching(/accesses is over the limit/),
      }),
    ]);
  });
});

describe('mm run --check', () => {
  it('stops at the statement after which an invariant fails, and says which', () => {
    let out = '';
    const r0: { machine?: Machine } = {};
    const r = runScenario('boot\nspawn A\nshow /proc/meminfo\nspawn B\n', {
      out: (s) => (out += s),
      check: true,
      // stand-in for a bug in the emulator: statement 3 runs on a machine whose free page has a reference
      onStatement: (_s, i) => {
        if (i !== 2) return;
        const m = r0.machine!;
        let pfn = 0;
        while (m.pages.refcount[pfn] !== 0 || !(m.pages.flags[pfn]! & PG.buddy)) pfn++;
        m.pages.refcount[pfn] = 1;
      },
      onMachine: (m) => (r0.machine = m),
    });
    expect(r.exitCode).toBe(1);
    expect(r.violation?.line).toBe(3);
    expect(r.violation?.text).toBe('show /proc/meminfo');
    expect(r.violation?.errors.join('\n')).toMatch(/has refcount 1/);
  });

  it('the CLI exits 0 on a consistent run and 2 with a located message on a bad one', () => {
    const cli = (input: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/mm.ts', 'run', '--check', '-'], {
        encoding: 'utf8',
        input,
        cwd: join(import.meta.dirname, '..'),
      });
    const ok = cli(
      'machine cpus=2\nboot\nspawn A\nA mmap r1 1M rw\nA write r1 0 1M 4K 1\nA fork B\nB exit\n',
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const bad = cli('boot\nblkdev_zeroout 8000T\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^<stdin>:2:16: blkdev_zeroout: 8388608000 bios is over the limit/);
  });
});

describe('bug: share links were decompression bombs', () => {
  it('a 26 KB link that inflates to gigabytes is refused after 8 MiB, saying why', async () => {
    // `entries` of one huge string of spaces: deflate packs 25 MiB into ~25 KB
    const head = Buffer.from('{"v":1,"config":{},"boot":true,"entries":["');
    const bomb = deflateRawSync(Buffer.concat([head, Buffer.alloc(25 * 2 ** 20, 0x20)]), { level: 9 });
    expect(bomb.length).toBeLessThan(30_000);
    await expect(decodeShare(`#s=${toBase64Url(new Uint8Array(bomb))}`)).rejects.toThrow(
      "Share link: the link's data decompresses to more than 8 MiB (a real scenario is far smaller): not opened",
    );
  });

  it('a link longer than browsers open is refused before decoding', async () => {
    await expect(decodeShare(`#s=${'A'.repeat(MAX_LINK_CHARS)}`)).rejects.toThrow(
      /the link is 2,097,155 characters, longer than browsers open \(2,097,152\)/,
    );
  });

  it('the file offered instead of a too-long link rebuilds the same machine', () => {
    const text = shareScenarioText({
      config: { arch: 'arm64', granule: 16, ram: 2 ** 30, useZeroPage: false },
      boot: true,
      entries: ['spawn A\nA mmap r1 1M rw', 'A write r1 0 1M 4K 7'],
      selection: {},
    });
    expect(text.split('\n').slice(1, 3)).toEqual([
      'machine arch=arm64 granule=16K ram=1073741824 use_zero_page=no',
      'boot',
    ]);
    const r = run(text + 'expect /proc/A/status:VmRSS >= 1024\n');
    expect(where(r)).toBe('no error');
    expect(r.exitCode).toBe(0);
  });
});

describe('bug: invariant gaps', () => {
  const checked = (text: string) => runScenario(text, { out: () => {}, check: true });

  it("a flush of one allocation's direct-map range no longer clears another's pending flush", () => {
    const r = checked(`machine ram=1G cpus=2
boot
alloc k1 order=0 gfp=GFP_KERNEL|__GFP_ZERO
direct_map k1 invalid
alloc k2 order=0 gfp=GFP_KERNEL|__GFP_ZERO
direct_map k2 invalid
flush_tlb_kernel_range k1
`);
    expect(r.violation).toBeUndefined();
    expect(where(r)).toBe('no error');
    const m = r.machine!;
    const k1 = m.named.get('k1')!.pfn;
    const k2 = m.named.get('k2')!.pfn;
    expect(directMapFlushPending(m, k1)).toBe(false);
    expect(directMapFlushPending(m, k2)).toBe(true);
  });

  it('direct_map default on __GFP_UNMAPPED memory is refused, not an UNMAPPED pageblock mapped back', () => {
    const r = checked(`machine page_alloc_unmapped=yes
boot
spawn A
alloc k order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED
direct_map k default
`);
    expect(r.violation).toBeUndefined();
    expect(where(r)).toBe(
      '5:14: direct_map: k is __GFP_UNMAPPED memory: its pageblock stays out of the direct map (free it instead)',
    );
  });

  it("a page held only by another CPU's LRU batch after munmap is not a leak; it is freed when that batch drains", () => {
    const text = `machine ram=1G cpus=2
boot
spawn A
A mmap r1 64K rw
cpu 1
A write r1 0 4K 4K 1
cpu 0
A munmap r1
`;
    const r = checked(text);
    expect(r.violation).toBeUndefined();
    const m = r.machine!;
    expect(m.lruBatch[1]).toHaveLength(1);
    const pfn = m.lruBatch[1]![0]!;
    expect(m.pages.refcount[pfn]).toBe(1);
    const free = m.alloc.nrFreePages() + m.alloc.nrPcpPages();
    lruAddDrainCpu(m, 1);
    expect(m.pages.refcount[pfn]).toBe(0);
    expect(m.alloc.nrFreePages() + m.alloc.nrPcpPages()).toBeGreaterThan(free);
    expect(checkInvariants(m)).toEqual([]);
  });
});

describe('bug: an emulated oops left half-done state', () => {
  it('init_on_free of a page out of the direct map: the oops is logged, the free not done, the name kept', () => {
    const r = runScenario(
      `machine init_on_free=1
boot
alloc k order=0
direct_map k invalid flush
free k
direct_map k default flush
free k
`,
      { out: () => {}, check: true },
    );
    expect(where(r)).toBe('no error');
    expect(r.violation).toBeUndefined();
    expect(r.machine!.log).toContain('BUG: unable to handle page fault for address: 0xffff888004000000');
    // the second free (after direct_map default) freed it
    expect(r.machine!.named.has('k')).toBe(false);
  });

  it('freeing a page out of the direct map is refused, so no later zeroing allocation oopses', () => {
    const r = run(`boot
alloc k order=0
direct_map k invalid flush
free k
alloc j order=0 gfp=GFP_KERNEL|__GFP_ZERO
expect pfn(k) == 0x4000
`);
    expect(where(r)).toBe('no error');
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('free k: refused: pfn 0x4000 is not in the direct map');
  });
});

describe('bug: OOM killer deviations', () => {
  it('on a score tie it kills the last task evaluated (the youngest), as oom_evaluate_task does', () => {
    const r = run('machine ram=128M\nboot\nspawn A\nspawn B\nspawn C\n');
    const m = r.machine!;
    const [a, b, c] = ['A', 'B', 'C'].map((n) => r.session.procs.get(n)!.task);
    expect(oomBadness(m, a!)).toBe(oomBadness(m, c!));
    expect(oomBadness(m, b!)).toBe(oomBadness(m, c!));
    expect(outOfMemory(m, 'test', 0, 0, 0)).toBe(c);
    expect(m.log.at(-1)).toMatch(/^Out of memory: Killed process \d+ \(C\)/);
  });

  it('a MAP_POPULATE that runs out of memory invokes the OOM killer', () => {
    const r = run(`machine ram=128M
boot
spawn A
spawn B
A mmap r1 1G rw
A write r1 0 16M 4K 1
B mmap r2 1G rw populate
`);
    expect(where(r)).toBe('no error');
    expect(r.out).toContain('B invoked oom-killer');
    expect(r.out).toMatch(/Out of memory: Killed process \d+ \(B\)/);
  });
});

describe('bug: print and expect looked variables up on a plain object', () => {
  it.each(['__proto__', 'constructor', 'valueOf', 'hasOwnProperty'])(
    'print %s is an unknown variable',
    (name) => {
      const r = run(`boot\nprint ${name}\n`);
      expect(r.error?.internal).toBe(false);
      expect(where(r)).toMatch(new RegExp(`^2:7: unknown variable '${name}'`));
      expect(where(run(`boot\nexpect ${name} == 0\n`))).toMatch(
        new RegExp(`^2:8: unknown variable '${name}'`),
      );
    },
  );
});

describe('bug: with nothing killable, the OOM killer repeated its report thousands of times', () => {
  it('each kernel allocation that fails reports once, and the run goes on', () => {
    const n = 4500; // 4500 × 32 KiB: more than a 128 MiB machine has
    const allocs = Array.from({ length: n }, (_, i) => `alloc k${i} order=3`).join('\n');
    const r = run(`machine ram=128M\nboot\n${allocs}\nexpect /proc/meminfo:MemTotal > 0\n`);
    expect(where(r)).toBe('no error');
    const failed = n - r.machine!.named.size;
    expect(failed).toBeGreaterThan(0);
    const count = (s: string) => r.out.split('\n').filter((l) => l.includes(s)).length;
    expect(count('invoked oom-killer')).toBe(failed);
    expect(count('Out of memory and no killable processes...')).toBe(failed);
  });
});

describe('bug: the cost of a statement grew with the process count', () => {
  it('a statement that kills nobody looks at no process; one exit looks at each running one once', () => {
    const procs = 2000;
    const spawns = Array.from({ length: procs }, (_, i) => `spawn P${i}`).join('\n');
    let out = '';
    const session = runScenario(`machine ram=1G\nboot\n${spawns}\n`, { out: (s) => (out += s) }).session;
    // count every look at a task's state (Session.exec's scan for processes that died)
    let looks = 0;
    for (const p of session.procs.values()) {
      let state = p.task.state;
      Object.defineProperty(p.task, 'state', {
        get: () => (looks++, state),
        set: (v) => (state = v),
        configurable: true,
      });
    }
    const exec = (text: string) => {
      for (const s of parseScenario(text)) session.exec(s);
    };
    exec('drain\nsleep\nP7 mmap r1 64K rw\nP7 write r1 0 64K 4K 1\nshow /proc/meminfo\n');
    // P7's own faults read its state (a few dozen looks); a scan of the others would be 5 × 2000
    expect(looks).toBeLessThan(100);
    looks = 0;
    exec('P9 exit\n');
    expect(out).toContain('P9: exited');
    expect(looks).toBeGreaterThanOrEqual(procs - 1);
    expect(looks).toBeLessThan(procs + 10);
  });
});

describe("Done when: each reproducer runs through 'mm run --check' with exit 0, 1 or 2, located, never internal", () => {
  /** The reproducers, by item (share links are decoded, not run: see the share-link tests). */
  const REPRODUCERS: [string, string][] = [
    ['1: Unicode spaces and a BOM', '\ufeffmachine\u00a0ram=1G\u3000cpus=2\nboot\u000b\nspawn\u2003A\n'],
    ['2: blkdev_zeroout 8000T', 'boot\nblkdev_zeroout 8000T\n'],
    ['2: blkdev_zeroout 64G max_transfer=512', 'boot\nblkdev_zeroout 64G max_transfer=512\n'],
    ['2: pagemap A r1 0 64G', 'boot\nspawn A\nA mmap r1 64G rw\npagemap A r1 0 64G\n'],
    ['2: A read r1 0 100T 1', 'boot\nspawn A\nA mmap r1 100T rw\nA read r1 0 100T 1\n'],
    ['2: swapon 8000T', 'boot\nswapon 8000T\n'],
    ['5: print __proto__', 'boot\nprint __proto__\n'],
    ['5: print constructor', 'boot\nprint constructor\n'],
    ['5: show /proc/A/hasOwnProperty', 'boot\nspawn A\nshow /proc/A/hasOwnProperty\n'],
    ['5: gfp=constructor', 'boot\nalloc k order=0 gfp=constructor\n'],
    [
      '6: offsets not page-aligned',
      'boot\nspawn A\nA mmap r1 64K rw\nA munmap r1 1 4K\nA mprotect r1 1 4K r\nA madvise r1 1 4K dontneed\nA read r1 0 64K 4K\n',
    ],
    [
      '7: a THP split by nohugepage, fork, both exit',
      'boot\nspawn A\nA mmap r1 2M rw\nA madvise r1 0 2M hugepage\nA write r1 0 4K 4K 1\nA madvise r1 0 4K nohugepage\nA fork B\nA exit\nB exit\nexpect /proc/meminfo:AnonPages == 0\n',
    ],
    [
      '8: init_on_free of a page out of the direct map',
      'machine init_on_free=1\nboot\nalloc k order=0\ndirect_map k invalid flush\nfree k\n',
    ],
    [
      '9: direct_map default on __GFP_UNMAPPED memory',
      'machine page_alloc_unmapped=yes\nboot\nalloc u order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED\ndirect_map u default\n',
    ],
    ['10: a populate that runs out of memory', 'machine ram=128M\nboot\nspawn A\nA mmap r1 1G rw populate\n'],
    ['12: a machine-config error', 'machine cpus=2 ram=1M\n'],
    ['12: a boot failure', 'machine arch=arm64 granule=64K huge_zero=static_pmd\nboot\n'],
  ];

  it.each(REPRODUCERS)('%s', (_what, text) => {
    const r = runScenario(text, { out: () => {}, check: true });
    expect([0, 1, 2]).toContain(r.exitCode);
    expect(r.violation).toBeUndefined();
    if (r.error) {
      expect(r.error.internal).toBe(false);
      expect(r.error.line).toBeGreaterThanOrEqual(1);
      expect(r.error.col).toBeGreaterThanOrEqual(1);
    }
  });
});
