/**
 * The workspace: one screen with no document scroll at 1280×800 and 1920×1080 — on first load, after
 * spawn and fork, with every dock tab open in turn, at every step of every lesson — the explanation
 * beside the stage, the timeline strip always there, boot one action away, past and live told
 * apart, machine settings applied explicitly, and no console errors.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { LESSONS } from './lesson_docs.ts';
import { MmLab } from './fixtures.ts';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

/** Collect console errors and page errors; the test ends by asserting there were none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The registry's tabbed panels, read from the page (every [role=tab] of the docks). */
async function tabIds(page: Page): Promise<string[]> {
  return page
    .locator('[role=tab][data-panel]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-panel')!));
}

for (const size of SIZES) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: size });

    test('first load, every dock tab, spawn and fork: the document never scrolls', async ({ page }) => {
      const errors = watchErrors(page);
      const app = new MmLab(page);
      await app.open();
      await app.expectNoDocumentScroll();
      await expect(page.getByTestId('timeline')).toBeInViewport();
      await expect(page.getByTestId('explain')).toBeInViewport();
      await expect(app.grid).toBeInViewport();
      await app.screenshot(`workspace-first-load-${size.width}`);

      const ids = await tabIds(page);
      expect(ids.length).toBeGreaterThan(10);
      for (const id of ids) {
        await app.openPanel(id);
        await app.idle();
        await expect(page.locator(`[role=tabpanel][data-panel="${id}"]`)).toBeInViewport();
        await app.expectNoDocumentScroll();
        if (size.width === 1280) await app.screenshot(`workspace-dock-${id}`);
      }
      await app.openPanel('memblock');
      await app.openPanel('inspector');

      await app.spawn('A');
      await app.mmap('r1', '64K');
      await app.runScenario('A read r1 0 64K 4K\nA fork B');
      await app.expectNoDocumentScroll();
      await app.screenshot(`workspace-after-fork-${size.width}`);
      expect(errors).toEqual([]);
    });
  });
}

/**
 * The stage keeps its controls uncovered and its cells readable at this size: the Read/Write switch is
 * what the pointer finds at its centre (no card over it), and the current pane shows at least `min`
 * rows of page cells inside its box; every pane shown is at least `minH` px tall.
 */
async function expectReadableStage(page: Page, min: number, minH: number, where: string): Promise<void> {
  for (const name of ['Read', 'Write']) {
    const option = page.locator('.click-mode-option', { hasText: name });
    await expect(option).toBeInViewport();
    const hit = await option.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return at !== null && el.contains(at);
    });
    expect(hit, `the ${name} switch is not covered ${where}`).toBe(true);
  }
  const rows = await page.evaluate(() => {
    const api = window.__mmlab!;
    const host = document.querySelector('[data-testid="process-grid"]')!.getBoundingClientRect();
    const ys = new Set<number>();
    const n = api.pageCounts().reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      const c = api.pageCenter(i);
      if (c.x >= host.left && c.x <= host.right && c.y >= host.top && c.y <= host.bottom)
        ys.add(Math.round(c.y));
    }
    return ys.size;
  });
  expect(rows, `rows of page cells in view ${where}`).toBeGreaterThanOrEqual(min);
  for (const h of await page
    .locator('.process-pane .grid-host')
    .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height)))
    expect(h, `pane height ${where}`).toBeGreaterThanOrEqual(minH);
}

