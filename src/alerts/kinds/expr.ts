/**
 * @module `expr` rules: a condition over several metrics and the node's cores
 * (`cpu > 90 && load1 > cores * 2`), with an optional recover expression; and `load`, load per
 * core, a built-in shape of one.
 */
import { ExprError, compileExpression, holds } from '../expr';
import type { Expression } from '../expr';
import type { AlertKind, RuleInput, RuleBase } from './kind';

export interface ExprRule extends RuleBase {
  kind: 'expr';
  expr: Expression;
  /** Recovery condition; default: the expression no longer holds. */
  recover: Expression | null;
}

function expression({ key, f }: RuleInput, value: unknown, field: string): Expression {
  if (typeof value !== 'string') throw f.bad(`${key}.${field}`, 'must be an expression string such as "cpu > 90 && load1 > cores * 2"');
  try {
    return compileExpression(value);
  } catch (err) {
    if (err instanceof ExprError) throw f.bad(`${key}.${field}`, `is not a valid expression: ${err.message}`);
    throw err;
  }
}

function parseLoad(input: RuleInput): ExprRule {
  const { key, raw: r, base, f } = input;
  const metric = f.oneOf(r.metric, `${key}.metric`, ['load1', 'load5', 'load15'], 'load5');
  if (typeof r.threshold !== 'number' || !(r.threshold > 0))
    throw f.bad(`${key}.threshold`, 'must be the load per core to alert at, such as 2');
  return { ...base, kind: 'expr', expr: expression(input, `${metric} / cores > ${r.threshold}`, 'threshold'), recover: null };
}

export const exprKind: AlertKind<ExprRule> = {
  names: ['expr', 'load'],
  on: 'sample',
  parse(input) {
    const { raw: r, base } = input;
    if (input.name === 'load') return [parseLoad(input)];
    return [
      {
        ...base,
        kind: 'expr',
        expr: expression(input, r.expr, 'expr'),
        recover: r.recover === undefined ? null : expression(input, r.recover, 'recover'),
      },
    ];
  },
  reads: (rule) => [...rule.expr.metrics, ...(rule.recover?.metrics ?? [])],
  evaluate(rule, vars) {
    const holdsNow = holds(rule.expr, vars);
    if (holdsNow === null) return null;
    return { holds: holdsNow, recovered: rule.recover ? holds(rule.recover, vars) === true : !holdsNow, value: null };
  },
  describe: (rule) => ({ what: rule.expr.source, resolved: `no longer ${rule.expr.source}` }),
};
