// Evaluation view: the run's home screen. The 12 COCO stats, a per-class table (virtual scrolling, search, sort,
// filter; a row click narrows every view to that class), PR curves (pycocotools' interpolated precision), threshold
// curves (Ultralytics' P/R/F1 against confidence, max-F1 applicable as the operating threshold), the confusion matrix
// at the operating threshold (cells open the inspector), TIDE dAP bars (open that failure group) and the worst images.
// Everything is read from the analysis the host sends; nothing is evaluated here.
import { HostMessageType, WebviewMessageType, type EvaluationClassRow, type EvaluationData, type EvaluationState } from '../extension/protocol/messages.ts';
import { mostConfusedCategories, normalizeColumns } from '../extension/core/analytics/confusionMatrix.ts';
import { themeColor } from './lib/colors.ts';
import { fmt, h, markReady, showMessage } from './lib/dom.ts';
import { loadState, onHostMessage, post, reportError, saveState } from './lib/vscodeApi.ts';

interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
}
const Plotly = (globalThis as unknown as { Plotly?: PlotlyLike }).Plotly;
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };
const ROW_HEIGHT = 26;
const VISIBLE_ROWS = 14;
const IMAGE_PAGE = 50;

const root = document.getElementById('evaluation')!;
const saved = loadState<EvaluationState>();
const state: EvaluationState = {
  runPath: saved.runPath ?? null,
  sortKey: typeof saved.sortKey === 'string' ? saved.sortKey : 'ap',
  sortDescending: saved.sortDescending ?? false,
  search: typeof saved.search === 'string' ? saved.search : '',
  iou: saved.iou === '75' || saved.iou === 'mean' ? saved.iou : '50',
  normalized: saved.normalized ?? false,
  topK: typeof saved.topK === 'number' ? saved.topK : 15,
};
let data: EvaluationData | null = null;
let classFilter: 'all' | 'withGt' | 'withErrors' = 'withGt';
let imagesShown = IMAGE_PAGE;
let activeClassRow = 0;

const persist = () => saveState<EvaluationState>({ ...state, runPath: data?.runPath ?? null });

const COLUMNS: { key: keyof EvaluationClassRow; label: string; title: string; digits?: number }[] = [
  { key: 'name', label: 'class', title: 'Dataset category' },
  { key: 'ap', label: 'AP', title: 'COCO AP@[.50:.95], area all, maxDets 100', digits: 3 },
  { key: 'ap50', label: 'AP50', title: 'COCO AP at IoU 0.5', digits: 3 },
  { key: 'ap75', label: 'AP75', title: 'COCO AP at IoU 0.75', digits: 3 },
  { key: 'apSmall', label: 'APs', title: 'COCO AP, small objects (area < 32²)', digits: 3 },
  { key: 'apMedium', label: 'APm', title: 'COCO AP, medium objects', digits: 3 },
  { key: 'apLarge', label: 'APl', title: 'COCO AP, large objects (area ≥ 96²)', digits: 3 },
  { key: 'numGt', label: '#GT', title: 'Non-crowd ground truths' },
  { key: 'numDetections', label: '#det', title: 'Detections COCOeval evaluates (top 100 per image and class)' },
  { key: 'tp', label: 'TP', title: 'True positives at the operating threshold (COCOeval matches at IoU 0.5, score > threshold)' },
  { key: 'fp', label: 'FP', title: 'False positives at the operating threshold' },
  { key: 'fn', label: 'FN', title: 'Ground truths not found at the operating threshold' },
  { key: 'bestF1Threshold', label: 'best-F1', title: 'Confidence of this class\'s maximum F1 (Ultralytics curves, 0.1 box filter)', digits: 3 },
  { key: 'laece0', label: 'LaECE₀', title: 'Localisation-aware ECE at τ = 0 (Oksuz et al. 2023), this class', digits: 3 },
];

const statFmt = (v: number) => (v < 0 ? 'n/a' : v.toFixed(3));

