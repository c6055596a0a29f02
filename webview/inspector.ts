// Inspector webview: the image with predicted and ground-truth boxes, score threshold, GT/TP/FP toggles, zoom and
// pan, keyboard selection, and the four per-edge DFL distributions of the selected box with their statistics.
// vscode-elements web components used here (imported one by one to keep the bundle small).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { edgeStatsForDetections } from '../extension/core/analytics/edgeStats.ts';
import { EDGE_NAMES } from '../extension/core/types.ts';
import { HostMessageType, WebviewMessageType, type InspectorBox, type InspectorImage, type InspectorState } from '../extension/protocol/messages.ts';
import { classColor, scoreOpacity } from './lib/colors.ts';
import { distributionChart } from './lib/distributionChart.ts';
import { edgeBands, edgePositionPx, fitView, focusThreshold, focusView, placeLabels, pixelsPerBin, type LabelRequest } from './lib/inspectorLayout.ts';
import { fmt, h, hx, markReady, s, showMessage } from './lib/dom.ts';
import { loadState, onHostMessage, post, reportError, saveState } from './lib/vscodeApi.ts';

const root = document.getElementById('inspector')!;
const saved = loadState<InspectorState>();
const view = {
  image: null as InspectorImage | null,
  selected: null as number | null,
  /** The threshold the user chose (slider, or the saved/default one). */
  userThreshold: typeof saved.scoreThreshold === 'number' ? saved.scoreThreshold : 0.3,
  /** The threshold in effect: the user's, lowered while a focused item scores below it (focusThreshold). */
  threshold: typeof saved.scoreThreshold === 'number' ? saved.scoreThreshold : 0.3,
  hovered: null as number | null,
  showGt: saved.showGt ?? true,
  showTp: saved.showTp ?? true,
  showFp: saved.showFp ?? true,
  focusGtId: null as number | null,
  imageCount: 1,
  zoom: 1,
  panX: 0,
  panY: 0,
};

let viewport: HTMLDivElement;
let stage: HTMLDivElement;
let overlay: SVGSVGElement;
let bandLayer: SVGGElement;
let labelLayer: SVGGElement;
let details: HTMLElement;
let countLabel: HTMLElement;
let rendered = false;

function persist(): void {
  saveState<InspectorState>({
    runPath: view.image?.runPath ?? null, imageIndex: view.image?.imageIndex ?? 0, detIndex: view.selected,
    scoreThreshold: view.userThreshold, showGt: view.showGt, showTp: view.showTp, showFp: view.showFp,
  });
}

/** Boxes the focused failure relates to (a Dupe's true positive, a Miss's best candidate): shown whatever the filters. */
function relatedDetections(): Set<number> {
  const related = new Set<number>();
  const selected = view.selected !== null ? view.image?.boxes[view.selected] : undefined;
  if (selected?.context?.relatedDetIndex != null) related.add(selected.context.relatedDetIndex);
  const missed = focusedMissedGt()?.missed;
  if (missed?.relatedDetIndex != null) related.add(missed.relatedDetIndex);
  return related;
}

function focusedMissedGt() {
  return view.focusGtId !== null && view.selected === null ? view.image?.groundTruth?.find((g) => g.id === view.focusGtId) : undefined;
}

function isVisible(box: InspectorBox): boolean {
  if (box.score < view.threshold) return false;
  if (box.outcome === 'tp' && !view.showTp) return false;
  if ((box.outcome === 'fp') && !view.showFp) return false;
  return true;
}

/** Boxes in display and Tab order: highest score first. */
function orderedBoxes(): InspectorBox[] {
  return [...(view.image?.boxes ?? [])].sort((a, b) => b.score - a.score || a.detIndex - b.detIndex);
}

