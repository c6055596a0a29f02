// Comparison view: two runs on the same dataset (A = the shown run, B = the one compared with). Δ tables, per-GT flips,
// new/vanished confident false positives, score and IoU shift histograms (each with its table), calibration Δ with
// paired-bootstrap intervals, distribution Δ, and the A/B view: one image with A's boxes, B's boxes and the ground
// truth, and the selected pair's four edge distributions side by side. Every list row opens its image in the A/B
// view (click, or Enter; arrow keys move between rows).
import { EDGE_NAMES } from '../extension/core/types.ts';
import type { CalibrationDelta, DeltaValue, FalsePositiveChange, GtFlip, Histogram, PairChange, RunComparison } from '../extension/core/analytics/compare.ts';
import { HostMessageType, WebviewMessageType, type ComparedBox, type ComparedImage, type CompareState } from '../extension/protocol/messages.ts';
import { themeColor } from './lib/colors.ts';
import { distributionChart } from './lib/distributionChart.ts';
import { fmt, h, markReady, s, showMessage } from './lib/dom.ts';
import { onHostMessage, post, reportError, saveState } from './lib/vscodeApi.ts';

interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
}
const Plotly = (globalThis as unknown as { Plotly?: PlotlyLike }).Plotly;
const root = document.getElementById('compare')!;
let comparison: RunComparison | null = null;
let abSection: HTMLElement | null = null;
let current: { image: ComparedImage; threshold: number; selectedA: number | null; selectedB: number | null; allScores: boolean; show: { a: boolean; b: boolean; gt: boolean } } | null = null;

