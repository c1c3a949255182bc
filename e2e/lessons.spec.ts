/**
 * Guided lessons end to end: each lesson opens from its deep link (?lesson=<id>), every question is
 * answered before its lines run, and the reveal must show the machine's value: the value the unit
 * test (tests/lessons.test.ts) checks the core gives, and, for values that are not a change over the
 * step, the same value read from the machine here independently. One screenshot per lesson.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { LESSONS } from './lesson_docs.ts';
import { matchingChoice, type Lesson } from '../src/ui/lessons/types.ts';
import { MmLab } from './fixtures.ts';

test.describe.configure({ mode: 'serial' });

async function openLesson(page: Page, lesson: Lesson): Promise<MmLab> {
  const app = new MmLab(page);
  await page.goto(`/?lesson=${lesson.id}`);
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByTestId('lesson-progress')).toHaveText(
    `Step 1 of ${lesson.steps.length}: ${lesson.steps[0]!.title}`,
  );
  return app;
}

/** The number the reveal shows: `262,144 bvecs` → 262144. */
function shown(text: string): number {
  return Number(text.replace(/,/g, '').split(' ')[0]);
}

for (const lesson of LESSONS)
  test(`lesson ${lesson.id}: every step, every question revealed from the machine`, async ({ page }) => {
    test.setTimeout(120_000);
    const app = await openLesson(page, lesson);
    const panel = page.getByTestId('lesson-panel');
    const next = panel.getByRole('button', { name: 'Next' });
    for (const [i, step] of lesson.steps.entries()) {
      await expect(panel.getByTestId('lesson-progress')).toHaveText(
        `Step ${i + 1} of ${lesson.steps.length}: ${step.title}`,
      );
      const q = step.question;
      if (q) {
        // Predict before anything runs: the reveal is not there yet and Next is closed.
        await expect(panel.getByTestId('lesson-reveal')).toBeHidden();
        await expect(next).toBeDisabled();
        const form = panel.getByTestId('lesson-question');
        let predicted: number;
        if (q.kind === 'choice') {
          // alternate right and wrong predictions across steps
          predicted = i % 2 === 0 ? q.expected : (q.expected + 1) % q.choices.length;
          await form.getByRole('radio', { name: q.choices[predicted]!.label }).check();
        } else {
          predicted = i % 2 === 0 ? q.expected : q.expected + 1;
          await form.getByRole('textbox').fill(String(predicted));
        }
        await form.getByRole('button', { name: 'Check on the machine' }).click();
        const reveal = panel.getByTestId('lesson-reveal');
        await expect(reveal).toBeVisible();
        const value = shown(await reveal.getByTestId('lesson-value').innerText());
        if (q.kind === 'number') expect(value, `${lesson.id} step ${i + 1}`).toBe(q.expected);
        else expect(matchingChoice(q, value), `${lesson.id} step ${i + 1}: ${value}`).toBe(q.expected);
        if (!q.probe.delta) {
          const now = await page.evaluate((w) => window.__mmlab!.value(w), q.probe.what);
          expect(now, `${q.probe.what} read from the machine`).toBe(value);
        }
        const right = q.kind === 'number' ? predicted === value : predicted === matchingChoice(q, value);
        await expect(reveal).toContainText(
          right ? 'Your prediction matches the machine.' : 'Not what the machine did.',
        );
      }
      await expect(panel.getByTestId('lesson-error')).toBeHidden();
      await expect(app.banner).toBeHidden();
      if (step.lines) {
        // the step's lines went through the scenario transcript like any other
        const first = step.lines.split('\n').at(-1)!;
        await expect(
          page.getByRole('log', { name: 'Scenario lines run', includeHidden: true }),
        ).toContainText(first);
      }
      if (i + 1 < lesson.steps.length) {
        await expect(next).toBeEnabled();
        await next.click();
      }
    }
    await expect(next).toBeDisabled();
    await expect(panel).toContainText('That was the last step.');
    await app.screenshot(`lesson-${lesson.id}`);
  });

test('a lesson asks before rebooting over the learner’s work; keys move through steps; no axe violations', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  const panel = page.getByTestId('lesson-panel');
  await panel.getByLabel('Lesson').selectOption({ label: 'Copy-on-write after fork' });
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel).toContainText('will be lost');
  await panel.getByRole('button', { name: 'Keep my machine' }).click();
  await expect(page.getByRole('log', { name: 'Scenario lines run', includeHidden: true })).toContainText(
    'spawn A',
  );
  await panel.getByRole('button', { name: 'Start' }).click();
  await panel.getByRole('button', { name: 'Start the lesson' }).click();
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 7/);
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // A wrong kind of answer is refused with a message; skipping still runs the step.
  await panel.getByRole('textbox').fill('lots');
  await panel.getByRole('button', { name: 'Check on the machine' }).click();
  await expect(panel).toContainText('“lots” is not a number');
  await panel.getByRole('button', { name: 'Skip: just run it' }).click();
  await expect(panel.getByTestId('lesson-reveal')).toContainText('You skipped the prediction.');
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // Alt+PageDown / Alt+PageUp: next and back (Back shows the step as it ran).
  await page.keyboard.press('Alt+PageDown');
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 2 of 7: fork\(\)/);
  await page.keyboard.press('Alt+PageUp');
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 7/);
  await expect(panel.getByTestId('lesson-reveal')).toBeVisible();

  // The lesson's own lines are not the learner's work: another lesson starts without asking.
  await panel.getByRole('button', { name: 'Close lesson' }).click();
  await panel.getByLabel('Lesson').selectOption({ label: 'Zeroing a block device with bvecs' });
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 4/);
  await app.screenshot('lesson-picker-keys');
});