function render(image: InspectorImage, focus: number | null, threshold: number, focusGtId: number | null, imageCount: number): void {
  view.image = image;
  view.focusGtId = focusGtId;
  view.imageCount = imageCount;
  view.userThreshold = threshold;
  if (focus !== null && image.boxes[focus]) {
    view.selected = focus;
    view.threshold = focusThreshold(threshold, image.boxes[focus].score);
  } else {
    view.selected = null;
    // Never open on an empty-looking image: the best box stays visible even when it scores below the default.
    const best = image.boxes.reduce((m, b) => Math.max(m, b.score), 0);
    view.threshold = image.boxes.length ? focusThreshold(threshold, Math.floor(best * 100) / 100) : threshold;
  }
  const slider = h('input', { type: 'range', min: 0, max: 1, step: 0.01, value: view.threshold, id: 'score-threshold', 'aria-label': 'Score threshold' });
  const sliderValue = h('output', { for: 'score-threshold', id: 'score-threshold-value' }, view.threshold.toFixed(2));
  slider.addEventListener('input', () => {
    view.threshold = view.userThreshold = Number(slider.value);
    sliderValue.textContent = view.threshold.toFixed(2);
    applyFilters();
    persist();
  });
  const toggle = (id: string, label: string, checked: boolean, set: (v: boolean) => void) => {
    const box = hx('vscode-checkbox', { id, label, checked: checked || undefined });
    box.addEventListener('change', () => {
      set((box as HTMLInputElement).checked);
      applyFilters();
      persist();
    });
    return box;
  };
  const zoomButton = (label: string, title: string, action: () => void) => {
    const b = hx('vscode-button', { secondary: true, title, 'aria-label': title }, label);
    b.addEventListener('click', action);
    return b;
  };
  countLabel = h('span', { class: 'count', role: 'status' });
  const nav = (label: string, title: string, delta: number) => {
    const target = image.imageIndex + delta;
    const b = hx('vscode-button', { secondary: true, title, 'aria-label': title, disabled: target < 0 || target >= imageCount || undefined, class: 'nav' }, label);
    b.addEventListener('click', () => goToImage(target));
    return b;
  };
  const toolbar = h('header', { class: 'toolbar' },
    imageCount > 1 ? nav('‹', 'Previous image (Page Up)', -1) : null,
    imageCount > 1 ? nav('›', 'Next image (Page Down)', 1) : null,
    h('div', { class: 'title' }, h('strong', {}, image.file), h('span', { class: 'muted' }, ` · ${image.width}×${image.height} · image ${image.imageIndex + 1} of ${imageCount} · ${image.runLabel}`)),
    h('label', { class: 'slider' }, 'Score ≥ ', slider, sliderValue),
    image.groundTruth ? toggle('toggle-gt', 'GT', view.showGt, (v) => (view.showGt = v)) : null,
    image.groundTruth ? toggle('toggle-tp', 'TP', view.showTp, (v) => (view.showTp = v)) : null,
    image.groundTruth ? toggle('toggle-fp', 'FP', view.showFp, (v) => (view.showFp = v)) : null,
    zoomButton('−', 'Zoom out (−)', () => zoomBy(1 / 1.25)),
    zoomButton('+', 'Zoom in (+)', () => zoomBy(1.25)),
    zoomButton('Fit', 'Fit image (0)', fit),
    countLabel,
  );

  overlay = s('svg', { class: 'overlay', viewBox: `0 0 ${image.width} ${image.height}`, width: image.width, height: image.height, 'aria-label': 'Detections' });
  const strokeWidth = Math.max(1.5, Math.min(image.width, image.height) / 250);
  for (const gt of image.groundTruth ?? []) {
    const [x1, y1, x2, y2] = gt.bbox;
    const gtClass = `gt-box${gt.crowd ? ' crowd' : ''}${gt.id === focusGtId ? ' focused' : ''}`;
    overlay.append(s('rect', { class: gtClass, 'data-gt-id': gt.id, x: x1, y: y1, width: x2 - x1, height: y2 - y1, 'stroke-width': strokeWidth },
      s('title', {}, `ground truth: ${gt.className}${gt.crowd ? ' (crowd)' : ''}${gt.missed ? ` — ${gt.missed.long}` : ''}`)));
  }
  for (const box of orderedBoxes()) {
    const [x1, y1, x2, y2] = box.bbox;
    const color = classColor(box.classIndex);
    const label = `${box.className} ${box.score.toFixed(2)}${box.outcome !== 'unknown' ? ` ${box.outcome.toUpperCase()}` : ''}${box.error ? ` (${box.error})` : ''}`;
    const group = s('g', { class: `det ${box.outcome}`, 'data-index': box.detIndex });
    const rect = s('rect', {
      class: `det-box${box.detIndex === view.selected ? ' selected' : ''}`, 'aria-selected': box.detIndex === view.selected ? 'true' : undefined, 'data-index': box.detIndex, x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1),
      stroke: color, 'stroke-opacity': scoreOpacity(box.score), 'stroke-width': strokeWidth, tabindex: 0, role: 'button', 'aria-label': label,
    }, s('title', {}, label));
    rect.addEventListener('click', (e) => {
      e.stopPropagation();
      select(box.detIndex, false);
    });
    rect.addEventListener('focus', () => select(box.detIndex, false));
    rect.addEventListener('pointerenter', () => { view.hovered = box.detIndex; layoutLabels(); });
    rect.addEventListener('pointerleave', () => { if (view.hovered === box.detIndex) { view.hovered = null; layoutLabels(); } });
    group.append(rect);
    overlay.append(group);
  }
  // Above every box: the selected box's edge bands, then the labels (placed per zoom, selected label last = on top).
  bandLayer = s('g', { class: 'edge-bands', 'aria-hidden': 'true' });
  labelLayer = s('g', { class: 'labels', 'aria-hidden': 'true' });
  overlay.append(bandLayer, labelLayer);
  const img = image.uri ? h('img', { src: image.uri, alt: image.file, width: image.width, height: image.height, draggable: 'false' }) : h('div', { class: 'missing-image' }, `Image not found: ${image.file}`);
  viewport = h('div', { class: 'viewport' }, img, overlay);
  viewport.style.width = `${image.width}px`;
  viewport.style.height = `${image.height}px`;
  stage = h('div', { class: 'stage', tabindex: 0, 'aria-label': 'Image. Arrow keys select boxes, + and − zoom, 0 fits, drag to pan.' }, viewport);
  details = h('aside', { class: 'details', 'aria-live': 'polite' });
  root.replaceChildren(toolbar, h('div', { class: 'layout' }, stage, details));
  // One line (the stage and the distribution panel keep the height); the full notes in its tooltip.
  if (image.notes.length) toolbar.append(h('div', { class: 'notes', title: image.notes.join('\n') }, image.notes.join(' · ')));
  installPanZoom();
  applyFilters();
  requestAnimationFrame(() => {
    if (view.selected !== null || focusGtId !== null) zoomToFocus();
    else fit();
  });
  renderDetails();
  markReady(root);
  persist();
}

