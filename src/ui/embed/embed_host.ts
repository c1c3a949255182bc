/**
 * The frame's end of the postMessage API (docs/embed.md): it listens to the page that embeds it
 * (`window.parent`, whatever its origin: the frame holds nothing private, and a host on another site
 * is the point), checks each message (embed_api.ts checkRequest), runs the requests one at a time in
 * the order they came, and answers each with its id. A check that fails, a request that fails and a
 * request refused because too many wait are all error replies: a host never waits for nothing.
 * Unasked, the frame posts `ready` once its first machine is up and `step` when the step shown
 * changes (a host's request, or the learner's own Back/Next in the frame).
 */
import type { AppController } from '../controller.ts';
import { lessonFromUrl } from '../lesson_runner.ts';
import {
  EMBED_PROTOCOL,
  MAX_QUEUED,
  checkRequest,
  errorReply,
  okReply,
  type EmbedEvent,
  type EmbedReply,
  type EmbedRequest,
  type EmbedState,
} from './embed_api.ts';
import { EmbedSession } from './embed_session.ts';
import { VIEW_IDS, type EmbedViewStore } from './embed_views.ts';

/** Where replies and events go: the embedding page. */
interface HostPort {
  postMessage(message: unknown, targetOrigin: string): void;
}

export class EmbedHost {
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  private lastStep = '';

  constructor(
    readonly session: EmbedSession,
    private readonly parent: HostPort,
  ) {}

  /** Answer one message from the parent page (origin: where its reply goes; 'null' for file: pages). */
  receive(data: unknown, origin: string): void {
    const target = origin && origin !== 'null' ? origin : '*';
    const checked = checkRequest(data, VIEW_IDS);
    if (!checked.ok) {
      this.post(errorReply(checked.id, checked.error), target);
      return;
    }
    const req = checked.request;
    if (this.waiting >= MAX_QUEUED) {
      this.post(
        errorReply(req.id, `${this.waiting} requests are waiting already: wait for their replies first`),
        target,
      );
      return;
    }
    this.waiting++;
    void this.perform(async () => {
      let reply: EmbedReply;
      try {
        reply = okReply(req.id, await this.handle(req));
      } catch (e) {
        reply = errorReply(req.id, e instanceof Error ? e.message : String(e));
      } finally {
        this.waiting--;
      }
      this.post(reply, target);
    });
  }

  /**
   * Run `task` after every request and task before it (the frame's own Back/Next and its start go
   * through here too, so a host's requests and a learner's clicks never interleave). Never rejects.
   */
  perform(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).then(
      () => this.stepChanged(),
      () => this.stepChanged(),
    );
    return this.queue;
  }

  private handle(req: EmbedRequest): Promise<unknown> {
    const s = this.session;
    switch (req.type) {
      case 'loadScenario':
        return s.loadScenario(req.text);
      case 'loadLesson':
        return s.loadLesson(req);
      case 'next':
        return s.next();
      case 'back':
        return s.back();
      case 'goTo':
        return s.goTo(req.step);
      case 'read':
        return s.read(req.what);
      case 'state':
        return Promise.resolve(s.state());
      case 'show':
        s.views.setState({ views: [...new Set(req.views)], fixed: true, active: null });
        return Promise.resolve(s.state());
    }
  }

  /** Post a `step` event when the step shown is not the one last told. */
  stepChanged(): void {
    const st = this.session.state();
    if (keyOf(st) !== this.lastStep) this.event('step', st);
  }

  event(event: EmbedEvent['event'], st: EmbedState): void {
    this.lastStep = keyOf(st);
    this.post({ mmlab: EMBED_PROTOCOL, event, ...st } satisfies EmbedEvent, '*');
  }

  private post(message: EmbedReply | EmbedEvent, target: string): void {
    try {
      this.parent.postMessage(message, target);
    } catch {
      // the host navigated away or changed origin: nobody to tell
    }
  }
}

function keyOf(st: EmbedState): string {
  return `${st.mode}|${st.title}|${st.step}|${st.steps}`;
}

/**
 * Start embed mode's API in this window: only messages from the embedding page count (a frame of
 * the frame, or another tab, cannot drive it). `opening` is the page's start (a share link being
 * opened): requests wait for it. Returns the host, for the views.
 */
export function installEmbedApi(
  app: AppController,
  views: EmbedViewStore,
  win: Window = window,
  opening: Promise<unknown> = Promise.resolve(),
): EmbedHost {
  const session = new EmbedSession(app, views);
  const host = new EmbedHost(session, win.parent);
  win.addEventListener('message', (e: MessageEvent) => {
    if (win.parent === win || e.source !== win.parent) return;
    host.receive(e.data, e.origin);
  });
  // LessonPanel opens `?lesson=<id>` itself once mounted; in a frame the session opens it (with the
  // views it needs, its first step run), so the panel's deep link is claimed here, before it mounts.
  if (lessonFromUrl(win.location)) void session.runner.openDeepLink('', new Promise<void>(() => {}));
  // A lesson the address names opens first; `ready` says the frame is up with it (or without it,
  // when it failed: the bar shows why, and the host may load another).
  void host.perform(async () => {
    try {
      await session.machineUp();
      // a share link's scenario runs entry by entry after the machine is up: the host's requests
      // (queued behind this task) see the machine only once all of it has run
      await opening;
      await session.openFromUrl(win.location);
    } catch (e) {
      session.runner.store.setState({ error: e instanceof Error ? e.message : String(e) });
    }
    host.event('ready', session.state());
  });
  // The learner's own Back/Next in the frame moves the step too: tell the host.
  session.runner.store.subscribe((s, prev) => {
    if (s.index !== prev.index || s.lesson !== prev.lesson) host.stepChanged();
  });
  app.store.subscribe((s, prev) => {
    if (s.timelinePos !== prev.timelinePos) host.stepChanged();
  });
  session.scenarioStore.subscribe(() => host.stepChanged());
  return host;
}
