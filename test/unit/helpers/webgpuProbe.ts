// Child process of webgpu-swiftshader.test.ts (Vulkan's ICD and loader are chosen by environment variables, read
// when the process starts). Prints one JSON line: CPU and WebGPU detections of the demo model on two generated
// demo images, and what `auto` chose with its measured times.
// Usage: node --import tsx test/unit/helpers/webgpuProbe.ts <scratch dir>
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoDataset, DEMO_DATASET_SEED } from '../../../extension/demo/generateDataset.ts';
import { Detector } from '../../../extension/inference/detector.ts';
import { OnnxModel } from '../../../extension/inference/onnxSession.ts';

async function main() {
  const dir = process.argv[2];
  const modelPath = path.resolve(__dirname, '../../../media/demo/gfl-demo.onnx');
  const bytes = fs.readFileSync(modelPath);
  const [val] = await generateDemoDataset({ outDir: dir, seed: DEMO_DATASET_SEED, counts: { val: 2 } });
  const images = fs.readdirSync(val.imagesDir).sort().map((f) => path.join(val.imagesDir, f));

  // Reference: the CPU provider through the normal detector (which also prepares and decodes for both).
  const cpu = await Detector.create({ modelPath, providers: ['cpu'] });
  const [w, h] = cpu.profile.inputSize;
  const webgpu = await OnnxModel.load(bytes, 'gfl-demo.onnx', { providers: ['webgpu'] });
  const results = [];
  for (const image of images) {
    const prepared = await cpu.prepare(image, image);
    const onCpu = cpu.decode(await cpu.infer({ ...prepared, tensor: prepared.tensor.slice() }), prepared.transform);
    const onWebgpu = webgpu.provider.active === 'webgpu' ? cpu.decode(await webgpu.run(prepared.tensor, h, w), prepared.transform) : [];
    results.push({ image: path.basename(image), cpu: onCpu, webgpu: onWebgpu });
  }
  const webgpuProvider = webgpu.provider;
  await webgpu.dispose();
  await cpu.dispose();

  const auto = await OnnxModel.load(bytes, 'gfl-demo.onnx', { providers: ['auto'] });
  const autoProvider = auto.provider;
  await auto.dispose();
  process.stdout.write(`${JSON.stringify({ webgpuProvider, results, autoProvider })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
