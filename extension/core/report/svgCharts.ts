// Small static SVG charts for the Markdown report (rendered by GitHub/GitLab as images beside the .md): reliability
// diagram, score-vs-IoU 2-D histogram, per-class AP bars. Deterministic text (fixed decimals, no ids or dates),
// readable on light and dark backgrounds (own white card background, dark ink).
import type { CategoryMetrics } from '../coco/cocoEval.ts';
import type { ScoreIoUHistogram } from '../analytics/scoreIoU.ts';
import type { ReliabilityBin } from '../analytics/calibration.ts';
import { escapeHtml } from './escape.ts';

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const INK = '#222';
const GRID = '#ddd';

const f1 = (v: number) => (Math.round(v * 10) / 10).toFixed(1);

function frame(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n` +
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold" fill="${INK}">${escapeHtml(title)}</text>\n` +
    `${body}</svg>\n`;
}

/** Axes box with ticks at 0, 0.2, …, 1 on both axes; returns the SVG and the data→pixel maps. */
function unitAxes(x0: number, y0: number, size: number, xLabel: string, yLabel: string) {
  const px = (v: number) => x0 + v * size;
  const py = (v: number) => y0 + size - v * size;
  let svg = `<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="none" stroke="${INK}"/>\n`;
  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    svg += `<line x1="${f1(px(v))}" y1="${y0}" x2="${f1(px(v))}" y2="${y0 + size}" stroke="${GRID}" stroke-width="0.5"/>`;
    svg += `<line x1="${x0}" y1="${f1(py(v))}" x2="${x0 + size}" y2="${f1(py(v))}" stroke="${GRID}" stroke-width="0.5"/>`;
    svg += `<text x="${f1(px(v))}" y="${y0 + size + 13}" text-anchor="middle" fill="${INK}">${v.toFixed(1)}</text>`;
    svg += `<text x="${x0 - 4}" y="${f1(py(v) + 4)}" text-anchor="end" fill="${INK}">${v.toFixed(1)}</text>\n`;
  }
  svg += `<text x="${x0 + size / 2}" y="${y0 + size + 28}" text-anchor="middle" fill="${INK}">${escapeHtml(xLabel)}</text>\n`;
  svg += `<text x="${x0 - 34}" y="${y0 + size / 2}" text-anchor="middle" fill="${INK}" transform="rotate(-90 ${x0 - 34} ${y0 + size / 2})">${escapeHtml(yLabel)}</text>\n`;
  return { svg, px, py };
}

/** Reliability diagram: bars of mean target per score bin, the mean-score points, and the diagonal of perfect calibration. */
export function reliabilitySvg(bins: readonly ReliabilityBin[], yLabel: string, title: string): string {
  const size = 260;
  const x0 = 56, y0 = 28;
  const { svg: axes, px, py } = unitAxes(x0, y0, size, 'score', yLabel);
  let body = axes;
  for (const bin of bins) {
    if (bin.count === 0 || bin.meanTarget === null) continue;
    const x = px(bin.lower), w = px(bin.upper) - px(bin.lower), y = py(bin.meanTarget);
    body += `<rect x="${f1(x + 1)}" y="${f1(y)}" width="${f1(w - 2)}" height="${f1(y0 + size - y)}" fill="#4c78a8" fill-opacity="0.8"><title>${bin.lower.toFixed(2)}–${bin.upper.toFixed(2)}: n=${bin.count}</title></rect>\n`;
    if (bin.meanScore !== null) body += `<circle cx="${f1(px(bin.meanScore))}" cy="${f1(py(bin.meanTarget))}" r="2.5" fill="#e45756"/>\n`;
  }
  body += `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#888" stroke-dasharray="4 3"/>\n`;
  return frame(x0 + size + 20, y0 + size + 40, title, body);
}

/** Score (x) vs IoU (y) 2-D histogram as a heat map; colour by log count so sparse cells stay visible. */
export function scoreIoUHeatmapSvg(histogram: ScoreIoUHistogram, title: string): string {
  const size = 260;
  const x0 = 56, y0 = 28;
  const { svg: axes, px, py } = unitAxes(x0, y0, size, 'score', 'IoU with best same-class GT');
  let max = 0;
  for (const row of histogram.counts) for (const c of row) max = Math.max(max, c);
  let cells = '';
  const scoreBins = histogram.counts.length;
  for (let s = 0; s < scoreBins; s++) {
    const iouBins = histogram.counts[s].length;
    for (let u = 0; u < iouBins; u++) {
      const count = histogram.counts[s][u];
      if (count === 0) continue;
      const t = Math.log1p(count) / Math.log1p(max);
      const x = px(histogram.scoreEdges[s]), x2 = px(histogram.scoreEdges[s + 1]);
      const y = py(histogram.iouEdges[u + 1]), y2 = py(histogram.iouEdges[u]);
      cells += `<rect x="${f1(x)}" y="${f1(y)}" width="${f1(x2 - x)}" height="${f1(y2 - y)}" fill="${viridis(t)}"><title>n=${count}</title></rect>\n`;
    }
  }
  return frame(x0 + size + 20, y0 + size + 40, title, cells + axes);
}

