// The model's own output is the oracle: output0 holds the boxes the graph decoded from the very softmax GFL Lens
// exposes. For every anchor, the box GFL Lens decodes from the exposed distributions (decodeAnchorBox, the decoder's
// own per-anchor step) must equal output0's, to 1e-3 px for a float graph, and within the quantisation step for
// the dynamic-int8 model, whose projection sees the softmax quantised by DynamicQuantizeLinear, and within float16
// rounding for a half-precision export (float16 in, Uint16Array out). Scores must equal
// output0's class scores at the detection's anchor.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeAnchorBox, type DecodeHead } from '../../extension/core/decode.ts';
import { sliceHead } from '../../extension/core/head.ts';
import { prepareGraph } from '../../extension/core/onnx/dflSurgery.ts';
import type { RawTensor } from '../../extension/core/types.ts';
import { planUltralyticsHead } from '../../extension/core/ultralyticsHead.ts';
import { DEMO_DATASET_SEED, generateDemoDataset } from '../../extension/demo/generateDataset.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { buildUltralyticsDemo } from '../fixtures/ultralyticsDemo.ts';
import { halfUltralyticsModel } from './helpers/halfUltralytics.ts';
import sharp from 'sharp';

const repo = path.resolve(__dirname, '../..');
const fixture = path.join(repo, 'test/fixtures/gfl-demo-ultralytics.onnx');
const int8Model = path.resolve(repo, '../shared/models/yolov8n-int8.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-oracle-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Round half to even, as onnxruntime's DynamicQuantizeLinear (std::nearbyint). */
const roundHalfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

interface OracleResult { maxError: number; maxSimulatedError: number; maxBoundRatio: number; anchors: number; detections: number }

/**
 * Compares every anchor's decoded box with output0. `quantised`: the projection input is DynamicQuantizeLinear(softmax)
 * with uint8 weights 0, 17, …, 255 (scale 1/17), as in yolov8n-int8; the per-edge bound is then Σk k·s/2 · stride
 * (each bin off by at most half a step s = max/255), and a simulation of that quantisation must match to 2e-3 px.
 */
async function oracle(modelPath: string, image: string, quantised: boolean, halfPrecision = false): Promise<OracleResult> {
  const detector = await Detector.create({ modelPath });
  try {
    const prepared = await detector.prepare(image, path.basename(image));
    const outputs: RawTensor[] = await detector.infer(prepared);
    const { inspection } = prepareGraph(fs.readFileSync(modelPath), path.basename(modelPath));
    const taps = inspection.taps.map((tap) => ({ tap, output: outputs.findIndex((o) => o.name === tap.tensor) }));
    assert.equal(taps.length, 1);
    const plan = planUltralyticsHead(path.basename(modelPath), outputs, detector.profile.inputSize, taps, { numClasses: detector.head.numClasses, centerOffset: 0.5 });
    const levels = sliceHead(plan, outputs);
    const head: DecodeHead = {
      numClasses: plan.numClasses, regMax: plan.regMax, hasDistributions: true, scoresActivated: true, distributionsActivated: true,
      centerOffset: detector.profile.centerOffset, clipBoxes: false,
    };
    const output0 = outputs.find((o) => o.name === 'output0')!;
    const A = output0.dims[2];
    const o0 = output0.data;
    const softmax = outputs[taps[0].output].data;
    const bins = plan.regMax + 1;
    let step = 0;
    if (quantised) {
      let max = 0;
      for (let i = 0; i < softmax.length; i++) max = Math.max(max, softmax[i]);
      step = Math.fround(max / 255);
    }
    const probs = new Float64Array(4 * bins);
    let maxError = 0, maxSimulatedError = 0, maxBoundRatio = 0, start = 0;
    const starts: number[] = [];
    levels.forEach((level) => {
      starts.push(start);
      const n = level.gridW * level.gridH;
      for (let a = 0; a < n; a++) {
        const g = start + a;
        const [x, y, w, h] = [o0[g], o0[A + g], o0[2 * A + g], o0[3 * A + g]];
        const reference = [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
        const { box } = decodeAnchorBox(level, a, head, probs);
        const errors = box.map((v, i) => Math.abs(v - reference[i]));
        maxError = Math.max(maxError, ...errors);
        if (halfPrecision) {
          // float16 graph: the expectation E < 16 bins and the grid coordinates (< 16) each carry up to half an ulp
          // (2^-11 relative) through about three roundings, scaled by the stride.
          const bound = 3 * 2 ** -11 * 16 * level.stride;
          maxBoundRatio = Math.max(maxBoundRatio, ...errors.map((e) => e / bound));
        }
        if (quantised) {
          // Per edge: |Σ k·p_k − Σ k·q(p_k)| ≤ Σ k·s/2 ; boxes are anchor ± E·stride, and x1 = cx − w/2 mixes two edges' rounding
          // only through float ops, so the bound is per edge (plus float32 noise).
          const bound = (bins * (bins - 1) / 2) * (step / 2) * level.stride + 2e-3;
          maxBoundRatio = Math.max(maxBoundRatio, ...errors.map((e) => e / bound));
          const cx = ((a % level.gridW) + 0.5) * level.stride, cy = (Math.floor(a / level.gridW) + 0.5) * level.stride;
          const E = [0, 1, 2, 3].map((e) => {
            let acc = 0;
            for (let k = 0; k < bins; k++) acc += 17 * k * roundHalfEven(probs[e * bins + k] / step);
            return Math.fround(acc) * Math.fround(step * Math.fround(1 / 17));
          });
          const simulated = [cx - E[0] * level.stride, cy - E[1] * level.stride, cx + E[2] * level.stride, cy + E[3] * level.stride];
          maxSimulatedError = Math.max(maxSimulatedError, ...simulated.map((v, i) => Math.abs(v - reference[i])));
        }
      }
      start += n;
    });
    // Scores: every detection's score is output0's score of its class at its anchor; its box is that anchor's box.
    const detections = detector.decode(outputs, prepared.transform);
    const t = prepared.transform;
    for (const d of detections) {
      const level = levels[d.level];
      const a = (d.anchor[1] / d.stride - 0.5) * level.gridW + (d.anchor[0] / d.stride - 0.5);
      const g = starts[d.level] + a;
      assert.equal(d.score, o0[(4 + d.classIndex) * A + g], `detection at anchor ${g}`);
      const { box } = decodeAnchorBox(level, a, head, probs);
      const inInput = [d.bbox[0] * t.scaleX + t.padX, d.bbox[1] * t.scaleY + t.padY, d.bbox[2] * t.scaleX + t.padX, d.bbox[3] * t.scaleY + t.padY];
      const clip = (v: number, max: number, original: number) => Math.min(Math.max(v, 0), max, original);
      const expected = [clip(box[0], t.inputWidth, Infinity), clip(box[1], t.inputHeight, Infinity), clip(box[2], t.inputWidth, Infinity), clip(box[3], t.inputHeight, Infinity)];
      // The detection is also clipped to the original image, i.e. to the letterboxed content in input pixels.
      const content = [t.padX, t.padY, t.padX + t.originalWidth * t.scaleX, t.padY + t.originalHeight * t.scaleY];
      const bounded = expected.map((v, i) => Math.min(Math.max(v, content[i % 2]), content[2 + (i % 2)]));
      inInput.forEach((v, i) => assert.ok(Math.abs(v - bounded[i]) < 1e-3, `detection box ${inInput} vs anchor box ${bounded}`));
      if (!quantised) {
        // The detection's own box equals output0's box at its anchor (clipped alike).
        const [x, y, w, h] = [o0[g], o0[A + g], o0[2 * A + g], o0[3 * A + g]];
        const fromOutput0 = [x - w / 2, y - h / 2, x + w / 2, y + h / 2].map((v, i) => Math.min(Math.max(v, content[i % 2]), content[2 + (i % 2)]));
        const tolerance = halfPrecision ? 3 * 2 ** -11 * 16 * d.stride : 1e-3;
        inInput.forEach((v, i) => assert.ok(Math.abs(v - fromOutput0[i]) <= tolerance, `detection box ${inInput} vs output0 ${fromOutput0}`));
      }
      assert.equal(d.edgeProbs!.length, 4 * bins);
    }
    return { maxError, maxSimulatedError, maxBoundRatio, anchors: start, detections: detections.length };
  } finally {
    await detector.dispose();
  }
}

describe('output0 oracle', () => {
  it('the project-owned float model (test/fixtures/gfl-demo-ultralytics.onnx): every anchor within 1e-3 px, scores equal', async (t) => {
    const [val] = await generateDemoDataset({ outDir: tmp, seed: DEMO_DATASET_SEED, counts: { val: 1 } });
    const image = path.join(val.imagesDir, fs.readdirSync(val.imagesDir)[0]);
    const result = await oracle(fixture, image, false);
    t.diagnostic(`${result.anchors} anchors, max |Δ| ${result.maxError.toExponential(2)} px; ${result.detections} detections`);
    assert.equal(result.anchors, 2100);
    assert.ok(result.maxError < 1e-3, `max |Δ| ${result.maxError} px`);
    assert.ok(result.detections > 0);
  });

  it('the shared dynamic-int8 YOLOv8n on bus.jpg: within the quantisation bound, and exactly what simulating the quantisation gives', { skip: !fs.existsSync(int8Model) && 'needs ../shared' }, async (t) => {
    const result = await oracle(int8Model, path.resolve(repo, '../shared/data/images/bus.jpg'), true);
    t.diagnostic(`${result.anchors} anchors: float decode max |Δ| ${result.maxError.toFixed(3)} px (worst ${(100 * result.maxBoundRatio).toFixed(0)} % of its bound), ` +
      `simulated quantisation max |Δ| ${result.maxSimulatedError.toExponential(2)} px; ${result.detections} detections`);
    assert.equal(result.anchors, 8400);
    assert.ok(result.detections > 0);
    assert.ok(result.maxBoundRatio <= 1, `worst anchor edge at ${result.maxBoundRatio.toFixed(3)} of its bound`);
    assert.ok(result.maxSimulatedError < 2e-3, `simulated quantisation vs output0: max |Δ| ${result.maxSimulatedError} px`);
    // The quantisation error is real (the float expectation is not what the graph used), so the two checks differ.
    assert.ok(result.maxError > 10 * result.maxSimulatedError, `float decode max |Δ| ${result.maxError} px`);
  });
});

describe('output0 oracle, half precision', () => {
  it('a float16 (half=True) export: float16 in and out, every anchor within float16 rounding of output0', async (t) => {
    const file = path.join(tmp, 'half.onnx');
    fs.writeFileSync(file, halfUltralyticsModel());
    const image = path.join(tmp, 'grey64.png');
    await sharp(Buffer.alloc(64 * 64 * 3, 90), { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(image);
    const result = await oracle(file, image, false, true);
    t.diagnostic(`${result.anchors} anchors, max |Δ| ${result.maxError.toFixed(4)} px (worst ${(100 * result.maxBoundRatio).toFixed(0)} % of its float16 bound); ${result.detections} detections`);
    assert.equal(result.anchors, 84);
    assert.ok(result.detections > 0);
    assert.ok(result.maxBoundRatio <= 1, `worst anchor edge at ${result.maxBoundRatio.toFixed(3)} of its bound`);
  });
});

describe('the float test model', () => {
  it('is what test/fixtures/build-ultralytics-demo.ts produces from media/demo/gfl-demo.onnx, byte for byte, and ≤ 3 MB', () => {
    const committed = fs.readFileSync(fixture);
    const rebuilt = buildUltralyticsDemo(fs.readFileSync(path.join(repo, 'media/demo/gfl-demo.onnx')));
    assert.ok(committed.length <= 3 * 1024 * 1024, `${committed.length} bytes`);
    assert.ok(Buffer.from(rebuilt).equals(committed), 'rebuild differs: run node --import tsx test/fixtures/build-ultralytics-demo.ts');
  });
});
