/**
 * The embed API's message checks (src/ui/embed/embed_api.ts): what a host page posts to an MM Lab
 * frame is accepted only in the documented shapes (docs/embed.md), and every other message gets an
 * error that names the field, with the request's id whenever it had a usable one. Also the embed
 * address and the iframe code the Share panel copies (embed_url.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  MAX_MARKDOWN_CHARS,
  MAX_QUEUED,
  MAX_SCENARIO_CHARS,
  REQUEST_TYPES,
  checkRequest,
  type Checked,
} from '../src/ui/embed/embed_api.ts';
import { EmbedHost } from '../src/ui/embed/embed_host.ts';
import { VIEW_IDS, lessonViews } from '../src/ui/embed/embed_views.ts';
import { LESSONS } from '../src/ui/lessons/index.ts';
import { parseLessonDoc } from '../src/ui/lessons/lesson_doc.ts';
import type { EmbedSession } from '../src/ui/embed/embed_session.ts';
import { embedCode, embedUrl, fullAppUrl, isEmbed, viewsFromUrl } from '../src/ui/embed/embed_url.ts';

const VIEWS = ['frames', 'process', 'lessons', 'status'];
const check = (data: unknown) => checkRequest(data, VIEWS);

function error(c: Checked): { id: unknown; error: string } {
  if (c.ok) throw new Error(`accepted: ${JSON.stringify(c.request)}`);
  return { id: c.id, error: c.error };
}

describe('checkRequest accepts the documented requests', () => {
  it.each([
    { type: 'loadScenario', text: 'spawn A\nA mmap r1 64K rw' },
    { type: 'loadScenario', text: '' },
    { type: 'loadLesson', markdown: '---\nformat: 1\n---' },
    { type: 'loadLesson', link: 'https://example.org/mmlab/#lesson=~doc1.abc' },
    { type: 'loadLesson', lesson: 'zero-page' },
    { type: 'next' },
    { type: 'back' },
    { type: 'goTo', step: 3 },
    { type: 'read', what: '/proc/A/status:VmRSS' },
    { type: 'state' },
    { type: 'show', views: ['frames', 'status'] },
  ])('$type', (r) => {
    const c = check({ mmlab: 1, id: 'a1', ...r });
    expect(c).toEqual({ ok: true, request: { mmlab: 1, id: 'a1', ...r } });
  });

  it('takes a number as id, and every type it lists', () => {
    expect(check({ mmlab: 1, id: 0, type: 'state' }).ok).toBe(true);
    expect(REQUEST_TYPES).toEqual([
      'loadScenario',
      'loadLesson',
      'next',
      'back',
      'goTo',
      'read',
      'state',
      'show',
    ]);
  });
});

describe('checkRequest refuses, saying what is wrong', () => {
  it('a message that is not an object: no id to answer', () => {
    for (const d of ['slide:start', 42, null, undefined, [1, 2]])
      expect(error(check(d))).toEqual({ id: null, error: expect.stringMatching(/^a request is an object/) });
  });

  it('a missing or foreign protocol version, with the id', () => {
    expect(error(check({ id: 5, type: 'state' }))).toEqual({
      id: 5,
      error: 'the request has no mmlab field: write mmlab: 1 (the protocol version)',
    });
    expect(error(check({ mmlab: 2, id: 5, type: 'state' })).error).toBe(
      'mmlab: 2 is not a protocol this frame speaks (it speaks 1)',
    );
  });

  it('a missing or unusable id', () => {
    expect(error(check({ mmlab: 1, type: 'state' }))).toEqual({
      id: null,
      error: 'the request has no id: give each request an id (a string or number) to match its reply',
    });
    for (const id of ['', 'x'.repeat(129), NaN, Infinity, {}, true])
      expect(error(check({ mmlab: 1, id, type: 'state' }))).toMatchObject({
        id: null,
        error: expect.stringMatching(/^id: .* must be a number or a string of 1 to 128 characters$/),
      });
  });

  it('an unknown or missing type lists the types', () => {
    expect(error(check({ mmlab: 1, id: 1, type: 'explode' }))).toEqual({
      id: 1,
      error: `unknown type 'explode': one of ${REQUEST_TYPES.join(', ')}`,
    });
    expect(error(check({ mmlab: 1, id: 1 })).error).toMatch(/^the request has no type: one of loadScenario/);
    expect(error(check({ mmlab: 1, id: 1, type: 7 })).error).toMatch(/^unknown type 7:/);
  });

  it('a field the type does not take (a typo must not pass silently)', () => {
    expect(error(check({ mmlab: 1, id: 1, type: 'next', step: 2 })).error).toBe("next takes no field 'step'");
    expect(error(check({ mmlab: 1, id: 1, type: 'goTo', stepp: 2 })).error).toBe(
      "goTo takes no field 'stepp' (its fields: step)",
    );
  });

  it('bad field values', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'loadScenario' }, 'loadScenario: text: nothing must be a string'],
      [{ type: 'loadScenario', text: ['spawn A'] }, 'loadScenario: text: a list of 1 must be a string'],
      [{ type: 'loadLesson' }, 'loadLesson: give exactly one of markdown, link or lesson'],
      [
        { type: 'loadLesson', markdown: 'x', lesson: 'zero-page' },
        'loadLesson: give exactly one of markdown, link or lesson (got markdown and lesson)',
      ],
      [{ type: 'loadLesson', markdown: '  \n' }, 'loadLesson: markdown is empty'],
      [
        { type: 'loadLesson', lesson: '../etc' },
        "loadLesson: lesson: '../etc' is not a lesson id (letters, digits, - and _)",
      ],
      [{ type: 'goTo', step: 0 }, 'goTo: step: 0 must be a whole number from 1 (the first step)'],
      [{ type: 'goTo', step: 2.5 }, 'goTo: step: 2.5 must be a whole number from 1 (the first step)'],
      [{ type: 'goTo', step: '3' }, "goTo: step: '3' must be a whole number from 1 (the first step)"],
      [{ type: 'read', what: '' }, 'read: what is empty'],
      [{ type: 'show', views: [] }, 'show: views: a list of 0 must be a list of view ids'],
      [{ type: 'show', views: 'frames' }, "show: views: 'frames' must be a list of view ids"],
      [
        { type: 'show', views: ['frames', 'nope'] },
        "show: views: unknown view 'nope': the views are frames, process, lessons, status",
      ],
    ];
    for (const [r, msg] of cases)
      expect(error(check({ mmlab: 1, id: 'q', ...r }))).toEqual({ id: 'q', error: msg });
  });

  it('too-large payloads, before anything reads them', () => {
    expect(
      error(check({ mmlab: 1, id: 1, type: 'loadScenario', text: 'x'.repeat(MAX_SCENARIO_CHARS + 1) })).error,
    ).toBe('loadScenario: text is 1,000,001 characters; at most 1,000,000');
    expect(
      error(check({ mmlab: 1, id: 1, type: 'loadLesson', markdown: 'x'.repeat(MAX_MARKDOWN_CHARS + 1) }))
        .error,
    ).toMatch(/^loadLesson: markdown is 262,145 characters; at most 262,144$/);
    expect(error(check({ mmlab: 1, id: 1, type: 'read', what: 'x'.repeat(257) })).error).toMatch(
      /^read: what is 257 characters/,
    );
    expect(error(check({ mmlab: 1, id: 1, type: 'show', views: Array(17).fill('frames') })).error).toBe(
      'show: views: 17 views; at most 16',
    );
    // a huge bad value is described, not echoed
    const e = error(check({ mmlab: 1, id: 1, type: 'goTo', step: 'y'.repeat(10_000) })).error;
    expect(e.length).toBeLessThan(120);
  });
});

describe('the views a lesson needs', () => {
  it('the grids, the narration and the panels its steps point at; the process view only with processes', () => {
    const docs = readFileSync(new URL('../docs/lessons.md', import.meta.url), 'utf8');
    const example = parseLessonDoc(/````markdown\n([\s\S]*?)````/.exec(docs)![1]!, 'docs/lessons.md');
    expect(lessonViews(example)).toEqual(['frames', 'process', 'lessons', 'status']);
    const boot = LESSONS.find((l) => l.id === 'boot-zero-page')!;
    expect(lessonViews(boot)).not.toContain('process');
    expect(lessonViews(boot).slice(0, 2)).toEqual(['frames', 'lessons']);
    // every view a lesson asks for is one a host may name
    for (const l of LESSONS) for (const v of lessonViews(l)) expect(VIEW_IDS).toContain(v);
  });
});

describe('EmbedHost answers every message', () => {
  /** A host over a fake session whose `next` waits until released and whose `read` fails. */
  function setup() {
    const posted: unknown[] = [];
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const state = { mode: 'none', title: null, step: 0, steps: 0, stepTitle: null, views: [] };
    const session = {
      state: () => state,
      next: () => gate.then(() => state),
      read: () => Promise.reject(new Error("expect: nothing is allocated under the name 'x'")),
      views: { setState: () => {} },
    } as unknown as EmbedSession;
    const host = new EmbedHost(session, { postMessage: (m) => posted.push(m) });
    return { host, posted, release };
  }
  const replies = (posted: unknown[]) => posted.filter((m) => (m as { event?: string }).event === undefined);

  it('a bad message at once, a failed request with its message, in order', async () => {
    const { host, posted, release } = setup();
    release();
    host.receive({ mmlab: 1, id: 1, type: 'nope' }, 'https://course.example');
    expect(replies(posted)).toEqual([
      { mmlab: 1, id: 1, ok: false, error: expect.stringMatching(/^unknown type 'nope'/) },
    ]);
    host.receive({ mmlab: 1, id: 2, type: 'read', what: 'pfn(x)' }, 'null');
    host.receive({ mmlab: 1, id: 3, type: 'state' }, 'null');
    await vi.waitFor(() => expect(replies(posted)).toHaveLength(3));
    expect(replies(posted).slice(1)).toEqual([
      { mmlab: 1, id: 2, ok: false, error: "expect: nothing is allocated under the name 'x'" },
      { mmlab: 1, id: 3, ok: true, result: expect.objectContaining({ mode: 'none' }) },
    ]);
  });

  it(`refuses at once beyond ${MAX_QUEUED} waiting requests, then answers the rest`, async () => {
    const { host, posted, release } = setup();
    for (let i = 0; i <= MAX_QUEUED; i++) host.receive({ mmlab: 1, id: i, type: 'next' }, 'null');
    expect(replies(posted)).toEqual([
      {
        mmlab: 1,
        id: MAX_QUEUED,
        ok: false,
        error: `${MAX_QUEUED} requests are waiting already: wait for their replies first`,
      },
    ]);
    release();
    await vi.waitFor(() => expect(replies(posted)).toHaveLength(MAX_QUEUED + 1));
    expect(
      replies(posted)
        .slice(1)
        .map((r) => (r as { id: number }).id),
    ).toEqual([...Array(MAX_QUEUED).keys()]);
  });
});

