// Every shared GFL-family model runs through the same pipeline; bad input fails clearly and nothing half-written
// looks complete.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readRun } from '../../extension/io/runStore.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { OnnxModel } from '../../extension/inference/onnxSession.ts';
import { buildOnnxModel } from './helpers/onnxBuilder.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const models = path.join(shared, 'models');
const bus = path.join(shared, 'data/images/bus.jpg');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-models-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// COCO class indices (model order): person 0, bus 5.
const PERSON = 0, BUS = 5;

describe('shared models', () => {
  const cases: { file: string; layout: string; strides: number[]; profile: string; distributions: boolean; colorOrder: string; resize: string }[] = [
    { file: 'nanodet-m-320.onnx', layout: 'per-level', strides: [8, 16, 32], profile: 'nanodet-m', distributions: true, colorOrder: 'BGR', resize: 'letterbox' },
    { file: 'nanodet-m-416.onnx', layout: 'per-level', strides: [8, 16, 32], profile: 'nanodet-m', distributions: true, colorOrder: 'BGR', resize: 'letterbox' },
    { file: 'nanodet-m-416-int8.onnx', layout: 'per-level', strides: [8, 16, 32], profile: 'nanodet-m', distributions: true, colorOrder: 'BGR', resize: 'letterbox' },
    { file: 'picodet-s-320.onnx', layout: 'per-level', strides: [8, 16, 32, 64], profile: 'picodet', distributions: true, colorOrder: 'RGB', resize: 'stretch' },
    { file: 'picodet-s-416.onnx', layout: 'per-level', strides: [8, 16, 32, 64], profile: 'picodet', distributions: true, colorOrder: 'RGB', resize: 'stretch' },
    { file: 'nanodet-m-0.5x-320-integrated.onnx', layout: 'integrated', strides: [8, 16, 32], profile: 'nanodet-m', distributions: false, colorOrder: 'BGR', resize: 'letterbox' },
  ];
  for (const c of cases) {
    it(`${c.file}: auto-detected head, finds the bus and people in bus.jpg`, async () => {
      const detector = await Detector.create({ modelPath: path.join(models, c.file) });
      try {
        assert.equal(detector.head.layout, c.layout);
        assert.deepEqual(detector.head.strides, c.strides);
        assert.equal(detector.head.hasDistributions, c.distributions);
        assert.equal(detector.profile.colorOrder, c.colorOrder);
        assert.equal(detector.profile.resize, c.resize);
        assert.match(detector.head.notes[0], new RegExp(`"${c.profile}"`));
        assert.equal(detector.provider.active, 'cpu');
        const { detections, transform } = await detector.detect(bus);
        assert.deepEqual([transform.originalWidth, transform.originalHeight], [810, 1080]);
        const best = (cls: number) => detections.filter((d) => d.classIndex === cls).sort((a, b) => b.score - a.score);
        // bus.jpg: one bus spanning most of the width, ≥ 3 people standing in front of it.
        const [busBox] = best(BUS);
        assert.ok(busBox && busBox.score > 0.4, `bus score ${busBox?.score}`);
        assert.ok(busBox.bbox[2] - busBox.bbox[0] > 500, `bus box ${busBox.bbox}`);
        assert.ok(best(PERSON).filter((d) => d.score > 0.3).length >= 3, 'people');
        for (const d of detections) {
          assert.ok(d.bbox[0] >= 0 && d.bbox[2] <= 810 && d.bbox[1] >= 0 && d.bbox[3] <= 1080 && d.bbox[0] <= d.bbox[2]);
          if (c.distributions) {
            assert.equal(d.edgeProbs!.length, 32);
            for (let e = 0; e < 4; e++) {
              const sum = d.edgeProbs!.slice(e * 8, e * 8 + 8).reduce((a, b) => a + b, 0);
              assert.ok(Math.abs(sum - 1) < 1e-5, `edge ${e} sums to ${sum}`);
            }
          } else {
            assert.equal(d.edgeProbs, undefined);
          }
        }
        if (!c.distributions) assert.match(detector.head.notes.join('\n'), /distributions are unavailable/);
      } finally {
        await detector.dispose();
      }
    });
  }

  it('yolov8n-int8.onnx: the DFL softmax hidden in the graph is exposed; profile and class names from its metadata; bus and people found', async () => {
    const detector = await Detector.create({ modelPath: path.join(models, 'yolov8n-int8.onnx') });
    try {
      assert.equal(detector.head.layout, 'ultralytics');
      assert.equal(detector.head.regMax, 15);
      assert.equal(detector.profile.padValue, 114);
      assert.deepEqual(detector.profile.std, [255, 255, 255]);
      assert.equal(detector.profile.classNames[9], 'traffic light');
      assert.deepEqual(detector.identity.outputs.map((o) => o.dims), [[1, 84, 8400], [1, 16, 4, 8400]]);
      assert.equal(detector.decodeOptions.maxPerImage, 300);
      const { detections } = await detector.detect(bus);
      const people = detections.filter((d) => d.classIndex === PERSON && d.score > 0.5);
      const [busBox] = detections.filter((d) => d.classIndex === BUS).sort((a, b) => b.score - a.score);
      assert.ok(people.length >= 3 && busBox.score > 0.5, `${people.length} people, bus ${busBox?.score}`);
      for (const d of detections) assert.equal(d.edgeProbs!.length, 64);
    } finally {
      await detector.dispose();
    }
    // Forcing another layout reaches the per-layout planner, which explains what output0 is.
    await assert.rejects(Detector.create({ modelPath: path.join(models, 'yolov8n-int8.onnx'), profile: { layout: 'concatenated' } }), /yolov8n-int8\.onnx: .*already-decoded YOLOv8/s);
  });

  it('a profile that contradicts the model is reported, naming the field', async () => {
    await assert.rejects(Detector.create({ modelPath: path.join(models, 'nanodet-m-320.onnx'), profile: { regMax: 16 }, profileSource: 'my.json' }), /regMax 16/);
    await assert.rejects(Detector.create({ modelPath: path.join(models, 'nanodet-m-320.onnx'), preset: 'picodet' }), /4 strides but the model has 3 levels/);
  });

  it('GPU providers fall back to CPU with the reason recorded', async () => {
    const detector = await Detector.create({ modelPath: path.join(models, 'nanodet-m-320.onnx'), providers: ['cuda', 'dml', 'coreml', 'cpu'] });
    try {
      assert.equal(detector.provider.active, 'cpu');
      assert.deepEqual(detector.provider.fallbacks.map((f) => f.provider), ['cuda', 'dml', 'coreml']);
      assert.ok(detector.provider.fallbacks.every((f) => f.reason.length > 10));
    } finally {
      await detector.dispose();
    }
  });

  it('a provider that fails to initialise is skipped, then the next one is used', async () => {
    const tried: string[] = [];
    const model = await OnnxModel.load(buildOnnxModel([1, 3, 8, 8]), 'tiny.onnx', {
      providers: ['cuda', 'cpu'], platform: 'linux',
      createSession: async (bytes, provider, options) => {
        tried.push(provider);
        if (provider === 'cuda') throw new Error('CUDA driver version is insufficient\nmore detail');
        const ort = await import('onnxruntime-node');
        return ort.InferenceSession.create(bytes, { ...options, executionProviders: ['cpu'] });
      },
    });
    assert.deepEqual(tried, ['cuda', 'cpu']);
    assert.equal(model.provider.active, 'cpu');
    assert.deepEqual(model.provider.fallbacks, [{ provider: 'cuda', reason: 'NVIDIA driver too old for CUDA 12: update to driver 525 or later' }]);
    await model.dispose();
  });
});

