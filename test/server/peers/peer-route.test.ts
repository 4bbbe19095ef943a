/**
 * /ws/peer on a running server: absent (404) without `cluster`, as before; with a secret, only the
 * secret opens it, and an accepted follower hears of an agent connected here (a server skipping
 * itself among its peers is in test/e2e/peer-feed.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { parsePeerFrame } from '../../../src/server/peers/peer-frame';
import { PEER_ID_HEADER } from '../../../src/server/peers/peer-link';
import { upgradeStatus } from '../../e2e/peer-rig';
import { waitFor } from '../../helpers';
import { helloAgent, startTestServer } from '../test-server';

const SECRET = 's'.repeat(40);

test('without cluster settings /ws/peer does not exist', async (t) => {
  const s = await startTestServer(t);
  assert.equal(await upgradeStatus(`${s.ws}/ws/peer`, { Authorization: `Bearer ${SECRET}` }), 404);
});

test('with a secret: 401 without it, and a follower hears of the agents connected here', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.cluster = { peers: [], secret: SECRET };
  });
  assert.equal(await upgradeStatus(`${s.ws}/ws/peer`, { Authorization: `Bearer ${SECRET}x` }), 401);
  assert.equal(await upgradeStatus(`${s.ws}/ws/peer`, { Authorization: 'Basic abc' }), 401);
  const health = (await (await fetch(`${s.base}/healthz`)).json()) as Record<string, unknown>;
  assert.equal(health.clusterPeers, undefined, 'guests do not see the cluster figures');
  assert.equal(await upgradeStatus(`${s.ws}/ws/peer`, { Authorization: `Bearer ${SECRET}`, [PEER_ID_HEADER]: 'another' }), 101);
  const names: string[] = [];
  const follower = new WebSocket(`${s.ws}/ws/peer`, { headers: { Authorization: `Bearer ${SECRET}`, [PEER_ID_HEADER]: 'another' } });
  follower.on('message', (data) => names.push(...parsePeerFrame(data.toString()).nodes.map((n) => n[1])));
  t.after(() => follower.terminate());
  await helloAgent(t, s, 'tokyo-1');
  await waitFor('the follower hears of tokyo-1', () => names.includes('tokyo-1'), 5000);
});
