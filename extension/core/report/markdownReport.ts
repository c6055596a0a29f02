// Markdown summary for a pull request or model card: tables, plus SVG charts written beside the .md and linked
// by relative path (GitHub and GitLab render them). User-controlled text is escaped for table cells.
import { COCO_STAT_KEYS } from '../coco/cocoEval.ts';
import { tideApBasis, type ReportData } from './reportData.ts';
import { escapeMarkdown, formatNumber, numberText } from './escape.ts';
import { perClassApSvg, reliabilitySvg, scoreIoUHeatmapSvg } from './svgCharts.ts';
import { evaluationMarkdown } from './evaluationSections.ts';

export interface MarkdownReport {
  markdown: string;
  /** Chart files to write beside the Markdown file: name (relative) and SVG text. */
  charts: { name: string; svg: string }[];
}

/** Link target for a chart file name: percent-encodes what would break a Markdown link. */
function linkTarget(name: string): string {
  return encodeURI(name).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Builds the Markdown text and its charts. `chartPrefix` names the chart files ("<prefix>-reliability.svg", …),
 * normally the Markdown file's base name, so several reports can share a folder.
 */
export function buildMarkdownReport(data: ReportData, chartPrefix: string): MarkdownReport {
  const r = data.run;
  const charts: MarkdownReport['charts'] = [];
  const lines: string[] = [];
  const chart = (suffix: string, alt: string, svg: string) => {
    const name = `${chartPrefix}-${suffix}.svg`;
    charts.push({ name, svg });
    lines.push(`![${escapeMarkdown(alt)}](${linkTarget(name)})`, '');
  };

  lines.push(`## GFL Lens report: ${escapeMarkdown(r.model.fileName)}`, '');
  // Numbers from the run header are printed only when they are numbers (numberText): a run file is untrusted input.
  const n = (value: unknown) => numberText(value);
  const list = (value: unknown) => (Array.isArray(value) ? value.map(n).join('/') : '–');
  lines.push(`${n(r.counts.images)} images, ${n(r.counts.detections)} detections${r.counts.errors ? `, ${n(r.counts.errors)} failed images` : ''}` +
    `${data.evaluation ? '' : ' — no ground truth: detections only, no metrics'}${r.complete ? '' : ' — **incomplete run (interrupted)**'}.`, '');
  lines.push('| Run | |', '|---|---|');
  lines.push(`| Model | ${escapeMarkdown(String(r.model.fileName))} (${n(r.model.bytes)} bytes) |`);
  lines.push(`| SHA-256 | \`${String(r.model.sha256).replace(/[^0-9a-fA-F]/g, '')}\` |`);
  lines.push(`| Profile | ${escapeMarkdown(String(r.profile.name))}, input ${list(r.profile.inputSize).replace('/', '×')}, strides ${list(r.profile.strides)}, reg\\_max ${n(r.profile.regMax)} |`);
  lines.push(`| Provider | ${escapeMarkdown(r.provider.active)}${r.provider.fallbacks.length ? ` (fallbacks: ${escapeMarkdown(r.provider.fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; '))})` : ''} |`);
  lines.push(`| Dataset | ${r.dataset.annotations ? escapeMarkdown(r.dataset.annotations) : 'none (image folder)'} |`);
  lines.push(`| Date | ${escapeMarkdown(r.createdAt)} |`);
  const perImage = (total: unknown) => (typeof total === 'number' && typeof r.counts.images === 'number' && r.counts.images ? `${(total / r.counts.images).toFixed(1)} ms` : '–');
  lines.push(`| Timing per image | preprocess ${perImage(r.timingMs.preprocess)}, inference ${perImage(r.timingMs.inference)}, decode ${perImage(r.timingMs.decode)}${r.timingMs.wall !== null ? `; wall ${numberText(r.timingMs.wall, (v) => (v / 1000).toFixed(1))} s` : ''} |`, '');

  const ev = data.evaluation;
  if (ev) {
    lines.push('### COCO evaluation', '');
    lines.push(`| ${COCO_STAT_KEYS.join(' | ')} |`, `|${COCO_STAT_KEYS.map(() => '---:').join('|')}|`);
    lines.push(`| ${ev.stats.map((v) => formatNumber(v, 3, true)).join(' | ')} |`, '');
    if (ev.categoryProblems.length) lines.push(`> Class → category mapping: ${escapeMarkdown(ev.categoryProblems.join('; '))}`, '');
    chart('ap-per-class', 'AP per category', perClassApSvg(ev.perCategory, 'AP@[.50:.95] per category'));
    const withGt = ev.perCategory.filter((c) => c.numGt > 0).sort((a, b) => b.ap - a.ap || a.categoryId - b.categoryId);
    lines.push('<details><summary>Per-category AP</summary>', '');
    lines.push('| Category | AP | AP50 | AP75 | GT | Detections |', '|---|---:|---:|---:|---:|---:|');
    for (const c of withGt) lines.push(`| ${escapeMarkdown(c.name)} | ${formatNumber(c.ap, 3, true)} | ${formatNumber(c.ap50, 3, true)} | ${formatNumber(c.ap75, 3, true)} | ${c.numGt} | ${c.numDetections} |`);
    lines.push('', '</details>', '');

    lines.push('### Errors (TIDE)', '');
    lines.push('| Error | Count | dAP |', '|---|---:|---:|');
    for (const f of ev.failures) lines.push(`| ${f.type} | ${f.count} | ${formatNumber(f.dAP, 2)} |`);
    lines.push('', `TIDE AP50 ${formatNumber(ev.tide.ap, 2)}; fixing all false positives +${formatNumber(ev.tide.specialDAP.FalsePos, 2)}, all false negatives +${formatNumber(ev.tide.specialDAP.FalseNeg, 2)} AP points.`, '');
    lines.push(escapeMarkdown(tideApBasis(ev).text), '');
  }

  const analysis = data.analysis;
  if (analysis) {
    const sections = evaluationMarkdown(analysis, (i) => data.images[i]?.file ?? `image ${i + 1}`);
    lines.push(...sections.lines);
    for (const c of sections.charts) chart(c.suffix, c.alt, c.svg);
    const c = analysis.calibration;
    if (c) {
    lines.push('### Calibration', '');
    lines.push('| Metric | Value | Classes | Binning |', '|---|---:|---:|---|');
    for (const m of [c.laece0, c.laace0, c.laece, c.dece]) lines.push(`| ${escapeMarkdown(m.name)} | ${formatNumber(m.value, 4)} | ${m.classes} | ${escapeMarkdown(m.binning)} |`);
    lines.push('');
    chart('reliability', 'Reliability diagram', reliabilitySvg(c.reliability.iouTarget, 'mean IoU target (τ = 0)', 'Reliability: score vs IoU (LaECE₀ target)'));

    }
    const s = analysis.scoreIoU;
    if (s) {
    lines.push('### Score vs IoU', '');
    lines.push('| Group | TPs | Pearson | Spearman | All | Pearson | Spearman |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const g of [s.overall, ...s.byLevel, ...s.bySize]) {
      lines.push(`| ${escapeMarkdown(g.label)} | ${g.tp.n} | ${formatNumber(g.tp.pearson)} | ${formatNumber(g.tp.spearman)} | ${g.all.n} | ${formatNumber(g.all.pearson)} | ${formatNumber(g.all.spearman)} |`);
    }
    lines.push('');
    chart('score-iou', 'Score vs IoU histogram', scoreIoUHeatmapSvg(s.histogram, 'Score vs IoU (evaluated detections)'));
    }

    const k = analysis.distributionKnows;
    if (k) {
      lines.push('### Does the distribution know?', '');
      lines.push(`Over ${k.detections} true positives: edge std vs real edge error, Spearman ${formatNumber(k.pooled.spearman)} (pooled, pixels), ` +
        `${formatNumber(k.pooledSizeNormalised.spearman)} (size-normalised); AUROC of ambiguity for IoU < ${k.ambiguityAUROC.iouThreshold}: ` +
        `${formatNumber(k.ambiguityAUROC.auroc)} (1 − score baseline ${formatNumber(k.ambiguityAUROC.scoreBaselineAUROC)}).`, '');
    }
    const r = analysis.rescoring;
    if (r) {
      const ap = r.statKeys.indexOf('AP');
      lines.push('| What-if | ΔAP | Changed |', '|---|---:|---:|');
      for (const e of [r.sharpness, r.varianceVoting]) lines.push(`| ${escapeMarkdown(e.name)} | ${formatNumber(e.delta[ap], 4)} | ${e.changed} |`);
      lines.push('', escapeMarkdown(r.note), '');
    }
  }

  if (!ev) {
    const counts = new Map<number, number>();
    data.classCounts.forEach((n, c) => { if (n > 0) counts.set(c, n); });
    lines.push('### Detections per class', '', '| Class | Detections |', '|---|---:|');
    for (const [c, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])) lines.push(`| ${escapeMarkdown(data.classes[c]?.name ?? String(c))} | ${n} |`);
    lines.push('');
  }

  if (data.ambiguity && data.ambiguity.top.length) {
    const fileOf = new Map(data.images.map((image) => [image.imageId, image.file]));
    const detectionOf = new Map(data.detections.map((d) => [`${d.imageId}:${d.detIndex}`, d]));
    const top = data.ambiguity.top.slice(0, 10);
    lines.push('### Most ambiguous boxes', '', `Among the boxes scoring ≥ ${data.ambiguity.minScore}.`, '');
    lines.push('| # | Image | Class | Score | Ambiguity | Edge | IoU |', '|---:|---|---|---:|---:|---|---:|');
    for (const box of top) {
      const d = detectionOf.get(`${box.imageId}:${box.detIndex}`)!;
      lines.push(`| ${box.rank} | ${escapeMarkdown(fileOf.get(box.imageId) ?? String(box.imageId))} | ${escapeMarkdown(data.classes[d.classIndex]?.name ?? String(d.classIndex))} | ` +
        `${formatNumber(d.score, 3)} | ${formatNumber(box.ambiguity, 3)} | ${box.drivingEdge} | ${formatNumber(d.match?.iou, 3)} |`);
    }
    lines.push('');
  }
  lines.push(`<sub>Generated by ${escapeMarkdown(`${r.tool.name} ${r.tool.version}`)} from a run started ${escapeMarkdown(r.createdAt)}.</sub>`, '');
  return { markdown: lines.join('\n'), charts };
}
