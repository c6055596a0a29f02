// `gfl-lens doctor`: which execution providers work here, how fast each runs the model, and what to install
// for the others. `--install-cuda` adds onnxruntime-node's CUDA 12 provider (downloaded from NuGet).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkGpu, formatGpuCheck, installCudaProvider } from '../inference/gpuCheck.ts';
import type { CliCommand } from './commands.ts';
import { extensionRoot } from './demoCommand.ts';

const HELP = `Usage: gfl-lens doctor [--model M] [--input-size WxH] [--json] [--install-cuda]

Lists onnxruntime-node's bundled backends, tries every execution provider (cuda, webgpu, dml, coreml, cpu) on the
model by itself, prints each one's speed or why it cannot run, and OS/driver hints. M defaults to the built-in demo
model; --input-size times a model whose input size is dynamic.
  --install-cuda   add the CUDA 12 provider to this installation (linux-x64; onnxruntime-node's own install step,
                   downloading its cuda12 files from NuGet), then check again
`;

export const doctorCommand: CliCommand = {
  summary: 'check which execution providers (GPU) work here, and how fast',
  async run(argv) {
    const { values } = parseArgs({
      args: argv, allowPositionals: false,
      options: { model: { type: 'string' }, 'input-size': { type: 'string' }, json: { type: 'boolean' }, 'install-cuda': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    let probeInputSize: [number, number] | undefined;
    if (values['input-size']) {
      const m = /^(\d+)x(\d+)$/.exec(values['input-size']);
      if (!m) throw new Error(`--input-size must be WIDTHxHEIGHT, e.g. 320x320, got "${values['input-size']}"`);
      probeInputSize = [Number(m[1]), Number(m[2])];
    }
    if (values['install-cuda']) {
      process.stderr.write('installing the CUDA 12 provider with onnxruntime-node\'s install step…\n');
      const library = await installCudaProvider(runNode);
      process.stderr.write(`installed ${library}\n`);
    }
    const model = path.resolve(values.model ?? path.join(extensionRoot(), 'media', 'demo', 'gfl-demo.onnx'));
    const report = await checkGpu(model, { probeInputSize });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatGpuCheck(report));
    return report.providers.some((p) => p.status === 'ok') ? 0 : 1;
  },
};

/** Runs a Node script, its output echoed to stderr and collected for the error message. */
function runNode(script: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // The install step reads its flag from the environment first: an inherited "skip" (this project's .npmrc, seen
    // as npm_config_onnxruntime_node_install under npm/npx) would silently win over the argument.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_config_onnxruntime_node_install|ONNXRUNTIME_NODE_INSTALL)/i.test(k)));
    const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
