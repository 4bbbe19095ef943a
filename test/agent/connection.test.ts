/**
 * The WebSocket adapter against a real ws server on port 0, with the session's timers on a manual
 * clock: the test waits only for the network, never for the timers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFile, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { BACKOFF_CAP_MS, backoffDelay } from '../../src/agent/backoff';
import { SampleBuffer } from '../../src/agent/buffer';
import { agentEndpoint, connect } from '../../src/agent/connection';
import type { Connection } from '../../src/agent/connection';
import { setLogLevel } from '../../src/util/log';
import { FIXTURES, waitFor } from '../helpers';
import { ManualClock } from '../manual-clock';

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

/** A ws server on port 0 that calls `onAgent` for each connection; `tls`: over HTTPS, with the test certificate (localhost). */
async function server(t: TestContext, onAgent: (ws: WebSocket) => void, tls = false): Promise<string> {
  const https_ = tls
    ? https.createServer({
        cert: readFileSync(path.join(FIXTURES, 'tls/cert-a.pem')),
        key: readFileSync(path.join(FIXTURES, 'tls/key-a.pem')),
      })
    : null;
  const wss = https_ ? new WebSocketServer({ server: https_ }) : new WebSocketServer({ host: '127.0.0.1', port: 0 });
  if (https_) await new Promise<void>((r) => https_.listen(0, '127.0.0.1', r));
  else await new Promise((r) => wss.on('listening', r));
  t.after(() => {
    for (const ws of wss.clients) ws.terminate();
    return new Promise((r) => wss.close(() => (https_ ? https_.close(r) : r(undefined))));
  });
  wss.on('connection', onAgent);
  const port = ((https_ ?? wss).address() as { port: number }).port;
  return tls ? `wss://localhost:${port}/ws/agent` : `ws://127.0.0.1:${port}/ws/agent`;
}

