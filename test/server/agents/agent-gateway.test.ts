import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { LiveMessage, NodeView } from '../../../src/protocol/messages';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { rotateKey, removeNode } from '../../../src/server/fleet/nodes';
import { ACK_SWEEP_MS } from '../../../src/server/agents/ack-pacer';
import { getJson, waitFor } from '../../helpers';
import { TestAgent, helloAgent, helloMessage, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';
import { agentsOnClock } from '../agents-on-clock';

test('unknown, missing and malformed keys get 401 before the upgrade', async (t) => {
  const s = await startTestServer(t);
  s.addNode('a');
  for (const key of [null, 'pk_wrong', 'x'.repeat(300)]) {
    const agent = new TestAgent(s.ws, key);
    await assert.rejects(agent.opened, /HTTP 401/);
  }
  const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${s.base}/ws/agent`, {
      headers: {
        Authorization: 'Bearer nope',
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('upgrade', () => reject(new Error('upgraded with a wrong key')));
    req.on('error', reject);
    req.end();
  });
  assert.equal(refused.status, 401);
  assert.equal((JSON.parse(refused.body) as { code: string }).code, 'PROBE_ERR_AUTH');
});

test('acks by default: once per sample interval (at most 5 s) for a small fleet, every 5 s beyond it', async (t) => {
  const welcomed = async (on: TestServer, name: string, intervalMs: number) => {
    const agent = await helloAgent(t, on, name, { intervalMs });
    return agent.of('welcome')[0]!.ackIntervalMs;
  };
  const small = await startTestServer(t, {});
  assert.equal(await welcomed(small, 'fast', 2000), 2000, 'acked every interval, so it notices a silent server within two');
  assert.equal(await welcomed(small, 'slow', 60_000), 5000, 'never rarer than every 5 s');
  const large = await startTestServer(t, { autoAckMaxAgents: 1 });
  assert.equal(await welcomed(large, 'first', 2000), 2000);
  assert.equal(await welcomed(large, 'second', 2000), 5000, 'beyond the fleet size: every 5 s');
});

test('server.ackInterval sets the ack interval, and the welcome tells the agent', async (t) => {
  const s = await startTestServer(t, {}, (config) => (config.server.ackIntervalMs = 1000));
  const agent = await helloAgent(t, s, 'paced');
  assert.equal(agent.of('welcome')[0]!.ackIntervalMs, 1000);
});

test('hello, samples and acks; the node appears online in /api/nodes and on /ws/live', async (t) => {
  const s = await startTestServer(t);
  const key = s.addNode('web-1');
  const live = new WebSocket(`${s.ws}/ws/live`);
  const frames: LiveMessage[] = [];
  live.on('message', (d) => frames.push(JSON.parse(d.toString()) as LiveMessage));
  t.after(() => live.terminate());
  await waitFor('live snapshot', () => frames.find((f) => f.type === 'snapshot'));

  const agent = new TestAgent(s.ws, key);
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  await waitFor('welcome', () => agent.of('welcome')[0]);
  assert.equal(agent.of('welcome')[0]!.node, 'web-1');
  const ts = Math.floor(Date.now() / 1000) * 1000;
  agent.sample(1, [12.5, 1e9, 4e9, 0.5], ts - 1000);
  agent.sample(2, [13.5, 1e9, 4e9, 0.6], ts);
  await waitFor('ack of seq 2', () => agent.of('ack').some((a) => a.seq === 2));

  const nodes = await getJson<NodeView[]>(`${s.base}/api/nodes`);
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0]!.online, true);
  assert.equal(nodes[0]!.values.cpu, 13.5);
  assert.equal(nodes[0]!.os, 'TestOS 1');
  assert.ok(!JSON.stringify(nodes).includes('test-host'), 'hostnames never reach the public API');

  const update = await waitFor('live update with the sample', () =>
    frames.find((f) => f.type === 'update' && f.nodes.some((n) => n.values?.cpu === 13.5)),
  );
  assert.equal(update.type, 'update');

  agent.close();
  await waitFor('offline on /api/nodes', async () => !(await getJson<NodeView[]>(`${s.base}/api/nodes`))[0]!.online);
});

test('bad messages get PROBE_ERR_* errors and touch nothing else', async (t) => {
  const s = await startTestServer(t);
  const goodKey = s.addNode('good');
  const badKey = s.addNode('bad');
  const good = new TestAgent(s.ws, goodKey);
  const bad = new TestAgent(s.ws, badKey);
  t.after(() => (good.close(), bad.close()));
  await Promise.all([good.opened, bad.opened]);
  good.send(helloMessage());
  bad.send(helloMessage());

  const cases: [string, string][] = [
    ['{nope', 'PROBE_ERR_BAD_MESSAGE'],
    [JSON.stringify({ type: 'shell', cmd: 'id' }), 'PROBE_ERR_UNKNOWN_TYPE'],
    [JSON.stringify({ type: 'sample', seq: 1, ts: Date.now(), values: ['a', 'b', 'c', 'd'] }), 'PROBE_ERR_BAD_MESSAGE'],
    [JSON.stringify({ type: 'sample', seq: 1, ts: Date.now() + 86_400_000, values: [1, 2, 3, 4] }), 'PROBE_ERR_CLOCK_SKEW'],
  ];
  for (const [text, code] of cases) {
    const before = bad.of('error').length;
    bad.send(text);
    const error = await waitFor(`error for ${text.slice(0, 30)}`, () => bad.of('error')[before]);
    assert.equal(error.code, code);
  }
  bad.ws.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
  await waitFor('error for binary frame', () => bad.of('error').length === cases.length + 1);
  assert.equal(bad.ws.readyState, WebSocket.OPEN, 'a few bad messages do not cost the connection');

  const ts = Date.now();
  good.sample(1, [50, 1, 2, 3], ts - 1000);
  await waitFor('good agent still acked', () => good.of('ack').some((a) => a.seq === 1));

  bad.send(`"${'x'.repeat(70 * 1024)}"`);
  await waitFor('oversized frame closes with 1009', () => bad.closeCode === 1009);

  good.sample(2, [51, 1, 2, 3], ts);
  await waitFor('good agent acked after the other was dropped', () => good.of('ack').some((a) => a.seq === 2));
  const nodes = await getJson<NodeView[]>(`${s.base}/api/nodes`);
  assert.deepEqual(nodes.find((n) => n.name === 'bad')!.values, {}, 'nothing stored for the bad agent');
  assert.equal(nodes.find((n) => n.name === 'good')!.values.cpu, 51);
  const health = await getJson<{ status: string }>(`${s.base}/healthz`);
  assert.equal(health.status, 'ok');
});

test('ten bad messages in a row close the connection with 1008', async (t) => {
  const s = await startTestServer(t);
  const agent = new TestAgent(s.ws, s.addNode('noisy'));
  t.after(() => agent.close());
  await agent.opened;
  for (let i = 0; i < 10; i++) agent.send('garbage');
  await waitFor('policy close', () => agent.closeCode === 1008);
});

test('a second connection with the same key replaces the first', async (t) => {
  const s = await startTestServer(t);
  const key = s.addNode('dup');
  const first = new TestAgent(s.ws, key);
  await first.opened;
  const second = new TestAgent(s.ws, key);
  t.after(() => (first.close(), second.close()));
  await second.opened;
  await waitFor('first closed with 4000', () => first.closeCode === 4000);
  second.send(helloMessage());
  await waitFor('second welcomed', () => second.of('welcome').length === 1);
});

test('rotating or removing a node through the CLI path disconnects its live agent', async (t) => {
  const s = await startTestServer(t);
  const key = s.addNode('rot');
  s.addNode('gone');
  const agent = new TestAgent(s.ws, key);
  await agent.opened;
  const store = openSqliteStore(s.dataDir);
  t.after(() => store.close());
  const newKey = rotateKey(store, 'rot');
  await waitFor('old-key agent closed', () => agent.closeCode === 4001, 5000);
  await assert.rejects(new TestAgent(s.ws, key).opened, /HTTP 401/);
  const renewed = new TestAgent(s.ws, newKey);
  t.after(() => renewed.close());
  await renewed.opened;

  const goneAgentKey = s.addNode('gone-2');
  const goneAgent = new TestAgent(s.ws, goneAgentKey);
  await goneAgent.opened;
  removeNode(store, 'gone-2');
  await waitFor('removed node agent closed', () => goneAgent.closeCode === 4001, 5000);
  await waitFor(
    'removed node gone from /api/nodes',
    async () => !(await getJson<NodeView[]>(`${s.base}/api/nodes`)).some((n) => n.name === 'gone-2'),
  );
});

test('when the database falls behind, agents are told to come back (1013) and nothing is acked past what is stored', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0, maxQueued: 2 });
  const agent = await helloAgent(t, s, 'busy');
  const ts = Date.now() - 10_000;
  for (let seq = 1; seq <= 4; seq++) agent.sample(seq, [seq, 1, 1, 1], ts + seq * 1000);
  await waitFor('closed with 1013', () => agent.closeCode === 1013);
  assert.equal(agent.of('error').at(-1)!.code, 'PROBE_ERR_BUSY');
  assert.ok(
    agent.of('ack').every((a) => a.seq <= 2),
    `acks: ${JSON.stringify(agent.of('ack'))}`,
  );
});

test('behind a trusted proxy, failed authentications count per forwarded client address', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => (config.server.trustProxy = true));
  const key = s.addNode('behind-proxy');
  const attempt = (k: string, forwardedFor: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.ws}/ws/agent`, {
        headers: { Authorization: `Bearer ${k}`, 'X-Forwarded-For': `203.0.113.9, ${forwardedFor}` },
      });
      ws.on('open', () => (ws.terminate(), resolve(101)));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => undefined);
    });
  const statuses = await Promise.all(Array.from({ length: 21 }, (_, i) => attempt(`pk_guess-${i}`, '198.51.100.7')));
  assert.ok(statuses.every((x) => x === 401 || x === 429));
  assert.equal(await attempt('pk_one-more', '198.51.100.7'), 429, 'the guessing client is refused');
  assert.equal(await attempt('pk_one-more', '198.51.100.8'), 401, 'another client behind the same proxy is not');
  assert.equal(await attempt(key, '198.51.100.7'), 101, 'a valid key always gets in');
});

