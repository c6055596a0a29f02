// The preprocessing pool gives exactly the calling thread's results, in dataset order, and names bad images.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { Detector } from '../../extension/inference/detector.ts';
import { listFolderImages } from '../../extension/io/imageSources.ts';

const shared = path.resolve(__dirname, '../../../shared');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-pool-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const built = fs.existsSync(path.resolve(__dirname, '../../dist/preprocessWorker.js'));

it('detectMany with 2 preprocessing workers = on the calling thread: same detections, same order, errors named', { skip: !built && 'run "npm run build" first' }, async () => {
  const images = (await listFolderImages(path.join(shared, 'data/coco128/images'))).slice(0, 10);
  const broken = path.join(tmp, 'broken.jpg');
  fs.writeFileSync(broken, fs.readFileSync(images[0].source).subarray(0, 2000));
  const items = [...images.slice(0, 5), { source: broken, label: 'broken.jpg' }, ...images.slice(5)];
  const model = path.join(shared, 'models/nanodet-m-320.onnx');
  const collect = async (preprocessThreads: number) => {
    const detector = await Detector.create({ modelPath: model, providers: ['cpu'], preprocessThreads });
    try {
      const out = [];
      for await (const { item, result, error } of detector.detectMany(items)) out.push({ label: item.label, detections: result?.detections, transform: result?.transform, error: error?.message });
      return out;
    } finally {
      await detector.dispose();
    }
  };
  // Error details in parentheses come from libvips, whose one process-wide error buffer other decoding threads may
  // have cleared ("Unknown error"): compare the classification, which names the file and the problem.
  const classify = (rows: Awaited<ReturnType<typeof collect>>) => rows.map((r) => ({ ...r, error: r.error?.replace(/ \(.*\)$/, '') }));
  const inThread = await collect(0);
  const pooled = await collect(2);
  assert.deepEqual(pooled.map((r) => r.label), items.map((i) => i.label));
  assert.deepEqual(classify(pooled), classify(inThread));
  assert.match(pooled[5].error!, /^broken\.jpg: corrupt or truncated image \(/);
  assert.ok(pooled.filter((r) => r.detections?.length).length >= 9);

  // A consumer that stops early (a cancelled run) closes the pool: no worker keeps this test process alive.
  const detector = await Detector.create({ modelPath: model, providers: ['cpu'], preprocessThreads: 2 });
  let seen = 0;
  for await (const { result } of detector.detectMany(items)) {
    assert.ok(result);
    if (++seen === 2) break;
  }
  await detector.dispose();
  assert.equal(seen, 2);
});
