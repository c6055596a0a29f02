// Calibration view: score vs IoU (WebGL scatter, or a 2-D histogram for very large runs), Pearson/Spearman with
// bootstrap intervals, reliability diagram, LaECE₀ / LaACE₀ / D-ECE and a per-class table, filtered by class, FPN
// level and object size. Metrics use the core analytics with the conventions of analyzeRun: correlations and D-ECE
// over the detections COCOeval evaluates at IoU 0.5; LaECE₀/LaACE₀ over the τ = 0 matching.
// vscode-elements web components used here (imported one by one to keep the bundle small).
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { countedIndices, reliabilityDiagram, type CalibrationInput } from '../extension/core/analytics/calibration.ts';
import { SCORE_IOU_POPULATIONS, SIZE_NAMES } from '../extension/core/analytics/scoreIoU.ts';
import { MIN_SAMPLE_FOR_STATISTICS, type CorrelationWithInterval } from '../extension/core/analytics/statistics.ts';
import { HostMessageType, WebviewMessageType, type CalibrationData, type CalibrationState } from '../extension/protocol/messages.ts';
import { themeColor } from './lib/colors.ts';
import { fmt, h, hx, markReady, showMessage } from './lib/dom.ts';
import { calibrationSummary, correlationsWithIntervals, perClassRows, RELIABILITY_BINS, selectedIndices, type CalibrationSummary, type PerClassRow } from './lib/calibrationMetrics.ts';
import { sortableHead } from './lib/sortableTable.ts';
import { nextSort, sortRows, type SortState } from './lib/tableSort.ts';
import { isCursorKey, PointCursor } from './lib/pointCursor.ts';
import { loadState, onHostMessage, post, reportError, saveState } from './lib/vscodeApi.ts';

/** Above this many points the scatter switches to a 2-D histogram (in "auto" mode). */
export const DENSITY_THRESHOLD = 200_000;
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
  relayout(el: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
  purge(el: HTMLElement): void;
}
type PlotElement = HTMLElement & { on?(event: string, handler: (e: { points: { curveNumber: number; pointIndex: number }[] }) => void): void };

const Plotly = (globalThis as unknown as { Plotly?: PlotlyLike }).Plotly;
const root = document.getElementById('calibration')!;
const saved = loadState<CalibrationState>();
const filters = {
  classIndex: typeof saved.classFilter === 'number' ? saved.classFilter : null,
  level: typeof saved.levelFilter === 'number' ? saved.levelFilter : null,
  size: typeof saved.sizeFilter === 'number' ? saved.sizeFilter : null,
  mode: 'auto' as 'auto' | 'points' | 'density',
};
let data: CalibrationData | null = null;
/** Per scatter trace: point index → detection index in data.points. */
let traceIndices: Int32Array[] = [];
/** Keyboard selection over the plotted points (rebuilt when the filters change). */
let cursor: PointCursor | null = null;
let statsTimer: ReturnType<typeof setTimeout> | undefined;

function persist(): void {
  saveState<CalibrationState>({ runPath: data?.runPath ?? null, classFilter: filters.classIndex, levelFilter: filters.level, sizeFilter: filters.size });
}

