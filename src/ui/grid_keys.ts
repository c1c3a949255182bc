/**
 * The pan and zoom keys every grid shares: arrows pan (four times as far with Shift), + and -
 * zoom, 0 shows everything. Views add their own keys on top (selection, Escape, Enter).
 */
import type { KeyboardEvent } from 'react';

/** Pixels an arrow key pans a grid. */
export const PAN_STEP = 80;

interface PanZoom {
  panBy(dx: number, dy: number): void;
  zoomBy(factor: number): void;
  resetView(): void;
}

export function zoomKeys(grid: PanZoom): Record<string, () => void> {
  return {
    '+': () => grid.zoomBy(1.5),
    '=': () => grid.zoomBy(1.5),
    '-': () => grid.zoomBy(1 / 1.5),
    _: () => grid.zoomBy(1 / 1.5),
    '0': () => grid.resetView(),
  };
}

export function panZoomKeys(grid: PanZoom, shift: boolean): Record<string, () => void> {
  const step = shift ? PAN_STEP * 4 : PAN_STEP;
  return {
    ArrowLeft: () => grid.panBy(step, 0),
    ArrowRight: () => grid.panBy(-step, 0),
    ArrowUp: () => grid.panBy(0, step),
    ArrowDown: () => grid.panBy(0, -step),
    ...zoomKeys(grid),
  };
}

/** Run the action bound to the event's key, if any, and keep the browser from acting on it too. */
export function runKey(e: KeyboardEvent, actions: Record<string, () => void>): void {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const action = actions[e.key];
  if (!action) return;
  e.preventDefault();
  action();
}
