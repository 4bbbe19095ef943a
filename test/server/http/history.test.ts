import assert from 'node:assert/strict';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { HISTORY_RANGES } from '../../../src/protocol/history';
import { chooseTier, parseHistoryQuery, readHistory } from '../../../src/server/http/history';
import { createMemoryStore } from '../../../src/store/memory-store';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { DEFAULT_RETENTION } from '../../../src/store/tiers';
import { ProbeError } from '../../../src/util/errors';
import { waitFor } from '../../helpers';
import { TestAgent, helloMessage, startTestServer } from '../test-server';
import { valuesRow } from '../../../src/protocol/row';

const NOW = 1_764_003_600_000;

test('every named range gives 300 to 1 500 points from the finest tier that still covers it', () => {
  const expected: Record<string, [number, string]> = {
    '1h': [5_000, 'raw'],
    '6h': [15_000, 'raw'],
    '24h': [60_000, '1m'],
    '7d': [600_000, '1m'],
    '30d': [1_800_000, '15m'],
    '1y': [21_600_000, '1h'],
  };
  for (const [range, span] of Object.entries(HISTORY_RANGES)) {
    const q = parseHistoryQuery(new URLSearchParams({ range }), NOW);
    const points = span / q.stepMs;
    assert.ok(points >= 300 && points <= 1500, `${range}: ${points} points`);
    assert.deepEqual([q.stepMs, chooseTier(q.stepMs, q.from, NOW, DEFAULT_RETENTION)], expected[range], range);
  }
  const old = parseHistoryQuery(
    new URLSearchParams({ from: String(NOW - 3 * 86_400_000), to: String(NOW - 3 * 86_400_000 + 600_000) }),
    NOW,
  );
  assert.equal(old.stepMs, 1000);
  assert.equal(chooseTier(old.stepMs, old.from, NOW, DEFAULT_RETENTION), '1m', 'raw data of 3 days ago is gone: next tier');
});

