/**
 * The process view's own small state, apart from the app store (others own that): which processes
 * are on the stage, the selected run of pages, the last page a click changed (the fault the mapping
 * links animate), the offer to write a zero-mapped page, and how many mapping links to draw. The
 * mounted process grids register here so the link overlay can find every page's cell.
 */
import { createStore, useStore } from 'zustand';
import type { ProcessGrid } from '../render/process_grid.ts';

/** A run of pages [first, last] of one process's region. */
export interface PageRangeSel {
  proc: string;
  region: string;
  first: number;
  last: number;
}

/** What one access did to one page: its frame before and after (-1: no PTE). */
export interface PageChange {
  /** increases with every change: the animation restarts on a new id */
  id: number;
  proc: string;
  region: string;
  page: number;
  oldPfn: number;
  newPfn: number;
  oldState: number;
  newState: number;
  /** RSS (anon + shmem, kB) before and after, for the tick */
  rssBefore: number;
  rssAfter: number;
}

/** How many links the overlay draws: every mapped page in view, or only the selected ones. */
type LinkMode = 'all' | 'selection' | 'off';

interface ProcessViewState {
  /** processes shown beside the current one, by name, in the order they appeared */
  shown: string[];
  /** names seen so far: a new process is shown once, then the chooser decides */
  seen: string[];
  range: PageRangeSel | null;
  lastChange: PageChange | null;
  /** a read click landed on a zero-mapped page: offer to write it instead */
  offer: { proc: string; region: string; page: number } | null;
  links: LinkMode;
  /** the scenario line a control is running now, and the last one it ran */
  running: string | null;
  lastLine: string | null;
}

export const processView = createStore<ProcessViewState>()(() => ({
  shown: [],
  seen: [],
  range: null,
  lastChange: null,
  offer: null,
  links: 'all',
  running: null,
  lastLine: null,
}));

export function useProcessView<T>(selector: (s: ProcessViewState) => T): T {
  return useStore(processView, selector);
}

/** The most process grids on the stage at once. */
export const MAX_SHOWN = 3;

/** The mounted process grids, by process name (the overlay reads cells through them). */
export const paneGrids = new Map<string, ProcessGrid>();
const paneListeners = new Set<() => void>();

/** Register a mounted grid; returns the function that removes it. */
export function registerPane(name: string, grid: ProcessGrid): () => void {
  paneGrids.set(name, grid);
  for (const l of paneListeners) l();
  return () => {
    if (paneGrids.get(name) === grid) paneGrids.delete(name);
    for (const l of paneListeners) l();
  };
}

/** Call `l` when a grid is registered or removed, or a pane's view moves. */
export function onPanesChanged(l: () => void): () => void {
  paneListeners.add(l);
  return () => paneListeners.delete(l);
}

/** A pane's grid moved or its data changed: the overlay redraws. */
export function panesMoved(): void {
  for (const l of paneListeners) l();
}

let changeId = 0;
export function nextChangeId(): number {
  return ++changeId;
}
