// The self-contained HTML report: one file, no network (a Content-Security-Policy forbids every fetch; images are
// data URIs; plotly is inlined), readable in light and dark mode. Every value from the run or the ground truth goes
// through escape.ts (numbers included: a run file may hold a string where a number belongs); the chart data sits in
// a <script type="application/json"> with "<" escaped, so no name can close the element. The policy allows exactly
// the report's own scripts and styles by SHA-256 hash (CSP Level 2 hash-source): no 'unsafe-inline'.
import { COCO_STAT_KEYS } from '../coco/cocoEval.ts';
import { EDGE_NAMES } from '../types.ts';
import {
  detectionCropKey, missedCropKey, tideApBasis,
  type ReportData, type ReportDetection, type ReportFailureList,
} from './reportData.ts';
import { cspHashSource, plotlyStyleAttributeSources, type Sha256Base64 } from './cspHashes.ts';
import { escapeHtml, escapePlotlyText, formatNumber, jsonForScript, numberText } from './escape.ts';
import { edgeDistributionSvg } from './svgCharts.ts';
import { evaluationHtml } from './evaluationSections.ts';

export interface HtmlReportAssets {
  /** Source of the partial plotly bundle (defines window.Plotly), inlined verbatim. */
  plotlyJs: string;
  /** plotly's stylesheet (dist/webview/plotly.css): the bundle injects no <style> of its own. */
  plotlyCss: string;
  /** SHA-256 (base64) for the policy's hash sources; the host passes node:crypto's (core stays browser-pure). */
  sha256Base64: Sha256Base64;
  /** Image crops as data URIs, by the keys of reportCropRequests(). */
  crops: ReadonlyMap<string, string>;
}

const STAT_LABELS = [
  'AP @[.50:.95] all', 'AP @.50', 'AP @.75', 'AP small', 'AP medium', 'AP large',
  'AR maxDets 1', 'AR maxDets 10', 'AR maxDets 100', 'AR small', 'AR medium', 'AR large',
];

const ERROR_DESCRIPTIONS: Record<string, string> = {
  Cls: 'right place (IoU ≥ 0.5 with a GT of another class), wrong class',
  Loc: 'right class, poorly localised (0.1 ≤ IoU < 0.5)',
  Both: 'wrong class and poorly localised',
  Dupe: 'right class and place, but the GT was already matched by a higher score',
  Bkg: 'on background (IoU < 0.1 with every GT)',
  Miss: 'ground truth no detection found or could be fixed into',
};

