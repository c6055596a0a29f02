// Opens every platform .vsix that `npm run package` built and checks its native files against the target: the
// manifest's target platform, onnxruntime-node's binding for that platform only, the matching @img/sharp-*
// packages only, and every native library's own header (ELF / PE / Mach-O machine type). Prints each size.
// The package for this machine's own platform is also unpacked and its CLI run, so its native modules really load.
// Run: npm run package && npm run test:package
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import AdmZip from 'adm-zip';

const OUT = path.resolve(__dirname, '../../artifacts/package');
const TARGETS = ['linux-x64', 'linux-arm64', 'win32-x64', 'win32-arm64', 'darwin-arm64'] as const;
type Binary = { format: 'ELF' | 'PE' | 'Mach-O'; arch: string };
const EXPECTED: Record<(typeof TARGETS)[number], Binary> = {
  'linux-x64': { format: 'ELF', arch: 'x64' },
  'linux-arm64': { format: 'ELF', arch: 'arm64' },
  'win32-x64': { format: 'PE', arch: 'x64' },
  'win32-arm64': { format: 'PE', arch: 'arm64' },
  'darwin-arm64': { format: 'Mach-O', arch: 'arm64' },
};

/** Reads the object-file format and machine from a native library's header. */
function binaryKind(bytes: Buffer): Binary | undefined {
  if (bytes.readUInt32BE(0) === 0x7f454c46) {
    const machine = bytes.readUInt16LE(18);
    return { format: 'ELF', arch: machine === 62 ? 'x64' : machine === 183 ? 'arm64' : `machine ${machine}` };
  }
  if (bytes.readUInt16BE(0) === 0x4d5a) {
    const pe = bytes.readUInt32LE(0x3c);
    if (bytes.readUInt32BE(pe) !== 0x50450000) return undefined;
    const machine = bytes.readUInt16LE(pe + 4);
    return { format: 'PE', arch: machine === 0x8664 ? 'x64' : machine === 0xaa64 ? 'arm64' : `machine 0x${machine.toString(16)}` };
  }
  if (bytes.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = bytes.readUInt32LE(4);
    return { format: 'Mach-O', arch: cpu === 0x0100000c ? 'arm64' : cpu === 0x01000007 ? 'x64' : `cpu 0x${cpu.toString(16)}` };
  }
  return undefined;
}

const NATIVE = /\.(node|dll|dylib)$|\.so(\.\d+)*$/;

describe('platform packages', () => {
  for (const target of TARGETS) {
    it(`${target}.vsix carries only ${target} native files`, () => {
      const file = path.join(OUT, `gfl-lens-${target}.vsix`);
      assert.ok(fs.existsSync(file), `${file} is missing: run "npm run package" first`);
      const zip = new AdmZip(file);
      const names = zip.getEntries().map((e) => e.entryName);
      const [os, arch] = target.split('-');
      assert.match(zip.readAsText('extension.vsixmanifest'), new RegExp(`TargetPlatform="${target}"`));

      const ortBin = 'extension/node_modules/onnxruntime-node/bin/napi-v6/';
      assert.ok(names.includes(`${ortBin}${os}/${arch}/onnxruntime_binding.node`), `no onnxruntime binding for ${target}`);
      const ortPlatforms = new Set(names.filter((n) => n.startsWith(ortBin)).map((n) => n.slice(ortBin.length).split('/').slice(0, 2).join('/')));
      assert.deepEqual([...ortPlatforms], [`${os}/${arch}`]);

      const imgPackages = new Set(names.filter((n) => n.startsWith('extension/node_modules/@img/')).map((n) => n.split('/')[3]));
      const sharpPackages = [...imgPackages].filter((p) => p.startsWith('sharp-')).sort();
      assert.deepEqual(sharpPackages, os === 'win32' ? [`sharp-${target}`] : [`sharp-${target}`, `sharp-libvips-${target}`].sort());
      assert.ok(names.some((n) => n.startsWith(`extension/node_modules/@img/sharp-${target}/lib/sharp-${target}`) && n.endsWith('.node')), `no sharp binding for ${target}`);

      const natives = zip.getEntries().filter((e) => NATIVE.test(e.entryName));
      for (const entry of natives) {
        const kind = binaryKind(entry.getData());
        assert.deepEqual(kind, EXPECTED[target], `${entry.entryName}: ${JSON.stringify(kind)}`);
      }
      assert.ok(natives.length >= 3);
      // The demo model is in every package (the extension's default model).
      assert.ok(names.includes('extension/media/demo/gfl-demo.onnx'));
      assert.ok(!names.some((n) => n.startsWith('extension/media/demo/training/')));
      console.log(`${path.basename(file)}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${names.length} files, ${natives.length} native`);
    });
  }
});

const hostTarget = `${process.platform}-${process.arch}`;
it(`the ${hostTarget} package loads its native modules and runs the model (gfl-lens doctor from the unpacked .vsix)`, { skip: !(TARGETS as readonly string[]).includes(hostTarget) && `no package for ${hostTarget}` }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-vsix-'));
  try {
    new AdmZip(path.join(OUT, `gfl-lens-${hostTarget}.vsix`)).extractAllTo(dir);
    const env = { ...process.env, VK_ICD_FILENAMES: undefined, NODE_PATH: undefined };
    const report = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'extension/dist/cli.js'), 'doctor', '--json'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    assert.match(report.model, /extension[\\/]media[\\/]demo[\\/]gfl-demo\.onnx$/);
    const cpu = report.providers.find((p: { provider: string }) => p.provider === 'cpu');
    assert.equal(cpu.status, 'ok');
    assert.ok(cpu.trial.medianMs > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