const signed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`);
const deltaClass = (v: number | null, higherIsBetter = true) => (v === null || v === 0 ? 'num' : (v > 0) === higherIsBetter ? 'num good' : 'num bad');

function table(caption: string, headers: string[], rows: HTMLTableRowElement[]): HTMLTableElement {
  return h('table', {}, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, ...rows));
}

function deltaCells(v: DeltaValue, digits = 3, higherIsBetter = true): HTMLTableCellElement[] {
  return [h('td', { class: 'num' }, fmt(v.a, digits)), h('td', { class: 'num' }, fmt(v.b, digits)), h('td', { class: deltaClass(v.delta, higherIsBetter) }, signed(v.delta, digits))];
}

/** A list row that opens its image in the A/B view. */
function openRow(cells: HTMLTableCellElement[], label: string, open: () => void): HTMLTableRowElement {
  const row = h('tr', { class: 'open-row', tabindex: 0, role: 'button', 'aria-label': `${label}. Enter shows it in the A/B view.` }, ...cells);
  row.addEventListener('click', open);
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); return; }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const next = (e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
    next?.focus();
  });
  return row;
}

function select(imageId: number, gtId: number | null, detIndexA: number | null, detIndexB: number | null): void {
  post({ type: WebviewMessageType.SelectComparedImage, imageId, gtId, detIndexA, detIndexB });
}

function flipTable(title: string, flips: GtFlip[], total: number, foundBy: 'A' | 'B'): HTMLElement {
  const rows = flips.map((f) => openRow([
    h('td', { class: 'mono' }, f.file), h('td', {}, f.categoryName), h('td', { class: 'num' }, String(f.gtId)),
    h('td', { class: 'num' }, `${fmt(f.found.score)} / ${fmt(f.found.iou)}`), h('td', {}, f.reason),
    h('td', { class: 'num' }, f.missedBy ? `${fmt(f.missedBy.score)} / ${fmt(f.missedBy.iou)}` : '—'),
  ], `${f.categoryName} ground truth ${f.gtId} in ${f.file}, found by ${foundBy} only`, () => select(f.imageId, f.gtId,
    foundBy === 'A' ? f.found.detIndex : f.missedBy?.detIndex ?? null, foundBy === 'B' ? f.found.detIndex : f.missedBy?.detIndex ?? null)));
  return h('section', { class: 'flips', 'data-list': foundBy === 'A' ? 'only-a' : 'only-b' },
    h('h3', {}, `${title} (${total}${flips.length < total ? `, ${flips.length} listed` : ''})`),
    rows.length ? table(title, ['Image', 'Category', 'GT id', `Found by ${foundBy}: score / IoU`, `Why ${foundBy === 'A' ? 'B' : 'A'} missed it`, 'Its closest: score / IoU'], rows) : h('p', { class: 'muted' }, 'none'));
}

function pairTable(title: string, pairs: PairChange[], total: number, extra?: (p: PairChange) => HTMLTableCellElement[], extraHeaders: string[] = []): HTMLElement {
  const rows = pairs.map((p) => openRow([
    h('td', { class: 'mono' }, p.file), h('td', {}, p.categoryName), h('td', { class: 'num' }, String(p.gtId)),
    h('td', { class: 'num' }, fmt(p.a.iou)), h('td', { class: 'num' }, fmt(p.b.iou)), h('td', { class: deltaClass(p.deltaIoU) }, signed(p.deltaIoU)),
    h('td', { class: 'num' }, signed(p.deltaScore)), ...(extra ? extra(p) : []),
  ], `${p.categoryName} ground truth ${p.gtId} in ${p.file}, IoU ${fmt(p.a.iou, 2)} to ${fmt(p.b.iou, 2)}`, () => select(p.imageId, p.gtId, p.a.detIndex, p.b.detIndex)));
  return h('section', {}, h('h3', {}, `${title} (${total}${pairs.length < total ? `, ${pairs.length} listed` : ''})`),
    rows.length ? table(title, ['Image', 'Category', 'GT id', 'IoU A', 'IoU B', 'ΔIoU', 'Δscore', ...extraHeaders], rows) : h('p', { class: 'muted' }, 'none'));
}

function fpTable(title: string, list: FalsePositiveChange[], total: number, run: 'A' | 'B'): HTMLElement {
  const rows = list.map((f) => openRow([
    h('td', { class: 'mono' }, f.file), h('td', {}, f.categoryName), h('td', { class: 'num' }, fmt(f.detection.score)),
    h('td', {}, f.detection.error ?? '—'), h('td', { class: 'num' }, fmt(f.detection.iou)),
  ], `${f.categoryName} false positive of ${run} in ${f.file}, score ${fmt(f.detection.score, 2)}`, () => select(f.imageId, null, run === 'A' ? f.detection.detIndex : null, run === 'B' ? f.detection.detIndex : null)));
  return h('section', {}, h('h3', {}, `${title} (${total}${list.length < total ? `, ${list.length} listed` : ''})`),
    rows.length ? table(title, ['Image', 'Class', 'Score', 'TIDE error', 'IoU (best same-class GT)'], rows) : h('p', { class: 'muted' }, 'none'));
}

function histogramBlock(title: string, hist: Histogram, xLabel: string): HTMLElement {
  const plot = h('div', { class: 'plot', role: 'img', 'aria-label': `${title}: histogram; the table below lists the same counts` });
  const centres = hist.counts.map((_, b) => (hist.edges[b] + hist.edges[b + 1]) / 2);
  if (Plotly) {
    const fg = themeColor('--vscode-foreground', '#ccc');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    void Plotly.react(plot, [{ type: 'bar', x: centres, y: hist.counts, marker: { color: themeColor('--vscode-charts-blue', '#3794ff') }, hovertemplate: `${xLabel} %{x:.3f}<br>%{y} pairs<extra></extra>` }], {
      margin: { l: 48, r: 12, t: 28, b: 40 }, height: 240, title: { text: title, font: { size: 13 } }, bargap: 0.05,
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { color: fg, size: 12 },
      xaxis: { title: { text: xLabel }, range: [hist.edges[0], hist.edges[hist.edges.length - 1]], gridcolor: grid, zerolinecolor: fg },
      yaxis: { title: { text: 'pairs' }, gridcolor: grid },
    }, { displaylogo: false, responsive: true }).catch(reportError);
  }
  const rows = hist.counts.map((c, b) => (c ? h('tr', {}, h('td', { class: 'num' }, `${hist.edges[b].toFixed(3)} … ${hist.edges[b + 1].toFixed(3)}`), h('td', { class: 'num' }, String(c))) : null)).filter((r): r is HTMLTableRowElement => r !== null);
  return h('div', { class: 'hist' }, plot, h('details', {}, h('summary', {}, `${title} as a table`), table(title, [xLabel, 'pairs'], rows)));
}

function calibrationTable(c: RunComparison): HTMLElement {
  const lowerIsBetter = [true, true, true, false, false];
  const rows = c.calibration.metrics.map((m: CalibrationDelta, k) => {
    const reading = !m.interval ? 'no interval' : m.interval[0] <= 0 && m.interval[1] >= 0 ? 'within noise' : (m.interval[1] < 0) === lowerIsBetter[k] ? 'B better' : 'B worse';
    return h('tr', {}, h('th', { scope: 'row', title: m.definition }, m.name), ...deltaCells(m, 4, !lowerIsBetter[k]),
      h('td', { class: 'num' }, m.interval ? `[${signed(m.interval[0], 4)}, ${signed(m.interval[1], 4)}]` : '—'), h('td', {}, reading));
  });
  return h('section', { id: 'calibration' }, h('h2', {}, 'Calibration Δ'), h('p', { class: 'muted' }, c.calibration.note),
    table('Calibration of A and B, B − A with its interval', ['Metric', 'A', 'B', 'Δ', `${Math.round(c.calibration.level * 100)}% interval of Δ`, 'Reading'], rows));
}

function render(c: RunComparison): void {
  comparison = c;
  saveState<CompareState>({ runPathA: c.a.sourcePath, runPathB: c.b.sourcePath, imageId: current?.image.imageId ?? null });
  const f = c.flips.counts;
  const ap = c.stats.values[0];
  const laece = c.calibration.metrics[0];
  const exportButton = h('button', { type: 'button', class: 'export', title: 'Save this comparison as an HTML, Markdown or JSON report' }, 'Export report…');
  exportButton.addEventListener('click', () => post({ type: WebviewMessageType.ExportComparison }));
  const header = h('header', { class: 'toolbar' },
    h('div', { class: 'title' }, h('span', { class: 'key a' }), h('strong', {}, ` A: ${c.a.label}`), '   ', h('span', { class: 'key b' }), h('strong', {}, ` B: ${c.b.label}`)),
    exportButton,
    h('p', { class: 'muted' }, `${c.dataset.images} images, ${c.dataset.groundTruths} non-crowd ground truths (${c.dataset.annotations ?? 'unnamed'}); flips and confident FPs at IoU 0.5 and score ≥ ${c.operatingThreshold}; Δ = B − A.`),
    ...c.notes.map((n) => h('p', { class: 'note' }, n)));
  const headline = h('section', { class: 'headline', 'aria-label': 'Headline changes' },
    h('div', { class: 'stat' }, h('span', { class: 'label' }, 'ΔAP'), h('span', { class: deltaClass(ap.delta) }, signed(ap.delta))),
    h('div', { class: 'stat' }, h('span', { class: 'label' }, 'found by A only'), h('span', { class: 'num' }, String(f.foundOnlyByA))),
    h('div', { class: 'stat' }, h('span', { class: 'label' }, 'found by B only'), h('span', { class: 'num' }, String(f.foundOnlyByB))),
    h('div', { class: 'stat' }, h('span', { class: 'label' }, 'mean score shift'), h('span', { class: 'num' }, signed(c.shifts.meanScoreShift, 4))),
    h('div', { class: 'stat' }, h('span', { class: 'label' }, 'ΔLaECE₀'), h('span', { class: deltaClass(laece.delta, false) }, `${signed(laece.delta, 4)} ${laece.interval ? `[${signed(laece.interval[0], 4)}, ${signed(laece.interval[1], 4)}]` : ''}`)));

  const stats = h('section', { id: 'stats' }, h('h2', {}, 'COCO metrics'),
    table('The 12 COCO stats of A and B', ['Metric', 'A', 'B', 'Δ'], c.stats.keys.map((k, i) => h('tr', {}, h('th', { scope: 'row' }, k), ...deltaCells(c.stats.values[i])))),
    h('h3', {}, 'TIDE dAP (AP points; lower is better)'),
    table('TIDE dAP per error type', ['Error', 'A', 'B', 'Δ'], [h('tr', {}, h('th', { scope: 'row' }, 'TIDE AP@0.5'), ...deltaCells(c.tide.ap, 2)),
      ...c.tide.types.map((t, i) => h('tr', {}, h('th', { scope: 'row' }, t), ...deltaCells(c.tide.dAP[i], 2, false)))]),
    h('details', {}, h('summary', {}, `AP per class, largest drop first (${c.perClass.length} categories)`),
      table('AP per class', ['Category', 'GTs', 'AP A', 'AP B', 'ΔAP', 'AP50 A', 'AP50 B', 'ΔAP50'],
        c.perClass.map((p) => h('tr', {}, h('th', { scope: 'row' }, p.name), h('td', { class: 'num' }, String(p.numGt)), ...deltaCells(p.ap), ...deltaCells(p.ap50))))));

  const flips = h('section', { id: 'flips' }, h('h2', {}, `Per-GT flips (IoU 0.5, score ≥ ${c.operatingThreshold})`),
    h('p', {}, `${f.groundTruths} ground truths: found by both ${f.foundByBoth}, only by A ${f.foundOnlyByA}, only by B ${f.foundOnlyByB}, by neither ${f.foundByNeither}.`),
    flipTable('Found by A, missed by B', c.flips.foundOnlyByA, f.foundOnlyByA, 'A'),
    flipTable('Found by B, missed by A', c.flips.foundOnlyByB, f.foundOnlyByB, 'B'),
    pairTable(`Largest localisation changes (|ΔIoU| ≥ ${c.flips.minLocalisationChange})`, c.flips.localisation, f.localisationChanges));

  const fp = c.confidentFalsePositives;
  const fps = h('section', { id: 'fps' }, h('h2', {}, `Confident false positives (score ≥ ${c.operatingThreshold})`),
    h('p', {}, `A ${fp.countA}, B ${fp.countB}. A false positive is new when the other run has none of the same class in the same image at IoU ≥ 0.5 with it.`),
    fpTable('New in B', fp.newInB, fp.newCount, 'B'), fpTable('Vanished (A only)', fp.vanishedFromA, fp.vanishedCount, 'A'));

  const sh = c.shifts;
  const shifts = h('section', { id: 'shifts' }, h('h2', {}, 'Score and IoU shift on matched pairs'),
    h('p', { class: 'muted' }, `${sh.population}: ${sh.pairs} pairs. Mean score shift ${signed(sh.meanScoreShift, 4)} (median ${signed(sh.medianScoreShift, 4)}; lower in B for ${sh.scoreDroppedShare === null ? '—' : `${(100 * sh.scoreDroppedShare).toFixed(1)}%`}), mean IoU shift ${signed(sh.meanIoUShift, 4)}.`),
    h('div', { class: 'two' }, histogramBlock('score B − A', sh.score, 'score shift'), histogramBlock('IoU B − A', sh.iou, 'IoU shift')));

  const dist = h('section', { id: 'distributions' }, h('h2', {}, 'Distribution Δ (matched pairs)'));
  if (c.distribution) {
    const d = c.distribution;
    dist.append(h('p', {}, `${d.pairs} pairs; mean ambiguity ${fmt(d.meanAmbiguity.a)} → ${fmt(d.meanAmbiguity.b)} (${signed(d.meanAmbiguity.delta)}).`),
      table('Per-edge spread of the DFL distributions', ['Edge', 'std px A', 'std px B', 'Δ std px', 'entropy A', 'entropy B', 'Δ entropy', 'sharper in B'],
        d.perEdge.map((e) => h('tr', {}, h('th', { scope: 'row' }, e.edge), h('td', { class: 'num' }, fmt(e.meanStdPxA, 2)), h('td', { class: 'num' }, fmt(e.meanStdPxB, 2)),
          h('td', { class: deltaClass(e.deltaStdPx, false) }, signed(e.deltaStdPx, 2)), h('td', { class: 'num' }, fmt(e.meanEntropyA)), h('td', { class: 'num' }, fmt(e.meanEntropyB)),
          h('td', { class: deltaClass(e.deltaEntropy, false) }, signed(e.deltaEntropy)), h('td', { class: 'num' }, `${(100 * e.sharperShare).toFixed(1)}%`)))),
      pairTable('Largest ambiguity changes', d.ambiguityChanges, d.ambiguityChanges.length,
        (p) => { const a = p as (typeof d.ambiguityChanges)[number]; return [h('td', { class: 'num' }, fmt(a.ambiguityA)), h('td', { class: 'num' }, fmt(a.ambiguityB)), h('td', { class: deltaClass(a.deltaAmbiguity, false) }, signed(a.deltaAmbiguity))]; },
        ['ambiguity A', 'ambiguity B', 'Δ ambiguity']));
  } else {
    dist.append(h('p', { class: 'muted' }, 'Not available: both runs need DFL distributions (run stores of models that expose them).'));
  }

  abSection = h('section', { id: 'ab', class: 'ab', 'aria-live': 'polite' }, h('h2', {}, 'A/B view'), h('p', { class: 'muted placeholder' }, 'Select a flip, a pair or a false positive to see both runs on its image.'));
  const lists = h('div', { class: 'lists' }, headline, flips, fps, stats, shifts, calibrationTable(c), dist);
  root.replaceChildren(header, h('div', { class: 'layout' }, lists, abSection));
  if (current) renderAB();
  markReady(root);
}

// ---------------- the A/B view ----------------

function boxVisible(box: ComparedBox, selected: number | null): boolean {
  return current!.allScores || box.score >= current!.threshold || box.detIndex === selected;
}

function renderAB(): void {
  if (!abSection || !current) return;
  const { image, selectedA, selectedB, show } = current;
  saveState<CompareState>({ runPathA: comparison?.a.sourcePath ?? null, runPathB: comparison?.b.sourcePath ?? null, imageId: image.imageId });
  // One wrapper sized by the image's aspect ratio; the <img> and the SVG overlay both fill it, and the overlay's
  // viewBox is the image's pixel grid: one transform at every size.
  const stage = h('div', { class: 'ab-stage', role: 'group', 'aria-label': `${image.file}: A's boxes, B's boxes and the ground truth` });
  stage.style.aspectRatio = `${image.width} / ${image.height}`;
  // As wide as the column allows, but no taller than 70% of the view (small images are scaled up, tall ones down).
  stage.style.width = `min(100%, ${((70 * image.width) / Math.max(1, image.height)).toFixed(2)}vh)`;
  if (image.uri) stage.append(h('img', { src: image.uri, alt: image.file, class: 'ab-image', draggable: 'false' }));
  else stage.append(h('p', { class: 'muted no-image' }, 'image not found: boxes only'));
  const overlay = s('svg', { class: 'ab-overlay', viewBox: `0 0 ${image.width} ${image.height}`, preserveAspectRatio: 'none' });
  const focusGt = image.focus.gtId;
  if (show.gt) {
    for (const g of image.groundTruth) {
      overlay.append(s('rect', { class: `ab-gt${g.id === focusGt ? ' focus' : ''}${g.crowd ? ' crowd' : ''}`, x: g.bbox[0], y: g.bbox[1], width: g.bbox[2] - g.bbox[0], height: g.bbox[3] - g.bbox[1], 'data-gt-id': g.id },
        s('title', {}, `GT ${g.id} ${g.className}${g.crowd ? ' (crowd)' : ''}`)));
    }
  }
  const drawBoxes = (side: 'a' | 'b', boxes: ComparedBox[], selected: number | null) => {
    for (const box of boxes) {
      if (!boxVisible(box, selected)) continue;
      const [x1, y1, x2, y2] = box.bbox;
      const rect = s('rect', { class: `ab-box ${side}${box.detIndex === selected ? ' selected' : ''}`, x: x1, y: y1, width: x2 - x1, height: y2 - y1, tabindex: 0, role: 'button',
        'data-det-index': box.detIndex, 'aria-label': `${side.toUpperCase()} ${box.className} ${box.score.toFixed(2)}` },
      s('title', {}, `${side.toUpperCase()}: ${box.className} ${box.score.toFixed(3)}`));
      const choose = () => {
        if (side === 'a') current!.selectedA = box.detIndex; else current!.selectedB = box.detIndex;
        renderAB();
      };
      rect.addEventListener('click', choose);
      rect.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(); } });
      overlay.append(rect);
    }
  };
  if (show.a) drawBoxes('a', image.a.boxes, selectedA);
  if (show.b) drawBoxes('b', image.b.boxes, selectedB);
  stage.append(overlay);

  const toggle = (label: string, checked: boolean, onChange: (v: boolean) => void, cls: string) => {
    const input = h('input', { type: 'checkbox', class: cls });
    input.checked = checked;
    input.addEventListener('change', () => { onChange(input.checked); renderAB(); });
    return h('label', {}, input, ` ${label}`);
  };
  const controls = h('div', { class: 'ab-controls' },
    toggle('A', show.a, (v) => { show.a = v; }, 'show-a'), h('span', { class: 'key a' }),
    toggle('B', show.b, (v) => { show.b = v; }, 'show-b'), h('span', { class: 'key b' }),
    toggle('GT', show.gt, (v) => { show.gt = v; }, 'show-gt'), h('span', { class: 'key gt' }),
    toggle(`all scores (else ≥ ${current.threshold})`, current.allScores, (v) => { current!.allScores = v; }, 'show-all'));

  const pick = (boxes: ComparedBox[], d: number | null) => (d === null ? undefined : boxes.find((b) => b.detIndex === d));
  const boxA = pick(image.a.boxes, selectedA), boxB = pick(image.b.boxes, selectedB);
  const describe = (label: string, box: ComparedBox | undefined) => (box ? `${label}: ${box.className} ${box.score.toFixed(3)}` : `${label}: no box selected`);
  const distGrid = h('div', { class: 'ab-dist', role: 'group', 'aria-label': 'Edge distributions of the selected pair, A left and B right' },
    h('div', { class: 'ab-dist-head' }, h('span', {}, ''), h('strong', {}, describe('A', boxA)), h('strong', {}, describe('B', boxB))));
  EDGE_NAMES.forEach((edge, e) => {
    const chart = (box: ComparedBox | undefined, regMax: number, run: string) => {
      if (!box) return h('span', { class: 'muted' }, '—');
      if (!box.edgeProbs) return h('span', { class: 'muted' }, 'no distribution');
      const bins = regMax + 1;
      return distributionChart({ probs: box.edgeProbs.slice(e * bins, (e + 1) * bins), expected: box.distances[e], gtDistance: box.gtDistances ? box.gtDistances[e] : null, width: 240, height: 80, label: `${run} ${edge} edge distribution` });
    };
    distGrid.append(h('div', { class: 'ab-dist-row' }, h('span', { class: 'edge' }, edge), chart(boxA, image.a.regMax, 'A'), chart(boxB, image.b.regMax, 'B')));
  });
  abSection.replaceChildren(h('h2', {}, 'A/B view'), h('p', { class: 'mono' }, `${image.file} (image ${image.imageId})${focusGt !== null ? ` · GT ${focusGt}` : ''}`), controls, stage,
    h('p', { class: 'legend muted' }, h('span', { class: 'key expected' }), ' expected  ', h('span', { class: 'key gt' }), ' ground truth edge'), distGrid);
  abSection.setAttribute('data-image-id', String(image.imageId));
}

onHostMessage((message) => {
  try {
    if (message.type === HostMessageType.CompareData) render(message.data);
    else if (message.type === HostMessageType.ComparedImage) {
      const keep = current?.show ?? { a: true, b: true, gt: true };
      current = { image: message.image, threshold: message.scoreThreshold, selectedA: message.image.focus.detIndexA, selectedB: message.image.focus.detIndexB, allScores: current?.allScores ?? false, show: keep };
      renderAB();
      abSection?.scrollIntoView({ block: 'nearest' });
    } else if (message.type === HostMessageType.NoRun) {
      comparison = null;
      current = null;
      showMessage(root, message.message);
    }
  } catch (error) {
    reportError(error);
  }
});
post({ type: WebviewMessageType.Ready });
