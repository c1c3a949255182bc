/**
 * The emulator against real Linux 6.18.
 *
 * tools/oracle/ ran small C programs on a real 6.18 kernel and recorded what it did as JSON
 * (reference/kernel-6.18/*.json, reference/zero-page-read-then-write.json). Each record, the thp-*
 * ones included, is replayed here from scenarios/oracle/<name>.mm, and every deterministic count of the record is
 * compared with what the emulator did. The expected values are always the real kernel's: when the
 * emulator disagrees, the test fails and says where.
 *
 * How a record maps onto a run:
 * - The .mm file is run statement by statement through the scenario Session. A comment line
 *   `#@ <name>` marks a point where a snapshot is taken: every process's minflt, /proc status,
 *   smaps, and the pagemap of each named region joined with kpageflags/kpagecount, plus the
 *   machine's vmstat.
 * - Whole-process absolute values (status, stat_minflt_total) differ by construction (the oracle
 *   is a C program with libc; the emulated process has only a [stack]); the JSON's *_delta
 *   objects are compared instead, as deltas between two snapshots.
 * - `vmstat_delta_systemwide` was read on a shared machine: pgfault, pgalloc_*, pgfree,
 *   nr_free_pages and most nr_* gauges also count other processes (README.md, `varying`), so they
 *   are not compared. The event counters the README calls clean are compared: thp_*, pgreuse,
 *   pgmajfault, cow_ksm, and the shmem gauges nr_shmem/nr_mapped, which only this scenario moved.
 * - Each check uses expect.soft, so a test reports every field that differs, not just the first.
 * - Anything ending in `_varies`, smaps `Referenced`, and kpageflags LRU/ACTIVE/REFERENCED/IDLE are
 *   skipped: the JSON says they vary from run to run.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../src/core/machine.ts';
import type { MmStruct } from '../src/core/mm/mm_types.ts';
import { readProc } from '../src/core/proc/index.ts';
import {
  KPF,
  PM_FILE,
  PM_MMAP_EXCLUSIVE,
  PM_PRESENT,
  PM_SOFT_DIRTY,
  PM_SWAP,
  kpagecount,
  kpageflags,
  pagemapEntry,
} from '../src/core/proc/page.ts';
import { vmstatValue } from '../src/core/proc/stats.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { PG } from '../src/core/phys/page.ts';

// --- the reference JSON --------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JObj = { [key: string]: Json };

const isObj = (v: Json | undefined): v is JObj => typeof v === 'object' && v !== null && !Array.isArray(v);

function loadJson(rel: string): JObj {
  const v = JSON.parse(readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8')) as Json;
  if (!isObj(v)) throw new Error(`${rel}: not a JSON object`);
  return v;
}

/** `kernel-6.18/<name>.json` as recorded by tools/oracle. */
const kernelRef = (name: string) => loadJson(`reference/kernel-6.18/${name}.json`);

/** The value at a dotted path: at(ref, 'right_after_fork.child.pagemap'). */
function at(o: Json, path: string): Json {
  let cur: Json = o;
  for (const k of path.split('.')) {
    if (!isObj(cur) || !(k in cur)) throw new Error(`the reference has no '${path}' (missing '${k}')`);
    cur = cur[k]!;
  }
  return cur;
}

function obj(o: Json, path: string): JObj {
  const v = at(o, path);
  if (!isObj(v)) throw new Error(`reference '${path}' is not an object`);
  return v;
}

function num(o: Json, path: string): number {
  const v = at(o, path);
  if (typeof v !== 'number') throw new Error(`reference '${path}' is not a number`);
  return v;
}

/** A record without the keys the oracle itself marks as varying, and without timings. */
function deterministic(o: JObj, alsoSkip: readonly string[] = []): JObj {
  const out: JObj = {};
  for (const [k, v] of Object.entries(o))
    if (!k.endsWith('_varies') && !k.startsWith('seconds') && !alsoSkip.includes(k)) out[k] = v;
  return out;
}

const hex = (v: bigint | number) => '0x' + BigInt(v).toString(16);

// --- running a scenario with snapshots -----------------------------------------------------------

const PFN_MASK = (1n << 55n) - 1n;
const PM_UFFD_WP = 1n << 57n;
const PM_GUARD = 1n << 58n;
const bit = (b: number) => 1n << BigInt(b);
/** KPF_OWNER_2 (bit 34) is PG_anon_exclusive on anon folios; the emulator names the bit MAPPEDTODISK. */
const KPF_OWNER_2 = 34;
const KPF_KSM = 21;
const KPF_IDLE = 25;
/** What the oracle masks out of kpf_stable: moved by LRU batching and DAMON, not by the scenario. */
const KPF_VOLATILE = bit(KPF.LRU) | bit(KPF.ACTIVE) | bit(KPF.REFERENCED) | bit(KPF_IDLE);

/** One region's pagemap at a snapshot, with each present page's kpageflags/kpagecount read then. */
interface RegionSnap {
  start: number;
  entries: bigint[];
  flags: bigint[];
  counts: number[];
  /** the byte at offset 0 of each present page (-1 when not present) */
  firstBytes: number[];
}

interface SmapsBlock {
  start: number;
  end: number;
  perms: string;
  fields: Record<string, number>;
  vmFlags: string;
}

interface ProcSnap {
  pid: number;
  alive: boolean;
  /** why it died, as the runner reports it */
  exit: string | undefined;
  minflt: number;
  majflt: number;
  /** /proc/<pid>/stat field 52, exit_code: the wait status the parent would reap */
  exitCode: number;
  /** /proc/<pid>/stat field 24: resident pages (statm's second field, get_mm_rss()) */
  rssPages: number;
  /** /proc/<pid>/smaps_rollup, kB by field */
  rollup: Record<string, number>;
  status: Record<string, number>;
  smaps: SmapsBlock[];
  regions: Map<string, RegionSnap>;
}

interface Snapshot {
  procs: Map<string, ProcSnap>;
  vmstat: Record<string, number>;
  /** /sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats, as mthpStats() computes them */
  mthp: Record<string, number>;
  /** scenario-specific values computed at this point (contents checks) */
  probe: Record<string, number | boolean>;
}

interface OracleRun {
  name: string;
  machine: Machine;
  out: string;
  /** failed `expect` lines of the .mm file */
  failures: string[];
  snaps: Map<string, Snapshot>;
}

type Probe = (m: Machine, s: Session) => Record<string, number | boolean>;

/** The vmstat counters a snapshot keeps. */
const VMSTAT_KEPT = [
  'pgmajfault',
  'pgreuse',
  'cow_ksm',
  'nr_anon_pages',
  'nr_page_table_pages',
  'nr_shmem',
  'nr_mapped',
  'nr_anon_transparent_hugepages',
  'thp_fault_alloc',
  'thp_fault_fallback',
  'thp_split_pmd',
  'thp_split_page',
  'thp_deferred_split_page',
  'thp_underused_split_page',
  'thp_zero_page_alloc',
  'thp_zero_page_alloc_failed',
  'thp_collapse_alloc',
];

function parseStatus(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of text.split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(l);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

function parseSmaps(text: string): SmapsBlock[] {
  const out: SmapsBlock[] = [];
  let cur: SmapsBlock | undefined;
  for (const l of text.split('\n')) {
    const h = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) /.exec(l);
    if (h) {
      cur = { start: parseInt(h[1]!, 16), end: parseInt(h[2]!, 16), perms: h[3]!, fields: {}, vmFlags: '' };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (l.startsWith('VmFlags:')) cur.vmFlags = l.slice('VmFlags: '.length);
    const f = /^(\w+):\s+(\d+)/.exec(l);
    if (f) cur.fields[f[1]!] = Number(f[2]);
  }
  return out;
}

function snapRegion(m: Machine, mm: MmStruct, start: number, len: number): RegionSnap {
  const n = len / m.pageSize;
  const r: RegionSnap = { start, entries: [], flags: [], counts: [], firstBytes: [] };
  for (let i = 0; i < n; i++) {
    const e = pagemapEntry(m, mm, start + i * m.pageSize);
    r.entries.push(e);
    if (e & PM_PRESENT) {
      const pfn = Number(e & PFN_MASK);
      r.flags.push(kpageflags(m, pfn));
      r.counts.push(kpagecount(m, pfn));
      r.firstBytes.push(m.ram.readU8(pfn * m.pageSize));
    } else {
      r.flags.push(0n);
      r.counts.push(0);
      r.firstBytes.push(-1);
    }
  }
  return r;
}

function snapshot(m: Machine, s: Session): Snapshot {
  const procs = new Map<string, ProcSnap>();
  for (const [name, p] of s.procs) {
    const t = p.task;
    const stat = readProc(m, `/proc/${t.pid}/stat`).trim().split(' ');
    const snap: ProcSnap = {
      pid: t.pid,
      alive: t.state === 'R',
      exit: t.exit,
      minflt: t.minflt,
      majflt: t.majflt,
      exitCode: Number(stat[51]),
      rssPages: Number(stat[23]),
      rollup: {},
      status: {},
      smaps: [],
      regions: new Map(),
    };
    if (t.mm) {
      snap.status = parseStatus(readProc(m, `/proc/${t.pid}/status`));
      snap.smaps = parseSmaps(readProc(m, `/proc/${t.pid}/smaps`));
      snap.rollup = parseSmaps(readProc(m, `/proc/${t.pid}/smaps_rollup`))[0]?.fields ?? {};
      for (const [rn, r] of p.regions) snap.regions.set(rn, snapRegion(m, t.mm, r.start, r.len));
    }
    procs.set(name, snap);
  }
  const vmstat: Record<string, number> = {};
  for (const k of VMSTAT_KEPT) vmstat[k] = vmstatValue(m, k);
  return { procs, vmstat, mthp: mthpStats(m), probe: {} };
}

/**
 * The PMD-order (2048 kB) mTHP stats the oracle read from
 * /sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats. The emulator has no per-size sysfs
 * files, so they are computed from what it does keep. For the PMD order the kernel counts each
 * event at the same place as its vmstat twin (count_vm_event + count_mthp_stat side by side in
 * do_huge_pmd_anonymous_page, deferred_split_folio, split_huge_page_to_list_to_order), so the
 * events read those counters; the two gauges are counted from the machine's state: anonymous
 * 2 MiB folios, and those on the deferred split queue (partially mapped ones, in this model).
 */
function mthpStats(m: Machine): Record<string, number> {
  const order = m.arch.pmdOrder;
  let nrAnon = 0;
  const p = m.pages;
  for (let pfn = 0; pfn < p.flags.length; pfn += 1 << order)
    if (p.flags[pfn]! & PG.head && p.order[pfn] === order && p.flags[pfn]! & PG.anon) nrAnon++;
  let partial = 0;
  for (const [h, partially] of m.deferredSplit) if (partially && p.order[h] === order) partial++;
  return {
    anon_fault_alloc: vmstatValue(m, 'thp_fault_alloc'),
    anon_fault_fallback: vmstatValue(m, 'thp_fault_fallback'),
    split: vmstatValue(m, 'thp_split_page'),
    split_deferred: vmstatValue(m, 'thp_deferred_split_page'),
    split_failed: vmstatValue(m, 'thp_split_page_failed'),
    nr_anon: nrAnon,
    nr_anon_partially_mapped: partial,
  };
}

/**
 * Run scenarios/oracle/<name>.mm through the Session, taking a snapshot at every `#@ <mark>` line
 * (before the statement that follows it). `probes` add scenario-specific values to a snapshot.
 */
function runOracle(name: string, probes: Record<string, Probe> = {}): OracleRun {
  const text = readFileSync(
    fileURLToPath(new URL(`../scenarios/oracle/${name}.mm`, import.meta.url)),
    'utf8',
  );
  const marks: { line: number; label: string }[] = [];
  text.split('\n').forEach((l, i) => {
    const mk = /^\s*#@\s*(\S+)/.exec(l);
    if (mk) marks.push({ line: i + 1, label: mk[1]! });
  });
  let out = '';
  const session = new Session({ out: (t) => (out += t) });
  const snaps = new Map<string, Snapshot>();
  let next = 0;
  const takeUpTo = (line: number) => {
    for (; next < marks.length && marks[next]!.line < line; next++) {
      const { label } = marks[next]!;
      if (snaps.has(label)) throw new Error(`${name}.mm: mark '${label}' appears twice`);
      const m = session.machine!;
      const snap = snapshot(m, session);
      if (probes[label]) snap.probe = probes[label](m, session);
      snaps.set(label, snap);
    }
  };
  for (const s of parseScenario(text)) {
    takeUpTo(s.line);
    session.exec(s);
  }
  takeUpTo(Infinity);
  for (const label of Object.keys(probes))
    if (!snaps.has(label)) throw new Error(`${name}.mm: no mark '${label}' for a probe`);
  return { name, machine: session.machine!, out, failures: session.failures, snaps };
}

/** beforeAll() runs the scenario once for the whole describe block. */
function oracleRun(name: string, probes?: Record<string, Probe>): () => OracleRun {
  let run: OracleRun | undefined;
  beforeAll(() => {
    run = runOracle(name, probes);
  }, 120_000);
  return () => run!;
}

function snapAt(run: OracleRun, mark: string): Snapshot {
  const s = run.snaps.get(mark);
  if (!s) throw new Error(`${run.name}.mm has no mark '#@ ${mark}'`);
  return s;
}

function procAt(run: OracleRun, mark: string, proc: string): ProcSnap {
  const p = snapAt(run, mark).procs.get(proc);
  if (!p) throw new Error(`${run.name}: no process ${proc} at '${mark}'`);
  return p;
}

function regionAt(run: OracleRun, mark: string, proc: string, region: string): RegionSnap {
  const r = procAt(run, mark, proc).regions.get(region);
  if (!r) throw new Error(`${run.name}: ${proc} has no mapped region ${region} at '${mark}'`);
  return r;
}

// --- what the oracle computed, computed the same way from the emulator --------------------------

/** j_pagemap()'s summary of pages [first, first + count) of a region snapshot. */
function pagemapSummary(r: RegionSnap, first = 0, count = r.entries.length - first): JObj {
  const c = {
    present: 0,
    swapped: 0,
    excl: 0,
    file: 0,
    sd: 0,
    uffd: 0,
    guard: 0,
    zero: 0,
    hzero: 0,
    thp: 0,
    anon: 0,
    anonExcl: 0,
    head: 0,
    tail: 0,
    ksm: 0,
    inFolio: 0,
  };
  const pfns = new Set<bigint>();
  const kpc: JObj = {};
  const kpf: JObj = {};
  for (let i = first; i < first + count; i++) {
    const e = r.entries[i]!;
    if (e & PM_SWAP) c.swapped++;
    if (e & PM_SOFT_DIRTY) c.sd++;
    if (e & PM_UFFD_WP) c.uffd++;
    if (e & PM_GUARD) c.guard++;
    if (!(e & PM_PRESENT)) continue;
    c.present++;
    if (e & PM_MMAP_EXCLUSIVE) c.excl++;
    if (e & PM_FILE) c.file++;
    pfns.add(e & PFN_MASK);
    const f = r.flags[i]!;
    const has = (b: number) => (f & bit(b)) !== 0n;
    if (has(KPF.ZERO_PAGE) && has(KPF.THP)) c.hzero++;
    else if (has(KPF.ZERO_PAGE)) c.zero++;
    else if (has(KPF.THP)) c.thp++;
    if (has(KPF.ANON)) c.anon++;
    if (has(KPF.ANON) && has(KPF_OWNER_2)) c.anonExcl++;
    if (has(KPF.COMPOUND_HEAD)) c.head++;
    if (has(KPF.COMPOUND_TAIL)) c.tail++;
    if (has(KPF_KSM)) c.ksm++;
    const n = String(r.counts[i]);
    kpc[n] = ((kpc[n] as number | undefined) ?? 0) + 1;
    const k = hex(f & ~KPF_VOLATILE);
    kpf[k] = ((kpf[k] as number | undefined) ?? 0) + 1;
    const next = r.entries[i + 1];
    if (i + 1 < first + count && next !== undefined && next & PM_PRESENT) {
      const isCompound = has(KPF.COMPOUND_HEAD) || has(KPF.COMPOUND_TAIL);
      if ((next & PFN_MASK) === (e & PFN_MASK) + 1n && isCompound && r.flags[i + 1]! & bit(KPF.COMPOUND_TAIL))
        c.inFolio++;
    }
  }
  return {
    pages: count,
    present: c.present,
    not_present: count - c.present,
    distinct_pfns: pfns.size,
    present_4k_zero_page: c.zero,
    present_huge_zero_folio: c.hzero,
    present_thp_not_zero: c.thp,
    present_other: c.present - c.zero - c.hzero - c.thp,
    kpf_anon: c.anon,
    kpf_anon_exclusive_bit34: c.anonExcl,
    kpf_compound_head: c.head,
    kpf_compound_tail: c.tail,
    kpf_ksm: c.ksm,
    pm_exclusive_bit56: c.excl,
    pm_file_or_shared_bit61: c.file,
    pm_soft_dirty_bit55: c.sd,
    pm_uffd_wp_bit57: c.uffd,
    pm_guard_bit58: c.guard,
    pm_swapped_bit62: c.swapped,
    pfn_adjacent_pairs_within_one_compound_folio: c.inFolio,
    kpagecount_histogram: kpc,
    kpf_stable_histogram: kpf,
  };
}

/** The reference's pagemap summary in the same shape: varying keys dropped, histograms as maps. */
function refPagemap(ref: JObj): JObj {
  const out = deterministic(ref);
  const h = ref['kpf_stable_histogram'];
  if (Array.isArray(h)) {
    const m: JObj = {};
    for (const row of h) if (isObj(row)) m[hex(BigInt(row['kpageflags_masked'] as string))] = row['pages']!;
    out['kpf_stable_histogram'] = m;
  }
  return out;
}

/** The smaps block of the VMA that contains `va`, in the reference's shape. */
function smapsLike(p: ProcSnap, va: number, ref: JObj): JObj {
  const b = p.smaps.find((x) => x.start <= va && va < x.end);
  if (!b) return { found: false };
  const out: JObj = {};
  for (const k of Object.keys(ref)) {
    if (k === 'vma_start') out[k] = hex(b.start);
    else if (k === 'vma_end') out[k] = hex(b.end);
    else if (k === 'vma_kb') out[k] = (b.end - b.start) / 1024;
    else if (k === 'perms') out[k] = b.perms;
    else if (k === 'VmFlags') out[k] = b.vmFlags;
    else out[k] = b.fields[k] ?? null;
  }
  return out;
}

/**
 * smaps keys not compared: `found` is the oracle's bookkeeping; `Referenced` depends on LRU
 * batching and DAMON sampling (README.md, the JSON's `varying`).
 */
const SMAPS_SKIPPED = ['found', 'Referenced'];

/** j_pfn_compare() of two snapshots of the same range. */
function pfnCompare(a: RegionSnap, b: RegionSnap): JObj {
  const c = { pfn_same: 0, pfn_changed: 0, became_present: 0, became_not_present: 0, absent_both: 0 };
  a.entries.forEach((ea, i) => {
    const eb = b.entries[i]!;
    const pa = (ea & PM_PRESENT) !== 0n;
    const pb = (eb & PM_PRESENT) !== 0n;
    if (pa && pb) {
      if ((ea & PFN_MASK) === (eb & PFN_MASK)) c.pfn_same++;
      else c.pfn_changed++;
    } else if (pb) c.became_present++;
    else if (pa) c.became_not_present++;
    else c.absent_both++;
  });
  return c;
}

/** pfn_equal_count(): pages present in both with the same pfn. */
function pfnEqualCount(a: RegionSnap, b: RegionSnap): number {
  let k = 0;
  a.entries.forEach((ea, i) => {
    const eb = b.entries[i]!;
    if (ea & PM_PRESENT && eb & PM_PRESENT && (ea & PFN_MASK) === (eb & PFN_MASK)) k++;
  });
  return k;
}

/** The byte sum a read of pages first, first+stride, ... would have returned (touch()'s sum). */
function byteSum(r: RegionSnap, first: number, count: number, stride = 1): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += Math.max(0, r.firstBytes[first + i * stride]!);
  return s;
}

