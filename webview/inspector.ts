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
import { fmt, h, hx, markReady, s, showMessage } from './lib/dom.ts';
import { loadState, onHostMessage, post, reportError, saveState } from './lib/vscodeApi.ts';

const root = document.getElementById('inspector')!;
const saved = loadState<InspectorState>();
const view = {
  image: null as InspectorImage | null,
  selected: null as number | null,
  threshold: typeof saved.scoreThreshold === 'number' ? saved.scoreThreshold : 0.3,
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
let details: HTMLElement;
let countLabel: HTMLElement;
let rendered = false;

function persist(): void {
  saveState<InspectorState>({
    runPath: view.image?.runPath ?? null, imageIndex: view.image?.imageIndex ?? 0, detIndex: view.selected,
    scoreThreshold: view.threshold, showGt: view.showGt, showTp: view.showTp, showFp: view.showFp,
  });
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
  if (focus !== null && image.boxes[focus]) {
    view.selected = focus;
    view.threshold = Math.min(threshold, image.boxes[focus].score);
  } else {
    view.selected = null;
    // Never open on an empty-looking image: the best box stays visible even when it scores below the default.
    const best = image.boxes.reduce((m, b) => Math.max(m, b.score), 0);
    view.threshold = image.boxes.length ? Math.min(threshold, Math.floor(best * 100) / 100) : threshold;
  }
  const slider = h('input', { type: 'range', min: 0, max: 1, step: 0.01, value: view.threshold, id: 'score-threshold', 'aria-label': 'Score threshold' });
  const sliderValue = h('output', { for: 'score-threshold', id: 'score-threshold-value' }, view.threshold.toFixed(2));
  slider.addEventListener('input', () => {
    view.threshold = Number(slider.value);
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
      s('title', {}, `ground truth: ${gt.className}${gt.crowd ? ' (crowd)' : ''}`)));
  }
  for (const box of orderedBoxes()) {
    const [x1, y1, x2, y2] = box.bbox;
    const color = classColor(box.classIndex);
    const label = `${box.className} ${box.score.toFixed(2)}${box.outcome !== 'unknown' ? ` ${box.outcome.toUpperCase()}` : ''}${box.error ? ` (${box.error})` : ''}`;
    const group = s('g', { class: `det ${box.outcome}`, 'data-index': box.detIndex });
    const rect = s('rect', {
      class: 'det-box', 'data-index': box.detIndex, x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1),
      stroke: color, 'stroke-opacity': scoreOpacity(box.score), 'stroke-width': strokeWidth, tabindex: 0, role: 'button', 'aria-label': label,
    }, s('title', {}, label));
    rect.addEventListener('click', (e) => {
      e.stopPropagation();
      select(box.detIndex, false);
    });
    rect.addEventListener('focus', () => select(box.detIndex, false));
    group.append(rect, s('text', { class: 'det-label', x: x1 + 2, y: Math.max(y1 - 3, 10), fill: color, 'font-size': strokeWidth * 7 }, `${box.className} ${box.score.toFixed(2)}`));
    overlay.append(group);
  }
  const img = image.uri ? h('img', { src: image.uri, alt: image.file, width: image.width, height: image.height, draggable: 'false' }) : h('div', { class: 'missing-image' }, `Image not found: ${image.file}`);
  viewport = h('div', { class: 'viewport' }, img, overlay);
  viewport.style.width = `${image.width}px`;
  viewport.style.height = `${image.height}px`;
  stage = h('div', { class: 'stage', tabindex: 0, 'aria-label': 'Image. Arrow keys select boxes, + and − zoom, 0 fits, drag to pan.' }, viewport);
  details = h('aside', { class: 'details', 'aria-live': 'polite' });
  root.replaceChildren(toolbar, h('div', { class: 'layout' }, stage, details));
  if (image.notes.length) toolbar.append(h('div', { class: 'notes' }, image.notes.join(' · ')));
  installPanZoom();
  applyFilters();
  requestAnimationFrame(() => {
    fit();
    if (view.selected !== null) centreOn(image.boxes[view.selected]);
    else if (focusGtId !== null) {
      const gt = image.groundTruth?.find((g) => g.id === focusGtId);
      if (gt) centreOnBox(gt.bbox);
    }
  });
  renderDetails();
  markReady(root);
  persist();
}

