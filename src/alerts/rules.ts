/**
 * @module Alert rules from the config file, validated once at load: the parts every rule has
 * here, the rest by its kind (kinds/). Every error is PROBE_ERR_CONFIG naming the key
 * (`alerts.rules[2].threshold`).
 */
import type { Channel } from '../notify/channels';
import { configFields as f } from '../util/fields';
import { KIND_NAMES, kindNamed } from './kinds/index';
import type { Rule } from './kinds/index';
import type { RuleBase } from './kinds/kind';

export type { Rule } from './kinds/index';
export type { RuleBase, Scope } from './kinds/kind';
export type { Op, ThresholdRule } from './kinds/threshold';
export type { ExprRule } from './kinds/expr';
export type { OfflineRule } from './kinds/offline';
export type { TrafficRule } from './kinds/traffic';
export type { ExpiryRule } from './kinds/expiry';
export type { Silence } from './silences';
export { isSilenced, parseSilences } from './silences';

const SEVERITIES = ['info', 'warning', 'critical'] as const;

function parseBase(r: Record<string, unknown>, key: string, channels: Record<string, Channel>): RuleBase {
  const name = f.text(r.name, `${key}.name`, 200, 1);
  const notify = f.strings(r.notify, `${key}.notify`);
  for (const c of notify) if (!channels[c]) throw f.bad(`${key}.notify`, `names "${c}", which is not under "notifications"`);
  const scope = r.scope === undefined || r.scope === 'all' ? {} : f.object(r.scope, `${key}.scope`);
  return {
    name,
    forMs: f.duration(r.for, `${key}.for`, 0),
    scope: { groups: f.strings(scope.groups, `${key}.scope.groups`), nodes: f.strings(scope.nodes, `${key}.scope.nodes`) },
    severity: f.oneOf(r.severity, `${key}.severity`, SEVERITIES, 'warning'),
    repeatMs: f.duration(r.repeat, `${key}.repeat`, 0),
    notify,
  };
}

/**
 * One rule (`key` names it in errors, `alerts.rules[2]`) as a list: a traffic rule with steps is
 * several. `enabled: false` keeps a rule written down without running it: the list is empty then.
 * `checks`: the names of the config's checks, which rules on checks may name.
 */
export function parseRule(raw: unknown, key: string, channels: Record<string, Channel>, checks: ReadonlySet<string> = new Set()): Rule[] {
  const r = f.object(raw, key);
  const base = parseBase(r, key, channels);
  // A rule that gives "expr" is an expression rule, whatever else it says.
  const name = r.expr !== undefined ? 'expr' : (r.kind ?? 'threshold');
  const kind = typeof name === 'string' ? kindNamed(name) : undefined;
  if (!kind)
    throw f.bad(`${key}.kind`, `must be one of ${KIND_NAMES.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(name)}`);
  const rules = kind.parse({ key, name: name as string, raw: r, base, f, checks });
  return f.bool(r.enabled, `${key}.enabled`, true) ? rules : [];
}

/** `checks`: the names of the config's checks, which rules on checks may name (none if not given). */
export function parseRules(value: unknown, channels: Record<string, Channel>, checks: ReadonlySet<string> = new Set()): Rule[] {
  if (value === undefined) return [];
  const list = f.object(value, 'alerts').rules ?? [];
  if (!Array.isArray(list)) throw f.bad('alerts.rules', 'must be a list of rules');
  const names = new Set<string>();
  return list.flatMap((raw, i): Rule[] => {
    const key = `alerts.rules[${i}]`;
    const name = f.text(f.object(raw, key).name, `${key}.name`, 200, 1);
    if (names.has(name)) throw f.bad(`${key}.name`, `"${name}" is used by another rule`);
    names.add(name);
    return parseRule(raw, key, channels, checks);
  });
}
