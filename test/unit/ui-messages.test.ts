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

test('ambiguity queries: filters are checked field by field, anything else is dropped', () => {
  const filters = { classIndex: 3, edge: 2, outcome: 'fp', minScore: 0.45 };
  assert.deepEqual(parseWebviewMessage({ type: 'ambiguityQuery', filters, offset: 60 }), { type: WebviewMessageType.AmbiguityQuery, filters, offset: 60 });
  assert.deepEqual(parseWebviewMessage({ type: 'ambiguityQuery', filters: { classIndex: null, edge: null, outcome: null, minScore: 0 }, offset: 0 })?.type, WebviewMessageType.AmbiguityQuery);
  for (const bad of [
    { ...filters, edge: 4 }, { ...filters, edge: -1 }, { ...filters, classIndex: 1.5 }, { ...filters, outcome: 'Loc' },
    { ...filters, minScore: 1.2 }, { ...filters, minScore: NaN }, { ...filters, minScore: '0.3' }, null,
  ]) assert.equal(parseWebviewMessage({ type: 'ambiguityQuery', filters: bad, offset: 0 }), undefined, JSON.stringify(bad));
  assert.equal(parseWebviewMessage({ type: 'ambiguityQuery', filters, offset: -60 }), undefined);
  assert.equal(parseWebviewMessage({ type: 'ambiguityQuery', filters }), undefined);
});
