/**
 * What bench/browser.ts and bench/profile_click.ts share: our own `vite preview` of a build on
 * PW_PORT, Debian's Chromium, and the learner's moves they both make (reboot with a RAM size, run
 * scenario lines, wait until the app is idle).
 */
import { spawn } from 'node:child_process';
import { chromium, type Browser, type Page } from '@playwright/test';
import type {} from '../src/ui/test_api.ts';

export const port = Number(process.env.PW_PORT ?? 4173);
export const base = `http://127.0.0.1:${port}`;

/**
 * Until our own server answers. If it exited (strictPort: the port is taken, e.g. by a server an
 * earlier run left behind), whatever answers on the port would be measured instead: stop.
 */
async function waitForServer(exited: () => number | null): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (exited() !== null)
      throw new Error(`vite preview exited (code ${exited()}): is another server on port ${port}?`);
    try {
      if ((await fetch(base)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`vite preview did not answer on ${base}`);
}

/** Serve `outDir` (BENCH_DIST, default dist/) with `vite preview` while `fn` runs, then stop it. */
export async function withPreview<T>(fn: () => Promise<T>): Promise<T> {
  const outDir = process.env.BENCH_DIST ?? 'dist';
  const server = spawn(
    'npx',
    ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', outDir],
    // its own process group: npx starts vite as a child, and both must go at the end
    { stdio: 'ignore', detached: true },
  );
  let exitCode: number | null = null;
  server.on('exit', (code) => (exitCode = code ?? -1));
  try {
    await waitForServer(() => exitCode);
    return await fn();
  } finally {
    try {
      process.kill(-server.pid!);
    } catch {
      server.kill();
    }
  }
}

/** Debian's Chromium (CHROMIUM_PATH overrides), with the flags that work as root. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
}

export async function idle(page: Page): Promise<void> {
  await page.evaluate(() => window.__mmlab!.idle());
}

/** Open a docked panel's tab (the workspace shows one tab of each dock at a time). */
export async function openPanel(page: Page, id: string): Promise<void> {
  const tab = page.locator(`[role=tab][data-panel="${id}"]`);
  if ((await tab.count()) > 0 && (await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
}

/** The header's machine settings: choose RAM, Apply and reboot (confirming the loss of work). */
export async function reboot(page: Page, ram: string): Promise<void> {
  const details = page.getByTestId('settings');
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  const form = page.getByRole('form', { name: 'Machine configuration' });
  await form.getByLabel('RAM', { exact: true }).selectOption({ label: ram });
  await form.getByRole('button', { name: 'Apply and reboot' }).click();
  const anyway = form.getByRole('button', { name: 'Reboot anyway' });
  if (await anyway.isVisible()) await anyway.click();
  await idle(page);
}

/** Run scenario lines from the Scenario panel, until the app is idle. */
export async function run(page: Page, lines: string): Promise<void> {
  await openPanel(page, 'scenario');
  await page.getByLabel('Scenario lines', { exact: true }).fill(lines);
  await page.getByRole('form', { name: 'Run scenario lines' }).getByRole('button', { name: 'Run' }).click();
  await idle(page);
}

/** The lines of the steps rows' machine: `writtenMiB` written in 64 write operations. */
export function stepLines(writtenMiB: number): string {
  const lines = ['spawn A', `A mmap r1 ${writtenMiB}M rw`];
  const each = writtenMiB / 64;
  for (let i = 0; i < 64; i++) lines.push(`A write r1 ${i * each}M ${each}M 4K ${(i % 250) + 1}`);
  return lines.join('\n');
}