for (const size of SIZES) {
  test(`${size.width}×${size.height}: after a copy-on-write click and after fork the switch is uncovered and the cells readable`, async ({
    page,
  }) => {
    await page.setViewportSize(size);
    const errors = watchErrors(page);
    const app = new MmLab(page);
    await app.open();
    await app.runScenario('spawn A\nA mmap r1 1M rw\nA read r1 0 1M 4K');
    await page.getByRole('radio', { name: /Write/ }).check();
    // The click, then the new frame is ringed inside the frame grid and the window (how fast is
    // bench:browser's click row, not a test's: these machines are shared and noisy).
    const at = await app.showPage(40);
    await page.mouse.click(at.x, at.y);
    const faults = page.getByTestId('fault-links');
    await expect(faults).toHaveAttribute('data-new-pfn', /^\d+$/);
    const ring = await page.locator('.fault-ring').evaluate((el) => {
      const r = el.getBoundingClientRect();
      const g = document.querySelector('.frame-grid-static')!.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      return x >= g.left && x <= g.right && y >= g.top && y <= g.bottom && y <= window.innerHeight;
    });
    expect(ring, 'the new frame is ringed inside the frame grid').toBe(true);
    await app.idle();
    // The call path itself names them (not only the fault card above it).
    const path = page.getByTestId('explain-path');
    await expect(path).toContainText('do_wp_page');
    await expect(path).toContainText('wp_page_copy');
    await expect(path).toBeInViewport();
    await expect(page.getByTestId('fault-card')).toContainText('wp_page_copy');
    await expect(page.getByTestId('fault-card')).toBeInViewport();
    await expectReadableStage(page, 6, 150, 'after a copy-on-write click');
    // Zoomed in, a run of zero-mapped pages is still one band (the rows cut by the pane's edge do
    // not split it): pages 0–39 and 41–255.
    const bands = page.getByTestId('mapping-links').locator('text.link-count');
    await expect(bands).toHaveCount(2);
    await app.expectNoDocumentScroll('after a copy-on-write click');
    await app.screenshot(`workspace-cow-${size.width}`);

    await app.runScenario('A fork B');
    await expect(page.getByTestId('process-pane-B')).toBeVisible();
    await app.clickPage(41);
    await expectReadableStage(page, 6, 150, 'after fork');
    // A: pages 0–39 and 42–255 on the zero page; B: 0–39 and 41–255.
    await expect(bands).toHaveCount(4);
    await app.expectNoDocumentScroll('after fork');
    await app.screenshot(`workspace-fork-cow-${size.width}`);
    expect(errors).toEqual([]);
  });
}

test('a copy-on-write click: the explanation column names do_wp_page and wp_page_copy', async ({ page }) => {
  const errors = watchErrors(page);
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 64K rw\nA read r1 0 64K 4K');
  await page.getByRole('radio', { name: /Write/ }).check();
  await app.clickPage(2);
  const explain = page.getByTestId('explain');
  await expect(explain).toContainText('do_wp_page');
  await expect(explain).toContainText('wp_page_copy');
  await expect(explain).toBeInViewport();
  await app.expectNoDocumentScroll();
  await app.screenshot('workspace-cow-click');
  expect(errors).toEqual([]);
});

for (const size of SIZES)
  test(`${size.width}×${size.height}: boot is one action from first load: Step through boot, then n and b walk the boot functions`, async ({
    page,
  }) => {
    await page.setViewportSize(size);
    const errors = watchErrors(page);
    const app = new MmLab(page);
    await app.open();
    const into = page.getByRole('button', { name: /Step through boot/ });
    await expect(into).toBeInViewport();
    await into.click();
    await app.idle();
    await expect(page.getByTestId('past-banner')).toContainText('Viewing the past');
    await expect(page.getByTestId('timeline-where')).toContainText('operation 1 of');
    await expect(page.getByTestId('explain-boot')).toContainText('Boot step 1 of');
    await app.screenshot(`workspace-boot-step-1-${size.width}`);
    await page.keyboard.press('n');
    await app.idle();
    await expect(page.getByTestId('explain-boot')).toContainText('Boot step 2 of');
    await page.keyboard.press('b');
    await app.idle();
    await expect(page.getByTestId('explain-boot')).toContainText('Boot step 1 of');
    await app.expectNoDocumentScroll();

    // From live, b is one boot step back too.
    await page.keyboard.press('End');
    await app.idle();
    await expect(page.getByTestId('timeline-where')).toContainText('Live');
    await page.keyboard.press('b');
    await app.idle();
    await expect(page.getByTestId('past-banner')).toBeVisible();
    expect(errors).toEqual([]);
  });

test('an action in the past offers Continue from here or Back to live, then does it', async ({ page }) => {
  const app = new MmLab(page);
  await app.open();
  await app.runScenario('spawn A\nA mmap r1 64K rw');
  await app.runScenario('A read r1 0 16K 4K');
  await page.getByTestId('timeline').getByRole('button', { name: '← Back' }).click();
  await app.idle();
  await expect(page.getByTestId('past-banner')).toContainText('Viewing the past');
  await app.screenshot('workspace-past');
  await app.runScenario('A write r1 0 4K 4K 1');
  const banner = page.getByTestId('past-banner');
  await expect(banner).toContainText('the view is in the past');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await app.screenshot('workspace-past-refused');
  await banner.getByRole('button', { name: 'Back to live and do it' }).click();
  await app.idle();
  await expect(page.getByTestId('timeline-where')).toContainText('Live');
  await expect(page.getByTestId('timeline').getByRole('list', { name: 'Operations' })).toContainText(
    'A write r1 0 4K 4K 1',
  );
});

