// Module boundaries are enforced here, not remembered (the folder layout is described in the README, "Layout"); test/unit/lint-boundaries.test.ts
// checks that each rule fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const hostOnly = ['vscode', 'onnxruntime-node', 'sharp', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'path', 'node:path', 'child_process', 'node:child_process', 'os', 'node:os'];
/** Folders of extension/ that hold host code (vscode, files, native modules, workers). */
const hostFolders = ['state', 'io', 'report', 'views', 'webviews', 'commands', 'cli', 'inference', 'demo', 'workers'];
const pureMessage = 'extension/core and extension/protocol are pure: no vscode, onnxruntime-node, sharp, file system or host modules (state, io, report, views, webviews, commands, cli, inference, demo, workers). Pass data in.';
const webviewMessage = 'Webviews run in the browser: import only extension/core and extension/protocol, no host modules or Node built-ins.';
/** Deepest folder nesting the per-depth rules below cover; a deeper file is an error until this grows. */
const MAX_DEPTH = 5;

/** Dynamic import() and require() would slip past no-restricted-imports: pure and browser code imports statically. */
const staticImportsOnly = (message) => [
  { selector: 'ImportExpression', message: `${message} (import statically, so that the boundary rules see it)` },
  { selector: "CallExpression[callee.name='require']", message: `${message} (import statically, so that the boundary rules see it)` },
];

/**
 * Imports are matched as written, so a rule about a folder of extension/ depends on how deep the importing file
 * is: from extension/core/report/x.ts, "../report/y.ts" is core's own report folder and "../../report/y.ts" is the
 * host's. One block per depth under `root` (a folder of extension/), each matching the exact number of "../" that
 * leaves `root`.
 */
function pureFolder(root) {
  const blocks = [];
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    blocks.push({
      files: [`${root}/${'*/'.repeat(depth)}*.ts`],
      rules: {
        'no-restricted-imports': ['error', {
          paths: hostOnly.map((name) => ({ name, message: pureMessage })),
          patterns: [{ regex: `^(\\./)?(\\.\\./){${depth + 1}}(${hostFolders.join('|')})(/|$)`, message: pureMessage }],
        }],
        'no-restricted-syntax': ['error', ...staticImportsOnly(pureMessage)],
      },
    });
  }
  blocks.push({
    files: [`${root}/${'*/'.repeat(MAX_DEPTH + 1)}**/*.ts`],
    rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message: `nested deeper than the boundary rules cover: raise MAX_DEPTH in eslint.config.mjs` }] },
  });
  return blocks;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'scratch/**', 'artifacts/**', 'e2e-out/**', 'media/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // onnxruntime-node is owned by one module; everything else receives plain Float32Arrays.
      'no-restricted-imports': ['error', { paths: [{ name: 'onnxruntime-node', message: 'Only extension/inference/onnxSession.ts may import onnxruntime-node.' }] }],
    },
  },
  {
    // The surgery test runs hand-built graphs with uint8/float16 inputs, which OnnxModel (images only) cannot feed.
    files: ['extension/inference/onnxSession.ts', 'test/unit/dfl-surgery.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  ...pureFolder('extension/core'),
  ...pureFolder('extension/protocol'),
  {
    // Webview bundles: extension/core and extension/protocol only (whatever the depth: "extension/" in a webview
    // import is always the host tree), npm packages built for the browser, and no Node built-ins.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostOnly.map((name) => ({ name, message: webviewMessage })),
        patterns: [
          { regex: '(^|/)extension/(?!(core|protocol)/)', message: webviewMessage },
          { regex: `^(node:|(${builtinModules.join('|')})(/|$))`, message: webviewMessage },
        ],
      }],
      'no-restricted-syntax': ['error', ...staticImportsOnly(webviewMessage)],
    },
  },
  {
    // Plain JavaScript run by Node (build script, CLI shim, e2e driver).
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The e2e driver passes functions to the browser (page.evaluate): both sets of globals apply.
    files: ['test/e2e/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['test/**/*.ts', '**/*.mjs'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
