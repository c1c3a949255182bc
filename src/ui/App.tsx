/**
 * The page: header, error banner and kill notice; the frame grid with a process's virtual pages
 * beside it, the process's /proc files and the scenario transcript below, then the system /proc
 * files and dmesg; panels at the side.
 */
import { AllocForm } from './AllocForm.tsx';
import { BootLog } from './BootLog.tsx';
import { BootPanel } from './BootPanel.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';
import { GridView } from './GridView.tsx';
import { Header } from './Header.tsx';
import { Inspector } from './Inspector.tsx';
import { KernelNotice } from './KernelNotice.tsx';
import { Legend } from './Legend.tsx';
import { ProcessControls } from './ProcessControls.tsx';
import { ProcessGridView } from './ProcessGridView.tsx';
import { ProcPanel } from './ProcPanel.tsx';
import { ProcStatusPanel } from './ProcStatusPanel.tsx';
import { ScenarioPanel } from './ScenarioPanel.tsx';

export function App() {
  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <KernelNotice />
      <main className="layout">
        <div className="main-column">
          <div className="grids">
            <GridView />
            <ProcessGridView />
          </div>
          <div className="process-row">
            <ProcStatusPanel />
            <ScenarioPanel />
          </div>
          <ProcPanel />
          <BootLog />
        </div>
        <aside className="side-column" aria-label="Machine panels">
          <BootPanel />
          <ProcessControls />
          <Legend />
          <AllocForm />
          <Inspector />
        </aside>
      </main>
    </div>
  );
}
