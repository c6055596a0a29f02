// The inspector's geometry, pure (unit-tested): zoom to a failure, label placement without pile-ups at a constant
// on-screen size, and each edge's spread on the image (the GFL paper's Figure 3 picture: Li et al., NeurIPS 2020).
import type { InputTransform } from '../../extension/core/types.ts';

export interface Size {
  width: number;
  height: number;
}

export interface ViewTransform {
  zoom: number;
  panX: number;
  panY: number;
}

/** Zoom at which the whole image fits the stage, and the pan that centres it. */
export function fitView(stage: Size, image: Size): ViewTransform {
  const zoom = Math.min(stage.width / image.width, stage.height / image.height) || 1;
  return { zoom, panX: (stage.width - image.width * zoom) / 2, panY: (stage.height - image.height * zoom) / 2 };
}

/** Share of the stage (in its tighter dimension) the failure and its ground truth fill after zooming to them. */
export const FOCUS_FILL = 0.45;
/** Never magnify beyond this many screen pixels per image pixel: a 6-px COCO object stays recognisable, not a blur. */
export const MAX_PIXEL_ZOOM = 8;

/**
 * Zoom and pan that show `boxes` (a failure and what it relates to) filling FOCUS_FILL of the stage, centred; never
 * smaller than the fitted image (a large box is shown whole with the image around it) nor above MAX_PIXEL_ZOOM.
 */
export function focusView(stage: Size, image: Size, boxes: readonly (readonly number[])[]): ViewTransform {
  const fit = fitView(stage, image);
  if (!boxes.length) return fit;
  const x1 = Math.min(...boxes.map((b) => b[0]));
  const y1 = Math.min(...boxes.map((b) => b[1]));
  const x2 = Math.max(...boxes.map((b) => b[2]));
  const y2 = Math.max(...boxes.map((b) => b[3]));
  const w = Math.max(1, x2 - x1);
  const h = Math.max(1, y2 - y1);
  const wanted = Math.min((stage.width * FOCUS_FILL) / w, (stage.height * FOCUS_FILL) / h);
  const zoom = Math.max(fit.zoom, Math.min(wanted, Math.max(fit.zoom, MAX_PIXEL_ZOOM)));
  if (zoom === fit.zoom) return fit;
  // What must stay reachable: the image, and the boxes where they reach beyond it (a ground truth annotated past the
  // image border is still shown whole).
  const lowX = Math.min(0, x1) * zoom, highX = Math.max(image.width, x2) * zoom;
  const lowY = Math.min(0, y1) * zoom, highY = Math.max(image.height, y2) * zoom;
  return {
    zoom,
    panX: clampPan(stage.width / 2 - ((x1 + x2) / 2) * zoom, stage.width, highX - lowX, lowX),
    panY: clampPan(stage.height / 2 - ((y1 + y2) / 2) * zoom, stage.height, highY - lowY, lowY),
  };
}

/**
 * Pan along one axis that keeps the content (the image, drawn `drawnSize` long starting `contentStart` from the
 * pan origin) on the stage: centred when it is smaller than the stage, otherwise with no empty margin beyond its
 * edges (a failure near a border is shown off-centre rather than beside blank space).
 */
export function clampPan(pan: number, stageSize: number, drawnSize: number, contentStart = 0): number {
  if (drawnSize <= stageSize) return (stageSize - drawnSize) / 2 - contentStart;
  const highest = 0 - contentStart; // not -contentStart: no −0 for content that starts at the origin
  return Math.min(highest, Math.max(stageSize - drawnSize - contentStart, pan));
}

/**
 * The score threshold while one item is focused: lowered to show it if it scores below the user's threshold, and
 * the user's own threshold again for the next item (the lowering is never kept).
 */
export function focusThreshold(userThreshold: number, focusedScore: number | null): number {
  return focusedScore === null ? userThreshold : Math.min(userThreshold, focusedScore);
}

/** On-screen label text size in CSS pixels, whatever the zoom. */
export const LABEL_FONT_PX = 11;
/** Approximate advance of one character at LABEL_FONT_PX (labels are short ASCII names and scores). */
const CHAR_WIDTH_EM = 0.6;

export interface LabelRequest {
  id: number;
  text: string;
  /** The box in image pixels. */
  box: readonly number[];
  /** Placed first; `always` labels (selected, hovered) are shown even when they must overlap. */
  priority: number;
  always: boolean;
}

export interface PlacedLabel {
  id: number;
  /** Top-left corner and size of the label's background, in image pixels (what the overlay draws in). */
  x: number;
  y: number;
  width: number;
  height: number;
  fontSize: number;
}

/**
 * Greedy label placement in screen space: labels by descending priority, each at the first of four positions
 * (above the box's top-left corner, inside it, below it, above its top-right corner) that overlaps no label placed
 * before; a label with no free position is left out unless it is `always` shown. Sizes are constant on screen
 * (LABEL_FONT_PX), so in image pixels they shrink as the zoom grows. Returns the placed labels, highest priority last
 * (so that it is drawn on top).
 */
