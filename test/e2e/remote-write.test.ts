/**
 * Remote write against real engines on loopback: VictoriaMetrics gets the series /metrics shows,
 * with its names and labels; every sample stored arrives exactly once through a VictoriaMetrics
 * outage of 20 s (30 min in the issue: the same path, a longer backlog) and a kill -9 of the
 * server; Prometheus' own receiver takes the requests too.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, getJson, run, tempDir, waitFor } from '../helpers';
import { startFleet } from '../fleet';
import { exportSeries, freePort, startPrometheus, startVictoriaMetrics } from './tsdb';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server over `data` with remote write to `url`; `listen` defaults to a free port. */
async function startServer(dir: string, data: string, url: string, listen = '127.0.0.1:0') {
  const config = path.join(dir, 'probe.json');
  writeFileSync(config, JSON.stringify({ history: { remoteWrite: [{ url, name: 'tsdb', headers: { 'X-Token': 'hunter2' } }] } }));
  const proc = run(BINARY, ['server', '--listen', listen, '--data', data, '--config', config], { cwd: dir });
  const base = await waitFor('server URL', () => /open (http:\/\/\S+)\//.exec(proc.stdout())?.[1]);
  return { proc, base };
}

function addNode(data: string, name: string): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--group', 'g1', '--location', 'JP', '--data', data], { encoding: 'utf8' });
  return /\n {2}(pk_\S+)\n/.exec(out)![1]!;
}

function startAgent(dir: string, base: string, key: string) {
  const url = base.replace(/^http/, 'ws');
  return run(BINARY, ['agent', '--server', url, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')], {
    cwd: dir,
    env: { PROBE_KEY: key },
  });
}

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

/** A figure of /metrics for the target. */
async function figure(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{target="tsdb"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

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

test('remote write: through a VictoriaMetrics outage of 20 s and a kill -9 of the server, every stored sample arrives once', async (t) => {
  const dir = tempDir(t, 'probe-rw-outage-');
  const data = path.join(dir, 'data');
  const vmPort = await freePort();
  let vm = await startVictoriaMetrics(dir, vmPort);
  t.after(() => vm.proc.stop('SIGKILL'));
  const fleetKeys = Array.from({ length: 20 }, () => generateKey());
  const store0 = openSqliteStore(data);
  fleetKeys.forEach((k, i) => store0.addNode({ name: `sim-${i}`, group: 'sim', location: '', keyHash: hashKey(k) }, Date.now()));
  store0.close();
  const agentKey = addNode(data, 'n1');
  let server = await startServer(dir, data, vm.writeUrl);
  t.after(() => server.proc.stop('SIGKILL'));
  const port = new URL(server.base).port;
  const fleet = startFleet(dir, port, fleetKeys);
  t.after(() => fleet.stop());
  const agent = startAgent(dir, server.base, agentKey);
  t.after(() => agent.stop('SIGKILL'));
  await waitFor('samples sent', async () => (await figure(server.base, 'probe_remote_write_sent_values_total')) > 0, 20_000, 250);

  await vm.proc.stop('SIGTERM');
  const ackedBefore = (await fleet.stats()).acked;
  await sleep(20_000);
  const ackedDuring = (await fleet.stats()).acked - ackedBefore;
  assert.ok(ackedDuring >= fleetKeys.length * 15, `acks go on while the TSDB is down (${ackedDuring} in 20 s)`);
  assert.ok((await figure(server.base, 'probe_remote_write_failures_total')) > 0, 'the outage is seen');
  assert.ok((await figure(server.base, 'probe_remote_write_pending_samples')) > 300, 'samples wait in the outbox');
  assert.ok((await figure(server.base, 'probe_remote_write_lag_seconds')) > 10);
  vm = await startVictoriaMetrics(dir, vmPort);
  await waitFor('the backlog sent', async () => (await figure(server.base, 'probe_remote_write_lag_seconds')) < 8, 30_000, 250);

  await sleep(1700);
  await server.proc.stop('SIGKILL');
  await sleep(1000);
  server = await startServer(dir, data, vm.writeUrl, `127.0.0.1:${port}`);
  await waitFor('the agent back', () => (agent.stderr().match(/connected to server/g) ?? []).length >= 2, 20_000);
  await sleep(3000);
  await agent.stop('SIGTERM');
  fleet.pause();
  await waitFor(
    'the fleet acked',
    async () => {
      const s = await fleet.stats();
      return s.open === fleetKeys.length && s.acked === s.sent;
    },
    20_000,
    250,
  );
  await waitFor('nothing pending', async () => (await figure(server.base, 'probe_remote_write_pending_samples')) === 0, 20_000, 250);
  await server.proc.stop('SIGTERM');

  const store = openSqliteStore(data);
  t.after(() => store.close());
  const exported = new Map((await exportSeries(vm, 'probe_memory_total_bytes')).map((s) => [s.metric.node!, s.timestamps]));
  let compared = 0;
  for (const node of store.listNodes()) {
    const stored = store.samples(node.id, 0, Date.now() + 60_000, ['memTotalBytes']).filter((s) => s.values.memTotalBytes !== undefined);
    const sent = [...(exported.get(node.name) ?? [])].sort((a, b) => a - b);
    assert.deepEqual(
      sent,
      stored.map((s) => s.ts),
      `${node.name}: every stored sample once`,
    );
    compared += stored.length;
  }
  assert.ok(compared > 21 * 25, `${compared} samples compared`);
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
