/**
 * @module A small, safe expression language for alert rules, parsed once at config load into a
 * tree of closures (never `eval`): numbers, metric names, `cores`, + - * /, comparisons,
 * && || !, parentheses. `cpu > 90 && load1 > cores * 2`. A metric the sample lacks makes the
 * whole expression unknown (null), so the rule is not judged on that sample.
 */
import { isKnownMetric } from '../protocol/metrics';

export type Vars = Record<string, number | undefined>;
export type Compiled = (vars: Vars) => number | null;

export interface Expression {
  source: string;
  /** Metric names it reads. */
  metrics: string[];
  evaluate: Compiled;
}

const MAX_LENGTH = 500;
const MAX_DEPTH = 32;
const EXTRA_NAMES = new Set(['cores']);
const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_.:-]*)|(&&|\|\||>=|<=|==|!=|[-+*/()<>!]))/y;

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

export class ExprError extends Error {}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (!m) throw new ExprError(`unexpected "${source.slice(pos).trim()[0]}" at position ${pos + 1}`);
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', value: m[2] });
    else tokens.push({ kind: 'op', value: m[3]! });
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

/** A missing metric (null) or an undefined result (NaN, e.g. x / 0) makes everything above it unknown. */
const lift =
  (f: (a: number, b: number) => number) =>
  (l: Compiled, r: Compiled): Compiled =>
  (v) => {
    const a = l(v);
    if (a === null || Number.isNaN(a)) return null;
    const b = r(v);
    return b === null || Number.isNaN(b) ? null : f(a, b);
  };

const BINARY: Record<string, (l: Compiled, r: Compiled) => Compiled> = {
  '+': lift((a, b) => a + b),
  '-': lift((a, b) => a - b),
  '*': lift((a, b) => a * b),
  '/': lift((a, b) => (b === 0 ? NaN : a / b)),
  '>': lift((a, b) => +(a > b)),
  '>=': lift((a, b) => +(a >= b)),
  '<': lift((a, b) => +(a < b)),
  '<=': lift((a, b) => +(a <= b)),
  '==': lift((a, b) => +(a === b)),
  '!=': lift((a, b) => +(a !== b)),
  '&&': lift((a, b) => +(a !== 0 && b !== 0)),
  '||': lift((a, b) => +(a !== 0 || b !== 0)),
};

export function compileExpression(source: string): Expression {
  if (source.length > MAX_LENGTH) throw new ExprError(`longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(source);
  const metrics = new Set<string>();
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i];
  const isOp = (...ops: string[]) => {
    const t = peek();
    return t?.kind === 'op' && ops.includes(t.value);
  };
  const level = (ops: string[], next: () => Compiled) => (): Compiled => {
    let left = next();
    while (isOp(...ops)) {
      const op = (tokens[i++] as Token).value as string;
      left = BINARY[op]!(left, next());
    }
    return left;
  };
  const primary = (): Compiled => {
    if (++depth > MAX_DEPTH) throw new ExprError(`nested deeper than ${MAX_DEPTH}`);
    try {
      const t = tokens[i++];
      if (!t) throw new ExprError('ends too early');
      if (t.kind === 'num') return () => t.value;
      if (t.kind === 'name') {
        if (!EXTRA_NAMES.has(t.value) && !isKnownMetric(t.value))
          throw new ExprError(`unknown name "${t.value}": use a metric from docs/protocol.md or cores`);
        if (!EXTRA_NAMES.has(t.value)) metrics.add(t.value);
        return (v) => v[t.value] ?? null;
      }
      if (t.value === '(') {
        const inner = or();
        if (!isOp(')')) throw new ExprError('missing ")"');
        i++;
        return inner;
      }
      if (t.value === '-') {
        const operand = primary();
        return (v) => {
          const x = operand(v);
          return x === null ? null : -x;
        };
      }
      if (t.value === '!') {
        const operand = primary();
        return (v) => {
          const x = operand(v);
          // NaN (x / 0) is unknown, not false: `!(a / 0)` would otherwise hold.
          return x === null || Number.isNaN(x) ? null : +(x === 0);
        };
      }
      throw new ExprError(`unexpected "${t.value}"`);
    } finally {
      depth--;
    }
  };
  const product = level(['*', '/'], primary);
  const sum = level(['+', '-'], product);
  const comparison = (): Compiled => {
    const left = sum();
    if (isOp('>', '>=', '<', '<=', '==', '!=')) {
      const op = (tokens[i++] as Token).value as string;
      return BINARY[op]!(left, sum());
    }
    return left;
  };
  const and = level(['&&'], comparison);
  const or: () => Compiled = level(['||'], and);
  const evaluate = or();
  if (i < tokens.length) throw new ExprError(`unexpected "${String(tokens[i]!.value)}" after a complete expression`);
  return { source, metrics: [...metrics], evaluate };
}

/** True when the expression holds, false when it does not, null when a metric is missing. */
export function holds(expression: Expression, vars: Vars): boolean | null {
  const v = expression.evaluate(vars);
  return v === null || Number.isNaN(v) ? null : v !== 0;
}
