/**
 * GET /healthz tells whoever asks that the server is up; how many nodes it watches only to those
 * who may see the page, counting only the nodes they may see.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson, waitFor } from '../../helpers';
import { client, helloAgent, startTestServer } from '../test-server';

test('/healthz counts no hidden nodes for guests, and says only "ok" to visitors of a private page', async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  for (const name of ['shown', 'hidden']) {
    const agent = await helloAgent(t, s, name);
    agent.sample(1, [1, 2, 3, 0.5]);
    await waitFor(`${name} acked`, () => agent.of('ack').length > 0);
  }
  const nodes = (await admin.call('GET', '/api/admin/nodes')).body as unknown as { id: number; name: string }[];
  const hidden = nodes.find((n) => n.name === 'hidden')!;
  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${hidden.id}`, { hidden: true })).status, 200);

  const guest = await getJson<Record<string, unknown>>(`${s.base}/healthz`);
  assert.equal(guest.status, 'ok');
  assert.equal(guest.nodes, 1, 'a guest does not learn that a hidden node exists');
  assert.equal(guest.agentsConnected, 1);
  const full = (await admin.call('GET', '/healthz')).body;
  assert.equal(full.nodes, 2);
  assert.equal(full.agentsConnected, 2);

  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'private' })).status, 200);
  const res = await fetch(`${s.base}/healthz`);
  assert.equal(res.status, 200, 'uptime checks still see the server up');
  assert.deepEqual(await res.json(), { status: 'ok' });
  assert.equal((await admin.call('GET', '/healthz')).body.nodes, 2, 'the signed-in admin still gets the figures');
});
