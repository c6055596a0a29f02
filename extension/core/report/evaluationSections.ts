// The evaluation view's content in the HTML and Markdown reports: PR curves, threshold curves with the max-F1
// confidence, the operating point (per-class TP/FP/FN), the confusion matrix (most confused classes), the worst images
// and the score–IoU populations with their definitions. Read from the analysis; static SVG charts (no script).
import type { GflAnalysis } from '../analytics/analysis.ts';
import { mostConfusedCategories } from '../analytics/confusionMatrix.ts';
import { SCORE_IOU_POPULATIONS } from '../analytics/scoreIoU.ts';
import { escapeHtml, escapeMarkdown, formatNumber } from './escape.ts';

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const INK = '#222';
const GRID = '#ddd';
const COLORS = ['#1f77b4', '#ff7f0e', '#9467bd', '#2ca02c', '#d62728'];
/** Rows of the worst-image tables and classes of the confusion sub-matrix in reports. */
export const REPORT_WORST_IMAGES = 20;
export const REPORT_CONFUSED_CLASSES = 15;

type Summary = Pick<GflAnalysis, 'evaluation' | 'operatingPoint' | 'scoreIoU'>;

interface Series { name: string; x: readonly number[]; y: readonly (number | null)[]; color: string; dash?: boolean }

/** A 0..1 × 0..1 line chart with a legend and optional vertical markers; deterministic text. */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: Series[], verticals: { x: number; label: string; color: string }[] = []): string {
  const W = 460, H = 340, x0 = 50, y0 = 30, size = 260;
  const px = (v: number) => (x0 + v * size * 1.4).toFixed(1);
  const py = (v: number) => (y0 + size - v * size).toFixed(1);
  let body = `<rect x="${x0}" y="${y0}" width="${size * 1.4}" height="${size}" fill="none" stroke="${INK}"/>\n`;
  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    body += `<line x1="${px(v)}" y1="${y0}" x2="${px(v)}" y2="${y0 + size}" stroke="${GRID}" stroke-width="0.5"/><line x1="${x0}" y1="${py(v)}" x2="${x0 + size * 1.4}" y2="${py(v)}" stroke="${GRID}" stroke-width="0.5"/>`;
    body += `<text x="${px(v)}" y="${y0 + size + 13}" text-anchor="middle" fill="${INK}">${v.toFixed(1)}</text><text x="${x0 - 4}" y="${(Number(py(v)) + 4).toFixed(1)}" text-anchor="end" fill="${INK}">${v.toFixed(1)}</text>\n`;
  }
  body += `<text x="${x0 + size * 0.7}" y="${y0 + size + 28}" text-anchor="middle" fill="${INK}">${escapeHtml(xLabel)}</text>`;
  body += `<text x="14" y="${y0 + size / 2}" text-anchor="middle" fill="${INK}" transform="rotate(-90 14 ${y0 + size / 2})">${escapeHtml(yLabel)}</text>\n`;
  for (const s of series) {
    const points: string[] = [];
    s.x.forEach((x, i) => { const y = s.y[i]; if (y !== null && y >= 0) points.push(`${px(x)},${py(y)}`); });
    if (points.length) body += `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${s.dash ? ' stroke-dasharray="4 3"' : ''} points="${points.join(' ')}"/>\n`;
  }
  for (const v of verticals) body += `<line x1="${px(v.x)}" y1="${y0}" x2="${px(v.x)}" y2="${y0 + size}" stroke="${v.color}" stroke-dasharray="3 3"/><text x="${px(v.x)}" y="${y0 - 4}" text-anchor="middle" fill="${v.color}">${escapeHtml(v.label)}</text>\n`;
  series.forEach((s, i) => {
    body += `<rect x="${x0 + (i % 3) * 130}" y="${y0 + size + 36 + Math.floor(i / 3) * 14}" width="12" height="3" fill="${s.color}"/><text x="${x0 + (i % 3) * 130 + 16}" y="${y0 + size + 40 + Math.floor(i / 3) * 14}" fill="${INK}">${escapeHtml(s.name)}</text>\n`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 60}" height="${H + 40}" viewBox="0 0 ${W + 60} ${H + 40}" ${FONT} font-size="11">\n<rect width="${W + 60}" height="${H + 40}" fill="#ffffff"/>\n` +
    `<text x="${(W + 60) / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold" fill="${INK}">${escapeHtml(title)}</text>\n${body}</svg>\n`;
}

export function prCurveSvg(a: Summary): string | null {
  const pr = a.evaluation?.curves.pr;
  if (!pr) return null;
  return lineChartSvg('PR curves, mean over categories (COCO 101-point interpolated precision)', 'recall', 'precision', [
    { name: 'IoU 0.50', x: pr.recall, y: pr.mean.iou50, color: COLORS[0] },
    { name: 'IoU 0.75', x: pr.recall, y: pr.mean.iou75, color: COLORS[1] },
    { name: 'IoU .50:.95', x: pr.recall, y: pr.mean.iouMean, color: COLORS[2], dash: true },
  ]);
}

