/**
 * The cluster's live feed with the built binary: two servers, each following the other. Nodes
 * whose agents are on B are live on A's page; a wrong secret is refused; after kill -9 of B its
 * nodes go offline on A and come back when their agents move to A. A stores none of B's samples.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { startFleet } from '../fleet';
import { BINARY, getJson, run, tempDir, waitFor } from '../helpers';
import { LiveFeed, registerBoth, startPair, upgradeStatus } from './peer-rig';

const FLEET = ['f0', 'f1', 'f2', 'f3', 'f4'];
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

test("cluster: B's nodes live on A, a wrong secret refused, kill -9 B: offline on A, then back when the agents move", async (t) => {
  const dir = tempDir(t, 'probe-peer-feed-');
  const keys = registerBoth(dir, ['n1', ...FLEET]);
  // A node only B has (registries that differ): A says so in its log and shows nothing of it.
  const bOnly = generateKey();
  const storeB = openSqliteStore(path.join(dir, 'b'));
  storeB.addNode({ name: 'b-only', group: 'g', location: '', keyHash: hashKey(bOnly) }, Date.now());
  storeB.close();
  const secret = randomBytes(24).toString('hex');
  // The same peer list on both, each server among them: a server does not follow itself.
  const { a, b, portA, portB, urlB } = await startPair(dir, secret);
  t.after(() => a.proc.stop('SIGKILL'));
  t.after(() => b.proc.stop('SIGKILL'));

  const fleet = await startFleet(dir, String(portB), [...FLEET.map((name) => keys.get(name)!), bOnly]);
  t.after(() => fleet.stop());
  const agent = run(
    BINARY,
    ['agent', '--server', `ws://127.0.0.1:${portB}`, '--server', `ws://127.0.0.1:${portA}`, '--state-dir', path.join(dir, 'agent')],
    {
      cwd: dir,
      env: { PROBE_KEY: keys.get('n1')!, PROBE_PREFERRED_RETRY: '1h' },
    },
  );
  t.after(() => agent.stop('SIGKILL'));
  const feed = new LiveFeed(a.base);
  t.after(() => feed.close());

  const liveOnA = (name: string) => feed.node(name)?.view.online === true && (feed.node(name)?.staleness.length ?? 0) >= 3;
  await waitFor("B's agents live on A", () => ['n1', ...FLEET].every(liveOnA), 30_000);
  const staleness = FLEET.flatMap((name) => feed.node(name)!.staleness);
  assert.ok(median(staleness) < 2000, `A's page is at most 2 s behind B's agents (median ${median(staleness)} ms)`);
  assert.ok(feed.node('n1')!.view.os, 'host facts of a node on B reach A');
  const health = await getJson<{ agentsConnected: number; online?: number }>(`${a.base}/healthz`);
  assert.equal(health.agentsConnected, FLEET.length + 1, 'A counts them online');
  t.diagnostic(`staleness on A of nodes on B: median ${median(staleness)} ms, max ${Math.max(...staleness)} ms`);

  const peerUrl = `${urlB.replace('http', 'ws')}/ws/peer`;
  assert.equal(await upgradeStatus(peerUrl, { Authorization: `Bearer ${'x'.repeat(48)}` }), 401, 'a wrong secret');
  assert.equal(await upgradeStatus(peerUrl, {}), 401, 'no secret');
  assert.doesNotMatch(a.proc.stderr() + b.proc.stderr(), new RegExp(secret), 'the secret is never logged');
  assert.match(a.proc.stderr(), /cluster peer is this server itself; not following it/);
  await waitFor('A names the node it lacks', () => /nodes this server does not know .*nodes=b-only/.test(a.proc.stderr()), 5000);
  assert.equal(feed.node('b-only'), undefined);

  const killedAt = Date.now();
  await b.proc.stop('SIGKILL');
  await waitFor("B's fleet offline on A", () => FLEET.every((name) => feed.node(name)?.view.online === false), 20_000);
  t.diagnostic(`offline on A ${Date.now() - killedAt} ms after kill -9 of B`);
  // The real agent moves to A by itself; the fleet (which knows only B) is started again against A.
  const onA = (name: string, after: number) => feed.node(name)?.view.online === true && (feed.node(name)?.view.lastSeen ?? 0) > after;
  await waitFor('n1 moved to A', () => onA('n1', killedAt), 20_000);
  fleet.stop();
  const movedAt = Date.now();
  const fleetOnA = await startFleet(
    dir,
    String(portA),
    FLEET.map((name) => keys.get(name)!),
  );
  t.after(() => fleetOnA.stop());
  await waitFor('the fleet online on A', () => FLEET.every((name) => onA(name, movedAt)), 30_000);
  fleetOnA.stop();
  await agent.stop('SIGTERM');
  await a.proc.stop('SIGTERM');

  const store = openSqliteStore(path.join(dir, 'a'));
  t.after(() => store.close());
  const f0 = store.listNodes().find((n) => n.name === 'f0')!;
  const storedBefore = store.samples(f0.id, 0, killedAt, ['cpu']).length;
  const storedAfter = store.samples(f0.id, movedAt, Date.now(), ['cpu']).length;
  assert.equal(storedBefore, 0, 'A stored none of the samples it only showed');
  assert.ok(storedAfter > 0, 'A stores the samples of agents connected to it');
});
