// Benchmark: GFL analytics over 100k synthetic detections (1000 images × 100, 80 classes, R = 7).
// Prints seconds per stage (best of three) and the total of the analytics proper (edge statistics, score-vs-IoU with intervals,
// calibration incl. its two COCO matchings, distribution-knows), plus full analyzeRun (which adds COCO evaluation,
// TIDE matching and the two rescoring re-evaluations owned by core/coco) for reference. Baseline: one copy of the
// 100k × 32 edge probabilities into a typed array, to read stage times as multiples of touching the data once.
// Run: node --import tsx test/bench/analytics.bench.ts
import os from 'node:os';
import { analyzeRun } from '../../extension/core/analytics/analysis.ts';
import { detectionECE, localisationAwareACE, localisationAwareECE, type CalibrationInput } from '../../extension/core/analytics/calibration.ts';
import { analyzeDistributionKnows } from '../../extension/core/analytics/distributionKnows.ts';
import { computeEdgeStats } from '../../extension/core/analytics/edgeStats.ts';
import { analyzeScoreIoU, cocoSizeIndex } from '../../extension/core/analytics/scoreIoU.ts';
import { createRng } from '../../extension/core/analytics/statistics.ts';
import { cocoBoxIoU, matchAtThreshold, matchAtThresholds, type MatchDetection, type MatchGroundTruth } from '../../extension/core/analytics/thresholdMatching.ts';
import type { MatchingGroundTruth } from '../../extension/core/coco/matching.ts';
import type { Run, RunHeader, RunImageRecord } from '../../extension/core/runFormat.ts';
import type { Detection, XYXY } from '../../extension/core/types.ts';
import { runTableFromRecords } from '../../extension/core/runTable.ts';

const IMAGES = 1000;
const PER_IMAGE = 100;
const CLASSES = 80;
const REG_MAX = 7;
const BINS = REG_MAX + 1;
const random = createRng(2024);

function softmaxAround(center: number, sharpness: number, out: number[]): void {
  let sum = 0;
  const start = out.length;
  for (let b = 0; b < BINS; b++) {
    const v = Math.exp(-sharpness * (b - center) ** 2) + 0.02 * random();
    out.push(v);
    sum += v;
  }
  for (let b = start; b < out.length; b++) out[b] /= sum;
}

