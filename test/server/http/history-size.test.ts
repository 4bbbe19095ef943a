import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultMetrics, DEFAULT_CUSTOM } from '../../../src/server/http/history';
import { valuesRow } from '../../../src/protocol/row';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { waitFor } from '../../helpers';
import { helloAgent, startTestServer } from '../test-server';

const CUSTOM = Array.from({ length: 250 }, (_, i) => `custom.m_${i}`);

test('without metrics= the history answer holds what the node page charts, not every name the node ever sent, and stays small', async (t) => {
  const s = await startTestServer(t);
  const agent = await helloAgent(t, s, 'wide');
  // The node reports 250 custom metrics now, and has 30 minutes of them in its history.
  agent.send({ type: 'sample', seq: 1, ts: Date.now(), values: { cpu: 1, ...Object.fromEntries(CUSTOM.map((name) => [name, 1])) } });
  await waitFor('acked', () => agent.of('ack').length > 0);
  const store = openSqliteStore(s.dataDir);
  t.after(() => store.close());
  const id = store.listNodes()[0]!.id;
  const end = Date.now() - 2000;
  // Values as long as JSON writes them after rollups' three decimals: ~20 bytes each.
  const value = (i: number) => 1e14 + i + 0.123;
  for (let from = 0; from < 1800; from += 300) {
    store.writeSamples(
      Array.from({ length: 300 }, (_, k) => {
        const i = from + k;
        return {
          nodeId: id,
          seq: 10 + i,
          ts: end - (1800 - i) * 1000,
          row: valuesRow({ cpu: i % 100, ...Object.fromEntries(CUSTOM.map((name) => [name, value(i)])) }),
        };
      }),
    );
  }
  // Packed into blocks, which the server reads (it holds only its own connection's unpacked samples).
  store.compact(end + 70_000, 10_000);

  const res = await fetch(`${s.base}/api/nodes/${id}/history?range=1h`);
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  const custom = Object.keys(body).filter((k) => k.startsWith('custom.'));
  assert.equal(custom.length, DEFAULT_CUSTOM, 'as many custom metrics as the page charts');
  assert.deepEqual(custom, [...CUSTOM].sort().slice(0, DEFAULT_CUSTOM), 'the same ones, first by name');
  assert.ok(Array.isArray(body.cpu));
  assert.ok(text.length < 2_000_000, `${text.length} bytes`);
  assert.equal(body.omitted, undefined);

  // Any other metric by name.
  const asked = (await (await fetch(`${s.base}/api/nodes/${id}/history?range=1h&metrics=custom.m_99`)).json()) as Record<
    string,
    (number | null)[]
  >;
  assert.ok(asked['custom.m_99']!.filter((v) => v !== null).length >= 360, 'its 30 minutes in 5 s buckets');

  // 64 metrics of 1 500 points each would pass 2 MB: the answer names those it left out.
  const many = CUSTOM.slice(0, 64);
  const window = `from=${end - 1500_000}&to=${end}`;
  const bigText = await (await fetch(`${s.base}/api/nodes/${id}/history?${window}&metrics=${many.join(',')}`)).text();
  const big = JSON.parse(bigText) as Record<string, unknown>;
  assert.ok(bigText.length < 2_000_000, `${bigText.length} bytes`);
  assert.ok((big.ts as number[]).length >= 1500);
  const omitted = String(big.omitted).split(',');
  assert.ok(omitted.length > 0 && omitted.length < 64, `${omitted.length} left out`);
  assert.deepEqual([...many.filter((m) => big[m] !== undefined), ...omitted], many, 'in order: what fit, then what was left out');
  const rest = (await (await fetch(`${s.base}/api/nodes/${id}/history?${window}&metrics=${big.omitted}`)).json()) as Record<
    string,
    unknown
  >;
  assert.ok(
    omitted.every((m) => Array.isArray(rest[m])),
    'and those come when asked for',
  );
});

test('defaultMetrics: the built-in metrics, then per family, probe and custom metrics as the node page picks them', () => {
  const live = [
    'cpu',
    'custom.z',
    'custom.a',
    ...Array.from({ length: 20 }, (_, i) => `cpuCore.${i}`),
    'latency.cu',
    'loss.cu',
    'diskUsedBytes./',
  ];
  const names = defaultMetrics(live);
  assert.ok(names.includes('memUsedBytes'), 'built-ins whether live or not');
  assert.deepEqual(
    names.filter((n) => n.startsWith('cpuCore.')),
    Array.from({ length: 16 }, (_, i) => `cpuCore.${i}`),
    'numeric order, 16 at most',
  );
  assert.deepEqual(
    names.filter((n) => n.startsWith('custom.')),
    ['custom.a', 'custom.z'],
  );
  assert.ok(names.includes('latency.cu') && names.includes('loss.cu') && names.includes('diskUsedBytes./'));
});
