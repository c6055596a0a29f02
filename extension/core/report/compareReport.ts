// The comparison report (gfl-lens compare --out): one self-contained HTML file (no script at all; the policy admits
// only its own stylesheet by hash) or Markdown with SVG histograms beside it. Every value from the runs or the
// ground truth goes through escape.ts. The tables are the same as the comparison view's.
import type { CalibrationDelta, DeltaValue, FalsePositiveChange, GtFlip, Histogram, PairChange, RunComparison } from '../analytics/compare.ts';
import { cspHashSource, type Sha256Base64 } from './cspHashes.ts';
import { escapeHtml, escapeMarkdown, formatNumber } from './escape.ts';

const signed = (v: number | null | undefined, digits = 3) => (typeof v !== 'number' || !Number.isFinite(v) ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`);
const interval = (m: CalibrationDelta, digits = 4) => (m.interval ? `[${signed(m.interval[0], digits)}, ${signed(m.interval[1], digits)}]` : '–');
/** "B better", "B worse" or "no clear change" from an interval and the direction in which the metric improves. */
function verdict(m: CalibrationDelta, lowerIsBetter: boolean): string {
  if (!m.interval) return 'no interval';
  const [lo, hi] = m.interval;
  if (lo <= 0 && hi >= 0) return 'within noise';
  return (hi < 0) === lowerIsBetter ? 'B better' : 'B worse';
}
const LOWER_IS_BETTER = [true, true, true, false, false];

/** Histogram of a shift (B − A) as a static SVG; the bar at zero is drawn darker. */
export function shiftHistogramSvg(h: Histogram, title: string, xLabel: string): string {
  const width = 420, height = 220, x0 = 44, y0 = 28, w = width - x0 - 12, ht = height - y0 - 40;
  const max = Math.max(1, ...h.counts);
  const bins = h.counts.length;
  const lo = h.edges[0], hi = h.edges[bins];
  let body = `<rect x="${x0}" y="${y0}" width="${w}" height="${ht}" fill="none" stroke="#222"/>\n`;
  h.counts.forEach((c, b) => {
    const x = x0 + (b / bins) * w;
    const barH = (c / max) * ht;
    const zero = h.edges[b] <= 0 && h.edges[b + 1] > 0;
    body += `<rect x="${x.toFixed(1)}" y="${(y0 + ht - barH).toFixed(1)}" width="${(w / bins - 1).toFixed(1)}" height="${barH.toFixed(1)}" fill="${zero ? '#555' : '#4878a8'}"><title>${escapeHtml(`${h.edges[b].toFixed(3)} to ${h.edges[b + 1].toFixed(3)}: ${c}`)}</title></rect>`;
  });
  for (const v of [lo, (lo + hi) / 2, hi]) body += `<text x="${(x0 + ((v - lo) / (hi - lo)) * w).toFixed(1)}" y="${y0 + ht + 14}" text-anchor="middle" fill="#222">${v.toFixed(1)}</text>`;
  body += `<text x="${x0 - 4}" y="${y0 + 8}" text-anchor="end" fill="#222">${max}</text><text x="${x0 - 4}" y="${y0 + ht}" text-anchor="end" fill="#222">0</text>`;
  body += `<text x="${x0 + w / 2}" y="${height - 8}" text-anchor="middle" fill="#222">${escapeHtml(xLabel)}</text>\n`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">\n`
    + `<rect width="${width}" height="${height}" fill="#ffffff"/>\n<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold" fill="#222">${escapeHtml(title)}</text>\n${body}</svg>\n`;
}

const CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --card: #f6f8fa; --bad: #cf222e; --good: #1a7f37; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23; --bad: #f85149; --good: #3fb950; --accent: #4493f8; } }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; }
th { background: var(--card); } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); } .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.bad { color: var(--bad); } .good { color: var(--good); } .note { border-left: 3px solid var(--accent); padding: 4px 10px; background: var(--card); }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .charts svg { max-width: 100%; height: auto; }
`;

function cls(delta: number | null, higherIsBetter = true): string {
  if (delta === null || delta === 0) return 'num';
  return (delta > 0) === higherIsBetter ? 'num good' : 'num bad';
}

function deltaCells(v: DeltaValue, digits = 3, higherIsBetter = true): string {
  return `<td class="num">${formatNumber(v.a, digits)}</td><td class="num">${formatNumber(v.b, digits)}</td><td class="${cls(v.delta, higherIsBetter)}">${signed(v.delta, digits)}</td>`;
}

const t = escapeHtml;

function flipRows(list: GtFlip[]): string {
  if (list.length === 0) return '<p class="muted">none</p>';
  return '<table><tr><th>Image</th><th>GT id</th><th>Category</th><th>Found: score / IoU</th><th>Other run</th><th>Its closest detection: score / IoU</th></tr>'
    + list.map((f) => `<tr><td class="mono">${t(f.file)}</td><td class="num">${t(f.gtId)}</td><td>${t(f.categoryName)}</td>`
      + `<td class="num">${formatNumber(f.found.score)} / ${formatNumber(f.found.iou)}</td><td>${t(f.reason)}</td>`
      + `<td class="num">${f.missedBy ? `${formatNumber(f.missedBy.score)} / ${formatNumber(f.missedBy.iou)}` : '–'}</td></tr>`).join('') + '</table>';
}

function pairRows(list: PairChange[]): string {
  if (list.length === 0) return '<p class="muted">none</p>';
  return '<table><tr><th>Image</th><th>GT id</th><th>Category</th><th>IoU A</th><th>IoU B</th><th>ΔIoU</th><th>score A</th><th>score B</th></tr>'
    + list.map((p) => `<tr><td class="mono">${t(p.file)}</td><td class="num">${t(p.gtId)}</td><td>${t(p.categoryName)}</td>`
      + `<td class="num">${formatNumber(p.a.iou)}</td><td class="num">${formatNumber(p.b.iou)}</td><td class="${cls(p.deltaIoU)}">${signed(p.deltaIoU)}</td>`
      + `<td class="num">${formatNumber(p.a.score)}</td><td class="num">${formatNumber(p.b.score)}</td></tr>`).join('') + '</table>';
}

function fpRows(list: FalsePositiveChange[]): string {
  if (list.length === 0) return '<p class="muted">none</p>';
  return '<table><tr><th>Image</th><th>Class</th><th>Score</th><th>TIDE error</th><th>IoU (best same-class GT)</th></tr>'
    + list.map((f) => `<tr><td class="mono">${t(f.file)}</td><td>${t(f.categoryName)}</td><td class="num">${formatNumber(f.detection.score)}</td>`
      + `<td>${t(f.detection.error ?? '–')}</td><td class="num">${formatNumber(f.detection.iou)}</td></tr>`).join('') + '</table>';
}

/** The HTML comparison report. `sha256Base64` (node:crypto's, from the host) hashes the stylesheet for the policy. */
export function buildCompareHtml(c: RunComparison, sha256Base64: Sha256Base64): string {
  const parts: string[] = [];
  parts.push(`<h1>GFL Lens comparison</h1><p>A: <b>${t(c.a.label)}</b> <span class="mono">${t(c.a.sourcePath)}</span><br>B: <b>${t(c.b.label)}</b> <span class="mono">${t(c.b.sourcePath)}</span></p>`);
  parts.push(`<p class="muted">Dataset <span class="mono">${t(c.dataset.annotations ?? '(unnamed)')}</span>: ${c.dataset.images} images, ${c.dataset.groundTruths} non-crowd ground truths, ground-truth SHA-256 <span class="mono">${t(c.dataset.groundTruthHash)}</span>. Operating threshold ${formatNumber(c.operatingThreshold, 2)}; IoU 0.5. Δ is B − A.</p>`);
  for (const note of c.notes) parts.push(`<p class="note">${t(note)}</p>`);

  parts.push('<h2 id="stats">COCO metrics</h2><table><tr><th>Metric</th><th>A</th><th>B</th><th>Δ</th></tr>');
  c.stats.keys.forEach((k, i) => parts.push(`<tr><td>${t(k)}</td>${deltaCells(c.stats.values[i])}</tr>`));
  parts.push('</table>');
  parts.push('<h2 id="per-class">AP per class (largest drop first)</h2><table><tr><th>Category</th><th>GTs</th><th>AP A</th><th>AP B</th><th>ΔAP</th><th>AP50 A</th><th>AP50 B</th><th>ΔAP50</th></tr>');
  for (const p of c.perClass) parts.push(`<tr><td>${t(p.name)}</td><td class="num">${p.numGt}</td>${deltaCells(p.ap)}${deltaCells(p.ap50)}</tr>`);
  parts.push('</table>');
  parts.push(`<h2 id="tide">TIDE dAP (AP points; lower is better)</h2><table><tr><th>Error</th><th>A</th><th>B</th><th>Δ</th></tr><tr><td>TIDE AP@0.5</td>${deltaCells(c.tide.ap, 2)}</tr>`);
  c.tide.types.forEach((type, i) => parts.push(`<tr><td>${t(type)}</td>${deltaCells(c.tide.dAP[i], 2, false)}</tr>`));
  parts.push('</table>');

  const f = c.flips.counts;
  parts.push(`<h2 id="flips">Per-GT flips (IoU 0.5, score ≥ ${formatNumber(c.operatingThreshold, 2)})</h2>`);
  parts.push(`<table><tr><th>Ground truths</th><th>Found by both</th><th>Only by A</th><th>Only by B</th><th>By neither</th><th>Localisation changes (|ΔIoU| ≥ ${c.flips.minLocalisationChange})</th></tr>`
    + `<tr><td class="num">${f.groundTruths}</td><td class="num">${f.foundByBoth}</td><td class="num">${f.foundOnlyByA}</td><td class="num">${f.foundOnlyByB}</td><td class="num">${f.foundByNeither}</td><td class="num">${f.localisationChanges}</td></tr></table>`);
  parts.push(`<h3>Found by A, missed by B (${f.foundOnlyByA})</h3>${flipRows(c.flips.foundOnlyByA)}`);
  parts.push(`<h3>Found by B, missed by A (${f.foundOnlyByB})</h3>${flipRows(c.flips.foundOnlyByB)}`);
  parts.push(`<h3>Largest localisation changes (${f.localisationChanges})</h3>${pairRows(c.flips.localisation)}`);

  const fp = c.confidentFalsePositives;
  parts.push(`<h2 id="fps">Confident false positives (score ≥ ${formatNumber(c.operatingThreshold, 2)})</h2><p>A ${fp.countA}, B ${fp.countB}. New in B: ${fp.newCount}; vanished from A: ${fp.vanishedCount}.</p>`);
  parts.push(`<h3>New in B</h3>${fpRows(fp.newInB)}<h3>Vanished (in A, not in B)</h3>${fpRows(fp.vanishedFromA)}`);

  const s = c.shifts;
  parts.push(`<h2 id="shifts">Score and IoU shift on matched pairs</h2><p class="muted">Population: ${t(s.population)} (${s.pairs} pairs).</p>`);
  parts.push(`<table><tr><th></th><th>mean</th><th>median</th></tr><tr><td>score B − A</td><td class="num">${signed(s.meanScoreShift, 4)}</td><td class="num">${signed(s.medianScoreShift, 4)}</td></tr>`
    + `<tr><td>IoU B − A</td><td class="num">${signed(s.meanIoUShift, 4)}</td><td class="num">${signed(s.medianIoUShift, 4)}</td></tr></table>`);
  parts.push(`<div class="charts">${shiftHistogramSvg(s.score, 'score B − A (matched pairs)', 'score shift')}${shiftHistogramSvg(s.iou, 'IoU B − A (matched pairs)', 'IoU shift')}</div>`);

  parts.push(`<h2 id="calibration">Calibration Δ</h2><p class="muted">${t(c.calibration.note)}</p><table><tr><th>Metric</th><th>A</th><th>B</th><th>Δ</th><th>${Math.round(c.calibration.level * 100)}% interval of Δ</th><th>Reading</th></tr>`);
  c.calibration.metrics.forEach((m, k) => parts.push(`<tr><td title="${t(m.definition)}">${t(m.name)}</td>${deltaCells(m, 4, !LOWER_IS_BETTER[k])}<td class="num">${interval(m)}</td><td>${verdict(m, LOWER_IS_BETTER[k])}</td></tr>`));
  parts.push('</table>');

  parts.push('<h2 id="distributions">Distribution Δ (matched pairs)</h2>');
  if (c.distribution) {
    const d = c.distribution;
    parts.push(`<p>${d.pairs} pairs; mean ambiguity ${formatNumber(d.meanAmbiguity.a)} → ${formatNumber(d.meanAmbiguity.b)} (${signed(d.meanAmbiguity.delta)}).</p>`);
    parts.push('<table><tr><th>Edge</th><th>std px A</th><th>std px B</th><th>Δ std px</th><th>entropy A</th><th>entropy B</th><th>Δ entropy</th><th>sharper in B</th></tr>');
    for (const e of d.perEdge) {
      parts.push(`<tr><td>${e.edge}</td><td class="num">${formatNumber(e.meanStdPxA, 2)}</td><td class="num">${formatNumber(e.meanStdPxB, 2)}</td><td class="${cls(e.deltaStdPx, false)}">${signed(e.deltaStdPx, 2)}</td>`
        + `<td class="num">${formatNumber(e.meanEntropyA)}</td><td class="num">${formatNumber(e.meanEntropyB)}</td><td class="${cls(e.deltaEntropy, false)}">${signed(e.deltaEntropy)}</td><td class="num">${(100 * e.sharperShare).toFixed(1)}%</td></tr>`);
    }
    parts.push('</table><h3>Largest ambiguity changes</h3><table><tr><th>Image</th><th>GT id</th><th>Category</th><th>ambiguity A</th><th>ambiguity B</th><th>Δ</th><th>ΔIoU</th></tr>');
    for (const a of d.ambiguityChanges.slice(0, 20)) {
      parts.push(`<tr><td class="mono">${t(a.file)}</td><td class="num">${t(a.gtId)}</td><td>${t(a.categoryName)}</td><td class="num">${formatNumber(a.ambiguityA)}</td><td class="num">${formatNumber(a.ambiguityB)}</td><td class="${cls(a.deltaAmbiguity, false)}">${signed(a.deltaAmbiguity)}</td><td class="num">${signed(a.deltaIoU)}</td></tr>`);
    }
    parts.push('</table>');
  } else {
    parts.push('<p class="muted">Not available: both runs need DFL distributions.</p>');
  }
  const csp = `default-src 'none'; img-src data:; style-src ${cspHashSource(sha256Base64, CSS)}; base-uri 'none'; form-action 'none'`;
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    + `<meta http-equiv="Content-Security-Policy" content="${csp}">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n`
    + `<title>${t(`GFL Lens comparison: ${c.a.label} vs ${c.b.label}`)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n<main>\n${parts.join('\n')}\n</main>\n</body>\n</html>\n`;
}

/** The Markdown comparison report and its two SVG histograms ("<prefix>-score-shift.svg", "<prefix>-iou-shift.svg"). */
export function buildCompareMarkdown(c: RunComparison, chartPrefix: string): { markdown: string; charts: { name: string; svg: string }[] } {
  const m = escapeMarkdown;
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const head = (cells: string[]) => { row(cells); row(cells.map(() => '---')); };
  const dv = (v: DeltaValue, digits = 3) => [formatNumber(v.a, digits), formatNumber(v.b, digits), signed(v.delta, digits)];
  lines.push('# GFL Lens comparison', '', `- A: **${m(c.a.label)}** (\`${m(c.a.sourcePath)}\`)`, `- B: **${m(c.b.label)}** (\`${m(c.b.sourcePath)}\`)`,
    `- Dataset: ${m(c.dataset.annotations ?? '(unnamed)')}: ${c.dataset.images} images, ${c.dataset.groundTruths} non-crowd ground truths (SHA-256 \`${c.dataset.groundTruthHash.slice(0, 16)}…\`)`,
    `- Operating threshold ${formatNumber(c.operatingThreshold, 2)}, IoU 0.5; Δ is B − A`, '');
  for (const note of c.notes) lines.push(`> ${m(note)}`, '');
  lines.push('## COCO metrics', '');
  head(['Metric', 'A', 'B', 'Δ']);
  c.stats.keys.forEach((k, i) => row([k, ...dv(c.stats.values[i])]));
  lines.push('', '## AP per class (largest drop first, top 20)', '');
  head(['Category', 'GTs', 'AP A', 'AP B', 'ΔAP']);
  for (const p of c.perClass.slice(0, 20)) row([m(p.name), String(p.numGt), ...dv(p.ap)]);
  lines.push('', '## TIDE dAP (AP points)', '');
  head(['Error', 'A', 'B', 'Δ']);
  c.tide.types.forEach((type, i) => row([type, ...dv(c.tide.dAP[i], 2)]));
  const f = c.flips.counts;
  lines.push('', `## Per-GT flips (IoU 0.5, score ≥ ${formatNumber(c.operatingThreshold, 2)})`, '');
  head(['Ground truths', 'Found by both', 'Only by A', 'Only by B', 'By neither', `Localisation changes ≥ ${c.flips.minLocalisationChange}`]);
  row([f.groundTruths, f.foundByBoth, f.foundOnlyByA, f.foundOnlyByB, f.foundByNeither, f.localisationChanges].map(String));
  for (const [title, list] of [['Found by A, missed by B', c.flips.foundOnlyByA], ['Found by B, missed by A', c.flips.foundOnlyByB]] as const) {
    lines.push('', `### ${title} (top 20)`, '');
    head(['Image', 'GT id', 'Category', 'Found score / IoU', 'Other run', 'Its closest: score / IoU']);
    for (const x of list.slice(0, 20)) row([m(x.file), String(x.gtId), m(x.categoryName), `${formatNumber(x.found.score)} / ${formatNumber(x.found.iou)}`, x.reason, x.missedBy ? `${formatNumber(x.missedBy.score)} / ${formatNumber(x.missedBy.iou)}` : '–']);
  }
  const fp = c.confidentFalsePositives;
  lines.push('', '## Confident false positives', '', `A ${fp.countA}, B ${fp.countB}; new in B ${fp.newCount}, vanished from A ${fp.vanishedCount}.`, '');
  const s = c.shifts;
  lines.push('## Score and IoU shift on matched pairs', '', `${m(s.population)}: ${s.pairs} pairs. Mean score shift ${signed(s.meanScoreShift, 4)} (median ${signed(s.medianScoreShift, 4)}), mean IoU shift ${signed(s.meanIoUShift, 4)}.`, '');
  const charts = [
    { name: `${chartPrefix}-score-shift.svg`, svg: shiftHistogramSvg(s.score, 'score B − A (matched pairs)', 'score shift') },
    { name: `${chartPrefix}-iou-shift.svg`, svg: shiftHistogramSvg(s.iou, 'IoU B − A (matched pairs)', 'IoU shift') },
  ];
  for (const chart of charts) lines.push(`![${m(chart.name)}](${encodeURI(chart.name).replace(/[()]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)})`, '');
  lines.push('## Calibration Δ', '', m(c.calibration.note), '');
  head(['Metric', 'A', 'B', 'Δ', `${Math.round(c.calibration.level * 100)}% interval`, 'Reading']);
  c.calibration.metrics.forEach((x, k) => row([m(x.name), ...dv(x, 4), interval(x), verdict(x, LOWER_IS_BETTER[k])]));
  if (c.distribution) {
    lines.push('', '## Distribution Δ (matched pairs)', '');
    head(['Edge', 'std px A', 'std px B', 'Δ std px', 'Δ entropy', 'sharper in B']);
    for (const e of c.distribution.perEdge) row([e.edge, formatNumber(e.meanStdPxA, 2), formatNumber(e.meanStdPxB, 2), signed(e.deltaStdPx, 2), signed(e.deltaEntropy), `${(100 * e.sharperShare).toFixed(1)}%`]);
  }
  lines.push('');
  return { markdown: lines.join('\n'), charts };
}
