/**
 * @module `threshold` rules: one metric against a number (`cpu > 90`), with an optional recover
 * value for hysteresis. The default kind.
 */
import { isKnownMetric } from '../../protocol/metrics';
import type { AlertKind, RuleBase } from './kind';

export type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';
const OPS: readonly Op[] = ['>', '>=', '<', '<=', '==', '!='];

export interface ThresholdRule extends RuleBase {
  kind: 'threshold';
  metric: string;
  op: Op;
  threshold: number;
  /** Hysteresis: the value must cross this (not just the threshold) to recover. */
  recover: number | null;
}

export function compare(value: number, op: Op, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** Whether a threshold rule's condition holds, and whether its recover condition does. */
export function thresholdConditions(rule: ThresholdRule, value: number): { holds: boolean; recovered: boolean } {
  return { holds: compare(value, rule.op, rule.threshold), recovered: !compare(value, rule.op, rule.recover ?? rule.threshold) };
}

export const thresholdKind: AlertKind<ThresholdRule> = {
  names: ['threshold'],
  on: 'sample',
  parse({ key, raw: r, base, f }) {
    if (typeof r.metric !== 'string' || !isKnownMetric(r.metric))
      throw f.bad(`${key}.metric`, `must be a metric name from docs/protocol.md, got ${JSON.stringify(r.metric)}`);
    if (!OPS.includes(r.op as Op)) throw f.bad(`${key}.op`, `must be one of ${OPS.join(' ')}`);
    const threshold = f.number(r.threshold, `${key}.threshold`);
    const recover = r.recover === undefined ? null : f.number(r.recover, `${key}.recover`);
    return [{ ...base, kind: 'threshold', metric: r.metric, op: r.op as Op, threshold, recover }];
  },
  reads: (rule) => [rule.metric],
  evaluate(rule, vars) {
    const value = vars[rule.metric];
    if (value === undefined) return null;
    // Fields named, not spread: this runs for every sample and rule, and V8 then drops the inner object.
    const { holds, recovered } = thresholdConditions(rule, value);
    return { holds, recovered, value };
  },
  describe: (rule, value, firing) => ({
    what: `${rule.metric} ${value} ${firing ? `${rule.op} ${rule.threshold}` : `(threshold ${rule.op} ${rule.threshold})`}`,
    resolved: `${rule.metric} ${value}`,
  }),
  metric: (rule) => rule.metric,
};
