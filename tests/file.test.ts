/**
 * File-backed memory (issue #15) against the real kernel: reference/kernel-6.18/file.json
 * (tools/oracle/file.c) replayed by scenarios/oracle/file.mm and compared field by field at every
 * phase: minor and major faults, the RssAnon/RssFile/RssShmem deltas, the region's pagemap
 * (present, file bit 61, exclusive bit 56, KPF_ANON), kpageflags and kpagecount of its first two
 * pages, smaps of the VMA, the file's cached pages, and the /proc/vmstat deltas of the page cache
 * (pgmajfault, nr_file_pages, nr_mapped, nr_shmem, nr_dirty, nr_dirtied, nr_written, pgpgin).
 *
 * Not compared: PRIVATE (ext4's buffer heads on a written page) and the LRU/ACTIVE/REFERENCED bits
 * (where the LRU batches are on a real machine); the record's systemwide counters are from a quiet
 * run (other processes add to them otherwise).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KPF_NAMES, kpagecount, kpageflags, pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { processPageStates } from '../src/core/inspect.ts';
import { inspectFrame } from '../src/core/inspect_frame.ts';
import { VPageState } from '../src/core/shared/page_state.ts';
import { runScenario, Session } from '../src/core/scenario/run.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { runMarked, smapsBlock, type MarkContext } from './helpers/marked.ts';
import { assertInvariants } from '../src/core/check.ts';
import { PG } from '../src/core/phys/page.ts';

type Json = Record<string, unknown>;
const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8');
const ref = JSON.parse(read('reference/kernel-6.18/file.json')) as Record<string, Json>;
const scenario = read('scenarios/oracle/file.mm');
const NPAGES = 64;
const VM_KEYS = [
  'pgmajfault',
  'nr_file_pages',
  'nr_mapped',
  'nr_shmem',
  'nr_dirty',
  'nr_dirtied',
  'nr_written',
  'pgpgin',
] as const;
/** kpageflags the comparison leaves out: the LRU state and ext4's buffer heads */
const VOLATILE = new Set(['LRU', 'ACTIVE', 'REFERENCED', 'IDLE', 'PRIVATE']);

interface Snap {
  minflt: number;
  majflt: number;
  status: Record<string, number>;
  vmstat: Record<string, number>;
  /** per region base: pagemap counts, the first two pages, smaps */
  views: Map<number, Json>;
  cached: number;
}

function view(c: MarkContext, base: number): Json {
  const m = c.session.machine!;
  const t = c.session.procs.get('A')!.task;
  const mm = t.mm!;
  const counts = { present: 0, pm_file_or_shared_bit61: 0, pm_exclusive_bit56: 0, kpf_anon: 0 };
  const pages: Json[] = [];
  for (let i = 0; i < NPAGES; i++) {
    const e = pagemapEntry(m, mm, base + i * m.pageSize);
    const present = (e >> 63n) & 1n;
    if (!present) {
      if (i < 2) pages.push({ present: false });
      continue;
    }
    const pfn = Number(e & ((1n << 55n) - 1n));
    const kpf = kpageflags(m, pfn);
    counts.present++;
    if ((e >> 61n) & 1n) counts.pm_file_or_shared_bit61++;
    if ((e >> 56n) & 1n) counts.pm_exclusive_bit56++;
    if ((kpf >> 12n) & 1n) counts.kpf_anon++;
    if (i < 2) {
      const names: string[] = [];
      for (let b = 0; b < 64; b++)
        if ((kpf >> BigInt(b)) & 1n) {
          const n = KPF_NAMES[b] === 'MAPPEDTODISK' ? 'OWNER_2(ANON_EXCLUSIVE)' : KPF_NAMES[b]!;
          if (!VOLATILE.has(n)) names.push(n);
        }
      pages.push({
        present: true,
        pm_file_or_shared_bit61: ((e >> 61n) & 1n) === 1n,
        pm_exclusive_bit56: ((e >> 56n) & 1n) === 1n,
        kpf_stable: names,
        kpagecount: kpagecount(m, pfn),
      });
    }
  }
  const b = smapsBlock(readProc(m, `/proc/${t.pid}/smaps`), base);
  const smaps = b
    ? Object.fromEntries(
        ['Rss', 'Pss', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Anonymous'].map(
          (k) => [k, b.field(k)],
        ),
      )
    : {};
  return { counts, page_0: pages[0], page_1: pages[1], smaps };
}