test('bad keys from one address never refuse valid keys from it (a NAT or a proxy in front of many agents); the bad ones stay refused', async (t) => {
  const s = await startTestServer(t);
  const key = s.addNode('behind-nat');
  const status = (agent: TestAgent) =>
    agent.opened.then(
      () => (agent.close(), 101),
      (err: Error) => Number(/HTTP (\d+)/.exec(err.message)?.[1]),
    );
  const guesses = await Promise.all(Array.from({ length: 22 }, (_, i) => status(new TestAgent(s.ws, `pk_guess-${i}`, '127.0.0.2'))));
  assert.ok(
    guesses.every((x) => x === 401 || x === 429),
    guesses.join(' '),
  );
  assert.equal(await status(new TestAgent(s.ws, 'pk_another', '127.0.0.2')), 429);
  assert.equal(await status(new TestAgent(s.ws, key, '127.0.0.2')), 101, 'the valid key from the same address');
  assert.equal(
    await status(new TestAgent(s.ws, 'pk_after-a-valid-one', '127.0.0.2')),
    429,
    'a valid key does not clear the count of bad ones',
  );
  assert.equal(await status(new TestAgent(s.ws, 'pk_elsewhere', '127.0.0.3')), 401);
});

test('acks on the clock: the first at once, then at most one per interval, naming the highest committed seq', async (t) => {
  const g = await agentsOnClock(t, { ackIntervalMs: 1000 });
  const agent = await g.connect('acked');
  agent.sample(1, [1, 1, 1, 1]);
  await g.commit(1);
  await waitFor('the first ack, at once', () => agent.of('ack').length === 1);
  agent.sample(2, [2, 1, 1, 1]);
  agent.sample(3, [3, 1, 1, 1]);
  await g.received(2);
  await g.clock.advance(900);
  assert.equal(await g.probe(agent), true);
  assert.equal(agent.of('ack').length, 1, 'committed 900 ms after the first ack: held');
  await g.clock.advance(100 + ACK_SWEEP_MS);
  await waitFor('one coalesced ack', () => agent.of('ack').length === 2);
  assert.deepEqual(
    agent.of('ack').map((a) => a.seq),
    [1, 3],
  );
});