// --- assertions, each mirroring one kind of JSON object -----------------------------------------

interface Window {
  proc: string;
  from: string;
  to: string;
}

/**
 * A `*_measured` object ({minflt_delta, majflt_delta, byte_sum}): the process's fault counts
 * between two marks; byte_sum is recomputed from the pages the read covered.
 */
function expectMeasured(
  run: OracleRun,
  ref: JObj,
  w: Window & { sum?: { region: string; first: number; count: number; stride?: number } },
): void {
  const a = procAt(run, w.from, w.proc);
  const b = procAt(run, w.to, w.proc);
  const actual: JObj = { minflt_delta: b.minflt - a.minflt, majflt_delta: b.majflt - a.majflt };
  if ('byte_sum' in ref) {
    if (!w.sum) throw new Error('byte_sum needs the range that was read');
    actual['byte_sum'] = byteSum(
      regionAt(run, w.to, w.proc, w.sum.region),
      w.sum.first,
      w.sum.count,
      w.sum.stride,
    );
  }
  expect.soft(actual).toEqual(deterministic(ref));
}

const STATUS_FIELDS: Record<string, string> = {
  VmSize_kB: 'VmSize',
  VmRSS_kB: 'VmRSS',
  RssAnon_kB: 'RssAnon',
  RssFile_kB: 'RssFile',
  RssShmem_kB: 'RssShmem',
  VmPTE_kB: 'VmPTE',
};

function statusDelta(a: ProcSnap, b: ProcSnap): JObj {
  const out: JObj = {};
  for (const [k, f] of Object.entries(STATUS_FIELDS)) out[k] = (b.status[f] ?? NaN) - (a.status[f] ?? NaN);
  return out;
}

/** A `status_delta*` object: /proc/<pid>/status deltas (kB) between two marks. */
function expectStatusDelta(run: OracleRun, ref: JObj, w: Window): void {
  expect.soft(statusDelta(procAt(run, w.from, w.proc), procAt(run, w.to, w.proc))).toEqual(ref);
}

/**
 * A view ({stat_minflt_total, status, smaps, pagemap}) of one process's region. Its absolute
 * stat_minflt_total and status are whole-process values of a libc program (the JSON's `varying`
 * says: use the *_delta objects), so only smaps and the pagemap summary are compared.
 */
function expectView(run: OracleRun, ref: JObj, w: { mark: string; proc: string; region: string }): void {
  const p = procAt(run, w.mark, w.proc);
  const r = regionAt(run, w.mark, w.proc, w.region);
  const refSmaps = deterministic(obj(ref, 'smaps'), SMAPS_SKIPPED);
  expect.soft({ smaps: smapsLike(p, r.start, refSmaps), pagemap: pagemapSummary(r) }).toEqual({
    smaps: refSmaps,
    pagemap: refPagemap(obj(ref, 'pagemap')),
  });
}

/** A `j_pfn_compare` object between two snapshots of a region (same or different process). */
function expectPfnCompare(
  run: OracleRun,
  ref: JObj,
  a: [string, string],
  b: [string, string],
  region: string,
) {
  expect.soft(pfnCompare(regionAt(run, a[0], a[1], region), regionAt(run, b[0], b[1], region))).toEqual(ref);
}

/**
 * Event counters the README calls clean on the shared machine, and the shmem gauges only the
 * shared-anon scenario moves. Every other vmstat_delta_systemwide key (pgfault, pgalloc_*, pgfree,
 * nr_free_pages, nr_anon_pages, nr_page_table_pages, nr_zone_*) also counted other processes of
 * the machine the oracle ran on (README.md, `varying`), so it is not compared.
 */
const CLEAN_VMSTAT = (k: string) =>
  k.startsWith('thp_') ||
  ['pgreuse', 'pgmajfault', 'cow_ksm', 'nr_shmem', 'nr_mapped', 'nr_anon_transparent_hugepages'].includes(k);

/**
 * The clean counters of a vmstat_delta_systemwide object, as deltas of the emulator's /proc/vmstat
 * between two marks. `noisy` names counters this particular phase got from the oracle's own
 * process, with the reason.
 */
function expectVmstat(
  run: OracleRun,
  ref: JObj,
  from: string,
  to: string,
  noisy: Record<string, string> = {},
): void {
  const a = snapAt(run, from).vmstat;
  const b = snapAt(run, to).vmstat;
  const actual: JObj = {};
  const expected: JObj = {};
  for (const [k, v] of Object.entries(ref)) {
    if (!CLEAN_VMSTAT(k) || k in noisy) continue;
    if (!(k in a)) throw new Error(`vmstat counter ${k} is not snapshotted`);
    actual[k] = b[k]! - a[k]!;
    expected[k] = v;
  }
  expect.soft(actual).toEqual(expected);
}

/** pgreuse during fork(): the oracle's own stack pages, reused by writes right after fork(). */
const FORK_WARMUP_PGREUSE = {
  pgreuse:
    "the oracle's puppet warms up its stack after fork(): the parent's own write-protected stack pages are reused (70), not the region's",
};

const SIGNALS: Record<string, number> = { SIGSEGV: 11, SIGBUS: 7, SIGKILL: 9 };
const SI_CODES: Record<string, number> = { SEGV_MAPERR: 1, SEGV_ACCERR: 2 };

/**
 * A child access record of mprotect_signals.c. The emulator has no signal handlers: the signal's
 * default action kills the child and the runner reports "killed by SIG (si_code) at si_addr".
 * Compared: whether a signal came, its number, si_code, si_addr, the child's minor faults for the
 * access, and the wait status (/proc/<pid>/stat exit_code). Not compared: the handler's own exit
 * code (42, the oracle's choice), child_reported and si_errno (the emulator keeps no siginfo
 * beyond code and address).
 */
function expectAccess(run: OracleRun, ref: JObj, w: Window & { exited?: string }): void {
  const a = procAt(run, w.from, w.proc);
  const b = procAt(run, w.to, w.proc);
  const k = /^killed by (SIG\w+)(?: \((\w+)\))? at (0x[0-9a-f]+)/.exec(b.exit ?? '');
  const handled = ref['sigsegv_handler_installed'] === true;
  const actual: JObj = {};
  const expected: JObj = {};
  const put = (key: string, v: Json) => {
    if (key in ref) {
      actual[key] = v;
      expected[key] = ref[key]!;
    }
  };
  if (handled) {
    put('got_signal', k !== null);
    if (k) {
      put('si_signo', SIGNALS[k[1]!] ?? k[1]!);
      put('si_code', SI_CODES[k[2] ?? ''] ?? k[2] ?? null);
      put('si_code_name', k[2] ?? null);
      put('si_addr', k[3]!);
      put('si_addr_equals_access_addr', k[3] === ref['addr']);
    }
    put('child_minflt_delta_for_the_access', b.minflt - a.minflt);
    if (ref['got_signal'] === false) {
      // Allowed: the child lives on and exits normally later (exit status 0).
      const e = procAt(run, w.exited ?? w.to, w.proc);
      put('exited', !e.alive && e.exit === 'exited');
      put('killed_by_signal', k !== null);
      // exit(0): the wait status is (0 & 0xff) << 8 = 0 (do_group_exit), /proc/<pid>/stat field 52
      actual['stat_exit_code_field_52'] = e.exitCode;
      expected['stat_exit_code_field_52'] = num(ref, 'exit_code') << 8;
    }
  } else {
    put('killed_by_signal', k !== null);
    put('exited', !b.alive && b.exit === 'exited');
    if (k) {
      put('termsig', SIGNALS[k[1]!] ?? k[1]!);
      put('termsig_name', k[1]!);
    }
    put('core_dumped', (b.exitCode & 0x80) !== 0);
    // The wait status of a process killed by signal N without a core dump is N: do_exit(signr)
    // stores it in task->exit_code, which /proc/<pid>/stat prints as field 52.
    actual['stat_exit_code_field_52'] = b.exitCode;
    expected['stat_exit_code_field_52'] = num(ref, 'termsig') | (ref['core_dumped'] === true ? 0x80 : 0);
  }
  expect.soft(actual).toEqual(expected);
}

/**
 * Child minus parent of the absolute status values in a `right_after_fork` record. Absolute values
 * are whole-process values, but the oracle's post-fork warm-up makes everything outside the region
 * identical in both processes (in fork-cow every field is equal), so the difference is exactly
 * what fork() did or did not give the child in the region.
 */
function expectChildMinusParent(
  run: OracleRun,
  ref: JObj,
  w: { mark: string; parent: string; child: string },
) {
  const expected: JObj = {};
  for (const k of Object.keys(STATUS_FIELDS))
    expected[k] = num(ref, `child.status.${k}`) - num(ref, `parent.status.${k}`);
  const s = snapAt(run, w.mark);
  expect.soft(statusDelta(s.procs.get(w.parent)!, s.procs.get(w.child)!)).toEqual(expected);
}

/**
 * Every `expect` of the .mm file held, and every mmap/mprotect/madvise/fork returned 0 as in the
 * record (*_rc, *_errno): the runner prints "<proc>: <call>: <errno>" when one fails.
 */
function expectScenarioClean(run: OracleRun): void {
  expect.soft(run.failures).toEqual([]);
  expect.soft(run.out.split('\n').filter((l) => /^\S+: (mmap|mprotect|madvise|fork)\b/.test(l))).toEqual([]);
}

/**
 * A child that exited normally with `status` (the oracle's child_exit_status): its wait status,
 * which /proc/<pid>/stat prints as field 52 (exit_code), is status << 8 (do_group_exit()).
 */
function expectExited(run: OracleRun, mark: string, proc: string, status: number): void {
  const p = procAt(run, mark, proc);
  expect.soft({ exited: !p.alive && p.exit === 'exited', stat_exit_code_field_52: p.exitCode }).toEqual({
    exited: true,
    stat_exit_code_field_52: status << 8,
  });
}

// =================================================================================================

describe('env: the machine the records were taken on', () => {
  // Every kernel-6.18 record repeats the same env object; zero-page-read-then-write.json has its own.
  const names = [
    'dontneed-after-read',
    'dontneed-after-write',
    'fork-cow',
    'fork-then-parent-writes-first',
    'fork-zero-page',
    'mprotect-then-write',
    'munmap-exit',
    'populate-madv-populate-read',
    'populate-madv-populate-write',
    'populate-map-populate',
    'shared-anon',
    'thp-dontneed-in-huge-zero',
    'thp-dontneed-in-thp',
    'thp-fork-child-writes',
    'thp-huge-zero-read-then-write',
    'thp-zero-page-alloc',
    'thp-zero-page-alloc-first-of-boot',
  ];
  // the machine every scenarios/oracle/*.mm file asks for
  let m: Machine;
  beforeAll(() => {
    m = new Machine({ ram: 1 << 30, cpus: 2 });
    m.boot();
  });

  it.each(names)(
    '%s: 4 KiB pages, 4-level paging, THP madvise, zero page ZERO_PAGE|RESERVED kpagecount 0',
    (name) => {
      const env = obj(kernelRef(name), 'env');
      const zero = Number(m.vars.get('zero_page_pfn'));
      expect
        .soft({
          machine: 'x86_64',
          page_size: m.pageSize,
          la57_5level_paging: m.pgtableArch.levels === 5 ? 1 : 0,
          thp_enabled: m.cfg.thp,
          zero_page_kpageflags: hex(kpageflags(m, zero)),
          zero_page_kpagecount: kpagecount(m, zero),
        })
        .toEqual({
          machine: env['machine']!,
          page_size: env['page_size']!,
          la57_5level_paging: env['la57_5level_paging']!,
          thp_enabled: env['thp_enabled']!,
          zero_page_kpageflags: env['zero_page_kpageflags']!,
          zero_page_kpagecount: env['zero_page_kpagecount']!,
        });
    },
  );
});

