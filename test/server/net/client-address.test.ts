/**
 * With --trust-proxy, X-Forwarded-For is believed only from the proxies in server.trustedProxies,
 * and only its right-most entry that is not such a proxy: a client cannot pick its own address.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load';
import { client, startTestServer } from '../test-server';
import { httpFrom } from '../http-from';

const PAGE_PASSWORD = 'family photos 2026';

test('X-Forwarded-For from a client that is not a trusted proxy is ignored: rotating it evades no limit', async (t) => {
  // The proxy is 127.0.0.2; 127.0.0.1 stands for a client reaching the server directly.
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.server.trustProxy = true;
    config.server.trustedProxies = ['127.0.0.2'];
  });
  const admin = client(s);
  await admin.signIn();
  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'password', password: PAGE_PASSWORD })).status, 200);
  const guess = (from: string, forwardedFor: string, i: number) =>
    httpFrom(s.base, 'POST', '/api/access', {
      from,
      body: { password: `guess number ${i}` },
      headers: { 'X-Forwarded-For': forwardedFor, 'X-Forwarded-Proto': 'https' },
    });

  const direct: number[] = [];
  for (let i = 0; i < 12; i++) direct.push((await guess('127.0.0.1', `198.51.100.${i}`, i)).status);
  assert.deepEqual(direct.slice(10), [429, 429], `a direct client's own X-Forwarded-For is not believed: ${direct.join(' ')}`);

  // Through the proxy, each client counts on its own, however it fills in the entries left of the proxy's.
  const proxied: number[] = [];
  for (let i = 0; i < 11; i++) proxied.push((await guess('127.0.0.2', `10.9.9.${i}, 203.0.113.5`, i)).status);
  assert.deepEqual(proxied.slice(9), [401, 429], `the proxy's entry is the client: ${proxied.join(' ')}`);
  assert.equal((await guess('127.0.0.2', '203.0.113.6', 0)).status, 401, 'another client behind the proxy is not affected');
  // A proxy chain: entries written by trusted proxies are skipped.
  assert.equal((await guess('127.0.0.2', '203.0.113.5, 127.0.0.2', 0)).status, 429);

  const unlocked = await httpFrom(s.base, 'POST', '/api/access', {
    from: '127.0.0.1',
    body: { password: PAGE_PASSWORD },
    headers: { 'X-Forwarded-For': '192.0.2.1', 'X-Forwarded-Proto': 'https' },
  });
  assert.equal(unlocked.status, 429, 'still the direct address');
  const viaProxy = await httpFrom(s.base, 'POST', '/api/access', {
    from: '127.0.0.2',
    body: { password: PAGE_PASSWORD },
    headers: { 'X-Forwarded-For': '192.0.2.1', 'X-Forwarded-Proto': 'https' },
  });
  assert.equal(viaProxy.status, 200);
  assert.match(String(viaProxy.headers['set-cookie']), /; Secure/, 'X-Forwarded-Proto believed from the proxy');
});

test('server.trustedProxies takes addresses and CIDR ranges, and refuses anything else with PROBE_ERR_CONFIG', () => {
  assert.deepEqual(loadConfig().server.trustedProxies, ['127.0.0.0/8', '::1'], 'loopback by default');
  assert.deepEqual(loadConfig({ env: { PROBE_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,192.0.2.7' } }).server.trustedProxies, [
    '10.0.0.0/8',
    'fd00::/8',
    '192.0.2.7',
  ]);
  for (const bad of ['10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/8', '::1/129']) {
    assert.throws(
      () => loadConfig({ env: { PROBE_TRUSTED_PROXIES: bad } }),
      (err: Error & { code?: string }) => err.code === 'PROBE_ERR_CONFIG' && err.message.includes(bad),
      bad,
    );
  }
});
