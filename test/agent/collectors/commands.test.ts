/**
 * Custom metric commands with real child processes: a number, Prometheus lines, a failure, a
 * timeout; and the config that declares them, validated with keys named.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { commandsCollector, parseCommandOutput } from '../../../src/agent/collectors/commands';
import { loadConfig } from '../../../src/config/load';
import type { MetricValues } from '../../../src/protocol/metrics';
import { ProbeError } from '../../../src/util/errors';
import { tempDir, waitFor } from '../../helpers';

test('command output: one number, or Prometheus text lines', () => {
  assert.deepEqual(parseCommandOutput('backlog', ' 42\n'), { 'custom.backlog': 42 });
  assert.deepEqual(parseCommandOutput('x', '-1.5e3'), { 'custom.x': -1500 });
  assert.deepEqual(parseCommandOutput('x', '# HELP q\nqueue_depth{queue="mail"} 3\nqueue_depth{queue="sms"} 4\n'), {
    'custom.queue_depth.mail': 3,
    'custom.queue_depth.sms': 4,
  });
  assert.equal(parseCommandOutput('x', 'OK'), null);
  assert.equal(parseCommandOutput('x', ''), null);
});

test('commands run on their own intervals; failures and timeouts leave their metrics absent', async (t) => {
  const dir = tempDir(t);
  const counter = path.join(dir, 'n');
  writeFileSync(counter, '0');
  const collector = commandsCollector([
    { name: 'runs', command: `n=$(($(cat ${counter}) + 1)); echo $n > ${counter}; echo $n`, intervalMs: 200, timeoutMs: 200 },
    { name: 'jobs', command: 'printf "jobs{queue=\\"mail\\"} 7\\n"', intervalMs: 60_000, timeoutMs: 1000 },
    { name: 'broken', command: 'exit 3', intervalMs: 60_000, timeoutMs: 1000 },
    { name: 'slow', command: 'sleep 5; echo 1', intervalMs: 60_000, timeoutMs: 300 },
  ]);
  t.after(() => collector.stop());
  const read = () => {
    const out: MetricValues = {};
    collector.collect(out, 0);
    return out;
  };
  read();
  const first = await waitFor(
    'first values',
    () => {
      const out = read();
      return out['custom.runs'] !== undefined && out['custom.jobs.mail'] !== undefined ? out : null;
    },
    5000,
  );
  assert.equal(first['custom.jobs.mail'], 7);
  await waitFor('the 200 ms command ran again', () => (read()['custom.runs'] ?? 0) >= 3, 5000);
  await new Promise((r) => setTimeout(r, 500));
  const later = read();
  assert.equal(later['custom.broken'], undefined);
  assert.equal(later['custom.slow'], undefined, 'killed at its timeout');
});

test('agent.commands in the config file: defaults, and errors that name the key', (t) => {
  const file = path.join(tempDir(t), 'probe.json');
  writeFileSync(file, JSON.stringify({ agent: { commands: [{ name: 'backlog', command: 'echo 1' }] } }));
  assert.deepEqual(loadConfig({ file }).agent.commands, [{ name: 'backlog', command: 'echo 1', intervalMs: 60_000, timeoutMs: 10_000 }]);
  const bad = (commands: unknown, pattern: RegExp) => {
    writeFileSync(file, JSON.stringify({ agent: { commands } }));
    assert.throws(
      () => loadConfig({ file }),
      (err: unknown) => err instanceof ProbeError && err.code === 'PROBE_ERR_CONFIG' && pattern.test(err.message),
    );
  };
  bad([{ name: '9lives', command: 'x' }], /agent\.commands\[0\]\.name/);
  bad([{ name: 'a', command: '' }], /agent\.commands\[0\]\.command/);
  bad([{ name: 'a', command: 'x', interval: '500ms' }], /agent\.commands\[0\]\.interval/);
  bad([{ name: 'a', command: 'x', interval: '10s', timeout: '20s' }], /agent\.commands\[0\]\.timeout/);
  bad(
    [
      { name: 'a', command: 'x' },
      { name: 'a', command: 'y' },
    ],
    /agent\.commands\[1\]\.name.*twice/,
  );
});
