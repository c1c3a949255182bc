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

  async buddyinfo(): Promise<string> {
    await expect(this.procText).toHaveAttribute('data-path', '/proc/buddyinfo');
    return (await this.procText.innerText()).trim();
  }

  async alloc(name: string, order: number, gfp = 'GFP_KERNEL'): Promise<void> {
    const form = this.page.getByRole('form', { name: 'alloc_pages' });
    await form.getByLabel('name').fill(name);
    await form.getByLabel('order').fill(String(order));
    await form.getByLabel('gfp').fill(gfp);
    await form.getByRole('button', { name: 'Allocate' }).click();
    await this.idle();
  }

  /** Choose RAM and CPUs in the header and press Reboot. */
  async reboot(opts: { ram?: string; cpus?: number }): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Machine configuration' });
    if (opts.ram) await form.getByLabel('RAM', { exact: true }).selectOption({ label: opts.ram });
    if (opts.cpus !== undefined) await form.getByLabel('CPUs', { exact: true }).fill(String(opts.cpus));
    await form.getByRole('button', { name: 'Reboot' }).click();
    await this.idle();
  }

  async screenshot(name: string): Promise<void> {
    await this.idle();
    await this.page.screenshot({ path: `test-results/${name}.png` });
  }
}
