/**
 * The engine with `claim` (several servers, store.postgres): an event is sent and recorded only when
 * this server claims it (the claimer's record is shared, so each server lists it once), and both
 * happen anyway when the claim cannot be made (PostgreSQL unreachable), rather than never.
 * Claims themselves on a real PostgreSQL: test/store/pg-cluster.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine';
import type { EngineDeps } from '../../src/alerts/engine';
import { parseRules } from '../../src/alerts/rules';
import { parseChannels } from '../../src/notify/channels';
import { RecordingNotifier } from './recording-notifier';
import { valuesRow } from '../../src/protocol/row';
import { createMemoryStore } from '../../src/store/memory-store';
import { ProbeError } from '../../src/util/errors';
import { waitFor } from '../helpers';
import { ManualClock } from '../manual-clock';

const channels = parseChannels({ hook: { type: 'webhook', url: 'http://127.0.0.1:9/unused' } });
const rules = parseRules({ rules: [{ name: 'cpu-high', metric: 'cpu', op: '>', threshold: 90, notify: ['hook'] }] }, channels);

/** An engine over `rules` on a memory store and a recording notifier, node 1 "web-1" online, `deps` on top. */
function engineWith(deps: Partial<EngineDeps>) {
  const store = createMemoryStore();
  const notifier = new RecordingNotifier();
  const engine = new AlertEngine({
    rules,
    store,
    notifier,
    node: () => ({ name: 'web-1', group: '', online: true, lastSeen: 0 }),
    nodeIds: () => [1],
    link: (id) => `http://probe/#/node/${id}`,
    clock: new ManualClock(1_000_000),
    ...deps,
  });
  return { engine, store, notifier };
}

test('engine with claims: sends and records what it claims, not what another server claimed, and both when claims fail', async () => {
  const claims: string[] = [];
  let answer: () => Promise<boolean> = async () => true;
  const { engine, store, notifier } = engineWith({
    claim: (rule, nodeId, state, repeat) => {
      claims.push(`${rule} ${nodeId} ${state} ${repeat}`);
      return answer();
    },
  });
  engine.onSample(1, valuesRow({ cpu: 95 }));
  await waitFor('the claimed event sent', () => notifier.sent.length === 1);
  answer = async () => false;
  engine.onSample(1, valuesRow({ cpu: 10 }));
  await waitFor('the second claim', () => claims.length === 2);
  answer = async () => {
    throw new ProbeError('PROBE_ERR_POSTGRES', 'down');
  };
  engine.onSample(1, valuesRow({ cpu: 97 }));
  await waitFor('the unclaimable event sent', () => notifier.sent.length === 2);
  assert.deepEqual(claims, ['cpu-high 1 firing false', 'cpu-high 1 resolved false', 'cpu-high 1 firing false']);
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.state}`),
    ['cpu-high firing', 'cpu-high firing'],
    'the resolved event another server claimed is not sent here',
  );
  assert.deepEqual(
    store.alertEvents(10).map((e) => e.state),
    ['firing', 'firing'],
    'nor recorded here: the server that claimed it records it for all',
  );
});

test("engine with claims: the firing list is what fires across the servers when known, else this server's own", async () => {
  let across: { rule: string; nodeId: number; since: number }[] | null = null;
  const { engine } = engineWith({
    node: (id) => (id === 3 ? undefined : { name: `web-${id}`, group: '', online: true, lastSeen: 0 }),
    nodeIds: () => [1, 2],
    claim: async () => true,
    firingAcross: () => across,
  });
  engine.onSample(1, valuesRow({ cpu: 95 }));
  const list = () => engine.firing().map((f) => `${f.rule} ${f.nodeId} ${f.since}`);
  assert.deepEqual(list(), ['cpu-high 1 1000000'], 'not known: its own');
  // Node 2's agent is on another server, which claimed it firing; node 1 resolved there; node 3 and rule "gone" no longer exist.
  across = [
    { rule: 'cpu-high', nodeId: 2, since: 5 },
    { rule: 'cpu-high', nodeId: 3, since: 6 },
    { rule: 'gone', nodeId: 1, since: 7 },
  ];
  assert.deepEqual(list(), ['cpu-high 2 5']);
});

test('engine with claims: a silenced event is claimed and recorded, not sent, so the end of it is claimed after', async () => {
  const claims: string[] = [];
  let silences = [{ rule: 'cpu-high', node: null, until: 2_000_000, reason: 'maintenance' }];
  const { engine, store, notifier } = engineWith({
    silences: () => silences,
    claim: async (rule, nodeId, state) => {
      claims.push(`${rule} ${nodeId} ${state}`);
      return true;
    },
  });
  engine.onSample(1, valuesRow({ cpu: 95 }));
  await waitFor('the silenced event recorded', () => store.alertEvents(10).length === 1);
  assert.deepEqual(claims, ['cpu-high 1 firing']);
  assert.equal(store.alertEvents(10)[0]!.silenced, true);
  silences = [];
  engine.onSample(1, valuesRow({ cpu: 10 }));
  await waitFor('the end sent', () => notifier.sent.length === 1);
  assert.deepEqual(claims, ['cpu-high 1 firing', 'cpu-high 1 resolved']);
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.state}`),
    ['cpu-high resolved'],
  );
});

test('engine with claims: a node reporting here whose alerts the claims say fire, ok here, gets them resolved from here, once', async () => {
  const twoRules = parseRules(
    {
      rules: [
        { name: 'cpu-high', metric: 'cpu', op: '>', threshold: 90, notify: ['hook'] },
        { name: 'down', kind: 'offline', for: '1s', notify: ['hook'] },
      ],
    },
    channels,
  );
  const claims: string[] = [];
  // Another server judged both firing, then lost the node's agent, which now reports here.
  const claimed = new Map([
    ['cpu-high', 1],
    ['down', 1],
  ]);
  const { engine, store, notifier } = engineWith({
    rules: twoRules,
    node: () => ({ name: 'web-1', group: '', online: true, lastSeen: 999_000 }),
    claim: async (rule, nodeId, state) => {
      claims.push(`${rule} ${nodeId} ${state}`);
      if (state === 'resolved') claimed.delete(rule);
      return true;
    },
    claimedFiring: (id) => (id === 1 ? claimed : undefined),
  });
  engine.onSample(1, valuesRow({ cpu: 10 }));
  await waitFor('both resolved', () => notifier.sent.length === 2);
  assert.deepEqual(claims.sort(), ['cpu-high 1 resolved', 'down 1 resolved']);
  assert.deepEqual(
    store
      .alertEvents(10)
      .map((e) => `${e.rule} ${e.state}`)
      .sort(),
    ['cpu-high resolved', 'down resolved'],
  );
  engine.onSample(1, valuesRow({ cpu: 10 }));
  await new Promise((r) => setImmediate(r));
  assert.equal(claims.length, 2, 'once: the claims no longer say firing');
  // Still holding here: not resolved (this server fires it in its own time).
  claimed.set('cpu-high', 2);
  engine.onSample(1, valuesRow({ cpu: 95 }));
  await waitFor('its own firing claimed', () => claims.length === 3);
  assert.deepEqual(claims.at(-1), 'cpu-high 1 firing');
});