export function thresholdCurveSvg(a: Summary): string | null {
  const t = a.evaluation?.curves.thresholds;
  if (!t) return null;
  const op = a.operatingPoint;
  return lineChartSvg('P, R, F1 vs confidence, mean over categories (Ultralytics)', 'confidence', 'value', [
    { name: 'precision', x: t.mean.confidence, y: t.mean.precision, color: COLORS[0] },
    { name: 'recall', x: t.mean.confidence, y: t.mean.recall, color: COLORS[1] },
    { name: 'F1', x: t.mean.confidence, y: t.mean.f1, color: COLORS[3] },
  ], [{ x: t.maxF1.threshold, label: `max F1 @${t.maxF1.threshold.toFixed(3)}`, color: COLORS[3] }, ...(op ? [{ x: op.threshold, label: `operating ${op.threshold}`, color: COLORS[4] }] : [])]);
}

function categoryNames(a: Summary): Map<number, string> {
  return new Map((a.evaluation?.perCategory ?? []).map((c) => [c.categoryId, c.name]));
}

/** Markdown: the sections, plus the chart files to write beside the .md (name suffix, alt text, SVG). */
export function evaluationMarkdown(a: Summary, imageFile: (imageIndex: number) => string): { lines: string[]; charts: { suffix: string; alt: string; svg: string }[] } {
  const ev = a.evaluation, op = a.operatingPoint;
  const lines: string[] = [];
  const charts: { suffix: string; alt: string; svg: string }[] = [];
  if (!ev || !op) return { lines, charts };
  const names = categoryNames(a);
  const t = ev.curves.thresholds;
  lines.push('### Curves and operating point', '');
  lines.push(`Max F1 ${formatNumber(t.maxF1.f1)} at confidence ${formatNumber(t.maxF1.threshold)} (P ${formatNumber(t.maxF1.precision)}, R ${formatNumber(t.maxF1.recall)}). ${escapeMarkdown(t.definition)}`, '');
  lines.push(`At score > ${op.threshold}: TP ${op.overall.tp}, FP ${op.overall.fp}, FN ${op.overall.fn}, precision ${formatNumber(op.overall.precision)}, recall ${formatNumber(op.overall.recall)}. ${escapeMarkdown(op.definition)}`, '');
  charts.push({ suffix: 'pr-curves', alt: 'PR curves', svg: prCurveSvg(a)! }, { suffix: 'threshold-curves', alt: 'Precision, recall and F1 vs confidence', svg: thresholdCurveSvg(a)! });
  const best = new Map(t.categories.map((c) => [c.categoryId, c.bestF1Threshold]));
  lines.push('<details><summary>Per class at the operating threshold</summary>', '');
  lines.push('| Category | GT | TP | FP | FN | best-F1 confidence |', '|---|---:|---:|---:|---:|---:|');
  for (const c of op.perCategory.filter((x) => x.numGt > 0 || x.fp > 0)) lines.push(`| ${escapeMarkdown(names.get(c.categoryId) ?? String(c.categoryId))} | ${c.numGt} | ${c.tp} | ${c.fp} | ${c.fn} | ${formatNumber(best.get(c.categoryId) ?? null)} |`);
  lines.push('', '</details>', '');
  const cm = op.confusion;
  const keep = [...mostConfusedCategories(cm.matrix, REPORT_CONFUSED_CLASSES), cm.categoryIds.length];
  lines.push('### Confusion matrix', '', `${escapeMarkdown(cm.definition)} Rows: predicted; columns: true; the ${keep.length - 1} most confused classes and background.`, '');
  lines.push(`| pred \\ true | ${keep.map((k) => escapeMarkdown(cm.labels[k])).join(' | ')} |`, `|---|${keep.map(() => '---:').join('|')}|`);
  for (const p of keep) lines.push(`| ${escapeMarkdown(cm.labels[p])} | ${keep.map((k) => String(cm.matrix[p][k])).join(' | ')} |`);
  lines.push('');
  lines.push('### Worst images', '', escapeMarkdown(op.rankingDefinition), '', '| Image | AP50 | GT | TP | FP | FN |', '|---|---:|---:|---:|---:|---:|');
  for (const row of op.perImage.slice(0, REPORT_WORST_IMAGES)) lines.push(`| ${escapeMarkdown(imageFile(row.imageIndex))} | ${formatNumber(row.ap50)} | ${row.numGt} | ${row.tp} | ${row.fp} | ${row.fn} |`);
  lines.push('');
  if (a.scoreIoU) {
    lines.push('Score–IoU populations:', '');
    for (const [key, c] of [['tp', a.scoreIoU.overall.tp], ['iouNet', a.scoreIoU.iouNet], ['all', a.scoreIoU.overall.all]] as const) {
      lines.push(`- **${escapeMarkdown(SCORE_IOU_POPULATIONS[key].label)}** (n = ${c.n}): Pearson ${formatNumber(c.pearson)}, Spearman ${formatNumber(c.spearman)} — ${escapeMarkdown(SCORE_IOU_POPULATIONS[key].definition)}`);
    }
    lines.push('');
  }
  return { lines, charts };
}

