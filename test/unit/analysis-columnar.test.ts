// The analysis' columnar internals (threshold matching, chunked edge statistics, rescoring on columns) against
// straightforward object-based references written here, on real model output: NanoDet-m-320 over val2017 images.
// The references are the earlier object implementations (per-detection objects, Map grouping, full EdgeStats
// arrays); every number must be identical, not merely close.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeRun, runEdgeStats, OUTCOME_CODE, type GflAnalysis } from '../../extension/core/analytics/analysis.ts';
import type { EdgeStats } from '../../extension/core/analytics/edgeStats.ts';
import { sharpnessScores, toResults, varianceVotedBoxes, type RescoringDetection } from '../../extension/core/analytics/rescoring.ts';
import { DEFAULT_BOOTSTRAP } from '../../extension/core/analytics/statistics.ts';
import {
  cocoBoxIoU, matchAtThresholds, matchColumnsAtThresholds,
  type MatchDetection, type MatchGroundTruth, type ThresholdMatches,
} from '../../extension/core/analytics/thresholdMatching.ts';
import { mapClassesToCategories, type CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import type { CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import type { RunTable } from '../../extension/core/runTable.ts';
import { EDGE_NAMES } from '../../extension/core/types.ts';
import { val2017Run } from './helpers/val2017Run.ts';

const COUNT = 40;

let dir: string;
let gt: CocoDataset;
let table: RunTable;
let classToCategory: (number | null)[];
let analysis: GflAnalysis;
/** The mapped detections as COCO result objects from the stored (float32) columns, and their rows. */
let results: CocoResult[];
let resultRow: number[];
let stats: EdgeStats;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-columnar-'));
  ({ gt, table } = await val2017Run(COUNT, dir));
  classToCategory = mapClassesToCategories(table.header.profile.classNames, gt.categories).classToCategory;
  analysis = analyzeRun(table, gt, classToCategory, { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 50 } });
  const { detections, images: imageColumns } = table;
  results = [];
  resultRow = [];
  for (let d = 0; d < detections.count; d++) {
    const categoryId = classToCategory[detections.classIndex[d]];
    if (categoryId === null || categoryId === undefined) continue;
    const b = detections.bbox;
    resultRow.push(d);
    results.push({ image_id: imageColumns.imageId[detections.imageIndex[d]], category_id: categoryId, bbox: [b[4 * d], b[4 * d + 1], b[4 * d + 2] - b[4 * d], b[4 * d + 3] - b[4 * d + 1]], score: detections.score[d] });
  }
  stats = runEdgeStats(table)!;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The object implementation of COCOeval's greedy matching at thresholds τ (Map grouping per image and category). */
function referenceMatchAtThresholds(groundTruths: readonly MatchGroundTruth[], detections: readonly MatchDetection[], taus: readonly number[], maxDets = 100): ThresholdMatches[] {
  const results = taus.map(() => ({ matchedGt: new Int32Array(detections.length).fill(-1), iou: new Float64Array(detections.length), ignored: new Uint8Array(detections.length) }));
  const imageIds = new Set(groundTruths.map((g) => g.imageId));
  const categoryIds = new Set(groundTruths.map((g) => g.categoryId));
  const groups = new Map<string, { dets: number[]; gts: number[] }>();
  const group = (imageId: number, categoryId: number) => {
    const key = `${imageId}/${categoryId}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { dets: [], gts: [] }));
    return g;
  };
  groundTruths.forEach((g, i) => group(g.imageId, g.categoryId).gts.push(i));
  detections.forEach((d, i) => {
    if (imageIds.has(d.imageId) && categoryIds.has(d.categoryId)) group(d.imageId, d.categoryId).dets.push(i);
    else for (const r of results) r.ignored[i] = 1;
  });
  for (const { dets, gts } of groups.values()) {
    dets.sort((a, b) => detections[b].score - detections[a].score || a - b);
    for (const d of dets.slice(maxDets)) for (const r of results) r.ignored[d] = 1;
    const kept = dets.slice(0, maxDets);
    gts.sort((a, b) => Number(groundTruths[a].iscrowd) - Number(groundTruths[b].iscrowd) || a - b);
    taus.forEach((tau, t) => {
      const taken = new Set<number>();
      for (const d of kept) {
        let best = Math.min(tau, 1 - 1e-10);
        let m = -1;
        for (let gi = 0; gi < gts.length; gi++) {
          const g = groundTruths[gts[gi]];
          if (taken.has(gi) && !g.iscrowd) continue;
          if (m > -1 && !groundTruths[gts[m]].iscrowd && g.iscrowd) break;
          const iou = cocoBoxIoU(detections[d].bbox, g.bbox, g.iscrowd);
          if (iou < best) continue;
          best = iou;
          m = gi;
        }
        if (m === -1) continue;
        taken.add(m);
        results[t].matchedGt[d] = gts[m];
        results[t].iou[d] = best;
        if (groundTruths[gts[m]].iscrowd) results[t].ignored[d] = 1;
      }
    });
  }
  return results;
}

const matchGts = (): MatchGroundTruth[] => gt.annotations.map((a) => ({ imageId: a.image_id, categoryId: a.category_id, bbox: a.bbox, iscrowd: a.iscrowd === 1 }));
const matchDets = (): MatchDetection[] => results.map((r) => ({ imageId: r.image_id, categoryId: r.category_id, bbox: r.bbox, score: r.score }));

test('threshold matching on columns equals the object reference on real detections (τ = 0, 0.1, 0.5; maxDets 100 and 2)', () => {
  assert.ok(results.length > 1000, `${results.length} detections`);
  const gts = matchGts(), dets = matchDets();
  // A crowd region and a detection on an image without ground truth exercise the ignore rules too.
  gts.push({ ...gts[0], iscrowd: true });
  dets.push({ ...dets[0], imageId: -7 });
  for (const maxDets of [100, 2]) {
    const expected = referenceMatchAtThresholds(gts, dets, [0, 0.1, 0.5], maxDets);
    assert.deepEqual(matchAtThresholds(gts, dets, [0, 0.1, 0.5], maxDets), expected);
    const columns = {
      count: dets.length, imageId: dets.map((d) => d.imageId), categoryId: dets.map((d) => d.categoryId), bbox: dets.flatMap((d) => d.bbox), score: dets.map((d) => d.score),
    };
    const gtColumns = { count: gts.length, imageId: gts.map((g) => g.imageId), categoryId: gts.map((g) => g.categoryId), bbox: gts.flatMap((g) => g.bbox), crowd: gts.map((g) => (g.iscrowd ? 1 : 0)) };
    assert.deepEqual(matchColumnsAtThresholds(gtColumns, columns, [0, 0.1, 0.5], maxDets), expected);
    const at50 = Array.from(expected[2].matchedGt);
    assert.ok(at50.some((m) => m >= 0) && at50.some((m) => m < 0), 'matched and unmatched detections at 0.5');
  }
});

test('the analysis\' LaECE targets are the reference matching at τ = 0', () => {
  const [at0] = referenceMatchAtThresholds(matchGts(), matchDets(), [0]);
  resultRow.forEach((d, k) => {
    assert.equal(analysis.rows.laTarget[d], at0.matchedGt[k] >= 0 ? at0.iou[k] : 0);
    assert.equal(analysis.rows.laIgnored[d], at0.ignored[k]);
  });
});

test('edge statistics computed in chunks: rows and summary equal full EdgeStats arrays averaged over the evaluated detections', () => {
  const n = table.detections.count;
  for (let d = 0; d < n; d++) {
    assert.equal(analysis.rows.ambiguity[d], stats.ambiguity[d]);
    assert.equal(analysis.rows.drivingEdge[d], stats.drivingEdge[d]);
  }
  const included: number[] = [];
  for (let d = 0; d < n; d++) if (analysis.rows.outcome[d] === OUTCOME_CODE.tp || analysis.rows.outcome[d] === OUTCOME_CODE.fp) included.push(d);
  const mean = (values: Float32Array, e: number) => included.reduce((sum, d) => sum + values[4 * d + e], 0) / included.length;
  const edges = analysis.edges!;
  assert.equal(edges.detections, included.length);
  EDGE_NAMES.forEach((edge, e) => {
    assert.deepEqual(edges.perEdge[e], {
      edge, meanStdBins: mean(stats.std, e), meanStdPx: mean(stats.stdPx, e), meanEntropy: mean(stats.entropy, e), meanTop1: mean(stats.top1, e),
      meanTopK: mean(stats.topK, e), meanDflMass: mean(stats.dflMass, e), meanSaturation: mean(stats.saturation, e), meanBimodality: mean(stats.bimodality, e),
      bimodalShare: included.filter((d) => stats.bimodality[4 * d + e] >= 0.5).length / included.length,
    });
  });
  assert.equal(edges.meanAmbiguity, included.reduce((sum, d) => sum + stats.ambiguity[d], 0) / included.length);
  const histogram = new Array(20).fill(0);
  for (const d of included) histogram[Math.min(19, Math.floor(stats.ambiguity[d] * 20))]++;
  assert.deepEqual(edges.ambiguityHistogram.counts, histogram);
  assert.ok(analysis.topAmbiguous.length > 10);
  for (const box of analysis.topAmbiguous) {
    const at = 4 * box.index + EDGE_NAMES.indexOf(box.drivingEdge);
    assert.deepEqual(box.edge, { entropy: stats.entropy[at], bimodality: stats.bimodality[at], stdPx: stats.stdPx[at], dflMass: stats.dflMass[at], saturation: stats.saturation[at] });
  }
});

test('rescoring on columns equals the object reference: sharpness scores and var voting evaluated by COCOeval on result objects', () => {
  const { detections } = table;
  const objects: RescoringDetection[] = resultRow.map((d, k) => ({
    imageId: results[k].image_id, categoryId: results[k].category_id, detIndex: detections.detIndex[d],
    bbox: [detections.bbox[4 * d], detections.bbox[4 * d + 1], detections.bbox[4 * d + 2], detections.bbox[4 * d + 3]], score: detections.score[d],
    topKMean: (stats.topK[4 * d] + stats.topK[4 * d + 1] + stats.topK[4 * d + 2] + stats.topK[4 * d + 3]) / 4,
    stdPx: [stats.stdPx[4 * d], stats.stdPx[4 * d + 1], stats.stdPx[4 * d + 2], stats.stdPx[4 * d + 3]],
  }));
  const scores = objects.map((o) => o.score);
  const boxes = objects.map((o) => o.bbox);
  const sharp = sharpnessScores(objects, 1);
  const voted = varianceVotedBoxes(objects, 0.02);
  const r = analysis.rescoring!;
  assert.deepEqual(r.baseline, evaluateCoco(gt, results).stats);
  assert.deepEqual(r.sharpness.stats, evaluateCoco(gt, toResults(objects, sharp, boxes)).stats);
  assert.deepEqual(r.varianceVoting.stats, evaluateCoco(gt, toResults(objects, scores, voted)).stats);
  assert.equal(r.sharpness.changed, sharp.filter((s, i) => s !== scores[i]).length);
  assert.equal(r.varianceVoting.changed, voted.filter((box, i) => box.some((v, e) => Math.abs(v - boxes[i][e]) > 1e-9)).length);
  assert.ok(r.varianceVoting.changed > 0 && r.sharpness.changed > 0);
});

test('evaluateCoco with outcomeThresholds keeps exactly those columns of the full per-detection outcomes, and the same stats', () => {
  const full = evaluateCoco(gt, results);
  const kept = evaluateCoco(gt, results, { outcomeThresholds: [0.5, 0.75] });
  const none = evaluateCoco(gt, results, { outcomeThresholds: [] });
  assert.deepEqual(kept.stats, full.stats);
  assert.deepEqual(none.stats, full.stats);
  assert.deepEqual(Array.from(kept.detections.thresholds), [0.5, 0.75]);
  assert.equal(none.detections.numThresholds, 0);
  const T = full.detections.numThresholds;
  const t50 = Array.from(full.iouThresholds).indexOf(0.5), t75 = Array.from(full.iouThresholds).indexOf(0.75);
  let matched = 0;
  for (let d = 0; d < results.length; d++) {
    for (const [k, t] of [[0, t50], [1, t75]]) {
      assert.equal(kept.detections.matchedGt[2 * d + k], full.detections.matchedGt[T * d + t]);
      assert.equal(kept.detections.ignored[2 * d + k], full.detections.ignored[T * d + t]);
    }
    if (kept.detections.matchedGt[2 * d] >= 0) matched++;
  }
  assert.deepEqual(kept.detections.evaluated, full.detections.evaluated);
  assert.ok(matched > 100, `${matched} matches at 0.5`);
  assert.throws(() => evaluateCoco(gt, results, { outcomeThresholds: [0.42] }), /0\.42 is not among/);
});