const BASES = [0x100000000000, 0x108000000000, 0x110000000000];

function take(c: MarkContext): Snap {
  const m = c.session.machine!;
  const t = c.session.procs.get('A')!.task;
  const status = readProc(m, `/proc/${t.pid}/status`);
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)![1]);
  const vm = readProc(m, '/proc/vmstat');
  const vmv = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(vm)![1]);
  const views = new Map<number, Json>();
  for (const base of BASES) if (t.mm!.vmas.some((v) => v.start === base)) views.set(base, view(c, base));
  return {
    minflt: t.minflt,
    majflt: t.majflt,
    status: { RssAnon_kB: kb('RssAnon'), RssFile_kB: kb('RssFile'), RssShmem_kB: kb('RssShmem') },
    vmstat: Object.fromEntries(VM_KEYS.map((k) => [k, vmv(k)])),
    views,
    cached: m.files.get('data')?.pages.size ?? 0,
  };
}

/** Each phase of the record: the mark before it, the region it looks at, whether it counts cached pages. */
const PHASES: [phase: string, pre: string, base: number | null, cached: boolean][] = [
  ['private_read_page0', 'before', BASES[0]!, true],
  ['private_read_rest', 'private_read_page0', BASES[0]!, true],
  ['private_write_page0_1', 'private_read_rest', BASES[0]!, true],
  ['private_write_first_page4', 'pre_write_first', BASES[0]!, true],
  ['shared_write_pages0_7', 'pre_shared_write', BASES[0]!, true],
  ['after_msync', 'shared_write_pages0_7', BASES[0]!, true],
  ['after_munmap_fadvise_dontneed', 'pre_fadvise', null, true],
  ['tmpfs_after_write', 'after_munmap_fadvise_dontneed', null, false],
  ['tmpfs_shared_read_all', 'pre_tmpfs_read', BASES[1]!, false],
  ['tmpfs_private_read_page0', 'pre_tmpfs_private', BASES[2]!, false],
  ['tmpfs_private_write_page0', 'tmpfs_private_read_page0', BASES[2]!, false],
];

