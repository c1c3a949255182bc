/**
 * The page: skip links, the one-line header, the error banner, long-work progress and kill notice;
 * then either the machine workspace (Workspace.tsx: stage, explanation column, docks, timeline strip,
 * laid out from the panel registry in panels.ts) or Compare.
 */
import { ComparePage } from './ComparePage.tsx';
import { useAppState } from './context.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { Header } from './Header.tsx';
import { KernelNotice } from './KernelNotice.tsx';
import { WorkProgress } from './WorkProgress.tsx';
import { Workspace } from './Workspace.tsx';

export function App() {
  const viewMode = useAppState((s) => s.viewMode);
  return (
    <div className={`app app-${viewMode}`}>
      <nav className="skip-links" aria-label="Skip links">
        <a href={viewMode === 'compare' ? '#compare' : '#stage'}>
          Skip to the {viewMode === 'compare' ? 'comparison' : 'stage'}
        </a>
        {viewMode === 'machine' && (
          <>
            <a href="#explanation">Skip to the explanation</a>
            <a href="#timeline">Skip to the timeline</a>
          </>
        )}
      </nav>
      <Header />
      <div className="app-notices">
        <ErrorBanner />
        <WorkProgress />
        <KernelNotice />
      </div>
      {viewMode === 'compare' ? <ComparePage /> : <Workspace />}
    </div>
  );
}
