/**
 * Remote write against real engines on loopback: VictoriaMetrics gets the series /metrics shows,
 * with its names and labels; Prometheus' own receiver takes the requests too. Through an outage and
 * a kill -9: remote-write-outage.test.ts.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { getJson, tempDir, threadNice, waitFor } from '../helpers';
import { addNode, figure, startAgent, startServer } from './remote-write-rig';
import { exportSeries, freePort, startPrometheus, startVictoriaMetrics } from './tsdb';

/** The series of /metrics as `name{k="v",…}` with labels sorted, and their values; the server's own figures left out. */
async function metricsSeries(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(probe_\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || /^probe_(node_online|node_last_seen|remote_write)/.test(m[1]!)) continue;
    const labels = [...m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].filter((l) => l[2] !== '').map((l) => `${l[1]}="${l[2]}"`);
    out.set(`${m[1]}{${labels.sort().join(',')}}`, Number(m[3]));
  }
  return out;
}

const key = (metric: Record<string, string>) =>
  `${metric.__name__}{${Object.entries(metric)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')}}`;

test('remote write: VictoriaMetrics gets every series of /metrics under its name and labels', async (t) => {
  const dir = tempDir(t, 'probe-rw-live-');
  const data = path.join(dir, 'data');
  const vm = await startVictoriaMetrics(dir, await freePort());
  t.after(() => vm.proc.stop('SIGKILL'));
  const agentKey = addNode(data, 'n1');
  const server = await startServer(dir, data, vm.writeUrl);
  t.after(() => server.proc.stop('SIGKILL'));
  const agent = startAgent(dir, server.base, agentKey);
  t.after(() => agent.stop('SIGKILL'));
  const missing = await waitFor(
    'every series of /metrics in VictoriaMetrics',
    async () => {
      const shown = await metricsSeries(server.base);
      const sent = new Set((await exportSeries(vm, '{node="n1"}')).map((s) => key(s.metric)));
      const absent = [...shown.keys()].filter((k) => !sent.has(k));
      return shown.size > 20 && absent.length === 0 ? shown : null;
    },
    30_000,
    500,
  );
  const total = (await exportSeries(vm, 'probe_memory_total_bytes{node="n1"}'))[0]!;
  assert.equal(total.values.at(-1), missing.get('probe_memory_total_bytes{group="g1",location="JP",node="n1"}'));
  assert.equal(await figure(server.base, 'probe_remote_write_skipped_values_total'), 0);
  assert.doesNotMatch(server.proc.stderr(), /hunter2/);
});

test('remote write: Prometheus with --web.enable-remote-write-receiver takes the samples', async (t) => {
  const dir = tempDir(t, 'probe-rw-prom-');
  const data = path.join(dir, 'data');
  const prom = await startPrometheus(dir, await freePort());
  t.after(() => prom.proc.stop('SIGKILL'));
  const agentKey = addNode(data, 'n1');
  const server = await startServer(dir, data, prom.writeUrl);
  t.after(() => server.proc.stop('SIGKILL'));
  const agent = startAgent(dir, server.base, agentKey);
  t.after(() => agent.stop('SIGKILL'));
  const answer = await waitFor(
    'probe_memory_total_bytes in Prometheus',
    async () => {
      const body = await getJson<{ data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(
        `${prom.base}/api/v1/query?query=${encodeURIComponent('probe_memory_total_bytes{node="n1"}')}`,
      );
      return body.data.result[0];
    },
    30_000,
    500,
  );
  assert.deepEqual(answer.metric, { __name__: 'probe_memory_total_bytes', node: 'n1', group: 'g1', location: 'JP' });
  assert.equal(await figure(server.base, 'probe_remote_write_skipped_values_total'), 0);
});

test('remote write: only the writer thread runs 10 nicer; the thread pool its first DNS lookup needs stays at the server nice', async (t) => {
  const dir = tempDir(t, 'probe-rw-nice-');
  const data = path.join(dir, 'data');
  // A name to look up (the thread pool's first use, from the writer thread) and nothing listening;
  // the server's own local agent, so nothing else uses the pool first.
  const server = await startServer(dir, data, `http://localhost:${await freePort()}/api/v1/write`, '127.0.0.1:0', ['--local-agent']);
  t.after(() => server.proc.stop('SIGKILL'));
  // Waiting on the log, not on /metrics: gzipping /metrics would start the pool from the main thread.
  await waitFor('a failed request (its name looked up)', () => /PROBE_ERR_REMOTE_WRITE/.test(server.proc.stderr()), 30_000, 200);
  const tid = Number(/remote write thread started tid=(\d+) nice=\d+/.exec(server.proc.stderr())?.[1]);
  assert.ok(tid > 0, `the thread's log line:\n${server.proc.stderr()}`);
  const pid = server.proc.child.pid!;
  const nice = threadNice(pid);
  const base = nice.get(pid)!;
  assert.equal(nice.get(tid), Math.min(19, base + 10), 'the writer thread 10 nicer than the main one');
  const others = [...nice].filter(([id, n]) => id !== tid && n !== base);
  assert.deepEqual(others, [], `every other thread at the main one's nice, ${base} (${nice.size} threads)`);
});
