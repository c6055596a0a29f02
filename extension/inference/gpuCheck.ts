// "Check GPU" (the editor command) and `gfl-lens doctor`: which onnxruntime backends this installation bundles,
// which execution providers initialise on the selected model and with what error, how fast each runs it, and
// hints about the OS and drivers (NVIDIA driver, Vulkan loader and ICDs, Direct3D 12, Metal).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALL_PROVIDERS, CUDA_INSTALL_HINT, type ExecutionProvider } from './providerDiagnosis.ts';
import { listOrtBackends, probeProvider, type ProviderProbe, type SessionOptions } from './onnxSession.ts';

export interface GpuCheckReport {
  platform: string;
  arch: string;
  osRelease: string;
  node: string;
  onnxruntimeVersion: string;
  backends: { name: string; bundled: boolean }[];
  model: string;
  providers: (ProviderProbe & { device?: string })[];
  /** The provider `auto` would choose: the fastest median among those that ran. */
  fastest?: string;
  hints: string[];
}

/** Runs one provider probe; the editor passes one that runs in the inference worker, the CLI runs in-thread. */
export type ProbeFunction = (bytes: Uint8Array, modelName: string, provider: ExecutionProvider, options: SessionOptions) => Promise<ProviderProbe>;

export async function checkGpu(modelPath: string, options: { probeInputSize?: [number, number]; probe?: ProbeFunction; env?: NodeJS.ProcessEnv } = {}): Promise<GpuCheckReport> {
  const env = options.env ?? process.env;
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(modelPath);
  } catch (error) {
    throw new Error(`${modelPath}: cannot read model (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message})`);
  }
  const probe = options.probe ?? ((b, name, provider, o) => probeProvider(b, name, provider, o));
  const providers: GpuCheckReport['providers'] = [];
  for (const provider of ALL_PROVIDERS) {
    const result = await probe(bytes, path.basename(modelPath), provider, { probeInputSize: options.probeInputSize });
    providers.push(result.status === 'ok' ? { ...result, device: deviceName(provider, env) } : result);
  }
  const timed = providers.filter((p) => p.trial?.medianMs !== undefined).sort((a, b) => a.trial!.medianMs! - b.trial!.medianMs!);
  return {
    platform: process.platform, arch: process.arch, osRelease: os.release(), node: process.version,
    onnxruntimeVersion: onnxruntimeVersion(), backends: listOrtBackends(), model: modelPath, providers,
    fastest: timed[0]?.provider, hints: platformHints(providers, env),
  };
}

