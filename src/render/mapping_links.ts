/**
 * The mapping links: lines from virtual pages (the process grids) to the frames they map (the frame
 * grid), drawn in one fixed SVG over the page, in viewport coordinates. No React in here; the UI
 * (src/ui/MappingLinks.tsx) computes the points and calls `setBulk` and `setChange` whenever a grid
 * moves or the data changes.
 *
 * Two kinds of links:
 *   - bulk: every mapped page in view (or only the selected ones), one path per colour. A run of
 *     consecutive pages mapping one frame (the zero page after "Read all") or consecutive frames is
 *     one band (a wedge from the run's cells to its frames) with its page count, not a fan of
 *     hundreds of lines; past a cap the rest are counted in a "N more" note instead of drawn.
 *   - the change: the page the last access changed. Its old link (to the zero page, say) fades to a
 *     dashed ghost, the new one (to the freshly allocated frame) draws itself in, the page cell
 *     flashes and the new frame gets a ring. The elements are rebuilt only for a new change id, so
 *     the CSS animations (src/ui/process.css; none with prefers-reduced-motion) run once per change
 *     while panning only moves them.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Point {
  x: number;
  y: number;
}

/** Links of one colour: x1 y1 x2 y2 per segment, and bands for runs of pages. */
export interface LinkGroup {
  color: string;
  /** a name for tests and styles (`zero`, `private`, …) */
  kind: string;
  segments: number[];
  bands: Band[];
  /** pages the group stands for (lines + every band's count) */
  pages: number;
}

/**
 * A run of pages drawn as one wedge: from the left edge of the run's cells (top and bottom) to the
 * first and last frame it maps (the same point when every page maps one frame).
 */
export interface Band {
  top: Point;
  bottom: Point;
  first: Point;
  last: Point;
  count: number;
}

/** Links counted but not drawn (over the cap), said at `at`. */
export interface MoreNote {
  count: number;
  at: Point;
}

export interface ChangeLinks {
  id: number;
  /** the page's cell centre and size (null: the page is out of view) */
  page: Point | null;
  cellPx: number;
  /** where the page pointed before (null: no PTE) and points now */
  oldTo: Point | null;
  newTo: Point | null;
  oldPfn: number;
  newPfn: number;
  /** the new frame's label, e.g. `new frame 0x38b8` */
  label: string;
}

export class LinkOverlay {
  readonly svg: SVGSVGElement;
  private readonly bulk: SVGGElement;
  private readonly bandsG: SVGGElement;
  private readonly labels: SVGGElement;
  private readonly change: SVGGElement;
  private changeId = -1;
  private els: {
    old: SVGLineElement;
    fresh: SVGLineElement;
    flash: SVGRectElement;
    ring: SVGCircleElement;
    label: SVGTextElement;
  } | null = null;

  constructor(parent: HTMLElement) {
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('class', 'mapping-links');
    this.svg.setAttribute('aria-hidden', 'true');
    this.svg.dataset.testid = 'mapping-links';
    this.bulk = group('mapping-links-bulk');
    this.bandsG = group('mapping-links-bands');
    this.labels = group('mapping-links-labels');
    this.change = group('mapping-links-change');
    this.change.dataset.testid = 'fault-links';
    this.svg.append(this.bandsG, this.bulk, this.labels, this.change);
    parent.append(this.svg);
  }

  destroy(): void {
    this.svg.remove();
  }

