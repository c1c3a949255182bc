import { describe, expect, it } from 'vitest';
import { lessonFromUrl } from '../src/ui/lesson_runner.ts';
import { LESSONS, LESSON_DOCS, findLesson } from '../src/ui/lessons/index.ts';
import { lessonToMarkdown, parseLessonDoc } from '../src/ui/lessons/lesson_doc.ts';
import { MachineClient } from '../src/worker/client.ts';
import { inProcessTransport } from '../src/worker/in_process.ts';
import { matchingChoice } from '../src/ui/lessons/types.ts';
import { runLesson } from './helpers/lessons.ts';

describe('lessons', () => {
  it("has the seven lessons of issue #7 and issue #15's four (THP, swap, reclaim, KSM), each with a unique id and 4 to 10 steps", () => {
    expect(LESSONS.map((l) => l.id)).toEqual([
      'zero-page',
      'cow-fork',
      'boot-zero-page',
      'mips-colour',
      'huge-zero',
      'thp-underused',
      'mermap',
      'blkdev-zeroout',
      'swap-zeromap',
      'reclaim-kswapd',
      'ksm-zero',
    ]);
    for (const l of LESSONS) {
      expect(l.steps.length, l.id).toBeGreaterThanOrEqual(4);
      expect(l.steps.length, l.id).toBeLessThanOrEqual(10);
      expect(findLesson(l.id)).toBe(l);
    }
  });

  it('every built-in lesson is a document named after its id, and reads back the same when written out', () => {
    expect(LESSON_DOCS.map((d) => d.file)).toEqual(LESSONS.map((l) => `lessons/${l.id}.md`));
    for (const [i, d] of LESSON_DOCS.entries()) {
      expect(d.text, d.file).toMatch(/^---\nformat: 1\n/);
      expect(parseLessonDoc(lessonToMarkdown(LESSONS[i]!)), d.file).toEqual(LESSONS[i]);
    }
  });

  it('cites kernel files as tree paths and asks at least two questions per lesson', () => {
    for (const l of LESSONS) {
      expect(l.steps.filter((s) => s.question).length, l.id).toBeGreaterThanOrEqual(2);
      for (const s of l.steps) {
        expect(s.refs.length, `${l.id}: ${s.title}`).toBeGreaterThan(0);
        for (const r of s.refs)
          expect(r.file, `${l.id}: ${s.title}`).toMatch(
            /^(mm|arch|include|kernel|block|fs|init|virt)\/[\w/.-]+\.[chS]$/,
          );
      }
    }
  });

  for (const lesson of LESSONS)
    it(`${lesson.id}: every step runs, and every question's expected answer is what the machine gives`, () => {
      const outcomes = runLesson(lesson);
      lesson.steps.forEach((step, i) => {
        if (step.select?.expected !== undefined)
          expect(outcomes[i]!.frame, `${lesson.id} step ${i + 1} (${step.title}): the frame to click`).toBe(
            step.select.expected,
          );
        const q = step.question;
        if (!q) return;
        const v = outcomes[i]!.value!;
        const where = `${lesson.id} step ${i + 1} (${step.title}): ${q.probe.what}`;
        if (q.kind === 'number') expect(v, where).toBe(q.expected);
        else {
          expect(matchingChoice(q, v), `${where} = ${v}`).toBe(q.expected);
          // the choices must not overlap at the real value: exactly one is right
          expect(q.choices.filter((c) => matchingChoice({ ...q, choices: [c] }, v) === 0).length, where).toBe(
            1,
          );
        }
      });
    });

  it('issue #17: the new steps exist and give the kernel values', () => {
    const find = (id: string, title: string) => {
      const lesson = findLesson(id)!;
      const i = lesson.steps.findIndex((s) => s.title === title);
      expect(i, `${id}: ${title}`).toBeGreaterThanOrEqual(0);
      return runLesson(lesson)[i]!.value;
    };
    // a zero-page write is always a copy
    expect(find('zero-page', 'pgreuse versus copy')).toBe(0);
    // fork of a zero-mapped 1 GiB: only the 3 written pages count in the child's RSS
    expect(find('zero-page', 'What pte_special means: fork')).toBe(12);
    // THP=always: one fault per 2 MiB plus the stack's
    expect(find('zero-page', 'THP=always: one fault per 2 MiB')).toBe(513);
    // fork flushes the parent's translations
    expect(find('cow-fork', 'fork(): the parent is write-protected too')).toBeLessThan(0);
    // Pss halves the shared frames
    expect(find('cow-fork', 'RSS, Pss and AnonPages')).toBe(34);
    // the last writer reuses (pgreuse + 1) ...
    expect(find('cow-fork', 'The parent writes the same page: pgreuse')).toBe(1);
    // ... unless another reference (CPU 1's LRU batch) remains: the only mapper copies
    expect(find('cow-fork', 'Refcount, not mapcount')).toBe(0);
  });

  it('the zero-page lesson asks the learner to click the zero page: its pfn, read from the machine', () => {
    const lesson = findLesson('zero-page')!;
    const i = lesson.steps.findIndex((s) => s.select);
    expect(lesson.steps[i]!.title).toBe('The one frame of zeros');
    expect(lesson.steps[i]!.point).toEqual({ kind: 'zeroPage' });
    expect(runLesson(lesson)[i]!.output).toContain(
      `zero_pfn = 0x${lesson.steps[i]!.select!.expected!.toString(16)}`,
    );
  });

  it('lessons in the before era use 6.18 names: print zero_pfn, never zero_page_pfn', () => {
    for (const l of LESSONS) {
      if ((l.machine.zeroPagePatch ?? 'after') !== 'before') continue;
      for (const s of l.steps) {
        expect(s.lines ?? '', `${l.id}: ${s.title}`).not.toMatch(/\bzero_page_pfn\b/);
        expect(s.question?.probe.what ?? '', `${l.id}: ${s.title}`).not.toBe('zero_page_pfn');
      }
    }
  });

  it("a probe that names nothing fails with the scenario language's message", () => {
    const bad = {
      ...LESSONS[0]!,
      steps: [
        {
          ...LESSONS[0]!.steps[0]!,
          question: { ...LESSONS[0]!.steps[0]!.question!, probe: { what: '/proc/A/status:NoSuch' } },
        },
      ],
    };
    expect(() => runLesson(bad)).toThrow(/has no field 'NoSuch'/);
  });

  it("the worker's value command reads what expect reads; a bad name is an error reply and the machine stays", async () => {
    const c = new MachineClient(inProcessTransport());
    await c.init({ ram: 256 * 1024 * 1024 }, true);
    await c.run('spawn A\nA mmap r1 64K rw\nA write r1 0 64K 4K 1');
    expect((await c.value('/proc/A/status:RssAnon')).value).toBe(68);
    expect((await c.value('zero_pages')).value).toBe(1);
    await expect(c.value('/proc/A/status:Nope')).rejects.toThrow(/has no field 'Nope'/);
    await expect(c.value('blkdev_bvecs')).rejects.toThrow(/no blkdev_zeroout has run yet/);
    await c.run('blkdev_zeroout 4M zero=page');
    expect((await c.value('blkdev_bvecs')).value).toBe(1024);
    expect((await c.value('/proc/A/status:RssAnon')).value).toBe(68);
    c.close();
  });

  it('a deep link names its lesson as ?lesson=<id> or #lesson=<id>', () => {
    expect(lessonFromUrl({ search: '?lesson=cow-fork', hash: '' })).toBe('cow-fork');
    expect(lessonFromUrl({ search: '', hash: '#lesson=mermap' })).toBe('mermap');
    expect(lessonFromUrl({ search: '?x=1', hash: '#a=b&lesson=huge-zero' })).toBe('huge-zero');
    expect(lessonFromUrl({ search: '', hash: '' })).toBeNull();
  });
});
