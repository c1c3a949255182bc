/**
 * Presenter mode in Chromium: the docs' example lesson (its first step has presenter notes) shown to a
 * room: the switch (button, t, ?present=1) enlarges the type and the explanation column, PageDown /
 * PageUp step the lesson even while a grid has focus (a clicker remote), and the notes window opened
 * from the app follows every step over its BroadcastChannel and steps the lesson back.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { encodeLessonLink } from '../src/ui/lessons/lesson_link.ts';
import { MmLab } from './fixtures.ts';

const docs = readFileSync(new URL('../docs/lessons.md', import.meta.url), 'utf8');
const example = /````markdown\n([\s\S]*?)````/.exec(docs)![1]!;

const presenting = (page: Page) =>
  page.evaluate(() => document.documentElement.classList.contains('presenting'));
const px = (page: Page, sel: string, prop: 'fontSize' | 'width') =>
  page
    .locator(sel)
    .first()
    .evaluate(
      (el, p) =>
        parseFloat(p === 'width' ? String(el.getBoundingClientRect().width) : getComputedStyle(el)[p]),
      prop,
    );

test('presenter mode: large type, clicker keys step the lesson, the notes window follows', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const app = new MmLab(page);
  await page.goto(`/${await encodeLessonLink(example)}`);
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  const panel = page.getByTestId('lesson-panel');
  const progress = panel.getByTestId('lesson-progress');
  await expect(progress).toHaveText(/^Step 1 of 5: Map 64 KiB/);
  const before = {
    font: await px(page, '.lesson-narration', 'fontSize'),
    column: await px(page, '.explain-column', 'width'),
  };

  // The switch: large type, a wider explanation column.
  const toggle = panel.getByRole('button', { name: 'Present', exact: true });
  await toggle.click();
  expect(await presenting(page)).toBe(true);
  await expect(panel.getByRole('button', { name: 'Stop presenting' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  expect(await px(page, '.lesson-narration', 'fontSize')).toBeGreaterThanOrEqual(24);
  expect(before.font).toBeLessThan(18);
  const column = await px(page, '.explain-column', 'width');
  expect(column).toBeGreaterThan(before.column);
  expect(column).toBeGreaterThanOrEqual(1280 * 0.4);
  // pointer-friendly: the step buttons are at least 44 px tall
  expect(
    await panel.getByRole('button', { name: 'Next' }).evaluate((b) => b.getBoundingClientRect().height),
  ).toBeGreaterThanOrEqual(44);
  await app.screenshot('presenter-step1');
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // The notes window: the same app at ?notes=1, on the current step, with its notes.
  const [notes] = await Promise.all([
    page.waitForEvent('popup'),
    panel.getByRole('button', { name: 'Notes window' }).click(),
  ]);
  expect(new URL(notes.url()).searchParams.get('notes')).toBe('1');
  await expect(notes.getByTestId('notes-step')).toBeVisible();
  // it runs no machine of its own (main.tsx stops before the worker and the test API)
  expect(await notes.evaluate(() => window.__mmlab === undefined)).toBe(true);
  await expect(notes.getByTestId('notes-step')).toHaveText('Step 1 of 5: Map 64 KiB');
  await expect(notes.getByTestId('notes-text')).toContainText(
    'Ask the room before Next: how much RAM will reading these 64 KiB cost?',
  );
  await expect(notes.getByTestId('notes-text').locator('p')).toHaveCount(2);
  await expect(notes.getByTestId('notes-window')).toContainText('Next: Read every page');
  await notes.screenshot({ path: 'test-results/presenter-notes-step1.png' });
  expect((await new AxeBuilder({ page: notes }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // A clicker's PageDown steps the lesson even while the frame grid has focus (it pans otherwise).
  await page.getByTestId('frame-grid').focus();
  await page.keyboard.press('PageDown');
  await expect(progress).toHaveText(/^Step 2 of 5: Read every page/);
  await expect(notes.getByTestId('notes-step')).toHaveText('Step 2 of 5: Read every page');
  await expect(notes.getByTestId('notes-text')).toHaveText('No notes for this step.');
  await expect(notes.getByRole('status')).toContainText('Waiting for the prediction');
  // The question is open: PageDown does not skip it.
  await page.keyboard.press('PageDown');
  await expect(progress).toHaveText(/^Step 2 of 5/);
  await panel.getByRole('button', { name: 'Skip: just run it' }).click();
  await expect(panel.getByTestId('lesson-reveal')).toBeVisible();
  await expect(notes.getByRole('status')).toBeHidden();
  await app.screenshot('presenter-step2-reveal');

  // PageUp goes back; the notes window's own Next steps the presenting window.
  await page.keyboard.press('PageUp');
  await expect(progress).toHaveText(/^Step 1 of 5/);
  await expect(notes.getByTestId('notes-step')).toHaveText('Step 1 of 5: Map 64 KiB');
  await notes.getByRole('button', { name: 'Next' }).click();
  await expect(progress).toHaveText(/^Step 2 of 5/);
  await expect(notes.getByTestId('notes-step')).toHaveText('Step 2 of 5: Read every page');

  // t switches it off again: the sizes the learner had come back.
  // (from the page, not a focused grid: there t is the grid's to leave alone)
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('t');
  expect(await presenting(page)).toBe(false);
  expect(await px(page, '.explain-column', 'width')).toBeCloseTo(before.column, 0);
  await page.keyboard.press('t');
  expect(await presenting(page)).toBe(true);
});

test('?present=1 opens the app in presenter mode', async ({ page }) => {
  await page.goto('/?present=1');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect.poll(() => presenting(page)).toBe(true);
  await expect(
    page.getByTestId('lesson-panel').getByRole('button', { name: 'Stop presenting' }),
  ).toBeVisible();
  expect(await px(page, '.explain-column', 'width')).toBeGreaterThanOrEqual(1280 * 0.4);
});
