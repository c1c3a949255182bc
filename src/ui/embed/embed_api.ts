/**
 * The embed postMessage protocol (docs/embed.md): what a host page may ask an MM Lab iframe, what the
 * frame answers, and the checks every incoming message passes before anything acts on it. Plain
 * data and pure functions (no DOM, no React), so tests/embed_api.test.ts checks the validator alone.
 *
 * Every request carries `mmlab: 1` (the protocol's version: a later change of shape gets a new
 * number, and old hosts keep working against the version they name) and an `id`; the reply carries
 * the same id, `ok`, and either `result` or `error`. A message that fails a check is answered with
 * an error saying which field is wrong, never ignored: a host waiting on a reply must not hang.
 */

/** The protocol version hosts write in `mmlab:`. */
export const EMBED_PROTOCOL = 1;

/** The most characters a scenario sent by `loadScenario` may have (a long generated scenario fits). */
export const MAX_SCENARIO_CHARS = 1_000_000;
/** The most characters of a lesson's Markdown (lesson_link.ts MAX_LESSON_BYTES counts bytes after). */
export const MAX_MARKDOWN_CHARS = 256 * 1024;
/** The most characters of a lesson link (`#lesson=~doc1.…` of the largest lesson is well under). */
export const MAX_LINK_CHARS = 512 * 1024;
/** The most characters of the name of what `read` reads (`/proc/A/status:VmRSS`). */
const MAX_WHAT_CHARS = 256;
/** The most characters of a request id. */
const MAX_ID_CHARS = 128;
/** The most views `show` may name. */
const MAX_VIEWS = 16;
/** Requests not yet answered (the running one included): beyond this the frame refuses new ones at once. */
export const MAX_QUEUED = 32;

type RequestId = string | number;

/** Load a scenario (docs/scenario-language.md): a leading `machine` line reboots as that machine. */
interface LoadScenarioRequest {
  type: 'loadScenario';
  id: RequestId;
  text: string;
}

/** Load a lesson: its Markdown, a link to it (`#lesson=~doc1.…`, `?lesson-url=`), or a built-in id. */
export interface LoadLessonRequest {
  type: 'loadLesson';
  id: RequestId;
  markdown?: string;
  link?: string;
  lesson?: string;
}

interface NextRequest {
  type: 'next';
  id: RequestId;
}

interface BackRequest {
  type: 'back';
  id: RequestId;
}

/** Go to step `step` (1 = the first) of the lesson or scenario loaded. */
interface GoToRequest {
  type: 'goTo';
  id: RequestId;
  step: number;
}

/** Read what an `expect` or `print` reads: `/proc/A/status:VmRSS`, `zero_pfn`, `pfn(buf)`… */
interface ReadRequest {
  type: 'read';
  id: RequestId;
  what: string;
}

/** Where the frame is: what is loaded, the step, the views shown. */
interface StateRequest {
  type: 'state';
  id: RequestId;
}

/** Show these views (panel ids of the registry, e.g. `frames`, `process`, `lessons`, `status`). */
interface ShowRequest {
  type: 'show';
  id: RequestId;
  views: string[];
}

export type EmbedRequest =
  | LoadScenarioRequest
  | LoadLessonRequest
  | NextRequest
  | BackRequest
  | GoToRequest
  | ReadRequest
  | StateRequest
  | ShowRequest;

type EmbedRequestType = EmbedRequest['type'];

/** What the frame has loaded and where it is; every step reply and `step` event carries it. */
export interface EmbedState {
  /** `none` until a lesson or scenario is loaded (the default machine is up) */
  mode: 'none' | 'lesson' | 'scenario';
  /** the lesson's title, or null */
  title: string | null;
  /** the step shown, 1 = the first; 0 when nothing is loaded */
  step: number;
  /** how many steps there are: a lesson's steps, or a scenario's operations */
  steps: number;
  /** the shown step's title (a lesson's heading, a scenario operation's line), or null */
  stepTitle: string | null;
  /** the views the frame shows, by panel id */
  views: string[];
}

export type EmbedReply =
  | { mmlab: typeof EMBED_PROTOCOL; id: RequestId; ok: true; result: unknown }
  | { mmlab: typeof EMBED_PROTOCOL; id: RequestId | null; ok: false; error: string };

/** What the frame posts unasked: `ready` once the first machine is up, `step` when the step changes. */
export type EmbedEvent = { mmlab: typeof EMBED_PROTOCOL; event: 'ready' | 'step' } & EmbedState;

/** The fields each request type takes besides `mmlab`, `id` and `type`. */
const FIELDS: Readonly<Record<EmbedRequestType, readonly string[]>> = {
  loadScenario: ['text'],
  loadLesson: ['markdown', 'link', 'lesson'],
  next: [],
  back: [],
  goTo: ['step'],
  read: ['what'],
  state: [],
  show: ['views'],
};

export const REQUEST_TYPES = Object.keys(FIELDS) as EmbedRequestType[];