function applyFilters(): void {
  if (!view.image) return;
  const related = relatedDetections();
  const relatedGt = relatedGroundTruth();
  for (const el of overlay.querySelectorAll<SVGRectElement>('.gt-box')) el.classList.toggle('related', relatedGt === Number(el.dataset.gtId));
  let shown = 0;
  for (const el of overlay.querySelectorAll<SVGGElement>('g.det')) {
    const box = view.image.boxes[Number(el.dataset.index)];
    const isRelated = related.has(box.detIndex);
    const visible = isVisible(box) || box.detIndex === view.selected || isRelated;
    el.classList.toggle('related', isRelated);
    el.classList.toggle('hidden', !visible);
    el.querySelector('rect')!.setAttribute('tabindex', visible ? '0' : '-1');
    if (visible) shown++;
  }
  overlay.classList.toggle('hide-gt', !view.showGt);
  countLabel.textContent = `${shown} of ${view.image.boxes.length} boxes`;
  drawEdgeBands();
  layoutLabels();
}

/** The ground truth the selected failure relates to (the true object of a Cls error, a Loc error's target, …). */
function relatedGroundTruth(): number | null {
  const selected = view.selected !== null ? view.image?.boxes[view.selected] : undefined;
  return selected?.context?.gtId ?? null;
}

/** Labels of the visible boxes at a constant on-screen size, without overlaps (see placeLabels). */
function layoutLabels(): void {
  if (!view.image || !labelLayer) return;
  const requests: LabelRequest[] = [];
  for (const el of overlay.querySelectorAll<SVGGElement>('g.det:not(.hidden)')) {
    const box = view.image.boxes[Number(el.dataset.index)];
    const selected = box.detIndex === view.selected;
    requests.push({
      id: box.detIndex, text: `${box.className} ${box.score.toFixed(2)}${box.error ? ` ${box.error}` : ''}`, box: box.bbox,
      priority: selected ? Infinity : box.score, always: selected || box.detIndex === view.hovered,
    });
  }
  const placed = placeLabels(requests, view.zoom);
  labelLayer.replaceChildren(...placed.map((p) => {
    const box = view.image!.boxes[p.id];
    const selected = p.id === view.selected;
    return s('g', { class: `det-label${selected ? ' selected' : ''}`, 'data-index': p.id },
      s('rect', { class: 'label-bg', x: p.x, y: p.y, width: p.width, height: p.height }),
      s('text', { x: p.x + p.height * 0.15, y: p.y + p.height * 0.8, 'font-size': p.fontSize, fill: classColor(box.classIndex) }, requests.find((r) => r.id === p.id)!.text));
  }));
}

