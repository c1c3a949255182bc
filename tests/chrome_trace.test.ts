/** The trace exporter: valid JSON, X events properly nested, every event inside its functions' spans. */
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/core/machine.ts';
import { Session } from '../src/core/scenario/run.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import type { KEvent } from '../src/core/trace.ts';
import { toChromeTrace, type ChromeTraceEvent } from '../src/ui/export/chrome_trace.ts';

const ev = (seq: number, path: string[]): KEvent => ({ type: 'printk', text: `e${seq}`, seq, path });

/** Check the X events nest (no partial overlap) and return them. */
function checkNesting(events: ChromeTraceEvent[]): ChromeTraceEvent[] {
  const xs = events.filter((e) => e.ph === 'X');
  for (const x of xs) {
    expect(Number.isInteger(x.ts)).toBe(true);
    expect(x.dur).toBeGreaterThan(0);
  }
  // Sweep in start order (longest first at equal starts): a stack of open spans must close in order.
  const sorted = [...xs].sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const stack: ChromeTraceEvent[] = [];
  for (const x of sorted) {
    while (stack.length && stack.at(-1)!.ts + stack.at(-1)!.dur! <= x.ts) stack.pop();
    const parent = stack.at(-1);
    if (parent) expect(x.ts + x.dur!).toBeLessThanOrEqual(parent.ts + parent.dur!);
    stack.push(x);
  }
  return xs;
}

describe('Chrome trace export', () => {
  it('rebuilds spans from call paths', () => {
    const t = toChromeTrace([ev(0, ['a']), ev(1, ['a', 'b']), ev(2, ['a', 'b']), ev(3, ['a']), ev(4, ['c'])]);
    const xs = checkNesting(t.traceEvents).map((x) => [x.name, x.ts, x.dur]);
    expect(xs).toEqual(
      expect.arrayContaining([
        ['a', 0, 4],
        ['b', 1, 2],
        ['c', 4, 1],
      ]),
    );
    expect(xs).toHaveLength(3);
    const instants = t.traceEvents.filter((e) => e.ph === 'i');
    expect(instants.map((e) => e.ts)).toEqual([0, 1, 2, 3, 4]);
    expect(instants[1]!.args).toEqual({ text: 'e1', path: 'a → b' });
  });

  it('exports a real boot and faults as JSON Perfetto can read', () => {
    const m = new Machine({ arch: 'x86_64', ram: 256 * 2 ** 20 });
    const events: KEvent[] = [];
    m.trace.subscribe((e) => events.push(e));
    const s = new Session({ out: () => {} });
    s.attach(m);
    for (const st of parseScenario('boot\nspawn A\nA mmap r1 1M rw\nA write r1 0 1M 4K 1\nA exit'))
      s.exec(st);
    const trace = toChromeTrace(events.slice(-5000), Math.max(0, events.length - 5000));
    const parsed = JSON.parse(JSON.stringify(trace)) as typeof trace;
    expect(parsed.otherData['droppedEvents']).toBe(Math.max(0, events.length - 5000));
    const xs = checkNesting(parsed.traceEvents);
    expect(xs.some((x) => x.name === 'handle_mm_fault' || x.name === 'do_anonymous_page')).toBe(true);
    // every instant event lies inside a span of each function on its path
    for (const i of parsed.traceEvents.filter((e) => e.ph === 'i')) {
      const path = String(i.args!['path']).split(' → ').filter(Boolean);
      for (const fn of path)
        expect(xs.some((x) => x.name === fn && x.ts <= i.ts && i.ts < x.ts + x.dur!)).toBe(true);
    }
  });
});
