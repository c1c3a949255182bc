/**
 * Sharing a lesson document without a server:
 *
 *   #lesson=~doc1.<base64url(deflate-raw(the Markdown))>  the whole document in the link
 *   ?lesson-url=<relative or same-origin URL>             a .md file published next to the app
 *   a .md file dropped on the app                         readLessonFile
 *
 * `#lesson=<id>` already opens a built-in lesson (lesson_runner.ts lessonFromUrl, which reads `[\w-]+`);
 * an id never starts with `~`, so the `~doc1.` prefix tells a document from an id (lessonFromUrl sees
 * no id in it), and its `1` versions the link's encoding
 * (the document inside carries its own `format:`). Decoding stops at MAX_LESSON_BYTES of Markdown
 * (a few kilobytes of link cannot inflate into memory trouble), and every failure is a
 * LessonLinkError saying what is wrong; a document that decodes but does not parse is a
 * LessonDocError with file:line:col. `?lesson-url=` is limited to this site's own origin: a link must
 * not make a learner's browser fetch from wherever its author chose.
 */
import { deflate, fromBase64Url, readCapped, toBase64Url } from '../share/share_codec.ts';
import { parseLessonDoc } from './lesson_doc.ts';
import type { Lesson } from './types.ts';

/** The prefix of a document in `#lesson=`: the link encoding's version. */
const LESSON_LINK_PREFIX = '~doc1.';
/** The largest document a link, URL or file may hold (the seven built-ins are 3 to 10 kB). */
export const MAX_LESSON_BYTES = 256 * 1024;
/**
 * Beyond this many characters a link is better shared as a file: some mail and chat clients cut
 * longer URLs. encodeLessonLink still makes it; the UI says so.
 */
export const MAX_INLINE_LINK = 8000;

export class LessonLinkError extends Error {
  constructor(message: string) {
    super(`Lesson link: ${message}`);
    this.name = 'LessonLinkError';
  }
}

/** The hash (`#lesson=~doc1.…`) carrying a document. */
export async function encodeLessonLink(markdown: string): Promise<string> {
  const bytes = new TextEncoder().encode(markdown);
  if (bytes.length > MAX_LESSON_BYTES)
    throw new LessonLinkError(
      `the document is ${bytes.length} bytes; a lesson holds at most ${MAX_LESSON_BYTES}: split it into two lessons`,
    );
  const packed = await deflate(bytes);
  return `#lesson=${LESSON_LINK_PREFIX}${toBase64Url(packed)}`;
}

/** Whether a hash carries a lesson document (not a built-in lesson's id, not a machine share link). */
export function isLessonDocHash(hash: string): boolean {
  return /(^#?|&)lesson=~doc1\./.test(hash);
}

/** The Markdown a `#lesson=~doc1.…` hash carries. */
export async function decodeLessonLink(hash: string): Promise<string> {
  const m = /(?:^#?|&)lesson=([^&]*)/.exec(hash);
  if (!m) throw new LessonLinkError('the link has no lesson= parameter');
  const value = m[1]!;
  if (!value.startsWith(LESSON_LINK_PREFIX)) {
    const v = /^~doc(\d+)\./.exec(value);
    throw new LessonLinkError(
      v
        ? `this link was made by a newer MM Lab (lesson link version ${v[1]}); this one reads version 1`
        : `'lesson=${clip(value)}' names a lesson, not a document`,
    );
  }
  const data = value.slice(LESSON_LINK_PREFIX.length);
  if (!data) throw new LessonLinkError('the link ends after lesson=~doc1.: it was cut short');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(data);
  } catch (e) {
    // share_codec's messages speak of its own s= parameter
    throw new LessonLinkError(
      (e as Error).message.replace(/^Share link: /, '').replace(/after s=/g, 'after lesson='),
    );
  }
  let text: Uint8Array;
  try {
    text = await inflateLesson(bytes);
  } catch (e) {
    if (e instanceof LessonLinkError) throw e;
    throw new LessonLinkError(
      `the data after lesson= (${data.length} characters) does not decompress: the link was cut short or altered`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch {
    throw new LessonLinkError('the decompressed document is not UTF-8 text');
  }
}

/** The lesson a `#lesson=~doc1.…` hash carries; throws LessonLinkError or LessonDocError. */
export async function lessonFromLink(hash: string): Promise<Lesson> {
  return parseLessonDoc(await decodeLessonLink(hash), 'the lesson in the link');
}

/**
 * The document URL a page's `?lesson-url=` names, resolved against the page; null when there is
 * none. Only this site's origin: a relative path (`lessons/paging.md`) or an absolute URL on it.
 */
export function lessonUrlFrom(search: string, page: string): URL | null {
  const raw = new URLSearchParams(search).get('lesson-url');
  if (raw === null) return null;
  if (!raw.trim()) throw new LessonLinkError('lesson-url= is empty: give the path of a .md file');
  let url: URL;
  try {
    url = new URL(raw, page);
  } catch {
    throw new LessonLinkError(`lesson-url=${clip(raw)} is not a URL`);
  }
  const here = new URL(page);
  if (url.protocol !== here.protocol || url.host !== here.host)
    throw new LessonLinkError(
      `lesson-url=${clip(raw)} is on ${url.protocol === here.protocol ? url.host : url.protocol}, not this site (${here.host}): publish the .md file next to MM Lab and give its path`,
    );
  return url;
}

/** Fetch and parse a document named by `?lesson-url=`. `fetchFn` is for tests. */
export async function fetchLessonDoc(url: URL, fetchFn: typeof fetch = fetch): Promise<Lesson> {
  let res: Response;
  try {
    res = await fetchFn(url.href);
  } catch (e) {
    throw new LessonLinkError(`could not fetch ${url.pathname}: ${(e as Error).message}`);
  }
  if (!res.ok)
    throw new LessonLinkError(`${url.pathname}: the server answered ${res.status} ${res.statusText}`.trim());
  const len = Number(res.headers.get('content-length') ?? 0);
  if (len > MAX_LESSON_BYTES)
    throw new LessonLinkError(`${url.pathname} is ${len} bytes; a lesson holds at most ${MAX_LESSON_BYTES}`);
  const bytes = res.body
    ? await readCapped(res.body, MAX_LESSON_BYTES, () => tooBig(url.pathname))
    : new Uint8Array();
  return parseLessonDoc(decodeText(bytes, url.pathname), url.pathname.split('/').pop() || url.pathname);
}

/** Read and parse a dropped or picked .md file. */
export async function readLessonFile(file: Blob & { name: string }): Promise<Lesson> {
  if (file.size > MAX_LESSON_BYTES)
    throw new LessonLinkError(
      `${file.name} is ${file.size} bytes; a lesson holds at most ${MAX_LESSON_BYTES}`,
    );
  return parseLessonDoc(decodeText(new Uint8Array(await file.arrayBuffer()), file.name), file.name);
}

// --- bytes ----------------------------------------------------------------------------------------

function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LessonLinkError(`${what} is not UTF-8 text: a lesson is a Markdown file`);
  }
}

/** Inflate a link's lesson, refusing more than MAX_LESSON_BYTES (a decompression bomb stops there). */
function inflateLesson(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return readCapped(stream, MAX_LESSON_BYTES, () => tooBig('the lesson in the link'));
}

function tooBig(what: string): LessonLinkError {
  return new LessonLinkError(`${what} is larger than ${MAX_LESSON_BYTES} bytes, the most a lesson may hold`);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
