/**
 * /metrics as Prometheus' own linter sees it: the real executable as server and agent, with
 * custom metrics from a textfile, checked by `promtool check metrics` (Debian's prometheus
 * package; .ci/run installs it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { gunzipSync } from 'node:zlib';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { freePort, startPrometheus } from './tsdb';

test('/metrics with a real agent and textfile metrics passes promtool check metrics: counters typed counter, no duplicate series for custom names that normalize alike', async (t) => {
  const dir = tempDir(t, 'probe-metrics-');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], { cwd: dir });
  t.after(() => server.stop());
  const base = await listeningUrl(server, 'server URL on stdout');
  const added = execFileSync(BINARY, ['node', 'add', 'lint-1', '--data', path.join(dir, 'data')], { cwd: dir, encoding: 'utf8' });
  const key = /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(added)![1]!;
  const textfiles = path.join(dir, 'textfiles');
  mkdirSync(textfiles);
  // jobs{queue="mail"} arrives as custom.jobs.mail, next to custom.jobs_mail: one Prometheus name for both.
  writeFileSync(
    path.join(textfiles, 'app.prom'),
    '# TYPE queue_depth gauge\nqueue_depth 5\njobs{queue="mail"} 3\njobs_mail 4\nrequests_total 1234\n',
  );
  const agent = run(
    BINARY,
    [
      'agent',
      '--server',
      base.replace(/^http/, 'ws'),
      '--interval',
      '1s',
      '--state-dir',
      path.join(dir, 'state'),
      '--textfile-dir',
      textfiles,
      '--latency',
      `self=127.0.0.1:${new URL(base).port}`,
    ],
    { cwd: dir, env: { PROBE_KEY: key } },
  );
  t.after(() => agent.stop('SIGKILL'));
  await waitFor(
    'the node with its custom metrics, rates and latency',
    async () => {
      const [node] = await getJson<NodeView[]>(`${base}/api/nodes`);
      return (
        node?.values['custom.jobs_mail'] !== undefined &&
        node.values.netRxBytesPerSec !== undefined &&
        node.values['latency.self'] !== undefined
      );
    },
    15_000,
  );

  const text = await (await fetch(`${base}/metrics`)).text();
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(lint.error, undefined, "promtool runs (.ci/run installs Debian's prometheus)");
  assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}\n--- /metrics:\n${text}`);

  const series = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
  assert.deepEqual(
    series.filter((s, i) => series.indexOf(s) !== i),
    [],
    'no series twice',
  );
  assert.match(text, /^# TYPE probe_network_receive_bytes_total counter$/m);
  assert.match(text, /^# TYPE probe_custom_requests_total counter$/m);
  assert.match(text, /^probe_custom_jobs_mail\{node="lint-1",group="",location="",metric="custom\.jobs\.mail"\} 3$/m);
  assert.match(text, /^probe_custom_jobs_mail\{node="lint-1",group="",location="",metric="custom\.jobs_mail"\} 4$/m);

  // Gzipped for a client that takes it, as Prometheus does: the same page.
  const zipped = await getRaw(`${base}/metrics`, { 'Accept-Encoding': 'gzip' });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
  const unzipped = gunzipSync(zipped.body).toString();
  assert.match(unzipped, /^probe_custom_jobs_mail\{node="lint-1",group="",location="",metric="custom\.jobs_mail"\} 4$/m);
  assert.ok(unzipped.length > zipped.body.length * 3, `${unzipped.length} bytes in ${zipped.body.length}`);

  // A real Prometheus scraping it.
  const port = new URL(base).port;
  const prometheus = await startPrometheus(
    dir,
    await freePort(),
    `global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs: [{job_name: probe, static_configs: [{targets: ['127.0.0.1:${port}']}]}]\n`,
  );
  t.after(() => prometheus.proc.stop());
  const query = async (promql: string) => {
    const res = await getJson<{ data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(
      `${prometheus.base}/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    return res.data.result;
  };
  await waitFor('Prometheus to have scraped the node', async () => (await query('probe_node_online')).length > 0, 20_000, 250);
  const [up] = await query('up{job="probe"}');
  assert.equal(up?.value[1], '1', 'the scrape succeeded');
  const [online] = await query('probe_node_online');
  // An empty label is no label to Prometheus: group and location are left out.
  assert.deepEqual(online!.metric, { __name__: 'probe_node_online', node: 'lint-1', instance: `127.0.0.1:${port}`, job: 'probe' });
  assert.equal(online!.value[1], '1');
  const [mail] = await query('probe_custom_jobs_mail{metric="custom.jobs_mail"}');
  assert.equal(mail?.value[1], '4');
});

/** A GET with these headers, its body as sent (not decoded, as fetch would). */
function getRaw(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
