/**
 * Processes by hand: spawn one, map a region into it (mmap), fork it, end it. Each control runs one
 * line of the scenario language in the worker (`spawn A`, `A mmap r1 64M rw`, `A fork B`, `A exit`);
 * the scenario panel shows the lines.
 */
import { useId, useState } from 'react';
import { useAppState, useController } from './context.ts';
import { count } from './format.ts';
import type { MmapOptions } from './controller.ts';

/** The first of A, B, C, … (then P1, P2, …) no process has taken. */
function nextProcessName(taken: string[]): string {
  for (let c = 65; c <= 90; c++) if (!taken.includes(String.fromCharCode(c))) return String.fromCharCode(c);
  for (let i = 1; ; i++) if (!taken.includes(`P${i}`)) return `P${i}`;
}

function nextRegionName(taken: string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`r${i}`)) return `r${i}`;
}

export function ProcessControls() {
  const controller = useController();
  const processes = useAppState((s) => s.processes);
  const currentProc = useAppState((s) => s.currentProc);
  const booted = useAppState((s) => s.machine?.booted ?? false);
  const busy = useAppState((s) => s.status !== 'ready');
  const proc = processes.find((p) => p.name === currentProc) ?? null;
  const alive = proc?.state === 'R';
  const stack = proc?.vmas.find((v) => v.name === '[stack]');
  const names = processes.map((p) => p.name);
  const [spawnName, setSpawnName] = useState<string | null>(null);
  const [childName, setChildName] = useState<string | null>(null);
  const [brkValue, setBrkValue] = useState('+64K');
  const ids = { spawn: useId(), child: useId(), brk: useId() };
  const spawnValue = spawnName ?? nextProcessName(names);
  const childValue = childName ?? nextProcessName(names);

  return (
    <section className="panel processes-panel" aria-labelledby="procs-title">
      <h2 id="procs-title">Processes</h2>
      <form
        className="inline-form"
        aria-label="spawn"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void controller.spawn(spawnValue).then((r) => r?.errors.length === 0 && setSpawnName(null));
        }}
      >
        <label htmlFor={ids.spawn}>name</label>
        <input
          id={ids.spawn}
          value={spawnValue}
          onChange={(e) => setSpawnName(e.target.value)}
          spellCheck={false}
          className="short"
        />
        <button type="submit" className="primary" disabled={busy || !booted}>
          Spawn
        </button>
      </form>
      {processes.length > 0 && (
        <ul className="process-list" aria-label="Processes" data-testid="process-list">
          {processes.map((p) => (
            <li key={p.name} className={p.name === currentProc ? 'current' : undefined}>
              <button
                type="button"
                className="link"
                aria-pressed={p.name === currentProc}
                onClick={() => controller.selectProcess(p.name)}
                aria-label={`Show process ${p.name}`}
              >
                {p.name}
              </button>
              <span>
                pid {p.pid} ·{' '}
                {p.state === 'R'
                  ? `RSS ${count(p.rssAnonKb + p.rssShmemKb + p.rssFileKb)} kB`
                  : (p.exit ?? 'exited')}
              </span>
            </li>
          ))}
        </ul>
      )}
      {proc && (
        <>
          <div className="proc-actions">
            <form
              className="inline-form"
              aria-label="fork"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void controller.fork(childValue).then((r) => r?.errors.length === 0 && setChildName(null));
              }}
            >
              <label htmlFor={ids.child}>child</label>
              <input
                id={ids.child}
                value={childValue}
                onChange={(e) => setChildName(e.target.value)}
                spellCheck={false}
                className="short"
              />
              <button type="submit" disabled={busy || !alive}>
                Fork {proc.name}
              </button>
              <button
                type="button"
                disabled={busy || !alive}
                title={`clone(CLONE_VM|CLONE_THREAD), as pthread_create() does: a thread that shares ${proc.name}'s address space`}
                onClick={() =>
                  void controller
                    .run(`${proc.name} thread ${childValue.trim()}`, { proc: childValue.trim() })
                    .then((r) => r?.errors.length === 0 && setChildName(null))
                }
              >
                New thread
              </button>
            </form>
            <button type="button" disabled={busy || !alive} onClick={() => void controller.exitProcess()}>
              Exit {proc.name}
            </button>
            <form
              className="inline-form"
              aria-label="brk"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void controller.run(`${proc.name} brk ${brkValue.trim()}`, { region: 'heap' });
              }}
            >
              <label
                htmlFor={ids.brk}
                title="brk(): +64K grows the heap, -16K shrinks it, or give the new break's address"
              >
                brk
              </label>
              <input
                id={ids.brk}
                value={brkValue}
                onChange={(e) => setBrkValue(e.target.value)}
                spellCheck={false}
                className="short"
              />
              <button type="submit" disabled={busy || !alive}>
                Move the break
              </button>
            </form>
            {stack && (
              <button
                type="button"
                disabled={busy || !alive}
                title="Write a byte 64 KiB below the [stack] VMA: the fault grows the stack down to that page (expand_downwards), up to RLIMIT_STACK (8 MiB)"
                onClick={() =>
                  void controller.run(
                    `${proc.name} write 0x${(stack.start - 64 * 1024).toString(16)} 0 1 1 1`,
                  )
                }
              >
                Grow the stack
              </button>
            )}
            <button
              type="button"
              disabled={busy || !alive}
              title="mlockall(MCL_CURRENT|MCL_FUTURE): lock and fault in every mapping, and every later one"
              onClick={() => void controller.run(`${proc.name} mlockall current future`)}
            >
              mlockall
            </button>
            <button
              type="button"
              disabled={busy || !alive}
              title="munlockall(): nothing locked, now or later"
              onClick={() => void controller.run(`${proc.name} munlockall`)}
            >
              munlockall
            </button>
            <button
              type="button"
              disabled={busy}
              title="ksmd with use_zero_pages: one full scan of every MADV_MERGEABLE range (madvise → more… → mergeable). A page merges on the scan after the one that first saw it (that one only records its checksum): a zero-filled page becomes the shared zero page, its PTE marked dirty (ksm_zero_pages in /proc/<pid>/ksm_stat); equal pages become one read-only KSM page (the Swap panel outlines the stable tree)"
              onClick={() => void controller.run('ksm scan use_zero_pages=yes')}
            >
              ksmd scan
            </button>
          </div>
          <MmapForm key={proc.name} disabled={busy || !alive} procName={proc.name} />
        </>
      )}
      <p className="muted hint">
        {!booted
          ? 'Processes can run once boot has finished.'
          : !proc
            ? 'A process starts with only its stack. Spawn one, then map a region into it.'
            : `mmap only reserves addresses (a VMA): frames come when pages are touched. Click pages in the grid to fault them in.`}
      </p>
    </section>
  );
}