function plotLayout(xTitle: string, yTitle: string): Record<string, unknown> {
  const fg = themeColor('--vscode-foreground', '#ccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const axis = (title: string) => ({ title: { text: title }, range: [0, 1.02], gridcolor: grid, zerolinecolor: grid, color: fg });
  return {
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { color: fg, family: themeColor('--vscode-font-family', 'sans-serif'), size: 12 },
    margin: { l: 52, r: 12, t: 30, b: 44 }, xaxis: axis(xTitle), yaxis: axis(yTitle), showlegend: true, legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
  };
}

// ---------- layout ----------
const headerEl = h('header', { class: 'eval-header' });
const statsEl = h('section', { class: 'stats', 'aria-label': 'COCO evaluation summary' });
const operatingEl = h('section', { class: 'operating', 'aria-label': 'Operating threshold' });
const classSection = h('section', { class: 'classes', 'aria-label': 'Per-class metrics' });
const prPlot = h('div', { id: 'pr-plot', class: 'plot', role: 'img' });
const prTable = h('details', { class: 'plot-table' });
const thrPlot = h('div', { id: 'threshold-plot', class: 'plot', role: 'img' });
const thrTable = h('details', { class: 'plot-table' });
const confusionEl = h('section', { class: 'confusion', 'aria-label': 'Confusion matrix' });
const tideEl = h('section', { class: 'tide', 'aria-label': 'TIDE error breakdown' });
const imagesEl = h('section', { class: 'images', 'aria-label': 'Worst images' });
const scoreIoUEl = h('section', { class: 'score-iou', 'aria-label': 'Score versus IoU populations' });
const prCaption = h('figcaption', {});
const thrCaption = h('figcaption', {});
const body = h('div', { class: 'evaluation-body' }, headerEl, statsEl, operatingEl, classSection,
  h('div', { class: 'plots' }, h('figure', {}, prCaption, prPlot, prTable), h('figure', {}, thrCaption, thrPlot, thrTable)),
  h('div', { class: 'two-column' }, tideEl, scoreIoUEl), confusionEl, imagesEl);

function selectedClass(d: EvaluationData): EvaluationClassRow | null {
  return d.categoryFilter === null ? null : d.classes.find((c) => c.categoryId === d.categoryFilter) ?? null;
}

function renderHeader(d: EvaluationData): void {
  const selected = selectedClass(d);
  headerEl.replaceChildren(
    h('h1', {}, 'Evaluation', h('span', { class: 'muted' }, ` · ${d.runLabel}${d.partial ? ' (run in progress)' : ''}`)),
    h('p', { class: 'muted meta' }, `model ${d.model} · dataset ${d.dataset || 'n/a'} · provider ${d.provider} · ${d.date ? new Date(d.date).toLocaleString() : ''} `,
      button('Compare with Run…', () => post({ type: WebviewMessageType.CompareWithRun }), 'compare-with-run', 'Compare this run with a saved run, a results file or another model on the same dataset')),
    selected
      ? h('p', { class: 'filter-note', role: 'status' }, `Class filter: ${selected.name} (every GFL Lens view follows it). `,
        button('Clear class filter', () => post({ type: WebviewMessageType.FilterCategory, categoryId: null }), 'clear-filter'))
      : '',
  );
}

function button(label: string, onClick: () => void, id?: string, title?: string): HTMLButtonElement {
  const b = h('button', { type: 'button', id, title });
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

function renderStats(d: EvaluationData): void {
  statsEl.replaceChildren(h('table', { class: 'stat-table' },
    h('caption', {}, 'COCO bbox evaluation (pycocotools COCOeval.summarize)'),
    h('tbody', {}, ...d.statKeys.map((key, i) => h('tr', { 'data-stat': key },
      h('th', { scope: 'row' }, d.statLines[i]?.replace(/\s*=\s*[-\d.]+$/, '') ?? key),
      h('td', { class: 'number stat-value', 'data-value': String(d.stats[i]) }, statFmt(d.stats[i])))))));
}

function renderOperating(d: EvaluationData): void {
  const o = d.overall;
  const input = h('input', { id: 'operating-threshold', type: 'number', min: 0, max: 1, step: 0.01, value: d.operatingThreshold.toFixed(3), 'aria-label': 'Operating threshold' });
  input.addEventListener('change', () => {
    const v = Number(input.value);
    if (Number.isFinite(v) && v >= 0 && v <= 1) post({ type: WebviewMessageType.SetOperatingThreshold, threshold: v });
  });
  const maxF1 = d.thresholds.maxF1;
  operatingEl.replaceChildren(
    h('label', { for: 'operating-threshold' }, 'Operating threshold '), input,
    button(`Apply max-F1 (${maxF1.threshold.toFixed(3)})`, () => post({ type: WebviewMessageType.SetOperatingThreshold, threshold: maxF1.threshold }), 'apply-max-f1',
      `Ultralytics' max-F1 confidence: argmax of the mean F1 over classes, smoothed by a 0.1 box filter (F1 ${maxF1.f1.toFixed(3)})`),
    button('Use setting', () => post({ type: WebviewMessageType.SetOperatingThreshold, threshold: null }), 'reset-threshold', 'Back to the gflLens.operatingThreshold setting'),
    h('span', { class: 'op-counts', id: 'op-counts', title: d.operatingDefinition },
      ` TP ${o.tp} · FP ${o.fp} · FN ${o.fn} · precision ${fmt(o.precision)} · recall ${fmt(o.recall)} (score > ${d.operatingThreshold.toFixed(3)}, IoU 0.5)`),
  );
}

// ---------- per-class table (virtual scrolling) ----------
const classScroller = h('div', { class: 'class-scroller', id: 'class-table', tabindex: 0, role: 'grid', 'aria-label': 'Per-class metrics. Up and Down move between classes, Enter filters every view to the class.' });
const classSpacer = h('div', { class: 'class-spacer' });
const classRowsEl = h('div', { class: 'class-rows', role: 'rowgroup' });
classScroller.append(classSpacer, classRowsEl);
let visibleClasses: EvaluationClassRow[] = [];

function sortedClasses(d: EvaluationData): EvaluationClassRow[] {
  const query = state.search.trim().toLowerCase();
  const rows = d.classes.filter((c) => (!query || c.name.toLowerCase().includes(query))
    && (classFilter === 'all' || (classFilter === 'withGt' ? c.numGt > 0 : c.fp + c.fn > 0)));
  const key = state.sortKey as keyof EvaluationClassRow;
  const dir = state.sortDescending ? -1 : 1;
  return rows.sort((a, b) => {
    const x = a[key], y = b[key];
    if (typeof x === 'string' || typeof y === 'string') return dir * String(x).localeCompare(String(y));
    const nx = x === null || (x as number) < 0 ? Infinity : (x as number), ny = y === null || (y as number) < 0 ? Infinity : (y as number);
    return dir * (nx - ny) || a.name.localeCompare(b.name);
  });
}

function cellText(c: EvaluationClassRow, col: (typeof COLUMNS)[number]): string {
  const v = c[col.key];
  if (col.key === 'name') return String(v);
  if (v === null) return '—';
  if (col.digits !== undefined) return (v as number) < 0 ? 'n/a' : (v as number).toFixed(col.digits);
  return String(v);
}

function renderClassRows(): void {
  const d = data;
  if (!d) return;
  const first = Math.max(0, Math.floor(classScroller.scrollTop / ROW_HEIGHT) - 2);
  const last = Math.min(visibleClasses.length, first + VISIBLE_ROWS + 6);
  classSpacer.style.height = `${visibleClasses.length * ROW_HEIGHT}px`;
  const rows: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const c = visibleClasses[i];
    const row = h('div', {
      class: `class-row${c.categoryId === d.categoryFilter ? ' selected' : ''}${i === activeClassRow ? ' active' : ''}`, role: 'row', id: `class-row-${i}`,
      'data-category': c.categoryId, 'aria-selected': c.categoryId === d.categoryFilter ? 'true' : 'false',
    }, ...COLUMNS.map((col) => h('span', { class: `cell ${col.key === 'name' ? 'name' : 'number'}`, role: 'gridcell' }, cellText(c, col))));
    row.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    row.addEventListener('click', () => { activeClassRow = i; chooseClass(c); });
    rows.push(row);
  }
  classRowsEl.replaceChildren(...rows);
  if (visibleClasses[activeClassRow]) classScroller.setAttribute('aria-activedescendant', `class-row-${activeClassRow}`);
}

function chooseClass(c: EvaluationClassRow): void {
  post({ type: WebviewMessageType.FilterCategory, categoryId: data?.categoryFilter === c.categoryId ? null : c.categoryId });
}

classScroller.addEventListener('scroll', () => renderClassRows());
classScroller.addEventListener('keydown', (e) => {
  if (!visibleClasses.length) return;
  const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'PageDown' ? VISIBLE_ROWS : e.key === 'PageUp' ? -VISIBLE_ROWS : 0;
  if (step || e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    activeClassRow = e.key === 'Home' ? 0 : e.key === 'End' ? visibleClasses.length - 1 : Math.min(visibleClasses.length - 1, Math.max(0, activeClassRow + step));
    const top = activeClassRow * ROW_HEIGHT;
    if (top < classScroller.scrollTop) classScroller.scrollTop = top;
    else if (top + ROW_HEIGHT > classScroller.scrollTop + classScroller.clientHeight) classScroller.scrollTop = top + ROW_HEIGHT - classScroller.clientHeight;
    renderClassRows();
  } else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    chooseClass(visibleClasses[activeClassRow]);
  }
});

