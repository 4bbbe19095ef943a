/**
 * The agent against a server that sends anything: it must never crash (under systemd a crash is a
 * restart loop), log the nonsense once, and keep working with what is valid.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { SampleBuffer } from '../../src/agent/buffer';
import { connect } from '../../src/agent/connection';
import type { Connection } from '../../src/agent/connection';
import { setLogLevel } from '../../src/util/log';
import { waitFor } from '../helpers';
import { ManualClock } from '../manual-clock';

const HOSTILE = [
  'null',
  '{"type":"welcome"}',
  '{"type":"welcome","protocol":1,"serverVersion":"x","node":"n","ignoredMetrics":"cpu"}',
  '{"type":"welcome","protocol":1,"serverVersion":"x","node":"n","ignoredMetrics":[],"ackIntervalMs":-5}',
  '{"type":"welcome","protocol":1,"serverVersion":"x","node":"n","ignoredMetrics":[],"ackIntervalMs":1e15}',
  '{"type":"ack"}',
  '{"type":"ack","seq":"1"}',
  '{"type":"error"}',
  '{"type":"error","code":{},"message":[]}',
  '[]',
  '"welcome"',
  '42',
  '{"type":"shutdown"}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
  '\u0000\uffff',
  '',
];

interface FakeServer {
  url: string;
  /** Frames the server sends before answering the next sample with its ack. */
  beforeAck: (string | Buffer)[];
  samples: number;
}

/** A server that welcomes nobody: on each sample it sends `beforeAck`, then an ack of that sample. */
async function fakeServer(t: { after(fn: () => unknown): void }): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.on('listening', r));
  t.after(() => {
    for (const ws of wss.clients) ws.terminate();
    return new Promise((r) => wss.close(r));
  });
  const fake: FakeServer = { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws/agent`, beforeAck: [], samples: 0 };
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (msg.type !== 'sample') return;
      fake.samples++;
      for (const frame of fake.beforeAck) ws.send(frame);
      ws.send(JSON.stringify({ type: 'ack', seq: msg.seq }));
    });
  });
  return fake;
}

function agentOf(t: { after(fn: () => unknown): void }, url: string): { conn: Connection; buffer: SampleBuffer; sendSample(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-hostile-'));
  const buffer = new SampleBuffer(dir);
  const conn = connect({
    url,
    key: 'k',
    intervalMs: 1000,
    buffer,
    // Time stands still: no silence timeout can reconnect during the test, however slow the machine.
    clock: new ManualClock(),
    hello: () => ({
      type: 'hello',
      protocol: 1,
      agentVersion: 'test',
      intervalMs: 1000,
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
  return {
    conn,
    buffer,
    sendSample() {
      const seq = buffer.nextSeq();
      const sample = { seq, ts: Date.now(), text: JSON.stringify({ type: 'sample', seq, ts: Date.now(), values: [1] }) };
      buffer.append(sample, Date.now());
      conn.send(sample);
    },
  };
}

/** Lines the code under test writes to stderr from now on; `stop` gives them back. */
function captureStderr(): { stop(): string[] } {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(...String(chunk).trimEnd().split('\n')), true)) as typeof process.stderr.write;
  return {
    stop() {
      process.stderr.write = original;
      return lines;
    },
  };
}

test('hostile frames from the server (null, a welcome without ignoredMetrics, bad types, binary) are logged once and ignored; acks after them still count', async (t) => {
  setLogLevel('warn');
  const fake = await fakeServer(t);
  const agent = agentOf(t, fake.url);
  await waitFor('connected', () => agent.conn.stats.connected, 5000, 5);
  fake.beforeAck = [...HOSTILE, Buffer.from([0xff, 0x00, 0x7b])];
  const log = captureStderr();
  try {
    agent.sendSample();
    await waitFor('the sample acked after the hostile frames', () => fake.samples === 1 && agent.buffer.unackedCount === 0, 5000, 5);
    agent.sendSample();
    await waitFor('a second one too', () => fake.samples === 2 && agent.buffer.unackedCount === 0, 5000, 5);
  } finally {
    const lines = log.stop().filter((l) => l.includes('not part of the protocol'));
    assert.equal(lines.length, 1, `one line for ${2 * (HOSTILE.length + 1)} bad messages:\n${lines.join('\n')}`);
    assert.match(lines[0]!, /code=PROBE_ERR_BAD_MESSAGE/);
  }
  assert.equal(agent.conn.stats.connected, true, 'the connection stays up');
});

test('property: whatever frames the server sends, the agent survives and a valid ack after them still counts', async (t) => {
  setLogLevel('error');
  const fake = await fakeServer(t);
  const agent = agentOf(t, fake.url);
  await waitFor('connected', () => agent.conn.stats.connected, 5000, 5);
  const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2 ** 31, 1e15, Number.MAX_SAFE_INTEGER + 2));
  const field = fc.oneof(
    hostileNumber,
    fc.string({ maxLength: 20 }),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.object({ maxDepth: 1 }),
  );
  const nearValid = fc.record(
    {
      type: fc.constantFrom('welcome', 'ack', 'error', 'sample', 'hello', ''),
      protocol: field,
      serverVersion: field,
      node: field,
      ignoredMetrics: fc.oneof(field, fc.array(field, { maxLength: 4 })),
      ackIntervalMs: field,
      compact: field,
      seq: field,
      code: field,
      message: field,
    },
    { requiredKeys: ['type'] },
  );
  const frame = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
    nearValid.map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(frame, { maxLength: 25 }), async (frames) => {
      fake.beforeAck = frames;
      const before = fake.samples;
      agent.sendSample();
      await waitFor('the sample acked', () => fake.samples === before + 1 && agent.buffer.unackedCount === 0, 5000, 5);
    }),
    { numRuns: 60 },
  );
  assert.equal(agent.conn.stats.connected, true);
});
