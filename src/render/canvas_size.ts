/** Both grids size their canvases the same way: the host's CSS box, times the device pixel ratio. */
export interface CanvasSize {
  cssW: number;
  cssH: number;
  dpr: number;
}

export function sizeCanvases(host: HTMLElement, canvases: readonly HTMLCanvasElement[]): CanvasSize {
  const r = host.getBoundingClientRect();
  const cssW = Math.max(1, Math.round(r.width));
  const cssH = Math.max(1, Math.round(r.height));
  const dpr = window.devicePixelRatio || 1;
  for (const c of canvases) {
    c.width = Math.round(cssW * dpr);
    c.height = Math.round(cssH * dpr);
    c.style.width = `${cssW}px`;
    c.style.height = `${cssH}px`;
  }
  return { cssW, cssH, dpr };
}
