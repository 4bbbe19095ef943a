/**
 * @module `offline` rules: the node's agent stopped reporting (judged on the timer, `for` 60 s
 * by default, counted from its last sample).
 */
import type { AlertKind, RuleBase } from './kind';

export interface OfflineRule extends RuleBase {
  kind: 'offline';
}

export const offlineKind: AlertKind<OfflineRule> = {
  names: ['offline'],
  on: 'timer',
  parse: ({ key, raw, base, f }) => [{ ...base, kind: 'offline', forMs: f.duration(raw.for, `${key}.for`, 60_000) }],
  evaluate: (_rule, { node, now }) =>
    // A node that never reported is waiting for its agent, not down.
    node.lastSeen === null ? null : { holds: !node.online, recovered: node.online, value: null, since: node.lastSeen ?? now },
  describe: () => ({ what: 'offline', resolved: 'back online' }),
};