test('bad history queries are PROBE_ERR_BAD_REQUEST with a helpful message', () => {
  const bad = (params: Record<string, string>, mentions: RegExp) =>
    assert.throws(
      () => parseHistoryQuery(new URLSearchParams(params), NOW),
      (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_BAD_REQUEST' && mentions.test(e.message),
    );
  bad({}, /range=1h/);
  bad({ range: '2h' }, /"range" must be one of 1h, 6h, 24h, 7d, 30d, 1y, got "2h"/);
  bad({ from: 'x', to: '1' }, /Unix milliseconds/);
  bad({ from: '10', to: '5' }, /before/);
  bad({ from: '0', to: String(5 * 366 * 86_400_000) }, /two years/);
  bad({ range: '1h', metrics: 'cpu,rm -rf' }, /unknown metrics: rm -rf/);
  bad({ range: '1h', stat: 'median' }, /"stat" must be one of avg, min, max/);
  bad({ range: '1h', metrics: Array.from({ length: 65 }, () => 'cpu').join(',') }, /at most 64 metrics/);
});

test('history API over HTTP: columns with nulls for gaps, tiers, 404 and 400', async (t) => {
  const s = await startTestServer(t);
  const key = s.addNode('hist');
  const agent = new TestAgent(s.ws, key);
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  await waitFor('welcome', () => agent.of('welcome')[0]);
  const id = ((await (await fetch(`${s.base}/api/nodes`)).json()) as { id: number }[])[0]!.id;

  // 20 minutes of history ending 30 minutes ago, then a gap (the node was offline), then now.
  const now = Date.now();
  const start = now - (now % 60_000) - 50 * 60_000;
  const store = openSqliteStore(s.dataDir);
  t.after(() => store.close());
  store.writeSamples(
    Array.from({ length: 1200 }, (_, i) => ({
      nodeId: id,
      seq: i + 1,
      ts: start + i * 1000,
      row: valuesRow({ cpu: 40, memUsedBytes: 1000 + (i % 2) }),
    })),
  );
  store.compact(now, 1000);
  agent.sample(5000, [80, 2000, 4000, 1]);
  await waitFor('ack', () => agent.of('ack').length > 0);

  const res = await fetch(`${s.base}/api/nodes/${id}/history?range=1h&metrics=cpu,memUsedBytes`);
  assert.equal(res.status, 200);
  const h = (await res.json()) as { ts: number[]; cpu: (number | null)[]; memUsedBytes: (number | null)[]; stepMs: number; tier: string };
  assert.equal(h.stepMs, 5000);
  assert.equal(h.tier, 'raw');
  assert.equal(h.ts.length, h.cpu.length);
  assert.ok(h.ts.length >= 720 && h.ts.length <= 721);
  const filled = h.cpu.filter((v) => v !== null);
  assert.equal(filled.filter((v) => v === 40).length, 240, '20 minutes in 5 s buckets');
  assert.equal(h.cpu.at(-1) ?? h.cpu.at(-2), 80, 'the live sample is the newest point');
  const gapStart = h.ts.findIndex((ts) => ts >= start + 1200 * 1000);
  assert.equal(h.cpu[gapStart], null, 'the offline time is a gap, not a line');
  assert.equal(h.memUsedBytes[h.ts.indexOf(start)], 1000.4, 'avg of 1000, 1001, 1000, 1001, 1000');

  const day = (await (await fetch(`${s.base}/api/nodes/${id}/history?range=24h&stat=max`)).json()) as {
    tier: string;
    cpu: (number | null)[];
    memUsedBytes: (number | null)[];
  };
  assert.equal(day.tier, '1m');
  assert.equal(day.cpu.filter((v) => v === 40).length, 20, 'twenty packed minutes');
  assert.ok(day.memUsedBytes.includes(1001), 'stat=max');
  assert.ok(day.cpu.includes(80), 'the minute not packed yet comes from raw samples');

  const missing = await fetch(`${s.base}/api/nodes/999/history?range=1h`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'PROBE_ERR_NOT_FOUND');
  const badRange = await fetch(`${s.base}/api/nodes/${id}/history?range=forever`);
  assert.equal(badRange.status, 400);
  assert.equal(((await badRange.json()) as { code: string }).code, 'PROBE_ERR_BAD_REQUEST');
});

test('/metrics is valid Prometheus text with base-unit names and node labels', async (t) => {
  const s = await startTestServer(t);
  const agent = new TestAgent(s.ws, s.addNode('tokyo "1"'.replace(/[ "]/g, '-')));
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  agent.send({
    type: 'sample',
    seq: 1,
    ts: Date.now(),
    values: [12.5, 1024, 4096, 0.75],
    extra: { 'diskUsedBytes./srv/data': 2048, 'temp.coretemp.core_0': 51.5, 'cpuCore.1': 40 },
  });
  await waitFor('ack', () => agent.of('ack').length > 0);
  const res = await fetch(`${s.base}/metrics`);
  assert.match(res.headers.get('content-type')!, /text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await res.text()) as {
    name: string;
    type: string;
    metrics: { value: string; labels: Record<string, string> }[];
  }[];
  const byName = new Map(families.map((f) => [f.name, f]));
  const cpu = byName.get('probe_cpu_usage_percent')!;
  assert.equal(cpu.type, 'GAUGE');
  assert.deepEqual(cpu.metrics[0], { value: '12.5', labels: { node: 'tokyo--1-', group: '', location: '' } });
  assert.equal(byName.get('probe_memory_used_bytes')!.metrics[0]!.value, '1024');
  assert.equal(byName.get('probe_load1')!.metrics[0]!.value, '0.75');
  assert.equal(byName.get('probe_node_online')!.metrics[0]!.value, '1');
  for (const name of byName.keys()) assert.match(name, /^probe_[a-z0-9_]+$/);
  // Per-device metrics: one family, the device as a label.
  assert.deepEqual(byName.get('probe_filesystem_used_bytes')!.metrics[0], {
    value: '2048',
    labels: { node: 'tokyo--1-', group: '', location: '', mountpoint: '/srv/data' },
  });
  assert.equal(byName.get('probe_temperature_celsius')!.metrics[0]!.labels.sensor, 'coretemp.core_0');
  assert.equal(byName.get('probe_cpu_core_usage_percent')!.metrics[0]!.labels.core, '1');
});

test('readHistory on the in-memory store: buckets, gaps, metric filter, stat, tier for old ranges', () => {
  const store = createMemoryStore();
  const node = store.addNode({ name: 'm', group: '', location: '', keyHash: 'k' }, NOW);
  const t0 = NOW - 3_600_000;
  // 10 minutes of data, 50 minutes of silence.
  store.writeSamples(
    Array.from({ length: 600 }, (_, i) => ({ nodeId: node.id, seq: i, ts: t0 + i * 1000, row: valuesRow({ cpu: i % 10, load1: 1 }) })),
  );
  const query = parseHistoryQuery(new URLSearchParams({ range: '1h', metrics: 'cpu' }), NOW);
  const h = readHistory(store, node.id, query, NOW, DEFAULT_RETENTION);
  assert.equal(h.tier, 'raw');
  assert.deepEqual(
    Object.keys(h).filter((k) => !['from', 'to', 'stepMs', 'tier', 'ts'].includes(k)),
    ['cpu'],
    'only the metrics asked for',
  );
  const cpu = h.cpu as (number | null)[];
  assert.equal(cpu.length, h.ts.length);
  assert.equal(cpu[0], 2, 'avg of 0..4');
  assert.equal(cpu[1], 7, 'avg of 5..9');
  assert.equal(cpu.filter((v) => v !== null).length, 120);
  assert.ok(
    cpu.slice(120).every((v) => v === null),
    'silence is null',
  );
  const max = readHistory(store, node.id, { ...query, stat: 'max' }, NOW, DEFAULT_RETENTION);
  assert.equal((max.cpu as number[])[0], 4);
  const later = NOW + 3 * 86_400_000;
  const old = readHistory(
    store,
    node.id,
    parseHistoryQuery(new URLSearchParams({ from: String(t0), to: String(t0 + 600_000) }), later),
    later,
    DEFAULT_RETENTION,
  );
  assert.equal(old.tier, '1m', 'raw is past its retention then');
  assert.equal(old.stepMs, 60_000, 'buckets as wide as the tier');
  assert.deepEqual(old.cpu, Array(10).fill(4.5));
});
