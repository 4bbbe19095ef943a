/**
 * @module renderPrometheus on a large fleet: every node's lines, grouped by family, and made over
 * several turns of the event loop (a 10 000-node page is seconds of work on a slow core).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { NodeView } from '../../../src/protocol/messages';
import { renderPrometheus } from '../../../src/server/http/prometheus';

const NODES = 1_000;

const view = (id: number): NodeView =>
  ({
    id,
    name: `node-${id}`,
    group: 'web',
    location: 'Tokyo',
    online: true,
    lastSeen: 1_764_003_600_000,
    values: { cpu: id % 100, memUsedBytes: id * 1024, 'latency.example.com': 25 },
  }) as unknown as NodeView;

test('/metrics of 1 000 nodes: every node in each family, made while other callbacks get turns', async () => {
  const nodes = Array.from({ length: NODES }, (_, i) => view(i + 1));
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
  assert.ok(turns >= 2, `other callbacks ran ${turns} times while 1 000 nodes were rendered`);
  const families = parsePrometheusTextFormat(parts.join('')) as {
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
});