const pick = (o: Json, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

describe('file-backed memory against the kernel (file.json)', () => {
  const snaps = runMarked(scenario, take);

  it('the scenario runs to its end, invariants checked after every statement', () => {
    expect(runScenario(scenario, { out: () => {}, check: true }).exitCode).toBe(0);
  });

  for (const [phase, pre, base, cached] of PHASES)
    it(`${phase}: faults, RSS, pagemap, kpageflags, smaps and page-cache counters as the kernel shows them`, () => {
      const r = ref[phase]!;
      const a = snaps.get(pre)!;
      const b = snaps.get(phase)!;
      const faults = r['faults'] as Json | undefined;
      if (faults && base !== null) {
        expect({ minflt: b.minflt - a.minflt, majflt: b.majflt - a.majflt }).toEqual({
          minflt: faults['minflt_delta'],
          majflt: faults['majflt_delta'],
        });
        const sd = r['status_delta'] as Json;
        expect(
          Object.fromEntries(Object.keys(b.status).map((k) => [k, b.status[k]! - a.status[k]!])),
        ).toEqual(pick(sd, Object.keys(b.status)));
      }
      const vd = r['vmstat_delta_systemwide'] as Json;
      expect(Object.fromEntries(VM_KEYS.map((k) => [k, b.vmstat[k]! - a.vmstat[k]!]))).toEqual(
        pick(vd, VM_KEYS),
      );
      if (cached) expect(b.cached).toBe(r['cached_pages']);
      if (base === null) return;
      const v = b.views.get(base)!;
      const rv = r['view'] as Json;
      expect(v['counts']).toEqual(pick(rv['pagemap'] as Json, Object.keys(v['counts'] as Json)));
      expect(v['smaps']).toEqual(pick(rv['smaps'] as Json, Object.keys(v['smaps'] as Json)));
      for (const pg of ['page_0', 'page_1']) {
        const rp = r[pg] as Json;
        const mp = v[pg] as Json;
        expect(mp['present']).toBe(rp['present']);
        if (!rp['present']) continue;
        expect({ ...mp, kpf_stable: (mp['kpf_stable'] as string[]).filter((n) => !VOLATILE.has(n)) }).toEqual(
          {
            present: true,
            pm_file_or_shared_bit61: rp['pm_file_or_shared_bit61'],
            pm_exclusive_bit56: rp['pm_exclusive_bit56'],
            kpf_stable: (rp['kpf_stable'] as string[]).filter((n) => !VOLATILE.has(n)),
            kpagecount: rp['kpagecount'],
          },
        );
      }
    });

  it('a private write never reaches the file; a shared write does, after sync', () => {
    let out = '';
    const s = new Session({ out: (t) => (out += t) });
    for (const st of parseScenario(
      [
        'machine ram=256M cpus=1',
        'boot',
        'spawn A',
        'file f 64K disk fill=0x5a',
        'A mmap p 64K rw file=f',
        'A write p 0x1000 1 4K 0x11',
        'A munmap p',
        'A mmap s 64K rw shared file=f',
        'A dump s 0x1000 1',
        'A write s 0x2000 1 4K 0x22',
        'sync',
        'A munmap s',
        'fadvise f dontneed',
        'A mmap t 64K r file=f',
        'A dump t 0x2000 1',
        'A dump t 0x3000 1',
      ].join('\n'),
    ))
      s.exec(st);
    const lines = out.split('\n').filter((l) => /^0000/.test(l));
    expect(lines[0]).toMatch(/^[0-9a-f]+ {2}5a /); // the private write stayed private
    expect(lines[1]).toMatch(/^[0-9a-f]+ {2}22 /); // written back, read again from the disk
    expect(lines[2]).toMatch(/^[0-9a-f]+ {2}5a /);
    expect(out).toContain('sync: 1 page written back');
    expect(out).toContain('fadvise: 16 pages dropped from the page cache');
  });

  it('a fault past the end of the file is SIGBUS; a hole reads zero', () => {
    let out = '';
    const s = new Session({ out: (t) => (out += t) });
    for (const st of parseScenario(
      [
        'machine ram=256M cpus=1',
        'boot',
        'spawn A',
        'file h 8K disk',
        'A mmap r 16K r file=h',
        'A dump r 0 1',
        'A read r 0x2000 1 4K',
      ].join('\n'),
    ))
      s.exec(st);
    expect(out).toMatch(/^[0-9a-f]+ {2}00 /m);
    expect(out).toMatch(/SIGBUS/);
  });
});

/** Runs a scenario with the invariants checked after every statement; returns its output and session. */
function run(lines: string[]): { out: string; s: Session } {
  let out = '';
  const s = new Session({ out: (t) => (out += t) });
  const r = runScenario(lines.join('\n'), { out: () => {}, check: true });
  expect(r.exitCode).toBe(0);
  for (const st of parseScenario(lines.join('\n'))) s.exec(st);
  return { out, s };
}

const vmstat = (s: Session, k: string) =>
  Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(readProc(s.machine!, '/proc/vmstat'))![1]);