describe('bad input', () => {
  const nanodet = path.join(models, 'nanodet-m-320.onnx');
  it('missing model, non-ONNX file, and an ONNX that is not a detector', async () => {
    await assert.rejects(Detector.create({ modelPath: path.join(tmp, 'missing.onnx') }), /missing\.onnx: cannot read the model \(file not found\)/);
    const junk = path.join(tmp, 'junk.onnx');
    fs.writeFileSync(junk, 'this is not a model');
    await assert.rejects(Detector.create({ modelPath: junk }), /junk\.onnx: not a loadable ONNX model/);
    const identity = path.join(tmp, 'identity.onnx');
    fs.writeFileSync(identity, buildOnnxModel([1, 3, 64, 64]));
    await assert.rejects(Detector.create({ modelPath: identity }), /identity\.onnx: cannot read this model as a GFL head.*y \[1, 3, 64, 64\]/s);
    const classifier = path.join(tmp, 'classifier.onnx');
    fs.writeFileSync(classifier, buildOnnxModel([1, 10], [1, 10]));
    await assert.rejects(Detector.create({ modelPath: classifier }), /classifier\.onnx: input "x" has shape \[1, 10\]; a detector takes \[1, 3, H, W\]/);
  });

  it('corrupt, truncated, non-image and missing images each name the file', async () => {
    const detector = await Detector.create({ modelPath: nanodet });
    try {
      const truncated = path.join(tmp, 'truncated.jpg');
      const bytes = fs.readFileSync(bus);
      fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const text = path.join(tmp, 'notes.jpg');
      fs.writeFileSync(text, 'hello, not an image');
      const garbage = path.join(tmp, 'garbage.png');
      fs.writeFileSync(garbage, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]));
      await assert.rejects(detector.detect(truncated), /truncated\.jpg: corrupt or truncated image/);
      await assert.rejects(detector.detect(text), /notes\.jpg: not an image/);
      await assert.rejects(detector.detect(garbage), /garbage\.png: /);
      await assert.rejects(detector.detect(path.join(tmp, 'nope.jpg')), /nope\.jpg: file not found/);
    } finally {
      await detector.dispose();
    }
  });

  it('reads BMP (which sharp cannot) with exactly the detections of the same pixels as PNG', async () => {
    const sharp = (await import('sharp')).default;
    const { data, info } = await sharp(bus).raw().toBuffer({ resolveWithObject: true });
    const rowBytes = Math.ceil((info.width * 3) / 4) * 4;
    const bmp = Buffer.alloc(54 + rowBytes * info.height);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2); bmp.writeUInt32LE(54, 10); bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(info.width, 18); bmp.writeInt32LE(-info.height, 22); bmp.writeUInt16LE(1, 26); bmp.writeUInt16LE(24, 28);
    for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) {
      const s = (y * info.width + x) * 3, d = 54 + y * rowBytes + x * 3;
      bmp[d] = data[s + 2]; bmp[d + 1] = data[s + 1]; bmp[d + 2] = data[s];
    }
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
    const detector = await Detector.create({ modelPath: nanodet });
    try {
      const fromBmp = await detector.detect(bmp, 'bus.bmp');
      const fromPng = await detector.detect(png, 'bus.png');
      assert.ok(fromBmp.detections.length > 10);
      assert.deepEqual(fromBmp.detections, fromPng.detections);
    } finally {
      await detector.dispose();
    }
  });

  it('fast JPEG decode (shrink-on-load) keeps the detections close to the exact path', async () => {
    const exact = await Detector.create({ modelPath: nanodet });
    const fast = await Detector.create({ modelPath: nanodet, fastDecode: true });
    try {
      const a = (await exact.detect(bus)).detections.filter((d) => d.score > 0.5);
      const b = (await fast.detect(bus)).detections.filter((d) => d.score > 0.3);
      const iou = (p: number[], q: number[]) => {
        const w = Math.min(p[2], q[2]) - Math.max(p[0], q[0]), h = Math.min(p[3], q[3]) - Math.max(p[1], q[1]);
        return w > 0 && h > 0 ? (w * h) / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - w * h) : 0;
      };
      assert.ok(a.length >= 3);
      for (const d of a) {
        const best = Math.max(0, ...b.filter((e) => e.classIndex === d.classIndex).map((e) => iou(d.bbox, e.bbox)));
        assert.ok(best > 0.85, `class ${d.classIndex} score ${d.score.toFixed(2)}: best IoU ${best.toFixed(3)} with fast decode`);
      }
    } finally {
      await exact.dispose();
      await fast.dispose();
    }
  });

  it('refuses images above the pixel limit', async () => {
    const detector = await Detector.create({ modelPath: nanodet, maxPixels: 500_000 });
    try {
      await assert.rejects(detector.detect(bus), /bus\.jpg: image is 810×1080 = 1 MP, above the 0\.5 MP limit/);
    } finally {
      await detector.dispose();
    }
  });
});

