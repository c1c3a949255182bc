/**
 * KSM's trees in outline (issue #15): 16 equal pages merged by two ksmd scans become one KSM page —
 * every PTE of the range on one frame, RSS unchanged — and the Swap panel's KSM block shows the
 * stable tree (the KSM page, its rmap items) and the counters; a click on the node selects its frame.
 */
import { expect, test } from '@playwright/test';
import { MmLab } from './fixtures.ts';

test('KSM merges equal pages into one KSM page; the Swap panel outlines the stable tree', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new MmLab(page);
  await app.open();
  await app.spawn('A');
  await app.mmap('r', '64K', 'rw');
  await app.runScenario('A write r 0 64K 4K 0x11\nA write r 4K 1 1 0x22\nA madvise r 0 64K mergeable');
  await app.runScenario('ksm scan 2 use_zero_pages=no');
  const transcript = page.getByRole('log', { name: 'Scenario lines run', includeHidden: true });
  await expect(transcript).toContainText('pages_shared 1, pages_sharing 14, pages_unshared 1');

  await app.openPanel('swap');
  await app.idle();
  const ksm = page.getByTestId('ksm-trees');
  await expect(ksm.getByTestId('ksm-pages_shared')).toHaveText('1');
  await expect(ksm.getByTestId('ksm-pages_sharing')).toHaveText('14');
  await expect(ksm.getByTestId('ksm-pages_unshared')).toHaveText('1');
  const node = ksm.getByRole('button', { name: /×15$/ });
  await expect(node).toHaveCount(1);

  // 15 of the 16 PTEs map one frame: the KSM page the node names
  const pfns = await page.evaluate(() => Array.from({ length: 16 }, (_, i) => window.__mmlab!.pagePfn(i)));
  const kpfn = pfns[0]!;
  expect(pfns.filter((p) => p === kpfn)).toHaveLength(15);
  expect(pfns[1]).not.toBe(kpfn);
  await expect(node).toHaveText(`0x${kpfn.toString(16)} ×15`);
  await node.click();
  await expect.poll(() => page.evaluate(() => window.__mmlab!.selected.pfn)).toBe(kpfn);
  await app.screenshot('ksm-merge-stable-tree');
});
