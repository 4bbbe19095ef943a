/**
 * A sample from the future (a bad timestamp, a node clock NTP then set back) is stored, but holds
 * the node's live values for at most LIVE_LEAD_MS, not until the server's clock reaches it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valuesRow } from '../../../src/protocol/row';
import { Hub, LIVE_LEAD_MS } from '../../../src/server/fleet/hub';
import { waitFor } from '../../helpers';
import { ManualClock } from '../../manual-clock';
import { nodeRecord } from '../node-record';
import { helloAgent, startTestServer } from '../test-server';

test('a sample 4 minutes ahead holds the live values LIVE_LEAD_MS at most: the next sample on time replaces it then', async () => {
  const clock = new ManualClock();
  const hub = new Hub([nodeRecord(1, 'skewed')], { now: () => clock.now() });
  assert.equal(hub.sample(1, clock.now(), valuesRow({ cpu: 10 })), true);
  assert.equal(hub.sample(1, clock.now() + 4 * 60_000, valuesRow({ cpu: 99 })), true, 'the future sample is live');
  assert.ok(hub.view(1)!.lastSeen! <= clock.now() + LIVE_LEAD_MS, 'lastSeen is not 4 minutes ahead');
  // The node's clock is set back: its next samples are on the server's time again.
  await clock.advance(LIVE_LEAD_MS);
  assert.equal(hub.sample(1, clock.now(), valuesRow({ cpu: 15 })), false, 'not newer than the future one counted as LIVE_LEAD_MS ahead');
  await clock.advance(1);
  assert.equal(hub.sample(1, clock.now(), valuesRow({ cpu: 20 })), true);
  assert.equal(hub.view(1)!.values.cpu, 20);
});

test('a real agent sending a sample 4 minutes ahead, then on time, has both taken and acked', async (t) => {
  const s = await startTestServer(t);
  const agent = await helloAgent(t, s, 'skewed');
  agent.sample(1, [10, 1, 2, 0.1], Date.now() + 4 * 60_000);
  agent.sample(2, [20, 1, 2, 0.1], Date.now());
  await waitFor('both acked', () => agent.of('ack').some((a) => a.seq === 2));
  assert.equal(agent.of('error').length, 0, 'every sample was taken');
});
