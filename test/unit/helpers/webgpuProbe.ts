// Child process of webgpu-swiftshader.test.ts (Vulkan's ICD and loader are chosen by environment variables, read
// when the process starts). Prints one JSON line: CPU and WebGPU detections of the demo model on two generated
// demo images, and what `auto` chose with its measured times.
// Usage: node --import tsx test/unit/helpers/webgpuProbe.ts <scratch dir>
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoDataset, DEMO_DATASET_SEED } from '../../../extension/demo/generateDataset.ts';
import { Detector } from '../../../extension/inference/detector.ts';
import { OnnxModel, type SessionOptions } from '../../../extension/inference/onnxSession.ts';

async function main() {
  const dir = process.argv[2];
  const modelPath = path.resolve(__dirname, '../../../media/demo/gfl-demo.onnx');
  const bytes = fs.readFileSync(modelPath);
  const [val] = await generateDemoDataset({ outDir: dir, seed: DEMO_DATASET_SEED, counts: { val: 2 } });
  const images = fs.readdirSync(val.imagesDir).sort().map((f) => path.join(val.imagesDir, f));

  // Reference: the CPU provider through the normal detector (which also prepares and decodes for both).
  const cpu = await Detector.create({ modelPath, providers: ['cpu'] });
  const [w, h] = cpu.profile.inputSize;
  // SwiftShader compiles the model's shaders on a session's first run (tens of seconds on a loaded machine): the
  // WebGPU session made here is handed to `auto` below instead of a second one, so the shaders compile once.
  // Sessions are otherwise created exactly as OnnxModel does (same options, real onnxruntime).
  const ort = await import('onnxruntime-node');
  const sessions = new Map<string, Awaited<ReturnType<typeof ort.InferenceSession.create>>>();
  const createSession: SessionOptions['createSession'] = async (model, provider, options) => {
    if (provider !== 'cpu' && provider !== 'webgpu') throw new Error(`${provider} is not installed here`);
    const reused = provider === 'webgpu' ? sessions.get(provider) : undefined;
    if (reused) return reused;
    const session = await ort.InferenceSession.create(model, { ...options, executionProviders: [provider] });
    sessions.set(provider, session);
    return session;
  };
  const webgpu = await OnnxModel.load(bytes, 'gfl-demo.onnx', { providers: ['webgpu'], createSession });
  const results = [];
  for (const image of images) {
    const prepared = await cpu.prepare(image, image);
    const onCpu = cpu.decode(await cpu.infer({ ...prepared, tensor: prepared.tensor.slice() }), prepared.transform);
    const onWebgpu = webgpu.provider.active === 'webgpu' ? cpu.decode(await webgpu.run(prepared.tensor, h, w), prepared.transform) : [];
    results.push({ image: path.basename(image), cpu: onCpu, webgpu: onWebgpu });
  }
  const webgpuProvider = webgpu.provider;
  await cpu.dispose();

  // Times cpu, then webgpu (the session above, released by auto when it loses); cuda is reported not installed.
  const auto = await OnnxModel.load(bytes, 'gfl-demo.onnx', { providers: ['auto'], platform: 'linux', createSession });
  const autoProvider = auto.provider;
  await auto.dispose();
  process.stdout.write(`${JSON.stringify({ webgpuProvider, results, autoProvider })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
