// `auto` provider selection with controlled providers: each fake provider is a real CPU session on a tiny model
// whose runs are delayed by a set amount, so the measured times, and therefore the choice, are known in advance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnnxModel, type SessionOptions } from '../../extension/inference/onnxSession.ts';
import { buildOnnxModel } from './helpers/onnxBuilder.ts';

const tiny = buildOnnxModel([1, 3, 8, 8]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Session factory: provider → extra milliseconds per run, or an Error thrown at creation. */
function fakeProviders(behaviour: Record<string, number | Error>, created: string[] = []): SessionOptions['createSession'] {
  return async (bytes, provider, options) => {
    created.push(provider);
    const b = behaviour[provider];
    if (b instanceof Error) throw b;
    // A dynamic import, as in models.test.ts: only onnxSession.ts imports onnxruntime-node statically.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(bytes, { ...options, executionProviders: ['cpu'] });
    return new Proxy(session, {
      get(target, key) {
        if (key === 'run') return async (feeds: Parameters<typeof target.run>[0]) => { await sleep(b ?? 0); return target.run(feeds); };
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
}

describe('auto provider selection', () => {
  it('times every provider on the platform and keeps the fastest; a clearly slower one stops after one timed run', async () => {
    const created: string[] = [];
    const model = await OnnxModel.load(tiny, 'tiny.onnx', { providers: ['auto'], platform: 'linux', createSession: fakeProviders({ cpu: 20, cuda: 2, webgpu: 200 }, created) });
    try {
      // CPU first (the bar to beat), then the accelerators available on linux; dml and coreml are not tried there.
      assert.deepEqual(created, ['cpu', 'cuda', 'webgpu']);
      const p = model.provider;
      assert.equal(p.selection, 'auto');
      assert.equal(p.active, 'cuda');
      const trial = Object.fromEntries(p.trials!.map((t) => [t.provider, t]));
      assert.equal(trial.cpu.runMs.length, 3);
      assert.equal(trial.cuda.runMs.length, 3);
      assert.equal(trial.webgpu.runMs.length, 1, 'over twice the best after one run: no more runs');
      assert.ok(trial.cuda.medianMs! < trial.cpu.medianMs! && trial.cpu.medianMs! < trial.webgpu.medianMs!);
      assert.ok(trial.webgpu.medianMs! >= 200 && trial.cpu.medianMs! >= 20);
      assert.match(p.decision!, /^cuda: fastest of cpu [\d.]+ ms, cuda [\d.]+ ms, webgpu [\d.]+ ms/);
      assert.deepEqual(p.fallbacks, []);
      // The kept session is usable.
      const [out] = await model.run(new Float32Array(3 * 64).fill(2), 8, 8);
      assert.equal(out.data[5], 2);
    } finally {
      await model.dispose();
    }
  });

  it('a provider that fails to initialise is recorded with an explanation and the CPU is kept', async () => {
    const model = await OnnxModel.load(tiny, 'tiny.onnx', {
      providers: ['auto'], platform: 'linux',
      createSession: fakeProviders({ cuda: new Error('Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file'), webgpu: 50 }),
    });
    try {
      assert.equal(model.provider.active, 'cpu');
      assert.deepEqual(model.provider.fallbacks, [{ provider: 'cuda', reason: 'CUDA libraries missing: libcudnn.so.9 cannot be loaded; install CUDA 12.x and cuDNN 9 (or put their lib folders on LD_LIBRARY_PATH)' }]);
      assert.deepEqual(model.provider.trials!.map((t) => t.provider), ['cpu', 'webgpu']);
    } finally {
      await model.dispose();
    }
  });

  it('an explicit list forces its order even when a later provider would be faster', async () => {
    const created: string[] = [];
    const model = await OnnxModel.load(tiny, 'tiny.onnx', { providers: ['webgpu', 'cuda'], platform: 'win32', createSession: fakeProviders({ webgpu: 100, cuda: new Error('CUDA failure 100: no CUDA-capable device is detected') }, created) });
    try {
      assert.deepEqual(created, ['webgpu']);
      assert.equal(model.provider.active, 'webgpu');
      assert.equal(model.provider.selection, 'ordered');
      assert.match(model.provider.decision!, /first provider in the given order \(webgpu, cuda, cpu\) that initialised/);
    } finally {
      await model.dispose();
    }
  });
});
