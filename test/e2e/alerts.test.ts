/**
 * Alerts end to end with the real executable on both sides: the agent reads a custom metric from
 * a textfile the test writes, the server's rule fires once and resolves once, and the webhook
 * receiver on loopback gets exactly those two messages. `for`, repeats and the message's words
 * are tested on a manual clock in test/alerts/engine.test.ts; here the rule fires on the first
 * sample past it, so the test waits only for samples.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launchChromium } from '../browser';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { startReceiver } from '../notify/receiver';
import type { AlertsView } from '../../src/protocol/messages';

/** Writes a textfile the way node_exporter users do: to a temp name, then rename, so the agent never reads half a file. */
function writeMetric(dir: string, value: number): void {
  const tmp = path.join(dir, 'queue.prom.tmp');
  writeFileSync(tmp, `# TYPE queue_depth gauge\nqueue_depth ${value}\n`);
  renameSync(tmp, path.join(dir, 'queue.prom'));
}

test('real server + real agent: a custom metric crosses a rule, the webhook gets one firing and one resolved', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir(t, 'probe-alerts-');
  const textfiles = path.join(dir, 'textfiles');
  mkdirSync(textfiles);
  writeMetric(textfiles, 1);
  writeFileSync(
    path.join(dir, 'probe.json'),
    JSON.stringify({
      page: { alerts: 'all' },
      notifications: { hook: { type: 'webhook', url: receiver.url } },
      alerts: {
        rules: [{ name: 'queue-high', metric: 'custom.queue_depth', op: '>', threshold: 10, severity: 'critical', notify: ['hook'] }],
      },
    }),
  );
  const server = run(BINARY, ['server', '--config', 'probe.json', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], {
    cwd: dir,
  });
  t.after(() => server.stop());
  const base = await listeningUrl(server, 'server URL');
  const out = execFileSync(BINARY, ['node', 'add', 'worker-1', '--data', path.join(dir, 'data')], { encoding: 'utf8' });
  const key = /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)![1]!;
  const agent = run(
    BINARY,
    [
      'agent',
      '--server',
      base.replace('http', 'ws'),
      '--interval',
      '1s',
      '--state-dir',
      path.join(dir, 'agent'),
      '--textfile-dir',
      textfiles,
    ],
    { cwd: dir, env: { PROBE_KEY: key } },
  );
  t.after(() => agent.stop());

  await waitFor(
    'the custom metric reaches the server',
    async () => {
      const nodes = (await (await fetch(`${base}/api/nodes`)).json()) as { values: Record<string, number> }[];
      return nodes[0]?.values['custom.queue_depth'] === 1;
    },
    15_000,
  );
  writeMetric(textfiles, 50);
  await waitFor('firing', () => receiver.requests.length >= 1, 15_000);
  const during = (await (await fetch(`${base}/api/alerts`)).json()) as AlertsView;
  assert.deepEqual(
    during.firing.map((a) => `${a.rule} ${a.node} ${a.severity}`),
    ['queue-high worker-1 critical'],
  );
  // The status page shows it in its alerts panel.
  const browser = await launchChromium(t);
  const page = await browser.newPage({ locale: 'en-US' });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/`);
  const panel = page.getByTestId('alerts');
  await panel.waitFor();
  assert.match((await panel.textContent())!, /critical\s*queue-high · worker-1 · since/);
  assert.deepEqual(problems, []);
  await browser.close();
  writeMetric(textfiles, 2);
  await waitFor('resolved', () => receiver.requests.length >= 2, 15_000);
  // One more sample after the one that resolved it: a duplicate of either message would have been sent by then.
  const seen = async () => ((await (await fetch(`${base}/api/nodes`)).json()) as { lastSeen: number | null }[])[0]?.lastSeen ?? 0;
  const resolvedAt = await seen();
  await waitFor('the next sample', async () => (await seen()) > resolvedAt, 15_000);
  assert.deepEqual(
    receiver.requests.map((r) => `${r.body.rule} ${r.body.node} ${r.body.state}`),
    ['queue-high worker-1 firing', 'queue-high worker-1 resolved'],
  );
  const firing = receiver.requests[0]!.body;
  assert.equal(firing.value, 50);
  assert.equal(firing.metric, 'custom.queue_depth');
  assert.match(firing.link, /#\/node\/1$/);
  assert.match(firing.text, /custom\.queue_depth 50 > 10/);
  const after = (await (await fetch(`${base}/api/alerts`)).json()) as AlertsView;
  assert.deepEqual(after.firing, []);
  assert.deepEqual(
    after.recent.map((e) => `${e.rule} ${e.state} ${e.value}`),
    ['queue-high resolved 2', 'queue-high firing 50'],
    'recent events, newest first',
  );
});
