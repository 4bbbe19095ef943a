/**
 * @module `check` rules: a service check (src/checks) is down, judged on each of its results;
 * `for` counts from the first result that was down, and back up must last as long to resolve.
 */
import { AGENT_CHECK_NAME } from '../../protocol/checks';
import type { CheckFacts, CheckKind, RuleBase, RuleInput } from './kind';

export interface CheckRule extends RuleBase {
  kind: 'check';
  /**
   * Names of the checks it watches: the server's by name, a node's own as "<node>/<name>"; empty =
   * every check (in `scope.groups`, if given; a node's check is in its node's group).
   */
  checks: string[];
}

/** "tokyo-1/blog": a check in a node's own config, which the server learns of only once the node reports it. */
function isNodeCheckName(name: string): boolean {
  const slash = name.lastIndexOf('/');
  return slash > 0 && AGENT_CHECK_NAME.test(name.slice(slash + 1));
}

/** The checks a rule on checks watches: `checks` by name, `scope.groups` by group; a rule on checks names no nodes. */
export function parseCheckScope({ key, raw, base, f, checks }: RuleInput): string[] {
  if (base.scope.nodes.length > 0)
    throw f.bad(
      `${key}.scope.nodes`,
      `does not apply to a rule of kind ${JSON.stringify(raw.kind)}: list check names in "checks" (a node's own check as "<node>/<name>")`,
    );
  const names = f.strings(raw.checks, `${key}.checks`);
  const unknown = names.find((name) => !checks.has(name) && !isNodeCheckName(name));
  if (unknown !== undefined)
    throw f.bad(
      `${key}.checks`,
      `names ${JSON.stringify(unknown)}, which is neither the name of an entry of "checks" nor "<node>/<name>" of a node's own check`,
    );
  return names;
}

/** Whether a rule on checks watches this check. */
export function watches(rule: RuleBase & { checks: string[] }, check: CheckFacts): boolean {
  if (rule.checks.length > 0 && !rule.checks.includes(check.name)) return false;
  return rule.scope.groups.length === 0 || rule.scope.groups.includes(check.group);
}

export const checkKind: CheckKind<CheckRule> = {
  names: ['check'],
  on: 'check',
  parse: (input) => [{ ...input.base, kind: 'check', checks: parseCheckScope(input) }],
  evaluate: (rule, { check }) => (watches(rule, check) ? { holds: !check.up, recovered: check.up, value: check.latencyMs } : null),
  describe: () => ({ what: 'down', resolved: 'up again' }),
};
