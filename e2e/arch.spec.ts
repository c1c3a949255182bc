/**
 * Architectures in the browser: step a MIPS (R4400, VCE) boot past init_zero_page_pfn and see eight
 * coloured zero pages appear on the grid; read a page on arm64 with the 16K granule and see a
 * three-level walk; go one boot step back and land exactly where two steps forward lands; run the
 * same scenario on x86-64 and s390 side by side.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test.describe.configure({ mode: 'serial' });

test('MIPS with VCE: stepping past init_zero_page_pfn makes eight coloured zero pages', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.configure({ arch: 'mips', vce: true, step: true });
  // MIPS has at most 256 MiB: the RAM choice moved into its range.
  await expect(page.getByLabel('RAM', { exact: true })).toHaveValue(String(256 * 2 ** 20));
  await app.rebootNow();
  await expect(app.banner).toBeHidden();
  await expect(page.getByTestId('machine-summary')).toContainText('mips (VCE) · 256 MiB');
  await expect(page.getByTestId('boot-progress')).toHaveText(/Step 0 of \d+ done/);
  await expect(page.getByTestId('about-zero-pages')).toContainText('not set up yet');

  // Step with the keyboard (n) until init_zero_page_pfn has run.
  const FS = await page.evaluate(() => window.__mmlab!.FrameState);
  for (let i = 0; i < 20 && (await app.currentStep()) !== 'init_zero_page_pfn'; i++) {
    expect(await page.evaluate((z) => window.__mmlab!.counts()[z], FS.ZeroPage)).toBe(0);
    await page.locator('body').press('n');
    await app.idle();
  }
  expect(await app.currentStep()).toBe('init_zero_page_pfn');
  const current = page.getByTestId('boot-current');
  await expect(current).toContainText('init_zero_page_pfn()');
  await expect(current).toContainText('zero_page_mask = 0x7000');

  // The About panel and the test API agree: 8 zero pages, mask 0x7000.
  const arch = await page.evaluate(() => window.__mmlab!.archInfo!);
  expect(arch.zeroPages?.count).toBe(8);
  expect(arch.zeroPageMask).toBe('0x7000');
  await expect(page.getByTestId('about-zero-pages')).toHaveAttribute('data-count', '8');
  await expect(page.getByTestId('about-zero-mask')).toHaveText('0x7000');
  await expect(page.getByTestId('about-zero-pfn')).toHaveText('0x' + arch.zeroPages!.basePfn.toString(16));
  await expect(page.getByTestId('about-simplifications')).toContainText('TLB');

  // Eight consecutive frames in the zero-page colour, and not the frames either side.
  const base = arch.zeroPages!.basePfn;
  expect(await page.evaluate((z) => window.__mmlab!.counts()[z], FS.ZeroPage)).toBe(8);
  expect(await page.evaluate((s) => window.__mmlab!.findState(s), FS.ZeroPage)).toBe(base);
  // Each cell centred in turn (the eight may wrap onto the next row of the grid).
  const zeroColour = await page.evaluate(() =>
    window.__mmlab!.frameColor(window.__mmlab!.FrameState.ZeroPage),
  );
  for (let pfn = base - 1; pfn <= base + 8; pfn++) {
    const c = await app.focus(pfn, 24);
    const cell = await page.evaluate(
      (p) => {
        const api = window.__mmlab!;
        return { state: api.frameState(p.pfn), pixel: api.pixelAt(p.x, p.y) };
      },
      { pfn, ...c },
    );
    const inside = pfn >= base && pfn < base + 8;
    expect(cell.state === FS.ZeroPage, `pfn ${pfn} state`).toBe(inside);
    expect(cell.pixel === zeroColour, `pfn ${pfn} pixel ${cell.pixel}`).toBe(inside);
  }
  await app.focus(base + 4, 20);
  await app.screenshot('arch-mips-zero-pages');

  // memblock shows the zero pages' reservation by its caller.
  await app.openPanel('memblock');
  await expect(page.getByTestId('memblock-summary')).toContainText('memory 256 MiB in 1 region');
  await page.getByTestId('memblock-view').getByText('Regions and who reserved them').click();
  await expect(page.getByRole('table', { name: /Reservations by caller/ })).toContainText(
    'arch_setup_zero_pages',
  );
  // Pointing at the bar names the reservations there by caller: the kernel image at 1 MiB..13 MiB.
  const bar = page.getByTestId('memblock-bar');
  await bar.scrollIntoViewIfNeeded();
  const box = (await bar.boundingBox())!;
  await page.mouse.move(box.x + box.width * (8 / 256), box.y + box.height * 0.75);
  await expect(page.getByTestId('memblock-hover')).toContainText('bootmem_init (_text/_etext): kernel code');
  await page.getByTestId('memblock-view').screenshot({ path: 'test-results/arch-mips-memblock.png' });
  await app.screenshot('arch-mips-about', true);
});

test('arm64 with the 16K granule: a page read walks three levels', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.configure({ arch: 'arm64', granule: '16K' });
  // An impossible machine first: the config checker's words in the banner, the x86-64 machine stays.
  await page.getByLabel('CPUs', { exact: true }).fill('100');
  await app.rebootNow();
  await expect(app.banner).toContainText('cpus=100');
  await expect(page.getByTestId('machine-summary')).toContainText('x86_64');
  await page.getByRole('button', { name: 'Dismiss the error' }).click();
  await page.getByLabel('CPUs', { exact: true }).fill('2');
  await app.rebootNow();
  await expect(app.banner).toBeHidden();
  await expect(page.getByTestId('machine-summary')).toContainText('arm64 16K');
  await expect(page.getByTestId('about-page-size')).toHaveText('16 KiB');
  await expect(page.getByTestId('about-levels').locator('tbody tr')).toHaveCount(3);

  await app.spawn('A');
  await app.mmap('r1', '64M', 'rw');
  await expect(page.getByTestId('process-grid-caption')).toContainText('A r1: 4,096 pages');
  await app.clickPage(5); // Read mode: a read fault maps the zero page
  await expect(app.banner).toBeHidden();

  await app.openPanel('page');
  const details = page.getByTestId('page-details');
  await expect(details.getByTestId('page-state')).toHaveText('zero page');
  const walk = details.getByRole('table', { name: /Page-table walk/ });
  await expect(walk.locator('tbody tr')).toHaveCount(3);
  await expect(walk.locator('tbody th')).toHaveText(['PGD (L1)', 'PMD (L2)', 'PTE (L3)']);
  await app.screenshot('arch-arm64-16k-walk');
});

test('Back rebuilds the machine: 3 steps forward and 1 back is 2 steps forward', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.configure({ step: true });
  await app.rebootNow();
  await app.openPanel('boot');

  const snapshot = async () => ({
    step: await app.currentStep(),
    index: await page.evaluate(() => window.__mmlab!.bootIndex),
    current: await page.getByTestId('boot-current').innerText(),
    memblock: await page.getByTestId('memblock-bar').getAttribute('data-regions'),
    memblockSummary: await page.getByTestId('memblock-summary').innerText(),
    frames: await page.evaluate(() => window.__mmlab!.frameDigest()),
    log: await page.getByText(/^\d+ lines$/).innerText(),
  });

  const stepButton = page.getByRole('button', { name: 'Step', exact: true });
  for (let i = 0; i < 3; i++) {
    await stepButton.click();
    await app.idle();
  }
  const three = await snapshot();
  expect(three.index).toBe(3);
  await page.locator('body').press('b');
  await app.idle();
  const back = await snapshot();
  await app.screenshot('arch-back', true);

  // A fresh machine, stepped twice.
  await app.rebootNow();
  for (let i = 0; i < 2; i++) {
    await stepButton.click();
    await app.idle();
  }
  const two = await snapshot();
  expect(two.index).toBe(2);
  expect(back).toEqual(two);
  expect(back.memblock).not.toBe(three.memblock); // e820__memblock_setup added memory: undone
  expect(await page.evaluate(() => window.__mmlab!.generation)).toBeGreaterThan(1);

  // Step over a phase lands on the first step of the next phase.
  await page.getByRole('button', { name: 'Step over phase' }).click();
  await app.idle();
  const steps = await page.evaluate(() => window.__mmlab!.bootIndex);
  await expect(page.getByTestId(`boot-step-${steps}`)).toContainText('free_area_init');
  // And Run finishes the boot.
  await page.locator('body').press('g');
  await app.idle();
  await expect(page.getByTestId('boot-progress')).toHaveText(/Booted/);
});

test('Compare: the same scenario on x86-64 and s390, side by side', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await page.getByLabel('Compare two arches').check();
  const formB = page.getByRole('form', { name: 'Machine B configuration' });
  await formB.getByLabel('arch', { exact: true }).selectOption('s390');
  const formA = page.getByRole('form', { name: 'Machine A configuration' });
  await expect(formA.getByLabel('arch', { exact: true })).toHaveValue('x86_64');

  await page
    .getByLabel('Scenario lines for both machines')
    .fill('spawn A\nA mmap r1 64M rw\nA read r1 0 64M 4K\nA write r1 0 4M 4K 1');
  await page.getByRole('button', { name: 'Boot both and run' }).click();
  await app.idle();

  await expect(page.getByTestId('compare-label-0')).toContainText('x86-64');
  await expect(page.getByTestId('compare-label-1')).toContainText('s390x');
  const rss: number[] = [];
  for (const side of [0, 1]) {
    const status = page.getByTestId(`compare-status-${side}`);
    await expect(status).toContainText('VmRSS');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(await status.innerText());
    rss.push(Number(m![1]));
    expect(await page.evaluate((s) => window.__mmlab!.compareNrPages(s as 0 | 1), side)).toBeGreaterThan(0);
  }
  // 4 MiB written on each: at least 4096 kB resident on both.
  expect(rss[0]).toBeGreaterThanOrEqual(4096);
  expect(rss[1]).toBeGreaterThanOrEqual(4096);
  await expect(page.getByTestId('compare-table')).toContainText('VmRSS');
  await app.screenshot('arch-compare', true);

  // Back to the machine screen: the main machine is still there.
  await page.getByLabel('Machine', { exact: true }).check();
  await app.idle();
  await expect(app.frameCount).toHaveText('frames: 262144');
});