/** The selected box's four edges as bands on the image: expected position ± 1 std, and a second mode when bimodal. */
function drawEdgeBands(): void {
  if (!bandLayer) return;
  const image = view.image!;
  const box = view.selected !== null ? image.boxes[view.selected] : null;
  if (!box || !box.edgeProbs || !image.hasDistributions) {
    bandLayer.replaceChildren();
    return;
  }
  const [x1, y1, x2, y2] = box.bbox;
  const bands = edgeBands({ anchor: box.anchor, stride: box.stride, distances: box.distances, edgeProbs: box.edgeProbs }, image.regMax + 1, image.transform);
  bandLayer.replaceChildren(...bands.flatMap((b) => {
    const vertical = b.edge % 2 === 0; // left and right edges are vertical lines
    const name = EDGE_NAMES[b.edge];
    const band = vertical
      ? s('rect', { class: 'edge-band', 'data-edge': name, x: b.low, y: y1, width: Math.max(0.5, b.high - b.low), height: Math.max(1, y2 - y1) })
      : s('rect', { class: 'edge-band', 'data-edge': name, x: x1, y: b.low, width: Math.max(1, x2 - x1), height: Math.max(0.5, b.high - b.low) });
    const mode = b.secondMode === null ? null : vertical
      ? s('line', { class: 'second-mode', 'data-edge': name, x1: b.secondMode, x2: b.secondMode, y1, y2 })
      : s('line', { class: 'second-mode', 'data-edge': name, x1, x2, y1: b.secondMode, y2: b.secondMode });
    return mode ? [band, mode] : [band];
  }));
}

function select(detIndex: number | null, focusElement: boolean): void {
  if (view.selected === detIndex) return;
  view.selected = detIndex;
  for (const el of overlay.querySelectorAll('.det-box.selected')) {
    el.classList.remove('selected');
    el.setAttribute('aria-selected', 'false');
  }
  if (detIndex !== null) {
    const rect = overlay.querySelector<SVGRectElement>(`.det-box[data-index="${detIndex}"]`);
    rect?.classList.add('selected');
    rect?.setAttribute('aria-selected', 'true');
    if (focusElement) rect?.focus({ preventScroll: true });
  }
  applyFilters();
  renderDetails();
  post({ type: WebviewMessageType.SelectBox, imageIndex: view.image!.imageIndex, detIndex });
  persist();
}

function step(delta: number): void {
  const boxes = orderedBoxes().filter((b) => isVisible(b) || b.detIndex === view.selected);
  if (!boxes.length) return;
  const at = boxes.findIndex((b) => b.detIndex === view.selected);
  const next = at < 0 ? (delta > 0 ? 0 : boxes.length - 1) : (at + delta + boxes.length) % boxes.length;
  select(boxes[next].detIndex, true);
}