function renderClassSection(d: EvaluationData): void {
  const search = h('input', { id: 'class-search', type: 'search', placeholder: 'Search classes', value: state.search, 'aria-label': 'Search classes by name' });
  search.addEventListener('input', () => { state.search = search.value; persist(); refreshClasses(); });
  const filter = h('select', { id: 'class-filter', 'aria-label': 'Which classes' },
    h('option', { value: 'withGt', selected: classFilter === 'withGt' }, 'classes with ground truth'),
    h('option', { value: 'withErrors', selected: classFilter === 'withErrors' }, 'classes with FP or FN'),
    h('option', { value: 'all', selected: classFilter === 'all' }, 'all classes'));
  filter.addEventListener('change', () => { classFilter = filter.value as typeof classFilter; refreshClasses(); });
  const headerRow = h('div', { class: 'class-row head', role: 'row' }, ...COLUMNS.map((col) => {
    const sorted = state.sortKey === col.key;
    const b = h('button', { type: 'button', class: `cell ${col.key === 'name' ? 'name' : 'number'} sort`, title: `${col.title}. Click to sort.`, 'data-sort': col.key,
      'aria-sort': sorted ? (state.sortDescending ? 'descending' : 'ascending') : 'none', role: 'columnheader' }, `${col.label}${sorted ? (state.sortDescending ? ' ▼' : ' ▲') : ''}`);
    b.addEventListener('click', () => {
      state.sortDescending = state.sortKey === col.key ? !state.sortDescending : col.key !== 'name';
      state.sortKey = col.key;
      persist();
      renderClassSection(d);
    });
    return b;
  }));
  const count = h('span', { class: 'muted', id: 'class-count' });
  classSection.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', {}, 'Per class'), search, filter, count,
      h('span', { class: 'muted' }, ' Click a row (or Enter) to filter every view to that class.')),
    h('div', { class: 'class-table' }, headerRow, classScroller));
  refreshClasses();
}

