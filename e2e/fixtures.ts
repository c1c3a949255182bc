/**
 * The page object for MM Lab's browser tests (tldraw's e2e/fixtures style): every test talks to the
 * app through these helpers and the typed test API on window.__mmlab (src/ui/test_api.ts).
 */
import { expect, type Locator, type Page } from '@playwright/test';
// The type of window.__mmlab (a global declaration) comes with this import.
import type {} from '../src/ui/test_api.ts';

export class MmLab {
  readonly grid: Locator;
  readonly tooltip: Locator;
  readonly banner: Locator;
  readonly frameCount: Locator;
  readonly procText: Locator;

  constructor(readonly page: Page) {
    this.grid = page.getByTestId('frame-grid');
    this.tooltip = page.getByTestId('tooltip');
    this.banner = page.getByRole('alert');
    this.frameCount = page.getByTestId('frame-count');
    this.procText = page.getByTestId('proc-text');
  }

  /** Open the app and wait until the default machine is booted and drawn. */
  async open(): Promise<void> {
    await this.page.goto('/');
    await this.page.waitForFunction(() => window.__mmlab !== undefined);
    await this.page.evaluate(() => window.__mmlab!.ready);
    await this.idle();
  }

  /** Wait until the worker is quiet and the grid painted (perfetto's "idle" before screenshots). */
  async idle(): Promise<void> {
    await this.page.evaluate(() => window.__mmlab!.idle());
  }

  /** Zoom so `pfn` is centred with `cellPx`-pixel cells; returns its cell centre (viewport coordinates). */
  async focus(pfn: number, cellPx = 24): Promise<{ x: number; y: number }> {
    await this.page.evaluate(() => window.scrollTo(0, 0));
    await this.grid.scrollIntoViewIfNeeded();
    await this.page.evaluate((p) => window.__mmlab!.focusPfn(p.pfn, p.cellPx), { pfn, cellPx });
    await this.idle();
    return this.page.evaluate((p) => window.__mmlab!.cellCenter(p), pfn);
  }

  /** Point at a pfn's cell and wait for the tooltip to show its struct page fields. */
  async hover(pfn: number): Promise<string> {
    const c = await this.focus(pfn);
    await this.page.mouse.move(c.x, c.y);
    await expect(this.tooltip).toContainText(`pfn ${pfn} `);
    await expect(this.tooltip).toContainText('_refcount');
    return (await this.tooltip.innerText()).trim();
  }