function renderDetails(): void {
  const image = view.image!;
  const box = view.selected !== null ? image.boxes[view.selected] : null;
  const distributions = h('div', { id: 'distributions' });
  if (!box) {
    const missedGt = view.focusGtId !== null ? image.groundTruth?.find((g) => g.id === view.focusGtId) : undefined;
    if (missedGt) {
      details.replaceChildren(
        h('p', { class: 'missed' }, `Missed ground truth: ${missedGt.className} at ${missedGt.bbox.map((v) => v.toFixed(0)).join(', ')} (x1, y1, x2, y2 in image pixels; dashed, highlighted).`),
        missedGt.missed ? h('p', { class: 'relates', id: 'failure-context' }, missedGt.missed.long) : '',
        distributions);
      return;
    }
    details.replaceChildren(h('p', { class: 'muted' }, image.boxes.length ? 'Select a box (click, Tab or arrow keys) to see its four edge distributions.' : 'No detections in this image.'), distributions);
    return;
  }
  // Two pairs per row where values are short; the outcome and the box on rows of their own.
  const summary = h('dl', { class: 'summary' },
    h('dt', {}, 'Class'), h('dd', {}, box.className),
    h('dt', {}, 'Score'), h('dd', {}, fmt(box.score)),
    h('dt', { title: 'IoU with the best ground truth of the same class (QFL\'s training target for the score)' }, 'IoU'), h('dd', {}, box.iou === null ? '—' : fmt(box.iou)),
    h('dt', {}, 'Level'), h('dd', {}, `${box.level} (stride ${box.stride})`),
    h('dt', {}, 'Outcome'), h('dd', { class: 'wide' }, box.outcome === 'unknown' ? 'no ground truth' : `${box.outcome.toUpperCase()}${box.error ? ` · TIDE ${box.error}` : ''}`),
    h('dt', { title: 'Corners of the box: left x, top y, right x, bottom y, in pixels of the original image, origin at its top-left corner' }, 'Box'),
    h('dd', { class: 'wide' }, `(x1, y1, x2, y2) ${box.bbox.map((v) => v.toFixed(1)).join(', ')} px`),
  );
  const context = box.context ? h('p', { class: 'relates', id: 'failure-context' }, h('strong', {}, `${box.context.kind}: `), box.context.long) : null;
  if (!image.hasDistributions || !box.edgeProbs) {
    distributions.append(h('p', { class: 'no-distributions' }, image.hasDistributions
      ? 'This detection carries no distribution.'
      : 'This model integrates DFL inside its graph (or the run has boxes only): per-edge distributions are unavailable, so only the expected distances are known.'));
    details.replaceChildren(summary, context ?? '', distributions);
    return;
  }
  const bins = image.regMax + 1;
  const stats = edgeStatsForDetections([{ detection: box, scaleX: image.transform.scaleX, scaleY: image.transform.scaleY }], image.regMax);
  EDGE_NAMES.forEach((edge, e) => {
    const probs = box.edgeProbs!.slice(e * bins, (e + 1) * bins);
    const gt = box.gtDistances ? box.gtDistances[e] : null;
    const perBin = pixelsPerBin(e, box.stride, image.transform);
    const axis = e % 2 === 0 ? 'x' : 'y';
    // One line per value: the edge's position on the image and its distance from the anchor in pixels and bins.
    const at = (d: number) => `${axis} ${fmt(edgePositionPx(e, d, box.anchor, box.stride, image.transform), 1)} · ${fmt(d * perBin, 1)} px`;
    const inBins = (d: number) => `${fmt(d, 2)} bins (${fmt(d * perBin, 1)} px) from the anchor; the edge at ${axis} = ${fmt(edgePositionPx(e, d, box.anchor, box.stride, image.transform), 1)} px on the image`;
    const table = h('table', { class: 'edge-stats' },
      row('expected', at(box.distances[e]), STAT_DEFINITIONS.expected, inBins(box.distances[e])),
      gt !== null ? row('GT', at(gt), STAT_DEFINITIONS.groundTruth, inBins(gt)) : null,
      row('std', `${fmt(stats?.stdPx[o(e)], 1)} px`, STAT_DEFINITIONS.std),
      row('entropy', fmt(stats?.entropy[o(e)]), STAT_DEFINITIONS.entropy),
      row('top-1', fmt(stats?.top1[o(e)]), STAT_DEFINITIONS.top1),
      row('top-4', fmt(stats?.topK[o(e)]), STAT_DEFINITIONS.top4),
      row('bimodality', fmt(stats?.bimodality[o(e)]), STAT_DEFINITIONS.bimodality),
      row('saturation', fmt(stats?.saturation[o(e)]), STAT_DEFINITIONS.saturation),
      row('ambiguity', fmt(stats ? 1 - stats.dflMass[o(e)] : null), STAT_DEFINITIONS.ambiguity),
    );
    const driving = stats && stats.drivingEdge[0] === e && stats.ambiguity[0] >= 0.5;
    distributions.append(h('section', { class: driving ? 'edge-dist driving' : 'edge-dist', 'data-edge': edge },
      h('h3', {}, edge, driving ? h('span', { class: 'badge' }, 'most ambiguous') : null),
      distributionChart({ probs, expected: box.distances[e], gtDistance: gt, pixelsPerBin: perBin, width: 160, height: 66, label: `${edge} edge distribution over ${bins} bins (${fmt(perBin, 1)} px per bin)` }),
      table));
  });
  details.replaceChildren(summary, context ?? '',
    h('p', { class: 'legend muted', title: AXES_NOTE(box.stride) }, h('span', { class: 'key expected' }), ' expected  ', h('span', { class: 'key gt' }), ' ground truth  ',
      h('span', { class: 'key band' }), ' ±1 std on image · axes: ', h('span', { class: 'axis-bins' }, 'bins'), ' / ', h('span', { class: 'axis-px' }, 'px')),
    distributions);
}

