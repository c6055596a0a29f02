import { test } from 'node:test';
import { DEFAULT_BOOTSTRAP } from '../../extension/core/analytics/statistics.ts';
import assert from 'node:assert/strict';
import { analysisSummary, analyzeRun as analyzeTable, detectionRow, formatAnalysisSummary, GFL_ANALYSIS_VERSION, type AnalyzeOptions } from '../../extension/core/analytics/analysis.ts';
import { runTableFromRecords } from '../../extension/core/runTable.ts';
import { toCocoResults } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import type { MatchingGroundTruth } from '../../extension/core/coco/matching.ts';
import type { Run, RunHeader } from '../../extension/core/runFormat.ts';
import type { Detection, XYXY } from '../../extension/core/types.ts';

// Scores and boxes are float32 in a run (as the model outputs them): 0.9 is stored as 0.89999998.
const close = (actual: number | null | undefined, expected: number, tolerance = 1e-7) => {
  assert.ok(actual !== null && actual !== undefined, `expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
};

const TWO_BIN = [0, 0, 0.5, 0.5, 0, 0, 0, 0];
const UNIFORM = new Array(8).fill(1 / 8);
const BIMODAL = [0.5, 0, 0, 0, 0, 0, 0.3, 0.2];
const ONE_HOT = [0, 0, 0, 1, 0, 0, 0, 0];

function detection(bbox: XYXY, score: number, classIndex: number, edge: number[] | null): Detection {
  return {
    bbox,
    score,
    classIndex,
    level: 0,
    stride: 8,
    anchor: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
    distances: [1, 1, 1, 1],
    ...(edge ? { edgeProbs: [...edge, ...edge, ...edge, ...edge] } : {}),
  };
}

// Ground truth: person A [0,0,100,100], person B [200,200,50,50], bicycle C [400,400,20,20].
const GT: MatchingGroundTruth = {
  images: [{ id: 1 }],
  annotations: [
    { id: 11, image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], area: 10000, iscrowd: 0 },
    { id: 12, image_id: 1, category_id: 1, bbox: [200, 200, 50, 50], area: 2500, iscrowd: 0 },
    { id: 13, image_id: 1, category_id: 2, bbox: [400, 400, 20, 20], area: 400, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'person' }, { id: 2, name: 'bicycle' }],
};
const CLASS_TO_CATEGORY = [1, 2, null];

function makeRun(withDistributions: boolean): Run {
  const probs = (p: number[]) => (withDistributions ? p : null);
  const detections = [
    detection([0, 0, 100, 100], 0.9, 0, probs(TWO_BIN)), // IoU 1 with A, sharp
    detection([200, 200, 250, 240], 0.6, 0, probs(UNIFORM)), // IoU 0.8 with B, flat
    detection([600, 600, 700, 700], 0.3, 0, probs(BIMODAL)), // background, bimodal
    detection([400, 400, 420, 420], 0.5, 1, probs(ONE_HOT)), // IoU 1 with C
    detection([0, 0, 10, 10], 0.7, 2, probs(ONE_HOT)), // class without a category
  ];
  const header = {
    record: 'header',
    format: 'gfl-lens-run',
    version: 1,
    createdAt: '2026-01-01T00:00:00Z',
    tool: { name: 'gfl-lens', version: '0.1.0' },
    model: { path: 'm.onnx', fileName: 'm.onnx', sha256: 'abc', bytes: 1, inputName: 'image', outputs: [] },
    profile: { name: 'test', inputSize: [1000, 1000], strides: [8, 16, 32], regMax: 7, classNames: ['person', 'bicycle', 'unicorn'] },
    head: { layout: 'per-level', numClasses: 3, strides: [8, 16, 32], regMax: 7, scoresActivated: true, distributionsActivated: true, hasDistributions: withDistributions, notes: [] },
    decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
    provider: { active: 'cpu', fallbacks: [] },
    dataset: {},
  } as unknown as RunHeader;
  return {
    header,
    images: [{
      record: 'image',
      file: 'a.jpg',
      imageId: 1,
      width: 1000,
      height: 1000,
      transform: { originalWidth: 1000, originalHeight: 1000, inputWidth: 1000, inputHeight: 1000, scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
      timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
      detections,
    }],
    errors: [],
    complete: true,
  };
}

const OPTIONS = { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 100, seed: 5 } };

/** The analysis reads runs as columns (what the run store holds): probabilities are stored to ±7.6e-6. */
const tableOf = (run: Run) => runTableFromRecords(run.header, run.images, run.errors, run.complete);
const analyzeRun = (run: Run, gt: MatchingGroundTruth | null, classToCategory: (number | null)[], options: Partial<AnalyzeOptions>) =>
  analyzeTable(tableOf(run), gt, classToCategory, options);
const rowsOf = (run: Run, a: ReturnType<typeof analyzeRun>) => Array.from({ length: a.rows.count }, (_, d) => detectionRow(tableOf(run), a, d));

test('analyzeRun: hand-computed calibration, counts and evaluation consistent with evaluateCoco', () => {
  const run = makeRun(true);
  const a = analyzeRun(run, GT, CLASS_TO_CATEGORY, OPTIONS);
  assert.equal(a.version, GFL_ANALYSIS_VERSION);
  assert.equal(a.kind, 'gfl-lens-analysis');
  assert.deepEqual([a.source.detections, a.source.evaluatedDetections, a.source.unmappedDetections], [5, 4, 1]);
  assert.ok(a.evaluation && a.calibration && a.scoreIoU);
  assert.deepEqual(a.evaluation.stats, evaluateCoco(GT, toCocoResults(run.images, CLASS_TO_CATEGORY)).stats);

  // LaECE₀ (25 bins, all detections in separate bins). person: |0.9 − 1|, |0.6 − 0.8|, and the background box
  // |0.3 − 0| (at τ = 0 both persons are already taken) → (0.1 + 0.2 + 0.3)/3 = 0.2; bicycle |0.5 − 1| = 0.5.
  close(a.calibration.laece0.value, (0.2 + 0.5) / 2);
  close(a.calibration.laace0.value, (0.2 + 0.5) / 2);
  close(a.calibration.laece.value, (0.2 + 0.5) / 2);
  assert.equal(a.calibration.laece.tau, 0.1);
  // D-ECE (10 bins, pooled, TP/FP at 0.5): gaps 0.1, 0.4, 0.3 (FP), 0.5, each alone in its bin → 1.3/4.
  close(a.calibration.dece.value, 1.3 / 4);
  assert.equal(a.calibration.reliability.iouTarget.reduce((s, b) => s + b.count, 0), 4);

  // Score vs IoU over the 4 evaluated detections: IoUs 1, 0.8, 0, 1.
  assert.equal(a.scoreIoU.overall.all.n, 4);
  assert.equal(a.scoreIoU.overall.tp.n, 3);
  // TP ranks: scores (3, 2, 1) vs IoUs (2.5, 1, 2.5) → Σ cross-deviations 0 → rho 0.
  close(a.scoreIoU.overall.tp.spearman, 0);
});

test('analyzeRun: rows, ambiguity ranking with the driving edge, distribution-knows and rescoring', () => {
  const run = makeRun(true);
  const a = analyzeRun(run, GT, CLASS_TO_CATEGORY, OPTIONS);
  assert.deepEqual(rowsOf(run, a).map((r) => [r.detIndex, r.outcome, r.error, r.size]), [
    [0, 'tp', null, 'large'],
    [1, 'tp', null, 'medium'],
    [2, 'fp', 'Bkg', 'large'],
    [3, 'tp', null, 'small'],
    [4, 'unmapped', null, 'small'],
  ]);
  assert.ok(a.evaluation);
  // Ambiguity: bimodal 1, uniform 0.75, two-bin 0 (score 0.9) and one-hot 0 (score 0.5).
  assert.deepEqual(a.topAmbiguous.map((b) => b.detIndex), [2, 1, 0, 3]);
  close(a.topAmbiguous[0].ambiguity, 1);
  assert.equal(a.topAmbiguous[0].drivingEdge, 'left'); // all edges equal: the first edge attains the max
  close(a.topAmbiguous[0].edge.bimodality, 0.6, 1e-4); // from the stored (quantised) distribution
  assert.equal(a.topAmbiguous[0].file, 'a.jpg');
  assert.ok(a.edges);
  assert.equal(a.edges.detections, 4);
  close(a.edges.meanAmbiguity, (1 + 0.75 + 0 + 0) / 4);
  assert.deepEqual(a.edges.perEdge.map((e) => e.bimodalShare), [0.25, 0.25, 0.25, 0.25]);
  assert.ok(a.distributionKnows);
  assert.equal(a.distributionKnows.detections, 3);
  // TPs with IoU < 0.75: none (IoUs 1, 0.8, 1) → AUROC undefined.
  assert.equal(a.distributionKnows.ambiguityAUROC.positives, 0);
  assert.equal(a.distributionKnows.ambiguityAUROC.auroc, null);
  assert.ok(a.rescoring);
  assert.equal(a.rescoring.baseline.length, 12);
  assert.deepEqual(a.rescoring.baseline, a.evaluation.stats);
});

test('analyzeRun: an anchor kept for two classes is listed once among the ambiguous boxes', () => {
  const run = makeRun(true);
  // Same anchor and distribution as the bimodal background box, predicted as a bicycle with a lower score.
  run.images[0].detections.push(detection([600, 600, 700, 700], 0.2, 1, BIMODAL));
  const a = analyzeRun(run, GT, CLASS_TO_CATEGORY, { ...OPTIONS, ambiguousMinScore: 0 });
  assert.equal(a.rows.count, 6);
  assert.deepEqual(a.topAmbiguous.map((b) => b.detIndex), [2, 1, 0, 3]);
});

test('analyzeRun: only boxes scoring at least ambiguousMinScore are listed as most ambiguous', () => {
  // Scores 0.9, 0.6, 0.3 (the bimodal background box) and 0.5: a floor of 0.55 keeps the first two, by ambiguity.
  const a = analyzeRun(makeRun(true), GT, CLASS_TO_CATEGORY, { ...OPTIONS, ambiguousMinScore: 0.55 });
  assert.deepEqual(a.topAmbiguous.map((b) => b.detIndex), [1, 0]);
  assert.equal(a.topAmbiguousMinScore, 0.55);
  assert.match(formatAnalysisSummary(a), /Top 10 ambiguous boxes \(score ≥ 0\.55\):/);
  // The default floor (0.3, as in the ambiguity view) keeps all four.
  assert.equal(analyzeRun(makeRun(true), GT, CLASS_TO_CATEGORY, OPTIONS).topAmbiguous.length, 4);
});

test('analyzeRun: the summary (everything but the per-detection columns) is plain JSON and formats as text', () => {
  const a = analyzeRun(makeRun(true), GT, CLASS_TO_CATEGORY, OPTIONS);
  assert.deepEqual(JSON.parse(JSON.stringify(analysisSummary(a))), analysisSummary(a));
  const text = formatAnalysisSummary(a);
  assert.match(text, /LaECE0 35\.0%/);
  assert.match(text, /D-ECE@0\.5 32\.5%/);
  assert.match(text, /Top 10 ambiguous boxes \(score ≥ 0\.3\):\n\s+1\. a\.jpg #2 person/);
  assert.match(text, /What-if sharpness re-ranking: ΔAP/);
});

test('analyzeRun: a model with integrated DFL has no edge analytics, says so, and still evaluates', () => {
  const run = makeRun(false);
  const a = analyzeRun(run, GT, CLASS_TO_CATEGORY, OPTIONS);
  assert.equal(a.edges, null);
  assert.equal(a.distributionKnows, null);
  assert.equal(a.rescoring, null);
  assert.deepEqual(a.topAmbiguous, []);
  assert.ok(rowsOf(run, a).every((r) => r.ambiguity === null && r.drivingEdge === null));
  assert.ok(a.notes.some((n) => /no DFL distributions/.test(n)));
  close(a.calibration?.laece0.value, 0.35);
  assert.deepEqual(JSON.parse(JSON.stringify(analysisSummary(a))), analysisSummary(a));
  assert.doesNotThrow(() => formatAnalysisSummary(a));
});

test('analyzeRun: no detections at all', () => {
  const run = makeRun(true);
  run.images[0].detections = [];
  const a = analyzeRun(run, GT, CLASS_TO_CATEGORY, OPTIONS);
  assert.equal(a.source.detections, 0);
  assert.equal(a.calibration?.laece0.value, null);
  assert.equal(a.scoreIoU?.overall.all.pearson, null);
  assert.equal(a.edges, null);
  assert.equal(a.rows.count, 0);
  assert.deepEqual(JSON.parse(JSON.stringify(analysisSummary(a))), analysisSummary(a));
});
