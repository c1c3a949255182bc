/**
 * Register the service worker (scripts/vite-sw.ts writes sw.js into the build) so the site opens
 * with the network cut after its first load. Only in a build, and only in a secure context (https or
 * localhost), where browsers allow service workers; elsewhere the app runs without an offline copy.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register('./sw.js').catch((e: unknown) => {
    // offline use is a bonus: the app runs without it
    console.warn('MM Lab: no offline copy:', e);
  });
}