function plotLayoutBase(): Record<string, unknown> {
  const fg = themeColor('--vscode-foreground', '#ccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const axis = (title: string) => ({ title: { text: title }, range: [0, 1], gridcolor: grid, zerolinecolor: grid, color: fg });
  return {
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { color: fg, family: themeColor('--vscode-font-family', 'sans-serif'), size: 12 },
    margin: { l: 52, r: 12, t: 36, b: 44 }, xaxis: axis('score'), yaxis: axis('IoU'), showlegend: true, legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
  };
}

function scatterLayout(): Record<string, unknown> {
  return { ...plotLayoutBase(), shapes: [{ type: 'line', x0: 0, y0: 0, x1: 1, y1: 1, line: { dash: 'dot', width: 1, color: themeColor('--vscode-descriptionForeground', '#888') } }] };
}

function select(tag: string, id: string, label: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const el = hx(tag, { id, 'aria-label': label });
  for (const [v, text] of options) el.append(hx('vscode-option', { value: v, selected: v === value || undefined }, text));
  el.addEventListener('change', () => onChange((el as HTMLSelectElement).value));
  return h('label', { class: 'filter' }, `${label} `, el);
}

function buildLayout(d: CalibrationData): void {
  const classesPresent = [...new Set(d.points.classIndex)].sort((a, b) => a - b);
  const levelsPresent = [...new Set(d.points.level)].sort((a, b) => a - b);
  const opt = (v: number | null) => (v === null ? 'all' : String(v));
  const parse = (v: string) => (v === 'all' ? null : Number(v));
  const filterControls = h('div', { class: 'filters' },
    select('vscode-single-select', 'filter-class', 'Class', [['all', 'all classes'], ...classesPresent.map((c): [string, string] => [String(c), d.classNames[c] ?? `class ${c}`])],
      opt(filters.classIndex), (v) => { filters.classIndex = parse(v); update(); }),
    select('vscode-single-select', 'filter-level', 'Level', [['all', 'all levels'], ...levelsPresent.map((l): [string, string] => [String(l), d.strides[l] !== undefined ? `level ${l} (stride ${d.strides[l]})` : `level ${l}`])],
      opt(filters.level), (v) => { filters.level = parse(v); update(); }),
    select('vscode-single-select', 'filter-size', 'Size', [['all', 'all sizes'], ...SIZE_NAMES.map((s, i): [string, string] => [String(i), s])],
      opt(filters.size), (v) => { filters.size = parse(v); update(); }),
    select('vscode-single-select', 'plot-mode', 'Plot', [['auto', 'auto'], ['points', 'points'], ['density', '2-D histogram']], filters.mode,
      (v) => { filters.mode = v as typeof filters.mode; update(); }),
  );
  header.replaceChildren(h('div', { class: 'title' }, h('strong', {}, 'Calibration'), h('span', { class: 'muted' }, ` · ${d.runLabel}${d.partial ? ' (run in progress)' : ''}`)), filterControls);
  if (!skeleton.isConnected) root.replaceChildren(skeleton);
}

// The page skeleton and an empty WebGL scatter exist before any data arrives: the GL context and regl's shaders
// are set up while the host is still analysing, so data only costs the drawing itself.
const header = h('header', { class: 'toolbar' }, h('div', { class: 'title muted' }, 'Calibration · waiting for data…'));
const scatterEl: PlotElement = h('div', {
  id: 'scatter', class: 'plot', tabindex: 0, role: 'application', 'aria-roledescription': 'scatter plot', 'aria-describedby': 'scatter-cursor',
  'aria-label': 'Score versus IoU. Left and Right arrows step through the detections by score, Up and Down by IoU, Home and End '
    + 'jump to the lowest and highest score, Enter inspects the selected detection; or click a point.',
});
/** Describes the keyboard-selected point (read out by screen readers, shown under the plot). */
const cursorStatus = h('p', { id: 'scatter-cursor', class: 'muted cursor-status', 'aria-live': 'polite' }, 'Focus the plot and use the arrow keys to step through the points.');
const reliabilityEl = h('div', { id: 'reliability', class: 'plot', role: 'img', 'aria-label': 'Reliability diagram' });
const metricsEl = h('section', { class: 'metrics', 'aria-live': 'polite' });
const classTableEl = h('section', { class: 'class-table' });
const scatterCaption = h('figcaption', {}, 'Score vs IoU');
const skeleton = h('div', { class: 'calibration-body' }, header, metricsEl,
  h('div', { class: 'plots' },
    h('figure', {}, scatterCaption, scatterEl, cursorStatus),
    h('figure', {}, h('figcaption', {}, 'Reliability diagram: mean IoU (LaECE₀ target) and precision at IoU 0.5 per score bin'), reliabilityEl)),
  classTableEl);
const warmUp: Promise<unknown> = Plotly
  // Two one-point traces outside the axes, like the real FP/TP traces: regl compiles its marker shaders on the
  // first non-empty draw, so that cost is paid here, not when the data arrives.
  ? (root.replaceChildren(skeleton), Plotly.react(scatterEl, [0, 1].map((k) => ({ type: 'scattergl', mode: 'markers', x: [-1], y: [-1], showlegend: false, hoverinfo: 'skip', name: String(k) })),
    scatterLayout(), PLOT_CONFIG)
    .then(() => {
      scatterEl.on?.('plotly_click', (e) => {
        const point = e.points?.[0];
        const indices = point ? traceIndices[point.curveNumber] : undefined;
        if (!point || !indices || point.pointIndex >= indices.length || !data) return;
        const i = indices[point.pointIndex];
        post({ type: WebviewMessageType.OpenDetection, ref: { imageIndex: data.points.imageIndex[i], detIndex: data.points.detIndex[i] } });
      });
    }))
  : Promise.resolve();

async function drawScatter(d: CalibrationData, indices: Int32Array): Promise<void> {
  const p = d.points;
  const useDensity = filters.mode === 'density' || (filters.mode === 'auto' && indices.length > DENSITY_THRESHOLD);
  const started = performance.now();
  let traces: unknown[];
  if (useDensity) {
    const x = new Float32Array(indices.length);
    const y = new Float32Array(indices.length);
    indices.forEach((i, k) => { x[k] = p.score[i]; y[k] = p.iou[i]; });
    traces = [{ type: 'histogram2d', x, y, xbins: { start: 0, end: 1, size: 0.02 }, ybins: { start: 0, end: 1, size: 0.02 }, colorscale: 'Viridis', name: 'detections', hovertemplate: 'score %{x}<br>IoU %{y}<br>%{z} detections<extra></extra>' }];
    traceIndices = [];
  } else {
    const tp: number[] = [];
    const fp: number[] = [];
    for (const i of indices) (p.tp[i] ? tp : fp).push(i);
    traceIndices = [Int32Array.from(fp), Int32Array.from(tp)];
    const trace = (list: Int32Array, name: string, color: string) => {
      const x = new Float32Array(list.length);
      const y = new Float32Array(list.length);
      list.forEach((i, k) => { x[k] = p.score[i]; y[k] = p.iou[i]; });
      return { type: 'scattergl', mode: 'markers', name: `${name} (${list.length})`, x, y, marker: { size: indices.length > 20000 ? 3 : 5, color, opacity: indices.length > 20000 ? 0.45 : 0.7 }, hovertemplate: 'score %{x:.3f}<br>IoU %{y:.3f}<extra>' + name + '</extra>' };
    };
    traces = [
      trace(traceIndices[0], 'FP @0.5', themeColor('--vscode-charts-red', '#f14c4c')),
      trace(traceIndices[1], 'TP @0.5', themeColor('--vscode-charts-green', '#89d185')),
    ];
  }
  scatterCaption.textContent = `Score vs IoU: ${indices.length} detections${useDensity ? ' (2-D histogram)' : ''}; click a point to inspect it`;
  const layout = scatterLayout();
  await Plotly!.react(scatterEl, traces, layout, PLOT_CONFIG);
  // Wait for the frame the WebGL canvas is composited in, so the figure covers drawing, not just the call.
  await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
  const ms = performance.now() - started;
  scatterEl.setAttribute('data-render-ms', ms.toFixed(1));
  scatterEl.setAttribute('data-points', String(indices.length));
  scatterEl.setAttribute('data-render-points', String(indices.length));
  scatterEl.setAttribute('data-mode', useDensity ? 'density' : 'points');
  const previous = cursor?.selected ?? null;
  cursor = new PointCursor(indices, p.score, p.iou);
  cursor.select(previous);
  await showCursor(d);
}

/** Marks the keyboard-selected point on the plot (an annotation: no trace is redrawn) and describes it. */
async function showCursor(d: CalibrationData, clear = false): Promise<void> {
  const i = cursor?.selected ?? null;
  scatterEl.toggleAttribute('data-cursor', i !== null);
  if (i === null) {
    // After a redraw the layout has no annotation already; only a cleared selection needs one removed.
    if (clear) await Plotly!.relayout(scatterEl, { annotations: [] });
    return;
  }
  const p = d.points;
  const name = d.classNames[p.classIndex[i]] ?? `class ${p.classIndex[i]}`;
  const text = `Detection ${cursor!.positionInX} of ${cursor!.size} by score: ${name}, score ${p.score[i].toFixed(3)}, `
    + `IoU ${p.iou[i].toFixed(3)}, ${p.tp[i] ? 'true positive' : 'false positive'} at IoU 0.5 (image ${p.imageIndex[i] + 1}). Enter inspects it.`;
  cursorStatus.textContent = text;
  scatterEl.setAttribute('data-cursor', String(i));
  const color = themeColor('--vscode-focusBorder', '#007fd4');
  await Plotly!.relayout(scatterEl, {
    annotations: [{ x: p.score[i], y: p.iou[i], xref: 'x', yref: 'y', text: `${p.score[i].toFixed(2)} / ${p.iou[i].toFixed(2)}`, showarrow: true,
      // The label points away from the nearest plot corner, so it stays inside the axes.
      arrowhead: 0, arrowcolor: color, arrowwidth: 2, ax: p.score[i] > 0.7 ? -36 : 28, ay: p.iou[i] > 0.7 ? 28 : -28,
      font: { color }, bordercolor: color, borderwidth: 1, borderpad: 2 }],
  });
}

scatterEl.addEventListener('keydown', (e) => {
  const d = data;
  if (!d || !cursor) return;
  if (e.key === 'Enter' || e.key === ' ') {
    const i = cursor.selected;
    if (i === null) return;
    e.preventDefault();
    post({ type: WebviewMessageType.OpenDetection, ref: { imageIndex: d.points.imageIndex[i], detIndex: d.points.detIndex[i] } });
  } else if (e.key === 'Escape' && cursor.selected !== null) {
    e.preventDefault();
    cursor.select(null);
    cursorStatus.textContent = 'Selection cleared.';
    void showCursor(d, true).catch(reportError);
  } else if (isCursorKey(e.key)) {
    e.preventDefault();
    cursor.move(e.key);
    void showCursor(d).catch(reportError);
  }
});

async function drawReliability(la: CalibrationInput, dIn: CalibrationInput): Promise<void> {
  const iouBins = reliabilityDiagram(la.scores, la.targets, countedIndices(la), RELIABILITY_BINS);
  const tpBins = reliabilityDiagram(dIn.scores, dIn.targets, countedIndices(dIn), RELIABILITY_BINS);
  const centre = (b: { lower: number; upper: number }) => (b.lower + b.upper) / 2;
  const traces = [
    { type: 'bar', name: 'mean IoU (τ = 0)', x: iouBins.map(centre), y: iouBins.map((b) => b.meanTarget), width: 1 / RELIABILITY_BINS * 0.9,
      marker: { color: themeColor('--vscode-charts-blue', '#3794ff') }, customdata: iouBins.map((b) => b.count), hovertemplate: 'score bin %{x:.2f}<br>mean IoU %{y:.3f}<br>%{customdata} detections<extra></extra>' },
    { type: 'scatter', mode: 'lines+markers', name: 'precision @0.5', x: tpBins.map(centre), y: tpBins.map((b) => b.meanTarget),
      line: { color: themeColor('--vscode-charts-orange', '#d18616') }, hovertemplate: 'score bin %{x:.2f}<br>precision %{y:.3f}<extra></extra>' },
    { type: 'scatter', mode: 'lines', name: 'perfect calibration', x: [0, 1], y: [0, 1], line: { dash: 'dot', color: themeColor('--vscode-descriptionForeground', '#888') }, hoverinfo: 'skip' },
  ];
  const layout = { ...plotLayoutBase(), yaxis: { ...(plotLayoutBase().yaxis as object), title: { text: 'mean IoU / precision' } }, bargap: 0.05 };
  await Plotly!.react(reliabilityEl, traces, layout, { displaylogo: false, responsive: true });
}

function ci(c: CorrelationWithInterval, which: 'pearson' | 'spearman'): string {
  const interval = which === 'pearson' ? c.pearsonCI : c.spearmanCI;
  return interval ? `[${interval[0].toFixed(3)}, ${interval[1].toFixed(3)}]` : c.n < 3 ? '' : '…';
}

function correlationRow(population: { label: string; definition: string }, idPrefix: string, n: number, c: CorrelationWithInterval | null, quick: { pearson: number | null; spearman: number | null }): HTMLTableRowElement {
  const value = (which: 'pearson' | 'spearman', id: string) => h('td', {},
    h('span', { id, class: 'number' }, fmt(c ? c[which] : quick[which])), ' ', h('span', { class: 'muted ci' }, c ? ci(c, which) : '…'));
  return h('tr', { title: population.definition }, h('th', { scope: 'row' }, population.label, h('div', { class: 'muted population-definition' }, population.definition)), h('td', {}, String(n)),
    value('pearson', `${idPrefix}pearson`), value('spearman', `${idPrefix}spearman`));
}

function renderMetrics(d: CalibrationData, m: CalibrationSummary, correlations: { tp: CorrelationWithInterval; iouNet: CorrelationWithInterval; all: CorrelationWithInterval } | null): void {
  const { indices, tpIndices: tpIdx, laece0: laece, laace0: laace, dece } = m;
  const quickTp = m.tp;
  const quickAll = m.all;
  const metric = (id: string, name: string, value: number | null, definition: string) =>
    h('div', { class: 'metric', title: definition }, h('div', { class: 'metric-name' }, name), h('div', { id, class: 'metric-value number' }, fmt(value)));
  metricsEl.replaceChildren(
    h('table', { class: 'correlations' },
      h('caption', {}, 'Score vs IoU with the best same-class ground truth (95% percentile bootstrap intervals)'),
      h('thead', {}, h('tr', {}, h('th', {}, 'population'), h('th', {}, 'n'), h('th', {}, 'Pearson r'), h('th', {}, 'Spearman ρ'))),
      h('tbody', {},
        correlationRow(SCORE_IOU_POPULATIONS.tp, '', tpIdx.length, correlations?.tp ?? null, quickTp),
        correlationRow(SCORE_IOU_POPULATIONS.iouNet, 'iounet-', m.iouNetIndices.length, correlations?.iouNet ?? null, m.iouNet),
        correlationRow(SCORE_IOU_POPULATIONS.all, 'all-', indices.length, correlations?.all ?? null, quickAll))),
    ...(d.scoreNote ? [h('p', { class: 'muted score-note', role: 'note' }, d.scoreNote)] : []),
    h('div', { class: 'metric-cards' },
      metric('laece0', 'LaECE₀', laece.value, laece.definition),
      metric('laace0', 'LaACE₀', laace.value, laace.definition),
      metric('dece', 'D-ECE', dece.value, dece.definition)),
  );
  renderClassTable(d, indices, laece.perClass, laace.perClass, dece.perClass);
}

/** Per-class table columns: header, its explanation, and the value a row sorts by. */
const CLASS_COLUMNS: { label: string; title: string; value: (r: PerClassRow) => string | number | null }[] = [
  { label: 'class', title: 'Dataset category (the model class mapped to it)', value: (r) => r.name },
  { label: 'evaluated', title: 'Detections COCOeval evaluates (TP or FP at IoU 0.5) after the filters', value: (r) => r.evaluated },
  { label: 'TPs', title: `True positives at IoU 0.5 (n of the Pearson r); fewer than ${MIN_SAMPLE_FOR_STATISTICS} are greyed out`, value: (r) => r.tp },
  { label: 'Pearson r (TPs)', title: 'Score vs IoU over the true positives, with its 95% Fisher-z interval', value: (r) => r.pearson },
  { label: 'LaECE₀', title: 'Localisation-aware ECE at τ = 0 (Oksuz et al. 2023), this class', value: (r) => r.laece0 },
  { label: 'LaACE₀', title: 'Adaptive-binning LaECE₀, this class', value: (r) => r.laace0 },
  { label: 'D-ECE', title: 'Detection ECE at IoU 0.5 (Küppers et al. 2020), this class', value: (r) => r.dece },
];
/** Largest samples first until the user sorts by a column. */
let classSort: SortState | null = null;

function renderClassTable(d: CalibrationData, indices: Int32Array, laece: { categoryId: number; detections: number; value: number | null }[],
  laace: { categoryId: number; value: number | null }[], dece: { categoryId: number; value: number | null }[]): void {
  const computed = perClassRows(d, indices, laece, laace, dece);
  const byDefault = [...computed].sort((a, b) => b.evaluated - a.evaluated || a.name.localeCompare(b.name));
  const rows = classSort ? sortRows(byDefault, CLASS_COLUMNS[classSort.column].value, classSort.direction) : byDefault;
  const onSort = (column: number) => {
    classSort = nextSort(classSort, column, column > 0);
    renderClassTable(d, indices, laece, laace, dece);
    (classTableEl.querySelectorAll('th button.sort')[column] as HTMLElement | undefined)?.focus();
  };
  const small = computed.filter((r) => r.smallSample).length;
  const table = h('table', { class: 'per-class' },
    h('caption', {}, `Per class (click a row to filter; a header to sort)${small ? ` · ${small} ${small === 1 ? 'class has' : 'classes have'} fewer than ${MIN_SAMPLE_FOR_STATISTICS} TPs: greyed out, too few for a reliable statistic` : ''}`),
    sortableHead(CLASS_COLUMNS, classSort, onSort),
    h('tbody', {}, ...rows.map((r) => {
      const classes = [r.classIndex === filters.classIndex ? 'active' : '', r.smallSample ? 'small-sample' : ''].filter(Boolean).join(' ');
      const interval = r.pearsonCI ? ` [${r.pearsonCI[0].toFixed(2)}, ${r.pearsonCI[1].toFixed(2)}]` : '';
      const tr = h('tr', { tabindex: 0, class: classes || null, title: r.smallSample ? `${r.tp} true positives: fewer than ${MIN_SAMPLE_FOR_STATISTICS}, too few for a reliable statistic` : null },
        h('th', { scope: 'row' }, r.name), h('td', {}, String(r.evaluated)), h('td', {}, String(r.tp)),
        h('td', {}, fmt(r.pearson), h('span', { class: 'muted ci' }, interval)),
        h('td', {}, fmt(r.laece0)), h('td', {}, fmt(r.laace0)), h('td', {}, fmt(r.dece)));
      const choose = () => {
        if (r.classIndex === undefined) return;
        filters.classIndex = filters.classIndex === r.classIndex ? null : r.classIndex;
        const control = document.getElementById('filter-class') as HTMLSelectElement | null;
        if (control) control.value = filters.classIndex === null ? 'all' : String(filters.classIndex);
        update();
      };
      tr.addEventListener('click', choose);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(); } });
      return tr;
    })));
  classTableEl.replaceChildren(table);
}

