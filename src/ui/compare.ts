/**
 * The Compare view's controller: two more machines, each in its own worker (a MachineClient of its
 * own, the same protocol as the main machine), booted from two configs and fed the same scenario
 * lines. It keeps each side's frame grid fed with its worker's frame deltas and a small zustand store
 * of what the views show (configs, machine summaries, scenario output, /proc/<pid>/status).
 */
import { createStore } from 'zustand';
import type { FrameGrid } from '../render/frame_grid.ts';
import type { MachineClient } from '../worker/client.ts';
import type { FrameDeltaNotice, MachineInfo, ProcessView, RunErrorInfo } from '../worker/protocol.ts';
import { GiB, archConfig, withArch, type ArchDraft } from './store.ts';

export type Side = 0 | 1;
export const SIDES: readonly Side[] = [0, 1];

export interface CompareSide {
  draft: ArchDraft;
  /** the machine after the last run; null before the first */
  info: MachineInfo | null;
  running: boolean;
  /** why the side could not run (an impossible config, a worker failure) */
  error: string | null;
  /** what the scenario printed on this machine */
  output: string;
  /** the line that stopped the scenario on this machine, if one did */
  errors: RunErrorInfo[];
  processes: ProcessView[];
  /** the process whose /proc/<pid>/status is shown */
  shown: string | null;
  status: string | null;
}

interface CompareState {
  sides: [CompareSide, CompareSide];
  scenario: string;
  /** bumps after every run, so views know the grids have new frames */
  version: number;
}

const DEFAULT_COMPARE_SCENARIO = [
  'spawn A',
  'A mmap r1 64M rw',
  'A read r1 0 64M 4K',
  'A write r1 0 8M 4K 1',
].join('\n');

function side(draft: ArchDraft): CompareSide {
  return {
    draft,
    info: null,
    running: false,
    error: null,
    output: '',
    errors: [],
    processes: [],
    shown: null,
    status: null,
  };
}

export class CompareController {
  readonly store = createStore<CompareState>()(() => ({
    sides: [
      side({ arch: 'x86_64', granule: 4, vce: false, zeroPagePatch: 'after', ram: 1 * GiB }),
      side({ arch: 'arm64', granule: 16, vce: false, zeroPagePatch: 'after', ram: 1 * GiB }),
    ],
    scenario: DEFAULT_COMPARE_SCENARIO,
    version: 0,
  }));
  private readonly grids: (FrameGrid | null)[] = [null, null];
  private readonly queued: FrameDeltaNotice[][] = [[], []];

  /**
   * `clients`: one worker per side. `track` counts work in flight for the app's idle() (tests and
   * screenshots wait for it).
   */
  constructor(
    readonly clients: readonly [MachineClient, MachineClient],
    private readonly track: <T>(p: Promise<T>) => Promise<T>,
  ) {
    for (const i of SIDES) {
      clients[i].onFrameDelta((d) => {
        const g = this.grids[i];
        if (g) g.applyDelta(d);
        else this.queued[i]!.push(d);
      });
    }
  }

  private patch(i: Side, p: Partial<CompareSide>): void {
    this.store.setState((s) => {
      const sides = [...s.sides] as [CompareSide, CompareSide];
      sides[i] = { ...sides[i], ...p };
      return { sides };
    });
  }

  side(i: Side): CompareSide {
    return this.store.getState().sides[i];
  }

  /** Connect a side's mounted grid; returns the function that disconnects it. */
  attachGrid(i: Side, grid: FrameGrid): () => void {
    this.grids[i] = grid;
    const queued = this.queued[i]!.splice(0);
    if (queued.length) for (const d of queued) grid.applyDelta(d);
    else if (this.side(i).info) void this.track(this.fetchAllFrames(i, grid));
    return () => {
      if (this.grids[i] === grid) this.grids[i] = null;
    };
  }

  grid(i: Side): FrameGrid | null {
    return this.grids[i] ?? null;
  }

  private async fetchAllFrames(i: Side, grid: FrameGrid): Promise<void> {
    const info = this.side(i).info;
    if (!info) return;
    try {
      const r = await this.clients[i].frames(0, info.nrPages);
      if (this.grids[i] !== grid) return;
      grid.applyDelta({
        type: 'frameDelta',
        seq: r.seq,
        generation: r.generation,
        nrPages: info.nrPages,
        ranges: Uint32Array.of(r.from, r.to),
        states: new Uint8Array(r.states),
      });
    } catch (e) {
      this.patch(i, { error: message(e) });
    }
  }

  setDraft(i: Side, p: Partial<ArchDraft>): void {
    const d = this.side(i).draft;
    this.patch(i, { draft: p.arch && p.arch !== d.arch ? withArch({ ...d, ...p }, p.arch) : { ...d, ...p } });
  }

  setScenario(text: string): void {
    this.store.setState({ scenario: text });
  }

  /** Boot both machines afresh and run the scenario on each; both sides run at once. */
  run(): Promise<void> {
    const text = this.store.getState().scenario;
    return this.track(
      Promise.all(SIDES.map((i) => this.runSide(i, text))).then(() =>
        this.store.setState((s) => ({ version: s.version + 1 })),
      ),
    );
  }

  private async runSide(i: Side, text: string): Promise<void> {
    const c = this.clients[i];
    const { draft } = this.side(i);
    this.patch(i, { running: true, error: null });
    try {
      // A fresh machine each time, so both sides start from the same point: boot, then the lines.
      const ready = await c.init({ ...archConfig(draft), cpus: 2 }, true);
      this.patch(i, { info: ready.info, processes: [], output: '', errors: [], status: null });
      const r = await c.run(text);
      const prev = this.side(i).shown;
      const shown =
        r.processes.find((p) => p.name === prev)?.name ??
        r.processes.find((p) => p.state === 'R')?.name ??
        r.processes[0]?.name ??
        null;
      this.patch(i, { info: r.info, output: r.output, errors: r.errors, processes: r.processes, shown });
      await this.readStatus(i);
    } catch (e) {
      this.patch(i, { error: message(e) });
    } finally {
      this.patch(i, { running: false });
    }
  }

  /** Show another process's status on one side. */
  select(i: Side, name: string): Promise<void> {
    this.patch(i, { shown: name });
    return this.track(this.readStatus(i));
  }

  private async readStatus(i: Side): Promise<void> {
    const s = this.side(i);
    const p = s.processes.find((x) => x.name === s.shown);
    if (!p) {
      this.patch(i, { status: null });
      return;
    }
    try {
      const r = await this.clients[i].readProc(`/proc/${p.pid}/status`);
      this.patch(i, { status: r.text });
    } catch (e) {
      this.patch(i, { status: null, error: message(e) });
    }
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