function refreshClasses(): void {
  if (!data) return;
  visibleClasses = sortedClasses(data);
  activeClassRow = Math.min(activeClassRow, Math.max(0, visibleClasses.length - 1));
  const count = document.getElementById('class-count');
  if (count) count.textContent = `${visibleClasses.length} of ${data.classes.length} classes`;
  // As tall as its rows up to VISIBLE_ROWS; beyond that it scrolls (and renders only the rows in view).
  classScroller.style.height = `${Math.max(1, Math.min(VISIBLE_ROWS, visibleClasses.length)) * ROW_HEIGHT + 2}px`;
  renderClassRows();
}

// ---------- curves ----------
async function renderCurves(d: EvaluationData): Promise<void> {
  const selected = selectedClass(d);
  const pr = selected ? d.pr.categories.find((c) => c.categoryId === selected.categoryId) ?? null : null;
  const curves = pr ?? d.pr.mean;
  const recall = d.pr.recall;
  const clean = (values: number[]) => values.map((v) => (v < 0 ? null : v));
  const name = selected ? selected.name : 'mean over classes';
  // The operating point: recall and precision of the detections scoring above the threshold (IoU 0.5).
  let opR: number | null = null, opP: number | null = null;
  if (selected) {
    opR = selected.numGt ? selected.tp / selected.numGt : null;
    opP = selected.tp + selected.fp ? selected.tp / (selected.tp + selected.fp) : null;
  } else {
    const withGt = d.classes.filter((c) => c.numGt > 0);
    const ps = withGt.filter((c) => c.tp + c.fp > 0).map((c) => c.tp / (c.tp + c.fp));
    opR = withGt.length ? withGt.reduce((s, c) => s + c.tp / c.numGt, 0) / withGt.length : null;
    opP = ps.length ? ps.reduce((s, v) => s + v, 0) / ps.length : null;
  }
  prCaption.textContent = `PR curves (COCO 101-point interpolated precision, area all, maxDets 100): ${name}`;
  prPlot.setAttribute('aria-label', `Precision-recall curves of ${name}; the table below lists the points.`);
  const traces: unknown[] = [
    { type: 'scatter', mode: 'lines', name: 'IoU 0.50', x: recall, y: clean(curves.iou50), line: { color: themeColor('--vscode-charts-blue', '#3794ff') } },
    { type: 'scatter', mode: 'lines', name: 'IoU 0.75', x: recall, y: clean(curves.iou75), line: { color: themeColor('--vscode-charts-orange', '#d18616') } },
    { type: 'scatter', mode: 'lines', name: 'IoU .50:.95 (mean)', x: recall, y: clean(curves.iouMean), line: { color: themeColor('--vscode-charts-purple', '#b180d7'), dash: 'dot' } },
  ];
  if (opR !== null && opP !== null) traces.push({ type: 'scatter', mode: 'markers', name: `operating point (score > ${d.operatingThreshold.toFixed(2)})`, x: [opR], y: [opP], marker: { size: 11, symbol: 'x', color: themeColor('--vscode-charts-red', '#f14c4c') } });
  await Plotly!.react(prPlot, traces, plotLayout('recall', 'precision'), PLOT_CONFIG);
  prTable.replaceChildren(h('summary', {}, 'PR curve points as a table'), h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, ...['recall', 'P @0.50', 'P @0.75', 'P @.50:.95'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...recall.filter((_, r) => r % 5 === 0).map((rv, k) => {
      const r = k * 5;
      return h('tr', {}, h('td', {}, rv.toFixed(2)), h('td', {}, statFmt(curves.iou50[r])), h('td', {}, statFmt(curves.iou75[r])), h('td', {}, statFmt(curves.iouMean[r])));
    }))));

  const t = d.thresholds;
  const tc = selected ? t.categories.find((c) => c.categoryId === selected.categoryId)?.curve ?? null : t.mean;
  thrCaption.textContent = `Precision, recall and F1 vs confidence (Ultralytics ap_per_class, IoU 0.5): ${name}`;
  thrPlot.setAttribute('aria-label', `Precision, recall and F1 against confidence for ${name}; the table below lists the values.`);
  const shapes = [
    { type: 'line', x0: t.maxF1.threshold, x1: t.maxF1.threshold, y0: 0, y1: 1, line: { dash: 'dash', width: 1, color: themeColor('--vscode-charts-green', '#89d185') } },
    { type: 'line', x0: d.operatingThreshold, x1: d.operatingThreshold, y0: 0, y1: 1, line: { width: 2, color: themeColor('--vscode-charts-red', '#f14c4c') } },
  ];
  const thrTraces = tc ? [
    { type: 'scatter', mode: 'lines', name: 'precision', x: tc.confidence, y: tc.precision, line: { color: themeColor('--vscode-charts-blue', '#3794ff') } },
    { type: 'scatter', mode: 'lines', name: 'recall', x: tc.confidence, y: tc.recall, line: { color: themeColor('--vscode-charts-orange', '#d18616') } },
    { type: 'scatter', mode: 'lines', name: 'F1', x: tc.confidence, y: tc.f1, line: { color: themeColor('--vscode-charts-green', '#89d185'), width: 3 } },
  ] : [];
  await Plotly!.react(thrPlot, thrTraces, { ...plotLayout('confidence', 'value'), shapes,
    annotations: [{ x: t.maxF1.threshold, y: 1.0, text: `max F1 ${t.maxF1.f1.toFixed(2)} @ ${t.maxF1.threshold.toFixed(3)}`, showarrow: false, yanchor: 'bottom', font: { color: themeColor('--vscode-foreground', '#ccc') } }] }, PLOT_CONFIG);
  const sample = (values: number[], x: number) => values[Math.min(values.length - 1, Math.round(x * (values.length - 1)))];
  thrTable.replaceChildren(h('summary', {}, 'Threshold curve values as a table'), tc ? h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, ...['confidence', 'precision', 'recall', 'F1'].map((s) => h('th', { scope: 'col' }, s)))),
    h('tbody', {}, ...Array.from({ length: 21 }, (_, k) => k / 20).map((x) => h('tr', {}, h('td', {}, x.toFixed(2)),
      h('td', {}, sample(tc.precision, x).toFixed(3)), h('td', {}, sample(tc.recall, x).toFixed(3)), h('td', {}, sample(tc.f1, x).toFixed(3)))))) : h('p', {}, 'No ground truth for this class.'));
}

