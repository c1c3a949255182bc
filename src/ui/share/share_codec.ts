/**
 * Share links: the machine's config, the scenario that brought it where it is (the worker's journal:
 * one text per command) and what the learner had selected, in the URL's hash:
 *
 *   #s=<base64url(deflate-raw(JSON))>[&step=<op>.<step>]
 *
 * The hash never reaches a server, and deflate (the browser's CompressionStream, no dependency)
 * shrinks the repetitive scenario text well. `step` is kept out of the compressed part so a timeline
 * position can be edited by hand. Decoding checks everything and says what is wrong and where, so
 * the app can open a default machine and show why the link did not work.
 */
import {
  ARCH_NAMES,
  ConfigError,
  completeConfig,
  validateConfig,
  type MachineConfig,
} from '../../core/config.ts';

/** What a link carries. */
export interface ShareState {
  config: Partial<MachineConfig>;
  /** `init` booted the machine (else the entries' `step` lines do) */
  boot: boolean;
  /** scenario text per command, in order (protocol.ts JournalReply.entries) */
  entries: string[];
  selection: ShareSelection;
  /** a timeline position (the timeline branch's controller.seek(op, step)); absent when none */
  step?: { op: number; step: number };
}

/** The selection to restore: a frame of the frame grid, a page of a process's region. */
export interface ShareSelection {
  pfn?: number;
  proc?: string;
  region?: string;
  page?: number;
}

/** The link's format version (the `v` key). */
const SHARE_VERSION = 1;

/**
 * The longest link this app makes or opens: Chrome refuses URLs over 2 MB (2,097,152 characters),
 * so a longer link cannot be opened by anyone it is sent to. Beyond it the app offers a file.
 */
export const MAX_LINK_CHARS = 2 * 1024 * 1024;

/**
 * The most a link's data may decompress to. Deflate shrinks repetitive text up to ~1000:1, so a
 * small link can be a decompression bomb (26 KB once became 1.5 GB in the renderer); a real journal
 * of a few thousand scenario lines is well under this. Inflating stops as soon as it passes it.
 */
const MAX_DECODED_BYTES = 8 * 1024 * 1024;

/** A link that cannot be opened; the message says what and where. */
export class ShareLinkError extends Error {
  constructor(message: string) {
    super(`Share link: ${message}`);
    this.name = 'ShareLinkError';
  }
}

// --- the config keys a link may set, and the type of each ---------------------------------------

const CONFIG_KEYS: Record<keyof MachineConfig, 'number' | 'boolean' | readonly string[]> = {
  arch: ARCH_NAMES,
  granule: 'number',
  vce: 'boolean',
  colouredZero: 'boolean',
  ram: 'number',
  cpus: 'number',
  thp: ['never', 'madvise', 'always'],
  useZeroPage: 'boolean',
  hugeZero: ['dynamic', 'persistent', 'static_pmd'],
  maxPtesNone: 'number',
  shrinkUnderused: 'boolean',
  initOnAlloc: 'boolean',
  initOnFree: 'boolean',
  zeroPagePatch: ['before', 'after'],
  pcid: 'boolean',
  pageAllocUnmapped: 'boolean',
  unmappedZeroing: ['as_posted', 'per_block'],
};

// --- encode -------------------------------------------------------------------------------------

/** The hash (starting with `#`) for a state. */
export async function encodeShare(state: ShareState): Promise<string> {
  const json = JSON.stringify({
    v: SHARE_VERSION,
    config: state.config,
    boot: state.boot,
    entries: state.entries,
    sel: state.selection,
  });
  const packed = await deflate(new TextEncoder().encode(json));
  const step = state.step ? `&step=${state.step.op}.${state.step.step}` : '';
  return `#s=${toBase64Url(packed)}${step}`;
}

/** Whether a hash looks like a share link at all (an ordinary page load has none). */
export function isShareHash(hash: string): boolean {
  return /^#?s=/.test(hash);
}

// --- decode -------------------------------------------------------------------------------------

/** Decode a hash made by encodeShare; throws ShareLinkError saying what is wrong. */
export async function decodeShare(hash: string): Promise<ShareState> {
  const params = new Map<string, string>();
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new ShareLinkError(`'${clip(part)}' in the link is not a key=value parameter`);
    params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const data = params.get('s');
  if (data === undefined) throw new ShareLinkError('the link has no s= parameter (the machine and scenario)');
  if (!data) throw new ShareLinkError('s= is empty: the link was cut short');
  if (hash.length > MAX_LINK_CHARS)
    throw new ShareLinkError(
      `the link is ${hash.length.toLocaleString('en-US')} characters, longer than browsers open (${MAX_LINK_CHARS.toLocaleString('en-US')})`,
    );
  const bytes = fromBase64Url(data);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(await inflate(bytes, MAX_DECODED_BYTES));
  } catch (e) {
    if (e instanceof ShareLinkError) throw e;
    throw new ShareLinkError(
      `the data after s= (${data.length} characters) does not decompress: the link was cut short or altered`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new ShareLinkError(`the decompressed data is not JSON (${(e as Error).message})`);
  }
  const state = checkState(raw);
  const step = params.get('step');
  if (step !== undefined) state.step = parseStep(step);
  for (const key of params.keys())
    if (key !== 's' && key !== 'step') throw new ShareLinkError(`unknown parameter '${clip(key)}'`);
  return state;
}

/** `step=<op>.<step>`: two whole numbers. */
function parseStep(text: string): { op: number; step: number } {
  const m = /^(\d{1,9})\.(\d{1,9})$/.exec(text);
  if (!m) throw new ShareLinkError(`step=${clip(text)}: expected <op>.<step>, two whole numbers (step=12.3)`);
  return { op: Number(m[1]), step: Number(m[2]) };
}