test('machine settings: pending until Apply, RAM clamps say so, Apply asks when work would be lost', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  const form = await app.settings();
  await form.getByLabel('RAM', { exact: true }).selectOption({ label: '16 GiB' });
  await form.getByLabel('arch', { exact: true }).selectOption('mips:vce');
  await expect(page.getByTestId('ram-note')).toContainText('instead of the 16 GiB you chose');
  await expect(page.getByTestId('pending')).toContainText('arch x86-64 → MIPS R4400SC');
  await expect(page.getByTestId('machine-summary')).toContainText('x86_64');
  await app.screenshot('workspace-settings-pending');
  // Back to x86-64: the RAM chosen comes back.
  await form.getByLabel('arch', { exact: true }).selectOption('x86_64');
  await expect(form.getByLabel('RAM', { exact: true })).toHaveValue(String(16 * 1024 ** 3));
  await form.getByRole('button', { name: 'Discard changes' }).click();
  await expect(page.getByTestId('pending-badge')).toHaveCount(0);

  await page.getByTestId('settings').locator('summary').click();
  await app.spawn('A');
  const again = await app.settings();
  await again.getByLabel('arch', { exact: true }).selectOption('arm64');
  await again.getByRole('button', { name: 'Apply and reboot' }).click();
  await expect(again.getByRole('alert')).toContainText('throws away 1 process');
  await again.getByRole('button', { name: 'Keep my machine' }).click();
  await expect(page.getByTestId('machine-summary')).toContainText('x86_64');
  await again.getByRole('button', { name: 'Apply and reboot' }).click();
  await again.getByRole('button', { name: 'Reboot anyway' }).click();
  await app.idle();
  await expect(page.getByTestId('machine-summary')).toContainText('arm64');
});

for (const size of SIZES)
  test(`${size.width}×${size.height}: every step of every lesson fits the screen, its target in view`, async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await page.setViewportSize(size);
    const errors = watchErrors(page);
    const app = new MmLab(page);
    for (const lesson of LESSONS) {
      await page.goto(`/?lesson=${lesson.id}`);
      await page.waitForFunction(() => window.__mmlab !== undefined);
      await page.evaluate(() => window.__mmlab!.ready);
      const panel = page.getByTestId('lesson-panel');
      for (const [i, step] of lesson.steps.entries()) {
        await expect(panel.getByTestId('lesson-progress')).toHaveText(
          `Step ${i + 1} of ${lesson.steps.length}: ${step.title}`,
        );
        if (step.question) await panel.getByRole('button', { name: 'Skip: just run it' }).click();
        await expect(panel.getByRole('button', { name: 'Next' })).toBeEnabled({
          enabled: i + 1 < lesson.steps.length,
        });
        await app.idle();
        await app.expectNoDocumentScroll(`${lesson.id} step ${i + 1}`);
        // The lesson's controls stay in view (the lesson scrolls inside the explanation column).
        await expect(
          panel.getByRole('group', { name: 'Lesson steps' }),
          `${lesson.id} step ${i + 1}`,
        ).toBeInViewport();
        const p = step.point;
        if (p?.kind === 'panel') {
          const heading = page.locator(`#${p.heading}`);
          await expect(heading, `${lesson.id} step ${i + 1}: ${p.heading}`).toBeInViewport();
          await expect(heading.locator('xpath=ancestor::*[contains(@class,"lesson-pointed")]')).toHaveCount(
            1,
          );
        } else if (p?.kind === 'zeroPage') await expect(app.grid).toBeInViewport();
        else if (p?.kind === 'page') await expect(page.getByTestId('process-grid')).toBeInViewport();
        if (size.width === 1280 && i === 1) await app.screenshot(`workspace-lesson-${lesson.id}-step2`);
        if (i + 1 < lesson.steps.length) await panel.getByRole('button', { name: 'Next' }).click();
      }
    }
    expect(errors).toEqual([]);
  });

