/**
 * /metrics as Prometheus' own linter sees it: the real executable as server and agent, with
 * custom metrics from a textfile, checked by `promtool check metrics` (Debian's prometheus
 * package; .ci/run installs it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';

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
});