describe('reclaim of page-cache pages', () => {
  const head = [
    'machine ram=256M cpus=1',
    'boot',
    'spawn A',
    'file f 256K disk fill=0x5a',
    'A mmap r 256K r file=f',
  ];

  it('clean file pages go before anonymous ones (cache_trim_mode), unmapped through the rmap', () => {
    const { s, out } = run([
      ...head,
      'A read r 0 256K 4K',
      'swapon 64M',
      'A mmap an 1M rw',
      'A write an 0 1M 4K 1',
      'reclaim 128K',
    ]);
    const kb = Number(/reclaim: (\d+) kB reclaimed/.exec(out)![1]);
    expect(kb).toBeGreaterThanOrEqual(128);
    expect(vmstat(s, 'pgsteal_file')).toBe(kb / 4);
    expect(vmstat(s, 'pgsteal_anon')).toBe(0);
    expect(vmstat(s, 'pswpout')).toBe(0);
    const t = s.procs.get('A')!.task;
    const rssFile = Number(/^RssFile:\s+(\d+) kB$/m.exec(readProc(s.machine!, `/proc/${t.pid}/status`))![1]);
    expect(rssFile).toBe(256 - kb);
    expect(vmstat(s, 'nr_file_pages')).toBe(64 - kb / 4);
    expect(s.machine!.files.get('f')!.pages.size).toBe(64 - kb / 4);
  });

  it('a dirty page is not written by reclaim: unmapped, activated, kept until sync', () => {
    const { s, out } = run([
      'machine ram=256M cpus=1',
      'boot',
      'spawn A',
      'file g 1M disk fill=0x33',
      'A mmap s 1M rw shared file=g',
      'A write s 0 1M 4K 7',
      'reclaim 256K',
      'sync',
    ]);
    expect(out).toMatch(/reclaim: EAGAIN \(0 kB reclaimed/);
    expect(vmstat(s, 'nr_vmscan_immediate_reclaim')).toBeGreaterThan(0);
    expect(vmstat(s, 'nr_file_pages')).toBe(256);
    expect(vmstat(s, 'nr_written')).toBe(256);
    expect(vmstat(s, 'nr_dirty')).toBe(0);
    // the ones reclaim looked at were unmapped (their PTEs' dirty bits went to the pages) and
    // activated: none was lost, the sync wrote every one
    const t = s.procs.get('A')!.task;
    expect(t.mm!.rss[0]).toBeLessThan(256);
    expect(vmstat(s, 'nr_active_file')).toBeGreaterThan(0);
  });

  it('MADV_PAGEOUT drops a file mapping’s clean pages; the next read is a major fault', () => {
    // 64 KiB read: one major fault, the read-around caches 32 pages, fault-around maps 16
    const { s, out } = run([...head, 'A read r 0 64K 4K', 'A madvise r 0 64K pageout', 'A dump r 0 1']);
    const t = s.procs.get('A')!.task;
    expect(t.majflt).toBe(2);
    expect(vmstat(s, 'nr_file_pages')).toBe(32);
    expect(out).toMatch(/^[0-9a-f]+ {2}5a /m);
  });

  it('drop_caches drains the LRU batches, drops clean, unmapped page cache and leaves mapped and dirty pages', () => {
    const { s, out } = run([
      'machine ram=256M cpus=1',
      'boot',
      'spawn A',
      'file f 1M disk fill=0x5a',
      'A mmap r 1M r file=f',
      'A read r 0 1M 4K',
      'A munmap r',
      'A mmap r 1M r file=f',
      'A read r 0 64K 4K',
      'file g 64K disk',
      'A mmap s 64K rw shared file=g',
      'A write s 0 4K 4K 1',
      'drop_caches',
    ]);
    const m = s.machine!;
    const dropped = Number(/drop_caches: (\d+) page-cache pages dropped/.exec(out)![1]);
    expect(dropped).toBeGreaterThan(200);
    // drop_caches_sysctl_handler(): lru_add_drain_all() first, so no page waits in a batch
    expect(m.lruBatch.flat()).toEqual([]);
    for (const f of m.files.values())
      for (const pfn of f.pages.values()) {
        const mapped = m.pages.mapcount[pfn]! >= 0;
        const dirty = (m.pages.flags[pfn]! & PG.dirty) !== 0;
        expect(mapped || dirty).toBe(true);
      }
    expect(vmstat(s, 'drop_pagecache')).toBe(1);
    expect(vmstat(s, 'drop_slab')).toBe(1);
    expect(vmstat(s, 'nr_file_pages')).toBe(256 + 16 - dropped);
  });
});

describe('the process view and the frame inspector', () => {
  it('a page-cache page is its own page state; a private write makes it private; the frame names file and index', () => {
    const { s } = run([
      'machine ram=256M cpus=1',
      'boot',
      'spawn A',
      'file f 64K disk fill=0x5a',
      'A mmap r 64K rw file=f',
      'A read r 0 64K 4K',
      'A write r 0x2000 1 4K 1',
    ]);
    const m = s.machine!;
    const t = s.procs.get('A')!.task;
    const base = t.mm!.vmas.find((v) => v.shmem)!.start;
    const pfns = new Float64Array(16);
    const states = processPageStates(m, t, base, 16, pfns);
    expect([...states.slice(0, 4)]).toEqual([
      VPageState.File,
      VPageState.File,
      VPageState.Private,
      VPageState.File,
    ]);
    expect(inspectFrame(m, pfns[3]!).pageCache).toEqual({ path: '/mnt/disk/f', index: 3, dirty: false });
    expect(inspectFrame(m, pfns[2]!).pageCache).toBeNull();
  });
});

describe('a sequential read of a file bigger than the readahead window (file-seq.json)', () => {
  const seqRef = JSON.parse(read('reference/kernel-6.18/file-seq.json')) as Record<string, Json>;
  const snaps = runMarked(read('scenarios/oracle/file-seq.mm'), (c) => {
    const t = c.session.procs.get('A')!.task;
    return { minflt: t.minflt, majflt: t.majflt, cached: c.session.machine!.files.get('f')!.pages.size };
  });
  const d = (a: string, b: string, k: 'minflt' | 'majflt') => snaps.get(b)![k] - snaps.get(a)![k];

  it('the first read is one major fault that caches the read-around window', () => {
    const r = seqRef['read_page0']!;
    expect({
      majflt: d('before', 'read_page0', 'majflt'),
      minflt: d('before', 'read_page0', 'minflt'),
    }).toEqual({
      majflt: r['majflt_delta'],
      minflt: r['minflt_delta'],
    });
    expect(snaps.get('read_page0')!.cached).toBe(r['cached_pages']);
  });

  it('async readahead stays ahead of the reader: no other major fault, the whole file cached', () => {
    const r = seqRef['read_rest']!;
    expect(d('read_page0', 'read_rest', 'majflt')).toBe(r['majflt_delta']);
    expect(snaps.get('read_rest')!.cached).toBe(r['cached_pages']);
    // minor faults: at most one per 64 KiB fault-around window, no fewer than the kernel's (whose
    // larger folios map more per fault)
    const minflt = d('read_page0', 'read_rest', 'minflt');
    expect(minflt).toBeLessThanOrEqual(256 / 16);
    expect(minflt).toBeGreaterThanOrEqual(r['minflt_delta_varies'] as number);
  });
});

describe('reclaim with clean page cache and swappable anon against the kernel (file-reclaim.json)', () => {
  const ref = JSON.parse(read('reference/kernel-6.18/file-reclaim.json')) as Record<string, Json>;
  const BASE_ANON = 0x100000000000;
  const BASE_FILE = 0x108000000000;
  const snaps = runMarked(read('scenarios/oracle/file-reclaim.mm'), (c) => {
    const m = c.session.machine!;
    const mm = c.session.procs.get('A')!.task.mm!;
    let anonPresent = 0;
    let anonSwapped = 0;
    let fileMapped = 0;
    for (let i = 0; i < 256; i++) {
      const a = pagemapEntry(m, mm, BASE_ANON + i * m.pageSize);
      if ((a >> 63n) & 1n) anonPresent++;
      if ((a >> 62n) & 1n) anonSwapped++;
      if ((pagemapEntry(m, mm, BASE_FILE + i * m.pageSize) >> 63n) & 1n) fileMapped++;
    }
    const vm = readProc(m, '/proc/vmstat');
    const g = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(vm)![1]);
    return {
      state: {
        anon_present: anonPresent,
        anon_swapped: anonSwapped,
        file_mapped: fileMapped,
        file_cached: m.files.get('f')!.pages.size,
      },
      vm: { pswpout: g('pswpout'), pgsteal_anon: g('pgsteal_anon'), pgsteal_file: g('pgsteal_file') },
    };
  });

  it('before: the anonymous pages present, the whole file cached and mapped', () => {
    expect(snaps.get('before')!.state).toEqual(ref['before']);
  });

  it('the file goes first: nothing swapped, about 128 file pages dropped from the cache and unmapped', () => {
    const a = snaps.get('before')!;
    const b = snaps.get('after_limit')!;
    const r = ref['after_limit']!;
    const rv = ref['vmstat_delta_systemwide']!;
    expect(b.state.anon_present).toBe(r['anon_present']);
    expect(b.state.anon_swapped).toBe(r['anon_swapped']);
    expect(b.vm.pswpout - a.vm.pswpout).toBe(rv['pswpout']);
    expect(b.vm.pgsteal_anon - a.vm.pgsteal_anon).toBe(rv['pgsteal_anon']);
    // the batches differ (the kernel's limit reclaim runs until the charge fits, the model's
    // proactive reclaim in SWAP_CLUSTER_MAX batches): within one batch of the kernel
    expect(
      Math.abs(b.vm.pgsteal_file - a.vm.pgsteal_file - (rv['pgsteal_file'] as number)),
    ).toBeLessThanOrEqual(32);
    expect(Math.abs(b.state.file_cached - (r['file_cached'] as number))).toBeLessThanOrEqual(32);
    expect(b.state.file_mapped).toBe(b.state.file_cached);
    expect(r['file_mapped']).toBe(r['file_cached']);
  });
});

