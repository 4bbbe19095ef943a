import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_CAP_MS, backoffDelay } from '../../src/agent/backoff';
import { agentEndpoint } from '../../src/agent/connection';

test('agentEndpoint accepts what people type', () => {
  assert.equal(agentEndpoint('ws://127.0.0.1:8080'), 'ws://127.0.0.1:8080/ws/agent');
  assert.equal(agentEndpoint('https://status.example.com'), 'wss://status.example.com/ws/agent');
  assert.equal(agentEndpoint('http://example.com:8080/'), 'ws://example.com:8080/ws/agent');
  assert.equal(agentEndpoint('example.com:8080'), 'ws://example.com:8080/ws/agent');
  assert.equal(agentEndpoint('wss://example.com/probe/ws/agent'), 'wss://example.com/probe/ws/agent', 'a path behind a proxy is kept');
});

test('backoff grows exponentially with jitter and is capped at 30 s', () => {
  assert.equal(backoffDelay(0, 0), 500);
  assert.equal(backoffDelay(0, 0.999999), 1000);
  assert.equal(backoffDelay(3, 0), 4000);
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const r of [0, 0.5, 0.999]) {
      const d = backoffDelay(attempt, r);
      assert.ok(d > 0 && d <= BACKOFF_CAP_MS, `attempt ${attempt}: ${d}`);
    }
  }
  assert.ok(backoffDelay(20, 0) >= BACKOFF_CAP_MS / 2, 'jitter never drops below half the cap');
});

test('a server that goes silent (a dead link that never closes) is given up on and reconnected to', async (t) => {
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { WebSocketServer } = await import('ws');
  const { connect, silenceTimeout } = await import('../../src/agent/connection');
  const { SampleBuffer } = await import('../../src/agent/buffer');
  assert.equal(silenceTimeout(5000, 1000), 6000, 'fast samples: one ack interval plus one sample interval');
  assert.equal(silenceTimeout(5000, 10_000), 20_000, 'slow samples are each acked: two intervals');

  // A server that welcomes the agent, acks nothing, and keeps the TCP connection open.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.on('listening', r));
  t.after(() => wss.close());
  const connections: number[] = [];
  wss.on('connection', (ws) => {
    connections.push(Date.now());
    ws.once('message', () => ws.send(JSON.stringify({ type: 'welcome', protocol: 1, serverVersion: 'test', node: 'n', ignoredMetrics: [], ackIntervalMs: 300, compact: false })));
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-silence-'));
  const { port } = wss.address() as { port: number };
  const conn = connect({
    url: `ws://127.0.0.1:${port}/ws/agent`,
    key: 'k',
    intervalMs: 200,
    buffer: new SampleBuffer(dir),
    hello: () => ({ type: 'hello', protocol: 1, agentVersion: 'test', intervalMs: 200, metrics: ['cpu'], host: { hostname: 'h', os: 'o', kernel: 'k', arch: 'x64', cpuModel: 'c', cores: 1, bootTime: 0 } }),
    random: () => 0,
  });
  t.after(() => conn.close());
  const deadline = Date.now() + 5000;
  while (connections.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(connections.length, 2, 'the agent came back on a new connection');
  const gap = connections[1]! - connections[0]!;
  // Silent for max(300, 200) + 200 ms after the welcome, then the first backoff (500 ms with random 0).
  assert.ok(gap >= 900 && gap < 2500, `reconnected ${gap} ms after the first connection`);
});

test('a spent metric name budget (PROBE_ERR_METRIC_BUDGET) is logged once per agent run, however often the server tells it', async (t) => {
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { WebSocketServer } = await import('ws');
  const { connect } = await import('../../src/agent/connection');
  const { SampleBuffer } = await import('../../src/agent/buffer');
  // A server that tells every connection twice, then closes it: the agent reconnects and hears it again.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.on('listening', r));
  t.after(() => wss.close());
  let connections = 0;
  const budget = JSON.stringify({ type: 'error', code: 'PROBE_ERR_METRIC_BUDGET', message: 'this node has stored 1000 metric names, its budget' });
  wss.on('connection', (ws) => {
    connections++;
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'welcome', protocol: 1, serverVersion: 'test', node: 'n', ignoredMetrics: [], ackIntervalMs: 5000, compact: false }));
      ws.send(budget);
      ws.send(budget);
      ws.send(JSON.stringify({ type: 'error', code: 'PROBE_ERR_CLOCK_SKEW', message: 'other errors are still logged each time' }));
      setTimeout(() => ws.close(), 50);
    });
  });
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  t.after(() => (process.stderr.write = write));
  const { port } = wss.address() as { port: number };
  const conn = connect({
    url: `ws://127.0.0.1:${port}/ws/agent`,
    key: 'k',
    intervalMs: 1000,
    buffer: new SampleBuffer(mkdtempSync(path.join(os.tmpdir(), 'probe-budget-'))),
    hello: () => ({ type: 'hello', protocol: 1, agentVersion: 'test', intervalMs: 1000, metrics: ['cpu'], host: { hostname: 'h', os: 'o', kernel: 'k', arch: 'x64', cpuModel: 'c', cores: 1, bootTime: 0 } }),
    random: () => 0,
  });
  t.after(() => conn.close());
  const deadline = Date.now() + 5000;
  while (connections < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  process.stderr.write = write;
  assert.ok(connections >= 3, `the agent reconnected (${connections} connections)`);
  assert.equal(lines.filter((l) => l.includes('PROBE_ERR_METRIC_BUDGET')).length, 1, lines.join(''));
  assert.ok(lines.filter((l) => l.includes('PROBE_ERR_CLOCK_SKEW')).length >= 3, 'other errors are logged as before');
});