/** How to read the charts' two axes and the positions (the legend's tooltip). */
function AXES_NOTE(stride: number): string {
  return `Each chart: the probability of each distance from the anchor, in bins (upper numbers) and in original-image pixels (lower numbers: bins × stride ${stride} ÷ the input scale). ` +
    'Left and top distances point left and up, right and bottom ones right and down. x and y are positions in original-image pixels, origin at the top-left corner.';
}

/** Definitions shown as tooltips on the statistics (see extension/core/analytics/edgeStats.ts). */
const STAT_DEFINITIONS = {
  expected: 'DFL expectation Σ i·p_i: the edge\'s predicted position on the image (x or y, original-image pixels) and its distance from the anchor in pixels (in bins on the chart\'s upper axis; hover the value for both)',
  groundTruth: 'Ground truth: the best same-class ground truth\'s edge, its position on the image and its distance from the same anchor (where DFL\'s target puts the mass)',
  std: 'Standard deviation of the distribution, sqrt(Σ i²·p_i − mean²), converted to original-image pixels (× stride ÷ scale): the band drawn on the image',
  entropy: 'Normalised entropy −Σ p_i ln p_i / ln(R+1): 0 = all mass in one bin, 1 = uniform',
  top1: 'Largest single-bin probability',
  top4: 'Sum of the 4 largest bin probabilities (GFLv2\'s distribution-guided quality feature)',
  bimodality: 'Second-peak ratio p_j / p_max of the highest secondary local maximum separated by a dip; 0 when unimodal',
  saturation: 'Mass on the last bin: the edge may lie beyond the representable range (R × stride)',
  ambiguity: '1 − mass on the two bins around the mean (the bins DFL trains): 0 = sharp, ~0.75 = uniform over 8 bins',
} as const;

/** Offset of edge e of the single detection in the statistics' columns. */
const o = (e: number) => e;

function row(label: string, value: string, definition: string, detail?: string): HTMLTableRowElement {
  return h('tr', {}, h('th', { scope: 'row', title: definition, class: 'defined' }, label), h('td', { title: detail }, value));
}

// ---------- zoom and pan ----------
let labelledZoom = 0;
/** What the view shows until the user zooms or pans: the fitted image or the focused failure (kept on resize). */
let autoView: 'fit' | 'focus' | null = null;
function applyTransform(): void {
  viewport.style.transform = `translate(${view.panX}px, ${view.panY}px) scale(${view.zoom})`;
  viewport.dataset.zoom = String(view.zoom);
  // Labels keep their on-screen size: re-placed when the zoom changes (a pan moves them with the image).
  if (view.zoom !== labelledZoom) {
    labelledZoom = view.zoom;
    layoutLabels();
  }
}

function setView(v: { zoom: number; panX: number; panY: number }): void {
  view.zoom = v.zoom;
  view.panX = v.panX;
  view.panY = v.panY;
  applyTransform();
}

function fit(): void {
  const image = view.image;
  if (!image) return;
  setView(fitView({ width: stage.clientWidth, height: stage.clientHeight }, image));
  autoView = 'fit';
}

/** Zooms so the focused failure and what it relates to fill a sensible part of the stage (focusView). */
function zoomToFocus(): void {
  const image = view.image;
  if (!image) return;
  const boxes: (readonly number[])[] = [];
  const selected = view.selected !== null ? image.boxes[view.selected] : undefined;
  const missed = focusedMissedGt();
  if (selected) {
    boxes.push(selected.bbox);
    const gt = image.groundTruth?.find((g) => g.id === selected.context?.gtId);
    if (gt) boxes.push(gt.bbox);
    const other = selected.context?.relatedDetIndex != null ? image.boxes[selected.context.relatedDetIndex] : undefined;
    if (other) boxes.push(other.bbox);
  } else if (view.focusGtId !== null) {
    const gt = image.groundTruth?.find((g) => g.id === view.focusGtId);
    if (gt) boxes.push(gt.bbox);
    const candidate = missed?.missed?.relatedDetIndex != null ? image.boxes[missed.missed.relatedDetIndex] : undefined;
    if (candidate) boxes.push(candidate.bbox);
  }
  setView(focusView({ width: stage.clientWidth, height: stage.clientHeight }, image, boxes));
  viewport.dataset.focused = boxes.length ? 'true' : 'false';
  autoView = 'focus';
}