test('Lesson Back rewinds the machine to where that step left it; ?lesson=bogus says so', async ({
  page,
}) => {
  const app = new MmLab(page);
  await page.goto('/?lesson=bogus');
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await expect(page.getByTestId('lesson-error')).toContainText('There is no lesson called “bogus”');
  await expect(page.getByTestId('lesson-error')).toBeInViewport();

  await page.goto('/?lesson=cow-fork');
  await page.evaluate(() => window.__mmlab!.ready);
  const panel = page.getByTestId('lesson-panel');
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 1 of/);
  await panel.getByRole('button', { name: 'Skip: just run it' }).click();
  await expect(panel.getByRole('button', { name: 'Next' })).toBeEnabled();
  await app.idle();
  const ops1 = await page
    .getByTestId('timeline')
    .getByRole('list', { name: 'Operations' })
    .locator('li')
    .count();
  await panel.getByRole('button', { name: 'Next' }).click();
  const skip = panel.getByRole('button', { name: 'Skip: just run it' });
  if (await skip.isVisible()) await skip.click();
  await expect(panel.getByRole('button', { name: 'Back' })).toBeEnabled();
  await app.idle();
  await panel.getByRole('button', { name: 'Back' }).click();
  await app.idle();
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 1 of/);
  // The timeline is at the end of step 1's last operation: the view is in the past, exactly there.
  await expect(page.getByTestId('timeline-where')).toContainText(`operation ${ops1} of`);
  await app.screenshot('workspace-lesson-back');
  await panel.getByRole('button', { name: 'Next' }).click();
  await app.idle();
  await expect(page.getByTestId('timeline-where')).toContainText('Live');
});

/**
 * Below 1280 px wide the workspace stacks: stage, explanation, docks, then the timeline strip, and
 * the document scrolls (it may). Asserted instead of "no document scroll": nothing is wider than the
 * window (no sideways scroll), the areas follow one another without overlapping, each one can be
 * scrolled into view, the frame grid and the process cells keep a readable size, and a COW click
 * still shows what happened.
 */
const NARROW = [
  { width: 1024, height: 768 },
  { width: 800, height: 600 },
  { width: 390, height: 844 },
];

for (const size of NARROW)
  test(`${size.width}×${size.height}: a stacked layout, every area reachable, none overlapping, COW explained`, async ({
    page,
  }) => {
    await page.setViewportSize(size);
    const errors = watchErrors(page);
    const app = new MmLab(page);
    await app.open();
    await app.screenshot(`workspace-narrow-${size.width}-first`);
    await app.runScenario('spawn A\nA mmap r1 64K rw\nA read r1 0 64K 4K');
    await page.getByRole('radio', { name: /Write/ }).check();
    await app.clickPage(2);
    const explain = page.getByTestId('explain');
    await expect(explain).toContainText('wp_page_copy');
    await explain.scrollIntoViewIfNeeded();
    await expect(explain).toBeInViewport();
    await app.screenshot(`workspace-narrow-${size.width}-cow`);
    await app.screenshot(`workspace-narrow-${size.width}-full`, true);

    const d = await app.documentScrolls();
    expect(d.scrollWidth, 'no sideways scroll').toBeLessThanOrEqual(d.innerWidth);
    // The areas, top to bottom, and each one reachable by scrolling.
    const areas = [
      page.locator('#stage'),
      page.locator('#explanation'),
      page.getByTestId('dock-side'),
      page.getByTestId('dock-bottom'),
      page.locator('#timeline'),
    ];
    const boxes = [];
    for (const a of areas) {
      await a.scrollIntoViewIfNeeded();
      await expect(a).toBeInViewport();
      boxes.push(
        await a.evaluate((el) => {
          const r = el.getBoundingClientRect();
          return {
            top: r.top + window.scrollY,
            bottom: r.bottom + window.scrollY,
            left: r.left,
            right: r.right,
          };
        }),
      );
    }
    for (const b of boxes) {
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(size.width);
    }
    // The areas follow one another down the page (none is sticky), none overlapping another.
    const flow = [...boxes].sort((a, b) => a.top - b.top);
    for (let i = 1; i < flow.length; i++)
      expect(flow[i]!.top, `area ${i} starts below the one before`).toBeGreaterThanOrEqual(
        flow[i - 1]!.bottom - 1,
      );

    // Readable: the frame grid and the process grid are at least 300×200 px (or the window's width).
    for (const grid of [app.grid, page.getByTestId('process-grid')]) {
      const r = (await grid.boundingBox())!;
      expect(r.width).toBeGreaterThanOrEqual(Math.min(300, size.width - 40));
      expect(r.height).toBeGreaterThanOrEqual(200);
    }
    expect(errors).toEqual([]);
  });

