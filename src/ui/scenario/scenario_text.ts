/**
 * What the editor's Run does with a whole scenario. The worker's machine exists already, so a
 * scenario's `machine` line (the example files start with one) cannot run there; instead the editor
 * asks the worker for that line's config (`machineConfig`), reboots with it and runs the rest. The
 * line is blanked rather than removed so every error the worker reports still names the editor's
 * own line numbers.
 */

/** The scenario's first statement when it is a `machine` line: its 1-based number and text. */
export function leadingMachineLine(text: string): { line: number; text: string } | null {
  // Skip blank and comment lines without splitting the whole (maybe million-line) text.
  let at = 0;
  for (let line = 1; at <= text.length; line++) {
    const nl = text.indexOf('\n', at);
    const l = text.slice(at, nl < 0 ? text.length : nl);
    const word = /^\s*([^\s#]+)/.exec(l)?.[1];
    if (word !== undefined) return word === 'machine' ? { line, text: l } : null;
    if (nl < 0) return null;
    at = nl + 1;
  }
  return null;
}

/** `text` with 1-based line `line` emptied (the other lines keep their numbers). */
export function blankLine(text: string, line: number): string {
  const start = offsetOf(text, line, 1);
  const nl = text.indexOf('\n', start);
  return text.slice(0, start) + (nl < 0 ? '' : text.slice(nl));
}

/** The offset in `text` of 1-based line `line`, column `col` (for moving the caret to an error). */
export function offsetOf(text: string, line: number, col: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  const end = text.indexOf('\n', at);
  const lineEnd = end < 0 ? text.length : end;
  return Math.min(at + Math.max(0, col - 1), lineEnd);
}