/** Horizontal bars of per-category AP@[.5:.95] (categories with ground truth), best first. */
export function perClassApSvg(perCategory: readonly Pick<CategoryMetrics, 'categoryId' | 'name' | 'ap'>[], title: string, limit = 40): string {
  const defined = perCategory.filter((c) => c.ap >= 0);
  const rows = defined.sort((a, b) => b.ap - a.ap || a.categoryId - b.categoryId).slice(0, limit);
  if (defined.length > rows.length) title = `${title} (best ${rows.length} of ${defined.length})`;
  const rowHeight = 14;
  const labelWidth = 130, barWidth = 260, x0 = labelWidth + 8, y0 = 30;
  let body = '';
  rows.forEach((c, k) => {
    const y = y0 + k * rowHeight;
    const name = c.name.length > 22 ? `${c.name.slice(0, 21)}…` : c.name;
    body += `<text x="${labelWidth}" y="${y + 10}" text-anchor="end" fill="${INK}">${escapeHtml(name)}</text>`;
    body += `<rect x="${x0}" y="${y + 2}" width="${f1(c.ap * barWidth)}" height="${rowHeight - 4}" fill="#4c78a8"/>`;
    body += `<text x="${f1(x0 + c.ap * barWidth + 4)}" y="${y + 10}" fill="${INK}">${c.ap.toFixed(3)}</text>\n`;
  });
  if (rows.length === 0) body += `<text x="${x0}" y="${y0 + 10}" fill="${INK}">no category with ground truth</text>\n`;
  const height = y0 + Math.max(rows.length, 1) * rowHeight + 10;
  return frame(x0 + barWidth + 60, height, title, body);
}

// Viridis colour map, 9 anchor colours linearly interpolated.
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const a = hex(VIRIDIS[i]), b = hex(VIRIDIS[i + 1]);
  const w = x - i;
  return `#${[0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * w).toString(16).padStart(2, '0')).join('')}`;
}

function hex(color: string): [number, number, number] {
  return [parseInt(color.slice(1, 3), 16), parseInt(color.slice(3, 5), 16), parseInt(color.slice(5, 7), 16)];
}

const EDGE_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756'];
const EDGE_LABELS = ['left', 'top', 'right', 'bottom'];

/**
 * The four DFL edge distributions of one box as small line charts (bins on x, probability on y), the edge that
 * drives the ambiguity drawn thicker. Inline in the HTML report: axes and text use currentColor, so the chart
 * follows the page's light or dark theme.
 */
export function edgeDistributionSvg(probs: readonly (readonly number[])[], drivingEdge: number): string {
  const width = 320, height = 124;
  const x0 = 28, y0 = 20, plotW = width - x0 - 8, plotH = height - y0 - 20;
  const bins = probs[0]?.length ?? 0;
  const px = (i: number) => x0 + (bins > 1 ? (i / (bins - 1)) * plotW : plotW / 2);
  const py = (p: number) => y0 + plotH - Math.min(1, Math.max(0, p)) * plotH;
  let body = `<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="currentColor" stroke-opacity="0.35"/>`;
  for (const v of [0, 0.5, 1]) {
    body += `<text x="${x0 - 4}" y="${f1(py(v) + 3.5)}" text-anchor="end">${v}</text>`;
    if (v === 0.5) body += `<line x1="${x0}" y1="${f1(py(v))}" x2="${x0 + plotW}" y2="${f1(py(v))}" stroke="currentColor" stroke-opacity="0.15"/>`;
  }
  for (let i = 0; i < bins; i++) body += `<text x="${f1(px(i))}" y="${height - 6}" text-anchor="middle">${i}</text>`;
  probs.forEach((edge, e) => {
    const points = edge.map((p, i) => `${f1(px(i))},${f1(py(p))}`).join(' ');
    body += `<polyline points="${points}" fill="none" stroke="${EDGE_COLORS[e]}" stroke-width="${e === drivingEdge ? 2.8 : 1.3}"/>`;
    body += `<text x="${x0 + e * 66}" y="12" fill="${EDGE_COLORS[e]}" font-weight="${e === drivingEdge ? 'bold' : 'normal'}">— ${EDGE_LABELS[e]}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="10" fill="currentColor" role="img" aria-label="edge distributions">${body}</svg>`;
}
