// SVG bar chart of one DFL edge distribution: bars over bins 0..R, the expected value (DFL integral) as a solid
// marker and, when the detection is matched, the ground-truth edge distance as a dashed marker.
import { binLabelStep } from './binLabels.ts';
import { s } from './dom.ts';

export interface DistributionChartOptions {
  probs: readonly number[];
  expected: number;
  gtDistance: number | null;
  /** Image pixels per bin along the edge's axis: adds a second axis in pixels under the bin axis. */
  pixelsPerBin?: number;
  width?: number;
  height?: number;
  label: string;
}

export function distributionChart(o: DistributionChartOptions): SVGSVGElement {
  const width = o.width ?? 220;
  const height = o.height ?? 90;
  const bins = o.probs.length;
  const pad = { left: 4, right: 4, top: 6, bottom: o.pixelsPerBin ? 28 : 16 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const barW = plotW / bins;
  const max = Math.max(1e-9, ...o.probs);
  // Tick labels need ~14 px each: with 16/17 bins (YOLOv8, PP-YOLOE) in a narrow chart, label every 2nd or 4th bin.
  // A pixel row under the bin row needs wider labels (up to 3 digits): ~20 px each.
  const labelEvery = binLabelStep(bins, o.pixelsPerBin ? (plotW * 14) / 20 : plotW);
  // Bin i is centred at x(i); a distance d in bins maps to the same axis.
  const x = (d: number) => pad.left + (d + 0.5) * barW;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'dist-chart', role: 'img', 'aria-label': o.label });
  svg.append(s('title', {}, o.label));
  o.probs.forEach((p, i) => {
    const h = (p / max) * plotH;
    svg.append(s('rect', { class: 'bar', x: pad.left + i * barW + 1, y: pad.top + plotH - h, width: Math.max(1, barW - 2), height: h },
      s('title', {}, `bin ${i}: ${(p * 100).toFixed(1)}%`)));
    if (i % labelEvery === 0) {
      svg.append(s('text', { class: 'tick', x: x(i), y: pad.top + plotH + 11, 'text-anchor': 'middle' }, String(i)));
      if (o.pixelsPerBin) svg.append(s('text', { class: 'tick px', x: x(i), y: height - 3, 'text-anchor': 'middle' }, (i * o.pixelsPerBin).toFixed(0)));
    }
  });
  const clampX = (d: number) => Math.min(Math.max(x(d), pad.left), pad.left + plotW);
  svg.append(s('line', { class: 'expected', x1: clampX(o.expected), x2: clampX(o.expected), y1: pad.top - 4, y2: pad.top + plotH },
    s('title', {}, `expected ${o.expected.toFixed(2)} bins${o.pixelsPerBin ? ` = ${(o.expected * o.pixelsPerBin).toFixed(1)} px` : ''}`)));
  if (o.gtDistance !== null && Number.isFinite(o.gtDistance)) {
    const outside = o.gtDistance < -0.5 || o.gtDistance > bins - 0.5;
    svg.append(s('line', { class: outside ? 'gt outside' : 'gt', x1: clampX(o.gtDistance), x2: clampX(o.gtDistance), y1: pad.top - 4, y2: pad.top + plotH },
      s('title', {}, `ground truth ${o.gtDistance.toFixed(2)} bins${o.pixelsPerBin ? ` = ${(o.gtDistance * o.pixelsPerBin).toFixed(1)} px` : ''}${outside ? ' (outside the representable range)' : ''}`)));
  }
  return svg;
}
