/** The share-link codec: round trips, and broken links rejected with a message saying what and where. */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeShare,
  encodeShare,
  fromBase64Url,
  toBase64Url,
  type ShareState,
} from '../src/ui/share/share_codec.ts';

/** A hash whose payload is `json` (any text), deflated and base64url-encoded as the app does. */
const hashOf = (json: string) => `#s=${toBase64Url(new Uint8Array(deflateRawSync(Buffer.from(json))))}`;
const good = { v: 1, config: { arch: 'x86_64', ram: 2 ** 30 }, boot: true, entries: ['spawn A'] };

describe('share links', () => {
  it('round-trip a machine, its scenario, the selection and a timeline step', async () => {
    const state: ShareState = {
      config: { arch: 'arm64', granule: 16, ram: 2 * 2 ** 30, cpus: 4, thp: 'always' },
      boot: false,
      entries: [
        'step\nstep',
        'boot',
        'spawn A\nA mmap r1 64M rw\nA read r1 0 64M 4K',
        'alloc k1 order=3 gfp=GFP_KERNEL cpu=0',
      ],
      selection: { pfn: 1234, proc: 'A', region: 'r1', page: 17 },
      step: { op: 3, step: 12 },
    };
    const hash = await encodeShare(state);
    expect(hash).toMatch(/^#s=[A-Za-z0-9_-]+&step=3\.12$/);
    expect(await decodeShare(hash)).toEqual(state);
  });

  it('round-trip any scenario text, and compress a long repetitive one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 8 }), async (entries) => {
        const state: ShareState = { config: {}, boot: true, entries, selection: {} };
        expect(await decodeShare(await encodeShare(state))).toEqual(state);
      }),
      { numRuns: 60 },
    );
    const lines = Array.from({ length: 2000 }, (_, i) => `A read r1 0x${(i * 4096).toString(16)} 1 1`);
    const hash = await encodeShare({ config: {}, boot: true, entries: [lines.join('\n')], selection: {} });
    expect(hash.length).toBeLessThan(lines.join('\n').length / 5);
  });

  it('base64url round-trips every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
      }),
    );
  });

  const broken: [string, string | (() => string), RegExp][] = [
    ['no data', '#step=1.2', /no s= parameter/],
    ['a bad base64 character', '#s=abc$def', /not base64url: '\$' at character 4 of 7/],
    ['an impossible base64 length', '#s=abcde', /5 characters.*cut short/],
    [
      'a cut link',
      () => hashOf(JSON.stringify(good)).slice(0, 22),
      /does not decompress.*cut short or altered/,
    ],
    ['data that is not JSON', () => hashOf('{"v":1,'), /not JSON/],
    [
      'another version',
      () => hashOf(JSON.stringify({ ...good, v: 9 })),
      /version 9 is not one this app reads/,
    ],
    [
      'an unknown setting',
      () => hashOf(JSON.stringify({ ...good, config: { ramm: 1 } })),
      /unknown machine setting 'ramm'/,
    ],
    [
      'a setting of the wrong type',
      () => hashOf(JSON.stringify({ ...good, config: { thp: 'often' } })),
      /config\.thp = "often": expected never or madvise or always/,
    ],
    [
      'an impossible machine',
      () => hashOf(JSON.stringify({ ...good, config: { arch: 'mips', ram: 2 ** 30 } })),
      /impossible machine: ram=1G is too large for mips/,
    ],
    [
      'entries that are not text',
      () => hashOf(JSON.stringify({ ...good, entries: ['boot', 3] })),
      /scenario entry 2 is not text/,
    ],
    [
      'a bad selection',
      () => hashOf(JSON.stringify({ ...good, sel: { pfn: -1 } })),
      /sel\.pfn = -1: expected a whole number/,
    ],
    ['a bad step', () => hashOf(JSON.stringify(good)) + '&step=two', /step=two: expected <op>\.<step>/],
    ['an unknown parameter', () => hashOf(JSON.stringify(good)) + '&x=1', /unknown parameter 'x'/],
  ];
  for (const [what, hash, message] of broken)
    it(`rejects ${what} with a message`, async () => {
      const h = typeof hash === 'string' ? hash : hash();
      await expect(decodeShare(h)).rejects.toThrow(/^Share link: /);
      await expect(decodeShare(h)).rejects.toThrow(message);
    });
});