/** HTML: the same sections (inline static SVG charts, tables). */
export function evaluationHtml(a: Summary, imageFile: (imageIndex: number) => string): string {
  const ev = a.evaluation, op = a.operatingPoint;
  if (!ev || !op) return '';
  const names = categoryNames(a);
  const t = ev.curves.thresholds;
  const best = new Map(t.categories.map((c) => [c.categoryId, c.bestF1Threshold]));
  const parts: string[] = [];
  parts.push('<h2 id="curves">Curves and operating point</h2>');
  parts.push(`<p>Max F1 ${formatNumber(t.maxF1.f1)} at confidence ${formatNumber(t.maxF1.threshold)} (P ${formatNumber(t.maxF1.precision)}, R ${formatNumber(t.maxF1.recall)}). At score &gt; ${op.threshold}: TP ${op.overall.tp}, FP ${op.overall.fp}, FN ${op.overall.fn}, precision ${formatNumber(op.overall.precision)}, recall ${formatNumber(op.overall.recall)}.</p>`);
  parts.push(`<p class="muted">${escapeHtml(t.definition)} ${escapeHtml(op.definition)}</p>`);
  parts.push(`<div class="two"><div>${prCurveSvg(a)}</div><div>${thresholdCurveSvg(a)}</div></div>`);
  parts.push('<details><summary>Per class at the operating threshold</summary><table><tr><th>Category</th><th>GT</th><th>TP</th><th>FP</th><th>FN</th><th>best-F1 confidence</th></tr>' +
    op.perCategory.filter((x) => x.numGt > 0 || x.fp > 0).map((c) => `<tr><td>${escapeHtml(names.get(c.categoryId) ?? String(c.categoryId))}</td><td class="num">${c.numGt}</td><td class="num">${c.tp}</td><td class="num">${c.fp}</td><td class="num">${c.fn}</td><td class="num">${formatNumber(best.get(c.categoryId) ?? null)}</td></tr>`).join('') + '</table></details>');
  const cm = op.confusion;
  const keep = [...mostConfusedCategories(cm.matrix, REPORT_CONFUSED_CLASSES), cm.categoryIds.length];
  parts.push(`<h2 id="confusion">Confusion matrix</h2><p class="muted">${escapeHtml(cm.definition)} Rows: predicted; columns: true; the ${keep.length - 1} most confused classes and background.</p>`);
  parts.push(`<table class="confusion"><tr><th>pred \\ true</th>${keep.map((k) => `<th>${escapeHtml(cm.labels[k])}</th>`).join('')}</tr>` +
    keep.map((p) => `<tr><th>${escapeHtml(cm.labels[p])}</th>${keep.map((k) => `<td class="num">${cm.matrix[p][k]}</td>`).join('')}</tr>`).join('') + '</table>');
  parts.push(`<h2 id="worst-images">Worst images</h2><p class="muted">${escapeHtml(op.rankingDefinition)}</p><table><tr><th>Image</th><th>AP50</th><th>GT</th><th>TP</th><th>FP</th><th>FN</th></tr>` +
    op.perImage.slice(0, REPORT_WORST_IMAGES).map((row) => `<tr><td>${escapeHtml(imageFile(row.imageIndex))}</td><td class="num">${formatNumber(row.ap50)}</td><td class="num">${row.numGt}</td><td class="num">${row.tp}</td><td class="num">${row.fp}</td><td class="num">${row.fn}</td></tr>`).join('') + '</table>');
  if (a.scoreIoU) {
    parts.push('<h3>Score–IoU populations</h3><table><tr><th>Population</th><th>n</th><th>Pearson</th><th>Spearman</th><th>Definition</th></tr>' +
      ([['tp', a.scoreIoU.overall.tp], ['iouNet', a.scoreIoU.iouNet], ['all', a.scoreIoU.overall.all]] as const).map(([key, c]) =>
        `<tr><td>${escapeHtml(SCORE_IOU_POPULATIONS[key].label)}</td><td class="num">${c.n}</td><td class="num">${formatNumber(c.pearson)}</td><td class="num">${formatNumber(c.spearman)}</td><td>${escapeHtml(SCORE_IOU_POPULATIONS[key].definition)}</td></tr>`).join('') + '</table>');
  }
  return parts.join('\n');
}
