import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCheck } from '../../src/checks/checks';
import type { IcmpCheck } from '../../src/checks/icmp';
import { icmpCheck, ping } from '../../src/checks/icmp';
import { requireTool } from './tools';

const check = (host: unknown) => parseCheck({ name: 'ping', type: 'icmp', host, timeout: '2s' }, 'checks[0]') as IcmpCheck;

test('127.0.0.1 answers a ping, with its round trip as latency', async () => {
  requireTool('ping', 'iputils-ping');
  const result = await icmpCheck.run(check('127.0.0.1'), new AbortController().signal);
  assert.equal(
    result.error,
    undefined,
    'if "not permitted": ping needs its capability (setcap cap_net_raw+p /bin/ping) or net.ipv4.ping_group_range',
  );
  assert.equal(result.up, true);
  assert.ok(typeof result.latencyMs === 'number' && result.latencyMs >= 0);
});

test("a host that does not resolve is down with ping's reason", async () => {
  requireTool('ping', 'iputils-ping');
  const result = await icmpCheck.run(check('nothing.invalid'), new AbortController().signal);
  assert.equal(result.up, false);
  // ping's own words when the resolver says so; a resolver that cannot be reached lets the timeout pass first.
  assert.match(result.error!, /nothing\.invalid|timed out after 2s/);
});

test('without ping on the machine the result says what to install', async () => {
  const result = await ping('127.0.0.1', 1000, new AbortController().signal, 'probe-test-no-such-ping');
  assert.ok(result instanceof Error);
  assert.match(
    result.message,
    /^cannot ping: "probe-test-no-such-ping" is not installed on this machine \(Debian\/Ubuntu: apt-get install iputils-ping\)$/,
  );
});

test('a host that could be read as an option is refused', () => {
  assert.throws(() => check('-f'), { code: 'PROBE_ERR_CONFIG', message: /^"checks\[0\]\.host" must be a host name or an IP address/ });
  assert.equal(check('::1').host, '::1');
});
