/**
 * Share and export: a link that reopens this machine with the same scenario and selection, the
 * kernel event trace as a Perfetto/Chrome trace, the grids as PNG and the /proc files as text.
 */
import { useState } from 'react';
import { useAppState, useController } from './context.ts';
import { EmbedCodeButton } from './embed/EmbedCodeButton.tsx';
import { toChromeTrace } from './export/chrome_trace.ts';
import { canvasPng, download, flatten, procBundle } from './export/downloads.ts';
import { makeShareLink } from './share/share_actions.ts';
import { MAX_LINK_CHARS, shareScenarioText } from './share/share_codec.ts';
import { CopyField } from './CopyField.tsx';

/** The system-wide /proc files the text export holds (each process's files follow). */
const SYSTEM_FILES = [
  '/proc/meminfo',
  '/proc/buddyinfo',
  '/proc/pagetypeinfo',
  '/proc/zoneinfo',
  '/proc/vmstat',
];
/** The files of each process. */
const PROCESS_FILES = ['status', 'maps', 'smaps_rollup'];

const n = (x: number) => x.toLocaleString('en-US');

/** The canvases of a grid panel, bottom layer first. */
function gridLayers(prefix: 'frame-grid' | 'process-grid'): HTMLCanvasElement[] {
  return [`.${prefix}-static`, `.${prefix}-overlay`]
    .map((sel) => document.querySelector<HTMLCanvasElement>(sel))
    .filter((c): c is HTMLCanvasElement => c !== null && c.width > 0);
}

export function ShareExportPanel() {
  const controller = useController();
  const busy = useAppState((s) => s.status !== 'ready');
  const hasMachine = useAppState((s) => s.machine !== null);
  const hasRegion = useAppState((s) => s.currentRegion !== null);
  const [link, setLink] = useState('');
  const [status, setStatus] = useState('');

  /** Run an action; its message (or failure) goes to the status line. */
  const act = (what: () => Promise<string>) => () => {
    void what().then(setStatus, (e: unknown) =>
      setStatus(`Failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  const share = act(async () => {
    const { url, state } = await makeShareLink(controller);
    const size = `${n(url.length)} characters`;
    if (url.length > MAX_LINK_CHARS) {
      // No browser would open it: claiming "copied" would hand the learner a dead link.
      setLink('');
      download('mm-lab-scenario.mm', new Blob([shareScenarioText(state)], { type: 'text/plain' }));
      return `The link would be ${size}, longer than browsers open (${n(MAX_LINK_CHARS)}): saved the scenario as mm-lab-scenario.mm instead; paste it into the scenario editor to rebuild this machine.`;
    }
    setLink(url);
    try {
      await navigator.clipboard.writeText(url);
      return `Share link copied (${size}).`;
    } catch {
      return `The clipboard is not available here: copy the link from the field (${size}).`;
    }
  });

  const trace = act(async () => {
    const r = await controller.track(controller.client.trace());
    const json = JSON.stringify(toChromeTrace(r.events, r.dropped));
    download('mm-lab-trace.json', new Blob([json], { type: 'application/json' }));
    return r.dropped
      ? `Trace: the last ${n(r.events.length)} events (the worker keeps ${n(r.capacity)}; ${n(r.dropped)} older ones were dropped). Open it in ui.perfetto.dev.`
      : `Trace: ${n(r.events.length)} events. Open it in ui.perfetto.dev.`;
  });

  const png = (prefix: 'frame-grid' | 'process-grid', name: string) =>
    act(async () => {
      const layers = gridLayers(prefix);
      if (!layers.length) throw new Error(`the ${name} is not on the page`);
      download(`mm-lab-${prefix}.png`, await canvasPng(flatten(layers)));
      return `Saved the ${name} as PNG (${layers[0]!.width}×${layers[0]!.height} pixels, as drawn now).`;
    });

  const proc = act(async () => {
    const paths = [...SYSTEM_FILES];
    for (const p of controller.store.getState().processes)
      if (p.state === 'R') for (const f of PROCESS_FILES) paths.push(`/proc/${p.pid}/${f}`);
    const files = [];
    for (const path of paths) files.push({ path, text: await controller.readProc(path) });
    download('mm-lab-proc.txt', new Blob([procBundle(files)], { type: 'text/plain' }));
    return `Saved ${files.length} /proc files as one text file.`;
  });

  return (
    <section className="panel share-panel" aria-labelledby="share-title">
      <h2 id="share-title">Share and export</h2>
      <div className="share-buttons">
        <button type="button" className="primary" disabled={busy || !hasMachine} onClick={share}>
          Copy share link
        </button>
      </div>
      <CopyField label="Share link" value={link} placeholder="press Copy share link" testId="share-link" />
      <EmbedCodeButton />
      <div className="share-buttons">
        <button type="button" disabled={busy || !hasMachine} onClick={trace}>
          Trace (Perfetto JSON)
        </button>
        <button type="button" disabled={!hasMachine} onClick={png('frame-grid', 'frame grid')}>
          Frame grid PNG
        </button>
        <button type="button" disabled={!hasRegion} onClick={png('process-grid', 'process grid')}>
          Process grid PNG
        </button>
        <button type="button" disabled={busy || !hasMachine} onClick={proc}>
          /proc as text
        </button>
      </div>
      <p className="muted hint" role="status" data-testid="share-status">
        {status ||
          'The link holds the machine, every line run since boot and the selection. Trace timestamps are event numbers, not time.'}
      </p>
    </section>
  );
}