describe('the embed address and code', () => {
  it('?embed=1 turns embed mode on; embed=0 does not', () => {
    expect(isEmbed('?embed=1')).toBe(true);
    expect(isEmbed('?lesson=zero-page&embed=1')).toBe(true);
    expect(isEmbed('?embed=0')).toBe(false);
    expect(isEmbed('?lesson=zero-page')).toBe(false);
  });

  it('views= keeps the known ids, once each', () => {
    expect(viewsFromUrl('?embed=1&views=frames,nope,status,frames', VIEWS)).toEqual(['frames', 'status']);
    expect(viewsFromUrl('?embed=1&views=nope', VIEWS)).toBeNull();
    expect(viewsFromUrl('?embed=1', VIEWS)).toBeNull();
  });

  it('the embed URL keeps the app folder (relative builds on any host) and the link', () => {
    const app = 'https://teach.example.org/os/mmlab/index.html?lesson=x#s=old';
    expect(embedUrl(app, { lessonId: 'cow-fork' })).toBe(
      'https://teach.example.org/os/mmlab/index.html?embed=1&lesson=cow-fork',
    );
    expect(embedUrl(app, { hash: '#lesson=~doc1.AbC', views: ['frames', 'lessons'] })).toBe(
      'https://teach.example.org/os/mmlab/index.html?embed=1&views=frames,lessons#lesson=~doc1.AbC',
    );
    expect(fullAppUrl('https://h.org/m/?embed=1&views=frames&lesson=cow-fork#x')).toBe(
      'https://h.org/m/?lesson=cow-fork#x',
    );
  });

  it('the iframe code escapes the address for HTML', () => {
    expect(embedCode('https://h.org/m/?embed=1&lesson=a"b')).toBe(
      '<iframe src="https://h.org/m/?embed=1&amp;lesson=a&quot;b" width="800" height="500" title="MM Lab: the Linux kernel\'s memory management" style="border:1px solid #ccc" loading="lazy"></iframe>',
    );
  });
});
