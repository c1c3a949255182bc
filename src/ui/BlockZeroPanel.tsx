/**
 * Block zeroing: __blkdev_issue_zero_pages() (block/blk-lib.c), the path a device without
 * WRITE_ZEROES takes. Choose how many bytes, the zero buffer (the 4 KiB ZERO_PAGE, as before 6.18,
 * or largest_zero_folio()) and optionally the device's max transfer; see how many bios and bvecs the
 * kernel builds, and the first few bios drawn with their bvecs.
 */
import { useId, useState } from 'react';
import type { BioInfo, ZerooutResult } from '../worker/protocol.ts';
import { useAppState, useController } from './context.ts';
import { count, hex, size } from './format.ts';

/** Bios drawn, and bvecs drawn per bio (the rest are summed up). */
const DRAW_BIOS = 4;
const DRAW_VECS = 16;

/** `1G`, `64M`, `4K`, `4096`, `0x1000` → bytes, or NaN. */
function parseSize(text: string): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*([kmgt])?i?b?\s*$/i.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return n * unit;
}

export function BlockZeroPanel() {
  const controller = useController();
  const booted = useAppState((s) => s.machine?.booted ?? false);
  const generation = useAppState((s) => s.machine?.generation ?? -1);
  const [bytesText, setBytes] = useState('1G');
  const [zero, setZero] = useState<'page' | 'largest'>('page');
  const [maxText, setMax] = useState('');
  // A result belongs to the machine it was built on (a reboot may change the zero buffer).
  const [result, setResult] = useState<{ generation: number; reply: ZerooutResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { bytes: useId(), max: useId(), zero: useId(), hint: useId() };

  const run = () => {
    const bytes = parseSize(bytesText);
    const max = maxText.trim() ? parseSize(maxText) : undefined;
    if (!Number.isFinite(bytes) || bytes <= 0) {
      setError(`'${bytesText}' is not a size (e.g. 1G, 64M, 4096)`);
      return;
    }
    if (max !== undefined && !Number.isFinite(max)) {
      setError(`max transfer '${maxText}' is not a size (e.g. 1M, 128K)`);
      return;
    }
    controller
      .blkZeroout(bytes, zero, max)
      .then((r) => {
        setResult({ generation, reply: r });
        setError(null);
      })
      .catch((e: unknown) => {
        setResult(null);
        setError(e instanceof Error ? e.message : String(e));
      });
  };

  return (
    <section className="panel block-zero" aria-labelledby="blkzero-title" data-testid="block-zero">
      <h2 id="blkzero-title">Block zeroing (blkdev_issue_zeroout without WRITE_ZEROES)</h2>
      <form
        className="block-zero-form"
        aria-label="Block zeroing"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <label htmlFor={ids.bytes}>bytes to zero</label>
        <input
          id={ids.bytes}
          value={bytesText}
          onChange={(e) => setBytes(e.target.value)}
          spellCheck={false}
          aria-describedby={ids.hint}
        />
        <fieldset className="mode-switch">
          <legend className="sr-only">Zero buffer</legend>
          <input
            id={`${ids.zero}-p`}
            type="radio"
            name={ids.zero}
            checked={zero === 'page'}
            onChange={() => setZero('page')}
          />
          <label htmlFor={`${ids.zero}-p`}>4K zero page</label>
          <input
            id={`${ids.zero}-l`}
            type="radio"
            name={ids.zero}
            checked={zero === 'largest'}
            onChange={() => setZero('largest')}
          />
          <label htmlFor={`${ids.zero}-l`}>largest zero folio</label>
        </fieldset>
        <label htmlFor={ids.max}>max transfer (optional)</label>
        <input
          id={ids.max}
          className="short"
          value={maxText}
          placeholder="e.g. 1M"
          onChange={(e) => setMax(e.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="primary" disabled={!booted}>
          Build bios
        </button>
      </form>
      <p id={ids.hint} className="hint muted">
        Sizes as 1G, 64M, 4K or bytes. Each bio takes at most 256 bvecs, one per copy of the zero buffer
        (copies never merge). largest_zero_folio() is the huge zero folio only when it is persistent or
        static_pmd (set &ldquo;huge zero&rdquo; in the header and reboot); otherwise it is the 4K page.
        Simplified: one device of unlimited size, no WRITE_ZEROES or discard; nothing is written.
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {result && result.generation === generation && <ZerooutResult r={result.reply} />}
    </section>
  );
}

function ZerooutResult({ r }: { r: ZerooutResult }) {
  const pageSize = useAppState((s) => 2 ** (s.machine?.pageShift ?? 12));
  const bvecBytes = r.buffer.bytes;
  return (
    <div className="zeroout-result" data-testid="zeroout-result">
      <p aria-live="polite">
        {size(r.bytes)} from a {size(bvecBytes)} zero buffer (pfn {hex(r.buffer.pfn)}
        {r.zero === 'largest' && bvecBytes === pageSize
          ? ': largest_zero_folio() fell back to ZERO_PAGE, no persistent huge zero folio'
          : ''}
        ): <strong data-testid="zeroout-bios">{count(r.bios)} bios</strong>,{' '}
        <strong data-testid="zeroout-bvecs">{count(r.bvecs)} bvecs</strong>,{' '}
        <span data-testid="zeroout-bvec-bytes">{size(bvecBytes)} per bvec</span>
        {r.split && (
          <>
            {' '}
            · after splitting to the max transfer:{' '}
            <strong data-testid="zeroout-split">{count(r.split.bios)} bios</strong>
          </>
        )}
      </p>
      <BioDrawing bios={r.firstBios} total={r.bios} title="bios as built" />
      {r.split && (
        <BioDrawing bios={r.split.first} total={r.split.bios} title="after bio_split_to_limits()" />
      )}
    </div>
  );
}

/** The first few bios, each a row of its bvecs (a box per bvec, the rest summed), then "… N more". */
function BioDrawing({ bios, total, title }: { bios: BioInfo[]; total: number; title: string }) {
  const shown = bios.slice(0, DRAW_BIOS);
  return (
    <figure className="bio-drawing">
      <figcaption className="muted">{title}</figcaption>
      <ol className="bio-list">
        {shown.map((b, i) => (
          <li key={i} className="bio">
            <span className="bio-label">
              bio {i}: sector {count(b.sector)}, {size(b.bytes)}
            </span>
            <span className="bvecs" aria-label={`${b.vecs} bvecs`}>
              {Array.from({ length: Math.min(b.vecs, DRAW_VECS) }, (_, j) => (
                <span key={j} className="bvec" aria-hidden="true" />
              ))}
              {b.vecs > DRAW_VECS && <span className="bvec-more">+{count(b.vecs - DRAW_VECS)} bvecs</span>}
            </span>
          </li>
        ))}
      </ol>
      {total > shown.length && (
        <p className="muted" data-testid="bio-more">
          … {count(total - shown.length)} more
        </p>
      )}
    </figure>
  );
}