test('a dock tab pops out into its own window, stays live, and comes back when the window closes', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const app = new MmLab(page);
  await app.open();
  await app.openPanel('proc');
  const dock = page.getByTestId('dock-bottom');
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    dock.getByRole('button', { name: 'Pop out /proc into its own window' }).click(),
  ]);
  await popup.waitForLoadState();
  const text = popup.getByTestId('proc-text');
  await expect(text).toHaveAttribute('data-path', '/proc/buddyinfo');
  // The app's stylesheets came along: the panel is styled in its window as in the dock.
  await expect(popup.locator('.panel').first()).toHaveCSS('border-radius', '0px');
  const before = (await text.innerText()).trim();
  expect(await popup.title()).toBe('/proc — MM Lab');
  // The main window's dock says where the panel went, and /proc is not drawn twice.
  await expect(page.getByTestId('popped-out-proc')).toContainText('/proc is in its own window');
  await expect(dock.locator('[role=tab][data-panel="proc"]')).toContainText('(in its own window)');
  await expect(page.getByTestId('proc-text')).toHaveCount(0);
  await popup.setViewportSize({ width: 760, height: 620 });
  await popup.screenshot({ path: 'test-results/workspace-popout-window.png' });
  await app.screenshot('workspace-popout-main');
  // Both windows stay accessible: the main one with its placeholder, the popped-out one.
  for (const p of [page, popup]) {
    const axe = await new AxeBuilder({ page: p }).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  }

  // Keys pressed in the window reach the page-wide handlers: the timeline's arrows, a panel's key.
  await popup.locator('body').click({ position: { x: 5, y: 5 } });
  await popup.keyboard.press('ArrowLeft');
  await app.idle();
  await expect(page.getByTestId('timeline-where')).toContainText('Viewing the past');
  await popup.keyboard.press('End');
  await app.idle();
  await expect(page.getByTestId('timeline-where')).toContainText('Live');
  await popup.keyboard.press('f');
  await expect(dock.locator('[role=tab][data-panel="freelists"]')).toHaveAttribute('aria-selected', 'true');
  // A key typed into the window's own field stays there.
  await popup.getByRole('combobox', { name: '/proc file' }).focus();
  await popup.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('timeline-where')).toContainText('Live');

  // An operation in the main window: the popped-out panel follows it.
  await app.alloc('a', 3);
  await expect(text).not.toHaveText(before);
  // The window's own controls work (React hears events in the other document): choose another file.
  await popup.getByRole('combobox', { name: '/proc file' }).selectOption('/proc/meminfo');
  await expect(text).toHaveAttribute('data-path', '/proc/meminfo');
  await expect(text).toContainText('MemFree:');

  // Closing the window puts the panel back in its tab.
  await popup.close();
  await expect(page.getByTestId('popped-out-proc')).toHaveCount(0);
  await app.openPanel('proc');
  await expect(page.getByTestId('proc-text')).toBeVisible();
  await expect(dock.getByRole('button', { name: 'Pop out /proc into its own window' })).toBeVisible();

  // By keyboard: Shift+o pops out the selected tab of the dock last used; Bring back closes the window.
  await dock.locator('[role=tab][data-panel="proc"]').focus();
  // (the tab list keeps its arrows and letters: the page-wide keys act once focus leaves it)
  await page.evaluate(() => (document.activeElement as HTMLElement).blur());
  const [again] = await Promise.all([page.waitForEvent('popup'), page.keyboard.press('Shift+O')]);
  await expect(again.getByTestId('proc-text')).toBeVisible();
  await page.getByTestId('bring-back-bottom').click();
  await expect(page.getByTestId('proc-text')).toBeVisible();
  expect(again.isClosed()).toBe(true);
  expect(errors).toEqual([]);
});

test('one progress bar: a timeline replay shows in it, without Cancel (a replay cannot be cancelled)', async ({
  page,
}) => {
  const app = new MmLab(page);
  await app.open();
  // The replay is quicker than Playwright polls: the bar is asked to show at the first notice and
  // the page records what it said the moment it appears.
  await page.evaluate(() => {
    window.__mmlab!.progressAfter(0);
    const w = window as unknown as { seenProgress?: string };
    new MutationObserver((_, obs) => {
      const bar = document.querySelector('[data-testid="work-progress"]');
      if (!bar) return;
      w.seenProgress = `${bar.textContent ?? ''}|${bar.querySelectorAll('button').length}`;
      obs.disconnect();
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByRole('button', { name: /Step through boot/ }).click();
  await app.idle();
  const seen = await page.evaluate(() => (window as unknown as { seenProgress?: string }).seenProgress);
  expect(seen).toMatch(/^Replaying: operation \d+ of \d+\|0$/);
  await expect(page.getByTestId('work-progress')).toHaveCount(0);
  await expect(page.locator('.replay-progress')).toHaveCount(0);
});