// ---------- confusion matrix ----------
function renderConfusion(d: EvaluationData): void {
  const c = d.confusion;
  const C = c.categoryIds.length;
  const keep = state.topK > 0 ? mostConfusedCategories(c.matrix, state.topK) : Array.from({ length: C }, (_, k) => k);
  const axis = [...keep, C];
  const values = state.normalized ? normalizeColumns(c.matrix) : c.matrix;
  let max = 0;
  for (const p of axis) for (const t of axis) max = Math.max(max, values[p][t]);
  const cellList = h('div', { class: 'cell-list', id: 'confusion-cell-list', 'aria-live': 'polite' });
  const topK = h('select', { id: 'confusion-topk', 'aria-label': 'Classes shown' },
    ...[10, 15, 30, 0].map((k) => h('option', { value: k, selected: state.topK === k }, k ? `${k} most confused classes` : 'all classes')));
  topK.addEventListener('change', () => { state.topK = Number(topK.value); persist(); renderConfusion(d); });
  const norm = h('input', { type: 'checkbox', id: 'confusion-normalized', checked: state.normalized });
  norm.addEventListener('change', () => { state.normalized = norm.checked; persist(); renderConfusion(d); });
  const table = h('table', { class: 'confusion-table', id: 'confusion-table' },
    h('caption', {}, `Rows: predicted class; columns: true class. ${state.normalized ? 'Each true-class column sums to 1.' : 'Counts.'}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'corner' }, 'pred \\ true'), ...axis.map((t) => h('th', { scope: 'col', class: 'col-label' }, h('span', {}, c.labels[t]))))),
    h('tbody', {}, ...axis.map((p) => h('tr', {}, h('th', { scope: 'row' }, c.labels[p]), ...axis.map((t) => {
      const v = values[p][t];
      const raw = c.matrix[p][t];
      const td = h('td', { class: `cm-cell${p === t && p < C ? ' diagonal' : ''}` });
      if (raw > 0) {
        const b = h('button', { type: 'button', class: 'cm-button', 'data-predicted': p, 'data-actual': t,
          title: `${raw} × predicted ${c.labels[p]}, true ${c.labels[t]}. Click to list them and inspect the first.` }, state.normalized ? v.toFixed(2) : String(raw));
        b.addEventListener('click', () => openCell(d, p, t, cellList));
        td.append(b);
        td.style.backgroundColor = `color-mix(in srgb, var(--vscode-charts-blue, #3794ff) ${Math.round(100 * Math.sqrt(v / (max || 1)))}%, transparent)`;
      }
      return td;
    })))));
  confusionEl.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', {}, `Confusion matrix at score > ${c.confidenceThreshold.toFixed(3)}, IoU > ${c.iouThreshold}`), topK,
      h('label', { for: 'confusion-normalized' }, norm, ' normalised')),
    h('p', { class: 'muted definition' }, c.definition,
      c.ignoredByCrowd ? ` ${c.ignoredByCrowd} detections on crowd regions ignored.` : '', c.unmappedDetections ? ` ${c.unmappedDetections} detections of classes without a dataset category left out.` : ''),
    h('div', { class: 'confusion-scroll' }, table), cellList);
}

