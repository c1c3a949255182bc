/**
 * About this machine: the architecture as the emulator models it (src/core/inspect.ts describeArch)
 * — page size, page-table levels and the virtual-address bits each one indexes, buddy and pageblock
 * orders — the zero-page facts (how many, where, zero_pfn / zero_page_pfn by era, zero_page_mask,
 * __zero_page where they exist, what the naive virt_to_page(empty_zero_page) would give and why, how
 * often ZERO_PAGE() computed a struct page),
 * the MIPS data cache's counters, and where the emulator is simpler than Linux.
 */
import { ERA_KERNEL } from '../core/symbols.ts';
import { useAppState } from './context.ts';
import { count, size } from './format.ts';

export function AboutPanel() {
  const machine = useAppState((s) => s.machine);
  if (!machine) return null;
  const a = machine.arch;
  const ps = a.pageSize;
  const z = a.zeroPages;
  const patch = machine.config.zeroPagePatch;
  // Each era's names (src/core/symbols.ts): Linux 6.18 before the series, the series' names after.
  const pfnVar = patch === 'after' ? 'zero_page_pfn' : 'zero_pfn';
  const zeroStep = patch === 'after' ? 'init_zero_page_pfn' : 'the arch setup (zero_pfn: init_zero_pfn)';
  const coloured = a.name === 'mips' || a.name === 's390';
  // is_zero_pfn() (include/linux/pgtable.h) is `pfn == zero_pfn` with one zero page, and with
  // coloured ones the unsigned range check `pfn - zero_pfn <= zero_page_mask >> PAGE_SHIFT`: while the
  // pfn variable is still 0 it matches pfn 0, or pfns 0..count-1.
  const zeroMatches = coloured && z && z.count > 1 ? `pfns 0 to ${z.count - 1}` : 'pfn 0';

  return (
    <section className="panel about-panel" aria-labelledby="about-title" data-testid="about-panel">
      <div className="panel-head">
        <h2 id="about-title">About this machine</h2>
        <span className="muted" data-testid="about-label">
          {a.label}
        </span>
      </div>
      <div className="about-columns">
        <div>
          <dl className="facts">
            <dt>kernel</dt>
            <dd data-testid="about-kernel">{ERA_KERNEL[patch]}</dd>
            <dt>page size</dt>
            <dd data-testid="about-page-size">{size(ps)}</dd>
            <dt>largest buddy block</dt>
            <dd>
              order {a.maxPageOrder} ({size(ps * 2 ** a.maxPageOrder)})
            </dd>
            <dt>pageblock</dt>
            <dd>
              order {a.pageblockOrder} ({size(ps * 2 ** a.pageblockOrder)})
            </dd>
          </dl>
          <table className="walk levels" aria-label="Page-table levels" data-testid="about-levels">
            <thead>
              <tr>
                <th scope="col">level</th>
                <th scope="col">VA bits</th>
                <th scope="col">entries</th>
              </tr>
            </thead>
            <tbody>
              {a.levels.map((l, i) => (
                <tr key={l}>
                  <th scope="row">{l}</th>
                  <td>{a.indexBits[i]}</td>
                  <td>{count(entries(a.indexBits[i]!))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3 className="sub-title">Zero page{z && z.count > 1 ? 's' : ''}</h3>
          <dl className="facts">
            <dt>where</dt>
            <dd data-testid="about-zero-pages" data-count={z?.count ?? 0}>
              {z ? (
                z.count > 1 ? (
                  <>
                    {z.count} zero pages, pfns {hexN(z.basePfn)}–{hexN(z.basePfn + z.count - 1)} (phys{' '}
                    {hexN(z.basePfn * ps)}): one per cache colour, ZERO_PAGE(vaddr) picks (vaddr &amp;
                    zero_page_mask) &gt;&gt; PAGE_SHIFT
                  </>
                ) : (
                  <>
                    1 zero page, pfn {hexN(z.basePfn)} (phys {hexN(z.basePfn * ps)})
                  </>
                )
              ) : (
                <span className="muted">not set up yet (boot has not reached {zeroStep})</span>
              )}
            </dd>
            <dt>{pfnVar}</dt>
            <dd>
              <span className="mono" data-testid="about-zero-pfn">
                {a.zeroPagePfn}
              </span>
              {a.zeroPagePfn === '0x0' && (
                <span className="muted">
                  {' '}
                  (not set yet: is_zero_pfn() compares with {pfnVar}, so it would match {zeroMatches})
                </span>
              )}
            </dd>
            <dt>zero_page_mask</dt>
            <dd className="mono" data-testid="about-zero-mask">
              {coloured ? a.zeroPageMask : 'does not exist here (only MIPS and s390 colour their zero pages)'}
            </dd>
            <dt>__zero_page</dt>
            <dd className="mono" data-testid="about-zero-struct">
              {patch === 'before'
                ? 'does not exist in 6.18 (the "arch, mm: consolidate empty_zero_page" series adds it)'
                : coloured
                  ? 'does not exist on this arch (coloured zero pages: empty_zero_page + zero_page_mask)'
                  : a.zeroPageStruct}
            </dd>
            {a.naiveZeroPage && (
              <>
                <dt>virt_to_page(empty_zero_page)</dt>
                <dd data-testid="about-naive">
                  <span className="mono">{a.naiveZeroPage.ptr}</span> — wrong: {a.naiveZeroPage.why}
                </dd>
              </>
            )}
            <dt>ZERO_PAGE() calls</dt>
            <dd data-testid="about-zero-calls">
              {count(a.zeroPageCalls)}{' '}
              <span className="muted">
                {patch === 'before'
                  ? '(calls that computed a struct page: in 6.18 the fault path calls my_zero_pfn(), which on arches with one zero page just returns zero_pfn, so only init_zero_pfn() and explicit ZERO_PAGE() users count; arm and sparc64 keep a struct page pointer, so theirs compute nothing; coloured arches call ZERO_PAGE(addr) per fault)'
                  : '(calls that computed a struct page instead of loading the cached __zero_page; coloured arches still compute the page of the address’s colour)'}
              </span>
            </dd>
          </dl>
          {machine.cache && (
            <>
              <h3 className="sub-title">Data cache (a toy VIPT D-cache)</h3>
              <p className="hint muted">{machine.cache.text.split('\n')[0]}</p>
              <dl className="facts" data-testid="about-cache">
                <dt>accesses</dt>
                <dd>
                  {count(machine.cache.stats.accesses)} ({count(machine.cache.stats.hits)} hits,{' '}
                  {count(machine.cache.stats.misses)} misses)
                </dd>
                <dt>aliases</dt>
                <dd>{count(machine.cache.stats.aliases)} (a line cached under two colours)</dd>
                <dt>VCEs</dt>
                <dd>
                  {count(machine.cache.stats.vces)}{' '}
                  {machine.config.vce
                    ? '(virtual coherency exceptions the CPU raised)'
                    : '(this CPU raises none: aliases go unnoticed)'}
                </dd>
              </dl>
            </>
          )}
        </div>
        <div>
          <h3 className="sub-title">Where the emulator simplifies</h3>
          <ul className="simplifications" data-testid="about-simplifications">
            {a.simplifications.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

function hexN(n: number): string {
  return '0x' + n.toString(16);
}

/** Entries per table from a "[hi:lo]" bit range. */
function entries(bits: string): number {
  const m = /\[(\d+):(\d+)\]/.exec(bits);
  return m ? 2 ** (Number(m[1]) - Number(m[2]) + 1) : 0;
}
