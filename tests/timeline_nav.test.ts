/** Debugger-style moves through the timeline (src/ui/timeline_nav.ts). */
import { describe, expect, it } from 'vitest';
import {
  back,
  bootMove,
  forward,
  fromIndex,
  into,
  out,
  over,
  sliderMax,
  toIndex,
} from '../src/ui/timeline_nav.ts';

// Operation 1 is a fault: handle_mm_fault(0) { walk event(1); do_anonymous_page(1) { alloc(2) { event(3) }
// pte write(2) } rss event(1) }
const depths = [0, 1, 1, 2, 3, 2, 1];
const sizes = [2, depths.length, 3];
const m = { sizes, op: 1, depths };

describe('timeline navigation', () => {
  it('forward and back cross operation boundaries; the end of the last operation is live', () => {
    expect(forward(sizes, { op: 0, step: 2 })).toEqual({ op: 1, step: 0 });
    expect(back(sizes, { op: 1, step: 0 })).toEqual({ op: 0, step: 2 });
    expect(back(sizes, null)).toEqual({ op: 2, step: 2 });
    expect(forward(sizes, { op: 2, step: 2 })).toBeNull();
    expect(back(sizes, { op: 0, step: 0 })).toEqual({ op: 0, step: 0 });
  });

  it('over skips a call with its callees, into descends, out returns to the caller’s level', () => {
    // On do_anonymous_page (step 2): over goes past its subtree to the rss event (step 6).
    expect(over(m, { op: 1, step: 2 })).toEqual({ op: 1, step: 6 });
    expect(into(m, { op: 1, step: 2 })).toEqual({ op: 1, step: 3 });
    // Inside the allocation (step 4, depth 3): out goes to the next shallower step, the pte write.
    expect(out(m, { op: 1, step: 4 })).toEqual({ op: 1, step: 5 });
    // Over the outermost call: the end of the operation.
    expect(over(m, { op: 1, step: 0 })).toEqual({ op: 1, step: 7 });
  });

  it('the slider index maps every position and back', () => {
    const max = sliderMax(sizes);
    expect(max).toBe(3 + 8 + 4 - 1);
    for (let i = 0; i < max; i++) expect(toIndex(sizes, fromIndex(sizes, i))).toBe(i);
    expect(fromIndex(sizes, max)).toBeNull();
    expect(toIndex(sizes, null)).toBe(max);
  });
});

describe('boot moves (Step through boot, n and b on a booted machine)', () => {
  // Three boot functions, then a spawn and a fault.
  const bsizes = [4, 2, 5, 1, 7];
  const kinds = ['boot', 'boot', 'boot', 'run', 'run'];

  it('start is just after the first boot function; next and back go one boot function at a time', () => {
    expect(bootMove(bsizes, kinds, null, 'start')).toEqual({ op: 0, step: 4 });
    expect(bootMove(bsizes, kinds, { op: 0, step: 4 }, 'next')).toEqual({ op: 1, step: 2 });
    expect(bootMove(bsizes, kinds, { op: 1, step: 2 }, 'back')).toEqual({ op: 0, step: 4 });
    expect(bootMove(bsizes, kinds, { op: 0, step: 4 }, 'back')).toBeUndefined();
    // Half way through a boot function: back is the end of the one before it.
    expect(bootMove(bsizes, kinds, { op: 2, step: 1 }, 'back')).toEqual({ op: 0, step: 4 });
  });

  it('from live, back is the end of boot (or the function before the last); past the last, next is live', () => {
    // After processes ran, the first step back into boot is the end of boot.
    expect(bootMove(bsizes, kinds, null, 'back')).toEqual({ op: 2, step: 5 });
    // A machine that only booted: live is the end of boot, so back is the end of the one before.
    expect(bootMove([4, 2, 5], ['boot', 'boot', 'boot'], null, 'back')).toEqual({ op: 1, step: 2 });
    expect(bootMove(bsizes, kinds, { op: 2, step: 5 }, 'next')).toBeNull();
    expect(bootMove(bsizes, kinds, null, 'next')).toBeUndefined();
    expect(bootMove([3], ['run'], null, 'start')).toBeUndefined();
  });
});
