/**
 * The bad-input battery against the real server on loopback: raw sockets sending what no agent
 * should (truncated, huge, binary and non-UTF-8 frames, garbage instead of HTTP, slow headers,
 * hostile numbers, skewed clocks, replays, key guessing, floods). After each, another agent is
 * still served and the database passes SQLite's integrity check.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { HistoryAnswer } from '../../src/protocol/history';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { getJson, waitFor } from '../helpers';
import { SCHEMA, TestAgent, helloMessage, startTestServer } from './test-server';
import type { TestServer } from './test-server';

/** A client frame (always masked) with any opcode, claimed length and payload. */
function frame(opcode: number, payload: Buffer, claimedLength = payload.length): Buffer {
  const mask = randomBytes(4);
  let header: Buffer;
  if (claimedLength < 126) header = Buffer.from([0x80 | opcode, 0x80 | claimedLength]);
  else if (claimedLength < 65536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(claimedLength, 2);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(claimedLength), 2);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
  }
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([header, mask, masked]);
}

/** Opens a raw socket, upgrades it with `key`, and returns it with everything it receives. */
async function rawAgent(port: number, key: string): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /ws/agent HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
  );
  await waitFor('101', () => Buffer.concat(chunks).toString('latin1').startsWith('HTTP/1.1 101'));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** The close code in a server close frame among the bytes after the 101 answer. */
function closeCode(bytes: Buffer): number | null {
  const start = bytes.indexOf('\r\n\r\n') + 4;
  for (let i = start; i < bytes.length - 3; ) {
    const opcode = bytes[i]! & 0x0f;
    let len = bytes[i + 1]! & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    }
    if (opcode === 0x8) return bytes.readUInt16BE(at);
    i = at + len;
  }
  return null;
}

/** Another agent on another loopback address still gets its sample acked, and the database is sound. */
async function stillServes(s: TestServer, key: string, seq: number): Promise<void> {
  const agent = new TestAgent(s.ws, key, '127.0.0.2');
  await agent.opened;
  agent.send(helloMessage());
  agent.sample(seq, [1, 2, 3, 4]);
  await waitFor('ack for the healthy agent', () => agent.of('ack').some((a) => a.seq === seq));
  agent.close();
  const check = openSqliteStore(s.dataDir);
  try {
    assert.deepEqual(check.integrityCheck(), []);
  } finally {
    check.close();
  }
}