describe('write-notify of a shared disk-file mapping', () => {
  it('a read maps the page read-only; the first write faults and dirties it; after sync the next write does again', () => {
    const { s } = run([
      'machine ram=256M cpus=1',
      'boot',
      'spawn A',
      'file f 64K disk fill=0x5a',
      'A mmap s 64K rw shared file=f',
      'A read s 0 4K 4K',
      'A write s 0 1 4K 1',
      'A write s 0 1 4K 2',
      'sync f',
      'A write s 0 1 4K 3',
      'A mprotect s 0 64K r',
      'A mprotect s 0 64K rw',
      'A write s 0x1000 1 4K 4',
    ]);
    const t = s.procs.get('A')!.task;
    // read (1 major), first write (wp_page_shared), second write (no fault), after sync (again),
    // after mprotect rw the PTE of page 1 is still read-only: one more
    expect(t.majflt).toBe(1);
    expect(t.minflt - 1).toBe(3);
    expect(vmstat(s, 'nr_dirtied')).toBe(3);
    expect(vmstat(s, 'nr_written')).toBe(1);
    expect(vmstat(s, 'nr_dirty')).toBe(2);
  });
});

describe('review mends', () => {
  const runLines = (lines: string[]) => {
    let out = '';
    const s = new Session({ out: (t) => (out += t) });
    for (const st of parseScenario(lines.join('\n'))) {
      s.exec(st);
      if (s.machine?.memmapReady) assertInvariants(s.machine);
    }
    return { s, out };
  };
  const base = ['machine ram=256M cpus=1', 'boot', 'spawn A'];

  it('writeback zeroes the last page past the end of the file; the bytes never reach the disk', () => {
    const { out } = runLines([
      ...base,
      'file f 5000 disk',
      'A mmap r 8K rw shared file=f',
      'A write r 4096 4K 1K 0x77',
      'sync f',
      'A munmap r',
      'fadvise f dontneed',
      'A mmap r 8K r shared file=f',
      'A dump r 4096 4K',
    ]);
    // file offset 4096 keeps 0x77; 5120, 6144 and 7168 are past i_size (5000): read back as zeros
    const dump = out
      .slice(out.lastIndexOf('A: dump'))
      .split('\n')
      .filter((l) => /^[0-9a-f]{16} /.test(l));
    expect(dump[0]).toMatch(/^[0-9a-f]{16} {2}77 00 /);
    expect(dump.slice(1).join('\n')).not.toMatch(/ 77 /);
  });

  it('KSM merges the COW pages of a private file mapping (vma_ksm_compatible)', () => {
    const { s } = runLines([
      ...base,
      'file f 64K disk fill=0x5a',
      'A mmap r 64K rw file=f',
      'A write r 0 64K 4K 0x11',
      'A madvise r 0 64K mergeable',
      'ksm scan 2',
    ]);
    expect(Number(readProc(s.machine!, '/sys/kernel/mm/ksm/pages_shared'))).toBe(1);
    expect(Number(readProc(s.machine!, '/sys/kernel/mm/ksm/pages_sharing'))).toBe(15);
  });

  it('fadvise dontneed writes dirty pages back first, then drops them', () => {
    const { s } = runLines([
      ...base,
      'file f 64K disk',
      'A mmap r 64K rw shared file=f',
      'A write r 0 16K 4K 1',
      'A munmap r',
      'fadvise f dontneed',
    ]);
    expect(vmstat(s, 'nr_dirty')).toBe(0);
    expect(vmstat(s, 'nr_written')).toBe(4);
    expect(s.machine!.files.get('f')!.pages.size).toBe(0);
  });

  it('MemAvailable counts the page cache but the smaller of half of it and the low watermarks', () => {
    const { s } = runLines([...base, 'file f 64M disk', 'A mmap r 64M r file=f']);
    const kb = (n: string) =>
      Number(new RegExp(`^${n}:\\s+(\\d+)`, 'm').exec(readProc(s.machine!, '/proc/meminfo'))![1]);
    const before = kb('MemAvailable');
    s.exec(parseScenario('A read r 0 64M 4K')[0]!);
    // 64 MiB now cached: MemFree falls by it, MemAvailable by at most half of it
    expect(before - kb('MemAvailable')).toBeLessThan(40 * 1024);
  });

  it('mprotect r → rw of a shared file mapping makes dirty PTEs writable again: no new faults', () => {
    const { s } = runLines([
      ...base,
      'file f 64K disk',
      'A mmap r 64K rw shared file=f',
      'A write r 0 16K 4K 1',
      'A mprotect r 0 64K r',
      'A mprotect r 0 64K rw',
    ]);
    const t = s.procs.get('A')!.task;
    const minflt = t.minflt;
    s.exec(parseScenario('A write r 0 16K 4K 2')[0]!);
    expect(t.minflt).toBe(minflt);
  });
});