// Synthetic dataset: ~8 GT boxes per image; detections are jittered copies of GTs (right or wrong class) or random
// background boxes, with scores loosely following IoU and edge distributions whose spread grows with the jitter.
const gt: MatchingGroundTruth = { images: [], annotations: [], categories: [] };
for (let c = 1; c <= CLASSES; c++) gt.categories.push({ id: c, name: `class${c}` });
const images: RunImageRecord[] = [];
let annotationId = 1;
for (let imageId = 1; imageId <= IMAGES; imageId++) {
  gt.images.push({ id: imageId });
  const gts: { box: XYXY; category: number }[] = [];
  for (let k = 0; k < 8; k++) {
    const w = 10 + 300 * random() ** 2;
    const h = 10 + 300 * random() ** 2;
    const x = 640 * random();
    const y = 480 * random();
    const category = 1 + Math.floor(random() * CLASSES);
    gts.push({ box: [x, y, x + w, y + h], category });
    gt.annotations.push({ id: annotationId++, image_id: imageId, category_id: category, bbox: [x, y, w, h], area: w * h, iscrowd: 0 });
  }
  const detections: Detection[] = [];
  for (let d = 0; d < PER_IMAGE; d++) {
    const onObject = random() < 0.6;
    const source = gts[Math.floor(random() * gts.length)];
    const jitter = onObject ? 0.3 * random() : 1;
    const [x1, y1, x2, y2] = source.box;
    const w = x2 - x1;
    const h = y2 - y1;
    const box: XYXY = onObject
      ? [x1 + jitter * w * (random() - 0.5), y1 + jitter * h * (random() - 0.5), x2 + jitter * w * (random() - 0.5), y2 + jitter * h * (random() - 0.5)]
      : [640 * random(), 480 * random(), 0, 0];
    if (!onObject) {
      box[2] = box[0] + 10 + 200 * random();
      box[3] = box[1] + 10 + 200 * random();
    }
    if (box[2] <= box[0]) box[2] = box[0] + 1;
    if (box[3] <= box[1]) box[3] = box[1] + 1;
    const classIndex = onObject && random() < 0.8 ? source.category - 1 : Math.floor(random() * CLASSES);
    const level = Math.floor(random() * 3);
    const stride = 8 << level;
    const probs: number[] = [];
    for (let e = 0; e < 4; e++) softmaxAround(REG_MAX * random(), 0.3 + 4 * (1 - jitter), probs);
    detections.push({
      bbox: box,
      score: Math.min(1, Math.max(0.05, (onObject ? 0.9 - 2 * jitter : 0.3) * random() + 0.05)),
      classIndex,
      level,
      stride,
      anchor: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2],
      distances: [1, 1, 1, 1],
      edgeProbs: probs,
    });
  }
  images.push({
    record: 'image',
    file: `${imageId}.jpg`,
    imageId,
    width: 640,
    height: 480,
    transform: { originalWidth: 640, originalHeight: 480, inputWidth: 320, inputHeight: 320, scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 40 },
    timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
    detections,
  });
}
const classNames = Array.from({ length: CLASSES }, (_, c) => `class${c + 1}`);
const run: Run = {
  header: {
    record: 'header',
    format: 'gfl-lens-run',
    version: 1,
    createdAt: '',
    tool: { name: 'gfl-lens', version: 'bench' },
    model: { path: 'synthetic', fileName: 'synthetic', sha256: '', bytes: 0, inputName: 'image', outputs: [] },
    profile: { name: 'synthetic', inputSize: [320, 320], strides: [8, 16, 32], regMax: REG_MAX, classNames },
    head: { layout: 'per-level', numClasses: CLASSES, strides: [8, 16, 32], regMax: REG_MAX, scoresActivated: true, distributionsActivated: true, hasDistributions: true, notes: [] },
    decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
    provider: { active: 'cpu', fallbacks: [] },
    dataset: {},
  } as unknown as RunHeader,
  images,
  errors: [],
  complete: true,
};
const classToCategory = classNames.map((_, c) => c + 1);

// Flat inputs for the pure stages.
const flat = images.flatMap((image) => image.detections.map((detection) => ({ image, detection })));
const n = flat.length;
const probs = new Float64Array(n * 4 * BINS);
const matchDets: MatchDetection[] = flat.map(({ image, detection }) => {
  const [x1, y1, x2, y2] = detection.bbox;
  return { imageId: image.imageId, categoryId: detection.classIndex + 1, bbox: [x1, y1, x2 - x1, y2 - y1], score: detection.score };
});
const matchGts: MatchGroundTruth[] = gt.annotations.map((a) => ({ imageId: a.image_id, categoryId: a.category_id, bbox: a.bbox, iscrowd: false }));

// Best of three runs: the first run pays for JIT compilation, and the machine is shared — so both the wall time
// and this process's CPU time (user + system, which other processes' load does not inflate) are printed.
let lastCpu = 0;
function time<T>(label: string, f: () => T, baseline?: number, repeats = 3): [T, number] {
  let value: T | undefined;
  let seconds = Infinity;
  let cpuSeconds = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    value = f();
    const cpu = process.cpuUsage(cpuStart);
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
    cpuSeconds = Math.min(cpuSeconds, (cpu.user + cpu.system) / 1e6);
  }
  console.log(`${label.padEnd(46)} wall ${seconds.toFixed(3)} s  cpu ${cpuSeconds.toFixed(3)} s${baseline ? `   (${(seconds / baseline).toFixed(1)}× baseline)` : ''}`);
  lastCpu = cpuSeconds;
  return [value as T, seconds];
}

console.log(`${n} detections, ${gt.annotations.length} GT boxes, ${IMAGES} images, R = ${REG_MAX}`);
const [, baseline] = time('baseline: copy 100k × 32 probabilities', () => {
  flat.forEach(({ detection }, i) => probs.set(detection.edgeProbs!, i * 4 * BINS));
});

