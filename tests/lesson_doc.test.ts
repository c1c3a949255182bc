import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../src/ui/lessons/index.ts';
import {
  LESSON_LEVELS,
  LessonDocError,
  checkLessonDoc,
  lessonToMarkdown,
  parseLessonDoc,
} from '../src/ui/lessons/lesson_doc.ts';
import { matchingChoice } from '../src/ui/lessons/types.ts';
import { runLesson } from './helpers/lessons.ts';

/** A small valid lesson; tests break one thing at a time. */
const DOC = `---
format: 1
id: my-first
title: My first lesson
summary: "Read faults map the zero page: see it."
machine: arch=x86_64 ram=1G cpus=2 zero_page_patch=before
level: intro
duration: 10 min
topic: zero page
---

## Map and read

A maps 64 KiB and reads it.
Each read maps the zero page.

A second paragraph.

\`\`\`scenario
spawn A
A mmap r1 64K rw
A read r1 0 64K 4K
\`\`\`

\`\`\`step
show: page A r1 0
refs:
  - mm/memory.c | do_anonymous_page()
  - include/linux/pgtable.h | my_zero_pfn() | zero_pfn, zero_page_mask
\`\`\`

\`\`\`question
kind: choice
prompt: How much did VmRSS grow?
probe: /proc/A/status:VmRSS
delta: yes
unit: kB
choices:
  - Nothing | == 0
  - Some | > 0
expected: Nothing
explain: Zero-page PTEs are special.
\`\`\`

\`\`\`question
kind: frame
prompt: Click the frame A's pages map.
probe: zero_pfn
explain: The one frame of zeros.
\`\`\`

## Look

The pagemap.

\`\`\`step
show: panel status-title
machine: thp=always
boot: end
\`\`\`
`;

function problems(text: string): string[] {
  return checkLessonDoc(text).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
}

