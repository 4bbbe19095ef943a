/**
 * @module renderPrometheus on a large fleet: every node's lines, grouped by family, and made over
 * several turns of the event loop (a 10 000-node page is seconds of work on a slow core).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { renderPrometheus } from '../../../src/server/http/prometheus';
import type { LiveNode } from '../../../src/server/fleet/hub';

const NODES = 3_000;

/** Rows of the same metrics share their names array, as an agent's do. */
const NAMES = ['cpu', 'memUsedBytes', 'latency.example.com', 'swapUsedBytes'];

const node = (id: number): LiveNode => ({
  name: `node-${id}`,
  group: 'web',
  location: 'Tokyo',
  online: true,
  lastSeen: 1_764_003_600_000,
  // swapUsedBytes has no value (NaN): no line.
  names: NAMES,
  data: Float64Array.of(id % 100, id * 1024, 25, Number.NaN),
});

test('/metrics of 3 000 nodes: every node in each family, made while other callbacks get turns', async () => {
  const nodes = Array.from({ length: NODES }, (_, i) => node(i + 1));
  let turns = 0;
  let done = false;
  // A callback that keeps coming back while the page is made; bounded by `done` and by NODES turns.
  const spin = () => {
    if (done || turns >= NODES) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const parts = await renderPrometheus(nodes);
  done = true;
  assert.ok(turns >= 2, `other callbacks ran ${turns} times while 3 000 nodes were rendered`);
  const families = parsePrometheusTextFormat(Buffer.concat(parts).toString()) as {
    name: string;
    metrics: { value: string; labels: Record<string, string> }[];
  }[];
  const byName = new Map(families.map((f) => [f.name, f]));
  assert.equal(byName.get('probe_node_online')!.metrics.length, NODES);
  const cpu = byName.get('probe_cpu_usage_percent')!.metrics;
  assert.equal(cpu.length, NODES);
  assert.deepEqual(cpu[41], { value: '42', labels: { node: 'node-42', group: 'web', location: 'Tokyo' } });
  const latency = byName.get('probe_latency_seconds')!.metrics;
  assert.deepEqual(latency[0], { value: '0.025', labels: { node: 'node-1', group: 'web', location: 'Tokyo', target: 'example.com' } });
  assert.equal(byName.get('probe_node_last_seen_timestamp_seconds')!.metrics[0]!.value, '1764003600');
  assert.equal(byName.has('probe_swap_used_bytes'), false, 'a metric without a value has no line');
});

test('/metrics: labels and values outside ASCII and the integers, written as Prometheus reads them', async () => {
  const nodes: LiveNode[] = [
    {
      name: 'tōkyō "1"\\n',
      group: 'ウェブ',
      location: 'line\nbreak',
      online: false,
      lastSeen: null,
      names: ['cpu', 'load1', 'custom.jobs.mail', 'custom.température', 'memUsedBytes', 'loss.example.com'],
      data: Float64Array.of(12.3, 0.004_567, Number.POSITIVE_INFINITY, -1.5e-7, 2 ** 53 + 2, 7),
    },
  ];
  const text = Buffer.concat(await renderPrometheus(nodes)).toString();
  const families = parsePrometheusTextFormat(text) as { name: string; metrics: { value: string; labels: Record<string, string> }[] }[];
  const byName = new Map(families.map((f) => [f.name, f.metrics[0]!]));
  const labels = { node: 'tōkyō "1"\\n', group: 'ウェブ', location: 'line\nbreak' };
  assert.deepEqual(byName.get('probe_node_online'), { value: '0', labels });
  assert.equal(byName.has('probe_node_last_seen_timestamp_seconds'), false, 'never seen: no last-seen line');
  assert.equal(byName.get('probe_cpu_usage_percent')!.value, '12.3');
  assert.equal(Number(byName.get('probe_load1')!.value), 0.004_567);
  assert.deepEqual(byName.get('probe_custom_jobs_mail'), { value: '+Inf', labels: { ...labels, metric: 'custom.jobs.mail' } });
  assert.deepEqual(byName.get('probe_custom_temp_rature'), { value: '-1.5e-7', labels: { ...labels, metric: 'custom.température' } });
  assert.equal(Number(byName.get('probe_memory_used_bytes')!.value), 2 ** 53 + 2);
  assert.equal(byName.get('probe_loss_ratio')!.value, '0.07');
});
