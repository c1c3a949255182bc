/**
 * Issue #16's "Done when", as a teacher does it in the app's lesson editor (src/ui/lessons/editor):
 * write a new 5-step lesson with a numeric and a click question, see a typo marked on its line and
 * fix it, preview it in the Lessons column and check each step against the machine, record one
 * step's scenario line by clicking the process grid, find it in the gallery, share it as a link
 * opened in a new page, and embed the copied iframe code in a plain HTML page on another origin.
 * The text survives a reload. Screenshots: test-results/lesson-editor-*.png.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { MmLab } from './fixtures.ts';

/** The teacher's lesson; step 4's scenario block is recorded by clicking, so it starts without one. */
const LESSON = `---
format: 1
id: fork-shares-zeros
title: Fork shares the zero page
summary: "Reads map the zero page; a write copies one page."
machine: arch=x86_64 ram=1G cpus=2 zero_page_patch=before
level: intro
duration: 10
topic: zero page, fork
---

## Map 32 KiB

A maps 32 KiB of anonymous memory: mmap() records a VMA and touches no page.

\`\`\`scenario
spawn A
A mmap r1 32K rw
\`\`\`

\`\`\`step
show: page A r1
\`\`\`

## Read every page

A reads one byte of each of its 8 pages of 4 KiB (32 KiB).

\`\`\`scenario
A read r1 0 32K 4K
\`\`\`

\`\`\`question
kind: number
prompt: "A reads 8 pages of 4 KiB (32 KiB): by how many kB does its VmRSS grow?"
probe: /proc/A/status:VmRSS
delta: yes
unit: kB
expected: 0
explain: The zero page's PTEs are special: they add no RSS.
\`\`\`

## One frame of zeros

All 8 pages map the same frame.

\`\`\`scenario
pagemap A r1 0 8K
\`\`\`

\`\`\`question
kind: frame
prompt: Click the frame that A's pages map.
probe: zero_pfn
explain: The zero page, which was never in the buddy allocator.
\`\`\`

## Write page 1

A writes one byte of page 1: the write fault copies it into a frame of its own.

## Fork

A forks B: the child maps the same frames.

\`\`\`scenario
A fork B
\`\`\`

\`\`\`step
show: panel status-title
\`\`\`
`;

/** The same lesson with a teacher's typo in step 2's question. */
const TYPO = LESSON.replace('kind: number', 'kind: nubmer');
const typoLine = TYPO.split('\n').findIndex((l) => l === 'kind: nubmer') + 1;

/** The plain course page: a heading and the iframe code the teacher pasted. */
let server: Server;
let pasted = '';
let hostUrl = '';
test.beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 5</title></head>` +
        `<body><h1>Week 5: fork and the zero page</h1>\n${pasted}\n</body></html>`,
    );
  });
  // another port: another origin, as a course site and MM Lab's host are
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/week5.html`;
});
test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
}

/** Answer step 2's numeric question and check the reveal is the machine's value (0 kB). */
async function answerNumeric(page: Page): Promise<void> {
  const q = page.getByTestId('lesson-question');
  await expect(q).toContainText('by how many kB does its VmRSS grow?');
  await q.getByRole('textbox').fill('32');
  await q.getByRole('button', { name: 'Check on the machine' }).click();
  await expect(page.getByTestId('lesson-value')).toHaveText('0 kB');
}

/** Answer step 3's click question by clicking the zero page's cell on the frame grid. */
async function answerFrame(page: Page, app: MmLab): Promise<number> {
  const ask = page.getByTestId('lesson-frame-question');
  await expect(ask).toContainText("Click the frame that A's pages map.");
  const pfn = (await page.evaluate(() => window.__mmlab!.value('zero_pfn'))) as number;
  const c = await app.focus(pfn);
  await page.mouse.click(c.x, c.y);
  await expect(ask.getByTestId('lesson-frame-selected')).toHaveText(`Selected: pfn 0x${pfn.toString(16)}.`);
  await ask.getByRole('button', { name: 'Check my selection' }).click();
  await expect(page.getByTestId('lesson-frame-reveal')).toContainText('That is the frame.');
  return pfn;
}

