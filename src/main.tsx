/**
 * The browser entry: start the machine worker, boot the default machine, mount the React app.
 * index.html → here. The emulated kernel runs in the worker (src/worker); this thread draws.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppController } from './ui/controller.ts';
import { App } from './ui/App.tsx';
import { ControllerContext } from './ui/context.ts';
import { isShareHash } from './ui/share/share_codec.ts';
import { openShareLink } from './ui/share/share_actions.ts';
import { openSharedLesson } from './ui/shared_lesson.ts';
import { EmbedApp } from './ui/embed/EmbedApp.tsx';
import { installEmbedApi } from './ui/embed/embed_host.ts';
import { isEmbed, viewsFromUrl } from './ui/embed/embed_url.ts';
import { VIEW_IDS, createEmbedViewStore } from './ui/embed/embed_views.ts';
import { installTestApi } from './ui/test_api.ts';
import { createWorkerClient } from './worker/client.ts';
import { registerServiceWorker } from './pwa.ts';
import './ui/styles.css';
import { mountNotesWindow } from './ui/presenter/notes_entry.tsx';
import { isNotesWindow } from './ui/presenter/presenter.ts';

// `?notes=1`: a presenter's notes window (src/ui/presenter), which follows the presenting window over a
// BroadcastChannel. It must not start a machine: the await never settles, so nothing below runs here.
if (isNotesWindow(location)) await mountNotesWindow();

// The machine's worker, and a way to start two more for the Compare view.
const controller = new AppController(createWorkerClient(), createWorkerClient);
installTestApi(controller);
// A share link (#s=...) opens its machine and scenario; otherwise the default machine boots.
const opening = isShareHash(location.hash) ? openShareLink(controller, location.hash) : controller.start();
// ?embed=1: the emulator in an iframe, only the views asked for, driven by its host's postMessages
// (src/ui/embed, docs/embed.md); it opens the lesson a link names itself.
const embed = isEmbed(location.search)
  ? installEmbedApi(
      controller,
      createEmbedViewStore(viewsFromUrl(location.search, VIEW_IDS)),
      window,
      opening,
    )
  : null;
// A teacher's lesson in the link (#lesson=~doc1.…) or at ?lesson-url=: opens after the first boot.
if (!embed) void openSharedLesson(controller, location);
// A share link pasted into this tab's address bar changes only the hash: open it too.
window.addEventListener('hashchange', () => {
  if (isShareHash(location.hash)) void openShareLink(controller, location.hash);
});

registerServiceWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ControllerContext.Provider value={controller}>
      {embed ? <EmbedApp host={embed} /> : <App />}
    </ControllerContext.Provider>
  </StrictMode>,
);