function zoomBy(factor: number, cx = stage.clientWidth / 2, cy = stage.clientHeight / 2): void {
  autoView = null;
  const zoom = Math.min(40, Math.max(0.05, view.zoom * factor));
  view.panX = cx - ((cx - view.panX) * zoom) / view.zoom;
  view.panY = cy - ((cy - view.panY) * zoom) / view.zoom;
  view.zoom = zoom;
  applyTransform();
}


function goToImage(imageIndex: number): void {
  if (!view.image || imageIndex < 0 || imageIndex >= view.imageCount || imageIndex === view.image.imageIndex) return;
  markReady(root, false);
  post({ type: WebviewMessageType.SelectImage, imageIndex });
}

function installPanZoom(): void {
  stage.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag: { x: number; y: number; panX: number; panY: number; moved: boolean } | null = null;
  stage.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, panX: view.panX, panY: view.panY, moved: false };
  });
  stage.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 3) return;
    if (!drag.moved) stage.setPointerCapture(e.pointerId);
    drag.moved = true;
    autoView = null;
    view.panX = drag.panX + dx;
    view.panY = drag.panY + dy;
    applyTransform();
  });
  const end = (e: PointerEvent) => {
    if (drag?.moved) {
      stage.releasePointerCapture(e.pointerId);
      // A drag must not also count as a click on a box.
      window.addEventListener('click', (c) => c.stopPropagation(), { capture: true, once: true });
    }
    drag = null;
  };
  stage.addEventListener('pointerup', end);
  stage.addEventListener('pointercancel', end);
  stage.addEventListener('click', () => select(null, false));
  stage.addEventListener('keydown', (e) => {
    switch (e.key) {
      case 'ArrowRight': case 'ArrowDown': step(1); break;
      case 'ArrowLeft': case 'ArrowUp': step(-1); break;
      case '+': case '=': zoomBy(1.25); break;
      case '-': zoomBy(1 / 1.25); break;
      case '0': fit(); break;
      case 'Escape': select(null, false); stage.focus(); break;
      case 'PageDown': goToImage((view.image?.imageIndex ?? 0) + 1); break;
      case 'PageUp': goToImage((view.image?.imageIndex ?? 0) - 1); break;
      default: return;
    }
    e.preventDefault();
  });
  new ResizeObserver(() => {
    // A resized stage refits the image or re-zooms to the failure, unless the user has zoomed or panned since.
    if (autoView === 'fit') fit();
    else if (autoView === 'focus') zoomToFocus();
    else if (view.zoom > 0) applyTransform();
  }).observe(stage);
}

onHostMessage((message) => {
  try {
    switch (message.type) {
      case HostMessageType.ShowImage:
        // The slider keeps the user's value across images; the host's default applies to a fresh panel only.
        render(message.image, message.focus ?? (saved.imageIndex === message.image.imageIndex ? saved.detIndex ?? null : null),
          rendered ? view.userThreshold : typeof saved.scoreThreshold === 'number' ? saved.scoreThreshold : message.scoreThreshold,
          message.focusGtId ?? null, message.imageCount ?? 1);
        rendered = true;
        saved.detIndex = undefined;
        break;
      case HostMessageType.FocusBox:
        if (view.image?.boxes[message.detIndex]) {
          // Lowered for this item only: the next one starts again from the user's threshold.
          view.threshold = focusThreshold(view.userThreshold, view.image.boxes[message.detIndex].score);
          const slider = document.getElementById('score-threshold') as HTMLInputElement | null;
          if (slider) slider.value = String(view.threshold);
          const value = document.getElementById('score-threshold-value');
          if (value) value.textContent = view.threshold.toFixed(2);
          view.focusGtId = null;
          select(message.detIndex, true);
          applyFilters();
          zoomToFocus();
        }
        break;
      case HostMessageType.NoRun:
        showMessage(root, message.message);
        break;
    }
  } catch (error) {
    reportError(error);
  }
});
post({ type: WebviewMessageType.Ready });
