/**
 * The process view's pages arrive as deltas (src/worker/process_pages.ts, client.ts processPages):
 * after every kind of operation the window the client has patched together must equal a fresh walk
 * of the machine, and an operation that changed one page must move one page, not the region.
 */
import { describe, expect, it } from 'vitest';
import { VPageState } from '../src/core/shared/page_state.ts';
import { MachineClient, type Transport } from '../src/worker/client.ts';
import { MachineHost } from '../src/worker/host.ts';
import { walkWindow } from '../src/worker/process_pages.ts';
import type { ProcessPagesReply, WorkerMessage } from '../src/worker/protocol.ts';

/** A client over a host this test can also look into (the in-process transport hides its host). */
function setup() {
  let listener: ((msg: WorkerMessage) => void) | undefined;
  const replies: ProcessPagesReply[] = [];
  const host = new MachineHost((msg) => {
    if (msg.type === 'processPages') replies.push(structuredClone(msg));
    queueMicrotask(() => listener?.(msg));
  });
  const transport: Transport = {
    send(cmd) {
      const copy = structuredClone(cmd);
      queueMicrotask(() => host.handle(copy));
    },
    listen(fn) {
      listener = fn;
    },
    close() {
      listener = undefined;
    },
  };
  return { host, client: new MachineClient(transport), replies };
}

/** What a whole walk of the region gives now (the host's own answer before deltas existed). */
function fresh(host: MachineHost, proc: string, region: string) {
  const h = host.hosted!;
  const p = h.session.procs.get(proc)!;
  const r = p.regions.get(region)!;
  const n = Math.ceil(r.len / h.m.pageSize);
  const pfns = new Float64Array(n);
  const states = walkWindow(h.m, p.task, r.start, n, pfns);
  return { states: Array.from(states), pfns: Array.from(pfns) };
}

async function expectSame(c: MachineClient, host: MachineHost, proc: string, region: string, after: string) {
  const got = await c.processPages(proc, region);
  const want = fresh(host, proc, region);
  expect(Array.from(new Uint8Array(got.states)), `states after '${after}'`).toEqual(want.states);
  expect(Array.from(new Float64Array(got.pfns)), `pfns after '${after}'`).toEqual(want.pfns);
  // a window that starts inside the region, kept beside the whole one
  const part = await c.processPages(proc, region, 100, 300);
  expect(Array.from(new Uint8Array(part.states)), `window states after '${after}'`).toEqual(
    want.states.slice(100, 400),
  );
  expect(Array.from(new Float64Array(part.pfns)), `window pfns after '${after}'`).toEqual(
    want.pfns.slice(100, 400),
  );
}

describe('process view deltas', () => {
  it('one write fault in a 4096-page region moves one page', async () => {
    const { client: c, host, replies } = setup();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 16M rw\nA madvise r1 0 16M nohugepage\nA read r1 0 16M 4K');
    await expectSame(c, host, 'A', 'r1', 'read all');
    expect(replies.filter((x) => x.firstPage === 0).at(-1)!.delta).toBeNull(); // the first answer is whole
    await c.run('A write r1 0x5000 1 1 7');
    await expectSame(c, host, 'A', 'r1', 'one write');
    const r = replies.filter((x) => x.firstPage === 0).at(-1)!;
    expect(r.delta).not.toBeNull();
    expect(Array.from(new Uint32Array(r.delta!.pages))).toEqual([5]);
    expect(new Uint8Array(r.states)[0]).toBe(VPageState.Private);
  });

  it('the client names the pages a delta patched, against the version it held', async () => {
    const { client: c } = setup();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 16M rw\nA madvise r1 0 16M nohugepage\nA read r1 0 16M 4K');
    const first = await c.processPages('A', 'r1');
    expect(first.changed).toBeNull(); // a whole window
    await c.run('A write r1 0x5000 1 1 7\nA write r1 0x9000 1 1 7');
    const next = await c.processPages('A', 'r1');
    expect(next.changed?.base).toBe(first.version);
    expect(Array.from(next.changed!.pages).sort((a, b) => a - b)).toEqual([5, 9]);
    expect(new Uint8Array(next.states)[9]).toBe(VPageState.Private);
  });

  it('a page table made after the window was walked is followed from then on', async () => {
    const { client: c, host } = setup();
    await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
    await c.run('spawn A\nA mmap r1 64M rw\nA madvise r1 0 64M nohugepage');
    await expectSame(c, host, 'A', 'r1', 'mmap');
    // A first touch in a 2 MiB span makes its PTE table (the PMD entry is the window's own)...
    await c.run('A read r1 0x100000 4K 4K');
    await expectSame(c, host, 'A', 'r1', 'first touch');
    // ...and a later write through that new table must reach the view.
    await c.run('A write r1 0x105000 1 1 9');
    await expectSame(c, host, 'A', 'r1', 'write through the new table');
  });

  for (const arch of ['x86_64', 'arm64', 'arm', 's390'] as const)
    it(`equals a fresh walk after every kind of change (${arch})`, async () => {
      const { client: c, host } = setup();
      await c.init({ arch, ram: 2 ** 29 }, true);
      const steps = [
        'spawn A\nA mmap r1 8M rw',
        'A read r1 0 4M 4K',
        'A write r1 0 1M 4K 0x11',
        'A fork B',
        // The child's COW and exit turn the parent's shared pages private without a parent PTE write.
        'B write r1 0 64K 4K 0x22',
        'B exit',
        'A madvise r1 1M 512K dontneed',
        'A mprotect r1 2M 64K none',
        'A munmap r1 3M 1M',
        'A madvise r1 4M 4M hugepage',
        'A read r1 4M 2M 4K',
        'A write r1 6M 4K 4K 0x33',
        'A fork C\nC write r1 6M 4K 4K 0x44',
        'C exit\nA madvise r1 4M 2M dontneed',
        'A mmap r2 1M rw\nA write r2 0 1M 4K 0x55',
        // a THP split by a partial mprotect, swap out and in, PTEs moved out of the window
        'A write r1 4M 2M 4K 0x66',
        'A mprotect r1 5M 4K r',
        'swapon 64M\nA madvise r1 0 1M pageout',
        'A read r1 0 512K 4K',
        'A mremap r1 6M 64K 64K maymove dontunmap',
        'A write r1 6M 4K 4K 0x77',
      ];
      // swap entries are modelled for x86_64 and arm64 only (swapon says so elsewhere)
      const swap = arch === 'x86_64' || arch === 'arm64';
      for (const s of steps.filter((x) => swap || !/swapon|pageout|A read r1 0 512K/.test(x))) {
        const r = await c.run(s);
        expect(r.errors, s).toEqual([]);
        await expectSame(c, host, 'A', 'r1', s);
      }
    });

  it('after a seek into the past and back the window is the seen machine', async () => {
    const { client: c, host } = setup();
    await c.init({ arch: 'x86_64', ram: 2 ** 29 }, true);
    await c.run('spawn A\nA mmap r1 4M rw');
    await c.run('A read r1 0 4M 4K');
    await c.run('A write r1 0 2M 4K 0x11');
    await expectSame(c, host, 'A', 'r1', 'live');
    // after the read, before the writes: every page maps the zero page
    const tl = await c.timeline(null);
    const read = tl.ops.length - 2;
    await c.seek({ op: read, step: tl.ops[read]!.steps });
    const past = await c.processPages('A', 'r1');
    expect(new Uint8Array(past.states)[0]).toBe(VPageState.Zero);
    await c.seek(null);
    await expectSame(c, host, 'A', 'r1', 'back to live');
  });
});