function openCell(d: EvaluationData, p: number, t: number, list: HTMLElement): void {
  const cell = d.confusion.cells.find((x) => x.predicted === p && x.actual === t);
  if (!cell) return;
  const labels = d.confusion.labels;
  const items: HTMLElement[] = [
    ...cell.refs.map((ref, k) => {
      const b = button(`${d.images.find((im) => im.imageIndex === ref.imageIndex)?.file ?? `image ${ref.imageIndex + 1}`} #${ref.detIndex}`, () => post({ type: WebviewMessageType.OpenDetection, ref }));
      b.setAttribute('data-index', String(k));
      return h('li', {}, b);
    }),
    ...cell.groundTruths.map((g) => h('li', {}, button(`${d.images.find((im) => im.imageIndex === g.imageIndex)?.file ?? `image ${g.imageIndex + 1}`}: ground truth ${g.gtId} (missed)`,
      () => post({ type: WebviewMessageType.OpenGroundTruth, imageIndex: g.imageIndex, gtId: g.gtId })))),
  ];
  const total = d.confusion.matrix[p][t];
  const listed = cell.refs.length + cell.groundTruths.length;
  list.replaceChildren(h('h3', {}, `Predicted ${labels[p]}, true ${labels[t]}: ${total}${listed < total ? ` (first ${listed} listed)` : ''}`), h('ul', {}, ...items));
  if (cell.refs.length) post({ type: WebviewMessageType.OpenDetection, ref: cell.refs[0] });
  else if (cell.groundTruths.length) post({ type: WebviewMessageType.OpenGroundTruth, imageIndex: cell.groundTruths[0].imageIndex, gtId: cell.groundTruths[0].gtId });
}

