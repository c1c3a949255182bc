import { describe, expect, it } from 'vitest';
import { matchesSearch } from '../src/ui/LessonGallery.tsx';
import { LESSONS, addLesson, addedLessons, findLesson } from '../src/ui/lessons/index.ts';

describe('lesson gallery', () => {
  it('finds lessons by every word of the search, in title, topic or level', () => {
    const ids = (q: string) => LESSONS.filter((l) => matchesSearch(l, q)).map((l) => l.id);
    expect(ids('')).toHaveLength(11);
    expect(ids('deferred split')).toEqual(['thp-underused']);
    expect(ids('MIPS')).toEqual(['mips-colour']);
    expect(ids('advanced cache')).toEqual(['mips-colour']);
    expect(ids('intro')).toEqual(['zero-page', 'cow-fork']);
    expect(ids('intro fork')).toEqual(['cow-fork']);
    expect(ids('nothing-like-this')).toEqual([]);
  });

  it('a loaded lesson becomes findable by id; it cannot replace a built-in one', () => {
    const mine = { ...LESSONS[3]!, id: 'my-mips' };
    expect(addLesson(mine)).toBe(true);
    expect(findLesson('my-mips')).toBe(mine);
    expect(addedLessons()).toContain(mine);
    expect(addLesson({ ...LESSONS[3]!, title: 'Hijacked' })).toBe(false);
    expect(findLesson('mips-colour')!.title).toBe('Coloured zero pages on MIPS');
  });
});