export function placeLabels(requests: readonly LabelRequest[], zoom: number): PlacedLabel[] {
  const fontSize = LABEL_FONT_PX / zoom;
  const pad = 2 / zoom;
  const height = fontSize + 2 * pad;
  const placed: PlacedLabel[] = [];
  const sorted = [...requests].sort((a, b) => Number(b.always) - Number(a.always) || b.priority - a.priority || a.id - b.id);
  for (const r of sorted) {
    const width = r.text.length * CHAR_WIDTH_EM * fontSize + 2 * pad;
    const [x1, y1, x2, y2] = r.box;
    const candidates: [number, number][] = [[x1, y1 - height], [x1, y1], [x1, y2], [x2 - width, y1 - height]];
    const free = candidates.find(([x, y]) => !placed.some((p) => x < p.x + p.width && p.x < x + width && y < p.y + p.height && p.y < y + height));
    const at = free ?? (r.always ? candidates[0] : null);
    if (at) placed.push({ id: r.id, x: at[0], y: at[1], width, height, fontSize });
  }
  return placed.reverse();
}

/**
 * Index of the second mode of a distribution as edgeStats' bimodality defines it (the highest local maximum other
 * than the arg-max, separated from it by a dip), with its ratio to the main peak; null when unimodal.
 */
export function secondMode(probs: readonly number[]): { bin: number; ratio: number } | null {
  const n = probs.length;
  let top = 0;
  for (let i = 1; i < n; i++) if (probs[i] > probs[top]) top = i;
  let best: { bin: number; ratio: number } | null = null;
  for (let j = 0; j < n; j++) {
    if (j === top) continue;
    const isMax = (j === 0 || probs[j] > probs[j - 1]) && (j === n - 1 || probs[j] >= probs[j + 1]);
    if (!isMax) continue;
    let dip = Infinity;
    for (let k = Math.min(j, top) + 1; k < Math.max(j, top); k++) dip = Math.min(dip, probs[k]);
    const ratio = probs[j] / probs[top];
    if (dip < probs[j] && (!best || ratio > best.ratio)) best = { bin: j, ratio };
  }
  return best;
}

/** A second mode is drawn when it holds at least this share of the main peak's probability. */
export const SECOND_MODE_MIN_RATIO = 0.25;

/** Position in original-image pixels of edge `edge` (0 l, 1 t, 2 r, 3 b) at `distance` bins from the anchor. */
export function edgePositionPx(edge: number, distance: number, anchor: readonly [number, number], stride: number, t: Pick<InputTransform, 'scaleX' | 'scaleY' | 'padX' | 'padY'>): number {
  const sign = edge < 2 ? -1 : 1;
  return edge % 2 === 0
    ? (anchor[0] + sign * distance * stride - t.padX) / t.scaleX
    : (anchor[1] + sign * distance * stride - t.padY) / t.scaleY;
}

/** Image pixels per bin along an edge's axis (stride / scale). */
export function pixelsPerBin(edge: number, stride: number, t: Pick<InputTransform, 'scaleX' | 'scaleY'>): number {
  return stride / (edge % 2 === 0 ? t.scaleX : t.scaleY);
}

export interface EdgeBand {
  edge: number;
  /** The expected edge position and the ±1 std band around it, in image pixels along the edge's axis. */
  position: number;
  low: number;
  high: number;
  /** Position of a second mode (image pixels) when the distribution is bimodal enough to draw it. */
  secondMode: number | null;
}

/** Each edge's spread on the image: expected position ± one standard deviation, and a second mode when bimodal. */
export function edgeBands(
  box: { anchor: readonly [number, number]; stride: number; distances: readonly number[]; edgeProbs: readonly number[] },
  bins: number, t: Pick<InputTransform, 'scaleX' | 'scaleY' | 'padX' | 'padY'>,
): EdgeBand[] {
  return [0, 1, 2, 3].map((edge) => {
    const probs = box.edgeProbs.slice(edge * bins, (edge + 1) * bins);
    const total = probs.reduce((s, p) => s + p, 0) || 1;
    let mean = 0;
    let second = 0;
    probs.forEach((p, i) => { mean += (i * p) / total; second += (i * i * p) / total; });
    const std = Math.sqrt(Math.max(0, second - mean * mean));
    const position = edgePositionPx(edge, box.distances[edge], box.anchor, box.stride, t);
    const spread = std * pixelsPerBin(edge, box.stride, t);
    const mode = secondMode(probs);
    return {
      edge, position, low: position - spread, high: position + spread,
      secondMode: mode && mode.ratio >= SECOND_MODE_MIN_RATIO ? edgePositionPx(edge, mode.bin, box.anchor, box.stride, t) : null,
    };
  });
}