function MmapForm({ disabled, procName }: { disabled: boolean; procName: string }) {
  const controller = useController();
  const regions = useAppState(
    (s) =>
      s.processes
        .find((p) => p.name === procName)
        ?.regions.map((r) => r.name)
        .join(' ') ?? '',
  );
  const [region, setRegion] = useState<string | null>(null);
  const [sizeText, setSizeText] = useState('256K');
  const [prot, setProt] = useState<MmapOptions['prot']>('rw');
  const [shared, setShared] = useState(false);
  const [populate, setPopulate] = useState(false);
  const [locked, setLocked] = useState(false);
  const [devZero, setDevZero] = useState(false);
  const ids = {
    region: useId(),
    size: useId(),
    prot: useId(),
    shared: useId(),
    populate: useId(),
    locked: useId(),
    devZero: useId(),
  };
  const regionValue = region ?? nextRegionName(regions ? regions.split(' ') : []);

  return (
    <form
      className="mmap-form"
      aria-label="mmap"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void controller
          .mmap({ region: regionValue, size: sizeText, prot, shared, populate, locked, devZero })
          .then((r) => r?.errors.length === 0 && setRegion(null));
      }}
    >
      <h3>mmap into {procName}</h3>
      <label htmlFor={ids.region}>region</label>
      <input
        id={ids.region}
        value={regionValue}
        onChange={(e) => setRegion(e.target.value)}
        spellCheck={false}
        className="short"
      />
      <label htmlFor={ids.size}>size</label>
      <input
        id={ids.size}
        value={sizeText}
        onChange={(e) => setSizeText(e.target.value)}
        spellCheck={false}
        className="short"
        aria-describedby={`${ids.size}-hint`}
      />
      <span id={`${ids.size}-hint`} className="muted field-hint">
        e.g. 64M, 2M, 16K
      </span>
      <label htmlFor={ids.prot}>prot</label>
      <select id={ids.prot} value={prot} onChange={(e) => setProt(e.target.value as MmapOptions['prot'])}>
        <option value="rw">rw (PROT_READ|PROT_WRITE)</option>
        <option value="r">r (PROT_READ)</option>
        <option value="none">none (PROT_NONE)</option>
        <option value="rx">rx (PROT_READ|PROT_EXEC)</option>
        <option value="rwx">rwx (PROT_READ|PROT_WRITE|PROT_EXEC)</option>
        <option value="x">x (PROT_EXEC: x86 still lets it be read)</option>
      </select>
      <div className="checks">
        <input
          id={ids.shared}
          type="checkbox"
          checked={shared}
          onChange={(e) => setShared(e.target.checked)}
        />
        <label htmlFor={ids.shared}>shared</label>
        <input
          id={ids.populate}
          type="checkbox"
          checked={populate}
          onChange={(e) => setPopulate(e.target.checked)}
        />
        <label htmlFor={ids.populate}>populate</label>
        <input
          id={ids.locked}
          type="checkbox"
          checked={locked}
          onChange={(e) => setLocked(e.target.checked)}
        />
        <label htmlFor={ids.locked} title="MAP_LOCKED: VM_LOCKED (VmLck), populated at once">
          locked
        </label>
        <input
          id={ids.devZero}
          type="checkbox"
          checked={devZero}
          onChange={(e) => setDevZero(e.target.checked)}
        />
        <label
          htmlFor={ids.devZero}
          title="map /dev/zero: private, it is anonymous memory that maps names /dev/zero (and MADV_WIPEONFORK refuses); shared, it is the same shmem object MAP_SHARED|MAP_ANONYMOUS gets"
        >
          /dev/zero
        </label>
      </div>
      <button type="submit" className="primary" disabled={disabled}>
        Map
      </button>
    </form>
  );
}
