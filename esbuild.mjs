// Two kinds of bundle: Node (extension host + CLI) and browser (webviews).
// Native modules (onnxruntime-node, sharp) stay external: .node files cannot be bundled.
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import vm from 'node:vm';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info', legalComments: 'none' };

// analysisWorker: the extension's worker thread for run analysis (loaded from dist/ beside extension.js).
// inferenceWorker: owns the onnxruntime session (onnxruntime-node computes on its caller's thread).
// preprocessWorker: a pool of these decodes and preprocesses images in parallel during dataset runs.
// analysisJobWorker: runs the analysis' independent jobs (TIDE, rescoring) beside the rest of the analysis.
// cli: the gfl-lens entry, which runs cliMain (the command line) in its process or in a tuned child (cli/relaunch.ts).
const nodeEntries = { extension: 'extension/extension.ts', cli: 'extension/cli/entry.ts', cliMain: 'extension/cli/main.ts', analysisWorker: 'extension/state/analysisWorker.ts', inferenceWorker: 'extension/inference/inferenceWorker.ts', preprocessWorker: 'extension/inference/preprocessWorker.ts', analysisJobWorker: 'extension/workers/analysisJobWorker.ts' };
const webviewEntries = Object.fromEntries(
  fs.readdirSync('webview').filter((f) => /^[a-zA-Z]+\.ts$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => [f.replace(/\.ts$/, ''), `webview/${f}`]),
);

const builds = [
  {
    ...common,
    entryPoints: Object.fromEntries(Object.entries(nodeEntries).filter(([, p]) => fs.existsSync(p))),
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'onnxruntime-node', 'sharp'],
  },
  {
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    loader: { '.css': 'text' },
  },
  {
    // Standalone partial plotly.js exposing window.Plotly, inlined into HTML reports (extension/report/exportReport.ts).
    // Always minified and without a source map: it is copied verbatim into every report.
    ...common,
    sourcemap: false,
    minify: true,
    entryPoints: { 'plotly-partial': 'webview/plotly/plotlyPartial.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    alias: { buffer: './webview/plotly/bufferShim.ts' },
    // Some plotly dependencies read Node's `global`; in a browser that is globalThis.
    define: { global: 'globalThis' },
    // plotly's registry requires maplibre's stylesheet for map traces, which this bundle does not register.
    loader: { '.css': 'empty' },
  },
].filter((b) => Object.keys(b.entryPoints).length > 0);

/**
 * plotly's stylesheet as a file (dist/webview/plotly.css): plotly keeps its CSS as a rules object in
 * build/plotcss.js and normally injects it into a <style> element, which a CSP without 'unsafe-inline' refuses
 * (webview/plotly/noInlineStyles.ts turns the injection off). Same selectors as plotcss.js expands them.
 */
function writePlotlyCss() {
  const source = fs.readFileSync('node_modules/plotly.js/build/plotcss.js', 'utf8');
  const match = source.match(/var rules = (\{[\s\S]*?\n\});/);
  if (!match) throw new Error('node_modules/plotly.js/build/plotcss.js: rules object not found (plotly.js changed its layout)');
  // An object literal (one key is unquoted), evaluated alone in an empty context.
  const rules = vm.runInNewContext(`(${match[1]})`, {});
  const css = Object.entries(rules).map(([selector, style]) =>
    `${selector.replace(/^,/, ' ,').replace(/X/g, '.js-plotly-plot .plotly').replace(/Y/g, '.plotly-notifier')}{${style}}`).join('\n');
  fs.mkdirSync('dist/webview', { recursive: true });
  fs.writeFileSync('dist/webview/plotly.css', `${css}\n`);
}
writePlotlyCss();

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
