// Benchmark (prints figures, asserts nothing): end-to-end images/s over ../shared/data/coco128 — read, decode,
// letterbox, inference, GFL decode, NMS — against a forward-only loop of the same session on the same tensors,
// with the preprocessing pool at 0 (calling thread), 1, 2 and all cores; plus the CPU cost per image of each stage,
// and the CPU side alone (preprocessing + GFL decode, no forward pass: the ceiling for a GPU provider).
// --providers P passes the execution providers (default auto).
// Usage: node --import tsx test/bench/inference.bench.ts [model.onnx] [--threads N] [--fast-decode] [--rounds R] [--providers P]
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Detector } from '../../extension/inference/detector.ts';
import { parseProviderList } from '../../extension/inference/providerDiagnosis.ts';
import { listFolderImages } from '../../extension/io/imageSources.ts';

async function main() {
  const args = process.argv.slice(2);
  const shared = path.resolve(__dirname, '../../../shared');
  const modelPath = args.find((a) => a.endsWith('.onnx')) ?? path.join(shared, 'models/nanodet-m-320.onnx');
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const intraOpThreads = flag('--threads') ? Number(flag('--threads')) : undefined;
  const rounds = Number(flag('--rounds') ?? 2);
  const fastDecode = args.includes('--fast-decode');
  const providers = flag('--providers') ? parseProviderList(flag('--providers')!.split(','), '--providers') : undefined;
  const items = await listFolderImages(path.join(shared, 'data/coco128/images'));
  const cores = os.availableParallelism();

  // Stage costs, one image at a time on this thread (so wall time is the CPU time of that stage).
  const detector = await Detector.create({ modelPath, providers, intraOpThreads, fastDecode, preprocessThreads: 0 });
  const prepared = [];
  let decodeMs = 0, tensorMs = 0, gflDecodeMs = 0;
  for (const item of items) {
    const p = await detector.prepare(item.source, item.label);
    decodeMs += p.stageMs!.decodeMs;
    tensorMs += p.stageMs!.tensorMs;
    prepared.push(p);
  }
  const outputsByImage = [];
  for (const p of prepared) {
    const outputs = await detector.infer({ ...p, tensor: p.tensor.slice() });
    outputsByImage.push(outputs);
    const t = performance.now();
    detector.decode(outputs, p.transform);
    gflDecodeMs += performance.now() - t;
  }

  const provider = detector.provider.active;
  await detector.dispose();

  // Per pool size, rounds alternate forward-only and end-to-end on the same detector, so that both figures of a
  // ratio see the same machine load (this machine is shared). Forward only: fresh tensor copies made before
  // timing, handed over without a copy as the pipeline does.
  const rows = [];
  let reference: string | undefined;
  for (const poolSize of [...new Set([0, 1, 2, cores])]) {
    const d = await Detector.create({ modelPath, providers, intraOpThreads, fastDecode, preprocessThreads: poolSize });
    let best = Infinity, forwardBest = Infinity, cpuMsPerImage = 0, digest = '';
    for (let r = 0; r < rounds; r++) {
      const copies = prepared.map((p) => ({ ...p, tensor: p.tensor.slice() }));
      let t = performance.now();
      for (const p of copies) await d.infer(p, true);
      forwardBest = Math.min(forwardBest, performance.now() - t);

      const hash = crypto.createHash('sha256');
      const cpu = process.cpuUsage();
      t = performance.now();
      for await (const { result } of d.detectMany(items)) hash.update(JSON.stringify(result?.detections ?? null));
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      if (ms < best) {
        best = ms;
        cpuMsPerImage = (used.user + used.system) / 1000 / items.length;
      }
      digest = hash.digest('hex');
    }
    // The CPU side alone: prepare through the pool and GFL-decode each image's (already computed) outputs, i.e. the
    // end-to-end rate a provider whose forward pass costs no CPU (a GPU) would get at most.
    const cpuSideStart = performance.now();
    let k = 0;
    for await (const { prepared: p } of d.prepareMany(items)) d.decode(outputsByImage[k++], p!.transform);
    const cpuSideRate = items.length / ((performance.now() - cpuSideStart) / 1000);
    await d.dispose();
    reference ??= digest;
    const rate = items.length / (best / 1000);
    const forwardRate = items.length / (forwardBest / 1000);
    rows.push({ pool: poolSize === 0 ? 'calling thread' : `${poolSize} worker${poolSize > 1 ? 's' : ''}${poolSize === cores ? ' (all cores)' : ''}`,
      forwardOnlyImagesPerSec: round(forwardRate), endToEndImagesPerSec: round(rate), ratio: round(rate / forwardRate, 3),
      processCpuMsPerImage: round(cpuMsPerImage), cpuSideOnlyImagesPerSec: round(cpuSideRate), sameDetections: digest === reference });
  }
  const n = items.length;
  const defaultPool = provider === 'cpu' ? Math.max(1, Math.floor(cores / 2)) : cores;
  console.log(`model ${path.basename(modelPath)} on ${provider}, ${n} images of coco128, ${cores} cores (default pool: ${defaultPool}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`CPU per image: decode ${round(decodeMs / n)} ms, resize/normalise ${round(tensorMs / n)} ms, GFL decode + NMS ${round(gflDecodeMs / n)} ms`);
  console.table(rows);
  console.log(JSON.stringify({
    benchmark: 'inference', model: path.basename(modelPath), images: n, provider, cores, intraOpThreads: intraOpThreads ?? 'default', fastDecode,
    cpuMsPerImage: { decode: round(decodeMs / n), resizeNormalise: round(tensorMs / n), gflDecode: round(gflDecodeMs / n) },
    pools: rows, loadAverage: os.loadavg()[0], target: 0.65,
  }));
}

function round(x: number, digits = 1): number {
  return Number(x.toFixed(digits));
}

main();
