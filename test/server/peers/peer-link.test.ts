/**
 * PeerLink against a real server's /ws/peer: with the wrong secret it logs PROBE_ERR_AUTH once
 * (never the secret) and keeps retrying; with the right one its intake shows the server's agent
 * online in another hub, and the node goes offline there when the server goes away.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NamesPool } from '../../../src/protocol/row';
import { PeerClaims, PeerIntake } from '../../../src/server/peers/peer-intake';
import { PeerLink } from '../../../src/server/peers/peer-link';
import { Hub } from '../../../src/server/fleet/hub';
import { systemClock } from '../../../src/util/clock';
import { waitFor } from '../../helpers';
import { nodeRecord } from '../node-record';
import { helloAgent, startTestServer } from '../test-server';

const SECRET = 'right-secret-'.repeat(3);
const WRONG = 'wrong-secret-'.repeat(3);

function captureStderr(t: { after(fn: () => void): void }): string[] {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk).trimEnd()), true)) as typeof process.stderr.write;
  t.after(() => {
    process.stderr.write = original;
  });
  return lines;
}

test('a link with the wrong secret logs PROBE_ERR_AUTH once, without the secret; the right one follows', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.cluster = { peers: [], secret: SECRET };
    config.logLevel = 'info';
  });
  const lines = captureStderr(t);
  const here = new Hub([nodeRecord(7, 'tokyo-1')]);
  const intake = () => new PeerIntake(here, new PeerClaims(here), (name) => (name === 'tokyo-1' ? 7 : undefined), new NamesPool());
  const wrong = new PeerLink({ url: s.base, secret: WRONG, selfId: 'a', clock: systemClock, intake });
  t.after(() => wrong.stop());
  wrong.start();
  await waitFor('the refusal logged', () => lines.some((l) => /refused this server's cluster.secret/.test(l)), 5000);
  assert.match(lines.find((l) => /refused this server's cluster.secret/.test(l))!, /code=PROBE_ERR_AUTH/);
  assert.equal(wrong.connected, false);

  const right = new PeerLink({ url: s.base, secret: SECRET, selfId: 'a', clock: systemClock, intake });
  t.after(() => right.stop());
  right.start();
  await helloAgent(t, s, 'tokyo-1');
  await waitFor('tokyo-1 online here through the peer', () => here.view(7)?.online, 5000);
  assert.equal(right.connected, true);
  await s.server.close();
  await waitFor('offline here once the peer is gone', () => here.view(7)?.online === false, 5000);
  assert.equal(lines.filter((l) => /refused this server's cluster.secret/.test(l)).length, 1, 'once per spell of failures');
  assert.ok(!lines.some((l) => l.includes(WRONG) || l.includes(SECRET)), 'no secret in the log');
});
