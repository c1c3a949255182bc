/**
 * The panel registry: every view of the machine screen, where it docks and the key that opens it.
 * The workspace (Workspace.tsx) lays the views out from this list, the shortcuts dialog lists their
 * keys, and lessons open the tab of the panel a step points at (by its heading id). Adding a view is
 * one component plus one entry here (Perfetto's tabs, Compiler Explorer's registered pane kinds).
 *
 * Docks: `stage` (the grids, always shown), `explain` (the explanation column beside the stage),
 * `side` (tabs under the explanation column) and `bottom` (tabs under the stage). Tabbed panels stay
 * mounted while hidden, so a form keeps what was typed and a panel's global keys keep working.
 */
import type { ComponentType } from 'react';
import { AboutPanel } from './AboutPanel.tsx';
import { AllocForm } from './AllocForm.tsx';
import { BlockZeroPanel } from './BlockZeroPanel.tsx';
import { BootLog } from './BootLog.tsx';
import { BootPanel } from './BootPanel.tsx';
import type { AppController } from './controller.ts';
import { FreeListView } from './FreeListView.tsx';
import { GridView } from './GridView.tsx';
import { HugeZeroPanel } from './HugeZeroPanel.tsx';
import { Inspector } from './Inspector.tsx';
import { Legend } from './Legend.tsx';
import { LessonGallery } from './LessonGallery.tsx';
import { LessonEditor } from './lessons/editor/LessonEditor.tsx';
import { LessonPanel } from './LessonPanel.tsx';
import { MemblockView } from './MemblockView.tsx';
import { ProcessControls } from './ProcessControls.tsx';
import { PageDetails } from './PageDetails.tsx';
import { ProcessGridView } from './ProcessGridView.tsx';
import { ProcPanel } from './ProcPanel.tsx';
import { ProcStatusPanel } from './ProcStatusPanel.tsx';
import { QuizPanel } from './QuizSummary.tsx';
import { ScenarioPanel } from './ScenarioPanel.tsx';
import { ShareExportPanel } from './ShareExportPanel.tsx';
import { StepExplanation } from './StepExplanation.tsx';
import { SwapPanel } from './SwapPanel.tsx';
import { UnmappedPanel } from './UnmappedPanel.tsx';

/**
 * The process view on the stage leaves the selected page's walk to its own tab (`page`), so the
 * page cells keep a readable size at 1280×800.
 */
function StageProcessView() {
  return <ProcessGridView details={false} />;
}

export type DockId = 'stage' | 'explain' | 'side' | 'bottom';

export interface PanelDef {
  id: string;
  /** the tab's label */
  title: string;
  dock: DockId;
  component: ComponentType;
  /** the key that opens the panel from anywhere but a text field (tabbed docks only) */
  key?: string;
  /** the id of the panel's heading (lessons point at panels by it) */
  heading?: string;
}

