// Host-side validation of webview messages (extension/protocol/messages.ts): well-formed messages pass unchanged,
// anything else is dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWebviewMessage, WebviewMessageType } from '../../extension/protocol/messages.ts';

test('accepts the five webview messages', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'selectImage', imageIndex: 4 }), { type: WebviewMessageType.SelectImage, imageIndex: 4 });
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: WebviewMessageType.Ready });
  assert.deepEqual(parseWebviewMessage({ type: 'openDetection', ref: { imageIndex: 3, detIndex: 0, extra: 1 } }),
    { type: WebviewMessageType.OpenDetection, ref: { imageIndex: 3, detIndex: 0 } });
  assert.deepEqual(parseWebviewMessage({ type: 'selectBox', imageIndex: 2, detIndex: null }), { type: WebviewMessageType.SelectBox, imageIndex: 2, detIndex: null });
  assert.deepEqual(parseWebviewMessage({ type: 'log', level: 'error', message: 'boom' }), { type: WebviewMessageType.Log, level: 'error', message: 'boom' });
});

test('rejects malformed messages', () => {
  for (const bad of [
    null, 'ready', 42, {}, { type: 'nope' },
    { type: 'openDetection' }, { type: 'openDetection', ref: { imageIndex: -1, detIndex: 0 } },
    { type: 'openDetection', ref: { imageIndex: 1.5, detIndex: 0 } }, { type: 'openDetection', ref: { imageIndex: '1', detIndex: 0 } },
    { type: 'selectBox', imageIndex: 0 }, { type: 'selectBox', imageIndex: 0, detIndex: -2 },
    { type: 'selectImage' }, { type: 'selectImage', imageIndex: -1 },
    { type: 'log', level: 'warn', message: 'x' }, { type: 'log', level: 'info', message: 7 },
  ]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('log messages are truncated to 2000 characters', () => {
  const m = parseWebviewMessage({ type: 'log', level: 'info', message: 'x'.repeat(5000) });
  assert.equal(m?.type === WebviewMessageType.Log && m.message.length, 2000);
});