// ---------- TIDE ----------
function renderTide(d: EvaluationData): void {
  const kinds = ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss'];
  const max = Math.max(1e-9, ...kinds.map((k) => d.tide.dAP[k] ?? 0), d.tide.specialDAP.FalsePos, d.tide.specialDAP.FalseNeg);
  const bar = (label: string, value: number, count: number | null, clickable: boolean) => {
    const fill = h('span', { class: 'bar-fill' });
    fill.style.width = `${Math.max(0, (100 * value) / max)}%`;
    const content = [h('span', { class: 'bar-label' }, label), h('span', { class: 'bar-track' }, fill), h('span', { class: 'bar-value number' }, `${value.toFixed(2)}${count !== null ? ` (${count})` : ''}`)];
    if (!clickable) return h('div', { class: 'tide-bar oracle', title: 'Oracle: not a failure group' }, ...content);
    const b = h('button', { type: 'button', class: 'tide-bar', 'data-error': label, title: `Open the ${label} failure group in the Failures view` }, ...content);
    b.addEventListener('click', () => post({ type: WebviewMessageType.RevealFailureGroup, group: label }));
    return b;
  };
  tideEl.replaceChildren(h('h2', {}, 'TIDE dAP (AP points at IoU 0.5)'),
    h('p', { class: 'muted' }, `TIDE mAP ${d.tide.ap.toFixed(2)}. dAP: AP gained by fixing that error type alone (dbolya/tide). Click a bar to open that failure group.`),
    ...kinds.map((k) => bar(k, d.tide.dAP[k] ?? 0, d.tide.counts[k] ?? null, true)),
    bar('FP oracle', d.tide.specialDAP.FalsePos, null, false), bar('FN oracle', d.tide.specialDAP.FalseNeg, null, false));
}

