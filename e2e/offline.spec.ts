/**
 * Offline and deployable (issue #16): the built site, once loaded, boots again with the network cut
 * (its service worker serves the precached build), and every URL in it is relative so it also runs
 * from a subfolder.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('after one load, the app boots with the network cut', async ({ page, context }) => {
  const app = new MmLab(page);
  await app.open();
  // the service worker installed, precached the build and controls the page
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  const manifest = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel=manifest]')!.href;
    return (await (await fetch(href)).json()) as { start_url: string; icons: unknown[] };
  });
  expect(manifest.start_url).toBe('./');

  await context.setOffline(true);
  await page.reload();
  await page.waitForFunction(() => window.__mmlab !== undefined);
  await page.evaluate(() => window.__mmlab!.ready);
  await app.idle();
  await expect(app.frameCount).not.toBeEmpty();
  // a lesson runs offline too: its document is in the bundle
  await page.goto('/?lesson=mips-colour');
  await expect(page.getByTestId('lesson-progress')).toHaveText(/^Step 1 of 4: A virtually indexed cache/);
  await page.screenshot({ path: 'test-results/offline.png' });
  await context.setOffline(false);
});

test('every URL the built page loads is relative: it runs from a subfolder', async ({ page }) => {
  const res = await page.request.get('/index.html');
  const html = await res.text();
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(urls.length).toBeGreaterThan(2);
  for (const u of urls) expect(u, u).toMatch(/^\.\//);
});
