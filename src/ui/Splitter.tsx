/**
 * A resize handle between two workspace areas (role="separator"): drag it, or focus it and use the
 * arrow keys (Shift: four times as far). It sets one of store.sizes; the CSS grid reads it.
 */
import type { KeyboardEvent, PointerEvent } from 'react';
import { useAppState, useController } from './context.ts';
import type { AppState } from './store.ts';

type SizeKey = keyof AppState['sizes'];

export function Splitter({
  which,
  orientation,
  label,
  min,
  max,
  invert = false,
}: {
  which: SizeKey;
  /** `vertical`: a vertical bar that resizes widths; `horizontal`: a bar that resizes heights */
  orientation: 'vertical' | 'horizontal';
  label: string;
  min: number;
  max: number;
  /** the area being sized is after the bar (right of it, or below it): dragging towards it shrinks it */
  invert?: boolean;
}) {
  const controller = useController();
  const value = useAppState((s) => s.sizes[which]);
  const set = (v: number) =>
    controller.store.setState((s) => ({
      sizes: { ...s.sizes, [which]: Math.round(Math.min(max, Math.max(min, v))) },
    }));

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    const start = orientation === 'vertical' ? e.clientX : e.clientY;
    const from = value;
    const move = (m: globalThis.PointerEvent) => {
      const d = (orientation === 'vertical' ? m.clientX : m.clientY) - start;
      set(from + (invert ? -d : d));
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 64 : 16;
    const grow = orientation === 'vertical' ? ['ArrowRight', 'ArrowLeft'] : ['ArrowDown', 'ArrowUp'];
    let d: number;
    if (e.key === grow[0]) d = step;
    else if (e.key === grow[1]) d = -step;
    else return;
    e.preventDefault();
    set(value + (invert ? -d : d));
  };

  return (
    <div
      className={`splitter splitter-${orientation}`}
      role="separator"
      aria-orientation={orientation}
      aria-label={label}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
    />
  );
}
