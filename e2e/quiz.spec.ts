/**
 * Quiz and self-check, end to end: the zero-page lesson's questions answered in Chromium (a prediction
 * right, the next wrong, and the "click the frame" question answered by clicking the zero page's cell
 * on the frame grid), the answers kept in localStorage, the score in the Quiz panel, and the CSV the
 * learner downloads to hand in, read back from disk.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LESSONS } from './lesson_docs.ts';
import { MmLab } from './fixtures.ts';

const lesson = LESSONS.find((l) => l.id === 'zero-page')!;

test('zero-page quiz: predictions and a clicked frame are scored, kept in the browser and downloaded as CSV', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await page.goto(`/?lesson=${lesson.id}`);
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  const panel = page.getByTestId('lesson-panel');
  const next = panel.getByRole('button', { name: 'Next' });
  let right = 0;
  let total = 0;
  let clicked = false;
  for (const [i, step] of lesson.steps.entries()) {
    await expect(panel.getByTestId('lesson-progress')).toHaveText(
      `Step ${i + 1} of ${lesson.steps.length}: ${step.title}`,
    );
    const q = step.question;
    if (q) {
      total++;
      const form = panel.getByTestId('lesson-question');
      const good = total % 2 === 1; // right, wrong, right...
      if (good) right++;
      if (q.kind === 'choice')
        await form
          .getByRole('radio', {
            name: q.choices[good ? q.expected : (q.expected + 1) % q.choices.length]!.label,
          })
          .check();
      else await form.getByRole('textbox').fill(String(good ? q.expected : q.expected + 1));
      await form.getByRole('button', { name: 'Check on the machine' }).click();
      const reveal = panel.getByTestId('lesson-reveal');
      // the machine's explanation comes with the answer
      await expect(reveal).toContainText(q.explain);
      await expect(reveal).toContainText(
        good ? 'Your prediction matches the machine.' : 'Not what the machine did.',
      );
    }
    if (step.select) {
      total++;
      right++;
      const ask = panel.getByTestId('lesson-frame-question');
      await expect(ask).toContainText(step.select.prompt);
      // The step's pointer (show: zero-page) waits: nothing is selected for the learner.
      await expect(ask.getByTestId('lesson-frame-selected')).toHaveText('No frame selected yet.');
      expect(await page.evaluate(() => window.__mmlab!.selection)).toBeNull();
      const pfn = (await page.evaluate((w) => window.__mmlab!.value(w), step.select.probe.what)) as number;
      expect(pfn).toBe(step.select.expected);
      const c = await app.focus(pfn);
      await page.mouse.click(c.x, c.y);
      await expect(ask.getByTestId('lesson-frame-selected')).toHaveText(
        `Selected: pfn 0x${pfn.toString(16)}.`,
      );
      await app.screenshot('quiz-frame-question');
      // "What happened", squeezed under a long lesson step, scrolls: it is focusable, so axe is clean.
      expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
      await ask.getByRole('button', { name: 'Check my selection' }).click();
      const reveal = panel.getByTestId('lesson-frame-reveal');
      await expect(reveal).toContainText('That is the frame.');
      await expect(reveal.getByTestId('lesson-frame-value')).toHaveText(`pfn 0x${pfn.toString(16)}`);
      await expect(reveal).toContainText(step.select.explain);
      clicked = true;
    }
    if (total)
      await expect(panel.getByTestId('lesson-quiz-line')).toContainText(
        `Quiz: ${total} of ${lesson.steps.reduce((n, s) => n + (s.question ? 1 : 0) + (s.select ? 1 : 0), 0)} questions answered, ${right} right.`,
      );
    if (i + 1 < lesson.steps.length) await next.click();
  }
  expect(clicked, 'the zero-page lesson asks a click question').toBe(true);

  // The score, in the Quiz panel.
  await panel.getByRole('button', { name: 'See your score' }).click();
  const quiz = page.getByTestId('quiz-panel');
  await expect(quiz).toBeVisible();
  await expect(quiz.getByTestId('quiz-score')).toHaveText(
    `${right} of ${total} right, ${total - right} wrong.`,
  );
  await app.screenshot('quiz-summary');
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // Kept in this browser, per lesson.
  const stored = JSON.parse(
    (await page.evaluate((id) => localStorage.getItem(`mmlab.quiz.${id}`), lesson.id))!,
  ) as { answers: { slot: string; correct: boolean }[] };
  expect(stored.answers).toHaveLength(total);
  expect(stored.answers.filter((a) => a.correct)).toHaveLength(right);

  // The CSV to hand in: a header, one row per question, the frame question marked right.
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    quiz.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  expect(dl.suggestedFilename()).toBe(`mmlab-quiz-${lesson.id}.csv`);
  const csv = readFileSync((await dl.path())!, 'utf8');
  const rows = csv.trimEnd().split('\r\n');
  expect(rows[0]).toBe('step,step_title,kind,prompt,answer,machine,correct,answered_at');
  expect(rows).toHaveLength(total + 1);
  const frameRow = rows.find((r) => r.includes(',frame,'))!;
  expect(frameRow).toMatch(/,pfn 0x[0-9a-f]+,pfn 0x[0-9a-f]+,yes,\d{4}-\d\d-\d\dT/);
  expect(rows.filter((r) => /,yes,\d{4}-/.test(r))).toHaveLength(right);
  expect(rows.filter((r) => /,no,\d{4}-/.test(r))).toHaveLength(total - right);
});
