/** The page: header, error banner, the frame grid with /proc and dmesg below it, panels at the side. */
import { AllocForm } from './AllocForm.tsx';
import { BootLog } from './BootLog.tsx';
import { BootPanel } from './BootPanel.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';
import { GridView } from './GridView.tsx';
import { Header } from './Header.tsx';
import { Inspector } from './Inspector.tsx';
import { Legend } from './Legend.tsx';
import { ProcPanel } from './ProcPanel.tsx';

export function App() {
  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <main className="layout">
        <div className="main-column">
          <GridView />
          <ProcPanel />
          <BootLog />
        </div>
        <aside className="side-column" aria-label="Machine panels">
          <BootPanel />
          <Legend />
          <AllocForm />
          <Inspector />
        </aside>
      </main>
    </div>
  );
}
