/**
 * @module `traffic` rules: traffic this billing period past a share of the node's quota
 * (`nodes.<name>.trafficLimit`, or the rule's own `quota`). `"percent": [80, 90, 100]` is one
 * rule per step, named "name@80" …, each firing once.
 */
import type { AlertKind, RuleBase } from './kind';

export interface TrafficRule extends RuleBase {
  kind: 'traffic';
  percent: number;
  /** Which traffic counts: received, sent, or both. */
  direction: 'in' | 'out' | 'sum';
  /** Overrides each node's trafficLimit when set. */
  quotaBytes: number | null;
}

export const trafficKind: AlertKind<TrafficRule> = {
  names: ['traffic'],
  on: 'timer',
  parse({ key, raw: r, base, f }) {
    const steps = Array.isArray(r.percent) ? r.percent : [r.percent ?? 90];
    if (steps.length === 0 || steps.length > 10 || !steps.every((p) => typeof p === 'number' && p > 0 && p <= 1000)) {
      throw f.bad(`${key}.percent`, 'must be a share of the quota in percent, such as 80, or a list such as [80, 90, 100]');
    }
    const quotaBytes = r.quota === undefined ? null : f.bytes(r.quota, `${key}.quota`);
    // A quota of 0 would make every rule on it moot (a node without a quota is not checked).
    if (quotaBytes === 0) throw f.bad(`${key}.quota`, `must be a size such as "1TB" or "500GiB", got ${JSON.stringify(r.quota)}`);
    const direction = f.oneOf(r.direction, `${key}.direction`, ['in', 'out', 'sum'], 'sum');
    return (steps as number[]).map((percent) => ({
      ...base,
      name: steps.length > 1 ? `${base.name}@${percent}` : base.name,
      kind: 'traffic',
      percent,
      quotaBytes,
      direction,
    }));
  },
  evaluate(rule, { node }) {
    const quota = rule.quotaBytes ?? node.notes?.trafficLimitBytes;
    if (!quota) return null;
    const used = (rule.direction !== 'out' ? (node.monthRxBytes ?? 0) : 0) + (rule.direction !== 'in' ? (node.monthTxBytes ?? 0) : 0);
    const percent = (used / quota) * 100;
    const holds = percent >= rule.percent;
    return { holds, recovered: !holds, value: Math.round(percent * 10) / 10 };
  },
  describe: (rule, value) => ({
    what: `traffic this period (${rule.direction}) at ${value}% of its quota (alert at ${rule.percent}%)`,
    resolved: `traffic at ${value}% of its quota`,
  }),
};
