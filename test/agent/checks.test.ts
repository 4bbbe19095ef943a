/**
 * @module The agent's checks (src/agent/checks.ts) on a ManualClock: each sample carries the
 * latest result under check.<type>.<name>.*, a certificate's days counted at the sample's time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentChecks } from '../../src/agent/checks';
import type { CheckResult } from '../../src/checks/check';
import { parseChecks } from '../../src/checks/checks';
import type { MetricValues } from '../../src/protocol/metrics';
import { setLogLevel } from '../../src/util/log';
import { ManualClock, flush } from '../manual-clock';

const DAY = 86_400_000;
setLogLevel('error');

test('the latest result of each check in every sample, absent before the first run', async () => {
  const clock = new ManualClock();
  const checks = parseChecks(
    [
      { name: 'blog', type: 'https', url: 'https://blog.example/', interval: '60s' },
      { name: 'db', type: 'tcp', host: '127.0.0.1:5432', interval: '60s' },
    ],
    'agent.checks',
  );
  const results: Record<string, CheckResult[]> = {
    blog: [{ ts: 0, up: true, latencyMs: 12.5, cert: { expiresAt: clock.now() + 10 * DAY, issuer: 'CN=test', verified: true } }],
    db: [
      { ts: 0, up: false, latencyMs: null, error: 'connection refused' },
      { ts: 0, up: true, latencyMs: 0.4 },
    ],
  };
  const agent = new AgentChecks(checks, clock, async (check) => {
    const list = results[check.name]!;
    return list.length > 1 ? list.shift()! : list[0]!;
  });
  assert.deepEqual(agent.metricNames, [
    'check.https.blog.up',
    'check.https.blog.latency_ms',
    'check.https.blog.cert_days',
    'check.tcp.db.up',
    'check.tcp.db.latency_ms',
  ]);
  const sample = (): MetricValues => {
    const out: MetricValues = {};
    agent.collect(out);
    return out;
  };
  assert.deepEqual(sample(), {}, 'nothing before the first run');
  agent.start();
  await flush();
  assert.deepEqual(sample(), {
    'check.https.blog.up': 1,
    'check.https.blog.latency_ms': 12.5,
    'check.https.blog.cert_days': 10,
    'check.tcp.db.up': 0,
  });
  await clock.advance(60_000);
  assert.deepEqual([sample()['check.tcp.db.up'], sample()['check.tcp.db.latency_ms']], [1, 0.4], 'the newest result replaces the last');
  clock.set(clock.now() - 60_000 + DAY / 2);
  assert.equal(sample()['check.https.blog.cert_days'], 9.5, 'days left at the time of the sample');
  await agent.stop();
});
