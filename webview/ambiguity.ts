// Ambiguity view: the ranked gallery of the most ambiguous boxes. Each card crops the image around the box's driving
// edge (CSS background of the webview image, no extra files) and shows that edge's DFL distribution. Filters (class,
// driving edge, outcome, minimum score) and "Show more" ask the host for a page: the worker ranks and filters.
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { EDGE_NAMES } from '../extension/core/types.ts';
import { HostMessageType, WebviewMessageType, type AmbiguityCard, type AmbiguityData, type AmbiguityFilters, type AmbiguityState } from '../extension/protocol/messages.ts';
import { classColor } from './lib/colors.ts';
import { distributionChart } from './lib/distributionChart.ts';
import { fmt, h, hx, markReady, s, showMessage } from './lib/dom.ts';
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

/** The filters and cards shown (pages appended by "Show more"). */
let shown: { data: AmbiguityData; cards: AmbiguityCard[] } | null = null;

function requestPage(filters: AmbiguityFilters, offset: number): void {
  root.setAttribute('data-loading', 'true');
  post({ type: WebviewMessageType.AmbiguityQuery, filters, offset });
}

function filterBar(data: AmbiguityData): HTMLElement {
  const filters = data.filters!;
  const change = (patch: Partial<AmbiguityFilters>) => requestPage({ ...filters, ...patch }, 0);
  const select = (id: string, label: string, options: [string, string][], value: string, onChange: (v: string) => void, disabled = false) => {
    const el = hx('vscode-single-select', { id, 'aria-label': label, disabled: disabled || undefined });
    for (const [v, text] of options) el.append(hx('vscode-option', { value: v, selected: v === value || undefined }, text));
    el.addEventListener('change', () => onChange((el as HTMLSelectElement).value));
    return h('label', { class: 'filter' }, `${label} `, el);
  };
  const opt = (v: number | string | null) => (v === null ? 'all' : String(v));
  const score = h('input', { id: 'filter-score', type: 'number', min: 0, max: 1, step: 0.05, value: String(filters.minScore), 'aria-label': 'Minimum score' });
  score.addEventListener('change', () => {
    const value = Number(score.value);
    if (Number.isFinite(value) && value >= 0 && value <= 1) change({ minScore: value });
    else score.value = String(filters.minScore);
  });
  return h('div', { class: 'filters' },
    select('filter-class', 'Class', [['all', 'all classes'], ...(data.classes ?? []).map(([c, name]): [string, string] => [String(c), name])], opt(filters.classIndex),
      (v) => change({ classIndex: v === 'all' ? null : Number(v) })),
    select('filter-edge', 'Edge', [['all', 'any edge'], ...EDGE_NAMES.map((e, i): [string, string] => [String(i), e])], opt(filters.edge),
      (v) => change({ edge: v === 'all' ? null : Number(v) })),
    select('filter-outcome', 'Outcome', [['all', 'TP and FP'], ['tp', 'TP @0.5'], ['fp', 'FP @0.5']], opt(filters.outcome),
      (v) => change({ outcome: v === 'all' ? null : v as 'tp' | 'fp' }), !data.hasGroundTruth),
    h('label', { class: 'filter' }, 'Score ≥ ', score));
}

function render(data: AmbiguityData): void {
  const appending = shown !== null && (data.offset ?? 0) > 0 && shown.data.runPath === data.runPath && JSON.stringify(shown.data.filters) === JSON.stringify(data.filters);
  const cards = appending ? [...shown!.cards, ...data.cards] : data.cards;
  shown = { data, cards };
  saveState<AmbiguityState>({ runPath: data.runPath, filters: data.filters });
  const total = data.total ?? data.cards.length;
  const header = h('header', { class: 'toolbar' }, h('div', { class: 'title' }, h('strong', {}, 'Most ambiguous boxes'),
    h('span', { class: 'muted', id: 'amb-count' }, ` · ${data.runLabel} · ambiguity = 1 − DFL two-bin mass of the worst edge; ${cards.length} of ${total} matching boxes shown (${data.totalWithDistributions} with distributions)`)),
    data.filters ? filterBar(data) : null,
    h('p', { class: 'legend muted' }, h('span', { class: 'key expected' }), ' expected  ', h('span', { class: 'key gt' }), ' ground truth'));
  if (!cards.length) {
    root.replaceChildren(header, h('p', { class: 'placeholder', role: 'status' }, data.emptyReason ?? 'No ambiguous boxes.'));
  } else {
    const more = total - cards.length;
    const showMore = more > 0 && data.filters ? h('button', { type: 'button', id: 'amb-more', class: 'more' }, `Show ${Math.min(more, data.pageSize ?? more)} more (${more} left)`) : null;
    showMore?.addEventListener('click', () => requestPage(data.filters!, cards.length));
    const previousFocus = appending ? cards.length - data.cards.length : -1;
    root.replaceChildren(header, h('div', { class: 'gallery', role: 'list' }, ...cards.map((c) => cardElement(c, data.regMax))), ...(showMore ? [showMore] : []));
    // After "Show more" the first new card takes the focus, so keyboard users continue where they were.
    if (previousFocus >= 0) root.querySelectorAll<HTMLElement>('.amb-card')[previousFocus]?.focus();
  }
  root.removeAttribute('data-loading');
  markReady(root);
}

onHostMessage((message) => {
  if (message.type === HostMessageType.AmbiguityData) render(message.data);
  else if (message.type === HostMessageType.NoRun) showMessage(root, message.message);
});
post({ type: WebviewMessageType.Ready });