function checkState(raw: unknown): ShareState {
  if (!isObject(raw)) throw new ShareLinkError('the data is not an object');
  if (raw['v'] !== SHARE_VERSION)
    throw new ShareLinkError(
      `version ${JSON.stringify(raw['v'])} is not one this app reads (it reads v=${SHARE_VERSION})`,
    );
  const config = checkConfig(raw['config']);
  if (typeof raw['boot'] !== 'boolean') throw new ShareLinkError("'boot' must be true or false");
  const entries = raw['entries'];
  if (!Array.isArray(entries)) throw new ShareLinkError("'entries' must be a list of scenario texts");
  entries.forEach((e, i) => {
    if (typeof e !== 'string') throw new ShareLinkError(`scenario entry ${i + 1} is not text`);
  });
  return {
    config,
    boot: raw['boot'],
    entries: entries as string[],
    selection: checkSelection(raw['sel']),
  };
}

function checkConfig(raw: unknown): Partial<MachineConfig> {
  if (!isObject(raw)) throw new ShareLinkError("'config' must be an object of machine settings");
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    // own keys only: 'constructor' or '__proto__' is no machine setting
    const want = Object.hasOwn(CONFIG_KEYS, key) ? CONFIG_KEYS[key as keyof MachineConfig] : undefined;
    if (!want) throw new ShareLinkError(`config: unknown machine setting '${clip(key)}'`);
    const ok =
      want === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : want === 'boolean'
          ? typeof value === 'boolean'
          : typeof value === 'string' && want.includes(value);
    if (!ok)
      throw new ShareLinkError(
        `config.${key} = ${clip(JSON.stringify(value))}: expected ${typeof want === 'string' ? `a ${want}` : want.join(' or ')}`,
      );
    out[key] = value;
  }
  const config = out as Partial<MachineConfig>;
  try {
    validateConfig(completeConfig(config));
  } catch (e) {
    if (e instanceof ConfigError) throw new ShareLinkError(`impossible machine: ${e.message}`);
    throw e;
  }
  return config;
}

function checkSelection(raw: unknown): ShareSelection {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new ShareLinkError("'sel' (the selection) must be an object");
  const sel: ShareSelection = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'pfn' || key === 'page') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw new ShareLinkError(`sel.${key} = ${clip(JSON.stringify(value))}: expected a whole number ≥ 0`);
      sel[key] = value;
    } else if (key === 'proc' || key === 'region') {
      if (typeof value !== 'string' || !value) throw new ShareLinkError(`sel.${key}: expected a name`);
      sel[key] = value;
    } else throw new ShareLinkError(`sel: unknown key '${clip(key)}'`);
  }
  return sel;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

// --- a link too long to open: the scenario as a file instead --------------------------------------

const MACHINE_KEY: Record<keyof MachineConfig, string> = {
  arch: 'arch',
  granule: 'granule',
  vce: 'vce',
  colouredZero: 'coloured_zero',
  ram: 'ram',
  cpus: 'cpus',
  thp: 'thp',
  useZeroPage: 'use_zero_page',
  hugeZero: 'huge_zero',
  maxPtesNone: 'max_ptes_none',
  shrinkUnderused: 'shrink_underused',
  initOnAlloc: 'init_on_alloc',
  initOnFree: 'init_on_free',
  zeroPagePatch: 'zero_page_patch',
  pcid: 'pcid',
  pageAllocUnmapped: 'page_alloc_unmapped',
  unmappedZeroing: 'unmapped_zeroing',
};

/**
 * The state as one scenario text (a `machine` line, `boot` when the link booted at init, then the
 * entries): what the app offers as a file when the link is too long for a browser to open. Pasted
 * into the scenario editor (or run with `mm run`), it rebuilds the same machine.
 */
export function shareScenarioText(state: ShareState): string {
  const keys = Object.entries(state.config).map(([k, v]) => {
    const name = MACHINE_KEY[k as keyof MachineConfig];
    const value = k === 'granule' ? `${String(v)}K` : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
    return `${name}=${value}`;
  });
  const lines = [
    '# MM Lab: this scenario was too long for a share link; paste it into the scenario editor',
    `machine${keys.map((k) => ` ${k}`).join('')}`,
    ...(state.boot ? ['boot'] : []),
    ...state.entries,
  ];
  return lines.join('\n') + '\n';
}

// --- bytes ---------------------------------------------------------------------------------------

/** deflate-raw, as share links and lesson links carry their data. */
export async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflate, reading the output a chunk at a time and giving up as soon as it passes `max` bytes. */
async function inflate(bytes: Uint8Array, max: number): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return readCapped(
    stream,
    max,
    () =>
      new ShareLinkError(
        `the link's data decompresses to more than ${max / 1024 / 1024} MiB (a real scenario is far smaller): not opened`,
      ),
  );
}

/**
 * Read a stream to its end, refusing more than `max` bytes: checked per chunk, before holding more,
 * so a decompression bomb or a huge download stops at the cap. `tooBig` makes the error to throw.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
  tooBig: () => Error,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Inverse of toBase64Url; a character outside the alphabet is reported with its position. */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1)
    throw new ShareLinkError(
      `the data after s= has ${text.length} characters, which no base64url text has: the link was cut short`,
    );
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    if (v < 0)
      throw new ShareLinkError(
        `the data after s= is not base64url: '${text[i]}' at character ${i + 1} of ${text.length}`,
      );
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
