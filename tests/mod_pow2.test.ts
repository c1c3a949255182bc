import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modPow2 } from '../src/core/arch/pgtable.ts';

// The fault path takes page offsets with modPow2() instead of `%` (a slow fmod once addresses pass
// 2^32): it must agree with `%` for every address a walk can see, at every page and leaf size.
describe('modPow2', () => {
  it('equals x % size for integers up to 2^53 and power-of-two sizes up to 2^52', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 0, max: 52 }), (x, k) => {
        expect(modPow2(x, 2 ** k)).toBe(x % 2 ** k);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the bits at the 2^31 and 2^32 boundaries', () => {
    for (const x of [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 4097, 2 ** 47 - 1, 2 ** 53 - 1])
      for (const k of [12, 13, 14, 16, 21, 30, 31, 32, 33, 43])
        expect(modPow2(x, 2 ** k), `0x${x.toString(16)} % 2^${k}`).toBe(x % 2 ** k);
  });
});