describe('zero-page-read-then-write (S1, S2)', () => {
  const ref = loadJson('reference/zero-page-read-then-write.json');
  const env = obj(ref, 'env');
  /** pages of the region S2 wrote: every 16th */
  const written = (i: number) => i % 16 === 0;
  const run = oracleRun('zero-page-read-then-write', {
    'S1.after_read': (m, s) => {
      const r = s.procs.get('A')!.regions.get('r1')!;
      const zero = (va: number) => {
        const pfn = Number(pagemapEntry(m, s.procs.get('A')!.task.mm!, va) & PFN_MASK);
        for (let o = 0; o < m.pageSize; o++) if (m.ram.readU8(pfn * m.pageSize + o)) return false;
        return true;
      };
      return { content_all_zero_first_last_page: zero(r.start) && zero(r.start + r.len - m.pageSize) };
    },
    'S2.after_write': (m, s) => {
      const p = s.procs.get('A')!;
      const r = p.regions.get('r1')!;
      let ok = true;
      for (let i = 0; i < r.len / m.pageSize; i += 16) {
        const pfn = Number(pagemapEntry(m, p.task.mm!, r.start + i * m.pageSize) & PFN_MASK);
        for (let o = 1; o < m.pageSize && ok; o++) if (m.ram.readU8(pfn * m.pageSize + o)) ok = false;
      }
      return { written_pages_otherwise_zero: ok };
    },
  });

  /** The S1/S2 pagemap summary (an earlier revision of j_pagemap, with its own keys). */
  function s1Pagemap(r: RegionSnap, refPm: JObj): JObj {
    const s = pagemapSummary(r);
    let asc = 0;
    let desc = 0;
    r.entries.forEach((e, i) => {
      const n = r.entries[i + 1];
      if (!(e & PM_PRESENT) || n === undefined || !(n & PM_PRESENT)) return;
      if ((n & PFN_MASK) === (e & PFN_MASK) + 1n) asc++;
      else if ((n & PFN_MASK) + 1n === (e & PFN_MASK)) desc++;
    });
    const zero = (s['present_4k_zero_page'] as number) + (s['present_huge_zero_folio'] as number);
    const out: JObj = {
      pages: s['pages']!,
      present: s['present']!,
      not_present: s['not_present']!,
      distinct_pfns: s['distinct_pfns']!,
      present_with_KPF_ZERO_PAGE: zero,
      present_not_zero_page: (s['present'] as number) - zero,
      present_with_KPF_THP: r.flags.filter((f) => f & bit(KPF.THP)).length,
      present_with_KPF_ANON: s['kpf_anon']!,
      pm_exclusive_bit56: s['pm_exclusive_bit56']!,
      pm_file_or_shared_bit61: s['pm_file_or_shared_bit61']!,
      pm_swapped_bit62: s['pm_swapped_bit62']!,
      pm_uffd_wp_bit57: s['pm_uffd_wp_bit57']!,
      // Adjacent pfns: deterministic here, as every written page sits between zero-page entries.
      pfn_ascending_adjacent_pairs: asc,
      pfn_descending_adjacent_pairs: desc,
      pfns_visible: true,
    };
    if ('distinct' in refPm) {
      const byPfn = new Map<bigint, { n: number; i: number }>();
      r.entries.forEach((e, i) => {
        if (!(e & PM_PRESENT)) return;
        const d = byPfn.get(e & PFN_MASK);
        if (d) d.n++;
        else byPfn.set(e & PFN_MASK, { n: 1, i });
      });
      out['distinct'] = [...byPfn].map(([pfn, d]) => ({
        pfn: Number(pfn),
        mapped_ptes: d.n,
        kpageflags: hex(r.flags[d.i]!),
        kpagecount: r.counts[d.i]!,
      }));
    }
    return out;
  }

  function refS1Pagemap(refPm: JObj): JObj {
    const out = deterministic(refPm);
    if (Array.isArray(refPm['distinct']))
      // the kpf name lists repeat kpageflags in words
      out['distinct'] = refPm['distinct'].map((d) => (isObj(d) ? deterministic(d, ['kpf']) : d));
    return out;
  }

  const procDelta = (from: string, to: string): JObj => {
    const a = procAt(run(), from, 'A');
    const b = procAt(run(), to, 'A');
    const rollup = (p: ProcSnap, f: string) => p.rollup[f] ?? NaN;
    return {
      // The emulator serves no /proc/<pid>/statm; its resident field is stat field 24.
      statm_rss_pages: b.rssPages - a.rssPages,
      VmRSS_kB: b.status['VmRSS']! - a.status['VmRSS']!,
      RssAnon_kB: b.status['RssAnon']! - a.status['RssAnon']!,
      VmPTE_kB: b.status['VmPTE']! - a.status['VmPTE']!,
      rollup_Rss_kB: rollup(b, 'Rss') - rollup(a, 'Rss'),
      rollup_Anonymous_kB: rollup(b, 'Anonymous') - rollup(a, 'Anonymous'),
      rollup_AnonHugePages_kB: rollup(b, 'AnonHugePages') - rollup(a, 'AnonHugePages'),
    };
  };

  const s1View = (mark: string, refPath: string) => {
    const r = regionAt(run(), mark, 'A', 'r1');
    const refSmaps = deterministic(obj(ref, `${refPath}.smaps`), SMAPS_SKIPPED);
    expect
      .soft({
        smaps: smapsLike(procAt(run(), mark, 'A'), r.start, refSmaps),
        pagemap: s1Pagemap(r, obj(ref, `${refPath}.pagemap`)),
      })
      .toEqual({ smaps: refSmaps, pagemap: refS1Pagemap(obj(ref, `${refPath}.pagemap`)) });
  };

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('S1 after mmap, before touch: no change but VmSize; pagemap empty', () => {
    expect
      .soft(procDelta('S1.before_mmap', 'S1.after_mmap_before_touch'))
      .toEqual(obj(ref, 'S1.after_mmap_before_touch.proc_delta_vs_before_mmap'));
    s1View('S1.after_mmap_before_touch', 'S1.after_mmap_before_touch');
  });

  it('S1 read 16384 pages: minflt 16384, RSS 0, VmPTE +128 kB, all on the zero page', () => {
    const A = (mark: string) => procAt(run(), mark, 'A');
    expect
      .soft(A('S1.after_read').minflt - A('S1.after_mmap_before_touch').minflt)
      .toBe(num(ref, 'S1.after_read.minflt_delta'));
    expect
      .soft(byteSum(regionAt(run(), 'S1.after_read', 'A', 'r1'), 0, 16384))
      .toBe(num(ref, 'S1.after_read.byte_sum'));
    expect
      .soft(procDelta('S1.after_mmap_before_touch', 'S1.after_read'))
      .toEqual(obj(ref, 'S1.after_read.proc_delta'));
    s1View('S1.after_read', 'S1.after_read');
    // vmstat_delta_systemwide: only thp_* are clean (pgfault/pgalloc/nr_* are system wide)
    expectVmstat(
      run(),
      obj(ref, 'S1.after_read.vmstat_delta_systemwide'),
      'S1.after_mmap_before_touch',
      'S1.after_read',
    );
  });

  it('S1 second read pass: 0 faults; the zero page is ZERO_PAGE|RESERVED, kpagecount 0; pages read 0', () => {
    const A = (mark: string) => procAt(run(), mark, 'A');
    expect
      .soft(A('S1.after_second_read').minflt - A('S1.after_read').minflt)
      .toBe(num(ref, 'S1.second_read_pass_minflt_delta'));
    const zp = obj(ref, 'S1.zero_page');
    const pfn = Number(run().machine.vars.get('zero_page_pfn'));
    expect
      .soft({
        pfn,
        kpageflags: hex(kpageflags(run().machine, pfn)),
        KPF_ZERO_PAGE_bit24: (kpageflags(run().machine, pfn) & bit(KPF.ZERO_PAGE)) !== 0n,
        kpagecount: kpagecount(run().machine, pfn),
      })
      .toEqual({
        pfn: zp['pfn']!,
        kpageflags: zp['kpageflags']!,
        KPF_ZERO_PAGE_bit24: zp['KPF_ZERO_PAGE_bit24']!,
        kpagecount: zp['kpagecount']!,
      });
    expect
      .soft(snapAt(run(), 'S1.after_read').probe['content_all_zero_first_last_page'])
      .toBe(at(ref, 'S1.content_all_zero_first_last_page'));
    // env: a pagemap entry of a zero-page mapping is present + pfn, no other bit
    const r = regionAt(run(), 'S1.after_read', 'A', 'r1');
    expect.soft(hex(r.entries[0]!)).toBe(env['pagemap_entry_zero_mapped']);
  });

  it('S2 write every 16th page: minflt 1024, RSS +4096 kB, 1025 distinct pfns, VmPTE unchanged', () => {
    const A = (mark: string) => procAt(run(), mark, 'A');
    expect
      .soft(A('S2.after_write').minflt - A('S1.after_second_read').minflt)
      .toBe(num(ref, 'S2.minflt_delta'));
    expect
      .soft(A('S2.after_rewrite').minflt - A('S2.after_write').minflt)
      .toBe(num(ref, 'S2.rewrite_same_pages_minflt_delta'));
    expect.soft(procDelta('S1.after_second_read', 'S2.after_write')).toEqual(obj(ref, 'S2.proc_delta'));
    s1View('S2.after_write', 'S2');
    expectVmstat(run(), obj(ref, 'S2.vmstat_delta_systemwide'), 'S1.after_second_read', 'S2.after_write');
  });

  it('S2 written pages: new exclusive anon pages, kpagecount 1; unwritten pages still on the zero page', () => {
    const before = regionAt(run(), 'S1.after_second_read', 'A', 'r1');
    const after = regionAt(run(), 'S2.after_write', 'A', 'r1');
    const zeroPfn = BigInt(num(ref, 'S2.zero_pfn'));
    const c = {
      pages_written: 0,
      zero_mapped_before_write: before.entries.filter((e) => (e & PFN_MASK) === zeroPfn).length,
      written_pages_now_new_pfn: 0,
      written_pages_still_zero_pfn: 0,
      written_pages_exclusive_bit: 0,
      written_pages_KPF_ANON: 0,
      written_pages_kpagecount_1: 0,
      unwritten_pages_still_zero_pfn: 0,
      unwritten_pages_changed: 0,
      zero_mapped_decrease: 0,
    };
    after.entries.forEach((e, i) => {
      const b = before.entries[i]!;
      if (written(i)) {
        c.pages_written++;
        if ((e & PFN_MASK) !== (b & PFN_MASK)) c.written_pages_now_new_pfn++;
        if ((e & PFN_MASK) === zeroPfn) c.written_pages_still_zero_pfn++;
        if (e & PM_MMAP_EXCLUSIVE) c.written_pages_exclusive_bit++;
        if (after.flags[i]! & bit(KPF.ANON)) c.written_pages_KPF_ANON++;
        if (after.counts[i] === 1) c.written_pages_kpagecount_1++;
      } else {
        if ((e & PFN_MASK) === zeroPfn) c.unwritten_pages_still_zero_pfn++;
        if ((e & PFN_MASK) !== (b & PFN_MASK)) c.unwritten_pages_changed++;
      }
    });
    c.zero_mapped_decrease =
      c.zero_mapped_before_write - after.entries.filter((e) => (e & PFN_MASK) === zeroPfn).length;
    const s2 = obj(ref, 'S2');
    // written_pages_KPF_LRU (LRU batching) and written_seq_pfn_* (allocation order) vary.
    const expected: JObj = {};
    for (const k of Object.keys(c)) expected[k] = s2[k]!;
    expect.soft(c).toEqual(expected);
    expect
      .soft(snapAt(run(), 'S2.after_write').probe['written_pages_otherwise_zero'])
      .toBe(s2['written_pages_otherwise_zero']);
  });

  it('S2 first written / first unwritten page: pagemap bits, kpageflags (LRU masked), kpagecount', () => {
    const after = regionAt(run(), 'S2.after_write', 'A', 'r1');
    const page = (i: number): JObj => {
      const e = after.entries[i]!;
      return {
        present: (e & PM_PRESENT) !== 0n,
        exclusive: (e & PM_MMAP_EXCLUSIVE) !== 0n,
        file_or_shared: (e & PM_FILE) !== 0n,
        kpageflags: hex(after.flags[i]! & ~KPF_VOLATILE),
        kpagecount: after.counts[i]!,
      };
    };
    const refPage = (p: JObj): JObj => ({
      present: p['present']!,
      exclusive: p['exclusive']!,
      file_or_shared: p['file_or_shared']!,
      // raw kpageflags: the LRU bit depends on whether the LRU batch was drained
      kpageflags: hex(BigInt(p['kpageflags'] as string) & ~KPF_VOLATILE),
      kpagecount: p['kpagecount']!,
    });
    expect.soft(page(0)).toEqual(refPage(obj(ref, 'S2.first_written_page')));
    expect.soft(page(1)).toEqual(refPage(obj(ref, 'S2.first_unwritten_page')));
    // the unwritten page is the zero page itself (its pfn is the same on this boot)
    expect.soft(Number(after.entries[1]! & PFN_MASK)).toBe(num(ref, 'S2.first_unwritten_page.pfn'));
    // env: a freshly written page and its pagemap entry's flag bits (pfn masked)
    expect.soft(hex(after.flags[0]! & ~KPF_VOLATILE)).toBe(env['fresh_written_page_kpageflags']);
    expect
      .soft(hex(after.entries[0]! & ~PFN_MASK))
      .toBe(hex(BigInt(env['pagemap_entry_written'] as string) & ~PFN_MASK));
  });
});

/**
 * fork-cow (A1, child writes first) and fork-then-parent-writes-first (A2): the same program with
 * the two writers swapped. A is the parent, B the child; r1 the 16 MiB region in slot 0.
 */
function forkCowSuite(name: string, first: 'parent' | 'child') {
  const second = first === 'child' ? 'parent' : 'child';
  const P = { parent: 'A', child: 'B' } as const;
  const phase1 = first === 'child' ? 'after_child_writes_first' : 'after_parent_writes_first';
  const phase2 = first === 'child' ? 'after_parent_writes_second' : 'after_child_writes_second';

  describe(name, () => {
    const ref = kernelRef(name);
    const run = oracleRun(name);
    const view = (phase: string, who: 'parent' | 'child', refPath = `${phase}.${who}`) =>
      expectView(run(), obj(ref, refPath), { mark: phase, proc: P[who], region: 'r1' });

    it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

    it('parent_after_initial_write: write_all minflt 4096; RssAnon +16384 kB, VmPTE +40 kB', () => {
      expectMeasured(run(), obj(ref, 'parent_after_initial_write.write_all'), {
        proc: 'A',
        from: 'before_write',
        to: 'parent_after_initial_write',
      });
      expectStatusDelta(run(), obj(ref, 'parent_after_initial_write.status_delta_vs_before_mmap'), {
        proc: 'A',
        from: 'before_mmap',
        to: 'parent_after_initial_write',
      });
      expectVmstat(
        run(),
        obj(ref, 'parent_after_initial_write.vmstat_delta_systemwide'),
        'before_write',
        'parent_after_initial_write',
      );
    });

    it('parent_after_initial_write: view (4096 exclusive anon pages, kpagecount 1)', () =>
      view('parent_after_initial_write', 'parent', 'parent_after_initial_write.view'));

    it('right_after_fork: parent status unchanged; parent and child views (all shared, kpagecount 2)', () => {
      expectStatusDelta(run(), obj(ref, 'right_after_fork.parent_status_delta_vs_before_fork'), {
        proc: 'A',
        from: 'parent_after_initial_write',
        to: 'right_after_fork',
      });
      view('right_after_fork', 'parent');
      view('right_after_fork', 'child');
    });

    it('right_after_fork: the child status equals the parent status (child minus parent, absolute)', () =>
      expectChildMinusParent(run(), obj(ref, 'right_after_fork'), {
        mark: 'right_after_fork',
        parent: 'A',
        child: 'B',
      }));

    it('right_after_fork: compare (child maps every parent pfn; parent pfns unchanged by fork)', () => {
      expect
        .soft(
          pfnEqualCount(
            regionAt(run(), 'right_after_fork', 'A', 'r1'),
            regionAt(run(), 'right_after_fork', 'B', 'r1'),
          ),
        )
        .toBe(num(ref, 'right_after_fork.compare.child_pfn_equals_parent_pfn'));
      expectPfnCompare(
        run(),
        obj(ref, 'right_after_fork.compare.parent_vs_before_fork'),
        ['parent_after_initial_write', 'A'],
        ['right_after_fork', 'A'],
        'r1',
      );
      // vmstat_delta_systemwide_fork: pgreuse 70 is the oracle's own stack (see FORK_WARMUP_PGREUSE)
      expectVmstat(
        run(),
        obj(ref, 'right_after_fork.vmstat_delta_systemwide_fork'),
        'parent_after_initial_write',
        'right_after_fork',
        FORK_WARMUP_PGREUSE,
      );
    });

    for (const [phase, writer, prev] of [
      [phase1, first, 'right_after_fork'],
      [phase2, second, phase1],
    ] as const) {
      const copies = phase === phase1;
      it(`${phase}: the ${writer} writes all: minflt 4096; neither status changes`, () => {
        expectMeasured(run(), obj(ref, `${phase}.writer_write_all`), {
          proc: P[writer],
          from: prev,
          to: phase,
        });
        expect.soft(at(ref, `${phase}.writer`)).toBe(writer);
        expectStatusDelta(run(), obj(ref, `${phase}.parent_status_delta`), {
          proc: 'A',
          from: prev,
          to: phase,
        });
        expectStatusDelta(run(), obj(ref, `${phase}.child_status_delta`), {
          proc: 'B',
          from: prev,
          to: phase,
        });
        expectVmstat(run(), obj(ref, `${phase}.vmstat_delta_systemwide`), prev, phase);
      });
      it(`${phase}: parent and child views (${copies ? 'the writer copied' : 'the writer reused'})`, () => {
        view(phase, 'parent');
        view(phase, 'child');
      });
      it(`${phase}: compare (${copies ? 'every writer pfn new' : 'no pfn changed'})`, () => {
        const c = obj(ref, `${phase}.compare`);
        expectPfnCompare(run(), obj(c, 'parent_pfns_vs_previous_phase'), [prev, 'A'], [phase, 'A'], 'r1');
        expectPfnCompare(run(), obj(c, 'child_pfns_vs_previous_phase'), [prev, 'B'], [phase, 'B'], 'r1');
        const r = (mark: string, proc: string) => regionAt(run(), mark, proc, 'r1');
        const original = r('parent_after_initial_write', 'A');
        expect
          .soft({
            child_pfn_equals_parent_pfn: pfnEqualCount(r(phase, 'A'), r(phase, 'B')),
            parent_pfn_equals_original_pfn: pfnEqualCount(r(phase, 'A'), original),
            child_pfn_equals_original_pfn: pfnEqualCount(r(phase, 'B'), original),
          })
          .toEqual(deterministic(c, ['parent_pfns_vs_previous_phase', 'child_pfns_vs_previous_phase']));
      });
    }

    it('final_reads: no faults; the child reads its 2s, the parent its 3s', () => {
      const sum = { region: 'r1', first: 0, count: 4096 };
      expectMeasured(run(), obj(ref, 'final_reads.child_read_all'), {
        proc: 'B',
        from: phase2,
        to: 'after_child_read_all',
        sum,
      });
      expectMeasured(run(), obj(ref, 'final_reads.parent_read_all'), {
        proc: 'A',
        from: 'after_child_read_all',
        to: 'after_parent_read_all',
        sum,
      });
      const r = (proc: string) => regionAt(run(), 'after_parent_read_all', proc, 'r1');
      expect
        .soft({
          child_sees_its_2s: r('B').firstBytes.every((b) => b === 2),
          parent_sees_its_3s: r('A').firstBytes.every((b) => b === 3),
        })
        .toEqual({
          child_sees_its_2s: at(ref, 'final_reads.child_sees_its_2s'),
          parent_sees_its_3s: at(ref, 'final_reads.parent_sees_its_3s'),
        });
    });
    it('child_exit_status: the child exits with status 0', () =>
      expectExited(run(), 'after_child_exit', 'B', num(ref, 'child_exit_status')));
    // `checks` are booleans derived from the counts above.
  });
}

forkCowSuite('fork-cow', 'child');
forkCowSuite('fork-then-parent-writes-first', 'parent');

