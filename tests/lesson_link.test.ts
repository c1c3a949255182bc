import { describe, expect, it } from 'vitest';
import { LESSONS, LESSON_DOCS } from '../src/ui/lessons/index.ts';
import { LessonDocError } from '../src/ui/lessons/lesson_doc.ts';
import {
  LessonLinkError,
  MAX_INLINE_LINK,
  MAX_LESSON_BYTES,
  decodeLessonLink,
  encodeLessonLink,
  fetchLessonDoc,
  isLessonDocHash,
  lessonFromLink,
  lessonUrlFrom,
  readLessonFile,
} from '../src/ui/lessons/lesson_link.ts';
import { lessonFromUrl } from '../src/ui/lesson_runner.ts';
import { toBase64Url } from '../src/ui/share/share_codec.ts';

const PAGE = 'https://teach.example.edu/os/mmlab/index.html';

describe('lesson links', () => {
  it('every built-in lesson travels inline in a link shorter than the inline limit and opens as itself', async () => {
    for (const [i, d] of LESSON_DOCS.entries()) {
      const hash = await encodeLessonLink(d.text);
      expect(hash).toMatch(/^#lesson=~doc1\.[\w-]+$/);
      expect(hash.length, d.file).toBeLessThan(MAX_INLINE_LINK);
      expect(isLessonDocHash(hash)).toBe(true);
      expect(await decodeLessonLink(hash)).toBe(d.text);
      expect(await lessonFromLink(hash)).toEqual(LESSONS[i]);
    }
  });

  it('tells a document from a built-in id and from a machine share link', () => {
    // the lesson runner's ?lesson=/#lesson=<id> reader sees no id in a document link
    expect(lessonFromUrl({ search: '', hash: '#lesson=~doc1.abc' })).toBeNull();
    expect(isLessonDocHash('#lesson=zero-page')).toBe(false);
    expect(isLessonDocHash('#s=abc')).toBe(false);
    expect(isLessonDocHash('#x=1&lesson=~doc1.abc')).toBe(true);
  });

  it('a cut, altered, newer or oversized link says what is wrong', async () => {
    const hash = await encodeLessonLink(LESSON_DOCS[0]!.text);
    await expect(decodeLessonLink(hash.slice(0, 60))).rejects.toThrow(/does not decompress|cut short/);
    await expect(decodeLessonLink(hash.replace(/doc1\../, 'doc1.$'))).rejects.toThrow(
      /not base64url: '\$' at character 1/,
    );
    await expect(decodeLessonLink('#lesson=~doc2.AAAA')).rejects.toThrow(
      /newer MM Lab \(lesson link version 2\)/,
    );
    await expect(decodeLessonLink('#lesson=~doc1.')).rejects.toThrow(/cut short/);
    await expect(decodeLessonLink('#lesson=zero-page')).rejects.toThrow(/names a lesson, not a document/);
    // a small link that inflates past the cap (a "zip bomb") stops at the cap
    const zeros = new Uint8Array(MAX_LESSON_BYTES + 1).fill(0x61);
    const packed = new Uint8Array(
      await new Response(
        new Blob([zeros]).stream().pipeThrough(new CompressionStream('deflate-raw')),
      ).arrayBuffer(),
    );
    const bomb = `#lesson=~doc1.${toBase64Url(packed)}`;
    expect(bomb.length).toBeLessThan(2000);
    await expect(decodeLessonLink(bomb)).rejects.toThrow(LessonLinkError);
    await expect(decodeLessonLink(bomb)).rejects.toThrow(/larger than 262144 bytes/);
    await expect(encodeLessonLink('x'.repeat(MAX_LESSON_BYTES + 1))).rejects.toThrow(
      /split it into two lessons/,
    );
  });

  it('a link whose document has a mistake reports it with its line', async () => {
    const hash = await encodeLessonLink(LESSON_DOCS[0]!.text.replace('format: 1', 'format: one'));
    await expect(lessonFromLink(hash)).rejects.toThrow(LessonDocError);
    await expect(lessonFromLink(hash)).rejects.toThrow(
      "the lesson in the link:2:9: expected a number, got 'one'",
    );
  });

  it('?lesson-url= takes a relative path or this origin, nothing else', () => {
    expect(lessonUrlFrom('', PAGE)).toBeNull();
    expect(lessonUrlFrom('?lesson-url=lessons/paging.md', PAGE)!.href).toBe(
      'https://teach.example.edu/os/mmlab/lessons/paging.md',
    );
    expect(lessonUrlFrom('?lesson-url=/shared/a.md', PAGE)!.href).toBe(
      'https://teach.example.edu/shared/a.md',
    );
    expect(() => lessonUrlFrom('?lesson-url=https://evil.example/a.md', PAGE)).toThrow(
      /is on evil\.example, not this site \(teach\.example\.edu\)/,
    );
    expect(() => lessonUrlFrom('?lesson-url=javascript:alert(1)', PAGE)).toThrow(
      /is on javascript:, not this site/,
    );
    expect(() => lessonUrlFrom('?lesson-url=', PAGE)).toThrow(/empty/);
  });

  it('fetches a document from the site, and says why when it cannot', async () => {
    const url = new URL('https://teach.example.edu/os/mmlab/lessons/mips.md');
    const ok = (body: string, init?: ResponseInit) => async () => new Response(body, init);
    expect(await fetchLessonDoc(url, ok(LESSON_DOCS[3]!.text))).toEqual(LESSONS[3]);
    await expect(fetchLessonDoc(url, ok('', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(
      '/os/mmlab/lessons/mips.md: the server answered 404 Not Found',
    );
    await expect(fetchLessonDoc(url, ok('x'.repeat(MAX_LESSON_BYTES + 10)))).rejects.toThrow(/larger than/);
    await expect(fetchLessonDoc(url, ok('---\nformat: 1\n'))).rejects.toThrow(
      /^mips\.md:1:1: the front matter is not closed/,
    );
    await expect(
      fetchLessonDoc(url, async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).rejects.toThrow('could not fetch /os/mmlab/lessons/mips.md: Failed to fetch');
  });

  it('reads a dropped .md file, naming it in errors', async () => {
    const file = (text: string) => Object.assign(new Blob([text]), { name: 'paging.md' });
    expect(await readLessonFile(file(LESSON_DOCS[1]!.text))).toEqual(LESSONS[1]);
    await expect(readLessonFile(file('hello'))).rejects.toThrow(
      /^paging\.md:1:1: a lesson starts with front matter/,
    );
  });
});
