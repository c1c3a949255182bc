/**
 * Embed mode's address: `?embed=1` on the app's own page (index.html), so the built site, its relative
 * paths and the offline service worker serve it unchanged. `views=frames,process,lessons` picks the
 * views; without it the frame shows what the loaded lesson needs (embed_views.ts). A lesson comes
 * from the same link formats as the full app: `?lesson=<id>`, `#lesson=~doc1.…`, `?lesson-url=`.
 * Also the iframe code the "Embed" button copies.
 */

/** Whether the page was opened as an embed (`?embed=1`; `embed=0` or no embed parameter is the app). */
export function isEmbed(search: string): boolean {
  const v = new URLSearchParams(search).get('embed');
  return v !== null && v !== '0' && v !== 'false';
}

/** The views `?views=` names (unknown ids dropped), or null when it names none. */
export function viewsFromUrl(search: string, known: readonly string[]): string[] | null {
  const raw = new URLSearchParams(search).get('views');
  if (!raw) return null;
  const v = [...new Set(raw.split(',').map((s) => s.trim()))].filter((s) => known.includes(s));
  return v.length ? v : null;
}

/** The full app's address for the same lesson (the embed's "open in MM Lab" link). */
export function fullAppUrl(href: string): string {
  const u = new URL(href);
  u.searchParams.delete('embed');
  u.searchParams.delete('views');
  return u.href;
}

/**
 * The embed URL for the app at `appHref` (its page, any query and hash dropped): with a hash (a lesson
 * link's `#lesson=~doc1.…` or a share link's `#s=…`) or a built-in lesson's id, and the views if chosen.
 */
export function embedUrl(
  appHref: string,
  opts: { hash?: string; lessonId?: string; views?: readonly string[] } = {},
): string {
  const u = new URL(appHref);
  u.search = '';
  u.hash = '';
  u.searchParams.set('embed', '1');
  if (opts.lessonId) u.searchParams.set('lesson', opts.lessonId);
  if (opts.views?.length) u.searchParams.set('views', opts.views.join(','));
  // URLSearchParams would write the commas as %2C: keep them readable in a teacher's HTML.
  return u.href.replace(/%2C/g, ',') + (opts.hash ?? '');
}

/** The HTML a teacher pastes into a slide or course page. */
export function embedCode(src: string, width = 800, height = 500): string {
  const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<iframe src="${attr}" width="${width}" height="${height}" title="MM Lab: the Linux kernel's memory management" style="border:1px solid #ccc" loading="lazy"></iframe>`;
}
