// The Ambiguity view's pages: the run's boxes ranked by ambiguity (as GflAnalysis.topAmbiguous ranks them) under
// filters — class, driving edge, outcome at IoU 0.5, minimum score — one page at a time, so the view never receives
// every row. Pure; runs in the analysis worker, which holds the distributions.
//
// Population and order are topAmbiguous's: with ground truth the boxes COCOeval evaluates (TP or FP at IoU 0.5),
// else every box; a finite ambiguity (the model exposes distributions); score ≥ minScore; most ambiguous first, ties
// by higher score then run order; one box per anchor (the highest-scoring one passing the filters), because
// class-aware NMS can keep one anchor's distribution for several classes.
import { PROB_SCALE, type RunTable } from '../runTable.ts';
import { EDGE_NAMES, type EdgeName } from '../types.ts';
import { AMBIGUOUS_MIN_SCORE, detectionRow, gtEdgeDistance, OUTCOME_CODE, type AmbiguousBox, type GflAnalysis } from './analysis.ts';
import { computeEdgeStats } from './edgeStats.ts';

export interface AmbiguityQuery {
  /** Model class index; null = every class. */
  classIndex: number | null;
  /** Driving edge (the edge that makes the box ambiguous); null = any. */
  edge: EdgeName | null;
  /** COCOeval verdict at IoU 0.5; null = any (needs ground truth to narrow). */
  outcome: 'tp' | 'fp' | null;
  minScore: number;
  /** First rank of the page (0-based) and the page size. */
  offset: number;
  limit: number;
}

export const AMBIGUITY_PAGE_SIZE = 60;

export const DEFAULT_AMBIGUITY_QUERY: Readonly<AmbiguityQuery> = Object.freeze({
  classIndex: null, edge: null, outcome: null, minScore: AMBIGUOUS_MIN_SCORE, offset: 0, limit: AMBIGUITY_PAGE_SIZE,
});

export interface AmbiguityPage {
  /** Boxes passing the filters (all pages). */
  total: number;
  offset: number;
  /** The page, most ambiguous first; box k has rank offset + k + 1. */
  boxes: AmbiguousBox[];
}

/** One page of the ranked, filtered boxes. `gtBoxOf` gives a ground truth's COCO [x, y, w, h] by id (for the GT edge mark). */
export function queryAmbiguous(
  table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows' | 'evaluation'>, query: Partial<AmbiguityQuery>,
  gtBoxOf: (id: number) => readonly number[] | undefined,
): AmbiguityPage {
  const q: AmbiguityQuery = { ...DEFAULT_AMBIGUITY_QUERY, ...query };
  const { detections } = table;
  const { rows } = analysis;
  const hasGt = analysis.evaluation !== null;
  const edgeCode = q.edge === null ? -1 : EDGE_NAMES.indexOf(q.edge);
  const ranked: number[] = [];
  for (let d = 0; d < rows.count; d++) {
    const outcome = rows.outcome[d];
    if (hasGt && outcome !== OUTCOME_CODE.tp && outcome !== OUTCOME_CODE.fp) continue;
    if (!Number.isFinite(rows.ambiguity[d]) || detections.score[d] < q.minScore) continue;
    if (q.classIndex !== null && detections.classIndex[d] !== q.classIndex) continue;
    if (edgeCode >= 0 && rows.drivingEdge[d] !== edgeCode) continue;
    if (q.outcome !== null && outcome !== OUTCOME_CODE[q.outcome]) continue;
    ranked.push(d);
  }
  ranked.sort((a, b) => rows.ambiguity[b] - rows.ambiguity[a] || detections.score[b] - detections.score[a] || a - b);
  const listed: number[] = [];
  const anchors = new Set<string>();
  for (const d of ranked) {
    const key = `${detections.imageIndex[d]}:${detections.level[d]}:${detections.anchor[2 * d]}:${detections.anchor[2 * d + 1]}`;
    if (anchors.has(key)) continue;
    anchors.add(key);
    listed.push(d);
  }
  const offset = Math.max(0, Math.min(q.offset, listed.length));
  const page = listed.slice(offset, offset + Math.max(0, q.limit));
  return { total: listed.length, offset, boxes: page.map((d) => ambiguousBox(table, analysis, d, gtBoxOf)) };
}

/** One box with its driving edge's statistics and distribution (computed for this box alone: statistics are per edge). */
function ambiguousBox(table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows'>, d: number, gtBoxOf: (id: number) => readonly number[] | undefined): AmbiguousBox {
  const { detections, images } = table;
  const bins = detections.bins;
  const i = detections.imageIndex[d];
  const probs = detections.probs!.subarray(4 * bins * d, 4 * bins * (d + 1));
  const stats = computeEdgeStats({ count: 1, regMax: bins - 1, probs, hasProbs: [1], stride: [detections.stride[d]], scaleX: [images.scaleX[i]], scaleY: [images.scaleY[i]] });
  const row = detectionRow(table, analysis, d);
  const e = stats.drivingEdge[0];
  const gt = row.sameClassGt === null ? undefined : gtBoxOf(row.sameClassGt);
  return {
    index: d, imageId: row.imageId, detIndex: row.detIndex, file: images.file[i], classIndex: row.classIndex, score: row.score,
    iou: row.iou, outcome: row.outcome, error: row.error, ambiguity: stats.ambiguity[0], drivingEdge: EDGE_NAMES[e], bbox: row.bbox,
    edge: { entropy: stats.entropy[e], bimodality: stats.bimodality[e], stdPx: stats.stdPx[e], dflMass: stats.dflMass[e], saturation: stats.saturation[e] },
    probs: Array.from(probs.subarray(e * bins, (e + 1) * bins), (p) => p / PROB_SCALE),
    expected: detections.distances[4 * d + e],
    gtDistance: gt ? gtEdgeDistance(detections, images, d, e, gt) : null,
  };
}