test('samples are the heartbeat: an agent silent for two intervals is cut, its held ack first, and its node shown offline; one that talks stays', async (t) => {
  const g = await agentsOnClock(t, { ackIntervalMs: 5000, helloGraceMs: 0 });
  const agent = await g.connect('quiet-1', { intervalMs: 500 });
  const id = g.store.listNodes().find((n) => n.name === 'quiet-1')!.id;
  agent.sample(1, [1, 2, 3, 4]);
  await g.commit(1);
  agent.sample(2, [1, 2, 3, 4]); // stored, its ack held back until the cut
  await g.commit(1);
  assert.equal(g.hub.view(id)?.online, true);
  await g.clock.advance(1900);
  assert.equal(await g.probe(agent), true, 'not cut within two intervals and the slack');
  // The socket stays open (TCP is fine) but nothing comes: a hung agent or a half-dead link.
  await g.clock.advance(3000);
  await waitFor('cut', () => agent.closeCode !== null);
  assert.equal(agent.of('ack').at(-1)?.seq, 2, 'the held-back ack is sent before the cut');
  await waitFor('offline', () => g.hub.view(id)?.online === false);

  const talker = await g.connect('talker-1', { intervalMs: 500 });
  for (let seq = 1; seq <= 8; seq++) {
    talker.sample(seq, [1, 2, 3, 4]);
    assert.equal(await g.probe(talker), true, `open after ${seq} samples 400 ms apart`);
    await g.clock.advance(400);
  }
});

test('just after hello an agent is not cut for silence (a fleet reconnecting at once is read late), and is after the grace', async (t) => {
  const g = await agentsOnClock(t, { ackIntervalMs: 5000, helloGraceMs: 3000 });
  const agent = await g.connect('slow-start', { intervalMs: 200 });
  await g.clock.advance(2500);
  assert.equal(await g.probe(agent), true, 'silent 2.5 s, two intervals are 400 ms: within the grace');
  await g.clock.advance(2000);
  await waitFor('cut after the grace', () => agent.closeCode !== null);
});
