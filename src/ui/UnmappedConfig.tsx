/**
 * The header's CONFIG_PAGE_ALLOC_UNMAPPED controls (x86-64 only): the option itself and, when it is
 * on, how kernel_init_pages() clears unmapped pageblocks (`unmapped_zeroing=`). Applied by Reboot.
 */
import type { ConfigDraft } from './store.ts';

export function UnmappedConfig({
  ids,
  draft,
  onChange,
}: {
  ids: { unmapped: string; zeroing: string };
  draft: ConfigDraft;
  onChange: (patch: Partial<ConfigDraft>) => void;
}) {
  return (
    <>
      <span className="check">
        <input
          id={ids.unmapped}
          type="checkbox"
          checked={draft.pageAllocUnmapped}
          onChange={(e) => onChange({ pageAllocUnmapped: e.target.checked })}
        />
        <label
          htmlFor={ids.unmapped}
          title="CONFIG_PAGE_ALLOC_UNMAPPED (the unmerged __GFP_UNMAPPED series, v2): pages absent from the direct map"
        >
          page_alloc_unmapped
        </label>
      </span>
      {draft.pageAllocUnmapped && (
        <>
          <label
            htmlFor={ids.zeroing}
            title="kernel_init_pages() on unmapped pageblocks: the per-block count, or the remaining count as v2 20/22 was posted"
          >
            unmapped zeroing
          </label>
          <select
            id={ids.zeroing}
            value={draft.unmappedZeroing}
            onChange={(e) => onChange({ unmappedZeroing: e.target.value as 'as_posted' | 'per_block' })}
          >
            <option value="per_block">per_block</option>
            <option value="as_posted">as_posted</option>
          </select>
        </>
      )}
    </>
  );
}
