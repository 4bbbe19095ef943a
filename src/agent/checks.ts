/**
 * @module The checks in this node's own config (`agent.checks`), run on their intervals; each
 * sample carries the latest result of each as `check.<type>.<name>.up|latency_ms|cert_days`.
 * The server never tells an agent what to connect to: only the local config names targets.
 */
import type { Check } from '../checks/checks';
import { runCheck } from '../checks/checks';
import type { CheckResult } from '../checks/check';
import { CheckRunner } from '../checks/runner';
import { agentCheckMetric } from '../protocol/checks';
import type { MetricValues } from '../protocol/metrics';
import type { Clock } from '../util/clock';
import { log } from '../util/log';

const DAY = 86_400_000;

export class AgentChecks {
  private readonly latest = new Map<Check, CheckResult>();
  private readonly runner: CheckRunner<Check>;
  /** Names of the checks last seen down, so the log says when one goes down and comes back, not every run. */
  private readonly down = new Set<string>();

  constructor(
    private readonly checks: readonly Check[],
    private readonly clock: Clock,
    run: typeof runCheck = runCheck,
  ) {
    this.runner = new CheckRunner(checks, { clock, run, onResult: (check, result) => this.record(check, result) });
  }

  /** Every metric name the checks may report, for hello's schema. */
  get metricNames(): string[] {
    return this.checks.flatMap((c) => [
      agentCheckMetric(c.type, c.name, 'up'),
      agentCheckMetric(c.type, c.name, 'latency_ms'),
      ...(c.type === 'https' ? [agentCheckMetric(c.type, c.name, 'cert_days')] : []),
    ]);
  }

  start(): void {
    this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /**
   * The latest result of each check, added to a sample; a check not run yet is absent. Days until
   * a certificate expires are counted from now, so each sample is true on its own.
   */
  collect(out: MetricValues): void {
    const now = this.clock.now();
    for (const [check, result] of this.latest) {
      out[agentCheckMetric(check.type, check.name, 'up')] = result.up ? 1 : 0;
      if (result.latencyMs !== null) out[agentCheckMetric(check.type, check.name, 'latency_ms')] = result.latencyMs;
      if (result.cert)
        out[agentCheckMetric(check.type, check.name, 'cert_days')] = Math.round(((result.cert.expiresAt - now) / DAY) * 1000) / 1000;
    }
  }

  private record(check: Check, result: CheckResult): void {
    this.latest.set(check, result);
    if (!result.up && !this.down.has(check.name)) log.warn('check down', { check: check.name, error: result.error ?? '' });
    if (result.up && this.down.delete(check.name)) log.info('check up again', { check: check.name });
    if (!result.up) this.down.add(check.name);
  }
}