describe('fork-zero-page', () => {
  const ref = kernelRef('fork-zero-page');
  const run = oracleRun('fork-zero-page');

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  for (const part of ['no_anon_vma', 'with_anon_vma'] as const) {
    const child = part === 'no_anon_vma' ? 'B' : 'C';
    const region = part === 'no_anon_vma' ? 'r1' : 'r2';
    const R = (p: string) => obj(ref, `${part}.${p}`);
    const M = (p: string) => `${part}.${p}`;
    const view = (phase: string, who: 'parent' | 'child', refPath = `${phase}.${who}`) =>
      expectView(run(), R(refPath), { mark: M(phase), proc: who === 'parent' ? 'A' : child, region });

    if (part === 'with_anon_vma')
      it('with_anon_vma: parent_write_page0 minflt 1 (gives the VMA its anon_vma)', () =>
        expectMeasured(run(), R('parent_write_page0'), {
          proc: 'A',
          from: M('before_write_page0'),
          to: M('before_read'),
        }));

    it(`${part}: parent_after_read: minflt ${part === 'no_anon_vma' ? 4096 : 4095}, zero page, VmPTE +40 kB`, () => {
      const readAll = part === 'no_anon_vma' ? 'read_all' : 'read_pages_1_to_4095';
      expectMeasured(run(), R(`parent_after_read.${readAll}`), {
        proc: 'A',
        from: M('before_read'),
        to: M('parent_after_read'),
        sum: { region, first: part === 'no_anon_vma' ? 0 : 1, count: part === 'no_anon_vma' ? 4096 : 4095 },
      });
      // status_delta_vs_before_touch: taken before page 0 was written (with_anon_vma)
      expectStatusDelta(run(), R('parent_after_read.status_delta_vs_before_touch'), {
        proc: 'A',
        from: M(part === 'no_anon_vma' ? 'before_read' : 'before_write_page0'),
        to: M('parent_after_read'),
      });
      view('parent_after_read', 'parent', 'parent_after_read.view');
      // with_anon_vma: pgreuse 3 is the oracle's own stack after part A's fork and child exit
      expectVmstat(
        run(),
        R('parent_after_read.vmstat_delta_systemwide'),
        M('before_read'),
        M('parent_after_read'),
        part === 'with_anon_vma'
          ? {
              pgreuse: "the oracle's own stack pages, write-protected by part A's fork (3), not the region's",
            }
          : {},
      );
    });

    it(`${part}: right_after_fork: ${part === 'no_anon_vma' ? 'the child has no PTE' : 'all 4096 PTEs copied'}`, () => {
      view('right_after_fork', 'parent');
      view('right_after_fork', 'child');
      expect
        .soft(
          pfnEqualCount(
            regionAt(run(), M('right_after_fork'), 'A', region),
            regionAt(run(), M('right_after_fork'), child, region),
          ),
        )
        .toBe(num(ref, `${part}.right_after_fork.child_pfn_equals_parent_pfn`));
      expectVmstat(
        run(),
        R('right_after_fork.vmstat_delta_systemwide_fork'),
        M('parent_after_read'),
        M('right_after_fork'),
        FORK_WARMUP_PGREUSE,
      );
    });

    it(`${part}: right_after_fork: child minus parent status (${part === 'no_anon_vma' ? 'VmPTE -40 kB' : 'equal'})`, () =>
      expectChildMinusParent(run(), R('right_after_fork'), {
        mark: M('right_after_fork'),
        parent: 'A',
        child,
      }));

    it(`${part}: after_child_reads_all: child minflt ${part === 'no_anon_vma' ? 4096 : 0}`, () => {
      expectMeasured(run(), R('after_child_reads_all.child_read_all'), {
        proc: child,
        from: M('right_after_fork'),
        to: M('after_child_reads_all'),
        sum: { region, first: 0, count: 4096 },
      });
      expectStatusDelta(run(), R('after_child_reads_all.child_status_delta_vs_fork'), {
        proc: child,
        from: M('right_after_fork'),
        to: M('after_child_reads_all'),
      });
      view('after_child_reads_all', 'child');
      expectVmstat(
        run(),
        R('after_child_reads_all.vmstat_delta_systemwide'),
        M('right_after_fork'),
        M('after_child_reads_all'),
      );
    });

    it(`${part}: after_child_writes_every_4th_page: minflt 1024, RssAnon +${part === 'no_anon_vma' ? 4096 : 4092} kB`, () => {
      expectMeasured(run(), R('after_child_writes_every_4th_page.child_write_pages_0_4_8_etc'), {
        proc: child,
        from: M('after_child_reads_all'),
        to: M('after_child_writes_every_4th_page'),
      });
      expectStatusDelta(run(), R('after_child_writes_every_4th_page.child_status_delta_vs_previous'), {
        proc: child,
        from: M('after_child_reads_all'),
        to: M('after_child_writes_every_4th_page'),
      });
      expectStatusDelta(run(), R('after_child_writes_every_4th_page.child_status_delta_vs_fork'), {
        proc: child,
        from: M('right_after_fork'),
        to: M('after_child_writes_every_4th_page'),
      });
      expectVmstat(
        run(),
        R('after_child_writes_every_4th_page.vmstat_delta_systemwide'),
        M('after_child_reads_all'),
        M('after_child_writes_every_4th_page'),
      );
    });

    it(`${part}: after_child_writes_every_4th_page: child and parent views, shared pfns`, () => {
      view('after_child_writes_every_4th_page', 'child');
      view('after_child_writes_every_4th_page', 'parent');
      const s = M('after_child_writes_every_4th_page');
      expect
        .soft(pfnEqualCount(regionAt(run(), s, 'A', region), regionAt(run(), s, child, region)))
        .toBe(num(ref, `${part}.after_child_writes_every_4th_page.child_pfn_equals_parent_pfn`));
    });

    it(`${part}: child_reread_all: no fault, byte sum 1024 * 5`, () => {
      expectMeasured(run(), R('child_reread_all'), {
        proc: child,
        from: M('after_child_writes_every_4th_page'),
        to: M('after_child_reread_all'),
        sum: { region, first: 0, count: 4096 },
      });
      expect
        .soft(byteSum(regionAt(run(), M('after_child_reread_all'), child, region), 0, 4096) === 5 * 1024)
        .toBe(at(ref, `${part}.child_sum_is_1024_times_5`));
    });

    it(`${part}: child_exit_status: the child exits with status 0`, () =>
      expectExited(run(), M('after_child_exit'), child, num(ref, `${part}.child_exit_status`)));
  }
});

function dontneedSuite(name: 'dontneed-after-read' | 'dontneed-after-write') {
  const wrote = name === 'dontneed-after-write';
  const first = wrote ? 'after_write_all' : 'after_read_all';
  describe(name, () => {
    const ref = kernelRef(name);
    const run = oracleRun(name, {
      // every byte of pages 1024..3071 reads 0 after MADV_DONTNEED and the re-read
      after_reread_middle: (m, s) => {
        const p = s.procs.get('A')!;
        const r = p.regions.get('r1')!;
        let zero = true;
        for (let i = 1024; i < 3072 && zero; i++) {
          const e = pagemapEntry(m, p.task.mm!, r.start + i * m.pageSize);
          const pa = Number(e & PFN_MASK) * m.pageSize;
          for (let o = 0; o < m.pageSize; o += 4) if (m.ram.readU32(pa + o)) zero = false;
        }
        return { middle_content_all_zero: zero };
      },
    });

    it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

    it(`${first}: touch_all minflt 4096; status; view`, () => {
      expectMeasured(run(), obj(ref, `${first}.touch_all`), {
        proc: 'A',
        from: 'after_mmap',
        to: first,
        sum: { region: 'r1', first: 0, count: 4096 },
      });
      expectStatusDelta(run(), obj(ref, `${first}.status_delta_vs_before_mmap`), {
        proc: 'A',
        from: 'before_mmap',
        to: first,
      });
      expectView(run(), obj(ref, `${first}.view`), { mark: first, proc: 'A', region: 'r1' });
      expectVmstat(run(), obj(ref, `${first}.vmstat_delta_systemwide`), 'after_mmap', first);
    });

    it('after_madv_dontneed_middle: madvise takes no fault; VmPTE -16 kB (PT_RECLAIM)', () => {
      expect.soft(at(ref, 'after_madv_dontneed_middle.madvise_rc')).toBe(0);
      expect.soft(run().out).not.toContain('madvise dontneed:');
      expectMeasured(run(), obj(ref, 'after_madv_dontneed_middle.madvise_call'), {
        proc: 'A',
        from: first,
        to: 'after_madv_dontneed_middle',
      });
      expectStatusDelta(run(), obj(ref, 'after_madv_dontneed_middle.status_delta_vs_previous'), {
        proc: 'A',
        from: first,
        to: 'after_madv_dontneed_middle',
      });
      expectVmstat(
        run(),
        obj(ref, 'after_madv_dontneed_middle.vmstat_delta_systemwide'),
        first,
        'after_madv_dontneed_middle',
      );
    });

    it('after_madv_dontneed_middle: view, the middle 2048 pages not present, pfns vs before', () => {
      expectView(run(), obj(ref, 'after_madv_dontneed_middle.view'), {
        mark: 'after_madv_dontneed_middle',
        proc: 'A',
        region: 'r1',
      });
      expect
        .soft(pagemapSummary(regionAt(run(), 'after_madv_dontneed_middle', 'A', 'r1'), 1024, 2048))
        .toEqual(refPagemap(obj(ref, 'after_madv_dontneed_middle.pagemap_middle_pages_1024_3071')));
      expectPfnCompare(
        run(),
        obj(ref, 'after_madv_dontneed_middle.pfns_vs_before_madvise'),
        [first, 'A'],
        ['after_madv_dontneed_middle', 'A'],
        'r1',
      );
    });

    it(`after_reread_middle: minflt 2048, zero page, VmPTE +16 kB, contents 0`, () => {
      expectMeasured(run(), obj(ref, 'after_reread_middle.read_pages_1024_3071'), {
        proc: 'A',
        from: 'after_madv_dontneed_middle',
        to: 'after_reread_middle',
        sum: { region: 'r1', first: 1024, count: 2048 },
      });
      expectStatusDelta(run(), obj(ref, 'after_reread_middle.status_delta_vs_previous'), {
        proc: 'A',
        from: 'after_madv_dontneed_middle',
        to: 'after_reread_middle',
      });
      expectStatusDelta(run(), obj(ref, 'after_reread_middle.status_delta_vs_before_madvise'), {
        proc: 'A',
        from: first,
        to: 'after_reread_middle',
      });
      expectView(run(), obj(ref, 'after_reread_middle.view'), {
        mark: 'after_reread_middle',
        proc: 'A',
        region: 'r1',
      });
      expectPfnCompare(
        run(),
        obj(ref, 'after_reread_middle.pfns_vs_before_madvise'),
        [first, 'A'],
        ['after_reread_middle', 'A'],
        'r1',
      );
      expect
        .soft(snapAt(run(), 'after_reread_middle').probe['middle_content_all_zero'])
        .toBe(at(ref, 'after_reread_middle.middle_content_all_zero'));
      expectVmstat(
        run(),
        obj(ref, 'after_reread_middle.vmstat_delta_systemwide'),
        'after_madv_dontneed_middle',
        'after_reread_middle',
      );
    });

    it(`after_read_outer_pages: no fault; ${wrote ? 'the 0xAB bytes are still there' : 'zeros'}`, () => {
      expectMeasured(run(), obj(ref, 'after_read_outer_pages.read_pages_0_1023'), {
        proc: 'A',
        from: 'after_reread_middle',
        to: 'after_read_pages_0_1023',
        sum: { region: 'r1', first: 0, count: 1024 },
      });
      expectMeasured(run(), obj(ref, 'after_read_outer_pages.read_pages_3072_4095'), {
        proc: 'A',
        from: 'after_read_pages_0_1023',
        to: 'after_read_pages_3072_4095',
        sum: { region: 'r1', first: 3072, count: 1024 },
      });
    });
  });
}

dontneedSuite('dontneed-after-read');
dontneedSuite('dontneed-after-write');

describe('mprotect-then-write', () => {
  const ref = kernelRef('mprotect-then-write');
  const run = oracleRun('mprotect-then-write');
  const view = (mark: string, refPath: string) =>
    expectView(run(), obj(ref, refPath), { mark, proc: 'A', region: 'r1' });
  const A = (from: string, to: string) => ({ proc: 'A', from, to });

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('after_read_all: minflt 1024 on the zero page; VmPTE +16 kB', () => {
    expectMeasured(run(), obj(ref, 'after_read_all.read_all'), {
      ...A('after_mmap', 'after_read_all'),
      sum: { region: 'r1', first: 0, count: 1024 },
    });
    expectStatusDelta(
      run(),
      obj(ref, 'after_read_all.status_delta_vs_before_mmap'),
      A('before_mmap', 'after_read_all'),
    );
    view('after_read_all', 'after_read_all.view');
  });

  it('after_mprotect_read_only: no fault, PTEs unchanged; VmFlags lose wr and ac', () => {
    expect.soft(run().out).not.toContain('A: mprotect:');
    expectMeasured(
      run(),
      obj(ref, 'after_mprotect_read_only.mprotect_call'),
      A('after_read_all', 'after_mprotect_read_only'),
    );
    view('after_mprotect_read_only', 'after_mprotect_read_only.view');
    expectPfnCompare(
      run(),
      obj(ref, 'after_mprotect_read_only.pfns_vs_before'),
      ['after_read_all', 'A'],
      ['after_mprotect_read_only', 'A'],
      'r1',
    );
  });

  it('after_mprotect_read_only: child write with a handler: SIGSEGV SEGV_ACCERR at the address, 0 faults', () =>
    expectAccess(run(), obj(ref, 'after_mprotect_read_only.child_write_with_handler'), {
      proc: 'W1',
      from: 'ro.child_write_with_handler.before',
      to: 'ro.child_write_with_handler.after',
    }));

  it('after_mprotect_read_only: child write, default action: killed by signal 11', () =>
    expectAccess(run(), obj(ref, 'after_mprotect_read_only.child_write_default_action'), {
      proc: 'W2',
      from: 'ro.child_write_default_action.before',
      to: 'ro.child_write_default_action.after',
    }));

  it('after_mprotect_read_only: child read is allowed: 1 fault (fork copied no PTE), exit 0', () =>
    expectAccess(run(), obj(ref, 'after_mprotect_read_only.child_read'), {
      proc: 'R1',
      from: 'ro.child_read.before',
      to: 'ro.child_read.after',
      exited: 'ro.child_read.exited',
    }));

  it('after_mprotect_rw_then_write_all: mprotect no fault; write_all minflt 1024, RssAnon +4096 kB', () => {
    expectMeasured(
      run(),
      obj(ref, 'after_mprotect_rw_then_write_all.mprotect_call'),
      A('ro.child_read.exited', 'after_mprotect_rw'),
    );
    expectMeasured(
      run(),
      obj(ref, 'after_mprotect_rw_then_write_all.write_all'),
      A('after_mprotect_rw', 'after_mprotect_rw_then_write_all'),
    );
    expectStatusDelta(
      run(),
      obj(ref, 'after_mprotect_rw_then_write_all.status_delta_vs_after_read'),
      A('after_read_all', 'after_mprotect_rw_then_write_all'),
    );
    view('after_mprotect_rw_then_write_all', 'after_mprotect_rw_then_write_all.view');
    expectVmstat(
      run(),
      obj(ref, 'after_mprotect_rw_then_write_all.vmstat_delta_systemwide'),
      'after_mprotect_rw',
      'after_mprotect_rw_then_write_all',
      {
        pgreuse:
          "the oracle's own stack pages, write-protected by the three forks of step 3 (6), not the region's",
      },
    );
  });

  it('after_ro_rw_cycle_then_write_all_again: RO then RW, then writes take no fault (exclusive anon PTEs made writable)', () => {
    const P = 'after_ro_rw_cycle_then_write_all_again';
    expectMeasured(
      run(),
      obj(ref, `${P}.mprotect_ro_call`),
      A('after_mprotect_rw_then_write_all', 'while_read_only'),
    );
    expectMeasured(run(), obj(ref, `${P}.mprotect_rw_call`), A('while_read_only', 'after_ro_rw_cycle'));
    expectMeasured(run(), obj(ref, `${P}.write_all`), A('after_ro_rw_cycle', P));
    view(P, `${P}.view`);
    expectPfnCompare(
      run(),
      obj(ref, `${P}.pfns_vs_before_cycle`),
      ['after_mprotect_rw_then_write_all', 'A'],
      [P, 'A'],
      'r1',
    );
    expectPfnCompare(
      run(),
      obj(ref, `${P}.pfns_while_read_only_vs_before_cycle`),
      ['after_mprotect_rw_then_write_all', 'A'],
      ['while_read_only', 'A'],
      'r1',
    );
    expectVmstat(run(), obj(ref, `${P}.vmstat_delta_systemwide`), 'after_mprotect_rw_then_write_all', P);
  });

  it('after_mprotect_prot_none: no fault; all 1024 pages still present; VmFlags "mr mw me ac "', () => {
    expectMeasured(
      run(),
      obj(ref, 'after_mprotect_prot_none.mprotect_call'),
      A('after_ro_rw_cycle_then_write_all_again', 'after_mprotect_prot_none'),
    );
    view('after_mprotect_prot_none', 'after_mprotect_prot_none.view');
  });

  it('after_mprotect_prot_none: child read with a handler: SEGV_ACCERR, 0 faults', () =>
    expectAccess(run(), obj(ref, 'after_mprotect_prot_none.child_read_with_handler'), {
      proc: 'N1',
      from: 'none.child_read_with_handler.before',
      to: 'none.child_read_with_handler.after',
    }));

  it('after_mprotect_prot_none: child read, default action: killed by signal 11', () =>
    expectAccess(run(), obj(ref, 'after_mprotect_prot_none.child_read_default_action'), {
      proc: 'N2',
      from: 'none.child_read_default_action.before',
      to: 'none.child_read_default_action.after',
    }));

  it('unmapped_address: child read with a handler: SEGV_MAPERR at the address', () =>
    expectAccess(run(), obj(ref, 'unmapped_address.child_read_with_handler'), {
      proc: 'U1',
      from: 'unmapped.child_read_with_handler.before',
      to: 'unmapped.child_read_with_handler.after',
    }));

  it('unmapped_address: child write, default action: killed by signal 11', () =>
    expectAccess(run(), obj(ref, 'unmapped_address.child_write_default_action'), {
      proc: 'U2',
      from: 'unmapped.child_write_default_action.before',
      to: 'unmapped.child_write_default_action.after',
    }));

  it('after_mprotect_rw_read_all: no fault, contents still 2', () => {
    expectMeasured(run(), obj(ref, 'after_mprotect_rw_read_all.read_all'), {
      ...A('before_final_read', 'after_mprotect_rw_read_all'),
      sum: { region: 'r1', first: 0, count: 1024 },
    });
    expect
      .soft(regionAt(run(), 'after_mprotect_rw_read_all', 'A', 'r1').firstBytes.every((b) => b === 2))
      .toBe(at(ref, 'after_mprotect_rw_read_all.contents_are_2'));
  });
});

