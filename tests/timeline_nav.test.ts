/** Debugger-style moves through the timeline (src/ui/timeline_nav.ts). */
import { describe, expect, it } from 'vitest';
import { back, forward, fromIndex, into, out, over, sliderMax, toIndex } from '../src/ui/timeline_nav.ts';

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