export const PANELS: readonly PanelDef[] = [
  { id: 'frames', title: 'Page frames', dock: 'stage', component: GridView, heading: 'grid-title' },
  { id: 'process', title: 'Process', dock: 'stage', component: StageProcessView, heading: 'pgrid-title' },
  { id: 'lessons', title: 'Lessons', dock: 'explain', component: LessonPanel, heading: 'lesson-title' },
  {
    id: 'explain',
    title: 'What happened',
    dock: 'explain',
    component: StepExplanation,
    heading: 'explain-title',
  },
  {
    id: 'inspector',
    title: 'Frame',
    dock: 'side',
    component: Inspector,
    key: 'i',
    heading: 'inspector-title',
  },
  { id: 'boot', title: 'Boot', dock: 'side', component: BootPanel, key: 'o', heading: 'boot-title' },
  {
    id: 'status',
    title: 'Process /proc',
    dock: 'side',
    component: ProcStatusPanel,
    key: 's',
    heading: 'status-title',
  },
  // The first tab under the stage, so the process forms show by default and the page cells above
  // keep the stage's whole height.
  {
    id: 'processes',
    title: 'Processes',
    dock: 'bottom',
    component: ProcessControls,
    key: 'P',
    heading: 'procs-title',
  },
  {
    id: 'freelists',
    title: 'Free lists',
    dock: 'bottom',
    component: FreeListView,
    key: 'f',
    heading: 'freelists-title',
  },
  {
    id: 'page',
    title: 'Selected page',
    dock: 'side',
    component: PageDetails,
    key: 'v',
    heading: 'page-details-title',
  },
  { id: 'huge', title: 'Huge zero', dock: 'side', component: HugeZeroPanel, key: 'h', heading: 'huge-title' },
  { id: 'alloc', title: 'Allocate', dock: 'side', component: AllocForm, key: 'k', heading: 'alloc-title' },
  {
    id: 'gallery',
    title: 'Lesson gallery',
    dock: 'side',
    component: LessonGallery,
    key: 'c',
    heading: 'gallery-title',
  },
  {
    id: 'editor',
    title: 'Lesson editor',
    dock: 'bottom',
    component: LessonEditor,
    key: 'L',
    heading: 'lesson-editor-title',
  },
  { id: 'quiz', title: 'Quiz', dock: 'side', component: QuizPanel, key: 'q', heading: 'quiz-title' },
  { id: 'legend', title: 'Legend', dock: 'side', component: Legend, key: 'l', heading: 'legend-title' },
  {
    id: 'memblock',
    title: 'memblock',
    dock: 'bottom',
    component: MemblockView,
    key: 'm',
    heading: 'memblock-title',
  },
  {
    id: 'scenario',
    title: 'Scenario',
    dock: 'bottom',
    component: ScenarioPanel,
    key: 'e',
    heading: 'scenario-title',
  },
  { id: 'proc', title: '/proc', dock: 'bottom', component: ProcPanel, key: 'p', heading: 'proc-title' },
  { id: 'dmesg', title: 'dmesg', dock: 'bottom', component: BootLog, key: 'd', heading: 'bootlog-title' },
  { id: 'about', title: 'About', dock: 'bottom', component: AboutPanel, key: 'a', heading: 'about-title' },
  {
    id: 'unmapped',
    title: 'Unmapped',
    dock: 'bottom',
    component: UnmappedPanel,
    key: 'U',
    heading: 'unmapped-title',
  },
  {
    id: 'swap',
    title: 'Swap',
    dock: 'bottom',
    component: SwapPanel,
    key: 'S',
    heading: 'swap-title',
  },
  {
    id: 'blkzero',
    title: 'Block zeroing',
    dock: 'bottom',
    component: BlockZeroPanel,
    key: 'z',
    heading: 'blkzero-title',
  },
  {
    id: 'share',
    title: 'Share',
    dock: 'bottom',
    component: ShareExportPanel,
    key: 'x',
    heading: 'share-title',
  },
];

/** The panels of one dock, in registry order. */
export function panelsIn(dock: DockId): PanelDef[] {
  return PANELS.filter((p) => p.dock === dock);
}

export function panelById(id: string): PanelDef | undefined {
  return PANELS.find((p) => p.id === id);
}

/** The panel whose heading has this id (a lesson's pointer), if any. */
export function panelByHeading(heading: string): PanelDef | undefined {
  return PANELS.find((p) => p.heading === heading);
}

/** The tab a dock shows: the one chosen, else its first panel. */
export function activeIn(docks: Record<string, string>, dock: DockId): string | undefined {
  return docks[dock] ?? panelsIn(dock)[0]?.id;
}

/**
 * Bring a panel into view: select its tab in its dock. Returns the panel, or undefined for an
 * unknown id. The caller scrolls to what it wants to show inside the panel.
 */
export function openPanel(controller: AppController, id: string): PanelDef | undefined {
  const p = panelById(id);
  if (!p) return undefined;
  if (p.dock === 'side' || p.dock === 'bottom')
    controller.store.setState((s) => ({ docks: { ...s.docks, [p.dock]: p.id } }));
  return p;
}
