// Ultralytics metadata_props (Python reprs) → profile, and the precise messages for exports GFL Lens cannot inspect.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeModel, encodeModel } from '../../extension/core/onnx/onnxProto.ts';
import { parsePythonLiteral } from '../../extension/core/onnx/pythonLiteral.ts';
import { readUltralyticsMetadata, ultralyticsRefusal } from '../../extension/core/ultralytics.ts';
import { detectorOptions } from '../../extension/cli/detectCommand.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { attr, buildGraph, node, tensor } from './helpers/onnxGraph.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-ultralytics-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('Python literal parser', () => {
  it('reads dicts with int keys, nested dicts and lists, both quote styles, escapes, True/False/None, numbers', () => {
    const value = parsePythonLiteral(`{0: 'person', 1: "traffic light", 2: 'it\\'s', 'nested': {'a': [1, 2.5, -3e-2, (4, 5)], 'b': None}, 'flags': (True, False), 'x': 'tab\\there', 'u': '\\u00e9'}`);
    assert.ok(value instanceof Map);
    assert.equal(value.get(0), 'person');
    assert.equal(value.get(1), 'traffic light');
    assert.equal(value.get(2), "it's");
    const nested = value.get('nested') as Map<string, unknown>;
    assert.deepEqual(nested.get('a'), [1, 2.5, -0.03, [4, 5]]);
    assert.equal(nested.get('b'), null);
    assert.deepEqual(value.get('flags'), [true, false]);
    assert.equal(value.get('x'), 'tab\there');
    assert.equal(value.get('u'), 'é');
    assert.deepEqual(parsePythonLiteral('[640, 640]'), [640, 640]);
    assert.equal(parsePythonLiteral('32'), 32);
    assert.equal(parsePythonLiteral('False'), false);
    assert.deepEqual(parsePythonLiteral("{'a': 1,}"), new Map([['a', 1]]));
    assert.deepEqual(parsePythonLiteral('{}'), new Map());
    assert.equal(parsePythonLiteral('inf'), Infinity);
  });

  it('refuses what is not a literal, saying where', () => {
    assert.throws(() => parsePythonLiteral("{0: 'person'"), /character 12: expected "," or "}"/);
    assert.throws(() => parsePythonLiteral("{'a': b}"), /character 6: unexpected "b"/);
    assert.throws(() => parsePythonLiteral("'open"), /unterminated string/);
    assert.throws(() => parsePythonLiteral('[1, 2] 3'), /unexpected text after the value/);
    assert.throws(() => parsePythonLiteral("{[1]: 'x'}"), /dict keys must be/);
  });
});

describe('Ultralytics metadata', () => {
  // The keys and value formats of ultralytics/engine/exporter.py (8.x), as in ../shared/models/yolov8n-int8.onnx.
  const props = new Map(Object.entries({
    description: 'Ultralytics YOLOv8n model trained on coco.yaml', author: 'Ultralytics', version: '8.4.115', stride: '32', task: 'detect',
    batch: '1', imgsz: '[480, 640]', names: "{0: 'person', 1: 'bicycle', 2: 'traffic light'}",
    args: "{'batch': 1, 'half': False, 'int8': True, 'dynamic': False, 'nms': False, 'opset': None}", end2end: 'False', channels: '3',
  }));

  it('gives task, class names in index order, input size [w, h] from imgsz [h, w], stride, args', () => {
    const meta = readUltralyticsMetadata(props, 'm.onnx')!;
    assert.equal(meta.task, 'detect');
    assert.deepEqual(meta.classNames, ['person', 'bicycle', 'traffic light']);
    assert.deepEqual(meta.imgsz, [640, 480]);
    assert.equal(meta.maxStride, 32);
    assert.equal(meta.endsInNms, false);
    assert.equal(meta.args.get('int8'), true);
    assert.equal(meta.args.get('opset'), null);
    assert.equal(ultralyticsRefusal(meta), undefined);
  });

  it('models without Ultralytics metadata are not Ultralytics models', () => {
    assert.equal(readUltralyticsMetadata(new Map([['names', "{0: 'a'}"]]), 'm.onnx'), undefined);
    assert.equal(readUltralyticsMetadata(new Map(), 'm.onnx'), undefined);
  });

  it('bad values name the model and the key', () => {
    assert.throws(() => readUltralyticsMetadata(new Map([...props, ['names', "{0: 'a', 2: 'c'}"]]), 'm.onnx'), /m\.onnx: metadata "names": class indices are not 0\.\.1/);
    assert.throws(() => readUltralyticsMetadata(new Map([...props, ['args', "{'nms': Fals}"]]), 'm.onnx'), /m\.onnx: metadata "args": cannot read Python literal/);
  });

  it('nms=True, end2end, OBB and classification exports are refused with what to do', () => {
    const refusal = (extra: Record<string, string>) => ultralyticsRefusal(readUltralyticsMetadata(new Map([...props, ...Object.entries(extra)]), 'm.onnx')!);
    assert.match(refusal({ args: "{'nms': True}" })!, /ends in NMS .*\[1, 300, 6\].*nms=False/s);
    assert.match(refusal({ end2end: 'True' })!, /end2end=False/);
    assert.match(refusal({ task: 'obb' })!, /oriented-box/);
    assert.match(refusal({ task: 'classify' })!, /task "classify" has no detection head/);
    assert.equal(refusal({ task: 'segment' }), undefined);
    assert.equal(refusal({ task: 'pose', kpt_shape: '[17, 3]' }), undefined);
  });
});

