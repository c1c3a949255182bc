/**
 * A frame's bytes as `hexdump -C` prints them: offset, 16 bytes in hex, the same 16 as ASCII.
 * Virtualised: a 4 KiB page is 256 rows and a 64 KiB page 4096, so only the rows in view (plus a
 * margin) are in the DOM; the scroll box keeps the full height. "Go to offset" jumps to a row, and
 * the box scrolls with the keyboard once focused.
 */
import { useRef, useState, type FormEvent } from 'react';

/** Bytes per row, as hexdump -C. */
const HEX_ROW_BYTES = 16;
/** Row height in CSS pixels (styles: .hexdump-row). */
const ROW_PX = 18;
const VIEW_ROWS = 16;
const MARGIN_ROWS = 8;

function hexRow(bytes: Uint8Array, offset: number): { hex: string; ascii: string } {
  const row = bytes.subarray(offset, offset + HEX_ROW_BYTES);
  const parts: string[] = [];
  let ascii = '';
  row.forEach((b, i) => {
    parts.push(b.toString(16).padStart(2, '0'));
    if (i === 7) parts.push('');
    ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  });
  return { hex: parts.join(' '), ascii };
}

export function Hexdump({ bytes, pfn, phys }: { bytes: Uint8Array; pfn: number; phys: number }) {
  const rows = Math.ceil(bytes.length / HEX_ROW_BYTES);
  const [scrollTop, setScrollTop] = useState(0);
  const boxRef = useRef<HTMLDivElement>(null);
  const [goto, setGoto] = useState('');
  const [gotoError, setGotoError] = useState<string | null>(null);
  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - MARGIN_ROWS);
  const last = Math.min(rows, Math.ceil(scrollTop / ROW_PX) + VIEW_ROWS + MARGIN_ROWS);
  const firstNonZero = bytes.findIndex((b) => b !== 0);

  const scrollToOffset = (off: number) => {
    const top = Math.floor(off / HEX_ROW_BYTES) * ROW_PX;
    if (boxRef.current) boxRef.current.scrollTop = top;
    setScrollTop(top);
  };

  const jump = (e: FormEvent) => {
    e.preventDefault();
    const text = goto.trim();
    const off = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(off) || off < 0 || off >= bytes.length) {
      setGotoError(`"${text}" is not an offset in this page (0 to 0x${(bytes.length - 1).toString(16)})`);
      return;
    }
    setGotoError(null);
    scrollToOffset(off);
  };

  return (
    <div className="hexdump-panel">
      <div className="hexdump-bar">
        <span className="muted">
          {bytes.length} bytes at phys 0x{phys.toString(16)}
          {firstNonZero < 0 ? ' — all zero' : ''}
        </span>
        {firstNonZero >= 0 && (
          <button type="button" onClick={() => scrollToOffset(firstNonZero)}>
            First non-zero byte (0x{firstNonZero.toString(16)})
          </button>
        )}
        <form onSubmit={jump} className="hexdump-goto">
          <label>
            Go to offset{' '}
            <input
              value={goto}
              onChange={(e) => setGoto(e.target.value)}
              placeholder="0x0"
              size={8}
              aria-invalid={gotoError !== null}
              aria-describedby={gotoError ? 'hexdump-goto-error' : undefined}
            />
          </label>
          <button type="submit">Go</button>
        </form>
      </div>
      {gotoError && (
        <p id="hexdump-goto-error" className="form-error" role="alert">
          {gotoError}
        </p>
      )}
      <div
        ref={boxRef}
        className="hexdump"
        tabIndex={0}
        role="region"
        aria-label={`Contents of pfn ${pfn}, ${rows} rows of 16 bytes; scroll with the arrow keys`}
        data-testid="hexdump"
        style={{ height: Math.min(rows, VIEW_ROWS) * ROW_PX + 4 }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <div style={{ height: rows * ROW_PX, position: 'relative' }}>
          {Array.from({ length: last - first }, (_, k) => {
            const r = first + k;
            const { hex, ascii } = hexRow(bytes, r * HEX_ROW_BYTES);
            return (
              <div
                key={r}
                className="hexdump-row"
                style={{ top: r * ROW_PX }}
                data-offset={r * HEX_ROW_BYTES}
              >
                <span className="hexdump-off">{(r * HEX_ROW_BYTES).toString(16).padStart(8, '0')}</span>
                <span className="hexdump-hex">{hex}</span>
                <span className="hexdump-ascii">|{ascii}|</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
