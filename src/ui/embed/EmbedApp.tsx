/**
 * The page in embed mode (`?embed=1`): a one-line bar (MM Lab, linked to the full app; the lesson's
 * title; the step; Back/Next) over only the views asked for, laid out to fill the frame so that the
 * frame itself never scrolls: the stage views (frame grid, process view) on the left, the lesson's
 * narration and the other views (tabbed) on the right. Every area scrolls inside itself.
 * The views are the panel registry's components, so they behave as in the full app.
 */
import { useEffect, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { useAppState, useController } from '../context.ts';
import { ErrorBanner } from '../ErrorBanner.tsx';
import { panelById, panelByHeading, type PanelDef } from '../panels.tsx';
import { WorkProgress } from '../WorkProgress.tsx';
import type { EmbedHost } from './embed_host.ts';
import { fullAppUrl } from './embed_url.ts';
import './embed.css';

/** Views drawn on the stage, side by side; the narration sits above the tabs. */
const STAGE = ['frames', 'process'];
const NARRATION = 'lessons';

export function EmbedApp({ host }: { host: EmbedHost }) {
  const views = useStore(host.session.views, (s) => s.views);
  const stage = views.filter((v) => STAGE.includes(v)).map(panelById);
  const narration = views.includes(NARRATION) ? panelById(NARRATION) : undefined;
  const tabs = views
    .filter((v) => !STAGE.includes(v) && v !== NARRATION)
    .map(panelById)
    .filter((p): p is PanelDef => p !== undefined);
  const side = narration !== undefined || tabs.length > 0;
  const layout = `embed-body${stage.length ? '' : ' no-stage'}${side ? '' : ' no-side'}`;
  return (
    <div className="embed" data-testid="embed">
      <EmbedBar host={host} />
      <div className="embed-notices">
        <ErrorBanner />
        <WorkProgress />
      </div>
      <main className={layout} id="main">
        {stage.length > 0 && (
          <section className="embed-stage" aria-label="Stage" id="stage" data-count={stage.length}>
            {stage.map((p) => p && <p.component key={p.id} />)}
          </section>
        )}
        {side && (
          <div className="embed-side">
            {narration && (
              <section className={`embed-narration${tabs.length ? '' : ' alone'}`} aria-label="Lesson">
                <narration.component />
              </section>
            )}
            {tabs.length > 0 && <EmbedTabs host={host} tabs={tabs} />}
          </div>
        )}
      </main>
    </div>
  );
}

/** The one-line bar: brand (opens the full app), lesson title, step, Back/Next. */
function EmbedBar({ host }: { host: EmbedHost }) {
  const session = host.session;
  // Re-render on every change the step is made of: the runner's, the timeline position, the views.
  useStore(session.runner.store);
  useStore(session.views);
  useStore(session.scenarioStore);
  useAppState((s) => s.timelinePos);
  const error = useStore(session.runner.store, (s) => s.error);
  const running = useStore(session.runner.store, (s) => s.running);
  const busy = useAppState((s) => s.status !== 'ready');
  const st = session.state();
  const move = (to: number) => void host.perform(() => session.goTo(to).then(() => undefined));
  return (
    <header className="embed-bar">
      <a className="embed-brand" href={fullAppUrl(location.href)} target="_blank" rel="noreferrer">
        MM Lab<span className="sr-only"> (opens the full app in a new tab)</span>
      </a>
      {st.title && <span className="embed-title">{st.title}</span>}
      {st.steps > 0 && (
        <>
          <span className="embed-step" data-testid="embed-step" aria-live="polite">
            Step {st.step} of {st.steps}
            {st.stepTitle ? `: ${st.stepTitle}` : ''}
          </span>
          <span className="embed-nav" role="group" aria-label="Steps">
            <button
              type="button"
              onClick={() => move(st.step - 1)}
              disabled={busy || running || st.step <= 1}
              aria-label="Previous step"
            >
              ◀
            </button>
            <button
              type="button"
              onClick={() => move(st.step + 1)}
              disabled={busy || running || st.step >= st.steps}
              aria-label="Next step"
            >
              ▶
            </button>
          </span>
        </>
      )}
      {error && (
        <span className="embed-error" role="alert" data-testid="embed-error" title={error}>
          {error}
        </span>
      )}
    </header>
  );
}

/** The views beside the stage, one tab each; a lesson step pointing at one brings it forward. */
function EmbedTabs({ host, tabs }: { host: EmbedHost; tabs: PanelDef[] }) {
  const controller = useController();
  const views = host.session.views;
  const chosen = useStore(views, (s) => s.active);
  const active = tabs.some((t) => t.id === chosen) ? chosen! : tabs[0]!.id;
  const step = useStore(host.session.runner.store, (s) => s.lesson?.steps[s.index] ?? null);

  // The step's pointer: bring its panel's tab forward, as the full app's docks do.
  useEffect(() => {
    if (step?.point?.kind !== 'panel') return;
    const p = panelByHeading(step.point.heading);
    if (p) views.setState({ active: p.id });
  }, [step, views]);
  // A panel opened elsewhere (openPanel: the lesson view, a key) shows here too when it is a tab.
  useEffect(
    () =>
      controller.store.subscribe((s, prev) => {
        if (s.docks === prev.docks) return;
        const changed = Object.values(s.docks).find((id) => !Object.values(prev.docks).includes(id));
        if (changed && views.getState().views.includes(changed)) views.setState({ active: changed });
      }),
    [controller, views],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = tabs.findIndex((t) => t.id === active);
    const j = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (j === null) return;
    e.preventDefault();
    const t = tabs[(j + tabs.length) % tabs.length]!;
    views.setState({ active: t.id });
    document.getElementById(`embed-tab-${t.id}`)?.focus();
  };

  return (
    <section className="embed-tabs" aria-label="Views">
      {tabs.length > 1 && (
        <div className="dock-tabs" role="tablist" aria-label="Views" onKeyDown={onKeyDown}>
          {tabs.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`embed-tab-${t.id}`}
              aria-selected={t.id === active}
              aria-controls={`embed-tabpanel-${t.id}`}
              tabIndex={t.id === active ? 0 : -1}
              onClick={() => views.setState({ active: t.id })}
            >
              {t.title}
            </button>
          ))}
        </div>
      )}
      {tabs.map((t) => (
        <div
          key={t.id}
          role={tabs.length > 1 ? 'tabpanel' : undefined}
          id={`embed-tabpanel-${t.id}`}
          aria-labelledby={tabs.length > 1 ? `embed-tab-${t.id}` : undefined}
          className="embed-tab-body"
          hidden={t.id !== active}
        >
          <t.component />
        </div>
      ))}
    </section>
  );
}
