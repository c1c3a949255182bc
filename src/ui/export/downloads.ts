/**
 * Files the page hands to the learner: a trace, a PNG of a canvas, the /proc files as text. Each is
 * built in memory and saved through a temporary object URL (no server).
 */

/** Save `blob` as `name` through the browser's download. */
export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A canvas as PNG bytes. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded as PNG'))),
      'image/png',
    ),
  );
}

/**
 * The layers of one grid (static cells underneath, overlay marks above) flattened into one canvas,
 * as the learner sees them. `layers` are the canvases of one grid panel, bottom first.
 */
export function flatten(layers: HTMLCanvasElement[]): HTMLCanvasElement {
  const base = layers[0]!;
  const out = document.createElement('canvas');
  out.width = base.width;
  out.height = base.height;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  for (const c of layers) ctx.drawImage(c, 0, 0, out.width, out.height);
  return out;
}

/** /proc files as one text: each under a `==> path <==` header, as `show` and tail -n +1 print them. */
export function procBundle(files: { path: string; text: string }[]): string {
  return files.map((f) => `==> ${f.path} <==\n${f.text.endsWith('\n') ? f.text : f.text + '\n'}`).join('\n');
}
