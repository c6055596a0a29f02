// Benchmark (prints one JSON line, asserts nothing): does the per-edge ambiguity measure find the edges the demo
// generator made ambiguous? On the demo val split, every ground-truth box matched by a detection at IoU 0.5
// (COCOeval matching) contributes its four edges: positive when the annotation lists the edge in
// `ambiguous_edges`. Reported: AUROC of the edge ambiguity (1 − DFL mass on the two bins around the mean) and,
// for comparison, of normalised entropy and std in pixels; per ambiguity kind against all clean edges; and the
// demo model's score–IoU correlations.
// Usage: node --import tsx test/bench/ambiguity.bench.ts [--images 200] [--model M]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { edgeStatsForDetections } from '../../extension/core/analytics/edgeStats.ts';
import { aurocByRanks, pearson, spearman } from '../../extension/core/analytics/statistics.ts';
import { mapClassesToCategories, toCocoResults } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { EDGE_NAMES, type Detection } from '../../extension/core/types.ts';
import { DEMO_DATASET_SEED, generateDemoDataset } from '../../extension/demo/generateDataset.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { cocoImageItems } from '../../extension/io/imageSources.ts';

interface DemoAnnotation { id: number; ambiguous_edges?: string[]; ambiguity?: Record<string, string> }

async function main() {
  const { values } = parseArgs({ options: { images: { type: 'string', default: '200' }, model: { type: 'string' } } });
  const count = Number(values.images);
  const repo = path.resolve(__dirname, '../..');
  const modelPath = values.model ?? path.join(repo, 'media/demo/gfl-demo.onnx');
  // Generated afresh each time: a cached copy could come from an older generator than the model's.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-demo-val-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const annotationsFile = path.join(dir, 'val', 'instances_val.json');
  await generateDemoDataset({ outDir: dir, seed: DEMO_DATASET_SEED, counts: { val: count } });
  const text = fs.readFileSync(annotationsFile, 'utf8');
  const gt = parseCocoInstances(text, annotationsFile);
  const demoAnnotations = new Map((JSON.parse(text).annotations as DemoAnnotation[]).map((a) => [a.id, a]));

  const detector = await Detector.create({ modelPath });
  const images: { imageId: number; detections: Detection[]; scaleX: number; scaleY: number }[] = [];
  for await (const { item, result, error } of detector.detectMany(cocoImageItems(gt, path.join(dir, 'val', 'images')).items)) {
    if (!result) throw error;
    images.push({ imageId: item.imageId, detections: result.detections, scaleX: result.transform.scaleX, scaleY: result.transform.scaleY });
  }
  const regMax = detector.head.regMax;
  await detector.dispose();

  const results = toCocoResults(images, mapClassesToCategories(detector.profile.classNames, gt.categories).classToCategory);
  const evaluation = evaluateCoco(gt, results);
  const { matches } = matchDetections(gt, results, evaluation);
  const imageById = new Map(images.map((i) => [i.imageId, i]));

  // Per matched GT edge: the matched detection's edge statistics and whether the generator made the edge ambiguous.
  const matched = matches.filter((m) => m.matchedGtId50 !== null);
  const stats = edgeStatsForDetections(matched.map((m) => {
    const image = imageById.get(m.imageId)!;
    return { detection: image.detections[m.detIndex], scaleX: image.scaleX, scaleY: image.scaleY };
  }), regMax)!;
  const ambiguity: number[] = [], entropy: number[] = [], stdPx: number[] = [], positive: boolean[] = [], kind: (string | null)[] = [];
  matched.forEach((m, i) => {
    const annotation = demoAnnotations.get(m.matchedGtId50!)!;
    EDGE_NAMES.forEach((edge, e) => {
      ambiguity.push(1 - stats.dflMass[i * 4 + e]);
      entropy.push(stats.entropy[i * 4 + e]);
      stdPx.push(stats.stdPx[i * 4 + e]);
      const isAmbiguous = annotation.ambiguous_edges?.includes(edge) ?? false;
      positive.push(isAmbiguous);
      kind.push(isAmbiguous ? annotation.ambiguity?.[edge] ?? 'unknown' : null);
    });
  });
  const perKind: Record<string, { edges: number; auroc: number | null }> = {};
  for (const k of [...new Set(kind.filter((k): k is string => k !== null))].sort()) {
    const keep = kind.map((x) => x === null || x === k);
    const pick = <T>(a: T[]) => a.filter((_, i) => keep[i]);
    perKind[k] = { edges: kind.filter((x) => x === k).length, auroc: round(aurocByRanks(pick(ambiguity), pick(positive))) };
  }

  // Score vs IoU with the best same-class GT (the QFL target), over all detections and over TPs.
  const scores = matches.map((m) => m.score), ious = matches.map((m) => m.sameClassIoU);
  const tp = matches.filter((m) => m.tp50);
  console.log(JSON.stringify({
    benchmark: 'ambiguity', model: path.basename(modelPath), valImages: count, seed: DEMO_DATASET_SEED,
    apStats: { AP: round(evaluation.stats[0]), AP50: round(evaluation.stats[1]), AP75: round(evaluation.stats[2]) },
    matchedBoxes: matched.length, edges: positive.length, ambiguousEdges: positive.filter(Boolean).length,
    auroc: {
      ambiguity: round(aurocByRanks(ambiguity, positive)), entropy: round(aurocByRanks(entropy, positive)), stdPx: round(aurocByRanks(stdPx, positive)),
    },
    aurocByKind: perKind,
    target: 0.85,
    scoreIoU: {
      allPearson: round(pearson(scores, ious)), allSpearman: round(spearman(scores, ious)),
      tpPearson: round(pearson(tp.map((m) => m.score), tp.map((m) => m.sameClassIoU))), tpSpearman: round(spearman(tp.map((m) => m.score), tp.map((m) => m.sameClassIoU))),
      detections: matches.length, tps: tp.length,
    },
  }));
}

const round = (v: number | null) => (v === null ? null : Number(v.toFixed(4)));
main();