  /**
   * Distinct colours among pixels sampled on a lattice over the whole grid canvas. A blank or
   * single-colour canvas has at most 2 (background and one fill).
   */
  distinctGridColours(): Promise<number> {
    return this.page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('.frame-grid-static')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<number>();
      const step = 3;
      for (let y = 0; y < canvas.height; y += step) {
        for (let x = 0; x < canvas.width; x += step) {
          const i = 4 * (y * canvas.width + x);
          seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        }
      }
      return seen.size;
    });
  }

  /**
   * Bring a panel of the workspace into view by its registry id (src/ui/panels.ts): its dock tab is
   * selected. Panels of the stage and the explanation column are always shown.
   */
  async openPanel(id: string): Promise<void> {
    const tab = this.page.locator(`[role=tab][data-panel="${id}"]`);
    if ((await tab.count()) === 0) return;
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
  }

  /** Open the header's machine settings (a drop-down); returns its form. */
  async settings(): Promise<Locator> {
    const details = this.page.getByTestId('settings');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    return this.page.getByRole('form', { name: 'Machine configuration' });
  }

  /** Whether the document scrolls (it must not at 1280 px and wider: every area scrolls inside). */
  documentScrolls(): Promise<{
    scrollHeight: number;
    innerHeight: number;
    scrollWidth: number;
    innerWidth: number;
  }> {
    return this.page.evaluate(() => ({
      scrollHeight: document.scrollingElement!.scrollHeight,
      innerHeight: window.innerHeight,
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
    }));
  }

  async expectNoDocumentScroll(where = ''): Promise<void> {
    const d = await this.documentScrolls();
    if (d.scrollHeight > d.innerHeight)
      await this.page.screenshot({ path: `test-results/scrolls-${Date.now()}.png` });
    expect(d.scrollHeight, `document height ${where}`).toBeLessThanOrEqual(d.innerHeight);
    expect(d.scrollWidth, `document width ${where}`).toBeLessThanOrEqual(d.innerWidth);
  }

  async buddyinfo(): Promise<string> {
    await this.openPanel('proc');
    await expect(this.procText).toHaveAttribute('data-path', '/proc/buddyinfo');
    return (await this.procText.innerText()).trim();
  }

  async alloc(name: string, order: number, gfp = 'GFP_KERNEL'): Promise<void> {
    await this.openPanel('alloc');
    const form = this.page.getByRole('form', { name: 'alloc_pages' });
    await form.getByLabel('name').fill(name);
    await form.getByLabel('order').fill(String(order));
    await form.getByLabel('gfp').fill(gfp);
    await form.getByRole('button', { name: 'Allocate' }).click();
    await this.idle();
  }

  /** Choose RAM and CPUs in the header and press Reboot. */
  async reboot(opts: { ram?: string; cpus?: number }): Promise<void> {
    const form = await this.settings();
    if (opts.ram) await form.getByLabel('RAM', { exact: true }).selectOption({ label: opts.ram });
    if (opts.cpus !== undefined) await form.getByLabel('CPUs', { exact: true }).fill(String(opts.cpus));
    await this.rebootNow();
  }

  /**
   * Choose the machine in the header (arch first: it moves RAM into the arch's range), without
   * rebooting.
   */
  async configure(opts: {
    arch?: 'x86_64' | 'arm64' | 'arm' | 'sparc64' | 'mips' | 's390';
    granule?: '4K' | '16K' | '64K';
    vce?: boolean;
    patch?: 'before' | 'after';
    ram?: string;
    step?: boolean;
  }): Promise<void> {
    const form = await this.settings();
    // MIPS is two CPUs in the arch select: the R4400SC (VCEs) and the 24Kc (none).
    const arch = opts.arch === 'mips' && opts.vce ? 'mips:vce' : opts.arch;
    if (arch) await form.getByLabel('arch', { exact: true }).selectOption(arch);
    if (opts.granule) await form.getByLabel('granule', { exact: true }).selectOption({ label: opts.granule });
    if (opts.patch) await form.getByLabel('zero-page patch').selectOption(opts.patch);
    if (opts.ram) await form.getByLabel('RAM', { exact: true }).selectOption({ label: opts.ram });
    if (opts.step !== undefined) await form.getByLabel('step through boot').setChecked(opts.step);
  }

  /** Press Apply and reboot (and confirm when the machine has work to lose); wait for the new machine. */
  async rebootNow(): Promise<void> {
    const form = await this.settings();
    await form.getByRole('button', { name: 'Apply and reboot' }).click();
    const anyway = form.getByRole('button', { name: 'Reboot anyway' });
    if (await anyway.isVisible()) await anyway.click();
    await this.idle();
  }

  /** The last boot step run (its kernel function), or null before the first. */
  currentStep(): Promise<string | null> {
    return this.page.evaluate(() => window.__mmlab!.currentStep);
  }

  // --- processes --------------------------------------------------------------------------------

  /** Spawn a process from the Processes panel. */
  async spawn(name: string): Promise<void> {
    await this.openPanel('processes');
    const form = this.page.getByRole('form', { name: 'spawn' });
    await form.getByLabel('name').fill(name);
    await form.getByRole('button', { name: 'Spawn' }).click();
    await this.idle();
  }

  /** Map a region into the shown process from the mmap form. */
  async mmap(
    region: string,
    size: string,
    prot: 'none' | 'r' | 'rw' = 'rw',
    flags: { shared?: boolean; populate?: boolean } = {},
  ): Promise<void> {
    await this.openPanel('processes');
    const form = this.page.getByRole('form', { name: 'mmap' });
    await form.getByLabel('region').fill(region);
    await form.getByLabel('size').fill(size);
    await form.getByLabel('prot').selectOption(prot);
    await form.getByLabel('shared').setChecked(flags.shared ?? false);
    await form.getByLabel('populate').setChecked(flags.populate ?? false);
    await form.getByRole('button', { name: 'Map' }).click();
    await this.idle();
  }

  /** Type scenario lines into the scenario box and run them. */
  async runScenario(lines: string): Promise<void> {
    await this.openPanel('scenario');
    await this.page.getByLabel('Scenario lines', { exact: true }).fill(lines);
    await this.page
      .getByRole('form', { name: 'Run scenario lines' })
      .getByRole('button', { name: 'Run' })
      .click();
    await this.idle();
  }

  /** A `<field>: <n> kB` value of the shown process's /proc/<pid>/status panel. */
  async statusKb(field: string): Promise<number> {
    await this.openPanel('status');
    await this.idle();
    const text = await this.page.getByTestId('proc-status').innerText();
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${field} in /proc/<pid>/status:\n${text}`);
    return Number(m[1]);
  }

  /**
   * Bring the process grid into the window and centre a page with `cellPx`-pixel cells; returns the
   * page's cell centre (viewport coordinates).
   */
  async showPage(page: number, cellPx = 20): Promise<{ x: number; y: number }> {
    await this.page.evaluate(() => window.scrollTo(0, 0));
    await this.page.getByTestId('process-grid').scrollIntoViewIfNeeded();
    await this.page.evaluate((p) => window.__mmlab!.focusPage(p.page, p.cellPx), { page, cellPx });
    await this.idle();
    return this.page.evaluate((p) => window.__mmlab!.pageCenter(p), page);
  }

  /** Click a page of the process grid (zoomed so its cell is `cellPx` wide). */
  async clickPage(page: number, cellPx = 20): Promise<void> {
    const c = await this.showPage(page, cellPx);
    await this.page.mouse.click(c.x, c.y);
    await this.idle();
  }

  async screenshot(name: string, fullPage = false): Promise<void> {
    await this.idle();
    await this.page.screenshot({ path: `test-results/${name}.png`, fullPage });
  }
}
