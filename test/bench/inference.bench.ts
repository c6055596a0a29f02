// Benchmark (prints figures, asserts nothing): end-to-end images/s over ../shared/data/coco128 — read, decode,
// letterbox, inference, GFL decode, NMS — against a forward-only loop of the same session on the same tensors.
// Usage: node --import tsx test/bench/inference.bench.ts [model.onnx] [--threads N] [--fast-decode]
import path from 'node:path';
import { Detector } from '../../extension/inference/detector.ts';
import { listFolderImages } from '../../extension/io/imageSources.ts';

async function main() {
  const args = process.argv.slice(2);
  const shared = path.resolve(__dirname, '../../../shared');
  const modelPath = args.find((a) => a.endsWith('.onnx')) ?? path.join(shared, 'models/nanodet-m-320.onnx');
  const threadsArg = args.indexOf('--threads');
  const intraOpThreads = threadsArg >= 0 ? Number(args[threadsArg + 1]) : undefined;
  const fastDecode = args.includes('--fast-decode');
  const detector = await Detector.create({ modelPath, intraOpThreads, fastDecode });
  const items = await listFolderImages(path.join(shared, 'data/coco128/images'));

  // Prepare every tensor once for the forward-only baseline.
  const prepared = [];
  for (const item of items) prepared.push(await detector.prepare(item.source, item.label));
  for (const p of prepared.slice(0, 5)) await detector.infer(p); // warm-up

  const rounds = 2;
  let forwardBest = Infinity, endToEndBest = Infinity, detections = 0;
  for (let r = 0; r < rounds; r++) {
    // Fresh copies made before timing, handed over without a copy exactly as the pipeline hands its tensors.
    const copies = prepared.map((p) => ({ ...p, tensor: p.tensor.slice() }));
    let t = performance.now();
    for (const p of copies) await detector.infer(p, true);
    forwardBest = Math.min(forwardBest, performance.now() - t);

    t = performance.now();
    detections = 0;
    for await (const { result } of detector.detectMany(items)) detections += result?.detections.length ?? 0;
    endToEndBest = Math.min(endToEndBest, performance.now() - t);
  }
  const forwardRate = items.length / (forwardBest / 1000);
  const endToEndRate = items.length / (endToEndBest / 1000);
  console.log(JSON.stringify({
    benchmark: 'inference', model: path.basename(modelPath), images: items.length, provider: detector.provider.active,
    intraOpThreads: intraOpThreads ?? 'default', fastDecode, detections,
    forwardOnlyImagesPerSec: Number(forwardRate.toFixed(1)), endToEndImagesPerSec: Number(endToEndRate.toFixed(1)),
    ratio: Number((endToEndRate / forwardRate).toFixed(3)), target: 0.85,
  }));
  await detector.dispose();
}
main();