const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --card: #f6f8fa; --accent: #0969da; --bad: #cf222e; --good: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23; --accent: #4493f8; --bad: #f85149; --good: #3fb950; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: var(--muted); } .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--card); font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.box { display: flex; gap: 8px; } .box img { flex: none; width: 120px; height: 120px; object-fit: contain; background: #000; border-radius: 4px; }
.plot { width: 100%; min-height: 320px; } .edge-dist { margin-top: 6px; color: var(--muted); } .edge-dist svg { max-width: 100%; height: auto; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
td img { width: 72px; height: 72px; object-fit: contain; background: #000; border-radius: 3px; display: block; }
.note { border-left: 3px solid var(--accent); padding: 4px 10px; background: var(--card); }
.bad { color: var(--bad); } .good { color: var(--good); }
`;

// Renders every <div data-plot="…"> from the JSON data block; theme follows prefers-color-scheme.
const PLOT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('gfl-report-data').textContent);
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var ink = dark ? '#e6edf3' : '#1f2328', grid = dark ? '#3d444d' : '#d1d9e0';
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['sendDataToCloud'] };
  function layout(extra) {
    var base = { paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { color: ink, size: 11 },
      margin: { l: 56, r: 16, t: 30, b: 46 }, xaxis: { gridcolor: grid, zerolinecolor: grid }, yaxis: { gridcolor: grid, zerolinecolor: grid } };
    for (var k in extra) {
      if (extra[k] && typeof extra[k] === 'object' && !Array.isArray(extra[k]) && base[k]) { for (var j in extra[k]) base[k][j] = extra[k][j]; }
      else base[k] = extra[k];
    }
    return base;
  }
  var plots = {
    perClassAP: function (d) { return [[{ type: 'bar', orientation: 'h', x: d.ap, y: d.names, marker: { color: '#4c78a8' }, hovertemplate: '%{y}: AP %{x:.3f}<extra></extra>' }],
      layout({ title: { text: 'AP@[.50:.95] per category' }, height: Math.max(260, 16 * d.names.length + 70), margin: { l: 140 }, xaxis: { range: [0, 1], title: { text: 'AP' } }, yaxis: { autorange: 'reversed', automargin: true } })]; },
    tide: function (d) { return [[{ type: 'bar', x: d.types, y: d.dAP, marker: { color: ['#e45756', '#f58518', '#b279a2', '#72b7b2', '#54a24b', '#9d755d'] }, hovertemplate: '%{x}: dAP %{y:.2f}<extra></extra>' }],
      layout({ title: { text: 'TIDE dAP (AP points) by error type' }, yaxis: { title: { text: 'dAP' } } })]; },
    reliability: function (d) {
      var mids = d.bins.map(function (b) { return (b.lower + b.upper) / 2; });
      return [[
        { type: 'bar', x: mids, y: d.bins.map(function (b) { return b.meanTarget; }), width: d.bins.map(function (b) { return (b.upper - b.lower) * 0.9; }),
          name: d.target === 'iou' ? 'mean IoU' : 'precision', marker: { color: '#4c78a8' }, customdata: d.bins.map(function (b) { return b.count; }),
          hovertemplate: 'score %{x:.2f}: %{y:.3f} (n=%{customdata})<extra></extra>' },
        { type: 'scatter', mode: 'markers', x: d.bins.map(function (b) { return b.meanScore; }), y: d.bins.map(function (b) { return b.meanTarget; }), name: 'mean score', marker: { color: '#e45756', size: 7 } },
        { type: 'scatter', mode: 'lines', x: [0, 1], y: [0, 1], name: 'perfect calibration', line: { dash: 'dash', color: '#888' } }],
        layout({ title: { text: d.title }, xaxis: { range: [0, 1], title: { text: 'score' } }, yaxis: { range: [0, 1], title: { text: d.target === 'iou' ? 'IoU target (τ = ' + d.tau + ')' : 'precision (TP at IoU ' + d.tau + ')' } }, legend: { orientation: 'h', y: -0.22 } })]; },
    scoreIoU: function (d) {
      var xs = d.scoreEdges.slice(0, -1).map(function (e, i) { return (e + d.scoreEdges[i + 1]) / 2; });
      var ys = d.iouEdges.slice(0, -1).map(function (e, i) { return (e + d.iouEdges[i + 1]) / 2; });
      var z = ys.map(function (_, u) { return xs.map(function (_, s) { return d.counts[s][u]; }); });
      var zLog = z.map(function (row) { return row.map(function (c) { return c > 0 ? Math.log10(c) : null; }); });
      return [[{ type: 'heatmap', x: xs, y: ys, z: zLog, customdata: z, colorscale: 'Viridis', hovertemplate: 'score %{x:.2f}, IoU %{y:.2f}: %{customdata} detections<extra></extra>', colorbar: { title: { text: 'log10 n' } } }],
        layout({ title: { text: 'Score vs IoU with best same-class GT (evaluated detections)' }, xaxis: { range: [0, 1], title: { text: 'score' } }, yaxis: { range: [0, 1], title: { text: 'IoU' } } })]; },
    scores: function (d) { return [[{ type: 'bar', x: d.mids, y: d.counts, marker: { color: '#4c78a8' }, hovertemplate: 'score %{x:.2f}: %{y}<extra></extra>' }],
      layout({ title: { text: 'Detection scores' }, xaxis: { range: [0, 1], title: { text: 'score' } }, yaxis: { title: { text: 'detections' } } })]; },
  };
  var nodes = document.querySelectorAll('[data-plot]');
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i];
    var spec = plots[node.getAttribute('data-plot')](data[node.getAttribute('data-key')]);
    window.Plotly.newPlot(node, spec[0], spec[1], config);
  }
  document.documentElement.setAttribute('data-plots-rendered', String(nodes.length));
})();
`;

function row(label: string, valueHtml: string): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '<span class="muted">–</span>' : escapeHtml(Array.isArray(value) ? value.join(', ') : String(value));
}

/** A number from the run as text; anything that is not a finite number shows as "–". */
function num(value: unknown, format?: (n: number) => string): string {
  return escapeHtml(numberText(value, format));
}

function ms(value: unknown): string {
  return numberText(value, (v) => (v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`));
}


/** Builds the HTML document. Pure and deterministic: same data and assets → same string. */
export function buildHtmlReport(data: ReportData, assets: HtmlReportAssets): string {
  const detectionOf = new Map(data.detections.map((d) => [`${d.imageId}:${d.detIndex}`, d]));
  const fileOf = new Map(data.images.map((image) => [image.imageId, image.file]));
  const categoryName = new Map<number, string>();
  for (const c of data.classes) if (c.categoryId !== null) categoryName.set(c.categoryId, c.name);
  for (const c of data.evaluation?.perCategory ?? []) categoryName.set(c.categoryId, c.name);
  const className = (d: ReportDetection) => data.classes[d.classIndex]?.name ?? `class ${d.classIndex}`;
  const plotData: Record<string, unknown> = {};
  const plot = (kind: string, key: string, value: unknown) => {
    plotData[key] = value;
    return `<div class="plot" data-plot="${kind}" data-key="${escapeHtml(key)}"></div>`;
  };
  const crop = (key: string, alt: string) => {
    const uri = assets.crops.get(key);
    return uri ? `<img src="${escapeHtml(uri)}" alt="${escapeHtml(alt)}">` : '';
  };

  const r = data.run;
  const title = `GFL Lens report: ${r.model.fileName}`;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  parts.push(`<p class="muted">${num(r.counts.images)} images, ${num(r.counts.detections)} detections${r.counts.errors ? `, ${num(r.counts.errors)} failed images` : ''}` +
    `${data.evaluation ? ` · COCO ground truth ${escapeHtml(data.evaluation.annotations)}` : ' · no ground truth: detections only, no metrics'}` +
    `${r.complete ? '' : ' · <strong class="bad">incomplete run (interrupted)</strong>'}</p>`);

  // Run metadata.
  const perImage = (total: unknown) => (typeof total === 'number' && r.counts.images ? `${(total / r.counts.images).toFixed(1)} ms/image` : '–');
  const inputSize = Array.isArray(r.profile.inputSize) ? `${num(r.profile.inputSize[0])}×${num(r.profile.inputSize[1])}` : '–';
  const fallbacks = Array.isArray(r.provider.fallbacks) ? r.provider.fallbacks : [];
  const notes = Array.isArray(r.head.notes) ? r.head.notes : [];
  parts.push('<h2 id="run">Run</h2><table>' + [
    row('Model', `${text(r.model.fileName)} <span class="muted">(${num(r.model.bytes, (v) => v.toLocaleString('en-US'))} bytes, input “${text(r.model.inputName)}”)</span>`),
    row('SHA-256', `<span class="mono">${text(r.model.sha256)}</span>`),
    row('Profile', `${text(r.profile.name)} · input ${inputSize} · strides ${text(r.profile.strides)} · reg_max ${num(r.profile.regMax)} · centre offset ${num(r.profile.centerOffset)} · ${text(r.profile.resize)} (${text(r.profile.letterboxAlign)}) · ${text(r.profile.colorOrder)} · scores ${text(r.profile.scoreActivation)} · DFL ${text(r.profile.distributionActivation)}`),
    row('Head', `${text(r.head.layout)} · ${num(r.head.numClasses)} classes · ${r.head.hasDistributions ? 'DFL distributions available' : 'no DFL distributions (integrated in the graph)'}${notes.length ? `<br><span class="muted">${notes.map(text).join('<br>')}</span>` : ''}`),
    row('Decode', `score ≥ ${num(r.decode.scoreThreshold)} · top-k ${num(r.decode.topKPerLevel)}/level · NMS IoU ${num(r.decode.nmsIoU)}${r.decode.classAgnosticNms ? ' (class-agnostic)' : ''} · max ${num(r.decode.maxPerImage)}/image`),
    row('Provider', `${text(r.provider.active)}${fallbacks.length ? ` <span class="muted">(${fallbacks.map((f) => `${text(f.provider)}: ${text(f.reason)}`).join('; ')})</span>` : ''}`),
    row('Dataset', `${r.dataset.annotations ? `annotations <span class="mono">${text(r.dataset.annotations)}</span>` : '<span class="muted">no annotations</span>'}${r.dataset.imagesDir ? `<br>images <span class="mono">${text(r.dataset.imagesDir)}</span>` : ''}`),
    row('Date', `started ${text(r.createdAt)}${r.finishedAt ? `, finished ${text(r.finishedAt)}` : ''} · ${text(r.tool.name)} ${text(r.tool.version)}`),
    row('Timings', `wall ${ms(r.timingMs.wall)} · preprocess ${perImage(r.timingMs.preprocess)} · inference ${perImage(r.timingMs.inference)} · decode ${perImage(r.timingMs.decode)}`),
  ].join('') + '</table>');

  if (data.errors.length) {
    parts.push(`<details><summary>${data.errors.length} images failed</summary><table><tr><th>File</th><th>Problem</th></tr>` +
      data.errors.map((e) => `<tr><td class="mono">${text(e.file)}</td><td>${text(e.message)}</td></tr>`).join('') + '</table></details>');
  }

  const ev = data.evaluation;
  if (ev) {
    parts.push('<h2 id="coco">COCO evaluation</h2>');
    if (ev.categoryProblems.length) parts.push(`<p class="note">Class → category mapping: ${ev.categoryProblems.map(escapeHtml).join('; ')}</p>`);
    parts.push('<div class="two"><div><table><tr><th>Metric</th><th>Value</th></tr>' +
      ev.stats.map((v, i) => `<tr><td>${escapeHtml(STAT_LABELS[i] ?? COCO_STAT_KEYS[i])}</td><td class="num">${formatNumber(v, 3, true)}</td></tr>`).join('') +
      `</table><p class="muted">pycocotools COCOeval (bbox) numbers; ${ev.groundTruth.images} images, ${ev.groundTruth.annotations} annotations, ${ev.groundTruth.categories} categories.</p></div>`);
    const withGt = ev.perCategory.filter((c) => c.numGt > 0).sort((a, b) => b.ap - a.ap || a.categoryId - b.categoryId);
    parts.push(`<div>${plot('perClassAP', 'perClassAP', { names: withGt.map((c) => escapePlotlyText(c.name)), ap: withGt.map((c) => c.ap) })}</div></div>`);
    parts.push('<details><summary>Per-category AP table</summary><table><tr><th>Category</th><th>id</th><th>AP</th><th>AP50</th><th>AP75</th><th>APs</th><th>APm</th><th>APl</th><th>AR100</th><th>GT</th><th>Detections</th></tr>' +
      [...ev.perCategory].sort((a, b) => a.categoryId - b.categoryId).map((c) => `<tr><td>${text(c.name)}</td><td class="num">${c.categoryId}</td>` +
        [c.ap, c.ap50, c.ap75, c.apSmall, c.apMedium, c.apLarge, c.ar100].map((v) => `<td class="num">${formatNumber(v, 3, true)}</td>`).join('') +
        `<td class="num">${c.numGt}</td><td class="num">${c.numDetections}</td></tr>`).join('') + '</table></details>');

    parts.push('<h2 id="tide">Error breakdown (TIDE)</h2>');
    const types = ev.failures.map((f) => f.type);
    parts.push(`<div class="two"><div><table><tr><th>Error</th><th>Meaning</th><th>Count</th><th>dAP</th></tr>` +
      ev.failures.map((f) => `<tr><td><a href="#fail-${f.type}">${f.type}</a></td><td>${escapeHtml(ERROR_DESCRIPTIONS[f.type])}</td><td class="num">${f.count}</td><td class="num">${formatNumber(f.dAP, 2)}</td></tr>`).join('') +
      `</table><p class="muted">TIDE (Bolya et al. 2020) at foreground IoU ${ev.tide.foregroundIoU}, background IoU ${ev.tide.backgroundIoU}; AP50 ${formatNumber(ev.tide.ap, 2)} points. ` +
      `Fixing all false positives: +${formatNumber(ev.tide.specialDAP.FalsePos, 2)}; all false negatives: +${formatNumber(ev.tide.specialDAP.FalseNeg, 2)}.</p>` +
      `<p class="muted" id="tide-ap-basis">${escapeHtml(tideApBasis(ev).text)}</p></div>` +
      `<div>${plot('tide', 'tide', { types, dAP: ev.failures.map((f) => f.dAP) })}</div></div>`);
  }

  const analysis = data.analysis;
  if (analysis) {
    parts.push(evaluationHtml(analysis, (i) => data.images[i]?.file ?? `image ${i + 1}`));
    const c = analysis.calibration;
    if (c) {
    parts.push('<h2 id="calibration">Calibration</h2><table><tr><th>Metric</th><th>Value</th><th>Classes</th><th>Binning</th><th>Definition</th></tr>' +
      [c.laece0, c.laace0, c.laece, c.dece].map((m) => `<tr><td>${text(m.name)}</td><td class="num">${formatNumber(m.value, 4)}</td><td class="num">${m.classes}</td><td>${text(m.binning)}</td><td class="muted">${text(m.definition)}</td></tr>`).join('') + '</table>');
    parts.push('<div class="two">' +
      `<div>${plot('reliability', 'reliabilityIoU', { bins: c.reliability.iouTarget, target: 'iou', tau: 0, title: 'Reliability: score vs IoU target (LaECE₀)' })}</div>` +
      `<div>${plot('reliability', 'reliabilityTP', { bins: c.reliability.tp50Target, target: 'precision', tau: 0.5, title: 'Reliability: score vs precision (D-ECE)' })}</div></div>`);

    }
    const s = analysis.scoreIoU;
    if (s) {
    const ci = (v: [number, number] | null) => (v ? ` <span class="muted">[${formatNumber(v[0], 2)}, ${formatNumber(v[1], 2)}]</span>` : '');
    const corr = (g: typeof s.overall) => `<tr><td>${text(g.label)}</td><td class="num">${g.tp.n}</td><td class="num">${formatNumber(g.tp.pearson)}${ci(g.tp.pearsonCI)}</td><td class="num">${formatNumber(g.tp.spearman)}${ci(g.tp.spearmanCI)}</td>` +
      `<td class="num">${g.all.n}</td><td class="num">${formatNumber(g.all.pearson)}${ci(g.all.pearsonCI)}</td><td class="num">${formatNumber(g.all.spearman)}${ci(g.all.spearmanCI)}</td></tr>`;
    parts.push('<h3>Does the score track IoU?</h3><div class="two"><div><table><tr><th>Group</th><th>TPs</th><th>Pearson</th><th>Spearman</th><th>All</th><th>Pearson</th><th>Spearman</th></tr>' +
      [s.overall, ...s.byLevel, ...s.bySize].map(corr).join('') +
      `</table><p class="muted">IoU with the best same-class ground truth (the QFL target for GFL heads; YOLO scores are trained with BCE on TAL-assigned targets instead), 0 when none. “TPs”: COCO-matched true positives at IoU 0.5 (one-to-one greedy matching); “All”: every evaluated detection. IoU-Net's population (IoU ≥ 0.5 with a same-class ground truth, duplicates included) is listed under “Score–IoU populations”. ${Math.round(s.bootstrap.level * 100)}% percentile bootstrap intervals.</p></div>` +
      `<div>${plot('scoreIoU', 'scoreIoU', s.histogram)}</div></div>`);
    }

    if (analysis.edges) {
      const e = analysis.edges;
      parts.push(`<h2 id="edges">Edge distributions</h2><p class="muted">${e.detections} evaluated boxes, reg_max ${num(e.regMax)}; mean ambiguity ${formatNumber(e.meanAmbiguity)}.</p>` +
        '<table><tr><th>Edge</th><th>std (bins)</th><th>std (px)</th><th>entropy</th><th>top-1</th><th>top-4</th><th>DFL mass</th><th>last-bin mass</th><th>bimodality</th><th>bimodal share</th><th>drives ambiguity</th></tr>' +
        e.perEdge.map((p) => `<tr><td>${p.edge}</td>` + [p.meanStdBins, p.meanStdPx, p.meanEntropy, p.meanTop1, p.meanTopK, p.meanDflMass, p.meanSaturation, p.meanBimodality, p.bimodalShare]
          .map((v) => `<td class="num">${formatNumber(v)}</td>`).join('') + `<td class="num">${e.drivingEdgeCounts[p.edge]}</td></tr>`).join('') +
        '</table><p class="muted">Means over boxes; bimodal share: second peak at least half the first.</p>');
    }
    const k = analysis.distributionKnows;
    if (k) {
      parts.push(`<h3>Does the distribution know its error?</h3><table><tr><th>Edge</th><th>mean |error| px</th><th>mean std px</th><th>Pearson</th><th>Spearman</th></tr>` +
        k.perEdge.map((p) => `<tr><td>${p.edge}</td><td class="num">${formatNumber(p.meanErrorPx, 2)}</td><td class="num">${formatNumber(p.meanStdPx, 2)}</td><td class="num">${formatNumber(p.correlation.pearson)}</td><td class="num">${formatNumber(p.correlation.spearman)}</td></tr>`).join('') +
        `<tr><td>pooled</td><td></td><td></td><td class="num">${formatNumber(k.pooled.pearson)}</td><td class="num">${formatNumber(k.pooled.spearman)}</td></tr>` +
        `<tr><td>pooled, size-normalised</td><td></td><td></td><td class="num">${formatNumber(k.pooledSizeNormalised.pearson)}</td><td class="num">${formatNumber(k.pooledSizeNormalised.spearman)}</td></tr></table>` +
        `<p>AUROC of box ambiguity for “IoU &lt; ${k.ambiguityAUROC.iouThreshold}” among ${k.detections} true positives: <strong>${formatNumber(k.ambiguityAUROC.auroc)}</strong> ` +
        `(1 − score baseline ${formatNumber(k.ambiguityAUROC.scoreBaselineAUROC)}; ${k.ambiguityAUROC.positives} positives, ${k.ambiguityAUROC.negatives} negatives).</p>`);
    }
    const rs = analysis.rescoring;
    if (rs) {
      const ap = rs.statKeys.indexOf('AP'), ap50 = rs.statKeys.indexOf('AP50'), ap75 = rs.statKeys.indexOf('AP75');
      parts.push('<h3>What-if rescoring</h3><table><tr><th>Experiment</th><th>AP</th><th>ΔAP</th><th>ΔAP50</th><th>ΔAP75</th><th>Changed</th><th>How</th></tr>' +
        [rs.sharpness, rs.varianceVoting].map((x) => `<tr><td>${text(x.name)}</td><td class="num">${formatNumber(x.stats[ap], 4, true)}</td><td class="num">${formatNumber(x.delta[ap], 4)}</td><td class="num">${formatNumber(x.delta[ap50], 4)}</td><td class="num">${formatNumber(x.delta[ap75], 4)}</td><td class="num">${x.changed}</td><td class="muted">${text(x.description)}</td></tr>`).join('') +
        `</table><p class="muted">${text(rs.note)}</p>`);
    }
    // The rescoring note is printed under its table above: once.
    const notes = analysis.notes.filter((n) => n !== rs?.note);
    if (notes.length) parts.push(`<p class="note">${notes.map(escapeHtml).join('<br>')}</p>`);
  }

  if (!ev) {
    const counts = new Map<number, number>();
    data.classCounts.forEach((n, c) => { if (n > 0) counts.set(c, n); });
    const scoreCounts = data.scoreHistogram;
    parts.push('<h2 id="detections">Detections</h2><p class="note">This run has no ground truth (a folder of images), so there are no metrics: detections and edge distributions only.</p>' +
      '<div class="two"><div><table><tr><th>Class</th><th>Detections</th></tr>' +
      [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([c, n]) => `<tr><td>${text(data.classes[c]?.name ?? `class ${c}`)}</td><td class="num">${n}</td></tr>`).join('') +
      `</table></div><div>${plot('scores', 'scores', { mids: scoreCounts.map((_, i) => (i + 0.5) / 20), counts: scoreCounts })}</div></div>`);
  }

  if (data.ambiguity) {
    const a = data.ambiguity;
    parts.push(`<h2 id="ambiguous">Most ambiguous boxes</h2><p class="muted">Ambiguity = max over edges of 1 − (mass on the two bins DFL trains around the expected edge); the edge attaining it is drawn bold (x: bin in stride units, y: probability). The ${a.top.length} most ambiguous of the boxes scoring ≥ ${a.minScore} (${a.count} ${data.analysis ? 'evaluated ' : ''}boxes have distributions).</p><div class="grid">`);
    for (const box of a.top) {
      const d = detectionOf.get(`${box.imageId}:${box.detIndex}`)!;
      const bins = box.edgeProbs.length / 4;
      const probs = [0, 1, 2, 3].map((e) => box.edgeProbs.slice(e * bins, (e + 1) * bins));
      const iou = d.match ? ` · IoU ${formatNumber(d.match.iou, 2)}${d.match.error ? ` · <span class="bad">${d.match.error}</span>` : d.match.tp50 ? ' · <span class="good">TP</span>' : ''}` : '';
      parts.push(`<div class="card"><div class="box">${crop(detectionCropKey(box), `${className(d)} in ${fileOf.get(d.imageId) ?? ''}`)}<div>` +
        `<strong>#${box.rank} ${text(className(d))}</strong> ${formatNumber(d.score, 2)}<br>` +
        `<span class="muted">ambiguity ${formatNumber(box.ambiguity, 3)}, driven by ${text(box.drivingEdge)}${iou}</span><br>` +
        `<span class="mono">${text(fileOf.get(d.imageId) ?? '')}</span><br>` +
        `<span class="muted">std px ${d.edges ? d.edges.stdPx.map((v) => v.toFixed(1)).join(' / ') : '–'} (l/t/r/b)</span></div></div>` +
        `<div class="edge-dist">${edgeDistributionSvg(probs, EDGE_NAMES.indexOf(box.drivingEdge))}</div></div>`);
    }
    parts.push('</div>');
  }

  if (ev) {
    parts.push('<h2 id="failures">Failures by type</h2>');
    for (const list of ev.failures) parts.push(failureSection(list, detectionOf, fileOf, categoryName, className, crop));
  }

  const body = parts.join('\n');
  const plotlyJs = assets.plotlyJs.replace(/<\/script/gi, '<\\/script');
  const plotlyCss = assets.plotlyCss.replace(/<\/style/gi, '<\\/style');
  // The page's own scripts and styles by hash; nothing else runs, nothing is fetched.
  const cspHash = (content: string) => cspHashSource(assets.sha256Base64, content);
  const csp = `default-src 'none'; img-src data:; font-src data:; script-src ${cspHash(plotlyJs)} ${cspHash(PLOT_SCRIPT)}; style-src ${cspHash(CSS)} ${cspHash(plotlyCss)} ${plotlyStyleAttributeSources(assets.sha256Base64)}; base-uri 'none'; form-action 'none'`;
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<meta name="generator" content="${escapeHtml(`${r.tool.name} ${r.tool.version}`)}">\n` +
    // The marker that stops plotly injecting its own <style> (webview/plotly/noInlineStyles.ts); its rules are below.
    '<meta id="plotly.js-style-global" class="no-inline-styles">\n' +
    `<title>${escapeHtml(title)}</title>\n<style>${CSS}</style>\n<style>${plotlyCss}</style>\n</head>\n<body>\n<main>\n${body}\n</main>\n` +
    `<script type="application/json" id="gfl-report-data">${jsonForScript(plotData)}</script>\n` +
    `<script>${plotlyJs}</script>\n<script>${PLOT_SCRIPT}</script>\n</body>\n</html>\n`;
}

function failureSection(
  list: ReportFailureList,
  detectionOf: Map<string, ReportDetection>,
  fileOf: Map<number, string>,
  categoryName: Map<number, string>,
  className: (d: ReportDetection) => string,
  crop: (key: string, alt: string) => string,
): string {
  const shown = list.type === 'Miss' ? list.missed.length : list.detections.length;
  let html = `<details id="fail-${list.type}"${shown ? ' open' : ''}><summary>${list.type}: ${list.count} (dAP ${formatNumber(list.dAP, 2)})${shown < list.count ? `, top ${shown} shown` : ''}</summary>`;
  if (shown === 0) return `${html}<p class="muted">none</p></details>`;
  // What each failure relates to (the true class of a Cls error, a Loc error's edge errors, a miss's best candidate).
  const relatesHeader = list.contexts ? '<th>Relates to</th>' : '';
  const relatesCell = (k: number) => {
    if (!list.contexts) return '';
    const ctx = list.contexts[k];
    return ctx ? `<td class="relates" title="${text(ctx.long)}">${text(ctx.short)}</td>` : '<td class="muted">—</td>';
  };
  if (list.type === 'Miss') {
    html += `<table><tr><th></th><th>Image</th><th>Category</th><th>GT id</th><th>Area</th>${relatesHeader}</tr>`;
    list.missed.forEach((m, k) => {
      html += `<tr><td>${crop(missedCropKey(m.gtId), `missed ${categoryName.get(m.categoryId) ?? m.categoryId}`)}</td><td class="mono">${text(fileOf.get(m.imageId) ?? String(m.imageId))}</td>` +
        `<td>${text(categoryName.get(m.categoryId) ?? String(m.categoryId))}</td><td class="num">${m.gtId}</td><td class="num">${m.area.toFixed(0)}</td>${relatesCell(k)}</tr>`;
    });
  } else {
    html += `<table><tr><th></th><th>Image</th><th>Class</th><th>Score</th><th>IoU (best same-class GT)</th><th>Best-overlapping GT (any class)</th><th>Ambiguity</th>${relatesHeader}</tr>`;
    for (const [k, ref] of list.detections.entries()) {
      const d = detectionOf.get(`${ref.imageId}:${ref.detIndex}`)!;
      html += `<tr><td>${crop(detectionCropKey(ref), `${className(d)} false positive`)}</td><td class="mono">${text(fileOf.get(d.imageId) ?? '')}</td><td>${text(className(d))}</td>` +
        `<td class="num">${formatNumber(d.score, 3)}</td><td class="num">${formatNumber(d.match?.iou, 3)}</td>` +
        `<td>${d.match && d.match.overlapCategoryId !== null ? `${text(categoryName.get(d.match.overlapCategoryId) ?? String(d.match.overlapCategoryId))}, IoU ${formatNumber(d.match.overlapIoU, 3)}` : '<span class="muted">none</span>'}</td>` +
        `<td class="num">${formatNumber(d.ambiguity, 3)}${d.drivingEdge ? ` (${d.drivingEdge})` : ''}</td>${relatesCell(k)}</tr>`;
    }
  }
  return `${html}</table></details>`;
}
