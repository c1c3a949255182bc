/**
 * The app's controller, split by concern in src/ui/controller/ (core, selection, machine, timeline,
 * processes; app.ts is the class views use). Importers keep importing from here.
 */
export { AppController } from './controller/app.ts';
export { PATTERNS_KEY } from './controller/core.ts';
export { hugeMarkers, MAX_THP_MARKERS, zeroMarkers } from './controller/selection.ts';
export { pmdBlocks, sizeArg, type MmapOptions } from './controller/processes.ts';
