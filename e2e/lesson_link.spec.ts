/**
 * A teacher's lesson shared as a link (issue #16): the document travels in `#lesson=~doc1.…`, the app
 * opens it after the first boot, runs its steps on the machine and reveals the machine's values; a
 * damaged link says what is wrong and the app keeps running.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { encodeLessonLink } from '../src/ui/lessons/lesson_link.ts';

const docs = readFileSync(new URL('../docs/lessons.md', import.meta.url), 'utf8');
/** the complete example of docs/lessons.md: 5 steps, a numeric, a click and a choice question */
const example = /````markdown\n([\s\S]*?)````/.exec(docs)![1]!;

test("the docs' example lesson opens from a link and its questions reveal the machine's values", async ({
  page,
}) => {
  const hash = await encodeLessonLink(example);
  await page.goto(`/${hash}`);
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  const progress = page.getByTestId('lesson-progress');
  await expect(progress).toHaveText(/^Step 1 of 5: Map 64 KiB/);
  await page.getByRole('button', { name: /^Next/ }).click();
  await expect(progress).toHaveText(/^Step 2 of 5: Read every page/);
  // the numeric question: predict, then the reveal shows the machine's value
  const question = page.getByTestId('lesson-question');
  await question.getByRole('textbox').fill('64');
  await question
    .getByRole('button', { name: /answer|check|run/i })
    .first()
    .click();
  await expect(page.getByTestId('lesson-reveal')).toContainText('0 kB');
  await page.screenshot({ path: 'test-results/lesson-link.png' });
});

test('a cut link says what is wrong, and the default machine still runs', async ({ page }) => {
  const hash = await encodeLessonLink(example);
  await page.goto(`/${hash.slice(0, 80)}`);
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByTestId('lesson-error')).toContainText(
    /Lesson link: .*(cut short|does not decompress)/,
  );
  await expect(page.getByTestId('frame-count')).not.toBeEmpty();
});