let total = 0;
let cpu = 0;
const [edgeStats, tEdges] = time('edge statistics + ambiguity', () => computeEdgeStats({
  count: n,
  regMax: REG_MAX,
  probs,
  hasProbs: new Uint8Array(n).fill(1),
  stride: flat.map(({ detection }) => detection.stride),
  scaleX: flat.map(({ image }) => image.transform.scaleX),
  scaleY: flat.map(({ image }) => image.transform.scaleY),
}), baseline);
total += tEdges;
cpu += lastCpu;

// Input preparation, not analytics: in analyzeRun these IoUs and TP flags come from core/coco's evaluation.
const [matches50] = time('(inputs) COCO matching at 0.5, not counted', () => matchAtThreshold(matchGts, matchDets, 0.5), baseline);
const ious = Float64Array.from(matches50.iou);
const tp = Uint8Array.from(matches50.matchedGt, (g) => (g >= 0 ? 1 : 0));

const [, tScore] = time('score vs IoU (4 breakdowns, intervals)', () => analyzeScoreIoU({
  scores: matchDets.map((d) => d.score),
  ious,
  tp,
  classIndex: flat.map(({ detection }) => detection.classIndex),
  level: flat.map(({ detection }) => detection.level),
  size: matchDets.map((d) => cocoSizeIndex(d.bbox[2] * d.bbox[3])),
  classNames,
}), baseline);
total += tScore;
cpu += lastCpu;

const categoriesWithGroundTruth = new Set(gt.annotations.map((a) => a.category_id));
const [, tCalibration] = time('calibration (matching τ=0, τ=0.1 + 4 metrics)', () => {
  const scores = matchDets.map((d) => d.score);
  const categories = matchDets.map((d) => d.categoryId);
  const [at0, at10] = matchAtThresholds(matchGts, matchDets, [0, 0.1]);
  const input0: CalibrationInput = { scores, targets: at0.iou, categories, ignored: at0.ignored, categoriesWithGroundTruth };
  localisationAwareECE(input0, 0);
  localisationAwareACE(input0, 0);
  localisationAwareECE({ ...input0, targets: at10.iou, ignored: at10.ignored }, 0.1);
  detectionECE({ ...input0, targets: tp, ignored: matches50.ignored }, 0.5);
}, baseline);
total += tCalibration;
cpu += lastCpu;

const [, tKnows] = time('distribution knows (TPs)', () => {
  const tpIndices = Array.from({ length: n }, (_, i) => i).filter((i) => tp[i]);
  const gtBox = (i: number) => {
    const [x, y, w, h] = matchGts[matches50.matchedGt[i]].bbox;
    return [x, y, x + w, y + h];
  };
  const stdPx: number[] = [];
  for (const i of tpIndices) for (let e = 0; e < 4; e++) stdPx.push(edgeStats.stdPx[4 * i + e]);
  return analyzeDistributionKnows({
    count: tpIndices.length,
    boxes: tpIndices.flatMap((i) => flat[i].detection.bbox),
    gtBoxes: tpIndices.flatMap(gtBox),
    stdPx,
    ambiguity: tpIndices.map((i) => edgeStats.ambiguity[i]),
    iou: tpIndices.map((i) => cocoBoxIoU(matchDets[i].bbox, matchGts[matches50.matchedGt[i]].bbox, false)),
    score: tpIndices.map((i) => flat[i].detection.score),
  });
}, baseline);
total += tKnows;
cpu += lastCpu;
console.log(`${'analytics total (target < 1 s)'.padEnd(46)} wall ${total.toFixed(3)} s  cpu ${cpu.toFixed(3)} s   (${(total / baseline).toFixed(1)}× baseline)`);
console.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);

const table = runTableFromRecords(run.header, run.images, run.errors, run.complete);
time('full analyzeRun without rescoring', () => analyzeRun(table, gt, classToCategory, { rescoring: false }), baseline, 1);
time('full analyzeRun with rescoring (3 COCO evals)', () => analyzeRun(table, gt, classToCategory), baseline, 1);
