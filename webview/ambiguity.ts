// Ambiguity view: the ranked gallery of the most ambiguous boxes. Each card crops the image around the box's driving
// edge (CSS background of the webview image, no extra files) and shows that edge's DFL distribution.
import { EDGE_NAMES } from '../extension/core/types.ts';
import { HostMessageType, WebviewMessageType, type AmbiguityCard, type AmbiguityData, type AmbiguityState } from '../extension/protocol/messages.ts';
import { classColor } from './lib/colors.ts';
import { distributionChart } from './lib/distributionChart.ts';
import { fmt, h, markReady, s, showMessage } from './lib/dom.ts';
import { onHostMessage, post, saveState } from './lib/vscodeApi.ts';

const root = document.getElementById('ambiguity')!;
const CROP_W = 240;
const CROP_H = 160;

/**
 * The crop window in image pixels: centred on the middle of the driving edge, large enough to show the edge's
 * neighbourhood (the box extent across the edge, at least 48 px) and with the crop's aspect ratio, kept inside the image.
 */
export function cropWindow(card: Pick<AmbiguityCard, 'bbox' | 'drivingEdge' | 'imageWidth' | 'imageHeight'>): { x: number; y: number; w: number; h: number } {
  const [x1, y1, x2, y2] = card.bbox;
  const vertical = card.drivingEdge === 0 || card.drivingEdge === 2;
  const cx = card.drivingEdge === 0 ? x1 : card.drivingEdge === 2 ? x2 : (x1 + x2) / 2;
  const cy = card.drivingEdge === 1 ? y1 : card.drivingEdge === 3 ? y2 : (y1 + y2) / 2;
  const span = Math.max(48, vertical ? (y2 - y1) * 1.2 : (x2 - x1) * 1.2, vertical ? (x2 - x1) * 0.8 : (y2 - y1) * 0.8);
  let w = vertical ? span * (CROP_W / CROP_H) * 0.75 : span;
  let hgt = w * (CROP_H / CROP_W);
  if (w > card.imageWidth) { w = card.imageWidth; hgt = w * (CROP_H / CROP_W); }
  if (hgt > card.imageHeight) { hgt = card.imageHeight; w = hgt * (CROP_W / CROP_H); }
  const x = Math.min(Math.max(cx - w / 2, 0), Math.max(0, card.imageWidth - w));
  const y = Math.min(Math.max(cy - hgt / 2, 0), Math.max(0, card.imageHeight - hgt));
  return { x, y, w, h: hgt };
}

function cardElement(card: AmbiguityCard, regMax: number): HTMLElement {
  const edge = EDGE_NAMES[card.drivingEdge];
  const win = cropWindow(card);
  const k = CROP_W / win.w;
  const crop = h('div', { class: 'crop', role: 'img', 'aria-label': `${edge} edge of ${card.className} in ${card.file}` });
  crop.style.width = `${CROP_W}px`;
  crop.style.height = `${win.h * k}px`;
  if (card.uri) {
    // CSSOM, not a style attribute: allowed by the CSP; the URL is the host's asWebviewUri output.
    crop.style.backgroundImage = `url("${card.uri.replace(/["\\\n]/g, encodeURIComponent)}")`;
    crop.style.backgroundSize = `${card.imageWidth * k}px ${card.imageHeight * k}px`;
    crop.style.backgroundPosition = `${-win.x * k}px ${-win.y * k}px`;
  } else {
    crop.append(h('span', { class: 'muted' }, 'image not found'));
  }
  const [x1, y1, x2, y2] = card.bbox;
  const overlay = s('svg', { class: 'crop-overlay', viewBox: `${win.x} ${win.y} ${win.w} ${win.h}`, preserveAspectRatio: 'none' });
  overlay.append(s('rect', { x: x1, y: y1, width: x2 - x1, height: y2 - y1, stroke: classColor(0), class: 'box' }));
  const edgeLine = card.drivingEdge === 0 ? [x1, y1, x1, y2] : card.drivingEdge === 1 ? [x1, y1, x2, y1] : card.drivingEdge === 2 ? [x2, y1, x2, y2] : [x1, y2, x2, y2];
  overlay.append(s('line', { x1: edgeLine[0], y1: edgeLine[1], x2: edgeLine[2], y2: edgeLine[3], class: 'driving-edge' }));
  crop.append(overlay);
  const el = h('article', {
    class: 'amb-card', tabindex: 0, role: 'button', 'data-rank': card.rank, 'data-image-index': card.ref.imageIndex, 'data-det-index': card.ref.detIndex,
    'aria-label': `Rank ${card.rank}: ${card.className} ${card.score.toFixed(2)}, ${edge} edge ambiguity ${card.ambiguity.toFixed(2)}. Enter opens the inspector.`,
  },
    h('header', {}, h('span', { class: 'rank' }, `#${card.rank}`), h('strong', {}, card.className), h('span', { class: 'muted' }, ` ${card.score.toFixed(2)}`),
      card.outcome !== 'unknown' ? h('span', { class: `badge ${card.outcome}` }, card.outcome.toUpperCase()) : null),
    crop,
    distributionChart({ probs: card.probs, expected: card.expected, gtDistance: card.gtDistance, width: CROP_W, height: 70, label: `${edge} edge distribution over ${regMax + 1} bins` }),
    h('footer', {},
      h('span', {}, `${edge} edge · ambiguity ${fmt(card.ambiguity, 2)}`),
      card.iou !== null ? h('span', {}, ` · IoU ${fmt(card.iou, 2)}`) : null,
      h('div', { class: 'file muted', title: card.file }, card.file)),
  );
  const open = () => post({ type: WebviewMessageType.OpenDetection, ref: card.ref });
  el.addEventListener('click', open);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
    const cards = [...root.querySelectorAll<HTMLElement>('.amb-card')];
    const at = cards.indexOf(el);
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { e.preventDefault(); cards[Math.min(at + 1, cards.length - 1)]?.focus(); }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { e.preventDefault(); cards[Math.max(at - 1, 0)]?.focus(); }
  });
  return el;
}

function render(data: AmbiguityData): void {
  saveState<AmbiguityState>({ runPath: data.runPath });
  const header = h('header', { class: 'toolbar' }, h('div', { class: 'title' }, h('strong', {}, 'Most ambiguous boxes'),
    h('span', { class: 'muted' }, ` · ${data.runLabel} · ambiguity = 1 − DFL two-bin mass of the worst edge; ${data.cards.length} of ${data.totalWithDistributions} boxes shown`)),
    h('p', { class: 'legend muted' }, h('span', { class: 'key expected' }), ' expected  ', h('span', { class: 'key gt' }), ' ground truth'));
  if (!data.cards.length) {
    root.replaceChildren(header, h('p', { class: 'placeholder', role: 'status' }, data.emptyReason ?? 'No ambiguous boxes.'));
  } else {
    root.replaceChildren(header, h('div', { class: 'gallery', role: 'list' }, ...data.cards.map((c) => cardElement(c, data.regMax))));
  }
  markReady(root);
}

onHostMessage((message) => {
  if (message.type === HostMessageType.AmbiguityData) render(message.data);
  else if (message.type === HostMessageType.NoRun) showMessage(root, message.message);
});
post({ type: WebviewMessageType.Ready });
