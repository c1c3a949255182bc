/**
 * A legend swatch: the state's colour, and with patterns on (the header switch) the same shape the
 * frame grid draws over that state (src/render/patterns.ts), as a small SVG.
 */
import { patternInk, patternOf, type PatternKind } from '../render/patterns.ts';
import { frameColor } from '../render/palette.ts';
import { useAppState } from './context.ts';

const S = 14;

function shapes(kind: PatternKind, ink: string) {
  const i = S * 0.22;
  const line = (x1: number, y1: number, x2: number, y2: number, k: string) => (
    <line key={k} x1={x1} y1={y1} x2={x2} y2={y2} stroke={ink} strokeWidth={1.3} />
  );
  const dot = (cx: number, cy: number, r: number, k: string, fill = true) => (
    <circle
      key={k}
      cx={cx}
      cy={cy}
      r={r}
      fill={fill ? ink : 'none'}
      stroke={fill ? 'none' : ink}
      strokeWidth={1.3}
    />
  );
  switch (kind) {
    case 'slash':
      return [line(i, S - i, S - i, i, 'a')];
    case 'backslash':
      return [line(i, i, S - i, S - i, 'a')];
    case 'cross':
      return [line(i, S - i, S - i, i, 'a'), line(i, i, S - i, S - i, 'b')];
    case 'horizontal':
      return [line(i, S / 2, S - i, S / 2, 'a')];
    case 'vertical':
      return [line(S / 2, i, S / 2, S - i, 'a')];
    case 'plus':
      return [line(i, S / 2, S - i, S / 2, 'a'), line(S / 2, i, S / 2, S - i, 'b')];
    case 'dot':
      return [dot(S / 2, S / 2, 2, 'a')];
    case 'dots':
      return [dot(S * 0.3, S * 0.3, 1.4, 'a'), dot(S * 0.7, S * 0.7, 1.4, 'b')];
    case 'ring':
      return [dot(S / 2, S / 2, S * 0.28, 'a', false)];
    case 'dash':
      return [line(i, S / 2, S / 2 - 1, S / 2, 'a')];
  }
}

export function PatternSwatch({ state }: { state: number }) {
  const patterns = useAppState((s) => s.patterns);
  const fill = frameColor(state);
  const kind = patterns ? patternOf(state) : null;
  return (
    <span className="swatch" style={{ background: fill }} aria-hidden="true">
      {kind && (
        <svg width="100%" height="100%" viewBox={`0 0 ${S} ${S}`} style={{ display: 'block' }}>
          {shapes(kind, patternInk(fill))}
        </svg>
      )}
    </span>
  );
}
