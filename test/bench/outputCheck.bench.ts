// Cost of the per-image non-finite check (core/outputCheck.ts) next to decoding, on NanoDet-m-320's real outputs for
// the shared photos: both timed in the same run, printed as a ratio. Usage: node --import tsx test/bench/outputCheck.bench.ts
import os from 'node:os';
import path from 'node:path';
import { assertFiniteOutputs } from '../../extension/core/outputCheck.ts';
import { Detector } from '../../extension/inference/detector.ts';

const shared = path.resolve(__dirname, '../../../shared');
async function main(): Promise<void> {
  const detector = await Detector.create({ modelPath: path.join(shared, 'models/nanodet-m-320.onnx'), providers: ['cpu'] });
  const REPEAT = 200;
  let checkMs = 0, decodeMs = 0, values = 0;
  for (const name of ['bus.jpg', 'dog.jpg', 'person.jpg']) {
    const prepared = await detector.prepare(path.join(shared, 'data/images', name), name);
    const outputs = await detector.infer(prepared);
    values = outputs.reduce((n, t) => n + t.data.length, 0);
    let t = performance.now();
    for (let i = 0; i < REPEAT; i++) assertFiniteOutputs(outputs, name);
    checkMs += performance.now() - t;
    t = performance.now();
    for (let i = 0; i < REPEAT; i++) detector.decode(outputs, prepared.transform);
    decodeMs += performance.now() - t;
}
await detector.dispose();
const per = (ms: number) => (ms / (3 * REPEAT)).toFixed(3);
console.log(`non-finite check: ${per(checkMs)} ms per image (${values} output values), decode: ${per(decodeMs)} ms per image; ` +
  `check / decode = ${(checkMs / decodeMs).toFixed(3)} (load average ${os.loadavg()[0].toFixed(2)})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