  /** Replace the bulk links (lines and bands, with the bands' counts) and the "N more" notes. */
  setBulk(groups: LinkGroup[], more: MoreNote[] = []): void {
    const paths = this.bulk.children;
    const bandPaths = this.bandsG.children;
    let total = 0;
    let drawn = 0;
    let bands = 0;
    const texts: SVGTextElement[] = [];
    // A count label that would overlap one already placed is kept but hidden (its band still shows,
    // and the labels still add up to every page): many short runs side by side otherwise print
    // "×24×2×24…" on top of each other.
    const placed: { x: number; y: number; w: number }[] = [];
    const free = (x: number, y: number, w: number) =>
      !placed.some((q) => Math.abs(q.y - y) < 11 && x < q.x + q.w && q.x < x + w);
    groups.forEach((g, i) => {
      let p = paths[i] as SVGPathElement | undefined;
      if (!p) {
        p = document.createElementNS(SVG_NS, 'path');
        this.bulk.append(p);
      }
      let d = '';
      const s = g.segments;
      for (let j = 0; j < s.length; j += 4)
        d += `M${s[j]!.toFixed(1)} ${s[j + 1]!.toFixed(1)}L${s[j + 2]!.toFixed(1)} ${s[j + 3]!.toFixed(1)}`;
      p.setAttribute('d', d);
      p.setAttribute('stroke', g.color);
      p.setAttribute('class', `link link-${g.kind}`);
      p.dataset.count = String(g.pages);
      p.dataset.lines = String(s.length / 4);
      p.dataset.bands = String(g.bands.length);

      let b = bandPaths[i] as SVGPathElement | undefined;
      if (!b) {
        b = document.createElementNS(SVG_NS, 'path');
        this.bandsG.append(b);
      }
      let bd = '';
      for (const w of g.bands) {
        bd += `M${pt(w.top)}L${pt(w.first)}L${pt(w.last)}L${pt(w.bottom)}Z`;
        // Inside the band's top left corner (the address gutter to its left stays readable).
        const label = `×${w.count}`;
        const x = w.top.x + 2;
        const y = w.top.y + 11;
        const width = label.length * 7; // the 11px label font's advance, roughly
        const t = el('text', `link-count link-count-${g.kind}`);
        if (free(x, y, width)) placed.push({ x, y, w: width });
        else t.setAttribute('visibility', 'hidden');
        t.setAttribute('x', x.toFixed(1));
        t.setAttribute('y', y.toFixed(1));
        t.textContent = label;
        texts.push(t);
      }
      b.setAttribute('d', bd);
      b.setAttribute('fill', g.color);
      b.setAttribute('class', `band band-${g.kind}`);
      b.dataset.count = String(g.bands.length);
      total += g.pages;
      drawn += s.length / 4 + g.bands.length;
      bands += g.bands.length;
    });
    while (paths.length > groups.length) paths[paths.length - 1]!.remove();
    while (bandPaths.length > groups.length) bandPaths[bandPaths.length - 1]!.remove();
    let notDrawn = 0;
    for (const m of more) {
      const t = el('text', 'link-more');
      t.setAttribute('x', m.at.x.toFixed(1));
      t.setAttribute('y', m.at.y.toFixed(1));
      t.textContent = `${m.count} more link${m.count === 1 ? '' : 's'} not drawn`;
      texts.push(t);
      notDrawn += m.count;
    }
    this.labels.replaceChildren(...texts);
    this.svg.dataset.links = String(total);
    this.svg.dataset.drawn = String(drawn);
    this.svg.dataset.bands = String(bands);
    this.svg.dataset.more = String(notDrawn);
  }

  /** Show (or move) the links of the last change; null removes them. */
  setChange(c: ChangeLinks | null): void {
    if (!c) {
      this.change.replaceChildren();
      this.els = null;
      this.changeId = -1;
      delete this.change.dataset.newPfn;
      return;
    }
    if (c.id !== this.changeId || !this.els) {
      // New elements: their CSS animations start now.
      this.changeId = c.id;
      this.els = {
        old: el('line', 'fault-old'),
        fresh: el('line', 'fault-new'),
        flash: el('rect', 'fault-flash'),
        ring: el('circle', 'fault-ring'),
        label: el('text', 'fault-label'),
      };
      this.els.fresh.setAttribute('pathLength', '1');
      this.change.replaceChildren(
        this.els.old,
        this.els.fresh,
        this.els.flash,
        this.els.ring,
        this.els.label,
      );
    }
    const { old, fresh, flash, ring, label } = this.els;
    this.change.dataset.newPfn = String(c.newPfn);
    this.change.dataset.oldPfn = String(c.oldPfn);
    line(old, c.page, c.oldTo);
    line(fresh, c.page, c.newTo);
    if (c.page) {
      const w = Math.max(10, c.cellPx + 6);
      flash.setAttribute('x', String(c.page.x - w / 2));
      flash.setAttribute('y', String(c.page.y - w / 2));
      flash.setAttribute('width', String(w));
      flash.setAttribute('height', String(w));
      flash.style.display = '';
    } else flash.style.display = 'none';
    if (c.newTo) {
      ring.setAttribute('cx', String(c.newTo.x));
      ring.setAttribute('cy', String(c.newTo.y));
      ring.setAttribute('r', '11');
      ring.style.display = '';
      // The frame grid labels the frame itself (its link marker); this label is for the ring only
      // when the frame grid's would be elsewhere, so it sits under the ring, small.
      label.textContent = c.label;
      label.setAttribute('x', String(c.newTo.x - 14));
      label.setAttribute('y', String(c.newTo.y + 28));
      label.style.display = '';
    } else {
      ring.style.display = 'none';
      label.style.display = 'none';
    }
  }
}

function group(cls: string): SVGGElement {
  const g = document.createElementNS(SVG_NS, 'g');
  g.setAttribute('class', cls);
  return g;
}

function el<K extends 'line' | 'rect' | 'circle' | 'text'>(tag: K, cls: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  e.setAttribute('class', cls);
  return e;
}

function pt(p: Point): string {
  return `${p.x.toFixed(1)} ${p.y.toFixed(1)}`;
}

function line(l: SVGLineElement, a: Point | null, b: Point | null): void {
  if (!a || !b) {
    l.style.display = 'none';
    return;
  }
  l.style.display = '';
  l.setAttribute('x1', a.x.toFixed(1));
  l.setAttribute('y1', a.y.toFixed(1));
  l.setAttribute('x2', b.x.toFixed(1));
  l.setAttribute('y2', b.y.toFixed(1));
}