async function update(): Promise<void> {
  const d = data;
  if (!d) return;
  persist();
  const started = performance.now();
  try {
    // Points first: the scatter only needs the filtered indices; the metrics follow.
    const indices = selectedIndices(d, filters);
    const t0 = performance.now();
    await drawScatter(d, indices);
    const t1 = performance.now();
    const summary = calibrationSummary(d, filters);
    renderMetrics(d, summary, null);
    const t2 = performance.now();
    await drawReliability(summary.la, summary.dIn);
    const t3 = performance.now();
    root.setAttribute('data-timings', JSON.stringify({ filterMs: +(t0 - started).toFixed(1), scatterMs: +(t1 - t0).toFixed(1), metricsMs: +(t2 - t1).toFixed(1), reliabilityMs: +(t3 - t2).toFixed(1) }));
    markReady(root);
    // Bootstrap intervals after the plots are up: capped resamples keep 100k detections around a second.
    if (statsTimer) clearTimeout(statsTimer);
    statsTimer = setTimeout(() => {
      if (data !== d) return;
      renderMetrics(d, summary, correlationsWithIntervals(d, summary));
      root.setAttribute('data-intervals', 'true');
    }, 50);
  } catch (error) {
    reportError(error);
  }
}

// Plot colours come from the theme's CSS variables when drawn: redraw when VS Code switches theme (body class).
new MutationObserver(() => {
  if (data && scatterEl.isConnected) void update();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

onHostMessage((message) => {
  switch (message.type) {
    case HostMessageType.CalibrationData: {
      if (!Plotly) {
        showMessage(root, 'The plotting library failed to load (dist/webview/plotly-partial.js missing from this build).');
        return;
      }
      data = message.data;
      const current = data;
      void warmUp.then(() => {
        if (data !== current) return;
        buildLayout(current);
        return update();
      });
      break;
    }
    case HostMessageType.NoRun:
      data = null;
      showMessage(root, message.message);
      break;
  }
});
post({ type: WebviewMessageType.Ready });
