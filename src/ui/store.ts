/**
 * The UI's small state (DESIGN.md): the config being edited, the machine's summary, selection, hover,
 * versions, the error banner. Bulk per-frame data never comes here: it lives in the renderer.
 * Canvases subscribe to this store directly (controller.ts), React views through `useApp`.
 */
import { createStore, useStore } from 'zustand';
import type {
  AllocationInfo,
  BootStepInfo,
  DeathInfo,
  MachineInfo,
  ProcessView,
  RunErrorInfo,
} from '../worker/protocol.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The RAM sizes the header offers. */
export const RAM_CHOICES: readonly { label: string; bytes: number }[] = [
  { label: '256 MiB', bytes: 256 * MiB },
  { label: '1 GiB', bytes: 1 * GiB },
  { label: '4 GiB', bytes: 4 * GiB },
  { label: '16 GiB', bytes: 16 * GiB },
];

export interface ConfigDraft {
  ram: number;
  cpus: number;
  /** boot one step at a time instead of all at once */
  stepBoot: boolean;
}

export interface HoverState {
  pfn: number;
  clientX: number;
  clientY: number;
}

export type Status = 'starting' | 'booting' | 'ready' | 'busy';

/** What a click on a virtual page does: `A read r1 <off> 1 1` or `A write r1 <off> 1 1 1`. */
export type PageMode = 'read' | 'write';

/** The pointer on a page of the process grid (index into the shown region). */
export interface PageHoverState {
  page: number;
  clientX: number;
  clientY: number;
}

/** Scenario lines the app ran and what they printed (the scenario panel shows them). */
export interface RunResult {
  text: string;
  output: string;
  errors: RunErrorInfo[];
  failures: string[];
}

export interface AppState {
  /** the config in the header's form, applied by Reboot */
  draft: ConfigDraft;
  /** the running machine (null until the first boot finishes) */
  machine: MachineInfo | null;
  status: Status;
  /** what the banner says; null when there is nothing wrong */
  error: string | null;
  hover: HoverState | null;
  /** the frame the learner clicked */
  selection: number | null;
  /** last boot step run, when stepping */
  lastStep: BootStepInfo | null;
  /** named kernel allocations now live */
  allocations: AllocationInfo[];
  /** the block of the last allocation, outlined on the grid */
  lastAllocation: AllocationInfo | null;
  /** dmesg */
  log: string[];
  /** frames per state (FrameState index), refreshed once per frame after deltas */
  counts: number[];
  /** bumps when the machine changes: views that read the kernel (/proc, tooltip) refetch */
  opVersion: number;
  /** the grid's zoom: CSS pixels per frame, frames per drawn texel side (>1 in the overview) */
  view: { cellPx: number; framesPerTexel: number };
  /** every process the scenario session knows, alive or not */
  processes: ProcessView[];
  /** the process and the region the process grid shows */
  currentProc: string | null;
  currentRegion: string | null;
  mode: PageMode;
  pageHover: PageHoverState | null;
  /** the page last clicked (or moved to with the keyboard) in the process grid */
  pageSelection: number | null;
  /** bumps when the process grid got new page states */
  pagesVersion: number;
  /** scenario lines run so far on this machine (the UI's clicks too), newest last */
  history: RunResult[];
  /** processes killed (SIGSEGV, SIGBUS, OOM) and not yet dismissed */
  deaths: DeathInfo[];
}

export const initialState: AppState = {
  draft: { ram: 1 * GiB, cpus: 2, stepBoot: false },
  machine: null,
  status: 'starting',
  error: null,
  hover: null,
  selection: null,
  lastStep: null,
  allocations: [],
  lastAllocation: null,
  log: [],
  counts: [],
  opVersion: 0,
  view: { cellPx: 1, framesPerTexel: 1 },
  processes: [],
  currentProc: null,
  currentRegion: null,
  mode: 'read',
  pageHover: null,
  pageSelection: null,
  pagesVersion: 0,
  history: [],
  deaths: [],
};

export type AppStore = ReturnType<typeof createAppStore>;

export function createAppStore() {
  return createStore<AppState>()(() => ({ ...initialState }));
}

/** React hook: read a slice of the store. */
export function useApp<T>(store: AppStore, selector: (s: AppState) => T): T {
  return useStore(store, selector);
}
