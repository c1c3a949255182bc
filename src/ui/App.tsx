/**
 * The page: header, error banner and kill notice; then either the machine screen or Compare.
 * The machine screen: the frame grid with a process's virtual pages beside it, the selected frame's
 * inspector and the free lists under them, memblock over the
 * physical address range, the process's /proc files and the scenario transcript, about this
 * machine, then the system /proc files and dmesg; the boot stepper and other panels at the side.
 */
import { AboutPanel } from './AboutPanel.tsx';
import { AllocForm } from './AllocForm.tsx';
import { BootLog } from './BootLog.tsx';
import { BlockZeroPanel } from './BlockZeroPanel.tsx';
import { BootPanel } from './BootPanel.tsx';
import { ComparePage } from './ComparePage.tsx';
import { useAppState } from './context.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { FreeListView } from './FreeListView.tsx';
import { GridView } from './GridView.tsx';
import { Header } from './Header.tsx';
import { HugeZeroPanel } from './HugeZeroPanel.tsx';
import { Inspector } from './Inspector.tsx';
import { KernelNotice } from './KernelNotice.tsx';
import { LessonPanel } from './LessonPanel.tsx';
import { Legend } from './Legend.tsx';
import { MemblockView } from './MemblockView.tsx';
import { ProcessControls } from './ProcessControls.tsx';
import { ProcessGridView } from './ProcessGridView.tsx';
import { ProcPanel } from './ProcPanel.tsx';
import { ProcStatusPanel } from './ProcStatusPanel.tsx';
import { ScenarioPanel } from './ScenarioPanel.tsx';
import { UnmappedPanel } from './UnmappedPanel.tsx';
import { TimelinePanel } from './TimelinePanel.tsx';
import { ShareExportPanel } from './ShareExportPanel.tsx';
import { WorkProgress } from './WorkProgress.tsx';

export function App() {
  const viewMode = useAppState((s) => s.viewMode);
  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <WorkProgress />
      <KernelNotice />
      {viewMode === 'compare' ? (
        <ComparePage />
      ) : (
        <main className="layout">
          <div className="main-column">
            <div className="grids">
              <GridView />
              <ProcessGridView />
            </div>
            <Inspector />
            <FreeListView />
            <TimelinePanel />
            <MemblockView />
            <div className="process-row">
              <ProcStatusPanel />
              <ScenarioPanel />
            </div>
            <BlockZeroPanel />
            <UnmappedPanel />
            <AboutPanel />
            <ProcPanel />
            <BootLog />
          </div>
          <aside className="side-column" aria-label="Machine panels">
            <LessonPanel />
            <BootPanel />
            <ProcessControls />
            <HugeZeroPanel />
            <Legend />
            <AllocForm />
            <ShareExportPanel />
          </aside>
        </main>
      )}
    </div>
  );
}
