// Module boundaries are enforced here, not remembered (see DEVELOPERS.md "Layout").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const hostOnly = ['vscode', 'onnxruntime-node', 'sharp', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'path', 'node:path', 'child_process', 'node:child_process', 'os', 'node:os'];
const pureMessage = 'extension/core and extension/protocol are pure: no vscode, onnxruntime-node, sharp or file system. Pass data in.';

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
  {
    files: ['extension/core/**/*.ts', 'extension/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostOnly.map((name) => ({ name, message: pureMessage })),
        patterns: [{ group: ['**/inference/**', '**/commands/**', '**/views/**', '**/webviews/**', '**/cli/**'], message: pureMessage }],
      }],
    },
  },
  {
    files: ['extension/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostOnly.map((name) => ({ name, message: pureMessage })),
        patterns: [{ group: ['**/inference/**', '**/commands/**', '**/views/**', '**/webviews/**', '**/cli/**'], message: pureMessage }],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostOnly.map((name) => ({ name, message: 'Webviews run in the browser: import only extension/core and extension/protocol.' })),
        patterns: [{ group: ['**/extension/inference/**', '**/extension/commands/**', '**/extension/views/**', '**/extension/webviews/**', '**/extension/cli/**', '**/extension/*.ts'], message: 'Webviews import only extension/core and extension/protocol.' }],
      }],
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