test('the bad-input battery: the server survives each and keeps serving', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0, headersTimeoutMs: 1000 });
  const port = Number(new URL(s.base).port);
  const healthy = s.addNode('healthy');
  const victimKey = s.addNode('victim');
  let seq = 0;

  await t.test('a truncated frame, then the connection drops', async () => {
    const raw = await rawAgent(port, victimKey);
    raw.socket.end(frame(0x1, Buffer.from('{"type":"hello"')).subarray(0, 9));
    await raw.closed;
    await stillServes(s, healthy, ++seq);
  });

  await t.test('a frame claiming 10 MB is refused with 1009 before it is read', async () => {
    const raw = await rawAgent(port, victimKey);
    raw.socket.write(frame(0x1, Buffer.alloc(16), 10 * 1024 * 1024).subarray(0, 30));
    await raw.closed;
    assert.equal(closeCode(raw.received()), 1009);
    await stillServes(s, healthy, ++seq);
  });

  await t.test('binary frames and invalid UTF-8', async () => {
    const binary = await rawAgent(port, victimKey);
    binary.socket.write(frame(0x2, randomBytes(200)));
    await waitFor('an error answer', () => binary.received().includes('PROBE_ERR_BAD_MESSAGE'));
    binary.socket.destroy();
    const utf8 = await rawAgent(port, victimKey);
    utf8.socket.write(frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    await utf8.closed;
    assert.equal(closeCode(utf8.received()), 1007);
    await stillServes(s, healthy, ++seq);
  });

  await t.test('garbage instead of HTTP gets 400 and a closed socket', async () => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c) => (answer += c.toString('latin1')));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(randomBytes(4096));
    await new Promise((resolve) => socket.on('close', resolve));
    assert.match(answer, /^HTTP\/1\.1 400/);
    await stillServes(s, healthy, ++seq);
  });

  await t.test('slow-loris: headers that never finish are cut after the headers timeout', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.write('X-A: b\r\n'), 200);
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(drip);
    // Well under the 30 s request timeout, which would cut it too: a bound with room for a loaded machine.
    assert.ok(Date.now() - started < 20_000, `cut after ${Date.now() - started} ms`);
    await stillServes(s, healthy, ++seq);
  });

  await t.test('deep nesting, hostile numbers, skewed clocks and replays', async () => {
    const agent = new TestAgent(s.ws, victimKey);
    await agent.opened;
    agent.send(helloMessage());
    agent.send(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`); // 60 KB, under the size limit
    await waitFor('nesting refused', () => agent.of('error').length >= 1);
    assert.match(agent.of('error')[0]!.code, /^PROBE_ERR_(BAD_MESSAGE|UNKNOWN_TYPE)$/);
    agent.send('{"type":"sample","seq":1,"ts":1,"values":[NaN,1,2,3]}');
    // biome-ignore lint/correctness/noPrecisionLoss: 1e999 is the point: a number JSON cannot hold
    agent.send(JSON.stringify({ type: 'sample', seq: 2, ts: Date.now(), values: [1e999, 1, 2, 3] }).replace('null', '1e999'));
    agent.send(JSON.stringify({ type: 'sample', seq: 3, ts: Date.now() + 86_400_000, values: [1, 2, 3, 4] }));
    agent.send(JSON.stringify({ type: 'sample', seq: 4, ts: Date.now() - 3 * 366 * 86_400_000, values: [1, 2, 3, 4] }));
    await waitFor('four more refusals', () => agent.of('error').length >= 5);
    assert.deepEqual(
      agent
        .of('error')
        .slice(1)
        .map((e) => e.code),
      ['PROBE_ERR_BAD_MESSAGE', 'PROBE_ERR_BAD_MESSAGE', 'PROBE_ERR_CLOCK_SKEW', 'PROBE_ERR_CLOCK_SKEW'],
    );
    const ts = Math.floor(Date.now() / 1000) * 1000 - 5000;
    agent.sample(9, [1, 1e308, 1, 1], ts);
    await waitFor('out of range refused', () => agent.of('error').length >= 6);
    assert.match(agent.of('error')[5]!.message, /out of range/);
    agent.sample(10, [-5, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2], ts);
    agent.sample(10, [99, 99, 99, 99], ts); // a replay: same seq, same time
    agent.sample(11, [7, 1, 1, 1], ts + 1000);
    await waitFor('acked', () => agent.of('ack').some((a) => a.seq === 11));
    agent.close();
    const history = await getJson<HistoryAnswer>(
      `${s.base}/api/nodes/2/history?from=${ts - 1}&to=${ts + 1500}&metrics=${SCHEMA.join(',')}`,
    );
    const cpu = (history.cpu as (number | null)[]).filter((v) => v !== null);
    assert.deepEqual(cpu, [-5, 7], 'the first of two samples at the same time is kept');
    assert.deepEqual(
      (history.memUsedBytes as (number | null)[]).filter((v) => v !== null),
      [1e300, 1],
      'huge numbers round-trip',
    );
    assert.deepEqual(
      (history.memTotalBytes as (number | null)[]).filter((v) => v !== null),
      [-1e300, 1],
    );
    await stillServes(s, healthy, ++seq);
  });

  await t.test('a flood of messages closes that connection with 1008', async () => {
    const agent = new TestAgent(s.ws, victimKey);
    await agent.opened;
    agent.send(helloMessage());
    const base = Date.now() - 60 * 60_000;
    // Past the burst (4000) faster than the server can refill it, even on a loaded machine.
    for (let i = 0; i < 20_000 && agent.closeCode === null; i++) agent.sample(1000 + i, [1, 2, 3, 4], base + i);
    await waitFor('closed', () => agent.closeCode !== null, 30_000);
    assert.equal(agent.closeCode, 1008);
    assert.ok(agent.of('error').some((e) => e.code === 'PROBE_ERR_RATE'));
    await stillServes(s, healthy, ++seq);
  });

  await t.test('key guessing from one address is slowed, then refused; valid keys from it are not', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 26 }, async (_, i) => {
        const guess = new TestAgent(s.ws, `pk_guess-${i}`);
        try {
          await guess.opened;
          return 101;
        } catch (err) {
          return Number(/HTTP (\d+)/.exec((err as Error).message)?.[1]);
        }
      }),
    );
    assert.ok(!statuses.includes(101));
    assert.ok(statuses.filter((x) => x === 401).length >= 19, `401s: ${statuses.join(' ')}`);
    await assert.rejects(new TestAgent(s.ws, 'pk_guess-late').opened, /HTTP 429/, 'another bad key from that address waits out the block');
    const later = new TestAgent(s.ws, victimKey);
    await later.opened;
    later.close();
    await stillServes(s, healthy, ++seq);
  });
});

test('WebSocket connection attempts are limited per client address (the burst fits a NAT of agents); loopback is exempt', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.server.trustProxy = true;
  });
  const attempt = (from?: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.ws}/ws/live`, { headers: from ? { 'X-Forwarded-For': from } : {} });
      ws.on('open', () => (ws.terminate(), resolve(101)));
      ws.on('unexpected-response', (_req, res) => (res.resume(), resolve(res.statusCode ?? 0)));
      ws.on('error', () => undefined);
    });
  // All at once: one by one on a loaded machine, the bucket refills (5/s) between attempts. Twice the
  // burst: 80 took long enough in a fresh-clone CI run for 8 refills (68 served, 12 refused).
  const flood = await Promise.all(Array.from({ length: 120 }, () => attempt('203.0.113.9')));
  assert.ok(flood.filter((x) => x === 101).length >= 60, `the burst is served: ${flood.join(' ')}`);
  assert.ok(flood.filter((x) => x === 429).length >= 15, `then refused: ${flood.join(' ')}`);
  assert.equal(await attempt('203.0.113.10'), 101, 'another address is not affected');
  for (let i = 0; i < 80; i++) assert.equal(await attempt(), 101, 'loopback is never limited');
});
