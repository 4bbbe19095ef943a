/**
 * What guests can read over HTTP and /ws/live: hidden nodes nowhere, hostnames only when the config
 * says so, /api/summary totals, the page settings embedded in index.html safely, and monthly traffic
 * that survives a restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { LiveMessage, NodeView, Summary } from '../../../src/protocol/messages';
import { alertsView } from '../../../src/server/http/alerts-view';
import { renderIndex } from '../../../src/server/http/assets';
import { Hub } from '../../../src/server/fleet/hub';
import { getJson, waitFor } from '../../helpers';
import { TestAgent, helloMessage, startTestServer } from '../test-server';
import { nodeRecord } from '../node-record';

const SCHEMA = ['cpu', 'netRxBytesPerSec', 'netTxBytesPerSec', 'netRxBytesTotal', 'netTxBytesTotal'];

async function report(ws: string, key: string, rows: number[][]): Promise<TestAgent> {
  const agent = new TestAgent(ws, key);
  await agent.opened;
  agent.send({ ...helloMessage(), metrics: SCHEMA });
  const now = Date.now() - rows.length * 1000;
  rows.forEach((values, i) => agent.sample(i + 1, values, now + i * 1000));
  await waitFor('acked', () => agent.of('ack').some((a) => a.seq === rows.length));
  return agent;
}

test('guests never see hidden nodes, on any API or the live feed', async (t) => {
  const srv = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.nodes = { secret: { hidden: true, trafficResetDay: 1, notes: null } };
    config.page.showHostnames = false;
  });
  const shown = await report(srv.ws, srv.addNode('shown'), [
    [10, 100, 50, 1000, 500],
    [30, 300, 150, 4000, 1500],
  ]);
  const secret = await report(srv.ws, srv.addNode('secret'), [[90, 1, 1, 0, 0]]);
  t.after(() => (shown.close(), secret.close()));
  await waitFor('both online', async () => (await getJson<Summary>(`${srv.base}/api/summary`)).online === 1);

  const nodes = await getJson<NodeView[]>(`${srv.base}/api/nodes`);
  assert.deepEqual(
    nodes.map((n) => n.name),
    ['shown'],
  );
  assert.equal(nodes[0]!.hostname, undefined, 'no hostname unless page.showHostnames');
  assert.ok(!JSON.stringify(nodes).includes('test-host'));
  assert.deepEqual([nodes[0]!.monthRxBytes, nodes[0]!.monthTxBytes], [3000, 1000], 'traffic: growth of the since-boot counters');

  const summary = await getJson<Summary>(`${srv.base}/api/summary`);
  assert.deepEqual(
    { ...summary, ts: 0 },
    { nodes: 1, online: 1, offline: 0, rxBytesPerSec: 300, txBytesPerSec: 150, monthRxBytes: 3000, monthTxBytes: 1000, cpuAvg: 30, ts: 0 },
  );

  const secretId = 2; // ids follow the order nodes were added
  const history = await fetch(`${srv.base}/api/nodes/${secretId}/history?range=1h`);
  assert.equal(history.status, 404, 'a hidden node has no public history');
  const metrics = await (await fetch(`${srv.base}/metrics`)).text();
  assert.match(metrics, /node="shown"/);
  assert.doesNotMatch(metrics, /secret/);

  const live = new WebSocket(`${srv.ws}/ws/live`);
  const frames: LiveMessage[] = [];
  live.on('message', (d) => frames.push(JSON.parse(d.toString()) as LiveMessage));
  t.after(() => live.terminate());
  await waitFor('snapshot', () => frames.length > 0);
  secret.sample(2, [95, 1, 1, 0, 0]);
  shown.sample(3, [40, 1, 1, 5000, 2000]);
  await waitFor('the shown node’s update', () => frames.some((f) => f.type === 'update' && f.nodes.some((n) => n.values?.cpu === 40)));
  assert.ok(!JSON.stringify(frames).includes('secret'), 'not in the snapshot');
  assert.ok(
    frames.every((f) => f.type !== 'update' || f.nodes.every((n) => n.id !== secretId)),
    'no update of the hidden node',
  );
});

test('hostnames reach the page only with page.showHostnames', async (t) => {
  // What the page can read of a node: the API and the live feed's snapshot.
  const seen = async (showHostnames: boolean | undefined) => {
    const srv = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
      if (showHostnames !== undefined) config.page.showHostnames = showHostnames;
    });
    const agent = await report(srv.ws, srv.addNode('named'), [[1, 1, 1, 1, 1]]);
    t.after(() => agent.close());
    const nodes = await getJson<NodeView[]>(`${srv.base}/api/nodes`);
    const live = new WebSocket(`${srv.ws}/ws/live`);
    t.after(() => live.terminate());
    const snapshot = await new Promise<string>((resolve) => live.once('message', (d) => resolve(d.toString())));
    return { api: nodes[0]!.hostname, live: snapshot.includes('test-host') };
  };
  assert.deepEqual(await seen(true), { api: 'test-host', live: true });
  assert.deepEqual(await seen(false), { api: undefined, live: false }, 'turned off: on no route');
  assert.deepEqual(await seen(undefined), { api: undefined, live: false }, 'off unless the config turns it on');
});

test('index.html carries the page settings as inert, escaped JSON', () => {
  const html = renderIndex(
    '<title>%TITLE%</title><meta content="%DESCRIPTION%"><script type="application/json" id="page-info">%PAGE_INFO%</script>',
    {
      title: 'A & <B>',
      description: '"quoted"',
      links: [{ label: '</script><script>alert(1)</script>', url: 'https://example.com' }],
      version: '1',
      alerts: 'firing',
    },
  );
  assert.match(html, /<title>A &#38; &#60;B&#62;<\/title>/);
  assert.match(html, /content="&#34;quoted&#34;"/);
  assert.equal(html.match(/<\/script>/g)!.length, 1, 'a link label cannot close the data block');
  const json = /id="page-info">(.*)<\/script>/.exec(html)![1]!;
  assert.equal(JSON.parse(json).links[0].label, '</script><script>alert(1)</script>');
});

test('monthly traffic survives a server restart', async (t) => {
  const srv = await startTestServer(t);
  const key = srv.addNode('counted');
  const agent = await report(srv.ws, key, [
    [1, 0, 0, 1000, 100],
    [1, 0, 0, 3000, 300],
  ]);
  agent.close();
  await srv.server.close();
  const again = await startTestServer(t, { ackIntervalMs: 0 }, (config) => (config.server.data = srv.dataDir));
  const next = new TestAgent(again.ws, key);
  await next.opened;
  t.after(() => next.close());
  next.send({ ...helloMessage(), metrics: SCHEMA });
  next.sample(3, [1, 0, 0, 10_000, 1000]);
  await waitFor('counted after restart', async () => (await getJson<NodeView[]>(`${again.base}/api/nodes`))[0]!.monthRxBytes === 9000);
  assert.equal((await getJson<NodeView[]>(`${again.base}/api/nodes`))[0]!.monthTxBytes, 900);
});

test('GET /api/alerts shows guests only what page.alerts allows, never hidden nodes', () => {
  const hub = new Hub([nodeRecord(1, 'web'), nodeRecord(2, 'secret')], {
    settings: { secret: { hidden: true, trafficResetDay: 1, notes: null } },
  });
  const firing = [
    { rule: 'hot', nodeId: 1, severity: 'warning' as const, since: 5, silenced: false },
    { rule: 'hot', nodeId: 2, severity: 'warning' as const, since: 6, silenced: false },
  ];
  const events = () => [
    { ts: 6, rule: 'hot', nodeId: 2, state: 'firing' as const, severity: 'warning', value: 1, text: 'secret', silenced: false },
    { ts: 5, rule: 'hot', nodeId: 1, state: 'firing' as const, severity: 'warning', value: 1, text: 'web', silenced: false },
  ];
  assert.deepEqual(alertsView(firing, events, hub, 'none', 'guest'), { firing: [], recent: [] });
  const onlyFiring = alertsView(firing, events, hub, 'firing', 'guest');
  assert.deepEqual(
    onlyFiring.firing.map((a) => a.node),
    ['web'],
  );
  assert.deepEqual(onlyFiring.recent, []);
  const all = alertsView(firing, events, hub, 'all', 'guest');
  assert.deepEqual(
    all.recent.map((e) => e.node),
    ['web'],
  );
  assert.deepEqual(
    alertsView(firing, events, hub, 'none', 'admin').firing.map((a) => a.node),
    ['web', 'secret'],
    'admins see everything',
  );
});
