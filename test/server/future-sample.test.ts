/**
 * A sample from the future (a bad timestamp, a node clock NTP then set back) is stored, but holds
 * the node's live values for at most LIVE_LEAD_MS, not until the server's clock reaches it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { LIVE_LEAD_MS } from '../../src/server/hub';
import { getJson, waitFor } from '../helpers';
import { helloAgent, startTestServer } from './test-server';

test('a sample 4 minutes ahead does not freeze the live values: the next sample on time replaces it', async (t) => {
  const s = await startTestServer(t);
  const agent = await helloAgent(t, s, 'skewed');
  const cpuNow = async () => (await getJson<NodeView[]>(`${s.base}/api/nodes`))[0]!;
  agent.sample(1, [10, 1, 2, 0.1], Date.now());
  await waitFor('first sample live', async () => (await cpuNow()).values.cpu === 10);
  agent.sample(2, [99, 1, 2, 0.1], Date.now() + 4 * 60_000);
  await waitFor('the future sample live', async () => (await cpuNow()).values.cpu === 99);
  const sentAt = Date.now();
  // The node's clock is set back: its next samples are on the server's time again.
  agent.sample(3, [20, 1, 2, 0.1], Date.now());
  await waitFor('live again within LIVE_LEAD_MS', async () => {
    if (Date.now() > sentAt + LIVE_LEAD_MS + 2000) throw new Error('still frozen');
    agent.sample(Date.now(), [20, 1, 2, 0.1], Date.now());
    return (await cpuNow()).values.cpu === 20;
  }, LIVE_LEAD_MS + 5000, 250);
  const node = await cpuNow();
  assert.ok(node.lastSeen! <= Date.now() + LIVE_LEAD_MS, 'lastSeen is not 4 minutes ahead either');
  assert.equal(agent.of('error').length, 0, 'every sample was taken');
});