test('a teacher writes, previews, records, shares and embeds a 5-step lesson in the editor', async ({
  page,
  context,
}) => {
  test.setTimeout(180_000);
  const app = new MmLab(page);
  await app.open();
  const progress = page.getByTestId('lesson-progress');
  const next = page.getByTestId('lesson-panel').getByRole('button', { name: /^Next/ });
  const editor = page.getByTestId('lesson-editor');
  const box = editor.getByLabel('Lesson document (Markdown)');
  const steps = editor.getByTestId('lesson-editor-steps');

  // The editor is a tab of the workspace (key L); it starts from a template.
  await page.keyboard.press('L');
  await expect(editor).toBeVisible();
  await editor.getByLabel('Start from').selectOption({ label: 'A new lesson (template)' });
  await expect(box).toHaveValue(/title: My lesson/);

  // A typo is marked on its line, with the parser's message; fixing it clears the mark.
  await box.fill(TYPO);
  const errors = editor.getByTestId('lesson-editor-errors');
  await expect(errors).toContainText(`Go to line ${typoLine}:`);
  await expect(errors).toContainText('nubmer');
  await expect(box).toHaveAttribute('aria-invalid', 'true');
  // "Go to line" puts the caret there and scrolls the line, marked in the gutter, into view
  await errors.getByRole('button', { name: new RegExp(`^Go to line ${typoLine}:`) }).click();
  expect(
    await box.evaluate((b: HTMLTextAreaElement) => b.value.slice(0, b.selectionStart).split('\n').length),
  ).toBe(typoLine);
  const gutter = editor.getByTestId('lesson-editor-gutter');
  await expect(gutter.locator(`[data-line="${typoLine}"]`)).toHaveClass(/gutter-error/);
  await expect(gutter.locator('.gutter-error')).toHaveCount(1);
  await app.screenshot('lesson-editor-typo');
  const axe = await new AxeBuilder({ page }).include('[data-testid="lesson-editor"]').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await box.fill(LESSON);
  await expect(errors).toHaveCount(0);
  await expect(gutter.locator('.gutter-error')).toHaveCount(0);
  await expect(editor).toContainText('No problems.');
  // the live step list: five steps, what each does
  await expect(steps.locator('li')).toHaveCount(5);
  await expect(steps.locator('li').nth(1)).toContainText('numeric question');
  await expect(steps.locator('li').nth(2)).toContainText('click question');
  await expect(steps.locator('li').nth(3)).toContainText('narration only');

  // Preview up to the step to record: the Lessons column runs it as a learner sees it.
  await editor.getByRole('button', { name: 'Preview' }).click();
  await expect(progress).toHaveText(/^Step 1 of 5: Map 32 KiB/);
  await next.click();
  await expect(progress).toHaveText(/^Step 2 of 5: Read every page/);
  await answerNumeric(page);
  await next.click();
  await expect(progress).toHaveText(/^Step 3 of 5: One frame of zeros/);
  await answerFrame(page, app);
  await next.click();
  await expect(progress).toHaveText(/^Step 4 of 5: Write page 1/);
  await editor.getByRole('button', { name: 'Back to editing' }).click();
  await expect(box).toHaveValue(LESSON);

  // Record step 4: put the caret in it, record, click page 1 of A's region in Write mode.
  await steps.getByRole('button', { name: 'Write page 1' }).click();
  await editor.getByRole('button', { name: '● Record' }).click();
  await expect(editor.getByTestId('lesson-editor-recording')).toHaveText('into step 4: Write page 1');
  await page.getByRole('radio', { name: /Write/ }).check();
  await app.clickPage(1);
  await expect(box).toHaveValue(
    /## Write page 1\n\nA writes one byte of page 1[^\n]*\n\n```scenario\nA write r1 0x1000 1 1 1\n```\n/,
  );
  await expect(steps.locator('li').nth(3)).toContainText('1 scenario line');
  await app.screenshot('lesson-editor-recorded');
  await editor.getByRole('button', { name: '■ Stop recording' }).click();
  const recorded = await box.inputValue();
  // the other steps are as written
  expect(recorded.replace('\n```scenario\nA write r1 0x1000 1 1 1\n```\n', '')).toBe(LESSON);

  // Preview the whole lesson and check each step against the machine.
  await editor.getByRole('button', { name: 'Preview' }).click();
  // the teacher's clicks are work of their own: the Lessons column asks before rebooting
  await page.getByRole('button', { name: 'Start the lesson' }).click();
  await expect(progress).toHaveText(/^Step 1 of 5: Map 32 KiB/);
  // its lines ran on the rebooted machine: A exists, with nothing touched in r1 yet
  await expect
    .poll(() => page.evaluate(() => window.__mmlab!.value('/proc/A/status:VmRSS').catch(() => -1)))
    .toBeGreaterThan(0);
  await app.screenshot('lesson-editor-preview-1');
  await next.click();
  await expect(progress).toHaveText(/^Step 2 of 5/);
  await answerNumeric(page);
  const rss = (await page.evaluate(() => window.__mmlab!.value('/proc/A/status:VmRSS'))) as number;
  await app.screenshot('lesson-editor-preview-2');
  await next.click();
  await expect(progress).toHaveText(/^Step 3 of 5/);
  const zero = await answerFrame(page, app);
  expect(zero).toBeGreaterThan(0);
  await app.screenshot('lesson-editor-preview-3');
  await next.click();
  await expect(progress).toHaveText(/^Step 4 of 5: Write page 1/);
  // the recorded line ran: one private frame, 4 kB more
  await expect.poll(() => page.evaluate(() => window.__mmlab!.value('/proc/A/status:VmRSS'))).toBe(rss + 4);
  await next.click();
  await expect(progress).toHaveText(/^Step 5 of 5: Fork/);
  await expect.poll(() => page.evaluate(() => window.__mmlab!.value('/proc/B/status:VmRSS'))).toBe(rss + 4);
  await expect(page.getByRole('heading', { name: /status/i }).first()).toBeVisible();
  await app.screenshot('lesson-editor-preview-5');
  await editor.getByRole('button', { name: 'Back to editing' }).click();
  await expect(box).toHaveValue(recorded);

  // It is in the gallery, as a loaded lesson.
  await app.openPanel('gallery');
  await expect(page.getByTestId('gallery-fork-shares-zeros')).toContainText('Fork shares the zero page');
  await expect(page.getByTestId('gallery-fork-shares-zeros')).toContainText('5 steps');

  // Share it as a link, open the link in a new page: the lesson opens at its first step.
  await app.openPanel('editor');
  await editor.getByRole('button', { name: 'Share link' }).click();
  const link = editor.getByLabel('Link', { exact: true });
  await expect(link).toHaveValue(/#lesson=~doc1\./);
  const url = await link.inputValue();
  const other = await context.newPage();
  await other.goto(url);
  await ready(other);
  await expect(other.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 5: Map 32 KiB/);
  await other.getByTestId('lesson-panel').getByRole('button', { name: /^Next/ }).click();
  await answerNumeric(other);
  await other.screenshot({ path: 'test-results/lesson-editor-link.png' });
  await other.close();

  // Embed it: paste the copied iframe code into a plain course page on another origin.
  await editor.getByRole('button', { name: 'Copy embed code' }).click();
  const code = editor.getByLabel('Embed code');
  await expect(code).toHaveValue(/^<iframe src="[^"]*\?embed=1#lesson=~doc1\./);
  pasted = await code.inputValue();
  const course = await context.newPage();
  await course.goto(hostUrl);
  const frame = course.frameLocator('iframe');
  await expect(frame.getByTestId('embed-step')).toHaveText('Step 1 of 5: Map 32 KiB', { timeout: 30_000 });
  await frame.getByRole('button', { name: 'Next step' }).click();
  await expect(frame.getByTestId('embed-step')).toHaveText('Step 2 of 5: Read every page');
  // in a frame the host drives, a step runs at once (its question skipped) and reveals the value
  await expect(frame.getByTestId('lesson-value')).toHaveText('0 kB');
  await course.screenshot({ path: 'test-results/lesson-editor-embed.png' });
  await course.close();

  // A reload loses nothing: the text, recorded line included, comes back.
  await page.reload();
  await ready(page);
  await app.openPanel('editor');
  await expect(box).toHaveValue(recorded);
});