function renderScoreIoU(d: EvaluationData): void {
  scoreIoUEl.replaceChildren(h('h2', {}, 'Score vs IoU'), d.scoreIoU.length ? h('table', { class: 'data-table', id: 'score-iou-table' },
    h('thead', {}, h('tr', {}, ...['population', 'n', 'Pearson r', 'Spearman ρ'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...d.scoreIoU.map((p) => h('tr', { title: p.definition }, h('th', { scope: 'row' }, p.label, h('div', { class: 'muted small' }, p.definition)),
      h('td', { class: 'number' }, String(p.n)), h('td', { class: 'number' }, fmt(p.pearson)), h('td', { class: 'number' }, fmt(p.spearman)))))) : h('p', {}, 'Not available.'));
}

// ---------- worst images ----------
function renderImages(d: EvaluationData): void {
  const rows = d.images.slice(0, imagesShown);
  const open = (row: (typeof rows)[number]) => {
    if (row.worstRef) post({ type: WebviewMessageType.OpenDetection, ref: row.worstRef });
    else if (row.worstGtId !== null) post({ type: WebviewMessageType.OpenGroundTruth, imageIndex: row.imageIndex, gtId: row.worstGtId });
    else post({ type: WebviewMessageType.OpenDetection, ref: { imageIndex: row.imageIndex, detIndex: 0 } });
  };
  const table = h('table', { class: 'data-table image-table', id: 'image-table' },
    h('caption', {}, d.imageRanking),
    h('thead', {}, h('tr', {}, ...['#', 'image', 'AP50', '#GT', 'TP', 'FP', 'FN', 'worst failure'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows.map((row, k) => {
      const tr = h('tr', { tabindex: 0, 'data-image': row.imageIndex, title: 'Enter or click: open the inspector on the worst failure' },
        h('td', { class: 'number' }, String(k + 1)), h('td', { class: 'file' }, row.file.split(/[\\/]/).pop() ?? row.file),
        h('td', { class: 'number' }, row.ap50 === null ? 'n/a' : row.ap50.toFixed(3)), h('td', { class: 'number' }, String(row.numGt)),
        h('td', { class: 'number' }, String(row.tp)), h('td', { class: 'number' }, String(row.fp)), h('td', { class: 'number' }, String(row.fn)), h('td', {}, row.worst ?? '—'));
      tr.addEventListener('click', () => open(row));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(row); } });
      return tr;
    })));
  const more = d.images.length > imagesShown ? button(`Show ${Math.min(IMAGE_PAGE, d.images.length - imagesShown)} more of ${d.images.length - imagesShown}`, () => { imagesShown += IMAGE_PAGE; renderImages(d); }, 'images-more') : null;
  imagesEl.replaceChildren(h('h2', {}, `Worst images (at score > ${d.operatingThreshold.toFixed(3)})`), table, more ?? '');
}

async function render(d: EvaluationData): Promise<void> {
  const started = performance.now();
  if (!body.isConnected) root.replaceChildren(body);
  renderHeader(d);
  renderStats(d);
  renderOperating(d);
  renderClassSection(d);
  renderTide(d);
  renderScoreIoU(d);
  renderConfusion(d);
  renderImages(d);
  markReady(root);
  const tablesMs = performance.now() - started;
  await renderCurves(d);
  root.setAttribute('data-render-ms', (performance.now() - started).toFixed(1));
  root.setAttribute('data-tables-ms', tablesMs.toFixed(1));
  root.setAttribute('data-curves', 'true');
}

new MutationObserver(() => {
  if (data && body.isConnected) void renderCurves(data).catch(reportError);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

onHostMessage((message) => {
  switch (message.type) {
    case HostMessageType.EvaluationData:
      if (!Plotly) {
        showMessage(root, 'The plotting library failed to load (dist/webview/plotly-partial.js missing from this build).');
        return;
      }
      if (data?.runPath !== message.data.runPath) imagesShown = IMAGE_PAGE;
      data = message.data;
      persist();
      void render(message.data).catch(reportError);
      break;
    case HostMessageType.NoRun:
      data = null;
      showMessage(root, message.message);
      break;
  }
});
post({ type: WebviewMessageType.Ready });