describe('every byte read is the last one written, across page-cache operations', () => {
  it('random private and shared writes, reads, sync, fadvise, drop_caches, reclaim and pageout (invariants after each)', () => {
    let out = '';
    const s = new Session({ out: (t) => (out += t) });
    const exec = (line: string) => {
      for (const st of parseScenario(line)) s.exec(st);
      assertInvariants(s.machine!);
    };
    const PAGES = 64;
    exec('machine ram=256M cpus=2\nboot\nswapon 16M\nspawn A');
    exec('file f 256K disk fill=0x5a\nA mmap p 256K rw file=f\nA mmap s 256K rw shared file=f');
    const file = new Array<number>(PAGES).fill(0x5a);
    const priv = new Array<number | undefined>(PAGES).fill(undefined);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const readByte = (region: 'p' | 's', page: number): number => {
      out = '';
      exec(`A dump ${region} 0x${(page * 4096).toString(16)} 1`);
      const m = /^[0-9a-f]+ {2}([0-9a-f]{2}) /m.exec(out);
      if (!m) throw new Error(`no dump line in: ${out}`);
      return parseInt(m[1]!, 16);
    };
    for (let step = 0; step < 300; step++) {
      const page = rnd(PAGES);
      const v = 1 + rnd(255);
      switch (rnd(10)) {
        case 0:
        case 1:
          exec(`A write s 0x${(page * 4096).toString(16)} 1 4K ${v}`);
          file[page] = v;
          break;
        case 2:
        case 3:
          exec(`A write p 0x${(page * 4096).toString(16)} 1 4K ${v}`);
          priv[page] = v;
          break;
        case 4:
          exec('sync');
          break;
        case 5:
          exec(['fadvise f dontneed', 'drop_caches', 'reclaim 128K'][rnd(3)]!);
          break;
        case 6:
          exec(`A madvise ${rnd(2) ? 'p' : 's'} 0 256K pageout`);
          break;
        case 7:
          if (rnd(4) === 0) {
            exec('A madvise p 0 256K dontneed'); // the private copies go: the file shows through
            priv.fill(undefined);
          }
          break;
        default:
          break;
      }
      expect(readByte('s', page)).toBe(file[page]);
      expect(readByte('p', page)).toBe(priv[page] ?? file[page]);
    }
    // and after everything is written back, dropped and read again from the "disk"
    exec('sync\nA munmap s\nA munmap p\nfadvise f dontneed\nA mmap s 256K r shared file=f');
    expect(s.machine!.files.get('f')!.pages.size).toBe(0);
    for (let page = 0; page < PAGES; page++) expect(readByte('s', page)).toBe(file[page]);
  });
});
