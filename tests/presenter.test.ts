import { describe, expect, it } from 'vitest';
import { parseLessonDoc } from '../src/ui/lessons/lesson_doc.ts';
import type { StepResult } from '../src/ui/lesson_runner.ts';
import {
  channelFromUrl,
  isNotesWindow,
  isPresenterMessage,
  notesStep,
  notesUrl,
  presentFromUrl,
} from '../src/ui/presenter/presenter.ts';

const DOC = `---
format: 1
id: talk
title: A talk
summary: Two steps.
machine: arch=x86_64 ram=1G
---

## Map

A maps 64 KiB.

\`\`\`scenario
spawn A
A mmap r1 64K rw
\`\`\`

\`\`\`notes
Ask the room first.
\`\`\`

## Read

A reads it.

\`\`\`question
kind: number
prompt: How many kB more RSS?
probe: /proc/A/status:VmRSS
delta: yes
expected: 0
explain: The zero page.
\`\`\`

\`\`\`question
kind: frame
prompt: Click the frame A's pages map.
probe: zero_pfn
explain: The one frame of zeros.
\`\`\`
`;
const lesson = parseLessonDoc(DOC);
const ran = (over: Partial<StepResult> = {}): StepResult => ({
  prediction: null,
  value: null,
  machineChoice: -1,
  correct: null,
  framePfn: null,
  frameAnswer: null,
  ...over,
});

describe('what the notes window is sent', () => {
  it("the step's notes, where the lesson is and what comes next", () => {
    expect(notesStep({ lesson, index: 0, results: [ran()], running: false })).toEqual({
      lessonTitle: 'A talk',
      index: 0,
      count: 2,
      title: 'Map',
      notes: 'Ask the room first.',
      nextTitle: 'Read',
      waiting: null,
    });
  });

  it('says what the room is waiting for: the step running, a prediction, a clicked frame', () => {
    const at1 = (results: StepResult[], running = false) => notesStep({ lesson, index: 1, results, running });
    expect(at1([ran()], true)).toMatchObject({ waiting: 'running', notes: null, nextTitle: null });
    expect(at1([ran()])!.waiting).toBe('answer');
    expect(at1([ran(), ran({ framePfn: 0x3b34 })])!.waiting).toBe('frame');
    expect(
      at1([ran(), ran({ framePfn: 0x3b34, frameAnswer: { pfn: 0x3b34, correct: true } })])!.waiting,
    ).toBeNull();
    expect(notesStep({ lesson: null, index: 0, results: [], running: false })).toBeNull();
  });
});

describe('presenter URLs and messages', () => {
  it('reads ?present=1, ?notes=1 and the channel, and refuses a channel that is not a plain id', () => {
    expect(presentFromUrl({ search: '?lesson=zero-page&present=1' })).toBe(true);
    expect(presentFromUrl({ search: '?present=0' })).toBe(false);
    expect(isNotesWindow({ search: '?notes=1&ch=ab12' })).toBe(true);
    expect(isNotesWindow({ search: '?lesson=x' })).toBe(false);
    expect(channelFromUrl({ search: '?notes=1&ch=ab12' })).toBe('ab12');
    expect(channelFromUrl({ search: '?notes=1&ch=a%20b' })).toBe('main');
    expect(channelFromUrl({ search: '?notes=1' })).toBe('main');
    expect(notesUrl({ pathname: '/mm/' }, 'ab12')).toBe('/mm/?notes=1&ch=ab12');
  });

  it('takes only its own messages off the channel', () => {
    expect(isPresenterMessage({ type: 'next' })).toBe(true);
    expect(isPresenterMessage({ type: 'step', step: null, presenting: true })).toBe(true);
    expect(isPresenterMessage({ type: 'reboot' })).toBe(false);
    expect(isPresenterMessage('next')).toBe(false);
    expect(isPresenterMessage(null)).toBe(false);
  });
});
