/**
 * Accessibility: axe finds no violations on the main screen, in its states a learner meets (booted,
 * hovering a frame, an error shown, stepping through boot).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

async function violations(app: MmLab): Promise<string[]> {
  const results = await new AxeBuilder({ page: app.page }).analyze();
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

test('the booted machine has no axe violations', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.openPanel('dmesg'); // the kernel log's tab too
  const zero = await page.evaluate(() => window.__mmlab!.zeroPagePfn!);
  await app.hover(zero);
  expect(await violations(app)).toEqual([]);
});

test('the error banner and the boot stepper have no axe violations', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.alloc('big', 11);
  await expect(app.banner).toBeVisible();
  expect(await violations(app)).toEqual([]);

  await page.getByRole('button', { name: 'Dismiss the error' }).click();
  await app.configure({ step: true });
  await app.reboot({ ram: '256 MiB' });
  await app.openPanel('boot');
  await expect(page.getByTestId('boot-progress')).toHaveText(/Step 0 of \d+ done/);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await app.idle();
  await expect(page.getByTestId('boot-progress')).toHaveText(/Step 1 of \d+ done/);
  expect(await violations(app)).toEqual([]);
  await app.screenshot('app-boot-step');
});

test('the process panels have no axe violations', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '2M', 'rw');
  await page.getByRole('button', { name: 'Read all' }).click();
  await app.idle();
  await page.keyboard.press('w');
  await app.clickPage(7);
  const a = await app.showPage(7);
  await page.mouse.move(a.x, a.y);
  await expect(page.getByTestId('page-tooltip').getByRole('table')).toBeVisible();
  expect(await violations(app)).toEqual([]);
  await app.openPanel('processes');
  const fork = page.getByRole('form', { name: 'fork' });
  await fork.getByRole('button', { name: 'Fork A' }).click();
  await app.idle();
  // Fork keeps the parent current (the child is shown beside it): go on in the child.
  await page.getByLabel('process', { exact: true }).selectOption('B');
  await app.idle();
  // Parent and child side by side.
  await expect(page.getByTestId('process-chooser')).toBeVisible();
  expect(await violations(app)).toEqual([]);

  // A kill notice and a failed scenario line.
  await app.mmap('guard', '4K', 'none');
  await app.runScenario('B read guard 0 1 1');
  await expect(page.getByTestId('kernel-notice')).toBeVisible();
  await app.runScenario('A frobnicate');
  await expect(app.banner).toBeVisible();
  expect(await violations(app)).toEqual([]);
  await app.screenshot('processes-a11y');
});

test('the architecture panels and the Compare view have no axe violations', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.configure({ arch: 'mips', vce: true, step: true });
  await app.rebootNow();
  await app.openPanel('boot');
  await page.getByRole('button', { name: 'Step over phase' }).click();
  await app.idle();
  await app.openPanel('memblock');
  await page.getByTestId('memblock-view').getByText('Regions and who reserved them').click();
  expect(await violations(app)).toEqual([]);

  await page.getByLabel('Compare two arches').check();
  await page.getByRole('button', { name: 'Boot both and run' }).click();
  await app.idle();
  await expect(page.getByTestId('compare-status-1')).toContainText('VmRSS');
  await page.getByText('What the scenario printed').first().click();
  expect(await violations(app)).toEqual([]);
});

test('the huge-page panels have no axe violations', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r1', '4M', 'rw');
  await app.runScenario('A madvise r1 0 4M hugepage');
  await app.clickPage(3, 14);
  await app.openPanel('page');
  await expect(page.getByTestId('page-details').getByTestId('huge-leaf')).toContainText(
    'deposited PTE table',
  );
  await app.openPanel('huge');
  await page.getByRole('button', { name: 'Run shrinker (drop_caches)' }).click();
  await app.idle();
  await expect(page.getByTestId('shrinker-result')).toBeVisible();
  await app.openPanel('blkzero');
  const zform = page.getByRole('form', { name: 'Block zeroing' });
  await zform.getByLabel('max transfer (optional)').fill('1M');
  await zform.getByRole('button', { name: 'Build bios' }).click();
  await app.idle();
  await expect(page.getByTestId('zeroout-split')).toBeVisible();
  expect(await violations(app)).toEqual([]);
});

test('the progress bar, the editor with an error marked and the share panel have no axe violations', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 16G r\nA mmap r2 16G r');
  await page.getByLabel('Scenario lines', { exact: true }).fill('A read r1 0 16G 4K\nA read r2 0 16G 4K');
  await page.getByRole('form', { name: 'Run scenario lines' }).getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('work-progress')).toBeVisible();
  expect(await violations(app)).toEqual([]);
  await page.getByRole('button', { name: 'Cancel (Esc)' }).click();
  await expect(page.getByTestId('work-progress')).toHaveCount(0);
  await app.runScenario('A frobnicate');
  await expect(page.getByTestId('editor-errors')).toBeVisible();
  await app.openPanel('share');
  await page.getByRole('button', { name: 'Copy share link' }).click();
  await expect(page.getByTestId('share-link')).not.toHaveValue('');
  expect(await violations(app)).toEqual([]);
});
