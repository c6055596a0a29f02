// Webview page generation (extension/webviews/csp.ts): the exact policy, escaping of everything interpolated, nonces.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { plotlyStyleAttributeSources } from '../../extension/core/report/cspHashes.ts';
import { escapeHtml, jsonForScript } from '../../extension/core/report/escape.ts';
import { buildCsp, makeNonce, renderPage } from '../../extension/webviews/csp.ts';

const SOURCE = 'https://abc.vscode-cdn.net';

test('default policy: nothing by default, nonce-only scripts, no inline or eval', () => {
  assert.equal(buildCsp({ cspSource: SOURCE, nonce: 'N0' }),
    `default-src 'none'; img-src ${SOURCE} data: blob:; font-src ${SOURCE}; script-src 'nonce-N0'; style-src ${SOURCE} 'nonce-N0' ${plotlyStyleAttributeSources((t) => crypto.createHash('sha256').update(t).digest('base64'))}; worker-src blob:;`);
});

test('the page escapes title, URIs and embedded state; every script carries the nonce', () => {
  const html = renderPage({
    cspSource: SOURCE, nonce: 'abc+/=', title: 'a<b> & "c"', rootId: 'inspector',
    scriptUris: ['https://x/one.js?a=1&b=2', 'https://x/two.js'], styleUris: ['https://x/s.css'],
    initialState: { file: '</script><script>alert(1)</script>', note: 'x\u2028y' },
  });
  assert.match(html, /<title>a&lt;b&gt; &amp; &quot;c&quot;<\/title>/);
  assert.match(html, /src="https:\/\/x\/one\.js\?a=1&amp;b=2"/);
  assert.equal(html.match(/<script nonce="abc\+\/=" src=/g)?.length, 2);
  assert.equal((html.match(/<script/g) ?? []).length, 3, 'two bundles and the JSON state block');
  assert.ok(!html.includes('</script><script>alert(1)'), 'embedded state cannot close its script tag');
  assert.match(html, /<main id="inspector" data-ready="false"/);
  assert.match(html, /content="default-src 'none';/, 'CSP keywords keep their quotes readable');
  // The JSON block parses back to the original value.
  const json = html.match(/<script type="application\/json" id="initial-state" nonce="[^"]+">(.*?)<\/script>/)![1];
  assert.deepEqual(JSON.parse(json), { file: '</script><script>alert(1)</script>', note: 'x\u2028y' });
});

test('escapeHtml and jsonForScript (the one escaping module the pages use)', () => {
  assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  assert.equal(jsonForScript('<!--'), '"\\u003c!--"');
  assert.equal(jsonForScript(undefined), 'null');
});

test('nonces are 32 base64 characters and differ between pages', () => {
  const a = makeNonce((n) => crypto.randomBytes(n));
  const b = makeNonce((n) => crypto.randomBytes(n));
  assert.match(a, /^[A-Za-z0-9+/]{32}$/);
  assert.notEqual(a, b);
});
