// COCO evaluation at val2017 scale: 5000 images, ~36k GT (1% crowd), ~85k detections, fixed seed.
// Prints load time of a ~25 MB instances text (vs bare JSON.parse of the same text), evaluateCoco time
// (cold and warm) and matchDetections (per-detection facts + TIDE) time. pycocotools takes ~20 s for such a case
// on this machine (issue 3); that figure is quoted, not measured here (no Python packages available).
import fs from 'node:fs';
import path from 'node:path';
import { COCO80_TO_91, COCO_CATEGORY_NAMES } from '../../extension/core/coco/categoryMapping.ts';
import type { CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco, formatSummary } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { createRng } from '../../extension/core/analytics/statistics.ts';

const random = createRng(2017);
const round2 = (x: number) => Math.round(x * 100) / 100;

interface Box { x: number; y: number; w: number; h: number }

function generate() {
  const images: { id: number; file_name: string; width: number; height: number }[] = [];
  const annotations: Record<string, unknown>[] = [];
  const results: CocoResult[] = [];
  let annId = 1;
  for (let n = 0; n < 5000; n++) {
    const id = 100000 + n * 7;
    const width = 640, height = 427 + Math.floor(random() * 213);
    images.push({ id, file_name: `${String(id).padStart(12, '0')}.jpg`, width, height });
    const objects = Math.floor(random() * 15); // mean ≈ 7 per image
    for (let o = 0; o < objects; o++) {
      // Log-uniform sizes give COCO-like small/medium/large mixes.
      const w = Math.min(width - 1, Math.exp(Math.log(6) + random() * Math.log(500 / 6)));
      const h = Math.min(height - 1, w * (0.4 + random() * 1.6));
      const box: Box = { x: random() * (width - w), y: random() * (height - h), w, h };
      const category = COCO80_TO_91[Math.floor(Math.pow(random(), 2) * 80)];
      const crowd = random() < 0.01 ? 1 : 0;
      // Polygon segmentation (as in val2017) makes the text realistic in size; area < w·h like real masks.
      const polygon: number[] = [];
      for (let k = 0; k < 40; k++) {
        const angle = (k / 40) * 2 * Math.PI;
        polygon.push(round2(box.x + box.w / 2 + (Math.cos(angle) * box.w) / 2), round2(box.y + box.h / 2 + (Math.sin(angle) * box.h) / 2));
      }
      annotations.push({
        segmentation: [polygon], area: round2(box.w * box.h * (0.55 + random() * 0.35)), iscrowd: crowd, image_id: id,
        bbox: [round2(box.x), round2(box.y), round2(box.w), round2(box.h)], category_id: category, id: annId++,
      });
      // ~2 detections per object: localisation jitter, sometimes the wrong class, and a few duplicates.
      const copies = 1 + (random() < 0.7 ? 1 : 0) + (random() < 0.2 ? 1 : 0);
      for (let c = 0; c < copies; c++) {
        const jitter = 0.25 * random();
        const dw = box.w * (1 + (random() - 0.5) * jitter), dh = box.h * (1 + (random() - 0.5) * jitter);
        const dx = box.x + (random() - 0.5) * jitter * box.w, dy = box.y + (random() - 0.5) * jitter * box.h;
        const wrong = random() < 0.1;
        results.push({
          image_id: id, category_id: wrong ? COCO80_TO_91[Math.floor(random() * 80)] : category,
          bbox: [round2(dx), round2(dy), round2(dw), round2(dh)], score: round2(0.05 + random() * 0.95),
        });
      }
    }
    const background = Math.floor(random() * 8);
    for (let b = 0; b < background; b++) {
      const w = 10 + random() * 200, h = 10 + random() * 200;
      results.push({
        image_id: id, category_id: COCO80_TO_91[Math.floor(random() * 80)],
        bbox: [round2(random() * (width - w)), round2(random() * (height - h)), round2(w), round2(h)], score: round2(0.05 + random() * 0.5),
      });
    }
  }
  const categories = COCO80_TO_91.map((id, k) => ({ supercategory: 'thing', id, name: COCO_CATEGORY_NAMES[k] }));
  return { instances: { info: {}, licenses: [], images, annotations, categories }, results };
}

