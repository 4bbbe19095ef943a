/**
 * @module `expiry` rules: the node's `nodes.<name>.expires` date is `days` away or less
 * (7 by default).
 */
import type { AlertKind, RuleBase } from './kind';

export interface ExpiryRule extends RuleBase {
  kind: 'expiry';
  days: number;
}

/** Days from `now` to the start of the local date `yyyyMmDd`, rounded up (0 on the day itself). */
function daysLeft(yyyyMmDd: string, now: number): number {
  const [y, m, d] = yyyyMmDd.split('-').map(Number) as [number, number, number];
  return Math.ceil((new Date(y, m - 1, d).getTime() - now) / 86_400_000);
}

export const expiryKind: AlertKind<ExpiryRule> = {
  names: ['expiry'],
  on: 'timer',
  parse: ({ key, raw, base, f }) => [{ ...base, kind: 'expiry', days: f.integer(raw.days, `${key}.days`, 0, 366, 7) }],
  evaluate(rule, { node, now }) {
    if (!node.notes?.expires) return null;
    const days = daysLeft(node.notes.expires, now);
    return { holds: days <= rule.days, recovered: days > rule.days, value: days };
  },
  describe: (_rule, value) => ({
    what: value !== null && value < 0 ? `expired ${-value} days ago` : `expires in ${value} days`,
    resolved: 'renewed',
  }),
};
