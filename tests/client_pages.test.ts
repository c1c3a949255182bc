/**
 * After a timeline seek the host walks the shown machine's region afresh and answers with a whole
 * window; the client compares it with the window it holds and patches it in like a delta
 * (client.ts processPages), so the views learn which pages the move changed — none when the move
 * left the region alone — instead of repainting and recounting the whole region.
 */
import { describe, expect, it } from 'vitest';
import { VPageState } from '../src/core/shared/page_state.ts';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';

async function machine() {
  const c = new MachineClient(inProcessTransport());
  await c.init({ arch: 'x86_64', ram: 2 ** 30 }, true);
  await c.run('spawn A\nA mmap r1 16M rw\nA madvise r1 0 16M nohugepage\nA read r1 0 16M 4K');
  await c.run('A write r1 0x5000 1 1 7');
  await c.run('A write r1 0x9000 1 1 7');
  await c.run('A read r1 0 4K 4K');
  return c;
}

describe('a whole window the client holds is patched in like a delta', () => {
  it('a seek back past one write names that page alone, and back to live names it again', async () => {
    const c = await machine();
    const live = await c.processPages('A', 'r1');
    const liveStates = new Uint8Array(live.states).slice();
    const liveVersion = live.version;
    expect(liveStates[9]).toBe(VPageState.Private);

    const ops = (await c.timeline(null)).ops;
    const beforeWrite = ops.length - 3; // the operation before `write r1 0x9000`
    await c.seek({ op: beforeWrite, step: ops[beforeWrite]!.steps });
    const past = await c.processPages('A', 'r1');
    expect(past.changed?.base).toBe(liveVersion);
    expect(Array.from(past.changed!.pages)).toEqual([9]);
    const pastStates = new Uint8Array(past.states);
    expect(pastStates[9]).toBe(VPageState.Zero);
    expect(pastStates[5]).toBe(VPageState.Private);

    await c.seek(null);
    const again = await c.processPages('A', 'r1');
    expect(again.changed?.base).toBe(past.version);
    expect(Array.from(again.changed!.pages)).toEqual([9]);
    expect(Array.from(new Uint8Array(again.states))).toEqual(Array.from(liveStates));
  });

  it('a seek that left the region alone names no page', async () => {
    const c = await machine();
    await c.processPages('A', 'r1');
    const ops = (await c.timeline(null)).ops;
    // the end of the last operation (a read of a page already mapped) changed nothing in the region
    await c.seek({ op: ops.length - 2, step: ops[ops.length - 2]!.steps });
    const past = await c.processPages('A', 'r1');
    expect(past.changed).not.toBeNull();
    expect(past.changed!.pages.length).toBe(0);
  });
});