/** Runs fn `runs` times; returns the last value and the minimum wall and CPU milliseconds (the machine is shared). */
function measure<T>(runs: number, fn: () => T): { value: T; wall: number; cpu: number } {
  let value!: T;
  let wall = Infinity, cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    value = fn();
    const used = process.cpuUsage(cpuStart);
    wall = Math.min(wall, performance.now() - wallStart);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { value, wall, cpu };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const generated = measure(1, generate).value;
const instancesText = JSON.stringify(generated.instances);
const resultsText = JSON.stringify(generated.results);
// `--dump DIR` writes the generated files, e.g. to time `gfl-lens eval` on them.
const dumpAt = process.argv.indexOf('--dump');
if (dumpAt > 0 && process.argv[dumpAt + 1]) {
  fs.writeFileSync(path.join(process.argv[dumpAt + 1], 'bench-instances.json'), instancesText);
  fs.writeFileSync(path.join(process.argv[dumpAt + 1], 'bench-results.json'), resultsText);
}
console.log(`case: ${generated.instances.images.length} images, ${generated.instances.annotations.length} GT (${generated.instances.annotations.filter((a) => a.iscrowd).length} crowd), ${generated.results.length} detections`);
console.log(`text: instances ${(instancesText.length / 1e6).toFixed(1)} MB, results ${(resultsText.length / 1e6).toFixed(1)} MB`);
console.log('times are the minimum over repeated runs (wall / process CPU); the machine is shared');

const bareInstances = measure(3, () => JSON.parse(instancesText));
const loadInstances = measure(3, () => parseCocoInstances(instancesText, 'bench-instances.json'));
const bareResults = measure(3, () => JSON.parse(resultsText));
const gt = loadInstances.value;
const loadResults = measure(3, () => parseCocoResults(resultsText, 'bench-results.json', gt));
const dets = loadResults.value;
console.log(`load instances: JSON.parse ${seconds(bareInstances.wall)}, parseCocoInstances ${seconds(loadInstances.wall)} (cpu ${seconds(loadInstances.cpu)}; ×${(loadInstances.wall / bareInstances.wall).toFixed(2)} of bare JSON.parse)`);
console.log(`load results:   JSON.parse ${seconds(bareResults.wall)}, parseCocoResults ${seconds(loadResults.wall)} (cpu ${seconds(loadResults.cpu)}; ×${(loadResults.wall / bareResults.wall).toFixed(2)})`);

const pycocotoolsSeconds = 20;
const cold = measure(1, () => evaluateCoco(gt, dets));
const warm = measure(5, () => evaluateCoco(gt, dets));
const evaluation = warm.value;
console.log(`evaluateCoco first call: ${seconds(cold.wall)} (cpu ${seconds(cold.cpu)}); warm: ${seconds(warm.wall)} (cpu ${seconds(warm.cpu)}) — pycocotools ≈ ${pycocotoolsSeconds} s on this machine (issue 3): ×${((pycocotoolsSeconds * 1000) / cold.wall).toFixed(0)} first call, ×${((pycocotoolsSeconds * 1000) / warm.wall).toFixed(0)} warm`);
const match = measure(3, () => matchDetections(gt, dets, evaluation));
const matching = match.value;
console.log(`matchDetections (per-detection records, TIDE errors and dAP, confusion matrix): ${seconds(match.wall)} (cpu ${seconds(match.cpu)})`);
console.log(formatSummary(evaluation.stats));
console.log(`TIDE AP50 ${matching.tide.ap.toFixed(2)}, dAP ${JSON.stringify(Object.fromEntries(Object.entries(matching.tide.dAP).map(([k, v]) => [k, Number(v.toFixed(2))])))}`);
