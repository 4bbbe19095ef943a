import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import path from 'node:path';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { FIXTURES } from '../../helpers';
import { startTestServer } from '../test-server';

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

test('each page file comes the same in every encoding (the build compressed them; index.html is compressed at start)', async (t) => {
  const s = await startTestServer(t);
  const { get } = await import('node:http');
  const fetchAs = (file: string, encoding: string) =>
    new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      get(`${s.base}${file}`, { headers: { 'Accept-Encoding': encoding } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ encoding: r.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  const files = (JSON.parse(readFileSync('dist/web/files.json', 'utf8')) as string[]).map((f) => (f === 'index.html' ? '/' : `/${f}`));
  assert.ok(files.length >= 5, files.join(' '));
  for (const file of files) {
    const plain = await fetchAs(file, 'identity');
    assert.equal(plain.encoding, undefined, file);
    const gz = await fetchAs(file, 'gzip');
    assert.equal(gz.encoding, 'gzip', file);
    assert.ok(gunzipSync(gz.body).equals(plain.body), `${file}: gzip gives the same bytes`);
    const br = await fetchAs(file, 'br');
    assert.equal(br.encoding, 'br', file);
    assert.ok(brotliDecompressSync(br.body).equals(plain.body), `${file}: brotli gives the same bytes`);
  }
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

test('the listening socket queues thousands of connections, so a fleet reconnecting at once is not dropped', async (t) => {
  const s = await startTestServer(t);
  // For a listening socket, ss prints the accept queue's limit in the Send-Q column.
  const line = execFileSync('ss', ['-ltnH', `sport = :${s.server.port}`], { encoding: 'utf8' }).trim();
  const limit = Number(line.split(/\s+/)[2]);
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  // Node's default is 511; the kernel caps what the server asks for at somaxconn.
  assert.equal(limit, Math.min(65_535, somaxconn), line);
  assert.ok(limit > 511, `accept queue of ${limit}: raise net.core.somaxconn`);
});

test('every answer carries the security headers (downloads, /metrics, /healthz, errors); HSTS only over HTTPS', async (t) => {
  const paths = ['/', '/metrics', '/install.sh', '/install.ps1', '/download/probe', '/healthz', '/api/nodes', '/nope'];
  const tls = path.join(FIXTURES, 'tls');
  const https = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.server.tlsCert = path.join(tls, 'cert-a.pem');
    config.server.tlsKey = path.join(tls, 'key-a.pem');
  });
  const plain = await startTestServer(t);
  const ca = readFileSync(path.join(tls, 'cert-a.pem'));
  for (const p of paths) {
    const overTls = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      get(`https://127.0.0.1:${https.server.port}${p}`, { ca, agent: false }, (res) => (res.resume(), resolve(res.headers))).on(
        'error',
        reject,
      );
    });
    const overHttp = (await fetch(`${plain.base}${p}`)).headers;
    for (const headers of [overTls, Object.fromEntries(overHttp)]) {
      assert.match(String(headers['content-security-policy']), /default-src 'self'/, p);
      assert.equal(headers['x-content-type-options'], 'nosniff', p);
      assert.equal(headers['referrer-policy'], 'no-referrer', p);
      assert.equal(headers['cross-origin-opener-policy'], 'same-origin', p);
    }
    assert.equal(overTls['strict-transport-security'], 'max-age=31536000', `${p} over HTTPS`);
    assert.equal(overHttp.get('strict-transport-security'), null, `${p} over plain HTTP`);
  }
});
