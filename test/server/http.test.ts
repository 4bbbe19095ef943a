import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startTestServer } from './test-server';

test('the page is served compressed from memory with an ETag and strict headers', async (t) => {
  const s = await startTestServer(t);
  const res = await fetch(`${s.base}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/html/);
  assert.match(res.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.doesNotMatch(res.headers.get('content-security-policy')!, /unsafe-inline/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.match(html, /<title>probe<\/title>/);
  const etag = res.headers.get('etag')!;
  const again = await fetch(`${s.base}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);

  const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
    import('node:http').then(({ get }) =>
      get(`${s.base}/app.js`, { headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ encoding: r.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject),
    );
  });
  assert.equal(raw.encoding, 'gzip');
  assert.ok(gunzipSync(raw.body).length > raw.body.length);
});

test('unknown paths are 404 and other methods 405, with PROBE_ERR codes', async (t) => {
  const s = await startTestServer(t);
  const missing = await fetch(`${s.base}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'PROBE_ERR_NOT_FOUND');
  const post = await fetch(`${s.base}/api/nodes`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(((await post.json()) as { code: string }).code, 'PROBE_ERR_BAD_REQUEST');
});