function applyFilters(): void {
  if (!view.image) return;
  let shown = 0;
  for (const el of overlay.querySelectorAll<SVGGElement>('g.det')) {
    const box = view.image.boxes[Number(el.dataset.index)];
    const visible = isVisible(box) || box.detIndex === view.selected;
    el.classList.toggle('hidden', !visible);
    el.querySelector('rect')!.setAttribute('tabindex', visible ? '0' : '-1');
    if (visible) shown++;
  }
  overlay.classList.toggle('hide-gt', !view.showGt);
  countLabel.textContent = `${shown} of ${view.image.boxes.length} boxes`;
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
      details.replaceChildren(h('p', { class: 'missed' }, `Missed ground truth: ${missedGt.className} at ${missedGt.bbox.map((v) => v.toFixed(0)).join(', ')} (dashed, highlighted). No detection found it.`), distributions);
      return;
    }
    details.replaceChildren(h('p', { class: 'muted' }, image.boxes.length ? 'Select a box (click, Tab or arrow keys) to see its four edge distributions.' : 'No detections in this image.'), distributions);
    return;
  }
  const summary = h('dl', { class: 'summary' },
    h('dt', {}, 'Class'), h('dd', {}, box.className),
    h('dt', {}, 'Score'), h('dd', {}, fmt(box.score)),
    h('dt', {}, 'Outcome'), h('dd', {}, box.outcome === 'unknown' ? 'no ground truth' : `${box.outcome.toUpperCase()}${box.error ? ` · TIDE ${box.error}` : ''}`),
    h('dt', {}, 'IoU'), h('dd', {}, box.iou === null ? '—' : fmt(box.iou)),
    h('dt', {}, 'Level'), h('dd', {}, `${box.level} (stride ${box.stride})`),
    h('dt', {}, 'Box'), h('dd', {}, box.bbox.map((v) => v.toFixed(1)).join(', ')),
  );
  if (!image.hasDistributions || !box.edgeProbs) {
    distributions.append(h('p', { class: 'no-distributions' }, image.hasDistributions
      ? 'This detection carries no distribution.'
      : 'This model integrates DFL inside its graph (or the run has boxes only): per-edge distributions are unavailable, so only the expected distances are known.'));
    details.replaceChildren(summary, distributions);
    return;
  }
  const bins = image.regMax + 1;
  const stats = edgeStatsForDetections([{ detection: box, scaleX: image.transform.scaleX, scaleY: image.transform.scaleY }], image.regMax);
  EDGE_NAMES.forEach((edge, e) => {
    const probs = box.edgeProbs!.slice(e * bins, (e + 1) * bins);
    const gt = box.gtDistances ? box.gtDistances[e] : null;
    const o = e;
    const table = h('table', { class: 'edge-stats' },
      row('expected', `${fmt(box.distances[e], 2)} bins`),
      gt !== null ? row('ground truth', `${fmt(gt, 2)} bins`) : null,
      row('entropy', fmt(stats?.entropy[o])),
      row('top-1', fmt(stats?.top1[o])),
      row('top-4', fmt(stats?.topK[o])),
      row('std', `${fmt(stats?.stdPx[o], 1)} px`),
      row('bimodality', fmt(stats?.bimodality[o])),
      row('saturation', fmt(stats?.saturation[o])),
      row('ambiguity', fmt(stats ? 1 - stats.dflMass[o] : null)),
    );
    const driving = stats && stats.drivingEdge[0] === e && stats.ambiguity[0] >= 0.5;
    distributions.append(h('section', { class: driving ? 'edge-dist driving' : 'edge-dist', 'data-edge': edge },
      h('h3', {}, edge, driving ? h('span', { class: 'badge' }, 'most ambiguous') : null),
      distributionChart({ probs, expected: box.distances[e], gtDistance: gt, label: `${edge} edge distribution over ${bins} bins` }),
      table));
  });
  details.replaceChildren(summary, h('p', { class: 'legend muted' }, h('span', { class: 'key expected' }), ' expected  ', h('span', { class: 'key gt' }), ' ground truth'), distributions);
}

function row(label: string, value: string): HTMLTableRowElement {
  return h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value));
}

// ---------- zoom and pan ----------
function applyTransform(): void {
  viewport.style.transform = `translate(${view.panX}px, ${view.panY}px) scale(${view.zoom})`;
}

function fit(): void {
  const image = view.image;
  if (!image) return;
  const { clientWidth: w, clientHeight: hgt } = stage;
  view.zoom = Math.min(w / image.width, hgt / image.height) || 1;
  view.panX = (w - image.width * view.zoom) / 2;
  view.panY = (hgt - image.height * view.zoom) / 2;
  applyTransform();
}

function zoomBy(factor: number, cx = stage.clientWidth / 2, cy = stage.clientHeight / 2): void {
  const zoom = Math.min(40, Math.max(0.05, view.zoom * factor));
  view.panX = cx - ((cx - view.panX) * zoom) / view.zoom;
  view.panY = cy - ((cy - view.panY) * zoom) / view.zoom;
  view.zoom = zoom;
  applyTransform();
}

function centreOnBox(bbox: readonly number[]): void {
  const cx = (bbox[0] + bbox[2]) / 2;
  const cy = (bbox[1] + bbox[3]) / 2;
  view.panX = stage.clientWidth / 2 - cx * view.zoom;
  view.panY = stage.clientHeight / 2 - cy * view.zoom;
  applyTransform();
}

function centreOn(box: InspectorBox | undefined): void {
  if (!box) return;
  centreOnBox(box.bbox);
  const rect = overlay.querySelector<SVGRectElement>(`.det-box[data-index="${box.detIndex}"]`);
  rect?.classList.add('selected');
  rect?.setAttribute('aria-selected', 'true');
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
    if (view.zoom > 0) applyTransform();
  }).observe(stage);
}

onHostMessage((message) => {
  try {
    switch (message.type) {
      case HostMessageType.ShowImage:
        // The slider keeps the user's value across images; the host's default applies to a fresh panel only.
        render(message.image, message.focus ?? (saved.imageIndex === message.image.imageIndex ? saved.detIndex ?? null : null),
          rendered ? view.threshold : typeof saved.scoreThreshold === 'number' ? saved.scoreThreshold : message.scoreThreshold,
          message.focusGtId ?? null, message.imageCount ?? 1);
        rendered = true;
        saved.detIndex = undefined;
        break;
      case HostMessageType.FocusBox:
        if (view.image?.boxes[message.detIndex]) {
          if (view.image.boxes[message.detIndex].score < view.threshold) {
            view.threshold = view.image.boxes[message.detIndex].score;
            const slider = document.getElementById('score-threshold') as HTMLInputElement | null;
            if (slider) slider.value = String(view.threshold);
            applyFilters();
          }
          select(message.detIndex, true);
          centreOn(view.image.boxes[message.detIndex]);
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
