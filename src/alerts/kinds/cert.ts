/**
 * @module `cert` rules: the certificate an https check is served expires `within` (14 days by
 * default) or has expired; judged on each result that read a certificate.
 */
import { parseCheckScope, watches } from './check';
import type { CheckKind, RuleBase } from './kind';

export interface CertRule extends RuleBase {
  kind: 'cert';
  checks: string[];
  withinMs: number;
}

const DAY = 86_400_000;

export const certKind: CheckKind<CertRule> = {
  names: ['cert'],
  on: 'check',
  parse: (input) => {
    const { key, raw, base, f } = input;
    const withinMs = f.duration(raw.within, `${key}.within`, 14 * DAY);
    if (withinMs > 400 * DAY) throw f.bad(`${key}.within`, `must be at most 400d, got ${JSON.stringify(raw.within)}`);
    return [{ ...base, kind: 'cert', checks: parseCheckScope(input), withinMs }];
  },
  evaluate(rule, { check, now }) {
    if (check.certExpiresAt === undefined || !watches(rule, check)) return null;
    const leftMs = check.certExpiresAt - now;
    return { holds: leftMs <= rule.withinMs, recovered: leftMs > rule.withinMs, value: Math.floor(leftMs / DAY) };
  },
  describe: (_rule, value) => ({
    what: value !== null && value < 0 ? `the certificate expired ${-value} days ago` : `the certificate expires in ${value} days`,
    resolved: 'the certificate was renewed',
  }),
};
