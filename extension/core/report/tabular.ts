// Machine-readable exports: the report JSON, one CSV row per detection, and the standard COCO results list.
import type { ReportData, ReportDetection } from './reportData.ts';
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

/**
 * One row per detection (RFC 4180, CRLF line ends, header first). matched_gt_id: the ground truth COCOeval
 * matched at IoU 0.5; iou: IoU with the best same-class ground truth; tp50 1/0; error_type: TIDE type of a false
 * positive. Metric columns are empty without ground truth, edge columns empty without DFL distributions.
 */
export function buildCsvReport(data: ReportData): string {
  const fileOf = new Map(data.images.map((image) => [image.imageId, image.file]));
  const lines = [CSV_COLUMNS.join(',')];
  for (const d of data.detections) lines.push(csvRow(d, fileOf.get(d.imageId) ?? '', data.classes[d.classIndex]?.name ?? String(d.classIndex)).map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvRow(d: ReportDetection, file: string, className: string): (string | number | null)[] {
  const m = d.match;
  const edgeValues = EDGE_COLUMNS.flatMap((c) => (d.edges ? d.edges[c.key] : [null, null, null, null]));
  return [
    file, d.imageId, d.detIndex, className, d.categoryId, d.score, d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3],
    m ? m.matchedGtId : null, m ? m.iou : null, m ? (m.tp50 ? 1 : 0) : null, m ? m.error : null,
    ...edgeValues,
    d.ambiguity, d.drivingEdge,
  ];
}

/**
 * The standard COCO results list [{image_id, category_id, bbox: [x, y, w, h], score}] of every detection whose
 * class maps to a category, in run order.
 */
export function buildCocoResultsReport(data: ReportData): string {
  const results = data.detections.filter((d) => d.categoryId !== null).map((d) => ({
    image_id: d.imageId,
    category_id: d.categoryId,
    bbox: [d.bbox[0], d.bbox[1], d.bbox[2] - d.bbox[0], d.bbox[3] - d.bbox[1]],
    score: d.score,
  }));
  return `${JSON.stringify(results)}\n`;
}