describe('lesson documents', () => {
  it('reads a complete document into the lesson the runner uses', () => {
    const l = parseLessonDoc(DOC, 'my-first.md');
    expect(l).toMatchObject({
      id: 'my-first',
      summary: 'Read faults map the zero page: see it.',
      machine: { arch: 'x86_64', ram: 1024 ** 3, cpus: 2, zeroPagePatch: 'before' },
      level: 'intro',
      duration: 10,
      topic: 'zero page',
    });
    expect(l.steps).toHaveLength(2);
    const [s1, s2] = l.steps;
    // lines of a paragraph join with a space, paragraphs with a blank line
    expect(s1!.narration).toBe(
      'A maps 64 KiB and reads it. Each read maps the zero page.\n\nA second paragraph.',
    );
    expect(s1!.lines).toBe('spawn A\nA mmap r1 64K rw\nA read r1 0 64K 4K');
    expect(s1!.point).toEqual({ kind: 'page', proc: 'A', region: 'r1', page: 0 });
    expect(s1!.refs[1]).toEqual({
      file: 'include/linux/pgtable.h',
      label: 'my_zero_pfn()',
      names: ['zero_pfn', 'zero_page_mask'],
    });
    expect(s1!.question).toEqual({
      kind: 'choice',
      prompt: 'How much did VmRSS grow?',
      probe: { what: '/proc/A/status:VmRSS', delta: true, unit: 'kB' },
      choices: [
        { label: 'Nothing', when: { op: '==', value: 0 } },
        { label: 'Some', when: { op: '>', value: 0 } },
      ],
      expected: 0,
      explain: 'Zero-page PTEs are special.',
    });
    expect(s1!.select).toEqual({
      kind: 'frame',
      prompt: "Click the frame A's pages map.",
      probe: { what: 'zero_pfn' },
      explain: 'The one frame of zeros.',
    });
    expect(s2).toMatchObject({
      point: { kind: 'panel', heading: 'status-title' },
      machine: { thp: 'always' },
      boot: 'end',
    });
    expect(parseLessonDoc(lessonToMarkdown(l))).toEqual(l);
  });

  it('reads Windows line ends and a byte-order mark', () => {
    expect(parseLessonDoc('\uFEFF' + DOC.replace(/\n/g, '\r\n'))).toEqual(parseLessonDoc(DOC));
  });

  it('says file:line:col for each problem, all of them at once', () => {
    const bad = DOC.replace('level: intro', 'level: easy')
      .replace('cpus=2', 'cpus=two')
      .replace('show: page A r1 0', 'show: panel nowhere')
      .replace('expected: Nothing', 'expected: Everything');
    let err: unknown;
    try {
      parseLessonDoc(bad, 'lessons/my-first.md');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LessonDocError);
    expect((err as Error).message.split('\n')).toEqual([
      'lessons/my-first.md:6:34: machine: cpus=two: expected a number',
      "lessons/my-first.md:7:8: level: expected intro, intermediate, advanced, got 'easy'",
      "lessons/my-first.md:26:13: show panel: 'nowhere' is not a panel (known: status-title, scenario-title, huge-title, blkzero-title, boot-title, about-title, proc-title, memblock-title, inspector-title, swap-title)",
      "lessons/my-first.md:41:11: expected: the label of the right choice ('Nothing', 'Some'), got 'Everything'",
    ]);
  });

  it('a machine the emulator cannot build is an error on the machine line', () => {
    expect(problems(DOC.replace('arch=x86_64', 'arch=arm64 vce=yes'))).toEqual([
      '6:10: machine: vce=yes: virtual coherency exceptions are a MIPS (R4000/R4400) feature',
    ]);
    expect(problems(DOC.replace('ram=1G', 'memory=1G'))[0]).toMatch(
      /^6:22: machine: unknown key 'memory' \(known: arch, ram/,
    );
  });

  it('structure mistakes point at the line', () => {
    expect(problems('# Title\n')).toEqual([
      "1:1: a lesson starts with front matter: a line '---', 'key: value' lines, then '---'",
    ]);
    expect(problems(DOC.replace('## Look', '# Look'))).toContain(
      "52:1: '#' headings are not steps: the lesson's title goes in the front matter, each step starts with '## '",
    );
    expect(problems(DOC.replace('\n## Map and read\n', '\nStray text.\n## Map and read\n'))[0]).toBe(
      "12:1: text before the first step: start a step with '## Step title'",
    );
    expect(problems(DOC.replace('```step\nshow: panel', '```steps\nshow: panel'))).toEqual([
      "56:4: a block is one of ```scenario, ```step, ```question, ```notes; got 'steps'",
    ]);
    expect(
      problems(DOC.replace('explain: The one frame of zeros.\n```', 'explain: x\n```\n\nMore narration.')),
    ).toEqual(["52:1: narration after a step's blocks: move it above the first ``` block of the step"]);
    expect(problems(DOC.replace('prompt: How much did VmRSS grow?\n', ''))).toEqual([
      "32:1: choice question: 'prompt' is missing",
    ]);
    expect(problems(DOC.replace('kind: choice', 'kind: essay'))).toEqual([
      "33:7: question: 'kind' is number, choice or frame, got 'essay'",
    ]);
  });

  it('a newer format is refused with a reason; a missing format too', () => {
    expect(problems(DOC.replace('format: 1', 'format: 2'))).toEqual([
      '2:9: format 2 is newer than this MM Lab reads (format 1): open it in a newer MM Lab',
    ]);
    expect(problems(DOC.replace('format: 1\n', ''))).toContain("1:1: front matter: 'format' is missing");
  });

  it('values with a colon or a leading quote survive the round trip, quoted', () => {
    const l = { ...LESSONS[0]!, title: '"Quoted": a title', topic: 'yes' };
    const md = lessonToMarkdown(l);
    expect(md).toContain('title: "\\"Quoted\\": a title"');
    expect(parseLessonDoc(md)).toEqual(l);
  });
});

describe("a step's presenter notes", () => {
  const withNotes = DOC.replace(
    '## Look',
    [
      '```notes',
      'Ask the room first: who expects RSS to grow?',
      'Wait for hands.',
      '',
      'Then run it.',
      '```',
      '',
      '## Look',
    ].join('\n'),
  );
  it("a notes block becomes the step's notes: lines join, paragraphs stay", () => {
    const l = parseLessonDoc(withNotes, 'notes.md');
    expect(l.steps[0]!.notes).toBe(
      'Ask the room first: who expects RSS to grow? Wait for hands.\n\nThen run it.',
    );
    expect(l.steps[1]!.notes).toBeUndefined();
    // notes are not narration: the learner's text is unchanged
    expect(l.steps[0]!.narration).toBe(parseLessonDoc(DOC).steps[0]!.narration);
  });
  it('survive the round trip', () => {
    const l = parseLessonDoc(withNotes);
    expect(parseLessonDoc(lessonToMarkdown(l))).toEqual(l);
  });
  it('an empty or second notes block is an error at its line', () => {
    const empty = DOC.replace('## Look', '```notes\n\n```\n\n## Look');
    const line = empty.split('\n').indexOf('```notes') + 1;
    expect(problems(empty)).toEqual([
      `${line}:1: an empty notes block: write the presenter's notes or remove it`,
    ]);
    const twice = DOC.replace('## Look', '```notes\nOne.\n```\n\n```notes\nTwo.\n```\n\n## Look');
    const second = twice.split('\n').lastIndexOf('```notes') + 1;
    expect(problems(twice)).toEqual([`${second}:1: step 'Map and read' has two notes blocks`]);
  });
});

describe("docs/lessons.md's complete example", () => {
  it('parses, and every answer it expects is what the machine gives', () => {
    const md = readFileSync(new URL('../docs/lessons.md', import.meta.url), 'utf8');
    const example = /````markdown\n([\s\S]*?)````/.exec(md)![1]!;
    const lesson = parseLessonDoc(example, 'docs/lessons.md example');
    expect(lesson.steps).toHaveLength(5);
    const out = runLesson(lesson);
    lesson.steps.forEach((s, i) => {
      const q = s.question;
      if (q?.kind === 'number') expect(out[i]!.value, s.title).toBe(q.expected);
      if (q?.kind === 'choice') expect(matchingChoice(q, out[i]!.value!), s.title).toBe(q.expected);
    });
    const click = lesson.steps.findIndex((s) => s.select);
    expect(out[click]!.frame).toBe(0x3b34);
    expect(out[click]!.output).toMatch(/0x8000000000003b34/); // pagemap: present, pfn 0x3b34
  });
});

describe('public/lesson.schema.json', () => {
  const schema = JSON.parse(
    readFileSync(new URL('../public/lesson.schema.json', import.meta.url), 'utf8'),
  ) as {
    $defs: Record<string, { properties: Record<string, { pattern?: string; enum?: string[] }> }>;
  };
  it("lists the parser's levels, and its patterns accept every built-in lesson's show, boot and refs lines", () => {
    expect(schema.$defs.frontMatter!.properties.level!.enum).toEqual(LESSON_LEVELS);
    const step = schema.$defs.stepBlock!.properties;
    const re = (p: string) => new RegExp(p);
    for (const l of LESSONS) {
      const md = lessonToMarkdown(l);
      for (const m of md.matchAll(/^show: (.*)$/gm)) expect(m[1]).toMatch(re(step.show!.pattern!));
      for (const m of md.matchAll(/^boot: (.*)$/gm)) expect(m[1]).toMatch(re(step.boot!.pattern!));
      for (const m of md.matchAll(/^machine: (.*)$/gm)) expect(m[1]).toMatch(re(step.machine!.pattern!));
    }
  });
});
