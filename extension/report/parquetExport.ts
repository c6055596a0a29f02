// `report --format parquet`: the detection table of a run with its analysis columns and the four per-edge DFL
// distributions (as list<float>), for notebooks and SQL (pandas.read_parquet, polars, DuckDB). Written row group by
// row group with hyparquet-writer, so memory stays bounded on a 500k-detection run.
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { NO_ERROR, OUTCOMES, TIDE_FP_ERRORS, type GflAnalysis } from '../core/analytics/analysis.ts';
import { PROB_SCALE, type RunTable } from '../core/runTable.ts';
import { EDGE_NAMES } from '../core/types.ts';

const ROW_GROUP = 50000;

type Field = { name: string; type: 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY'; utf8?: boolean; optional?: boolean };

const SCALAR_FIELDS: Field[] = [
  { name: 'image_id', type: 'INT64' }, { name: 'file', type: 'BYTE_ARRAY', utf8: true }, { name: 'det_index', type: 'INT32' },
  { name: 'class_index', type: 'INT32' }, { name: 'class_name', type: 'BYTE_ARRAY', utf8: true }, { name: 'category_id', type: 'INT32', optional: true },
  { name: 'score', type: 'FLOAT' }, { name: 'x1', type: 'FLOAT' }, { name: 'y1', type: 'FLOAT' }, { name: 'x2', type: 'FLOAT' }, { name: 'y2', type: 'FLOAT' },
  { name: 'level', type: 'INT32' }, { name: 'stride', type: 'INT32' }, { name: 'anchor_x', type: 'FLOAT' }, { name: 'anchor_y', type: 'FLOAT' },
  ...EDGE_NAMES.map((e): Field => ({ name: `dist_${e}`, type: 'FLOAT' })),
  { name: 'outcome', type: 'BYTE_ARRAY', utf8: true }, { name: 'tide_error', type: 'BYTE_ARRAY', utf8: true, optional: true },
  { name: 'iou', type: 'FLOAT', optional: true }, { name: 'matched_gt_id', type: 'INT64', optional: true },
  { name: 'ambiguity', type: 'FLOAT', optional: true }, { name: 'driving_edge', type: 'BYTE_ARRAY', utf8: true, optional: true },
];

function schemaOf(hasDistributions: boolean) {
  const elements: Record<string, unknown>[] = [{ name: 'root', num_children: SCALAR_FIELDS.length + (hasDistributions ? 4 : 0) }];
  for (const f of SCALAR_FIELDS) {
    elements.push({ name: f.name, type: f.type, repetition_type: f.optional ? 'OPTIONAL' : 'REQUIRED', ...(f.utf8 ? { converted_type: 'UTF8' } : {}) });
  }
  if (hasDistributions) {
    for (const e of EDGE_NAMES) {
      elements.push({ name: `dfl_${e}`, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 });
      elements.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      elements.push({ name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' });
    }
  }
  return elements;
}

/** The Parquet file as byte chunks (one or more per row group), ready for an atomic chunked write. */
export function* parquetChunks(table: RunTable, analysis: GflAnalysis): Generator<Uint8Array> {
  const { images, detections, header } = table;
  const rows = analysis.rows;
  const bins = detections.bins;
  const hasDistributions = detections.probs !== null;
  const writer = new ByteWriter();
  const drain = (): Uint8Array => {
    const bytes = new Uint8Array(writer.buffer, 0, writer.index).slice();
    writer.index = 0;
    return bytes;
  };
  const parquet = new ParquetWriter({
    writer, schema: schemaOf(hasDistributions) as never, createdBy: `gfl-lens ${header.tool.version}`,
    kvMetadata: [
      { key: 'gfl_lens.model', value: header.model.fileName }, { key: 'gfl_lens.model_sha256', value: header.model.sha256 },
      { key: 'gfl_lens.bins', value: String(bins) }, { key: 'gfl_lens.outcome', value: 'COCOeval verdict at IoU 0.5 (area all, maxDets 100)' },
    ],
  });
  for (let start = 0; start < detections.count || start === 0; start += ROW_GROUP) {
    const end = Math.min(detections.count, start + ROW_GROUP);
    const n = end - start;
    if (n === 0) break;
    const column = (pick: (d: number) => unknown) => Array.from({ length: n }, (_, k) => pick(start + k));
    const b = detections.bbox, a = detections.anchor, dist = detections.distances;
    const image = (d: number) => detections.imageIndex[d];
    const values: Record<string, unknown[]> = {
      image_id: column((d) => BigInt(images.imageId[image(d)])), file: column((d) => images.file[image(d)]),
      det_index: column((d) => detections.detIndex[d]), class_index: column((d) => detections.classIndex[d]),
      class_name: column((d) => analysis.source.classLabels[detections.classIndex[d]] ?? String(detections.classIndex[d])),
      category_id: column((d) => (rows.categoryId[d] >= 0 ? rows.categoryId[d] : null)),
      score: column((d) => detections.score[d]),
      x1: column((d) => b[4 * d]), y1: column((d) => b[4 * d + 1]), x2: column((d) => b[4 * d + 2]), y2: column((d) => b[4 * d + 3]),
      level: column((d) => detections.level[d]), stride: column((d) => detections.stride[d]),
      anchor_x: column((d) => a[2 * d]), anchor_y: column((d) => a[2 * d + 1]),
      dist_left: column((d) => dist[4 * d]), dist_top: column((d) => dist[4 * d + 1]), dist_right: column((d) => dist[4 * d + 2]), dist_bottom: column((d) => dist[4 * d + 3]),
      outcome: column((d) => OUTCOMES[rows.outcome[d]]),
      tide_error: column((d) => (rows.error[d] === NO_ERROR ? null : TIDE_FP_ERRORS[rows.error[d]])),
      iou: column((d) => (Number.isNaN(rows.iou[d]) ? null : rows.iou[d])),
      matched_gt_id: column((d) => (Number.isNaN(rows.matchedGt[d]) ? null : BigInt(rows.matchedGt[d]))),
      ambiguity: column((d) => (Number.isNaN(rows.ambiguity[d]) ? null : rows.ambiguity[d])),
      driving_edge: column((d) => (Number.isNaN(rows.ambiguity[d]) ? null : EDGE_NAMES[rows.drivingEdge[d]])),
    };
    const columnData = SCALAR_FIELDS.map((f) => ({ name: f.name, data: values[f.name] }));
    if (hasDistributions) {
      const probs = detections.probs!;
      EDGE_NAMES.forEach((edge, e) => {
        columnData.push({
          name: `dfl_${edge}`,
          data: column((d) => Array.from(probs.subarray((4 * d + e) * bins, (4 * d + e + 1) * bins), (q) => q / PROB_SCALE)),
        });
      });
    }
    parquet.write({ columnData: columnData as never });
    yield drain();
  }
  parquet.finish();
  yield drain();
}
