import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { parseCheck } from '../../src/checks/checks';
import type { HttpCheck } from '../../src/checks/http';
import { httpCheck } from '../../src/checks/http';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
const hanging: http.ServerResponse[] = [];
let base = '';

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const url = new URL(req.url!, 'http://x');
    const redirect = /^\/redirect\/(\d+)$/.exec(url.pathname);
    if (url.pathname === '/ok') return res.end('<h1>All systems operational</h1>');
    if (url.pathname.startsWith('/status/')) return res.writeHead(Number(url.pathname.slice(8))).end();
    if (redirect)
      return res.writeHead(302, { location: Number(redirect[1]) > 1 ? `/redirect/${Number(redirect[1]) - 1}` : `${base}/ok` }).end();
    if (url.pathname === '/see-other') return res.writeHead(303, { location: '/ok' }).end();
    if (url.pathname === '/moved') return res.writeHead(301, { location: '/status/404' }).end();
    if (url.pathname === '/hang') return void hanging.push(res);
    // 2 MiB before the keyword: past what a check reads.
    if (url.pathname === '/big') return res.end(`${'a'.repeat(2 * 1024 * 1024)}needle`);
    res.writeHead(404).end();
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const res of hanging) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const check = (fields: Record<string, unknown>) => parseCheck({ name: 'site', type: 'http', ...fields }, 'checks[0]') as HttpCheck;
const run = (fields: Record<string, unknown>) => httpCheck.run(check(fields), new AbortController().signal);

test('a 200 is up with a latency and no certificate', async () => {
  const result = await run({ url: `${base}/ok` });
  assert.deepEqual({ up: result.up, error: result.error, cert: result.cert }, { up: true, error: undefined, cert: undefined });
  assert.ok(typeof result.latencyMs === 'number' && result.latencyMs >= 0);
  assert.ok(Math.abs(result.ts - Date.now()) < 60_000, 'ts is the wall clock');
});

test('a status outside the expected ones is down and says which', async () => {
  const down = await run({ url: `${base}/status/503` });
  assert.equal(down.up, false);
  assert.equal(down.error, 'status 503, expected 200-399');
  assert.equal(typeof down.latencyMs, 'number', 'the server answered');
  assert.equal((await run({ url: `${base}/status/503`, status: [200, '500-503'] })).up, true);
  assert.equal((await run({ url: `${base}/status/204`, status: 200 })).up, false);
});

test('the keyword must be in the body', async () => {
  assert.equal((await run({ url: `${base}/ok`, keyword: 'operational' })).up, true);
  const missing = await run({ url: `${base}/ok`, keyword: 'degraded' });
  assert.equal(missing.up, false);
  assert.match(missing.error!, /"degraded" is not in the response/);
});

test('only the first MiB of a body is searched', async () => {
  const result = await run({ url: `${base}/big`, keyword: 'needle' });
  assert.equal(result.up, false);
  assert.match(result.error!, /first 1 MiB read/);
});

test('redirects are followed up to the limit, or judged as they are when off', async () => {
  assert.equal((await run({ url: `${base}/redirect/5` })).up, true, '5 redirects, the default limit');
  const tooMany = await run({ url: `${base}/redirect/3`, redirects: 2 });
  assert.equal(tooMany.up, false);
  assert.match(tooMany.error!, /^more than 2 redirects/);
  assert.equal((await run({ url: `${base}/moved` })).error, 'status 404, expected 200-399', 'followed to the 404');
  assert.equal((await run({ url: `${base}/moved`, redirects: false })).up, true, 'the 301 itself is in 200-399');
  assert.equal((await run({ url: `${base}/moved`, redirects: false, status: 200 })).error, 'status 301, expected 200');
});

test('method, headers and body are sent; a 303 goes on with a GET', async () => {
  seen.length = 0;
  const result = await run({
    url: `${base}/see-other`,
    method: 'POST',
    body: '{"ping":1}',
    headers: { 'X-Probe-Test': 'yes', Authorization: 'Bearer t' },
  });
  assert.equal(result.up, true);
  assert.deepEqual(
    seen.map((s) => [s.method, s.url, s.body]),
    [
      ['POST', '/see-other', '{"ping":1}'],
      ['GET', '/ok', ''],
    ],
  );
  assert.equal(seen[0]!.headers['x-probe-test'], 'yes');
  assert.equal(seen[0]!.headers.authorization, 'Bearer t');
  assert.match(seen[0]!.headers['user-agent']!, /^probe\//);
});

test('a server that does not answer makes the check time out', async () => {
  const result = await run({ url: `${base}/hang`, timeout: '300ms' });
  assert.deepEqual(result, { ts: result.ts, up: false, latencyMs: null, error: 'timed out after 300ms' });
});

test('a closed port is down with the reason', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const result = await run({ url: `http://127.0.0.1:${port}/` });
  assert.equal(result.up, false);
  assert.equal(result.error, `connection refused by 127.0.0.1 port ${port}`);
});

test('an aborted run (the runner stopping) ends at once as stopped', async () => {
  const controller = new AbortController();
  const pending = httpCheck.run(check({ url: `${base}/hang` }), controller.signal);
  controller.abort();
  assert.equal((await pending).error, 'stopped');
});

test('bad http entries name the key', () => {
  const bad = (fields: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => check(fields), { code: 'PROBE_ERR_CONFIG', message });
  bad({ url: 'ftp://x' }, /^"checks\[0\]\.url" must be an http:\/\/ or https:\/\/ URL/);
  bad({ url: 'https://example.com' }, /^"checks\[0\]\.url" must be an http:\/\/ URL for a check of type http/);
  bad({ url: `${base}/`, method: 'FETCH' }, /^"checks\[0\]\.method" must be one of GET, HEAD/);
  bad({ url: `${base}/`, status: '299-200' }, /^"checks\[0\]\.status" must be a status/);
  bad({ url: `${base}/`, status: 42 }, /^"checks\[0\]\.status" must be a status/);
  bad({ url: `${base}/`, headers: { 'X-A': 'a\r\nb' } }, /^"checks\[0\]\.headers\.X-A" must not hold line breaks/);
  bad({ url: `${base}/`, headers: { 'bad name': 'x' } }, /^"checks\[0\]\.headers\.bad name" is not a valid header name/);
  bad({ url: `${base}/`, redirects: 50 }, /^"checks\[0\]\.redirects" must be a whole number from 0 to 20/);
  bad({ url: `${base}/`, insecure: 'yes' }, /^"checks\[0\]\.insecure" must be true or false/);
  bad({ url: `${base}/`, keyword: 'x', method: 'HEAD' }, /^"checks\[0\]\.keyword" cannot be looked for with method HEAD/);
  bad({ url: `${base}/`, keyword: '' }, /^"checks\[0\]\.keyword" must not be empty/);
  bad({ url: `${base}/`, follow: true }, /^"checks\[0\]\.follow" is not a known setting/);
});