describe('munmap-exit', () => {
  const ref = kernelRef('munmap-exit');
  const run = oracleRun('munmap-exit');
  /** System-wide vmstat delta of the emulated machine between two marks. */
  const vm = (from: string, to: string, k: string) =>
    snapAt(run(), to).vmstat[k]! - snapAt(run(), from).vmstat[k]!;
  /**
   * The quiet-sample modes the JSON says to trust (nr_page_table_pages, nr_anon_pages). Not
   * compared: nr_free_pages_mode and pgfree_mode, which move with the per-CPU page lists and the
   * mmu_gather batch pages (their samples drift by 4 from one sample to the next), and which
   * the emulator's page allocator does not model in the same batches.
   */
  const modes = (c: string, settled: 'immediately_after_call' | 'after_rcu_settle'): JObj => {
    const v = obj(ref, `${c}.vmstat_delta_systemwide.${settled}`);
    return {
      nr_page_table_pages: v['nr_page_table_pages_mode']!,
      nr_anon_pages: v['nr_anon_pages_mode']!,
    };
  };
  const emulated = (c: string, to: string): JObj => ({
    nr_page_table_pages: vm(`${c}.before`, `${c}.${to}`, 'nr_page_table_pages'),
    nr_anon_pages: vm(`${c}.before`, `${c}.${to}`, 'nr_anon_pages'),
  });

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  for (const c of ['munmap_written', 'munmap_read_only'] as const) {
    it(`${c}: immediately after munmap(): nr_page_table_pages 0 (RCU-deferred), nr_anon_pages ${c === 'munmap_written' ? -4096 : 0}`, () => {
      expect.soft(at(ref, `${c}.enough_quiet_samples`)).toBe(true);
      expect.soft(emulated(c, 'immediately_after_call')).toEqual(modes(c, 'immediately_after_call'));
    });

    it(`${c}: after the RCU grace period: nr_page_table_pages -10 (8 PTE + PMD + PUD)`, () =>
      expect.soft(emulated(c, 'after_rcu_settle')).toEqual(modes(c, 'after_rcu_settle')));

    it(`${c}: own status: VmSize -16384 kB, VmPTE -40 kB${c === 'munmap_written' ? ', RssAnon -16384 kB' : ''}`, () => {
      const expected = { ...obj(ref, `${c}.own_status_delta_first_sample`) };
      if (c === 'munmap_written') {
        // The record says VmRSS/RssAnon -16380: the oracle stores `s[0].before = read_status()`
        // into its static, never-touched `all[]` sample array after reading the status, so the
        // first write to that array faults one page of the oracle's own inside the first sample's
        // window (+4 kB). munmap_read_only, which reuses the array, shows 0 there, and the
        // nr_anon_pages mode (-4096) confirms the region's share: -16384 kB.
        expected['VmRSS_kB'] = num(expected, 'VmRSS_kB') - 4;
        expected['RssAnon_kB'] = num(expected, 'RssAnon_kB') - 4;
      }
      expectStatusDelta(run(), expected, {
        proc: 'A',
        from: `${c}.before`,
        to: `${c}.immediately_after_call`,
      });
    });
  }

  /** The region's share of exit(): exit_child_with_region minus exit_empty_child. */
  const share = (settled: 'immediately_after_call' | 'after_rcu_settle') => {
    const w = modes('exit_child_with_region.around_exit_and_waitpid', settled);
    const e = modes('exit_empty_child.around_exit_and_waitpid', settled);
    return {
      nr_page_table_pages: num(w, 'nr_page_table_pages') - num(e, 'nr_page_table_pages'),
      nr_anon_pages: num(w, 'nr_anon_pages') - num(e, 'nr_anon_pages'),
    };
  };
  const emulatedShare = (to: string) => {
    const w = emulated('exit_child_with_region', to);
    const e = emulated('exit_empty_child', to);
    return {
      nr_page_table_pages: num(w, 'nr_page_table_pages') - num(e, 'nr_page_table_pages'),
      nr_anon_pages: num(w, 'nr_anon_pages') - num(e, 'nr_anon_pages'),
    };
  };
  // Not compared: the whole empty child's own give-back (-1 / -13 page-table pages, -74 anon
  // pages): it is the oracle's libc process layout (ASLR), which the emulated process does not have.

  it("exit: the region's share immediately after exit()+waitpid(): anon -4096, page tables 0 (RCU-deferred)", () =>
    expect.soft(emulatedShare('immediately_after_call')).toEqual(share('immediately_after_call')));

  it("exit: the region's share after the RCU grace period: page tables -10", () =>
    expect.soft(emulatedShare('after_rcu_settle')).toEqual(share('after_rcu_settle')));

  it('exit: before exiting, the child with the region has VmPTE +40 kB and RssAnon +16384 kB over the empty one', () => {
    const w = procAt(run(), 'exit_child_with_region.before', 'C');
    const e = procAt(run(), 'exit_empty_child.before', 'E');
    expect
      .soft({
        VmPTE_kB: w.status['VmPTE']! - e.status['VmPTE']!,
        RssAnon_kB: w.status['RssAnon']! - e.status['RssAnon']!,
      })
      .toEqual({
        VmPTE_kB:
          num(ref, 'exit_child_with_region.child_VmPTE_kB_before_exit_absolute') -
          num(ref, 'exit_empty_child.child_VmPTE_kB_before_exit_absolute'),
        RssAnon_kB:
          num(ref, 'exit_child_with_region.child_RssAnon_kB_before_exit_absolute') -
          num(ref, 'exit_empty_child.child_RssAnon_kB_before_exit_absolute'),
      });
  });
});

function populateSuite(
  name: 'populate-map-populate' | 'populate-madv-populate-read' | 'populate-madv-populate-write',
) {
  describe(name, () => {
    const ref = kernelRef(name);
    const run = oracleRun(name);
    const parts = name === 'populate-map-populate' ? (['rw', 'read_only'] as const) : (['rw'] as const);

    it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

    for (const part of parts) {
      const region = part === 'rw' ? 'r1' : 'r2';
      const R = (p: string) => obj(ref, `${part}.${p}`);
      const M = (p: string) => `${part}.${p}`;
      const A = (from: string, to: string) => ({ proc: 'A', from: M(from), to: M(to) });
      const madvise = name !== 'populate-map-populate';
      const beforeTouch = madvise ? 'after_madvise' : 'after_mmap';

      it(`${part}: after_mmap: mmap_call minflt, status delta, view`, () => {
        expect
          .soft(at(ref, `${part}.region_start`))
          .toBe(hex(regionAt(run(), M('after_mmap'), 'A', region).start));
        expectMeasured(run(), R('after_mmap.mmap_call'), A('before_mmap', 'after_mmap'));
        expectStatusDelta(run(), R('after_mmap.status_delta_vs_before_mmap'), A('before_mmap', 'after_mmap'));
        expectView(run(), R('after_mmap.view'), { mark: M('after_mmap'), proc: 'A', region });
        expectVmstat(run(), R('after_mmap.vmstat_delta_systemwide'), M('before_mmap'), M('after_mmap'));
      });

      if (madvise)
        it(`${part}: after_madvise: ${num(ref, `${part}.after_madvise.madvise_call.minflt_delta`)} faults inside madvise(); status delta, view`, () => {
          expect.soft(at(ref, `${part}.after_madvise.madvise_rc`)).toBe(0);
          expect.soft(run().out).not.toContain('A: madvise');
          expectMeasured(run(), R('after_madvise.madvise_call'), A('after_mmap', 'after_madvise'));
          expectStatusDelta(
            run(),
            R('after_madvise.status_delta_vs_after_mmap'),
            A('after_mmap', 'after_madvise'),
          );
          expectView(run(), R('after_madvise.view'), { mark: M('after_madvise'), proc: 'A', region });
          expectVmstat(
            run(),
            R('after_madvise.vmstat_delta_systemwide'),
            M('after_mmap'),
            M('after_madvise'),
          );
        });

      it(`${part}: then_read_all: no fault`, () => {
        expectMeasured(run(), R('then_read_all.read_all'), {
          ...A(beforeTouch, 'then_read_all'),
          sum: { region, first: 0, count: 4096 },
        });
        expectVmstat(run(), R('then_read_all.vmstat_delta_systemwide'), M(beforeTouch), M('then_read_all'));
      });

      if (part === 'rw')
        it(`${part}: then_write_all: minflt ${num(ref, 'rw.then_write_all.write_all.minflt_delta')}; status delta, view`, () => {
          expectMeasured(run(), R('then_write_all.write_all'), A('then_read_all', 'then_write_all'));
          expectStatusDelta(
            run(),
            R('then_write_all.status_delta_vs_before_touching'),
            A(beforeTouch, 'then_write_all'),
          );
          expectView(run(), R('then_write_all.view'), { mark: M('then_write_all'), proc: 'A', region });
          expectVmstat(
            run(),
            R('then_write_all.vmstat_delta_systemwide'),
            M('then_read_all'),
            M('then_write_all'),
          );
        });
    }
  });
}

populateSuite('populate-map-populate');
populateSuite('populate-madv-populate-read');
populateSuite('populate-madv-populate-write');

describe('shared-anon', () => {
  const ref = kernelRef('shared-anon');
  const run = oracleRun('shared-anon');
  const view = (mark: string, proc: string, refPath: string) =>
    expectView(run(), obj(ref, refPath), { mark, proc, region: 'r1' });
  /** j_page_detail() of page 0 */
  const page0 = (mark: string): JObj => {
    const r = regionAt(run(), mark, 'A', 'r1');
    const e = r.entries[0]!;
    return {
      vaddr: hex(r.start),
      present: (e & PM_PRESENT) !== 0n,
      pagemap_flags_bits55_63: hex(e & ~PFN_MASK),
      pm_exclusive_bit56: (e & PM_MMAP_EXCLUSIVE) !== 0n,
      pm_file_or_shared_bit61: (e & PM_FILE) !== 0n,
      kpageflags_stable: hex(r.flags[0]! & ~KPF_VOLATILE),
      kpagecount: r.counts[0]!,
    };
  };

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('after_read_all: minflt 4096, RssShmem +16384 kB (not RssAnon), VmPTE +40 kB', () => {
    expectMeasured(run(), obj(ref, 'after_read_all.read_all'), {
      proc: 'A',
      from: 'after_mmap',
      to: 'after_read_all',
      sum: { region: 'r1', first: 0, count: 4096 },
    });
    expectStatusDelta(run(), obj(ref, 'after_read_all.status_delta_vs_before_mmap'), {
      proc: 'A',
      from: 'before_mmap',
      to: 'after_read_all',
    });
    expectVmstat(run(), obj(ref, 'after_read_all.vmstat_delta_systemwide'), 'after_mmap', 'after_read_all');
  });

  it('after_read_all: view (real shmem pages, bit 61 and 56, UPTODATE|MMAP|SWAPBACKED), page 0, no zero page', () => {
    view('after_read_all', 'A', 'after_read_all.view');
    expect
      .soft(page0('after_read_all'))
      .toEqual(deterministic(obj(ref, 'after_read_all.page_0'), ['kpf_stable']));
    const r = regionAt(run(), 'after_read_all', 'A', 'r1');
    expect
      .soft(r.entries.every((e) => e & PM_PRESENT) && r.flags.every((f) => !(f & bit(KPF.ZERO_PAGE))))
      .toBe(at(ref, 'after_read_all.zero_page_never_mapped'));
  });

  it('after_write_all: no fault (shared writable PTEs); view; page 0; pfns unchanged', () => {
    expectMeasured(run(), obj(ref, 'after_write_all.write_all'), {
      proc: 'A',
      from: 'after_read_all',
      to: 'after_write_all',
    });
    expectStatusDelta(run(), obj(ref, 'after_write_all.status_delta_vs_previous'), {
      proc: 'A',
      from: 'after_read_all',
      to: 'after_write_all',
    });
    view('after_write_all', 'A', 'after_write_all.view');
    expect
      .soft(page0('after_write_all'))
      .toEqual(deterministic(obj(ref, 'after_write_all.page_0'), ['kpf_stable']));
    expectPfnCompare(
      run(),
      obj(ref, 'after_write_all.pfns_vs_after_read'),
      ['after_read_all', 'A'],
      ['after_write_all', 'A'],
      'r1',
    );
    expectVmstat(
      run(),
      obj(ref, 'after_write_all.vmstat_delta_systemwide'),
      'after_read_all',
      'after_write_all',
    );
  });

  it('right_after_fork: parent unchanged, the child has no PTE in the shared VMA', () => {
    view('right_after_fork', 'A', 'right_after_fork.parent');
    view('right_after_fork', 'B', 'right_after_fork.child');
    expectVmstat(
      run(),
      obj(ref, 'right_after_fork.vmstat_delta_systemwide_fork'),
      'after_write_all',
      'right_after_fork',
      FORK_WARMUP_PGREUSE,
    );
  });

  it('right_after_fork: child minus parent status: RssShmem -16384 kB, VmPTE -40 kB (no PTE copied)', () =>
    expectChildMinusParent(run(), obj(ref, 'right_after_fork'), {
      mark: 'right_after_fork',
      parent: 'A',
      child: 'B',
    }));

  it('after_child_reads_all: minflt 256 (fault-around: 16 pages per fault), RssShmem +16384 kB', () => {
    expectMeasured(run(), obj(ref, 'after_child_reads_all.child_read_all'), {
      proc: 'B',
      from: 'right_after_fork',
      to: 'after_child_reads_all',
      sum: { region: 'r1', first: 0, count: 4096 },
    });
    expectStatusDelta(run(), obj(ref, 'after_child_reads_all.child_status_delta_vs_fork'), {
      proc: 'B',
      from: 'right_after_fork',
      to: 'after_child_reads_all',
    });
    expectVmstat(
      run(),
      obj(ref, 'after_child_reads_all.vmstat_delta_systemwide'),
      'right_after_fork',
      'after_child_reads_all',
    );
  });

  it('after_child_reads_all: child and parent views (kpagecount 2, Pss 8192), same pfns as the parent', () => {
    view('after_child_reads_all', 'B', 'after_child_reads_all.child');
    view('after_child_reads_all', 'A', 'after_child_reads_all.parent');
    expect
      .soft(
        pfnEqualCount(
          regionAt(run(), 'after_write_all', 'A', 'r1'),
          regionAt(run(), 'after_child_reads_all', 'B', 'r1'),
        ),
      )
      .toBe(num(ref, 'after_child_reads_all.child_pfn_equals_parent_pfn'));
  });

  it('after_child_writes_all: no fault, no pfn change; child view', () => {
    expectMeasured(run(), obj(ref, 'after_child_writes_all.child_write_all'), {
      proc: 'B',
      from: 'after_child_reads_all',
      to: 'after_child_writes_all',
    });
    expectStatusDelta(run(), obj(ref, 'after_child_writes_all.child_status_delta_vs_previous'), {
      proc: 'B',
      from: 'after_child_reads_all',
      to: 'after_child_writes_all',
    });
    view('after_child_writes_all', 'B', 'after_child_writes_all.child');
    expectPfnCompare(
      run(),
      obj(ref, 'after_child_writes_all.child_pfns_vs_before_write'),
      ['after_child_reads_all', 'B'],
      ['after_child_writes_all', 'B'],
      'r1',
    );
    expectVmstat(
      run(),
      obj(ref, 'after_child_writes_all.vmstat_delta_systemwide'),
      'after_child_reads_all',
      'after_child_writes_all',
    );
  });

  it("parent_reads_after_child_write: no fault; the parent sees the child's 7s", () => {
    expectMeasured(run(), obj(ref, 'parent_reads_after_child_write.parent_read_all'), {
      proc: 'A',
      from: 'after_child_writes_all',
      to: 'parent_reads_after_child_write',
      sum: { region: 'r1', first: 0, count: 4096 },
    });
    expect
      .soft(byteSum(regionAt(run(), 'parent_reads_after_child_write', 'A', 'r1'), 0, 4096) === 7 * 4096)
      .toBe(at(ref, 'parent_reads_after_child_write.parent_sees_child_7s'));
  });

  it("after_child_exit: parent view (kpagecount 1 again; the child's dirty PTEs left the pages DIRTY)", () => {
    view('after_child_exit', 'A', 'after_child_exit.parent');
    expectVmstat(
      run(),
      obj(ref, 'after_child_exit.vmstat_delta_systemwide'),
      'parent_reads_after_child_write',
      'after_child_exit',
      { pgreuse: "the oracle's own stack pages after its puppet child exited (2), not the region's" },
    );
  });

  it('after_child_exit: child_exit_status: the child exits with status 0', () =>
    expectExited(run(), 'after_child_exit', 'B', num(ref, 'after_child_exit.child_exit_status')));

  it('after_parent_munmap: the shmem pages go with the last mapping: nr_shmem and nr_mapped -4096', () =>
    expectVmstat(
      run(),
      obj(ref, 'after_parent_munmap.vmstat_delta_systemwide'),
      'after_child_exit',
      'after_parent_munmap',
    ));
});

// --- transparent huge pages (tools/oracle/thp.c, thp_zero_alloc.c) ------------------------------

/**
 * j_page_detail() of page `i` of a region snapshot, with the keys the reference has: `kpf_stable`
 * and `kpf` are only kpageflags spelled out as names, so the number is compared instead.
 * (thp-zero-page-alloc-first-of-boot.json was taken by an earlier oracle that printed the raw
 * `kpageflags`; no LRU batch bit can be set on the huge zero folio it describes.)
 */
function expectPage(r: RegionSnap, i: number, ref: JObj): void {
  const e = r.entries[i]!;
  const present = (e & PM_PRESENT) !== 0n;
  const all: JObj = {
    vaddr: hex(r.start + i * 4096),
    present,
    pagemap_flags_bits55_63: hex(e & ~PFN_MASK),
    pm_exclusive_bit56: (e & PM_MMAP_EXCLUSIVE) !== 0n,
    pm_file_or_shared_bit61: (e & PM_FILE) !== 0n,
    kpageflags_stable: hex(r.flags[i]! & ~KPF_VOLATILE),
    kpageflags: hex(r.flags[i]!),
    kpagecount: r.counts[i]!,
  };
  const expected = deterministic(ref, ['kpf_stable', 'kpf']);
  const actual: JObj = {};
  for (const k of Object.keys(expected)) actual[k] = k in all ? all[k]! : null;
  expect.soft({ page: i, ...actual }).toEqual({ page: i, ...expected });
}

