// When the inference worker dies mid-run (here: process.exit in the worker; in the field an onnxruntime abort or an
// out-of-memory kill), every pending request fails at once naming its image, nothing hangs, and the next request
// starts a new worker that reloads the model and gives the same detections as before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { after, describe, it } from 'node:test';
import { Detector } from '../../extension/inference/detector.ts';
import { WorkerDiedError, WorkerRpc } from '../../extension/workers/rpc.ts';

const shared = path.resolve(__dirname, '../../../shared');
const model = path.join(shared, 'models/nanodet-m-320.onnx');
const images = path.join(shared, 'data/images');
const dyingWorker = path.join(__dirname, 'helpers/dyingInferenceWorker.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-worker-death-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Fails the test instead of hanging when a promise never settles. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

describe('inference worker death', { skip: !fs.existsSync(path.resolve(__dirname, '../../dist/inferenceWorker.js')) && 'run "npm run build" first' }, () => {
  it('a worker that exits mid-run: pending images fail with their names, the next image runs in a new worker', async () => {
    const crash = path.join(tmp, 'exit-here.jpg');
    fs.copyFileSync(path.join(images, 'dog.jpg'), crash);
    const detector = await Detector.create({ modelPath: model, providers: ['cpu'], inferenceWorkerFile: dyingWorker });
    try {
      const before = await detector.detect(path.join(images, 'bus.jpg'));
      await assert.rejects(within(20_000, detector.detect(crash), 'detect'), (error: Error) => {
        assert.ok(error instanceof WorkerDiedError, error.message);
        assert.match(error.message, /the inference worker stopped \(exit code 7\) while running .*exit-here\.jpg/);
        return true;
      });
      // detectMany keeps going: the dying image and any image in flight with it fail by name, later ones run again.
      const items = ['bus.jpg', 'exit-here.jpg', 'person.jpg', 'dog.jpg', 'bus.jpg']
        .map((f) => ({ source: f === 'exit-here.jpg' ? crash : path.join(images, f), label: f }));
      const results = [];
      for await (const r of detector.detectMany(items)) results.push(r);
      assert.deepEqual(results.map((r) => r.item.label), items.map((i) => i.label));
      assert.ok(results.at(-1)!.result && results.filter((r) => r.result).length >= 2, results.map((r) => r.error?.message).join('; '));
      const failed = results.filter((r) => r.error);
      assert.ok(failed.some((r) => r.item.label === 'exit-here.jpg'));
      for (const r of failed) assert.match(r.error!.message, new RegExp(`exit code 7\\) while running ${r.item.label.replace('.', '\\.')}`));
      // The restarted worker reloaded the same model: identical detections for the same image.
      assert.deepEqual(results.at(-1)!.result!.detections, before.detections);
    } finally {
      await within(10_000, detector.dispose(), 'dispose');
    }
  });

  it('dispose after the worker died resolves; requests after close() are refused', async () => {
    const rpc = new WorkerRpc({ name: 'the test worker', spawn: () => new Worker('process.exit(3)', { eval: true }) });
    await assert.rejects(within(10_000, rpc.request({ kind: 'anything' }, [], 'running a.jpg'), 'request'), /the test worker stopped \(exit code 3\) while running a\.jpg/);
    assert.equal(rpc.state, 'dead');
    // Each request starts a new worker (which dies again): rejected promptly each time, never hanging.
    await assert.rejects(within(10_000, rpc.request({ kind: 'anything' }, [], 'running b.jpg'), 'request'), /while running b\.jpg/);
    assert.equal(rpc.starts, 2);
    await rpc.close();
    await assert.rejects(rpc.request({ kind: 'anything' }, [], 'running c.jpg'), /the test worker is closed \(running c\.jpg\)/);
  });

  it('an init that fails is reported to the caller, and the next request retries with a fresh worker', async () => {
    let inits = 0;
    const echo = "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m.kind === 'init' && m.fail ? { id: m.id, error: { name: 'Error', message: 'model broken' } } : { id: m.id, echoed: m.kind }))";
    const rpc = new WorkerRpc({
      name: 'the echo worker',
      spawn: () => new Worker(echo, { eval: true }),
      init: async (send) => { await send({ kind: 'init', fail: inits++ === 0 } as { kind: string }); },
    });
    await assert.rejects(rpc.request({ kind: 'a' }), /model broken/);
    assert.equal((await rpc.request({ kind: 'b' })).echoed, 'b');
    assert.equal(rpc.starts, 2);
    await rpc.close();
  });
});

describe('a run whose inference worker dies', { skip: !fs.existsSync(path.resolve(__dirname, '../../dist/inferenceWorker.js')) && 'run "npm run build" first' }, () => {
  it('completes with the lost images recorded as failed and counted as engine errors (the CLI exits 1 on them)', async () => {
    const { RunStoreWriter, readRun } = await import('../../extension/io/runStore.ts');
    const { runDetection } = await import('../../extension/pipeline/runDetection.ts');
    const crash = path.join(tmp, 'exit-here.jpg');
    fs.copyFileSync(path.join(images, 'dog.jpg'), crash);
    const detector = await Detector.create({ modelPath: model, providers: ['cpu'], inferenceWorkerFile: dyingWorker });
    const out = path.join(tmp, 'dying.gflrun');
    try {
      const writer = await RunStoreWriter.create(out, detector.runHeader({}));
      // The detector keeps one image in flight beside the current one: person.jpg may have reached the dying worker
      // too (then it is lost with the same error); dog.jpg is sent only after the crash is known, to a new worker.
      const items = [path.join(images, 'bus.jpg'), crash, path.join(images, 'person.jpg'), path.join(images, 'dog.jpg')]
        .map((source, itemIndex) => ({ source, label: path.basename(source), imageId: itemIndex + 1, itemIndex }));
      const result = await within(60_000, runDetection(detector, items, writer), 'runDetection');
      assert.ok(result.engineErrors >= 1, `engine errors ${result.engineErrors}`);
      assert.equal(result.fatal, undefined, 'later images ran in a new worker');
      const run = await readRun(out);
      assert.ok(run.errors.some((e) => e.file === 'exit-here.jpg' && /inference worker stopped/.test(e.message)), JSON.stringify(run.errors));
      assert.ok(run.images.file.includes('person.jpg') || run.errors.some((e) => e.file === 'person.jpg' && /inference worker stopped/.test(e.message)), JSON.stringify(run.errors));
      assert.ok(run.images.file.includes('dog.jpg'), 'the image after the crash was known ran in a new worker');
    } finally {
      await detector.dispose();
    }
  });
});
