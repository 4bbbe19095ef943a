import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseCheck } from '../../src/checks/checks';
import type { TcpCheck } from '../../src/checks/tcp';
import { tcpCheck } from '../../src/checks/tcp';

const check = (host: unknown) => parseCheck({ name: 'port', type: 'tcp', host, timeout: '2s' }, 'checks[0]') as TcpCheck;
const run = (host: string) => tcpCheck.run(check(host), new AbortController().signal);

async function listening(host: string): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return server;
}

test('an open port is up with the connect time', async (t) => {
  const server = await listening('127.0.0.1');
  t.after(() => server.close());
  const result = await run(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  assert.equal(result.error, undefined);
  assert.equal(result.up, true);
  assert.ok(typeof result.latencyMs === 'number' && result.latencyMs >= 0);
});

test('a name is resolved first, then connected', async (t) => {
  const server = await listening('127.0.0.1');
  t.after(() => server.close());
  assert.equal((await run(`localhost:${(server.address() as AddressInfo).port}`)).up, true);
});

test('a closed port is down and says refused', async () => {
  const server = await listening('127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const result = await run(`127.0.0.1:${port}`);
  assert.deepEqual(result, { ts: result.ts, up: false, latencyMs: null, error: `connection refused by 127.0.0.1 port ${port}` });
});

test('an IPv6 address is written in brackets', async (t) => {
  const parsed = check('[::1]:8443');
  assert.deepEqual([parsed.host, parsed.port], ['::1', 8443]);
  let server: net.Server;
  try {
    server = await listening('::1');
  } catch {
    t.diagnostic('no IPv6 loopback on this machine: the connection part is not tried');
    return;
  }
  t.after(() => server.close());
  assert.equal((await run(`[::1]:${(server.address() as AddressInfo).port}`)).up, true);
});

test('bad hosts name the key', () => {
  for (const host of ['example.com', 'example.com:0', 'example.com:70000', '::1:80', '[example.com]:80', '-x:80', 80]) {
    assert.throws(() => check(host), { code: 'PROBE_ERR_CONFIG', message: /^"checks\[0\]\.host" must/ }, String(host));
  }
});