/** Plain-text report, one provider per line with its speed or the reason it is not usable. */
export function formatGpuCheck(report: GpuCheckReport): string {
  const lines = [
    `GFL Lens GPU check: ${report.platform}-${report.arch} (OS ${report.osRelease}), Node ${report.node}, onnxruntime-node ${report.onnxruntimeVersion}`,
    `bundled backends: ${report.backends.map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`).join(', ')}`,
    `model: ${report.model}`,
    '',
  ];
  for (const p of report.providers) {
    if (p.status === 'ok') {
      const t = p.trial!;
      const speed = t.medianMs !== undefined ? `${t.medianMs.toFixed(1)} ms per forward pass (${(1000 / t.medianMs).toFixed(1)} images/s), first run ${t.firstRunMs?.toFixed(0)} ms` : t.note ?? '';
      lines.push(`  ${p.provider.padEnd(7)} ok${p.device ? ` [${p.device}]` : ''}: session ${t.createMs.toFixed(0)} ms, ${speed}`);
    } else {
      lines.push(`  ${p.provider.padEnd(7)} ${p.status === 'unavailable' ? 'not available' : 'FAILED'}: ${p.reason}`);
      if (p.error && p.error !== p.reason) lines.push(`          onnxruntime: ${p.error}`);
    }
  }
  lines.push('', report.fastest ? `auto would choose: ${report.fastest} (fastest measured)` : 'no provider could run this model');
  if (report.hints.length) lines.push('', 'hints:', ...report.hints.map((h) => `  - ${h}`));
  return `${lines.join('\n')}\n`;
}

function onnxruntimeVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** What WebGPU runs on, when the environment says (a Vulkan ICD chosen by VK_ICD_FILENAMES). */
function deviceName(provider: ExecutionProvider, env: NodeJS.ProcessEnv): string | undefined {
  if (provider !== 'webgpu' || process.platform !== 'linux') return undefined;
  const icd = env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES;
  if (!icd) return 'Vulkan';
  return /swiftshader/i.test(icd) ? `SwiftShader (software Vulkan, from VK_ICD_FILENAMES=${icd})` : `Vulkan ICD ${icd}`;
}

const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];
const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const CHROMIUM_SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

function platformHints(providers: ProviderProbe[], env: NodeJS.ProcessEnv): string[] {
  const hints: string[] = [];
  const failed = (p: ExecutionProvider) => providers.find((r) => r.provider === p && r.status !== 'ok');
  if (process.platform === 'linux') {
    const nvidia = readFirstLine('/proc/driver/nvidia/version');
    hints.push(nvidia ? `NVIDIA kernel driver: ${nvidia.replace(/\s+/g, ' ').slice(0, 120)} (CUDA 12 needs 525 or later)`
      : 'no NVIDIA kernel driver loaded (/proc/driver/nvidia/version is absent): CUDA needs an NVIDIA GPU and its driver');
    const loader = VULKAN_LOADERS.find((f) => fs.existsSync(f));
    hints.push(loader ? `Vulkan loader: ${loader}` : 'no Vulkan loader (libvulkan.so.1) found: WebGPU needs it (Debian/Ubuntu: apt-get install libvulkan1)');
    const icds = VULKAN_ICD_DIRS.flatMap((d) => listDir(d).map((f) => path.join(d, f)));
    const chosen = env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES;
    hints.push(chosen ? `Vulkan drivers chosen by VK_ICD_FILENAMES: ${chosen}`
      : icds.length ? `Vulkan drivers installed: ${icds.join(', ')}` : 'no Vulkan driver installed (no ICD files in /usr/share/vulkan/icd.d): install the GPU vendor\'s Vulkan driver (or mesa-vulkan-drivers)');
    if (failed('webgpu') && fs.existsSync(CHROMIUM_SWIFTSHADER)) {
      hints.push(`to test WebGPU without a GPU: VK_ICD_FILENAMES=${CHROMIUM_SWIFTSHADER} (Chromium's SwiftShader, a slow software device: auto keeps the CPU)`);
    }
    if (failed('cuda') && process.arch === 'x64') hints.push(`CUDA provider: ${CUDA_INSTALL_HINT}; it also needs CUDA 12.x and cuDNN 9 libraries on LD_LIBRARY_PATH`);
  } else if (process.platform === 'win32') {
    hints.push('WebGPU runs on Direct3D 12 and DirectML needs a DirectX 12 GPU: keep the GPU driver current (Windows 10 1903 or later)');
    hints.push('onnxruntime-node ships no CUDA provider for Windows: use dml or webgpu');
  } else if (process.platform === 'darwin') {
    hints.push('WebGPU runs on Metal and CoreML on the Neural Engine / GPU (macOS 11 or later)');
  }
  return hints;
}

function readFirstLine(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

/**
 * Adds the CUDA 12 provider libraries to the installed onnxruntime-node with its own install step
 * (`script/install.js`, forced, which downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from NuGet).
 * Resolves to the installed library's path; rejects with what to do when it cannot.
 */
export async function installCudaProvider(run: (script: string, args: string[], cwd: string) => Promise<{ code: number; output: string }>): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`onnxruntime-node ships its CUDA provider for linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const script = path.join(root, 'script', 'install.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: this onnxruntime-node installation has no install step to run`);
  const library = path.join(root, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
  // onnxruntime-node 1.30's flag parser drops the value of --onnxruntime-node-install=cuda12 (its switch has no
  // `return` for named values) and then exits without installing when run inside an npm project. The bare flag
  // forces the platform's manifest, which on linux-x64 is exactly cuda12.
  const { code, output } = await run(script, ['--onnxruntime-node-install'], root);
  if (code !== 0) {
    const network = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|getaddrinfo|certificate/i.exec(output);
    const last = output.trim().split('\n').filter((l) => /error/i.test(l)).at(-1) ?? output.trim().split('\n').at(-1) ?? '';
    throw new Error(network
      ? `could not download the CUDA 12 provider from NuGet (${last.trim()}): run this where api.nuget.org is reachable (a proxy is read from GLOBAL_AGENT_HTTPS_PROXY)`
      : `onnxruntime-node's install step failed (exit code ${code}): ${last.trim()}`);
  }
  if (!fs.existsSync(library)) throw new Error(`the install step finished but ${library} is not there`);
  return library;
}