export type Checked =
  { ok: true; request: EmbedRequest } | { ok: false; id: RequestId | null; error: string };

/**
 * Check one message's data. `views` are the view ids `show` may name. Returns the request, or the
 * error to reply with (and the id to reply to, when the message had a usable one).
 */
export function checkRequest(data: unknown, views: readonly string[]): Checked {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return fail(null, `a request is an object like {mmlab: 1, id: 1, type: 'state'}, not ${describe(data)}`);
  const d = data as Record<string, unknown>;
  const id = d.id;
  const idOk =
    (typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_CHARS) ||
    (typeof id === 'number' && Number.isFinite(id));
  const replyId = idOk ? (id as RequestId) : null;
  if (d.mmlab !== EMBED_PROTOCOL)
    return fail(
      replyId,
      d.mmlab === undefined
        ? 'the request has no mmlab field: write mmlab: 1 (the protocol version)'
        : `mmlab: ${describe(d.mmlab)} is not a protocol this frame speaks (it speaks 1)`,
    );
  if (!idOk)
    return fail(
      null,
      id === undefined
        ? 'the request has no id: give each request an id (a string or number) to match its reply'
        : `id: ${describe(id)} must be a number or a string of 1 to ${MAX_ID_CHARS} characters`,
    );
  const type = d.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type))
    return fail(
      replyId,
      `${type === undefined ? 'the request has no type' : `unknown type ${describe(type)}`}: one of ${REQUEST_TYPES.join(', ')}`,
    );
  const t = type as EmbedRequestType;
  const allowed = FIELDS[t];
  for (const k of Object.keys(d)) {
    if (k === 'mmlab' || k === 'id' || k === 'type' || allowed.includes(k)) continue;
    return fail(
      replyId,
      `${t} takes no field '${clip(k)}'${allowed.length ? ` (its fields: ${allowed.join(', ')})` : ''}`,
    );
  }
  const err = checkFields(t, d, views);
  return err ? fail(replyId, `${t}: ${err}`) : { ok: true, request: d as unknown as EmbedRequest };
}

function checkFields(
  t: EmbedRequestType,
  d: Record<string, unknown>,
  views: readonly string[],
): string | null {
  switch (t) {
    case 'loadScenario':
      return text(d.text, 'text', MAX_SCENARIO_CHARS, true);
    case 'loadLesson': {
      const given = (['markdown', 'link', 'lesson'] as const).filter((k) => d[k] !== undefined);
      if (given.length !== 1)
        return `give exactly one of markdown, link or lesson${given.length ? ` (got ${given.join(' and ')})` : ''}`;
      const k = given[0]!;
      if (k === 'markdown') return text(d.markdown, 'markdown', MAX_MARKDOWN_CHARS, false);
      if (k === 'link') return text(d.link, 'link', MAX_LINK_CHARS, false);
      const e = text(d.lesson, 'lesson', 64, false);
      if (e) return e;
      return /^[\w-]+$/.test(d.lesson as string)
        ? null
        : `lesson: '${clip(d.lesson as string)}' is not a lesson id (letters, digits, - and _)`;
    }
    case 'goTo':
      return Number.isInteger(d.step) && (d.step as number) >= 1
        ? null
        : `step: ${describe(d.step)} must be a whole number from 1 (the first step)`;
    case 'read':
      return text(d.what, 'what', MAX_WHAT_CHARS, false);
    case 'show': {
      const v = d.views;
      if (!Array.isArray(v) || v.length === 0) return `views: ${describe(v)} must be a list of view ids`;
      if (v.length > MAX_VIEWS) return `views: ${v.length} views; at most ${MAX_VIEWS}`;
      for (const x of v)
        if (typeof x !== 'string' || !views.includes(x))
          return `views: unknown view ${describe(x)}: the views are ${views.join(', ')}`;
      return null;
    }
    default:
      return null;
  }
}

/** A string field: present, text, not over `max` characters (empty only where `empty` allows). */
function text(v: unknown, name: string, max: number, empty: boolean): string | null {
  if (typeof v !== 'string') return `${name}: ${describe(v)} must be a string`;
  if (v.length > max)
    return `${name} is ${v.length.toLocaleString('en-US')} characters; at most ${max.toLocaleString('en-US')}`;
  if (!empty && !v.trim()) return `${name} is empty`;
  return null;
}

function fail(id: RequestId | null, error: string): Checked {
  return { ok: false, id, error };
}

/** A short account of a bad value for a message (never the whole of a huge one). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'string') return `'${clip(v)}'`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'undefined') return 'nothing';
  return String(v);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** A reply to request `id`. */
export function okReply(id: RequestId, result: unknown): EmbedReply {
  return { mmlab: EMBED_PROTOCOL, id, ok: true, result };
}

export function errorReply(id: RequestId | null, error: string): EmbedReply {
  return { mmlab: EMBED_PROTOCOL, id, ok: false, error };
}
