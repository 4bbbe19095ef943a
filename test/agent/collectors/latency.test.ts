import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { LatencyProber, icmpPingMs, tcpConnectMs } from '../../../src/agent/collectors/latency';
import { parseLatencyTargets } from '../../../src/config/page';
import type { MetricValues } from '../../../src/protocol/metrics';
import { isKnownMetric } from '../../../src/protocol/metrics';

async function listener(t: { after(fn: () => void): void }): Promise<number> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('tcp connect time to a listening port, null for a refused one', async (t) => {
  const open = await listener(t);
  const ms = await tcpConnectMs('127.0.0.1', open, 2000);
  assert.ok(ms !== null && ms >= 0 && ms < 2000, `connect time ${ms}`);
  assert.equal(await tcpConnectMs('127.0.0.1', await closedPort(), 2000), null);
  assert.equal(await tcpConnectMs('no-such-host.invalid', 80, 2000), null, 'a name that does not resolve is a failed probe');
});

test('the prober reports latency per target and loss over the last probes', async (t) => {
  const open = await listener(t);
  const refused = await closedPort();
  const prober = new LatencyProber(
    [
      { label: 'up', host: '127.0.0.1', port: open },
      { label: 'down', host: '127.0.0.1', port: refused },
    ],
    60_000,
    1000,
  );
  assert.deepEqual(prober.metricNames, ['latency.up', 'loss.up', 'latency.down', 'loss.down']);
  assert.ok(prober.metricNames.every(isKnownMetric), 'the server accepts these names');
  const before: MetricValues = {};
  prober.collect(before);
  assert.deepEqual(before, {}, 'nothing before the first probe');
  await prober.probeAll();
  await prober.probeAll();
  const values: MetricValues = {};
  prober.collect(values);
  assert.equal(typeof values['latency.up'], 'number');
  assert.equal(values['loss.up'], 0);
  assert.equal(values['latency.down'], undefined, 'a failed probe has no latency, not zero');
  assert.equal(values['loss.down'], 100);
});

test('latency targets parse from strings, objects and the environment’s comma list', () => {
  assert.deepEqual(parseLatencyTargets('cu=1.2.3.4:80, ct=example.com:443'), [
    { label: 'cu', host: '1.2.3.4', port: 80 },
    { label: 'ct', host: 'example.com', port: 443 },
  ]);
  assert.deepEqual(parseLatencyTargets(['v6=[::1]:22', { label: 'cm', host: 'h', port: 8080 }]), [
    { label: 'v6', host: '::1', port: 22 },
    { label: 'cm', host: 'h', port: 8080 },
  ]);
  assert.throws(() => parseLatencyTargets('cu=host'), /label=host:port/);
  assert.throws(() => parseLatencyTargets(['a=h:1', 'a=h:2']), /used twice/);
  assert.throws(() => parseLatencyTargets(['bad label=h:1']), /letters, digits/);
  assert.throws(() => parseLatencyTargets(['a=h:70000']), /port from 1 to 65535/);
});

test('ICMP targets: parsed from "label=icmp:host" or kind "icmp"; host names only', () => {
  assert.deepEqual(
    parseLatencyTargets(['cu=icmp:www.example.cn', 'v6=icmp:[2001:db8::1]', { label: 'x', host: '127.0.0.1', kind: 'icmp' }]),
    [
      { label: 'cu', host: 'www.example.cn', port: 80, kind: 'icmp' },
      { label: 'v6', host: '2001:db8::1', port: 80, kind: 'icmp' },
      { label: 'x', host: '127.0.0.1', port: 80, kind: 'icmp' },
    ],
  );
  assert.throws(() => parseLatencyTargets(['a=icmp:-f']), /host name or IP address/);
  assert.throws(() => parseLatencyTargets([{ label: 'a', host: 'h', kind: 'udp' }]), /"tcp" or "icmp"/);
});

test('ICMP probes through the system ping (loopback); without ping they fall back to TCP', async (t) => {
  const replies = await icmpPingMs('127.0.0.1', 2000);
  assert.equal(typeof replies, 'number', 'ping installed and permitted here (.ci/run installs iputils-ping)');
  const icmp = new LatencyProber([{ label: 'lo', host: '127.0.0.1', port: 80, kind: 'icmp' }], 60_000);
  await icmp.probeAll();
  const out: MetricValues = {};
  icmp.collect(out);
  assert.ok(out['latency.lo']! >= 0 && out['latency.lo']! < 100, `latency ${out['latency.lo']}`);
  assert.equal(out['loss.lo'], 0);

  assert.equal(await icmpPingMs('127.0.0.1', 1000, '/nonexistent/ping'), 'unavailable');
  const port = await listener(t);
  const fallback = new LatencyProber([{ label: 'fb', host: '127.0.0.1', port, kind: 'icmp' }], 60_000, 2000, '/nonexistent/ping');
  await fallback.probeAll();
  const viaTcp: MetricValues = {};
  fallback.collect(viaTcp);
  assert.equal(typeof viaTcp['latency.fb'], 'number', 'measured over TCP instead');
});