/** j_halves(): the summaries of each 2 MiB half of a 4 MiB region and the detailed pages. */
function expectHalves(run: OracleRun, ref: JObj, mark: string, proc = 'A', region = 'r1'): void {
  const r = regionAt(run, mark, proc, region);
  expect.soft(pagemapSummary(r, 0, 512)).toEqual(refPagemap(obj(ref, 'pagemap_first_2MiB_pages_0_511')));
  expect
    .soft(pagemapSummary(r, 512, 512))
    .toEqual(refPagemap(obj(ref, 'pagemap_second_2MiB_pages_512_1023')));
  for (const k of Object.keys(ref)) {
    const pg = /^page_(\d+)$/.exec(k);
    if (pg) expectPage(r, Number(pg[1]), obj(ref, k));
  }
}

/** A `mthp_2048kB_stats_delta` object, as deltas of mthpStats() between two marks. */
function expectMthp(run: OracleRun, ref: JObj, from: string, to: string): void {
  const a = snapAt(run, from).mthp;
  const b = snapAt(run, to).mthp;
  const actual: JObj = {};
  for (const k of Object.keys(ref)) actual[k] = k in b ? b[k]! - a[k]! : null;
  expect.soft(actual).toEqual(ref);
}

/** The deltas of one phase: vmstat_delta_systemwide and mthp_2048kB_stats_delta. */
function expectThpDeltas(run: OracleRun, ref: JObj, from: string, to: string): void {
  expectVmstat(run, obj(ref, 'vmstat_delta_systemwide'), from, to);
  expectMthp(run, obj(ref, 'mthp_2048kB_stats_delta'), from, to);
}

describe('thp-huge-zero-read-then-write', () => {
  const ref = kernelRef('thp-huge-zero-read-then-write');
  const run = oracleRun('thp-huge-zero-read-then-write');
  const view = (mark: string, path: string) =>
    expectView(run(), obj(ref, path), { mark, proc: 'A', region: 'r1' });

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('after_read_all: 2 faults map the huge zero folio twice; RSS 0, VmPTE +16 kB; view, halves', () => {
    expectMeasured(run(), obj(ref, 'after_read_all.read_all_1024_pages'), {
      proc: 'A',
      from: 'after_mmap',
      to: 'after_read_all',
      sum: { region: 'r1', first: 0, count: 1024 },
    });
    expectStatusDelta(run(), obj(ref, 'after_read_all.status_delta_vs_before_mmap'), {
      proc: 'A',
      from: 'before_mmap',
      to: 'after_read_all',
    });
    view('after_read_all', 'after_read_all.view');
    expectHalves(run(), obj(ref, 'after_read_all'), 'after_read_all');
    expectThpDeltas(run(), obj(ref, 'after_read_all'), 'after_mmap', 'after_read_all');
  });

  it('after_write_page_0: 1 fault, a THP replaces the first huge zero PMD; view, halves', () => {
    expectMeasured(run(), obj(ref, 'after_write_page_0.write_page_0'), {
      proc: 'A',
      from: 'after_read_all',
      to: 'after_write_page_0',
    });
    expectStatusDelta(run(), obj(ref, 'after_write_page_0.status_delta_vs_previous'), {
      proc: 'A',
      from: 'after_read_all',
      to: 'after_write_page_0',
    });
    view('after_write_page_0', 'after_write_page_0.view');
    expectHalves(run(), obj(ref, 'after_write_page_0'), 'after_write_page_0');
    expectThpDeltas(run(), obj(ref, 'after_write_page_0'), 'after_read_all', 'after_write_page_0');
  });

  it('after_write_pages_0_511: no fault', () => {
    expectMeasured(run(), obj(ref, 'after_write_pages_0_511.write_pages_0_511'), {
      proc: 'A',
      from: 'after_write_page_0',
      to: 'after_write_pages_0_511',
    });
    expectThpDeltas(
      run(),
      obj(ref, 'after_write_pages_0_511'),
      'after_write_page_0',
      'after_write_pages_0_511',
    );
  });

  it('after_write_page_512: 1 fault, a second THP; view, halves', () => {
    expectMeasured(run(), obj(ref, 'after_write_page_512.write_page_512'), {
      proc: 'A',
      from: 'after_write_pages_0_511',
      to: 'after_write_page_512',
    });
    expectStatusDelta(run(), obj(ref, 'after_write_page_512.status_delta_vs_after_read_all'), {
      proc: 'A',
      from: 'after_read_all',
      to: 'after_write_page_512',
    });
    view('after_write_page_512', 'after_write_page_512.view');
    expectHalves(run(), obj(ref, 'after_write_page_512'), 'after_write_page_512');
    expectThpDeltas(
      run(),
      obj(ref, 'after_write_page_512'),
      'after_write_pages_0_511',
      'after_write_page_512',
    );
  });

  it('after_reread_all: no fault, byte sum 513', () => {
    expectMeasured(run(), obj(ref, 'after_reread_all.read_all'), {
      proc: 'A',
      from: 'after_write_page_512',
      to: 'after_reread_all',
      sum: { region: 'r1', first: 0, count: 1024 },
    });
    expect
      .soft(byteSum(regionAt(run(), 'after_reread_all', 'A', 'r1'), 0, 1024) === 513)
      .toBe(at(ref, 'after_reread_all.sum_is_513'));
  });
});

describe('thp-dontneed-in-huge-zero', () => {
  const ref = kernelRef('thp-dontneed-in-huge-zero');
  const run = oracleRun('thp-dontneed-in-huge-zero');
  const view = (mark: string, path: string) =>
    expectView(run(), obj(ref, path), { mark, proc: 'A', region: 'r1' });
  /** one phase: the measured access, the status delta, the halves, the deltas */
  const phase = (key: string, measured: string, from: string, sum?: number) => {
    expectMeasured(run(), obj(ref, `${key}.${measured}`), {
      proc: 'A',
      from,
      to: key,
      ...(sum === undefined ? {} : { sum: { region: 'r1', first: sum, count: 1 } }),
    });
    expectStatusDelta(run(), obj(ref, `${key}.status_delta_vs_previous`), { proc: 'A', from, to: key });
    if ('pagemap_first_2MiB_pages_0_511' in obj(ref, key)) expectHalves(run(), obj(ref, key), key);
    if ('view' in obj(ref, key)) view(key, `${key}.view`);
    expectThpDeltas(run(), obj(ref, key), from, key);
  };

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('after_read_all: 2 faults, two huge zero PMDs; view', () => {
    expectMeasured(run(), obj(ref, 'after_read_all.read_all'), {
      proc: 'A',
      from: 'after_mmap',
      to: 'after_read_all',
      sum: { region: 'r1', first: 0, count: 1024 },
    });
    view('after_read_all', 'after_read_all.view');
  });

  it('after_dontneed_page_5: thp_split_pmd +1; 511 PTEs on the 4 KiB zero page, page 5 gone', () => {
    expect.soft(at(ref, 'after_dontneed_page_5.madvise_rc')).toBe(0);
    phase('after_dontneed_page_5', 'madvise_call', 'after_read_all');
  });

  it('after_reread_page_5: 1 fault, page 5 on the 4 KiB zero page', () =>
    phase('after_reread_page_5', 'read_page_5', 'after_dontneed_page_5', 5));

  it('after_write_page_6: 1 fault, a 4 KiB anonymous page (no THP in a PTE-mapped range)', () =>
    phase('after_write_page_6', 'write_page_6', 'after_reread_page_5'));

  it('after_write_page_600: 1 fault, the second huge zero PMD becomes a THP', () =>
    phase('after_write_page_600', 'write_page_600', 'after_write_page_6'));
});

describe('thp-dontneed-in-thp', () => {
  const ref = kernelRef('thp-dontneed-in-thp');
  const run = oracleRun('thp-dontneed-in-thp');
  const phase = (key: string, measured: string, from: string, sum?: number) => {
    expectMeasured(run(), obj(ref, `${key}.${measured}`), {
      proc: 'A',
      from,
      to: key,
      ...(sum === undefined ? {} : { sum: { region: 'r1', first: sum, count: 1 } }),
    });
    expectStatusDelta(run(), obj(ref, `${key}.status_delta_vs_previous`), { proc: 'A', from, to: key });
    expectHalves(run(), obj(ref, key), key);
    if ('view' in obj(ref, key))
      expectView(run(), obj(ref, `${key}.view`), { mark: key, proc: 'A', region: 'r1' });
    expectThpDeltas(run(), obj(ref, key), from, key);
  };

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('after_write_first_2MiB: 1 fault, one THP; VmPTE +12 kB; view, halves', () => {
    expectMeasured(run(), obj(ref, 'after_write_first_2MiB.write_pages_0_511'), {
      proc: 'A',
      from: 'after_mmap',
      to: 'after_write_first_2MiB',
    });
    expectStatusDelta(run(), obj(ref, 'after_write_first_2MiB.status_delta_vs_before_mmap'), {
      proc: 'A',
      from: 'before_mmap',
      to: 'after_write_first_2MiB',
    });
    expectView(run(), obj(ref, 'after_write_first_2MiB.view'), {
      mark: 'after_write_first_2MiB',
      proc: 'A',
      region: 'r1',
    });
    expectHalves(run(), obj(ref, 'after_write_first_2MiB'), 'after_write_first_2MiB');
    expectThpDeltas(run(), obj(ref, 'after_write_first_2MiB'), 'after_mmap', 'after_write_first_2MiB');
  });

  it('after_dontneed_page_5: PMD split, deferred split queued, the 511 pages DIRTY, RSS -4 kB', () => {
    expect.soft(at(ref, 'after_dontneed_page_5.madvise_rc')).toBe(0);
    phase('after_dontneed_page_5', 'madvise_call', 'after_write_first_2MiB');
  });

  it('after_reread_page_5: 1 fault, page 5 on the 4 KiB zero page', () =>
    phase('after_reread_page_5', 'read_page_5', 'after_dontneed_page_5', 5));

  it('after_write_page_5: 1 fault, a 4 KiB anonymous page', () =>
    phase('after_write_page_5', 'write_page_5', 'after_reread_page_5'));

  it('after_munmap: the partially mapped THP goes with the region', () =>
    expectThpDeltas(run(), obj(ref, 'after_munmap'), 'after_write_page_5', 'after_munmap'));
});

describe('thp-fork-child-writes', () => {
  const ref = kernelRef('thp-fork-child-writes');
  const run = oracleRun('thp-fork-child-writes');
  /** the oracle viewed only the first 2 MiB (HPN pages) */
  const view = (mark: string, proc: string, path: string) => {
    const p = procAt(run(), mark, proc);
    const r = regionAt(run(), mark, proc, 'r1');
    const refView = obj(ref, path);
    const refSmaps = deterministic(obj(refView, 'smaps'), SMAPS_SKIPPED);
    expect.soft({ smaps: smapsLike(p, r.start, refSmaps), pagemap: pagemapSummary(r, 0, 512) }).toEqual({
      smaps: refSmaps,
      pagemap: refPagemap(obj(refView, 'pagemap')),
    });
  };
  const half = (mark: string, proc: string): RegionSnap => {
    const r = regionAt(run(), mark, proc, 'r1');
    return { ...r, entries: r.entries.slice(0, 512) };
  };
  const page = (mark: string, proc: string, i: number, path: string) =>
    expectPage(regionAt(run(), mark, proc, 'r1'), i, obj(ref, path));

  it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

  it('parent_after_write_first_2MiB: 1 fault, one THP', () => {
    expectMeasured(run(), obj(ref, 'parent_after_write_first_2MiB.write_pages_0_511'), {
      proc: 'A',
      from: 'before_write',
      to: 'parent_after_write_first_2MiB',
    });
    view('parent_after_write_first_2MiB', 'A', 'parent_after_write_first_2MiB.view');
    expectThpDeltas(
      run(),
      obj(ref, 'parent_after_write_first_2MiB'),
      'before_write',
      'parent_after_write_first_2MiB',
    );
  });

  it('right_after_fork: copy_huge_pmd shares the THP (kpagecount 2, Shared_Dirty 2048)', () => {
    view('right_after_fork', 'A', 'right_after_fork.parent');
    view('right_after_fork', 'B', 'right_after_fork.child');
    expect
      .soft(pfnEqualCount(half('right_after_fork', 'A'), half('right_after_fork', 'B')))
      .toBe(num(ref, 'right_after_fork.child_pfn_equals_parent_pfn'));
    page('right_after_fork', 'A', 0, 'right_after_fork.parent_page_0');
    page('right_after_fork', 'B', 0, 'right_after_fork.child_page_0');
    expectVmstat(
      run(),
      obj(ref, 'right_after_fork.vmstat_delta_systemwide'),
      'parent_after_write_first_2MiB',
      'right_after_fork',
      FORK_WARMUP_PGREUSE,
    );
    expectMthp(
      run(),
      obj(ref, 'right_after_fork.mthp_2048kB_stats_delta'),
      'parent_after_write_first_2MiB',
      'right_after_fork',
    );
  });

  it('after_child_writes_page_0: 1 fault, the child splits its PMD and copies page 0', () => {
    const k = 'after_child_writes_page_0';
    expectMeasured(run(), obj(ref, `${k}.child_write_page_0`), {
      proc: 'B',
      from: 'right_after_fork',
      to: k,
    });
    expectStatusDelta(run(), obj(ref, `${k}.child_status_delta`), {
      proc: 'B',
      from: 'right_after_fork',
      to: k,
    });
    expectStatusDelta(run(), obj(ref, `${k}.parent_status_delta`), {
      proc: 'A',
      from: 'right_after_fork',
      to: k,
    });
    view(k, 'B', `${k}.child`);
    view(k, 'A', `${k}.parent`);
    expect
      .soft(pfnCompare(half('right_after_fork', 'B'), half(k, 'B')))
      .toEqual(obj(ref, `${k}.child_pfns_vs_after_fork`));
    expect
      .soft(pfnCompare(half('right_after_fork', 'A'), half(k, 'A')))
      .toEqual(obj(ref, `${k}.parent_pfns_vs_after_fork`));
    expect.soft(pfnEqualCount(half(k, 'A'), half(k, 'B'))).toBe(num(ref, `${k}.child_pfn_equals_parent_pfn`));
    page(k, 'B', 0, `${k}.child_page_0`);
    page(k, 'B', 1, `${k}.child_page_1`);
    page(k, 'A', 0, `${k}.parent_page_0`);
    expectThpDeltas(run(), obj(ref, k), 'right_after_fork', k);
  });

  it('after_parent_writes_page_0: 1 fault, the parent splits too; the THP is partially mapped', () => {
    const k = 'after_parent_writes_page_0';
    const prev = 'after_child_writes_page_0';
    expectMeasured(run(), obj(ref, `${k}.parent_write_page_0`), { proc: 'A', from: prev, to: k });
    expectStatusDelta(run(), obj(ref, `${k}.parent_status_delta`), { proc: 'A', from: prev, to: k });
    expectStatusDelta(run(), obj(ref, `${k}.child_status_delta`), { proc: 'B', from: prev, to: k });
    view(k, 'A', `${k}.parent`);
    view(k, 'B', `${k}.child`);
    expect.soft(pfnCompare(half(prev, 'A'), half(k, 'A'))).toEqual(obj(ref, `${k}.parent_pfns_vs_previous`));
    expect.soft(pfnEqualCount(half(k, 'A'), half(k, 'B'))).toBe(num(ref, `${k}.child_pfn_equals_parent_pfn`));
    page(k, 'A', 0, `${k}.parent_page_0`);
    page(k, 'A', 1, `${k}.parent_page_1`);
    expectThpDeltas(run(), obj(ref, k), prev, k);
  });

  it('final_reads: no faults; the child sums 2 + 511, the parent 3 + 511', () => {
    expectMeasured(run(), obj(ref, 'final_reads.child_read_pages_0_511'), {
      proc: 'B',
      from: 'after_parent_writes_page_0',
      to: 'after_child_read',
      sum: { region: 'r1', first: 0, count: 512 },
    });
    expectMeasured(run(), obj(ref, 'final_reads.parent_read_pages_0_511'), {
      proc: 'A',
      from: 'after_child_read',
      to: 'after_parent_read',
      sum: { region: 'r1', first: 0, count: 512 },
    });
    expect
      .soft(byteSum(regionAt(run(), 'after_child_read', 'B', 'r1'), 0, 512) === 2 + 511)
      .toBe(at(ref, 'final_reads.child_sum_2_plus_511'));
    expect
      .soft(byteSum(regionAt(run(), 'after_parent_read', 'A', 'r1'), 0, 512) === 3 + 511)
      .toBe(at(ref, 'final_reads.parent_sum_3_plus_511'));
  });

  it('after_child_exit: the parent maps every page alone again (kpagecount 1, Private_Dirty 2048)', () => {
    expectExited(run(), 'after_child_exit', 'B', num(ref, 'after_child_exit.child_exit_status'));
    view('after_child_exit', 'A', 'after_child_exit.parent');
    expectVmstat(
      run(),
      obj(ref, 'after_child_exit.vmstat_delta_systemwide'),
      'after_parent_read',
      'after_child_exit',
      {
        pgreuse: "the oracle's own stack pages after its puppet child exited (2), not the region's",
      },
    );
    expectMthp(
      run(),
      obj(ref, 'after_child_exit.mthp_2048kB_stats_delta'),
      'after_parent_read',
      'after_child_exit',
    );
  });
});

/**
 * scan_huge_zero() of thp_zero_alloc.c: every pfn's kpageflags, looking for ZERO_PAGE|THP (the
 * huge zero folio) and ZERO_PAGE alone (the 4 KiB zero page).
 */
function hugeZeroScan(m: Machine): Record<string, number | boolean> {
  let pages = 0;
  let heads = 0;
  let zero4k = 0;
  let headPfn = -1;
  let headFlags = 0n;
  let tailFlags = 0n;
  const n = m.pages.flags.length;
  for (let pfn = 0; pfn < n; pfn++) {
    const f = kpageflags(m, pfn);
    if (!(f & bit(KPF.ZERO_PAGE))) continue;
    if (f & bit(KPF.THP)) {
      pages++;
      if (f & bit(KPF.COMPOUND_HEAD)) {
        heads++;
        headPfn = pfn;
        headFlags = f;
      } else tailFlags = f;
    } else zero4k++;
  }
  return { pages, heads, zero4k, headPfn, headFlags: Number(headFlags), tailFlags: Number(tailFlags) };
}

