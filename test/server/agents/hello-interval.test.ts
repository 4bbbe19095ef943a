/**
 * hello.intervalMs is bounded: the server cuts an agent silent for two of its intervals, and an
 * unbounded interval (1e15) turned that off for good.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentMessage } from '../../../src/protocol/parse';
import { waitFor } from '../../helpers';
import { TestAgent, helloMessage, startTestServer } from '../test-server';

test('a hello announcing an interval over an hour is refused with PROBE_ERR_BAD_MESSAGE; an hour is taken', async (t) => {
  const s = await startTestServer(t);
  const agent = new TestAgent(s.ws, s.addNode('sleepy'));
  t.after(() => agent.close());
  await agent.opened;
  agent.send({ ...helloMessage(), intervalMs: 1e15 });
  const error = await waitFor('an error', () => agent.of('error')[0]);
  assert.equal(error.code, 'PROBE_ERR_BAD_MESSAGE');
  assert.match(error.message, /hello\.intervalMs must be at most 3600000/);
  assert.deepEqual(agent.of('welcome'), [], 'not welcomed');
  agent.send({ ...helloMessage(), intervalMs: 3_600_000 });
  await waitFor('welcomed with an hour', () => agent.of('welcome').length === 1);
  const ctx = { schema: null, now: Date.now() };
  assert.equal(parseAgentMessage(JSON.stringify({ ...helloMessage(), intervalMs: 3_600_001 }), ctx).ok, false);
});