/**
 * A 64×64 Ultralytics-layout model without a DFL block (as YOLO26's reg_max 1 head): output0 [1, 4 + C + extra, 84]
 * holds constant boxes and scores (plus `extra` mask-coefficient channels, as a segmentation head).
 */
function constantHeadModel(file: string, metadata: Record<string, string>, output0: Float32Array, channels: number): string {
  const A = 64 + 16 + 4;
  fs.writeFileSync(file, buildGraph({
    inputs: [{ name: 'images', type: 'float', dims: [1, 3, 64, 64] }],
    outputs: [{ name: 'output0', type: 'float', dims: [1, channels, A] }],
    initializers: [tensor('zero', 'float', [], [0]), tensor('head', 'float', [1, channels, A], output0)],
    nodes: [
      node('ReduceMean', ['images'], ['mean'], [attr.int('keepdims', 0)]),
      node('Mul', ['mean', 'zero'], ['nothing']),
      node('Add', ['head', 'nothing'], ['output0']),
    ],
    metadata,
  }));
  return file;
}

describe('exports without inspectable distributions', () => {
  const A = 84;
  const names = "{0: 'a', 1: 'b'}";
  const meta = { author: 'Ultralytics', task: 'detect', stride: '32', imgsz: '[64, 64]', names, end2end: 'False', args: "{'nms': False}" };
  /** One confident box of class 1 at anchor 70 (stride 16: cell (2, 1) → centre (40, 24)), xywh (40, 24, 20, 10). */
  function head(channels: number): Float32Array {
    const data = new Float32Array(channels * A);
    for (let c = 0; c < 4; c++) for (let a = 0; a < A; a++) data[c * A + a] = [32, 32, 8, 8][c];
    [40, 24, 20, 10].forEach((v, c) => { data[c * A + 70] = v; });
    data[(4 + 1) * A + 70] = 0.9;
    return data;
  }

  it('a head without a DFL softmax (YOLO26, reg_max 1) runs detections only and says plainly that there are no distributions', async () => {
    const file = constantHeadModel(path.join(tmp, 'nodfl.onnx'), meta, head(6), 6);
    const detector = await Detector.create({ modelPath: file });
    try {
      assert.equal(detector.head.layout, 'integrated');
      assert.equal(detector.head.hasDistributions, false);
      assert.ok(detector.head.notes.some((n) => /no DFL softmax in this graph \(a reg_max 1 head such as YOLO26.*per-edge distributions are unavailable/.test(n)), detector.head.notes.join('\n'));
      assert.deepEqual(detector.profile.classNames, ['a', 'b']);
      const prepared = await detector.prepare(Buffer.from(await makePng(64, 64)), 'grey.png');
      const detections = detector.decode(await detector.infer(prepared), prepared.transform);
      assert.equal(detections.length, 1);
      const [d] = detections;
      assert.equal(d.classIndex, 1);
      assert.ok(Math.abs(d.score - 0.9) < 1e-6);
      assert.deepEqual(d.bbox.map((v) => Math.round(v * 1000) / 1000), [30, 19, 50, 29]);
      assert.deepEqual(d.anchor, [40, 24]);
      assert.deepEqual(d.distances, [10 / 16, 5 / 16, 10 / 16, 5 / 16]);
      assert.equal(d.edgeProbs, undefined);
    } finally {
      await detector.dispose();
    }
  });

  it('segmentation heads: extra channels after the classes are ignored, the class count comes from the metadata', async () => {
    const file = constantHeadModel(path.join(tmp, 'seg.onnx'), { ...meta, task: 'segment' }, head(6 + 32), 6 + 32);
    const detector = await Detector.create({ modelPath: file });
    try {
      assert.equal(detector.head.numClasses, 2);
      assert.ok(detector.head.notes.some((n) => /2 class channels \+ 32 mask\/keypoint channels \(ignored\)/.test(n)));
    } finally {
      await detector.dispose();
    }
  });

  it('nms=True / end2end exports are refused before anything runs, saying to re-export with nms=False', async () => {
    const file = constantHeadModel(path.join(tmp, 'e2e.onnx'), { ...meta, end2end: 'True' }, head(6), 6);
    await assert.rejects(Detector.create({ modelPath: file }), /e2e\.onnx: this Ultralytics export ends in NMS.*nms=False/s);
  });

  it('an [1, 300, 6] output without metadata gets the same explanation from its shape', async () => {
    const file = path.join(tmp, 'nms-shape.onnx');
    fs.writeFileSync(file, buildGraph({
      inputs: [{ name: 'images', type: 'float', dims: [1, 3, 64, 64] }],
      outputs: [{ name: 'output0', type: 'float', dims: [1, 300, 6] }],
      initializers: [tensor('zero', 'float', [], [0]), tensor('dets', 'float', [1, 300, 6], new Float32Array(1800))],
      nodes: [node('ReduceMean', ['images'], ['mean'], [attr.int('keepdims', 0)]), node('Mul', ['mean', 'zero'], ['z']), node('Add', ['dets', 'z'], ['output0'])],
    }));
    await assert.rejects(Detector.create({ modelPath: file, profile: { layout: 'ultralytics' } }), /output \[1, 300, 6\] holds final boxes after NMS.*nms=False/s);
  });
});

function makePng(width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.alloc(width * height * 3, 128), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

describe('post-processing presets', () => {
  const fixture = path.resolve(__dirname, '../fixtures/gfl-demo-ultralytics.onnx');

  it('Ultralytics models default to Ultralytics validation settings; --decode-preset gfl and single flags override', async () => {
    const yolo = await Detector.create({ modelPath: fixture });
    const gfl = await Detector.create(detectorOptions({ model: fixture, 'decode-preset': 'gfl', 'max-det': '50' }));
    try {
      assert.deepEqual(yolo.decodeOptions, { scoreThreshold: 0.001, topKPerLevel: Number.MAX_SAFE_INTEGER, nmsIoU: 0.7, maxPerImage: 300, classAgnosticNms: false, maxCandidates: 30000, clipBeforeNms: false });
      assert.deepEqual(gfl.decodeOptions, { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 50, classAgnosticNms: false });
    } finally {
      await yolo.dispose();
      await gfl.dispose();
    }
    assert.throws(() => detectorOptions({ model: fixture, 'decode-preset': 'yolo' }), /--decode-preset must be gfl or ultralytics, got "yolo"/);
  });

  it('max candidates keeps the highest-scoring (anchor, class) pairs of output0 before NMS', async () => {
    const detector = await Detector.create(detectorOptions({ model: fixture, 'max-candidates': '7', 'nms-iou': '1' }));
    try {
      const prepared = await detector.prepare(await makePng(320, 320), 'grey.png');
      const outputs = await detector.infer(prepared);
      const output0 = outputs.find((o) => o.name === 'output0')!;
      const A = output0.dims[2];
      const scores = Array.from(output0.data.subarray(4 * A)).filter((s) => s > 0.001).sort((a, b) => b - a);
      assert.ok(scores.length > 7);
      const detections = detector.decode(outputs, prepared.transform);
      // NMS at IoU 1 suppresses nothing but identical boxes of one class: the 7 best survive.
      assert.deepEqual(detections.map((d) => d.score), scores.slice(0, 7));
    } finally {
      await detector.dispose();
    }
  });
});

describe('Ultralytics layout without metadata', () => {
  it('the output0 shape alone selects the Ultralytics layout and exposes the softmax; classes are then numbered', async () => {
    const fixture = fs.readFileSync(path.resolve(__dirname, '../fixtures/gfl-demo-ultralytics.onnx'));
    const model = decodeModel(fixture);
    model.metadataProps = [];
    const file = path.join(tmp, 'no-metadata.onnx');
    fs.writeFileSync(file, encodeModel(model as unknown as Record<string, unknown>));
    const detector = await Detector.create({ modelPath: file });
    try {
      assert.equal(detector.head.layout, 'ultralytics');
      assert.equal(detector.head.regMax, 7);
      assert.deepEqual(detector.profile.classNames, ['class_0', 'class_1', 'class_2', 'class_3', 'class_4', 'class_5']);
      assert.match(detector.head.notes[0], /preset "ultralytics", guessed from the head layout/);
    } finally {
      await detector.dispose();
    }
  });

  it('dynamic=True exports (symbolic input and output dims): the input size comes from the metadata imgsz', async () => {
    const model = decodeModel(fs.readFileSync(path.resolve(__dirname, '../fixtures/gfl-demo-ultralytics.onnx')));
    const graph = model.graph!;
    graph.input[0].type!.tensorType!.shape!.dim = [{ dimParam: 'batch' }, { dimValue: 3 }, { dimParam: 'height' }, { dimParam: 'width' }];
    graph.output[0].type!.tensorType!.shape!.dim = [{ dimParam: 'batch' }, { dimValue: 10 }, { dimParam: 'anchors' }];
    const file = path.join(tmp, 'dynamic.onnx');
    fs.writeFileSync(file, encodeModel(model as unknown as Record<string, unknown>));
    const detector = await Detector.create({ modelPath: file });
    try {
      assert.deepEqual(detector.profile.inputSize, [320, 320]);
      assert.equal(detector.head.layout, 'ultralytics');
      assert.deepEqual(detector.identity.outputs.map((o) => o.dims), [[1, 10, 2100], [1, 8, 4, 2100]]);
    } finally {
      await detector.dispose();
    }
  });
});
