// The GPU path in CI: the WebGPU execution provider on a software Vulkan device (SwiftShader, shipped by Debian's
// chromium package) must give the CPU provider's detections (boxes within 0.01 px, scores within 1e-4), and `auto`
// must notice that this "GPU" is slower than the CPU and choose the CPU. Skipped only off CI when SwiftShader is
// absent; on CI (CI=true) a missing SwiftShader fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import type { Detection } from '../../extension/core/types.ts';
import type { ProviderReport } from '../../extension/core/runFormat.ts';

const icd = process.env.GFL_LENS_SWIFTSHADER_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
const supported = process.platform === 'linux' && process.arch === 'x64';
const skip = !supported ? 'WebGPU-on-SwiftShader runs on linux-x64 only'
  : !fs.existsSync(icd) && !process.env.CI ? `SwiftShader not found at ${icd} (Debian: apt-get install chromium)` : false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-webgpu-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The system Vulkan loader, or chromium's copy beside its SwiftShader ICD (Debian 12 without libvulkan1). */
function libraryPath(): string | undefined {
  const system = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];
  if (system.some((f) => fs.existsSync(f))) return process.env.LD_LIBRARY_PATH;
  return [process.env.LD_LIBRARY_PATH, path.dirname(icd)].filter(Boolean).join(':');
}

type Probe = {
  webgpuProvider: ProviderReport;
  results: { image: string; cpu: Detection[]; webgpu: Detection[] }[];
  autoProvider: ProviderReport;
};

it('WebGPU on SwiftShader gives the CPU detections, and auto chooses the CPU over it', { skip, timeout: 300_000 }, async () => {
  assert.ok(fs.existsSync(icd), `${icd} is missing: CI must install Debian's chromium (it ships SwiftShader)`);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(__dirname, 'helpers/webgpuProbe.ts'), tmp], {
    env: { ...process.env, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: libraryPath() },
    maxBuffer: 64 << 20,
  });
  const probe = JSON.parse(stdout.trim().split('\n').at(-1)!) as Probe;
  assert.equal(probe.webgpuProvider.active, 'webgpu', `WebGPU did not initialise: ${JSON.stringify(probe.webgpuProvider.fallbacks)}`);

  let compared = 0;
  for (const { image, cpu, webgpu } of probe.results) {
    assert.ok(cpu.length > 0, `${image}: the CPU found nothing to compare`);
    assert.equal(webgpu.length, cpu.length, `${image}: ${webgpu.length} WebGPU detections vs ${cpu.length} on CPU`);
    // Same order after NMS unless two scores tie within the tolerance: match each CPU box to the nearest same-class one.
    const unused = new Set(webgpu);
    for (const d of cpu) {
      const distance = (g: Detection) => Math.max(...g.bbox.map((v, k) => Math.abs(v - d.bbox[k])));
      const match = [...unused].filter((g) => g.classIndex === d.classIndex).sort((a, b) => distance(a) - distance(b))[0];
      assert.ok(match, `${image}: no WebGPU detection of class ${d.classIndex}`);
      unused.delete(match);
      assert.ok(distance(match) <= 0.01, `${image}: box [${d.bbox.join(', ')}] vs [${match.bbox.join(', ')}]`);
      assert.ok(Math.abs(match.score - d.score) <= 1e-4, `${image}: score ${d.score} vs ${match.score}`);
      compared++;
    }
  }
  assert.ok(compared >= 2, `only ${compared} detections compared`);

  const auto = probe.autoProvider;
  assert.equal(auto.selection, 'auto');
  const trial = (p: string) => auto.trials?.find((t) => t.provider === p);
  assert.ok(trial('cpu')?.medianMs !== undefined && trial('webgpu')?.medianMs !== undefined, `both providers timed: ${JSON.stringify(auto.trials)}`);
  assert.equal(auto.active, 'cpu', `auto chose ${auto.active}: ${auto.decision}`);
  assert.ok(trial('webgpu')!.medianMs! > trial('cpu')!.medianMs!, auto.decision);
  assert.match(auto.decision ?? '', /^cpu: fastest of cpu [\d.]+ ms, webgpu [\d.]+ ms/);
});
