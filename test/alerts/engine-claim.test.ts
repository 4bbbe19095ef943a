/**
 * The engine with `claim` (several servers, store.postgres): an event is sent only when this server
 * claims it, and sent anyway when the claim cannot be made (PostgreSQL unreachable), rather than never.
 * Claims themselves on a real PostgreSQL: test/store/pg-cluster.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine';
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

test('engine with claims: sends what it claims, not what another server claimed, and sends when claims fail', async () => {
  const notifier = new RecordingNotifier();
  const claims: string[] = [];
  let answer: () => Promise<boolean> = async () => true;
  const engine = new AlertEngine({
    rules,
    store: createMemoryStore(),
    notifier,
    node: () => ({ name: 'web-1', group: '', online: true, lastSeen: 0 }),
    nodeIds: () => [1],
    link: (id) => `http://probe/#/node/${id}`,
    clock: new ManualClock(1_000_000),
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
});
