// `gfl-lens doctor` on this machine (the built CLI, as a user runs it), the provider-error explanations on
// onnxruntime's real messages, and the CUDA install step failing cleanly without network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { explainProviderError, parseProviderList } from '../../extension/inference/providerDiagnosis.ts';
import type { GpuCheckReport } from '../../extension/inference/gpuCheck.ts';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'bin/gfl-lens.js');
const run = promisify(execFile);
/** Without a Vulkan driver chosen, WebGPU fails fast here; the SwiftShader case is webgpu-swiftshader.test.ts. */
const env = { ...process.env, VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined };

describe('gfl-lens doctor', { skip: !fs.existsSync(path.join(root, 'dist/cli.js')) && 'run "npm run build" first' }, () => {
  it('reports every provider: cpu runs with a measured speed, cuda is not installed and says how to add it', async () => {
    const { stdout } = await run(process.execPath, [cli, 'doctor', '--json'], { env });
    const report = JSON.parse(stdout) as GpuCheckReport;
    assert.deepEqual(report.providers.map((p) => p.provider), ['cuda', 'webgpu', 'dml', 'coreml', 'cpu']);
    assert.match(report.model, /media[\\/]demo[\\/]gfl-demo\.onnx$/);
    assert.ok(report.backends.some((b) => b.name === 'cpu' && b.bundled));
    const byName = Object.fromEntries(report.providers.map((p) => [p.provider, p]));
    assert.equal(byName.cpu.status, 'ok');
    assert.equal(byName.cpu.trial!.runMs.length, 3);
    assert.ok(byName.cpu.trial!.medianMs! > 0 && byName.cpu.trial!.medianMs! < 5000);
    assert.equal(report.fastest !== undefined, true);
    if (process.platform === 'linux' && process.arch === 'x64') {
      assert.equal(byName.cuda.status, 'unavailable');
      assert.match(byName.cuda.reason!, /CUDA provider library not installed.*--install-cuda/);
      assert.equal(byName.dml.reason, 'not available on linux');
      assert.ok(byName.webgpu.status === 'ok' || /no WebGPU adapter found/.test(byName.webgpu.reason!), byName.webgpu.reason);
      assert.ok(report.hints.some((h) => /Vulkan/.test(h)));
    }
  });

  it('--install-cuda without network fails with what to do, and leaves no provider library behind', { skip: (process.platform !== 'linux' || process.arch !== 'x64') && 'linux-x64 only' }, async () => {
    // A proxy on a closed port makes the download fail at once here, whatever the network (onnxruntime-node's
    // install step honours GLOBAL_AGENT_HTTPS_PROXY). The inherited "skip" of this project's .npmrc (as npm passes
    // it), nor running inside an npm project (the script's own early exit for local installs), may silently turn the
    // install step into a no-op: both are set here as `npm test` / `npx` set them.
    const installEnv = {
      ...env, GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9', npm_config_onnxruntime_node_install: 'skip',
      npm_config_local_prefix: root, npm_package_json: path.join(root, 'package.json'),
    };
    await assert.rejects(run(process.execPath, [cli, 'doctor', '--install-cuda'], { env: installEnv }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /gfl-lens: could not download the CUDA 12 provider from NuGet \(.*ECONNREFUSED.*\): run this where api\.nuget\.org is reachable/);
      return true;
    });
    const bin = path.join(root, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
    assert.deepEqual(fs.readdirSync(bin).filter((f) => /providers/.test(f)), []);
  });
});

describe('provider error explanations', () => {
  it('turn onnxruntime messages into what to install', () => {
    const webgpu = '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters';
    assert.match(explainProviderError('webgpu', webgpu, 'linux'), /^no WebGPU adapter found: install a Vulkan driver and the Vulkan loader/);
    assert.match(explainProviderError('webgpu', webgpu, 'win32'), /^no WebGPU adapter found: update the GPU driver \(WebGPU needs Direct3D 12/);
    const cudaLibs = '/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1778 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory';
    assert.equal(explainProviderError('cuda', cudaLibs, 'linux'), 'CUDA libraries missing: libcublasLt.so.12 cannot be loaded; install CUDA 12.x and cuDNN 9 (or put their lib folders on LD_LIBRARY_PATH)');
    assert.match(explainProviderError('cuda', 'CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=0', 'linux'), /^NVIDIA driver too old for CUDA 12/);
    assert.match(explainProviderError('cuda', 'CUDA failure 100: no CUDA-capable device is detected ; GPU=-1', 'linux'), /^no NVIDIA GPU found/);
    assert.equal(explainProviderError('cpu', 'Protobuf parsing failed.', 'linux'), 'failed to initialise: Protobuf parsing failed.');
  });

  it('provider lists: auto alone, known names in order, clear errors otherwise', () => {
    assert.deepEqual(parseProviderList(['auto'], 'x'), ['auto']);
    assert.deepEqual(parseProviderList([' CUDA', 'webgpu', ''], 'x'), ['cuda', 'webgpu']);
    assert.throws(() => parseProviderList(['rocm'], '--providers'), /--providers: unknown provider rocm; choose "auto" or from cuda, webgpu, dml, coreml, cpu/);
    assert.throws(() => parseProviderList(['auto', 'cpu'], '--providers'), /"auto" times every available provider by itself/);
  });
});
