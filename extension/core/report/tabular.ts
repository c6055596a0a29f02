// Machine-readable exports: the report JSON, one CSV row per detection, and the standard COCO results list. The
// per-detection exports are generated in chunks straight from the run's and the analysis' columns, so a 500k-detection
// run never becomes one giant string or 500k report objects.
import { NO_ERROR, OUTCOME_CODE, TIDE_FP_ERRORS, type GflAnalysis } from '../analytics/analysis.ts';
import { computeEdgeStats } from '../analytics/edgeStats.ts';
import { shortestFloat32, type RunTable } from '../runTable.ts';
import { EDGE_NAMES } from '../types.ts';
import type { ReportData } from './reportData.ts';
import { round6 } from './reportData.ts';
import { csvField } from './escape.ts';

/** The whole report object as compact JSON (see media/schema/gfl-lens-report.schema.json), newline-terminated. */
export function buildJsonReport(data: ReportData): string {
  return `${JSON.stringify(data)}\n`;
}

const EDGE_SUFFIXES = ['l', 't', 'r', 'b'] as const;
const EDGE_COLUMNS: { name: string; key: 'entropy' | 'top1' | 'stdPx' | 'bimodality' }[] = [
  { name: 'entropy', key: 'entropy' },
  { name: 'top1', key: 'top1' },
  { name: 'std_px', key: 'stdPx' },
  { name: 'bimodality', key: 'bimodality' },
];

export const CSV_COLUMNS: readonly string[] = [
  'image', 'image_id', 'det_index', 'class', 'category_id', 'score', 'x1', 'y1', 'x2', 'y2',
  'matched_gt_id', 'iou', 'tp50', 'error_type',
  ...EDGE_COLUMNS.flatMap((c) => EDGE_SUFFIXES.map((e) => `${c.name}_${e}`)),
  'ambiguity', 'driving_edge',
];

/** Rows per generated chunk: bounds the memory of one chunk's strings and edge statistics. */
const CHUNK_ROWS = 20000;

/**
 * One row per detection (RFC 4180, CRLF line ends, header first), yielded in chunks. matched_gt_id: the ground truth
 * COCOeval matched at IoU 0.5; iou: IoU with the best same-class ground truth; tp50 1/0; error_type: TIDE type of a
 * false positive. Metric columns are empty without ground truth, edge columns empty without DFL distributions.
 */
export function* csvReportChunks(table: RunTable, analysis: GflAnalysis): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  const { images, detections } = table;
  const rows = analysis.rows;
  const evaluated = analysis.evaluation !== null;
  const bins = detections.bins;
  // The dataset's category name where the class maps to one (one name per class everywhere).
  const classNames = analysis.source.classLabels;
  for (let start = 0; start < detections.count; start += CHUNK_ROWS) {
    const end = Math.min(detections.count, start + CHUNK_ROWS);
    const count = end - start;
    let stats = null;
    if (detections.probs) {
      const scaleX = new Float64Array(count), scaleY = new Float64Array(count);
      for (let d = start; d < end; d++) {
        scaleX[d - start] = images.scaleX[detections.imageIndex[d]];
        scaleY[d - start] = images.scaleY[detections.imageIndex[d]];
      }
      stats = computeEdgeStats({
        count, regMax: bins - 1, probs: detections.probs.subarray(4 * bins * start, 4 * bins * end), hasProbs: new Uint8Array(count).fill(1),
        stride: detections.stride.subarray(start, end), scaleX, scaleY,
      });
    }
    const lines: string[] = [];
    for (let d = start; d < end; d++) {
      const i = detections.imageIndex[d];
      const b = detections.bbox;
      const hasMatch = evaluated && rows.categoryId[d] >= 0;
      const k = d - start;
      const edgeValues = EDGE_COLUMNS.flatMap((c) => (stats ? [0, 1, 2, 3].map((e) => round6(stats![c.key][4 * k + e])) : [null, null, null, null]));
      const ambiguity = rows.ambiguity[d];
      const fields: (string | number | null)[] = [
        images.file[i], images.imageId[i], detections.detIndex[d], classNames[detections.classIndex[d]] ?? String(detections.classIndex[d]),
        rows.categoryId[d] >= 0 ? rows.categoryId[d] : null, shortestFloat32(detections.score[d]),
        shortestFloat32(b[4 * d]), shortestFloat32(b[4 * d + 1]), shortestFloat32(b[4 * d + 2]), shortestFloat32(b[4 * d + 3]),
        hasMatch && !Number.isNaN(rows.matchedGt[d]) ? rows.matchedGt[d] : null,
        hasMatch ? round6(rows.iou[d]) : null,
        hasMatch ? (rows.outcome[d] === OUTCOME_CODE.tp ? 1 : 0) : null,
        hasMatch && rows.error[d] !== NO_ERROR ? TIDE_FP_ERRORS[rows.error[d]] : null,
        ...edgeValues,
        Number.isNaN(ambiguity) ? null : round6(ambiguity), Number.isNaN(ambiguity) ? null : EDGE_NAMES[rows.drivingEdge[d]],
      ];
      lines.push(fields.map(csvField).join(','));
    }
    if (lines.length) yield `${lines.join('\r\n')}\r\n`;
  }
}

/**
 * The standard COCO results list [{image_id, category_id, bbox: [x, y, w, h], score}] of every detection whose
 * class maps to a category, in run order, yielded in chunks that concatenate to one JSON array.
 */
export function* cocoResultsChunks(table: RunTable, analysis: GflAnalysis): Generator<string> {
  const { images, detections } = table;
  const categoryId = analysis.rows.categoryId;
  let first = true;
  yield '[';
  for (let start = 0; start < detections.count; start += CHUNK_ROWS) {
    const end = Math.min(detections.count, start + CHUNK_ROWS);
    const parts: string[] = [];
    for (let d = start; d < end; d++) {
      if (categoryId[d] < 0) continue;
      const b = detections.bbox;
      const x1 = b[4 * d], y1 = b[4 * d + 1];
      // Width and height are differences of float32 corners: 8 significant digits keep them to float32 precision.
      const bbox = [shortestFloat32(x1), shortestFloat32(y1), Number((b[4 * d + 2] - x1).toPrecision(8)), Number((b[4 * d + 3] - y1).toPrecision(8))];
      parts.push(JSON.stringify({ image_id: images.imageId[detections.imageIndex[d]], category_id: categoryId[d], bbox, score: shortestFloat32(detections.score[d]) }));
    }
    if (parts.length) {
      yield (first ? '' : ',') + parts.join(',');
      first = false;
    }
  }
  yield ']\n';
}
