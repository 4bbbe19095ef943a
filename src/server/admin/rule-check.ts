/**
 * @module A rule checked as it is typed in the admin, and which nodes it would fire for right now
 * (its condition holding on each node's live values, without waiting for `for`; rules on service
 * checks name no node); and rules as the admin lists them, in the config file's shape.
 */
import type { Vars } from '../../alerts/expr';
import { kindOf } from '../../alerts/kinds/index';
import type { Condition } from '../../alerts/kinds/kind';
import type { Rule } from '../../alerts/rules';
import type { ForecastItem } from '../../protocol/forecast';
import type { Hub } from '../fleet/hub';

function inScope(rule: Rule, node: { name: string; group: string }): boolean {
  const { groups, nodes } = rule.scope;
  return (groups.length === 0 && nodes.length === 0) || groups.includes(node.group) || nodes.includes(node.name);
}

/** Names of the nodes for which one of `rules` holds now. */
export function wouldFire(
  rules: readonly Rule[],
  hub: Pick<Hub, 'ids' | 'meta' | 'latest'>,
  now: number,
  forecasts: (id: number) => readonly ForecastItem[] | null = () => null,
): string[] {
  const out = new Set<string>();
  for (const id of hub.ids()) {
    const node = hub.meta(id);
    if (!node) continue;
    for (const rule of rules) {
      if (!inScope(rule, node)) continue;
      const kind = kindOf(rule);
      let condition: Condition | null;
      if (kind.on === 'check') continue; // judged on check results, not on nodes
      if (kind.on === 'timer') {
        condition = kind.evaluate(rule, { node, now, forecasts: () => forecasts(id) });
      } else {
        const row = hub.latest(id);
        const vars: Vars = { cores: node.cores };
        row?.names.forEach((name, i) => (vars[name] = Number.isNaN(row.data[i]!) ? undefined : row.data[i]));
        condition = row && row.names.length > 0 ? kind.evaluate(rule, vars) : null;
      }
      if (condition?.holds) out.add(node.name);
    }
  }
  return [...out].sort();
}

const seconds = (ms: number): string | undefined => (ms > 0 ? `${ms / 1000}s` : undefined);

/** A parsed rule (from the config file) back in the file's shape, for the admin's read-only list. */
export function ruleShape(rule: Rule): Record<string, unknown> {
  const { forMs, repeatMs, scope, ...rest } = rule;
  const out: Record<string, unknown> = { ...rest, for: seconds(forMs), repeat: seconds(repeatMs) };
  if (scope.groups.length || scope.nodes.length) out.scope = scope;
  if (rule.kind === 'expr') {
    out.expr = rule.expr.source;
    out.recover = rule.recover?.source;
  }
  if (rule.kind === 'traffic') {
    delete out.quotaBytes;
    if (rule.quotaBytes !== null) out.quota = rule.quotaBytes;
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}
