/**
 * The scenario language: a small line-oriented script for the UI, the CLI, lessons and tests.
 * The grammar is documented in docs/scenario-language.md. Errors carry line and column.
 */

export class ScenarioError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    message: string,
    /** a bug in the emulator met on this line, not a mistake in the scenario */
    readonly internal = false,
  ) {
    super(message);
  }
}

export interface Token {
  text: string;
  /** 1-based column of the token's first character */
  col: number;
  quoted: boolean;
}

export interface Stmt {
  line: number;
  /** the command word (or, for per-process commands in later issues, the first word) */
  cmd: string;
  cmdCol: number;
  args: Token[];
  /** the source text of the line, without its comment */
  text: string;
}

/**
 * Every character that separates tokens: JavaScript's `\s` (all Unicode space separators, the
 * line and paragraph separators, vertical tab, form feed, the no-break spaces and the BOM U+FEFF).
 * The skip loop and the token loop must use the same set: a character only one of them knew
 * once made an empty token forever (text pasted from slides, a file saved with a BOM).
 */
const SPACE = /\s/;

/** Split one line into tokens; `#` outside quotes starts a comment. */
export function tokenize(src: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '#') break;
    if (c === '"') {
      const start = i;
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) throw new ScenarioError(line, start + 1, 'unterminated string: missing closing "');
      out.push({ text, col: start + 1, quoted: true });
      i = j + 1;
      continue;
    }
    const start = i;
    while (i < src.length && src[i] !== '#' && !SPACE.test(src[i]!)) i++;
    out.push({ text: src.slice(start, i), col: start + 1, quoted: false });
  }
  return out;
}

export function parseScenario(text: string): Stmt[] {
  const stmts: Stmt[] = [];
  // A UTF-8 BOM (Windows editors save one) is not part of the first line; the tokenizer would skip
  // it as space anyway, but dropping it keeps the first line's columns the ones an editor shows.
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let n = 0; n < lines.length; n++) {
    const toks = tokenize(lines[n]!, n + 1);
    if (!toks.length) continue;
    const [cmd, ...args] = toks;
    stmts.push({
      line: n + 1,
      cmd: cmd!.text,
      cmdCol: cmd!.col,
      args,
      text: lines[n]!.replace(/#.*$/, '').trim(),
    });
  }
  return stmts;
}

/**
 * `table[name]` for a name the user typed, or undefined: only the table's own keys count, so
 * `constructor`, `__proto__` or `hasOwnProperty` are unknown names, not Object.prototype's members.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

const SUFFIX: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A number: decimal, 0x hex, with an optional K/M/G/T suffix (binary units: 64M = 64 MiB).
 * Returns undefined when the text is not a number.
 */
export function parseNumber(text: string): number | undefined {
  const m = /^(0x[0-9a-fA-F]+|\d+)([KMGTkmgt]?)$/.exec(text);
  if (!m) return undefined;
  const base = m[1]!.startsWith('0x') ? parseInt(m[1]!, 16) : parseInt(m[1]!, 10);
  const mul = m[2] ? SUFFIX[m[2].toUpperCase()]! : 1;
  const v = base * mul;
  return Number.isSafeInteger(v) ? v : undefined;
}
