/**
 * Making and opening share links with the app's controller. The link carries the worker's journal
 * (config + the scenario text of every command since boot), so opening it boots the same machine,
 * runs the same lines (the transcript comes back line by line) and restores the selection.
 */
import type { AppController } from '../controller.ts';
import { initialState } from '../store.ts';
import {
  decodeShare,
  encodeShare,
  ShareLinkError,
  type ShareSelection,
  type ShareState,
} from './share_codec.ts';

/**
 * The current machine, its scenario and selection as a full URL (this page with a #s= hash), and
 * the state itself (for the file the panel offers when the URL is over MAX_LINK_CHARS).
 */
export async function makeShareLink(c: AppController): Promise<{ url: string; state: ShareState }> {
  const j = await c.track(c.client.journal());
  const s = c.store.getState();
  const selection: ShareSelection = {};
  if (s.selection !== null) selection.pfn = s.selection;
  if (s.currentProc) selection.proc = s.currentProc;
  if (s.currentRegion) selection.region = s.currentRegion;
  if (s.pageSelection !== null) selection.page = s.pageSelection;
  // Where the timeline view is (null: live); the link's step brings the view back there.
  const pos = s.timelinePos;
  const state: ShareState = { config: j.config, boot: j.bootAtInit, entries: j.entries, selection };
  if (pos) state.step = { op: pos.op, step: pos.step };
  const hash = await encodeShare(state);
  return { url: `${location.origin}${location.pathname}${location.search}${hash}`, state };
}

/**
 * Open a share link's hash: boot its machine, run its scenario, go to the timeline step
 * (`controller.seek`), then restore the selection. A link that cannot be opened (bad encoding, an
 * impossible machine, a scenario line that fails) leaves the default machine running and the error
 * banner saying what and where. Resolves true when the link opened.
 */
export async function openShareLink(c: AppController, hash: string): Promise<boolean> {
  let state: ShareState;
  try {
    state = await decodeShare(hash);
  } catch (e) {
    await fallback(c, e instanceof Error ? e.message : String(e));
    return false;
  }
  const replayed = await replayJournal(c, state.config, state.boot, state.entries);
  if (replayed !== true) {
    if (replayed.cancelled) c.showError(`Opening the share link was cancelled in ${replayed.message}`);
    else await fallback(c, new ShareLinkError(replayed.message).message);
    return false;
  }
  // The step first, then the selection: the learner selected it while looking at that step (a
  // process or page may exist only there), and the seek must not replace it.
  if (state.step && !(await c.seek(state.step.op, state.step.step))) {
    const why = c.store.getState().error ?? 'the worker refused it';
    restoreSelection(c, state.selection);
    c.showError(
      new ShareLinkError(
        `step=${state.step.op}.${state.step.step} is not in this scenario (${why.replace(/^timeline: /, '')}); the machine is shown live`,
      ).message,
    );
    return false;
  }
  restoreSelection(c, state.selection);
  return true;
}

/**
 * Boot `config` and run `entries` one by one (a share link's, or the journal a worker restart
 * restores). True when all ran; else what stopped it.
 */
async function replayJournal(
  c: AppController,
  config: ShareState['config'],
  boot: boolean,
  entries: readonly string[],
): Promise<true | { message: string; cancelled: boolean }> {
  if (!(await c.reboot({ config, boot })))
    return { message: c.store.getState().error ?? 'the machine could not be built', cancelled: false };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const r = await c.run(entry);
    if (!r)
      return {
        message: `scenario entry ${i + 1} could not run: ${c.store.getState().error}`,
        cancelled: false,
      };
    if (r.errors.length) {
      const e = r.errors[0]!;
      const text = entry.split('\n')[e.line - 1]?.trim() ?? '';
      return {
        message: `scenario entry ${i + 1}, line ${e.line}:${e.col} ("${text.slice(0, 60)}"): ${e.message}`,
        cancelled: false,
      };
    }
    if (r.cancelled)
      return {
        message: `scenario entry ${i + 1} of ${entries.length}: the machine is as after the lines that ran.`,
        cancelled: true,
      };
  }
  return true;
}

/**
 * The worker stopped or stuck: start a fresh one and rebuild the last machine it completed (its
 * journal, saved by the client after every machine-changing command). Resolves with what the
 * learner is told.
 */
export async function restartWorker(c: AppController): Promise<string> {
  const j = c.client.restart();
  if (!j) {
    await c.reboot();
    return 'The emulator was restarted with a new machine (nothing had been saved to restore).';
  }
  const replayed = await replayJournal(c, j.config, j.bootAtInit, j.entries);
  if (replayed !== true) return `The emulator was restarted, but restoring stopped at ${replayed.message}`;
  return `The emulator was restarted and the machine restored (${j.entries.length} operations replayed); the command that was running when it stopped was not.`;
}

/** Put back the frame and page the learner had selected; a name the scenario did not make is said. */
function restoreSelection(c: AppController, sel: ShareSelection): void {
  const s = c.store.getState();
  if (sel.proc) {
    const p = s.processes.find((x) => x.name === sel.proc);
    if (!p) {
      c.showError(
        new ShareLinkError(`the selected process '${sel.proc}' does not exist after the scenario`).message,
      );
      return;
    }
    if (s.currentProc !== sel.proc) c.selectProcess(sel.proc);
    if (sel.region && p.regions.some((r) => r.name === sel.region)) {
      if (c.store.getState().currentRegion !== sel.region) c.selectRegion(sel.region);
    }
    if (sel.page !== undefined) c.selectPage(sel.page);
  }
  if (sel.pfn !== undefined) {
    const n = s.machine?.nrPages ?? 0;
    if (sel.pfn < n) c.select(sel.pfn);
    else
      c.showError(
        new ShareLinkError(`the selected frame pfn ${sel.pfn} is past this machine's ${n} frames`).message,
      );
  }
}

/** The default machine, then the message (a reboot clears the banner, so it goes after). */
async function fallback(c: AppController, message: string): Promise<void> {
  c.setDraft(initialState.draft);
  await c.reboot();
  c.showError(`${message}. The app opened the default machine instead.`.replace('..', '.'));
}