describe('detect CLI and run files', () => {
  const cli = (args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'extension/cli/main.ts'), ...args], { cwd: repo });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; onStderr?.(stderr, child); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

  it('a folder run skips bad images, reports them, and completes atomically', async () => {
    const dir = path.join(tmp, 'folder');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(shared, 'data/images/dog.jpg'), path.join(dir, 'a-dog.jpg'));
    fs.writeFileSync(path.join(dir, 'b-broken.png'), 'not a png');
    fs.copyFileSync(bus, path.join(dir, 'c-bus.jpg'));
    const out = path.join(tmp, 'folder.gflrun');
    const results = path.join(tmp, 'folder-results.json');
    const { code, stderr } = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--images', dir, '--out', out, '--coco-results', results]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /skipped .*b-broken\.png: not an image/);
    assert.ok(!fs.existsSync(out + '.partial'));
    const run = await readRun(out);
    assert.equal(run.complete, true);
    assert.deepEqual(run.images.file, ['a-dog.jpg', 'c-bus.jpg']);
    assert.deepEqual(run.errors.map((e) => e.file), ['b-broken.png']);
    assert.equal(run.footer!.detections, run.detections.count);
    assert.equal(run.header.provider.active, 'cpu');
    assert.match(run.header.model.sha256, /^[0-9a-f]{64}$/);
    const coco = JSON.parse(fs.readFileSync(results, 'utf8'));
    assert.equal(coco.length, run.footer!.detections);
    assert.deepEqual(Object.keys(coco[0]).sort(), ['bbox', 'category_id', 'image_id', 'score']);
  });

  it('Ctrl-C leaves only a ".partial" run that loads as incomplete', async () => {
    const out = path.join(tmp, 'interrupted.gflrun');
    let sent = false;
    const { code } = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--images', path.join(shared, 'data/coco128/images'), '--out', out], (text, child) => {
      // Interrupt once the run is under way (the model line is printed before the first image).
      if (!sent && /model nanodet-m-320\.onnx on cpu/.test(text)) { sent = true; child.kill('SIGINT'); }
    });
    assert.equal(code, 130);
    assert.ok(!fs.existsSync(out), 'no complete-looking run file');
    const partial = await readRun(out + '.partial');
    assert.equal(partial.complete, false);
    assert.ok(partial.images.count < 128);
  });

  it('rejects dataset paths that escape the images folder', async () => {
    const ann = path.join(tmp, 'escape.json');
    fs.writeFileSync(ann, JSON.stringify({
      images: [{ id: 1, file_name: '../../etc/passwd', width: 10, height: 10 }, { id: 2, file_name: 'bus.jpg', width: 810, height: 1080 }],
      annotations: [], categories: [{ id: 1, name: 'person' }],
    }));
    const out = path.join(tmp, 'escape.gflrun');
    const { code, stderr } = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--coco', ann, '--images', path.join(shared, 'data/images'), '--out', out, '--quiet']);
    assert.equal(code, 0, stderr);
    const run = await readRun(out);
    assert.deepEqual([...run.images.imageId], [2]);
    assert.match(run.errors[0].message, /escapes the images folder/);
    // Said on stderr with the file name, even with --quiet (not only inside the run file).
    assert.match(stderr, /warning: \.\.\/\.\.\/etc\/passwd: file_name escapes the images folder/);
  });

  it('Ctrl-C during --coco-results publishes no COCO results (they would score the missing images as empty)', async () => {
    const out = path.join(tmp, 'interrupted-coco.gflrun');
    const results = path.join(tmp, 'interrupted-results.json');
    let sent = false;
    const { code, stderr } = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--coco', path.join(shared, 'data/val2017-128/annotations/instances.json'),
      '--images', path.join(shared, 'data/val2017-128/images'), '--out', out, '--coco-results', results], (text, child) => {
      if (!sent && /model nanodet-m-320\.onnx on cpu/.test(text)) { sent = true; child.kill('SIGINT'); }
    });
    assert.equal(code, 130, stderr);
    assert.ok(!fs.existsSync(results), 'no complete-looking COCO results at the final path');
    assert.ok(!fs.existsSync(out));
    assert.match(stderr, /interrupted: no COCO results written to .*interrupted-results\.json \(the run is incomplete\)/);
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
  });

  it('an output path under /proc is refused at once with the reason', async () => {
    const started = performance.now();
    const { code, stderr } = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--image', bus, '--out', '/proc/self/gfl-lens/run.gflrun']);
    assert.equal(code, 1);
    assert.match(stderr, /\/proc\/self\/gfl-lens\/run\.gflrun: cannot write there \(.* is on the kernel's proc pseudo file system\)/);
    assert.ok(performance.now() - started < 20_000);
  });

  it('a named pipe as --image and a COCO file of an image_info kind: clear error, detection without evaluation', async () => {
    const pipe = path.join(tmp, 'pipe.jpg');
    spawnSync('mkfifo', [pipe]);
    const piped = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--image', pipe, '--out', path.join(tmp, 'pipe.gflrun'), '--quiet']);
    assert.equal(piped.code, 1);
    assert.match(piped.stderr, /skipped pipe\.jpg: it is a named pipe, not a regular file/);
    const info = path.join(tmp, 'image_info.json');
    fs.writeFileSync(info, JSON.stringify({ images: [{ id: 7, file_name: 'bus.jpg', width: 810, height: 1080 }], categories: [{ id: 1, name: 'person' }] }));
    const out = path.join(tmp, 'info.gflrun');
    const { code, stderr } = await cli(['detect', '--model', path.join(models, 'nanodet-m-320.onnx'), '--coco', info, '--images', path.join(shared, 'data/images'), '--out', out, '--quiet']);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /no "annotations" \(an image_info file\)/);
    const run = await readRun(out);
    assert.deepEqual([...run.images.imageId], [7]);
    assert.equal(run.header.dataset.annotations, undefined, 'no ground truth recorded for a run on an image_info file');
  });
});
