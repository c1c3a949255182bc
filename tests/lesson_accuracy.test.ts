/**
 * Keeps what the lessons say checkable (issue #17):
 * - every kernel function (`name()`), counter, flag or variable a step's text names is backed by one
 *   of the step's source references (its label, or the names it lists);
 * - every function a step cites exists in the kernel of the step's era (kernel_fns.ts: Linux 6.18
 *   for zero_page_patch=before, the "arch, mm: consolidate empty_zero_page" series for after), and
 *   so does every counter, flag or variable it cites;
 * - a predict question states the sizes its answer depends on: every size in the step's scenario
 *   lines (64K, 1G...) and the RAM of a machine the step boots appear in the narration or prompt.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/core/config.ts';
import {
  KERNEL_FNS,
  KERNEL_NAMES,
  USER_API,
  kernelFn,
  kernelFnIn,
  type Era,
} from '../src/core/kernel_fns.ts';
import { LESSONS } from '../src/ui/lessons/index.ts';
import type { Lesson, LessonStep } from '../src/ui/lessons/types.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isKsmZeroPte } from '../src/core/mm/ksm.ts';
import { walkPteRange } from '../src/core/mm/pgtable.ts';
import { pagemapEntry } from '../src/core/proc/page.ts';
import { readProc } from '../src/core/proc/index.ts';
import { parseScenario } from '../src/core/scenario/parse.ts';
import { Session } from '../src/core/scenario/run.ts';
import { smapsBlock } from './helpers/marked.ts';

/** `foo()` or `foo(args)`: a function or function-like macro the text names. */
function calledNames(text: string): string[] {
  return [...text.matchAll(/(?<![\w.>/-])([A-Za-z_][A-Za-z0-9_]*)\(/g)].map((m) => m[1]!);
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(?<![\\w])${name.replace(/[$]/g, '\\$&')}(?![\\w])`).test(text);
}

function stepText(step: LessonStep): string {
  const q = step.question;
  const sel = step.select;
  return [step.narration, q?.prompt ?? '', q?.explain ?? '', sel?.prompt ?? '', sel?.explain ?? ''].join(
    '\n',
  );
}

function eraOf(lesson: Lesson, step: LessonStep): Era {
  return step.machine?.zeroPagePatch ?? lesson.machine.zeroPagePatch ?? DEFAULT_CONFIG.zeroPagePatch;
}

/** What the step's references back: the functions in their labels and the names they list. */
function backed(step: LessonStep): Set<string> {
  const out = new Set<string>();
  for (const r of step.refs) {
    for (const n of calledNames(r.label)) out.add(n);
    for (const w of r.label.split(/[^\w]+/)) if (w) out.add(w);
    for (const n of r.names ?? []) out.add(n);
  }
  return out;
}

/**
 * Words with an underscore that a lesson may use without a kernel source reference: the lab's
 * machine settings and scenario options, the /proc and /sys file names and boot parameters the
 * learner types or reads, and user-space flags. Anything else with an underscore is taken to be a
 * kernel identifier and must be backed by the step's references (and be in KERNEL_FNS or
 * KERNEL_NAMES, which the next test checks).
 */
const NOT_KERNEL_IDENTIFIERS: ReadonlySet<string> = new Set([
  // machine settings and scenario options (src/core/config.ts, the scenario language)
  'coloured_zero',
  'huge_zero',
  'max_ptes_none',
  'unmapped_zeroing',
  'as_posted',
  'max_transfer',
  'zero_page_patch',
  // /proc, /sys and boot-parameter names
  'smaps_rollup',
  'drop_caches',
  'use_zero_page',
  'transparent_hugepage',
  // KSM's files: /proc/<pid>/ksm_stat and its fields, /sys/kernel/mm/ksm/*
  'ksm_stat',
  'ksm_mergeable',
  'ksm_rmap_items',
  'use_zero_pages',
  'pages_to_scan',
  'pages_shared',
  'pages_sharing',
  // user space
  'O_DIRECT',
]);

/** Identifiers with an underscore in lesson text, leaving out file paths (mm/memory.c, /proc/A/status). */
function identifiersIn(text: string): Set<string> {
  const bare = text.replace(/[\w./<>-]*\.[chS]\b/g, ' ').replace(/\/(?:proc|sys)\/[\w/<>.-]*/g, ' ');
  return new Set(
    [...bare.matchAll(/(?<![\w])([A-Za-z_][A-Za-z0-9_]*)(?![\w])/g)]
      .map((m) => m[1]!)
      .filter((w) => w.includes('_')),
  );
}

const SIZE_WORD: Record<string, string> = { K: '(KiB|kB|K)', M: '(MiB|M)', G: '(GiB|G)' };

function sizeStated(text: string, n: string, unit: string): boolean {
  return new RegExp(`(?<![\\w.])${n} ?${SIZE_WORD[unit]}(?![A-Za-z])`).test(text);
}

/**
 * The sizes an answer depends on in scenario lines: a mapping's length (`A mmap r 64K`), a read or
 * write's length and stride (`A read r 0 1G 4K`), a zeroout's length (`blkdev_zeroout 1G`); offsets
 * are positions, not inputs.
 */
function sizesIn(lines: string): string[] {
  const out: string[] = [];
  for (const line of lines.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[1] === 'mmap') out.push(w[3]!);
    else if (w[1] === 'read' || w[1] === 'write') out.push(w[4]!, w[5]!);
    else if (w[0] === 'blkdev_zeroout') out.push(w[1]!);
  }
  return out.filter((x) => x !== undefined);
}

const each = LESSONS.flatMap((lesson) =>
  lesson.steps.map((step, i) => ({ lesson, step, where: `${lesson.id} step ${i + 1} (${step.title})` })),
);

describe('lesson accuracy', () => {
  it('backs every kernel function a step names with one of its source references', () => {
    const missing: string[] = [];
    for (const { step, where } of each) {
      const have = backed(step);
      for (const fn of new Set(calledNames(stepText(step))))
        if (!USER_API.has(fn) && !have.has(fn)) missing.push(`${where}: ${fn}()`);
    }
    expect(missing).toEqual([]);
  });

  it('backs every counter, flag and variable a step names, or contrasts it with its era name', () => {
    const missing: string[] = [];
    for (const { lesson, step, where } of each) {
      const text = stepText(step);
      const have = backed(step);
      const era = eraOf(lesson, step);
      for (const [name, k] of Object.entries(KERNEL_NAMES)) {
        if (!mentions(text, name)) continue;
        // the other era's name may be mentioned to contrast it with this era's
        if (k.era && k.era !== era) {
          if (!k.sameAs || !mentions(text, k.sameAs))
            missing.push(`${where}: ${name} (not in ${era}) without ${k.sameAs}`);
          continue;
        }
        if (!have.has(name)) missing.push(`${where}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('names no kernel identifier, with or without (), that its references do not back', () => {
    const missing: string[] = [];
    for (const { lesson, step, where } of each) {
      const text = stepText(step);
      const have = backed(step);
      const era = eraOf(lesson, step);
      for (const w of identifiersIn(text)) {
        if (have.has(w) || NOT_KERNEL_IDENTIFIERS.has(w) || USER_API.has(w)) continue;
        // the other era's name, contrasted with this era's (checked by the test above)
        const k = KERNEL_NAMES[w];
        if (k?.era && k.era !== era && k.sameAs && mentions(text, k.sameAs)) continue;
        const f = kernelFn(w);
        if (f?.era && f.era !== era) continue;
        missing.push(
          `${where}: ${w}${kernelFn(w) || k ? '' : ' (not in KERNEL_FNS or KERNEL_NAMES either)'}`,
        );
      }
    }
    expect(missing).toEqual([]);
  });

  it("cites only functions and names the step's kernel has", () => {
    const wrong: string[] = [];
    for (const { lesson, step, where } of each) {
      const era = eraOf(lesson, step);
      for (const r of step.refs) {
        for (const fn of calledNames(r.label))
          if (!USER_API.has(fn) && !kernelFnIn(fn, era))
            wrong.push(`${where}: ${fn}() (${r.file}) is not a ${era} function in kernel_fns.ts`);
        for (const n of r.names ?? []) {
          const k = KERNEL_NAMES[n];
          if (!k) wrong.push(`${where}: ${n} is not in KERNEL_NAMES`);
          else if (k.era && k.era !== era) wrong.push(`${where}: ${n} does not exist in ${era}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a cited function is found in the file the lesson links, per kernel_fns.ts', () => {
    const wrong: string[] = [];
    for (const { lesson, step, where } of each) {
      const era = eraOf(lesson, step);
      for (const r of step.refs)
        for (const fn of calledNames(r.label)) {
          const f = kernelFnIn(fn, era);
          // ZERO_PAGE() is per-arch: each arch's pgtable.h defines it
          if (f && fn !== 'ZERO_PAGE' && f.file !== r.file && !f.file.startsWith('arch/'))
            wrong.push(`${where}: ${fn}() is in ${f.file}, the lesson links ${r.file}`);
        }
    }
    expect(wrong).toEqual([]);
  });

  it('a predict question states every size its answer depends on', () => {
    const unstated: string[] = [];
    for (const { lesson, step, where } of each) {
      if (!step.question) continue;
      const text = `${step.narration}\n${step.question.prompt}`;
      for (const size of sizesIn(step.lines ?? '')) {
        const m = /^(\d+)([KMG])$/.exec(size);
        if (m && !sizeStated(text, m[1]!, m[2]!)) unstated.push(`${where}: ${size}`);
      }
      const ram = step.machine?.ram;
      if (ram !== undefined && step.machine?.arch && step.machine.arch !== lesson.machine.arch) {
        const mib = ram / (1024 * 1024);
        if (!sizeStated(text, String(mib), 'M')) unstated.push(`${where}: ram ${mib} MiB`);
      }
    }
    expect(unstated).toEqual([]);
  });

  it('the s390 question states the estimate the kernel computes on that machine', async () => {
    const { Machine } = await import('../src/core/machine.ts');
    const lesson = LESSONS.find((l) => l.id === 'boot-zero-page')!;
    const step = lesson.steps.find((s) => s.machine?.arch === 's390')!;
    const m = new Machine({ ...DEFAULT_CONFIG, ...lesson.machine, ...step.machine });
    m.boot();
    const note = m.notes.find((n) => n.includes('memblock_estimated_nr_free_pages()'))!;
    const est = /memblock_estimated_nr_free_pages\(\) = (\d+) pages/.exec(note)![1]!;
    expect(step.question!.prompt).toContain(`returns ${est} pages`);
  });
});

describe('issue #17 errata stay fixed', () => {
  const allLessonText = LESSONS.flatMap((l) => l.steps.map(stepText)).join('\n');

  it('the timeline texts say what 6.18 does', () => {
    // mm_core_init() releases boot memory itself since 6.15, then calls mem_init()
    expect(KERNEL_FNS.mem_init.why).toMatch(/mm_core_init\(\) releases boot memory itself/);
    // PG_reserved at boot comes from holes and memmap_init_reserved_pages(), not memmap_init_range()
    expect(KERNEL_FNS.memmap_init.why).not.toMatch(/reserved until freed/);
    expect(KERNEL_FNS.memmap_init.why).toMatch(/memmap_init_reserved_pages\(\).*only for hotplug/);
    // the refcount decides reuse; copies also for KSM and private file pages
    expect(KERNEL_FNS.do_wp_page.why).not.toMatch(/only user/);
    expect(KERNEL_FNS.do_wp_page.why).toMatch(/refcount decides, not the mapcount/);
    expect(KERNEL_FNS.wp_page_copy.why).toMatch(/KSM page or a private file page/);
    expect(KERNEL_FNS.wp_can_reuse_anon_folio.why).toMatch(/mapcount is never read/);
    // files as in 6.18
    expect(KERNEL_FNS.dup_mmap!.file).toBe('mm/mmap.c');
    expect(KERNEL_FNS.get_persistent_huge_zero_folio!.file).toBe('include/linux/huge_mm.h');
    // zap: references after the TLB flush, through the mmu_gather
    expect(KERNEL_FNS.zap_pte_range.why).toMatch(/mmu_gather .*after the TLB flush/);
  });

  it('the lessons no longer say what the review found wrong', () => {
    for (const wrong of [
      /mapped twice and not exclusive/,
      /the last writer .* reuses/i,
      /does not refcount it/,
      /bits 13:12/,
      /the 15 shared frames/,
      /exclusive to this VMA/,
      /__GFP_ZERO\)/, // "wp_page_copy() allocates with __GFP_ZERO)"
    ])
      expect(allLessonText).not.toMatch(wrong);
    // what replaced them
    expect(allLessonText).toMatch(/handle_pte_fault\(\) finds no PTE and calls do_pte_missing\(\)/);
    expect(allLessonText).toMatch(/length is a multiple of PMD_SIZE/);
    expect(allLessonText).toMatch(/The 16 frames B still shared with A/);
    expect(allLessonText).toMatch(/bits 14:12 of the virtual address/);
  });
});

/**
 * ksm-zero states numbers outside its questions: the machine's after each step, and the real
 * kernel's from reference/kernel-6.18/ksm.json (the same program but for the data pages' bytes).
 * Each is read here from the machine, compared with the record where the lesson cites it, and
 * found in the step's text as the lesson writes it.
 */
describe('ksm-zero: every number the lesson states is the machine’s, and the record’s where it cites it', () => {
  const lesson = LESSONS.find((l) => l.id === 'ksm-zero')!;
  const ref = JSON.parse(
    readFileSync(fileURLToPath(new URL('../reference/kernel-6.18/ksm.json', import.meta.url)), 'utf8'),
  ) as Record<string, Record<string, number | boolean>>;
  const s = new Session({ out: () => {} });
  s.config = { ...DEFAULT_CONFIG, ...lesson.machine };
  for (const st of parseScenario('boot')) s.exec(st);
  const m = () => s.machine!;
  const A = () => s.procs.get('A')!;
  const region = (name: string) => A().regions.get(name)!;
  const pageVa = (name: string, page: number) => region(name).start + page * m().pageSize;
  const num = (what: string) => s.value(what) as number;
  const ksm = () => num('/proc/A/ksm_stat:ksm_zero_pages');
  const sysKsm = () => Number(readProc(m(), '/sys/kernel/mm/ksm/ksm_zero_pages'));
  const rssAnon = () => num('/proc/A/status:RssAnon');
  const smaps = (va: number) => smapsBlock(readProc(m(), `/proc/${A().task.pid}/smaps`), va)!;
  /** pages [first, last] of a region whose PTE is a KSM zero page (the zero page, dirty) */
  const ksmZeroPtes = (name: string, first: number, last: number) => {
    let n = 0;
    walkPteRange(m(), A().task.mm!, pageVa(name, first), pageVa(name, last + 1), (_t, _i, _va, e) => {
      if (isKsmZeroPte(m(), e, m().pgtableArch.levels - 1)) n++;
    });
    return n;
  };
  const pfnAt = (name: string, page: number) =>
    Number(pagemapEntry(m(), A().task.mm!, pageVa(name, page)) & ((1n << 55n) - 1n));
  const steps = new Map(lesson.steps.map((st) => [st.title, st]));
  const run = (title: string) => {
    const st = steps.get(title)!;
    expect(st, title).toBeDefined();
    for (const x of parseScenario(st.lines ?? '')) s.exec(x);
    return stepText(st);
  };
  const delta = (r: string, a: string, b: string) => (ref[b]![r] as number) - (ref[a]![r] as number);

  it('runs every step in order with the numbers its text gives', () => {
    // 1: 64 pages of 4 KiB, all private: the first 32 zero-filled, the other 32 different and not zero
    let text = run('Zeros in half, data in the rest');
    expect(text).toMatch(/256 KiB: 64 pages of 4 KiB/);
    expect(text).toMatch(/first 32 pages \(the first 128 KiB/);
    expect(smaps(pageVa('r', 0)).field('Rss')).toBe(256);
    const sums = new Set<number>();
    for (let p = 0; p < 64; p++) {
      for (const x of parseScenario(`A checksum r ${p * 4096} 4096`)) s.exec(x);
      expect(num('dump_nonzero') === 0, `page ${p} zero-filled`).toBe(p < 32);
      if (p >= 32) sums.add(num('dump_crc32'));
    }
    expect(sums.size).toBe(32); // "no two of these 32 pages are equal"

    run('MADV_MERGEABLE: ksmd may look');
    expect(smaps(pageVa('r', 0)).flags).toContain(' mg ');
    expect(readProc(m(), `/proc/${A().task.pid}/ksm_stat`)).toMatch(/^ksm_mergeable: yes$/m);

    // 3: nothing merged, one checksum record per page; the record: 0 and Rss unchanged
    let rss = rssAnon();
    text = run('The first scan only takes checksums');
    expect(ksm()).toBe(0);
    expect(ref.scan_1!.ksm_zero_pages).toBe(0);
    expect(num('/proc/A/ksm_stat:ksm_rmap_items')).toBe(64);
    expect(rssAnon()).toBe(rss);
    expect(ref.scan_1!.Rss).toBe(ref.mergeable!.Rss);
    // equal non-zero pages would merge through the trees; these 32 all differ: nothing merges
    expect(text).toMatch(
      /all different, so they only wait in the unstable tree \(pages_unshared\) and nothing else merges/,
    );
    expect(Number(readProc(m(), '/sys/kernel/mm/ksm/pages_shared'))).toBe(0);
    expect(Number(readProc(m(), '/sys/kernel/mm/ksm/pages_sharing'))).toBe(0);
    expect(Number(readProc(m(), '/sys/kernel/mm/ksm/pages_volatile'))).toBe(64);

    // 4: the 32 zero-filled pages merged: RssAnon -128 kB, the range's Rss 256 -> 128, ksm_zero_pages 32
    rss = rssAnon();
    text = run('The second scan: the zero page');
    expect(ksm()).toBe(32);
    expect(sysKsm()).toBe(32);
    expect(ref.scan_2!.ksm_zero_pages).toBe(32);
    expect(ref.scan_2!.sys_ksm_zero_pages).toBe(32);
    expect(ksmZeroPtes('r', 0, 31)).toBe(32);
    expect(ksmZeroPtes('r', 32, 63)).toBe(0);
    expect(rssAnon() - rss).toBe(-128);
    // the 32 different pages wait in the unstable tree, as the text of step 3 says
    expect(Number(readProc(m(), '/sys/kernel/mm/ksm/pages_unshared'))).toBe(32);
    expect(ref.scan_2!.sys_pages_shared).toBe(0);
    expect(delta('RssAnon', 'scan_1', 'scan_2')).toBe(-128);
    expect(smaps(pageVa('r', 0)).field('Rss')).toBe(128);
    expect([ref.scan_1!.Rss, ref.scan_2!.Rss]).toEqual([256, 128]);
    expect(text).toMatch(/RssAnon -128 kB, the range's Rss from 256 kB to 128 kB, ksm_zero_pages 32/);

    // 5: a write: ksm_zero_pages 31, RssAnon +4 kB, one minor fault
    rss = rssAnon();
    const flt = num('/proc/A/stat:10');
    text = run('A write takes a copy');
    expect(ksm()).toBe(31);
    expect(ref.write_0!.ksm_zero_pages).toBe(31);
    expect(rssAnon() - rss).toBe(4);
    expect(delta('RssAnon', 'scan_2', 'write_0')).toBe(4);
    expect(num('/proc/A/stat:10') - flt).toBe(1);
    expect(delta('minflt', 'scan_2', 'write_0')).toBe(1);
    expect(text).toMatch(/ksm_zero_pages 31, RssAnon \+4 kB, one minor fault/);

    // 6: 16 read-fault zero pages, the same frame as the KSM ones, clean: ksm_zero_pages stays 31
    text = run('The zero page a read fault maps');
    expect(text).toMatch(/each of its 16 pages of 4 KiB/);
    expect(pfnAt('z', 0)).toBe(pfnAt('r', 1));
    expect(pfnAt('z', 0)).toBe(num('zero_pfn'));
    expect(ksmZeroPtes('z', 0, 15)).toBe(0);
    expect(ksm()).toBe(31);

    // 7: pages 0-15, 15 of them KSM zero pages: RssAnon +60 kB, ksm_zero_pages 16, mg on the second part only
    expect(ksmZeroPtes('r', 0, 15)).toBe(15);
    rss = rssAnon();
    text = run('MADV_UNMERGEABLE gives the pages back');
    expect(text).toMatch(/pages 0 to 15, of which 15 are still KSM zero pages/);
    expect(ksm()).toBe(16);
    expect(ref.unmergeable_0_15!.ksm_zero_pages).toBe(16);
    expect(rssAnon() - rss).toBe(60);
    expect(delta('RssAnon', 'fork_child_exited', 'unmergeable_0_15')).toBe(60);
    expect(smaps(pageVa('r', 0)).flags).not.toContain(' mg ');
    expect(ref.unmergeable_0_15!.mg).toBe(false);
    expect(smaps(pageVa('r', 16)).flags).toContain(' mg ');
    expect(text).toMatch(/\+60 kB too, and ksm_zero_pages 16/);

    // 8: the last 16 go with munmap: 0 everywhere, RssAnon unchanged
    expect(ksmZeroPtes('r', 16, 31)).toBe(16);
    rss = rssAnon();
    text = run('munmap drops them');
    expect(text).toMatch(/the last 16 KSM zero pages/);
    expect(ksm()).toBe(0);
    expect(sysKsm()).toBe(0);
    expect([ref.munmap_16_31!.ksm_zero_pages, ref.munmap_16_31!.sys_ksm_zero_pages]).toEqual([0, 0]);
    expect(rssAnon()).toBe(rss);
  });
});
