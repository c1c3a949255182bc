/**
 * The app's controller, split by concern in src/ui/controller/ (core, selection, machine, timeline,
 * processes; app.ts is the class views use). Importers keep importing from here.
 */
export { AppController } from './controller/app.ts';
export { MAX_THP_MARKERS, zeroMarkers } from './controller/selection.ts';
export { sizeArg, type MmapOptions } from './controller/processes.ts';