function zeroAllocSuite(name: 'thp-zero-page-alloc' | 'thp-zero-page-alloc-first-of-boot') {
  describe(name, () => {
    const ref = kernelRef(name);
    const scanAt = (m: Machine) => hugeZeroScan(m);
    const run = oracleRun(name, {
      at_start: scanAt,
      ...('scan_after_drop_caches' in ref ? { after_drop_caches_at_start: scanAt } : {}),
      child_A_read: scanAt,
      child_B_read_while_A_alive: scanAt,
      after_both_exit: scanAt,
      after_drop_caches: scanAt,
      after_child_C_read: scanAt,
    });
    /**
     * A j_scan() object. pfns_scanned is the size of /proc/kpageflags: the oracle's machine had
     * 25 GiB of RAM, the emulated one has 1 GiB (inherent to the emulator), so it is not compared.
     */
    const expectScan = (mark: string, path: string) => {
      const s = snapAt(run(), mark).probe;
      const r = obj(ref, path);
      const all: JObj = {
        huge_zero_folio_exists: (s['heads'] as number) > 0,
        pages_with_ZERO_PAGE_and_THP: s['pages']!,
        compound_heads_among_them: s['heads']!,
        pages_with_ZERO_PAGE_only: s['zero4k']!,
        head_pfn_512_aligned: (s['headPfn'] as number) % 512 === 0,
        head_kpageflags: hex(s['headFlags'] as number),
        tail_kpageflags: hex(s['tailFlags'] as number),
        head_kpagecount: (s['headPfn'] as number) >= 0 ? kpagecountAt(mark, s['headPfn'] as number) : -1,
      };
      const expected = deterministic(r, ['head_kpf', 'tail_kpf', 'pfns_scanned']);
      const actual: JObj = {};
      for (const k of Object.keys(expected)) actual[k] = k in all ? all[k]! : null;
      expect.soft({ mark, ...actual }).toEqual({ mark, ...expected });
    };
    /** kpagecount of the head, read at the mark (the huge zero folio's pages report 0) */
    const headCounts = new Map<string, number>();
    const kpagecountAt = (mark: string, pfn: number) =>
      headCounts.get(mark) ?? kpagecount(run().machine, pfn);
    /** j_pagemap()'s summary, with the earlier oracle's pfn_ascending/descending_adjacent_pairs */
    const pagemapLike = (r: RegionSnap, refPm: JObj) => {
      const sum = pagemapSummary(r);
      let asc = 0;
      let desc = 0;
      for (let i = 0; i + 1 < r.entries.length; i++) {
        const a = r.entries[i]!;
        const b = r.entries[i + 1]!;
        if (!(a & PM_PRESENT) || !(b & PM_PRESENT)) continue;
        if ((b & PFN_MASK) === (a & PFN_MASK) + 1n) asc++;
        if ((b & PFN_MASK) + 1n === (a & PFN_MASK)) desc++;
      }
      const all: JObj = { ...sum, pfn_ascending_adjacent_pairs: asc, pfn_descending_adjacent_pairs: desc };
      const expected = refPagemap(refPm);
      const actual: JObj = {};
      for (const k of Object.keys(expected)) actual[k] = k in all ? all[k]! : null;
      for (const k of Object.keys(sum)) if (!(k in expected)) actual[k] = sum[k]!;
      for (const k of Object.keys(sum)) if (!(k in expected)) expected[k] = sum[k]!;
      return { actual, expected };
    };
    /** the earlier oracle wrote thp_zero_page_alloc_absolute_at_start, the later ..._at_start_absolute */
    const absolute = (counter: string, when: string) => {
      const k = `${counter}_absolute_at_${when}`;
      return k in ref ? k : `${counter}_at_${when}_absolute`;
    };

    it('the .mm expect lines hold; every call returned 0', () => expectScenarioClean(run()));

    it('scan_at_start, and drop_caches when the folio existed', () => {
      expectScan('at_start', 'scan_at_start');
      if ('scan_after_drop_caches' in ref) {
        expect.soft(num(ref, 'drop_caches_rc_before')).toBe(0);
        expectScan('after_drop_caches_at_start', 'scan_after_drop_caches');
      }
    });

    it('thp_zero_page_alloc over the whole run (absolute on a fresh boot, else the delta)', () => {
      const start = num(ref, absolute('thp_zero_page_alloc', 'start'));
      const end = num(ref, absolute('thp_zero_page_alloc', 'end'));
      const failed = num(ref, absolute('thp_zero_page_alloc_failed', 'start'));
      const a = snapAt(run(), 'at_start').vmstat;
      const b = snapAt(run(), 'at_end').vmstat;
      if (start === 0) {
        // taken right after boot: the emulated machine has the same history
        expect
          .soft({
            start: a['thp_zero_page_alloc'],
            end: b['thp_zero_page_alloc'],
            failed: a['thp_zero_page_alloc_failed'],
          })
          .toEqual({ start, end, failed });
      } else {
        // 26 allocations happened before the record: a boot history the emulator does not replay
        expect.soft(b['thp_zero_page_alloc']! - a['thp_zero_page_alloc']!).toBe(end - start);
      }
    });

    it('child_A_read: 1 fault maps the huge zero folio, allocated now; view, pages, scan', () => {
      expectMeasured(run(), obj(ref, 'child_A_read.read_512_pages'), {
        proc: 'A',
        from: 'before_child_A_read',
        to: 'child_A_read',
        sum: { region: 'ra', first: 0, count: 512 },
      });
      const p = procAt(run(), 'child_A_read', 'A');
      const r = regionAt(run(), 'child_A_read', 'A', 'ra');
      const refSmaps = deterministic(obj(ref, 'child_A_read.child_view.smaps'), SMAPS_SKIPPED);
      expect.soft(smapsLike(p, r.start, refSmaps)).toEqual(refSmaps);
      const pm = pagemapLike(r, obj(ref, 'child_A_read.child_view.pagemap'));
      expect.soft(pm.actual).toEqual(pm.expected);
      expectPage(r, 0, obj(ref, 'child_A_read.child_first_page'));
      expectPage(r, 1, obj(ref, 'child_A_read.child_page_1'));
      expectVmstat(
        run(),
        obj(ref, 'child_A_read.vmstat_delta_systemwide'),
        'before_child_A_read',
        'child_A_read',
        FORK_READER_PGREUSE,
      );
      expectMthp(
        run(),
        obj(ref, 'child_A_read.mthp_2048kB_stats_delta'),
        'before_child_A_read',
        'child_A_read',
      );
      expectScan('child_A_read', 'child_A_read.scan');
      const s = snapAt(run(), 'child_A_read').probe;
      expect
        .soft((s['heads'] as number) > 0 && Number(r.entries[0]! & PFN_MASK) === s['headPfn'])
        .toBe(at(ref, 'child_A_read.child_pfn_is_scanned_head'));
    });

    it('child_B_read_while_A_alive: 1 fault, the same folio, no new allocation', () => {
      expectMeasured(run(), obj(ref, 'child_B_read_while_A_alive.read_512_pages'), {
        proc: 'B',
        from: 'before_child_B_read',
        to: 'child_B_read_while_A_alive',
        sum: { region: 'rb', first: 0, count: 512 },
      });
      const pm = pagemapLike(
        regionAt(run(), 'child_B_read_while_A_alive', 'B', 'rb'),
        obj(ref, 'child_B_read_while_A_alive.child_pagemap'),
      );
      expect.soft(pm.actual).toEqual(pm.expected);
      expectVmstat(
        run(),
        obj(ref, 'child_B_read_while_A_alive.vmstat_delta_systemwide'),
        'before_child_B_read',
        'child_B_read_while_A_alive',
        FORK_READER_PGREUSE,
      );
      const a = snapAt(run(), 'child_A_read').probe;
      const b = snapAt(run(), 'child_B_read_while_A_alive').probe;
      expect
        .soft(b['headPfn'] === a['headPfn'] && b['heads'] === 1)
        .toBe(at(ref, 'child_B_read_while_A_alive.same_folio_as_A'));
    });

    it('after_both_exit: the folio survives its users (the shrinker holds it)', () => {
      expectExited(run(), 'after_both_exit', 'A', num(ref, 'after_both_exit.child_A_exit_status'));
      expectExited(run(), 'after_both_exit', 'B', num(ref, 'after_both_exit.child_B_exit_status'));
      expectVmstat(
        run(),
        obj(ref, 'after_both_exit.vmstat_delta_systemwide'),
        'child_B_read_while_A_alive',
        'after_both_exit',
        {
          pgreuse: "the oracle's own stack pages after its puppet children exited, not the regions'",
        },
      );
      expectScan('after_both_exit', 'after_both_exit.scan');
      const a = snapAt(run(), 'child_A_read').probe;
      const e = snapAt(run(), 'after_both_exit').probe;
      expect
        .soft(e['heads'] === 1 && e['headPfn'] === a['headPfn'])
        .toBe(at(ref, 'after_both_exit.folio_survives_exit_of_all_users'));
    });

    it('drop_caches_then_child_C: the shrinker frees the folio; child C allocates it again', () => {
      const k = 'drop_caches_then_child_C';
      expect.soft(num(ref, `${k}.drop_caches_rc`)).toBe(0);
      expectVmstat(
        run(),
        obj(ref, `${k}.vmstat_delta_drop_systemwide`),
        'after_both_exit',
        'after_drop_caches',
        name === 'thp-zero-page-alloc-first-of-boot'
          ? {
              pgreuse:
                'other processes of the freshly booted machine while drop_caches ran (pgfault 3659 in that window); no process of the scenario runs then',
            }
          : {},
      );
      expectScan('after_drop_caches', `${k}.scan_after_drop`);
      expectMeasured(run(), obj(ref, `${k}.child_C_read_512_pages`), {
        proc: 'C',
        from: 'before_child_C_read',
        to: 'after_child_C_read',
        sum: { region: 'rc', first: 0, count: 512 },
      });
      expectVmstat(
        run(),
        obj(ref, `${k}.vmstat_delta_child_C_systemwide`),
        'after_drop_caches',
        'after_child_C_read',
        FORK_READER_PGREUSE,
      );
      expectScan('after_child_C_read', `${k}.scan_after_child_C`);
    });
  });
}

/** pgreuse while a reader child is forked and reads: the oracle's puppet warming up its stack. */
const FORK_READER_PGREUSE = {
  pgreuse:
    "the oracle's puppet warms up its stack after fork(): its own write-protected stack pages, not the region's",
};

zeroAllocSuite('thp-zero-page-alloc');
zeroAllocSuite('thp-zero-page-alloc-first-of-boot');

// --- issue #14: ranges with holes, populate, PT reclaim, large-folio reuse (tools/oracle/ranges.c) --

/**
 * The ranges-* records were taken on a later build of the same kernel (6.18.44-fc-v1272) whose
 * anonymous read faults never map the shared zero page: MADV_POPULATE_READ of an empty anonymous
 * VMA left 1024 present pages, none of them the zero page, and 4 MiB of Rss. The emulator, like the
 * v669 build of every other record, maps the zero page. So after a *read* fault the kernel's RSS and
 * pagemap differ by construction and are not compared; the call's fault count and errno are. Every
 * other phase of these records writes, or only drops pages.
 */
describe('ranges-*: the build these records come from', () => {
  it('6.18.44-fc-v1272: a read fault maps a real page, not the zero page (why read-fault RSS is not compared)', () => {
    const ref = kernelRef('ranges-with-holes');
    const view = obj(ref, 'after_populate_read_across_hole.view_A');
    expect({
      uname: at(ref, 'env.uname_r'),
      present: num(view, 'pagemap.present'),
      zeroPage: num(view, 'pagemap.present_4k_zero_page'),
      rssKb: num(view, 'smaps.Rss'),
    }).toEqual({ uname: '6.18.44-fc-v1272', present: 1024, zeroPage: 0, rssKb: 4096 });
    for (const name of ['ranges-args-populate', 'ranges-thp-reuse'])
      expect(at(kernelRef(name), 'env.uname_r')).toBe('6.18.44-fc-v1272');
  });
});

/**
 * A `j_call` object: the call's errno (the runner prints "<proc>: <call>: <errno>" for a failed
 * call, nothing on success), its minor faults and its status deltas, between two marks.
 */
function expectCall(run: OracleRun, ref: JObj, w: Window & { printed?: string; skipStatus?: boolean }): void {
  const a = procAt(run, w.from, w.proc);
  const b = procAt(run, w.to, w.proc);
  const actual: JObj = { minflt_delta: b.minflt - a.minflt };
  const expected: JObj = { minflt_delta: num(ref, 'call_measured.minflt_delta') };
  if (!w.skipStatus) {
    actual['status_delta'] = statusDelta(a, b);
    expected['status_delta'] = obj(ref, 'status_delta');
  }
  if (w.printed !== undefined) {
    actual['errno'] = w.printed;
    expected['errno'] = ref['errno']!;
  }
  expect.soft(actual).toEqual(expected);
}

/** The errnos the runner printed, in order ("A: mprotect: ENOMEM" → "ENOMEM"). */
function printedErrnos(run: OracleRun): string[] {
  return run.out
    .split('\n')
    .filter((l) => /^\S+: (mmap|mprotect|madvise|munmap)\b/.test(l))
    .map((l) => l.slice(l.lastIndexOf(' ') + 1));
}

/** The errnos of the record's failed calls, in the order they were made. */
function recordErrnos(o: Json, out: string[] = []): string[] {
  if (Array.isArray(o)) for (const x of o) recordErrnos(x, out);
  else if (isObj(o)) {
    if (typeof o['call'] === 'string' && o['rc'] === -1) out.push(o['errno'] as string);
    for (const [k, v] of Object.entries(o)) if (k !== 'env') recordErrnos(v, out);
  }
  return out;
}

/** A `j_piece` view: smaps of the VMA holding page `first` of the region, pagemap of the piece. */
function expectPiece(
  run: OracleRun,
  ref: JObj,
  w: { mark: string; proc: string; region: string; first: number; count: number },
): void {
  const p = procAt(run, w.mark, w.proc);
  const r = regionAt(run, w.mark, w.proc, w.region);
  const refSmaps = deterministic(obj(ref, 'smaps'), SMAPS_SKIPPED);
  expect
    .soft({
      smaps: smapsLike(p, r.start + w.first * 4096, refSmaps),
      pagemap: pagemapSummary(r, w.first, w.count),
    })
    .toEqual({ smaps: refSmaps, pagemap: refPagemap(obj(ref, 'pagemap')) });
}

/** nr_mapped moved on the shared machine while the oracle only wrote anonymous memory */
const NR_MAPPED_NOISE = {
  nr_mapped: 'file pages of other processes (this phase maps no file or shmem page)',
};

describe('ranges-with-holes (#14.1, #14.3)', () => {
  const ref = kernelRef('ranges-with-holes');
  const run = oracleRun('ranges-with-holes');
  const pieces = (mark: string, path: string, only?: 'A' | 'B') => {
    if (only !== 'B')
      expectPiece(run(), obj(ref, `${path}.view_A`), {
        mark,
        proc: 'A',
        region: 'r1',
        first: 0,
        count: 1024,
      });
    if (only !== 'A')
      expectPiece(run(), obj(ref, `${path}.view_B`), {
        mark,
        proc: 'A',
        region: 'r1',
        first: 1536,
        count: 512,
      });
  };

  it('every failed call printed the errno the kernel returned, in order', () => {
    expect.soft(run().failures).toEqual([]);
    expect(printedErrnos(run())).toEqual(recordErrnos(ref));
  });

  it('munmap of the middle: VMAs A and B; the hole its table went with (VmPTE -4)', () => {
    expectStatusDelta(run(), obj(ref, 'after_write_and_munmap_hole.status_delta_vs_before_write'), {
      proc: 'A',
      from: 'before_write',
      to: 'after_write_and_munmap_hole',
    });
    pieces('after_write_and_munmap_hole', 'after_write_and_munmap_hole');
  });

  it('mprotect starting in the hole: ENOMEM, nothing changes', () => {
    expectCall(run(), obj(ref, 'after_mprotect_from_hole.mprotect'), {
      proc: 'A',
      from: 'after_write_and_munmap_hole',
      to: 'after_mprotect_from_hole',
    });
    pieces('after_mprotect_from_hole', 'after_mprotect_from_hole');
  });

  it('mprotect over [A, hole, B): A becomes r--p, B stays rw-p, ENOMEM', () => {
    expectCall(run(), obj(ref, 'after_mprotect_across_hole.mprotect'), {
      proc: 'A',
      from: 'after_mprotect_from_hole',
      to: 'after_mprotect_across_hole',
    });
    pieces('after_mprotect_across_hole', 'after_mprotect_across_hole');
  });

  it('DONTNEED over [hole, B): B loses its pages and its whole PTE table, ENOMEM', () => {
    expectCall(run(), obj(ref, 'after_dontneed_from_hole.madvise'), {
      proc: 'A',
      from: 'after_mprotect_across_hole',
      to: 'after_dontneed_from_hole',
    });
    pieces('after_dontneed_from_hole', 'after_dontneed_from_hole');
  });

  it('POPULATE_WRITE over [B, nothing): B is populated (512 faults), then ENOMEM', () => {
    expectCall(run(), obj(ref, 'after_populate_write_past_end.madvise'), {
      proc: 'A',
      from: 'after_dontneed_from_hole',
      to: 'after_populate_write_past_end',
    });
    pieces('after_populate_write_past_end', 'after_populate_write_past_end', 'B');
  });

  it('DONTNEED over [A, hole, B): both lose their pages and their 3 PTE tables, ENOMEM', () => {
    expectCall(run(), obj(ref, 'after_dontneed_across_hole.madvise'), {
      proc: 'A',
      from: 'after_populate_write_past_end',
      to: 'after_dontneed_across_hole',
    });
    pieces('after_dontneed_across_hole', 'after_dontneed_across_hole');
  });

  it('POPULATE_READ over [A, hole, B): 1024 faults in A, then ENOMEM (RSS: see the build note)', () => {
    expectCall(run(), obj(ref, 'after_populate_read_across_hole.madvise'), {
      proc: 'A',
      from: 'after_dontneed_across_hole',
      to: 'after_populate_read_across_hole',
      skipStatus: true,
    });
    pieces('after_populate_read_across_hole', 'after_populate_read_across_hole', 'B');
  });

  it('PT reclaim: a table is freed only when one zap covers its whole 2 MiB', () => {
    expectStatusDelta(run(), obj(ref, 'reclaim_after_write.status_delta'), {
      proc: 'A',
      from: 'reclaim_before_write',
      to: 'reclaim_after_write',
    });
    expectCall(run(), obj(ref, 'reclaim_after_dontneed_0_1M.madvise'), {
      proc: 'A',
      from: 'reclaim_after_write',
      to: 'reclaim_after_dontneed_0_1M',
    });
    expectCall(run(), obj(ref, 'reclaim_after_dontneed_1M_5M.madvise'), {
      proc: 'A',
      from: 'reclaim_after_dontneed_0_1M',
      to: 'reclaim_after_dontneed_1M_5M',
    });
    expectView(run(), obj(ref, 'reclaim_after_dontneed_1M_5M.view'), {
      mark: 'reclaim_after_dontneed_1M_5M',
      proc: 'A',
      region: 'r2',
    });
    expectCall(run(), obj(ref, 'reclaim_after_dontneed_4M_8M.madvise'), {
      proc: 'A',
      from: 'reclaim_after_dontneed_1M_5M',
      to: 'reclaim_after_dontneed_4M_8M',
    });
    expectView(run(), obj(ref, 'reclaim_after_dontneed_4M_8M.view'), {
      mark: 'reclaim_after_dontneed_4M_8M',
      proc: 'A',
      region: 'r2',
    });
  });
});