/** An agent's connection to `url` on `clock`, with its buffer on disk (the test stores what it sends there). */
function agent(t: TestContext, url: string, clock: ManualClock, intervalMs: number): { conn: Connection; buffer: SampleBuffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-connection-'));
  const buffer = new SampleBuffer(dir);
  const conn = connect({
    url,
    key: 'k',
    intervalMs,
    buffer,
    clock,
    ...(url.startsWith('wss:') ? { ca: readFileSync(path.join(FIXTURES, 'tls/cert-a.pem')) } : {}),
    hello: () => ({
      type: 'hello',
      protocol: 1,
      agentVersion: 'test',
      intervalMs,
      metrics: ['cpu'],
      host: { hostname: 'h', os: 'o', kernel: 'k', arch: 'x64', cpuModel: 'c', cores: 1, bootTime: 0 },
    }),
    random: () => 0,
  });
  t.after(() => {
    conn.close();
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { conn, buffer };
}

/** A live sample stored in `buffer` and handed to `conn`, as the agent's scheduler does; its seq. */
function sendSample(conn: Connection, buffer: SampleBuffer, clock: ManualClock): number {
  const seq = buffer.nextSeq();
  const sample = { seq, ts: clock.now(), text: JSON.stringify({ type: 'sample', seq, ts: clock.now(), values: [seq] }) };
  buffer.append(sample, clock.now());
  conn.send(sample);
  return seq;
}

/** Lines the code under test writes to stderr until the test ends. */
function captureStderr(t: TestContext): string[] {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  t.after(() => (process.stderr.write = write));
  return lines;
}

const welcome = (ackIntervalMs: number) =>
  JSON.stringify({ type: 'welcome', protocol: 1, serverVersion: 'test', node: 'n', ignoredMetrics: [], ackIntervalMs, compact: false });

test('a server that goes silent (a dead link that never closes) is given up on after silenceTimeout and reconnected to', async (t) => {
  setLogLevel('info');
  const lines = captureStderr(t);
  const clock = new ManualClock();
  // A server that welcomes the agent, acks nothing, and keeps the TCP connection open.
  const connections: number[] = [];
  const url = await server(t, (ws) => {
    connections.push(clock.now());
    ws.once('message', () => ws.send(welcome(300)));
  });
  const { conn } = agent(t, url, clock, 200);
  await waitFor('the welcome', () => lines.some((l) => l.includes('connected to server')), 5000, 5);
  // Silent for max(300, 200) + 200 ms after the welcome.
  await clock.advance(500);
  await waitFor('the dead link dropped', () => !conn.stats.connected, 5000, 5);
  assert.equal(connections.length, 1);
  // Then the first backoff: 500 ms with random 0.
  await clock.advance(500);
  await waitFor('a new connection', () => connections.length === 2, 5000, 5);
  assert.deepEqual(
    connections.map((at) => at - connections[0]!),
    [0, 1000],
    'silence 500 ms, then backoff 500 ms, on the clock',
  );
  assert.ok(
    lines.some((l) => l.includes('no word from the server; reconnecting afterMs=500')),
    lines.join(''),
  );
});

test('a spent metric name budget (PROBE_ERR_METRIC_BUDGET) is logged once per agent run, however often the server tells it', async (t) => {
  setLogLevel('info');
  const lines = captureStderr(t);
  const clock = new ManualClock();
  // A server that tells every connection twice, then closes it: the agent reconnects and hears it again.
  let connections = 0;
  const budget = JSON.stringify({
    type: 'error',
    code: 'PROBE_ERR_METRIC_BUDGET',
    message: 'this node has stored 1000 metric names, its budget',
  });
  const url = await server(t, (ws) => {
    connections++;
    ws.once('message', () => {
      ws.send(welcome(5000));
      ws.send(budget);
      ws.send(budget);
      ws.send(JSON.stringify({ type: 'error', code: 'PROBE_ERR_CLOCK_SKEW', message: 'other errors are still logged each time' }));
      ws.close();
    });
  });
  const { conn } = agent(t, url, clock, 1000);
  const skews = () => lines.filter((l) => l.includes('PROBE_ERR_CLOCK_SKEW')).length;
  for (let n = 1; n <= 3; n++) {
    await waitFor(`connection ${n} told and closed`, () => connections === n && skews() === n && !conn.stats.connected, 5000, 5);
    await clock.advance(500);
  }
  assert.equal(lines.filter((l) => l.includes('PROBE_ERR_METRIC_BUDGET')).length, 1, lines.join(''));
});

for (const tls of [false, true])
  test(`a steady agent reads its socket only when it sends: an ack that comes between two samples is read with the second (${tls ? 'wss' : 'ws'})`, async (t) => {
    setLogLevel('info');
    const lines = captureStderr(t);
    const clock = new ManualClock();
    let acksSent = 0;
    let closed: number | null = null;
    // A server that acks each sample 200 ms after it came, as a real one acks after its commit.
    const url = await server(
      t,
      (ws) => {
        ws.once('message', () => {
          ws.send(welcome(1000));
          ws.on('message', (data) => {
            const { seq } = JSON.parse(data.toString()) as { seq: number };
            setTimeout(() => ws.send(JSON.stringify({ type: 'ack', seq }), () => acksSent++), 200);
          });
        });
        ws.on('close', (code) => (closed = code));
      },
      tls,
    );
    const { conn, buffer } = agent(t, url, clock, 1000);
    await waitFor('the welcome', () => lines.some((l) => l.includes('connected to server')), 5000, 5);
    await clock.advance(0); // backfill finds nothing: the link is steady
    const send = () => sendSample(conn, buffer, clock);
    const first = send();
    await waitFor('the first ack sent', () => acksSent === 1, 5000, 5);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(buffer.isAcked(first), false, 'the ack waits in the socket, unread');
    // Sent from an I/O callback, as a sample could be: its read still polls the socket.
    const second = await new Promise<number>((resolve) => readFile(import.meta.filename, () => resolve(send())));
    await waitFor('the first ack read with the second sample', () => buffer.isAcked(first), 5000, 5);
    assert.equal(buffer.isAcked(second), false);
    await waitFor('the second ack sent', () => acksSent === 2, 5000, 5);
    // Resting, the agent still closes with a handshake: it reads the server's answer to its close.
    conn.close();
    await waitFor('the server to see the agent close', () => closed !== null, 5000, 5);
    assert.equal(closed, 1000);
  });

test('a resting agent reads its socket before it gives up on a silent server: an ack waiting there keeps the link', async (t) => {
  setLogLevel('info');
  const lines = captureStderr(t);
  const clock = new ManualClock();
  let acksSent = 0;
  // Welcomes (silence after max(300, 200) + 200 = 500 ms), acks the first sample 100 ms after it, then says nothing.
  const url = await server(t, (ws) => {
    ws.once('message', () => {
      ws.send(welcome(300));
      ws.once('message', (data) => {
        const { seq } = JSON.parse(data.toString()) as { seq: number };
        setTimeout(() => ws.send(JSON.stringify({ type: 'ack', seq }), () => acksSent++), 100);
      });
    });
  });
  const { conn, buffer } = agent(t, url, clock, 200);
  await waitFor('the welcome', () => lines.some((l) => l.includes('connected to server')), 5000, 5);
  await clock.advance(0); // backfill finds nothing: the link is steady
  const seq = sendSample(conn, buffer, clock);
  await waitFor('the ack sent', () => acksSent === 1, 5000, 5);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(buffer.isAcked(seq), false, 'resting: the ack is not read yet');
  await clock.advance(500);
  await waitFor('the ack read when the silence timer came', () => buffer.isAcked(seq), 5000, 5);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(conn.stats.connected, 'the link is kept');
  assert.ok(!lines.some((l) => l.includes('no word from the server')), lines.join(''));
  // Nothing more from the server: 500 ms after that ack, the link is given up on.
  await clock.advance(500);
  await waitFor('the silent link dropped', () => !conn.stats.connected, 5000, 5);
  assert.ok(
    lines.some((l) => l.includes('no word from the server; reconnecting afterMs=500')),
    lines.join(''),
  );
});
