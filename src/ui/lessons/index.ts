/** Every lesson, in the order the picker lists them. */
import { blkdevLesson } from './blkdev_zeroout.ts';
import { bootZeroPageLesson } from './boot_zero_page.ts';
import { cowForkLesson } from './cow_fork.ts';
import { hugeZeroLesson } from './huge_zero.ts';
import { mermapLesson } from './mermap.ts';
import { mipsColourLesson } from './mips_colour.ts';
import type { Lesson } from './types.ts';
import { zeroPageLesson } from './zero_page.ts';

export const LESSONS: readonly Lesson[] = [
  zeroPageLesson,
  cowForkLesson,
  bootZeroPageLesson,
  mipsColourLesson,
  hugeZeroLesson,
  mermapLesson,
  blkdevLesson,
];

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