describe('ranges-args-populate (#14.2, #13.6)', () => {
  const ref = kernelRef('ranges-args-populate');
  const run = oracleRun('ranges-args-populate');

  it('every failed call printed the errno the kernel returned, in order', () => {
    expect.soft(run().failures).toEqual([]);
    // the record's zero-length calls are not scenario statements (process.property.test.ts has them)
    const fromRecord = recordErrnos(ref).filter((_, i, all) => i !== all.indexOf('EINVAL', 5));
    expect(printedErrnos(run())).toEqual(fromRecord);
  });

  it('MAP_POPULATE of PROT_NONE faults nothing and allocates no page table', () => {
    expectMeasured(run(), obj(ref, 'after_mmap_prot_none_populate.mmap_call'), {
      proc: 'A',
      from: 'before_mmap_prot_none_populate',
      to: 'after_mmap_prot_none_populate',
    });
    expectStatusDelta(run(), obj(ref, 'after_mmap_prot_none_populate.status_delta'), {
      proc: 'A',
      from: 'before_mmap_prot_none_populate',
      to: 'after_mmap_prot_none_populate',
    });
    expectView(run(), obj(ref, 'after_mmap_prot_none_populate.view'), {
      mark: 'after_mmap_prot_none_populate',
      proc: 'A',
      region: 'n',
    });
  });

  it('POPULATE_READ on PROT_NONE and POPULATE_WRITE on read-only: EINVAL, no fault', () => {
    expectCall(run(), obj(ref, 'after_populate_read_prot_none.madvise'), {
      proc: 'A',
      from: 'after_mmap_prot_none_populate',
      to: 'after_populate_read_prot_none',
    });
    expectView(run(), obj(ref, 'after_populate_write_read_only.view'), {
      mark: 'after_populate_write_read_only',
      proc: 'A',
      region: 'r',
    });
  });

  it('rejected calls change nothing; mprotect of 4097 bytes covers two pages', () => {
    expect
      .soft(procAt(run(), 'after_rejected', 'A').minflt)
      .toBe(procAt(run(), 'before_alignment', 'A').minflt);
    expectStatusDelta(
      run(),
      { VmSize_kB: 0, VmRSS_kB: 0, RssAnon_kB: 0, RssFile_kB: 0, RssShmem_kB: 0, VmPTE_kB: 0 },
      {
        proc: 'A',
        from: 'before_alignment',
        to: 'after_rejected',
      },
    );
    expectPiece(run(), obj(ref, 'alignment.view_after_rejected'), {
      mark: 'after_rejected',
      proc: 'A',
      region: 'w',
      first: 0,
      count: 1024,
    });
    expectPiece(run(), obj(ref, 'alignment.view_first_two_pages'), {
      mark: 'after_mprotect_4097',
      proc: 'A',
      region: 'w',
      first: 0,
      count: 2,
    });
    expectPiece(run(), obj(ref, 'alignment.view_rest'), {
      mark: 'after_mprotect_4097',
      proc: 'A',
      region: 'w',
      first: 2,
      count: 1022,
    });
  });
});

describe('ranges-thp-reuse (#14.4, #13.7)', () => {
  const ref = kernelRef('ranges-thp-reuse');
  const run = oracleRun('ranges-thp-reuse');
  const pfns = (from: string, to: string) =>
    pfnCompare(regionAt(run(), from, 'A', 't'), regionAt(run(), to, 'A', 't'));

  it('every call returned 0', () => {
    expect.soft(run().failures).toEqual([]);
    expect(printedErrnos(run())).toEqual(recordErrnos(ref));
  });

  it('munmap of the last 4K of a THP splits its PMD and queues it for deferred split', () => {
    expectCall(run(), obj(ref, 'after_munmap_last_page_of_thp1.munmap'), {
      proc: 'A',
      from: 'after_write_two_thps',
      to: 'after_munmap',
    });
    expectPiece(run(), obj(ref, 'after_munmap_last_page_of_thp1.view_thp1'), {
      mark: 'after_munmap',
      proc: 'A',
      region: 't',
      first: 0,
      count: 511,
    });
    expectVmstat(
      run(),
      obj(ref, 'after_munmap_last_page_of_thp1.vmstat_delta_systemwide'),
      'after_write_two_thps',
      'after_munmap',
      {
        pgreuse: 'other processes of the shared machine (no write happens in the window)',
      },
    );
  });

  it('a write while the child still maps the folio copies (the folio may be mapped shared)', () => {
    expectMeasured(run(), obj(ref, 'after_parent_writes_page1_child_alive.write'), {
      proc: 'A',
      from: 'before_page1',
      to: 'after_page1',
    });
    expect
      .soft(pfns('before_page1', 'after_page1'))
      .toEqual(obj(ref, 'after_parent_writes_page1_child_alive.pfns_vs_before'));
  });

  it('after the child exits, writes to the PTE-mapped THP reuse it: pgreuse, same pfns, no deferred split', () => {
    expectMeasured(run(), obj(ref, 'after_parent_writes_page2_child_gone.write'), {
      proc: 'A',
      from: 'before_page2',
      to: 'after_page2',
    });
    expect
      .soft(pfns('before_page2', 'after_page2'))
      .toEqual(obj(ref, 'after_parent_writes_page2_child_gone.pfns_vs_before'));
    expectVmstat(
      run(),
      obj(ref, 'after_parent_writes_page2_child_gone.vmstat_delta_systemwide'),
      'before_page2',
      'after_page2',
      NR_MAPPED_NOISE,
    );
    expectMeasured(run(), obj(ref, 'after_parent_writes_pages_3_510.write'), {
      proc: 'A',
      from: 'after_page2',
      to: 'after_pages_3_510',
    });
    expect
      .soft(pfns('after_page2', 'after_pages_3_510'))
      .toEqual(obj(ref, 'after_parent_writes_pages_3_510.pfns_vs_before'));
    expectVmstat(
      run(),
      obj(ref, 'after_parent_writes_pages_3_510.vmstat_delta_systemwide'),
      'after_page2',
      'after_pages_3_510',
      {
        pgreuse:
          "508 here plus the oracle's own stack pages, write-protected by the fork, reused after the child exited",
        ...NR_MAPPED_NOISE,
      },
    );
    expect
      .soft(
        snapAt(run(), 'after_pages_3_510').vmstat['pgreuse']! -
          snapAt(run(), 'after_page2').vmstat['pgreuse']!,
      )
      .toBe(508);
    expectPiece(run(), obj(ref, 'after_parent_writes_pages_3_510.view_thp1'), {
      mark: 'after_pages_3_510',
      proc: 'A',
      region: 't',
      first: 0,
      count: 511,
    });
  });

  it('the PMD-mapped THP is reused in place once the child is gone (no pgreuse on the PMD path)', () => {
    expect
      .soft(pfns('after_pages_3_510', 'after_thp2'))
      .toEqual(obj(ref, 'after_parent_writes_thp2.pfns_vs_before'));
    expectVmstat(
      run(),
      obj(ref, 'after_parent_writes_thp2.vmstat_delta_systemwide'),
      'after_pages_3_510',
      'after_thp2',
    );
    expectPiece(run(), obj(ref, 'after_parent_writes_thp2.view_thp2'), {
      mark: 'after_thp2',
      proc: 'A',
      region: 't',
      first: 512,
      count: 512,
    });
  });

  it('MADV_NOHUGEPAGE on 4K of a THP splits the PMD with the VMA; fork and exit leave no THP behind', () => {
    expectVmstat(
      run(),
      obj(ref, 'after_nohugepage_4k_of_thp.vmstat_delta_systemwide'),
      'before_nohuge',
      'after_nohuge',
    );
    for (const [k, first, count] of [
      ['view_first', 0, 1],
      ['view_nohuge', 1, 1],
      ['view_rest', 2, 510],
    ] as const)
      expectPiece(run(), obj(ref, `after_nohugepage_4k_of_thp.${k}`), {
        mark: 'after_nohuge',
        proc: 'A',
        region: 'u',
        first,
        count,
      });
    const snap = snapAt(run(), 'after_fork_nohuge');
    const child = snap.procs.get('C')!;
    const r = child.regions.get('u')!;
    const refChild = obj(ref, 'after_fork_nohugepage.child_view_rest');
    expect
      .soft({
        smaps: smapsLike(child, r.start + 2 * 4096, deterministic(obj(refChild, 'smaps'), SMAPS_SKIPPED)),
        pagemap: pagemapSummary(r, 2, 510),
      })
      .toEqual({
        smaps: deterministic(obj(refChild, 'smaps'), SMAPS_SKIPPED),
        pagemap: refPagemap(obj(refChild, 'pagemap')),
      });
    // issue #13 item 7: every process gone, no anonymous memory and no THP left
    const end = snapAt(run(), 'all_exited').vmstat;
    expect
      .soft({
        nr_anon_pages: end['nr_anon_pages'],
        nr_anon_transparent_hugepages: end['nr_anon_transparent_hugepages'],
      })
      .toEqual({
        nr_anon_pages: 0,
        nr_anon_transparent_hugepages: 0,
      });
  });
});

/**
 * thp-underused-split / thp-underused-default (#15): the deferred split shrinker, run by
 * drop_caches, against tools/oracle/thp_underused.c with max_ptes_none 409 and 511. Their env's
 * zero_page_* fields are left out (not in the env suite above): the kernel build they were taken
 * on (6.18.44-fc-v1272) allocates a page for an anonymous read fault, so the page oracle_lib
 * reads as "the zero page" is a fresh anonymous one; the records find the zero page by
 * KPF_ZERO_PAGE instead, and so does pmdPages() here.
 */
function thpUnderusedSuite(name: 'thp-underused-split' | 'thp-underused-default') {
  describe(name, () => {
    const ref = kernelRef(name);
    const run = oracleRun(name);
    const PMDS = [
      ['pmd0_pages_0_511', 0],
      ['pmd1_pages_512_1023', 512],
      ['pmd2_pages_1024_1535', 1024],
    ] as const;
    /** j_pmd_pages(): which PTEs of a 2 MiB range map the shared 4 KiB zero page (KPF_ZERO_PAGE). */
    const pmdPages = (r: RegionSnap, first: number): JObj => {
      const zero = (i: number) =>
        (r.entries[i]! & PM_PRESENT) !== 0n &&
        (r.flags[i]! & bit(KPF.ZERO_PAGE)) !== 0n &&
        (r.flags[i]! & bit(KPF.THP)) === 0n;
      const others: number[] = [];
      let onZero = 0;
      for (let i = first; i < first + 512; i++) {
        if (zero(i)) onZero++;
        else if (r.entries[i]! & PM_PRESENT) others.push(i);
      }
      return {
        on_4k_zero_page: onZero,
        present_not_zero_page: others.length,
        pages_not_on_zero_page_if_at_most_16: others.length <= 16 ? others : [],
      };
    };
    /** j_state(): the region's smaps and, per PMD, the zero-page PTEs and the pagemap summary. */
    const expectState = (phase: string, mark: string) => {
      const p = procAt(run(), mark, 'A');
      const r = regionAt(run(), mark, 'A', 'r1');
      const refSmaps = deterministic(obj(ref, `${phase}.smaps`), SMAPS_SKIPPED);
      expect.soft({ phase, smaps: smapsLike(p, r.start, refSmaps) }).toEqual({ phase, smaps: refSmaps });
      for (const [key, first] of PMDS) {
        expect
          .soft({ phase, key, ...pmdPages(r, first) })
          .toEqual({ phase, key, ...obj(ref, `${phase}.${key}`) });
        expect
          .soft({ phase, key, ...pagemapSummary(r, first, 512) })
          .toEqual({ phase, key, ...refPagemap(obj(ref, `${phase}.${key}_pagemap`)) });
      }
    };
    const split = name === 'thp-underused-split';

    it("the machine has the record's max_ptes_none; the .mm expect lines hold", () => {
      expect(run().machine.cfg.maxPtesNone).toBe(num(ref, 'max_ptes_none'));
      expectScenarioClean(run());
    });

    it('after_writes: one fault per PMD, three THPs (AnonHugePages 6144 kB), nothing on the zero page', () => {
      expectMeasured(run(), obj(ref, 'after_writes.write_pmd0'), {
        proc: 'A',
        from: 'after_mmap',
        to: 'after_write_pmd0',
      });
      expectMeasured(run(), obj(ref, 'after_writes.write_pmd1'), {
        proc: 'A',
        from: 'after_write_pmd0',
        to: 'after_write_pmd1',
      });
      expectMeasured(run(), obj(ref, 'after_writes.write_pmd2'), {
        proc: 'A',
        from: 'after_write_pmd1',
        to: 'after_writes',
      });
      expectStatusDelta(run(), obj(ref, 'after_writes.status_delta_vs_before_mmap'), {
        proc: 'A',
        from: 'before_mmap',
        to: 'after_writes',
      });
      expectState('after_writes', 'after_writes');
      expectThpDeltas(run(), obj(ref, 'after_writes'), 'after_mmap', 'after_writes');
    });

    it('after_drop_caches: the underused THPs split, their zero-filled pages on the zero page', () => {
      expectState('after_drop_caches', 'after_drop_caches');
      expectThpDeltas(run(), obj(ref, 'after_drop_caches'), 'after_writes', 'after_drop_caches');
      // The record's status delta also holds +8 kB of the oracle program's own memory (its
      // buffers): the default record shows the same +8 kB with nothing split.
      const own = { VmRSS_kB: 8, RssAnon_kB: 8 };
      const d = obj(ref, 'after_drop_caches.status_delta_vs_previous');
      expectStatusDelta(
        run(),
        {
          ...d,
          VmRSS_kB: num(d, 'VmRSS_kB') - own.VmRSS_kB,
          RssAnon_kB: num(d, 'RssAnon_kB') - own.RssAnon_kB,
        },
        { proc: 'A', from: 'after_writes', to: 'after_drop_caches' },
      );
      expect(run().out.includes('thp-deferred_split shrinker split 2 THPs')).toBe(split);
    });

    it('after_read_all: no fault, the written bytes read back, zeros elsewhere', () => {
      expectMeasured(run(), obj(ref, 'after_read_all.read_all_1536_pages'), {
        proc: 'A',
        from: 'after_drop_caches',
        to: 'after_read_all',
        sum: { region: 'r1', first: 0, count: 1536 },
      });
      expectThpDeltas(run(), obj(ref, 'after_read_all'), 'after_drop_caches', 'after_read_all');
    });

    it('after_write_page_10: a write to a zero-page PTE faults and takes a page of its own', () => {
      expectMeasured(run(), obj(ref, 'after_write_page_10.write_page_10'), {
        proc: 'A',
        from: 'after_read_all',
        to: 'after_write_page_10',
      });
      expectStatusDelta(run(), obj(ref, 'after_write_page_10.status_delta_vs_after_drop_caches'), {
        proc: 'A',
        from: 'after_drop_caches',
        to: 'after_write_page_10',
      });
      const r = regionAt(run(), 'after_write_page_10', 'A', 'r1');
      expectPage(r, 10, obj(ref, 'after_write_page_10.page_10'));
      expect.soft(pmdPages(r, 0)).toEqual(obj(ref, 'after_write_page_10.pmd0_pages_0_511'));
      expectThpDeltas(run(), obj(ref, 'after_write_page_10'), 'after_read_all', 'after_write_page_10');
    });

    it('after_second_drop_caches: nothing more (the THP kept was taken off the queue)', () => {
      expectState('after_second_drop_caches', 'after_second_drop_caches');
      expectStatusDelta(run(), obj(ref, 'after_second_drop_caches.status_delta_vs_previous'), {
        proc: 'A',
        from: 'after_write_page_10',
        to: 'after_second_drop_caches',
      });
      expectThpDeltas(
        run(),
        obj(ref, 'after_second_drop_caches'),
        'after_write_page_10',
        'after_second_drop_caches',
      );
      expect(run().machine.deferredSplit.size).toBe(0);
    });
  });
}
thpUnderusedSuite('thp-underused-split');
thpUnderusedSuite('thp-underused-default');
