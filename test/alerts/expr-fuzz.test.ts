/**
 * Property-based fuzzing of the alert expression language (config input, evaluated on every
 * sample): any text compiles or is refused with an ExprError, never another error or a stack
 * overflow; whatever the values, evaluation never throws; and well-formed expressions evaluate
 * as a plain reference evaluator of the documented rules does (a missing metric, a NaN or a
 * division by zero make the result unknown).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ExprError, compileExpression, holds } from '../../src/alerts/expr';
import type { Vars } from '../../src/alerts/expr';

const RUNS = 2000;
const NAMES = ['cpu', 'load1', 'memUsedBytes', 'custom.queue_depth', 'cores'];
const TOKENS = [
  ...NAMES,
  ' ',
  '(',
  ')',
  '-',
  '+',
  '*',
  '/',
  '!',
  '&&',
  '||',
  '>',
  '>=',
  '<',
  '<=',
  '==',
  '!=',
  '0',
  '1',
  '2.5',
  '1e3',
  '1e999',
  '.',
  'x',
  ';',
  '"',
  'e',
];

const vars: fc.Arbitrary<Vars> = fc.record(
  Object.fromEntries(NAMES.map((n) => [n, fc.option(fc.oneof(fc.double(), fc.integer({ min: -5, max: 5 })), { nil: undefined })])),
  { requiredKeys: [] },
) as fc.Arbitrary<Vars>;

/** Compiles `source`; anything but an ExprError thrown fails the property. */
function tryCompile(source: string) {
  try {
    return compileExpression(source);
  } catch (err) {
    assert.ok(err instanceof ExprError, `${JSON.stringify(source)} threw ${String(err)}`);
    return null;
  }
}

function checkEvaluation(source: string, values: Vars): void {
  const expr = tryCompile(source);
  if (!expr) return;
  const v = expr.evaluate(values);
  assert.ok(v === null || typeof v === 'number', `${source} gave ${String(v)}`);
  const h = holds(expr, values);
  assert.ok(h === null || typeof h === 'boolean');
}

test("any text, or any sequence of the language's tokens: compiled or an ExprError; evaluation never throws", () => {
  const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 300 }).map((ts) => ts.join(''));
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 600 }), tokenSoup), vars, checkEvaluation), { numRuns: RUNS });
});

test('deep nesting is refused, not a stack overflow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 }), fc.constantFrom('(', '-', '!', '-(', '!('), (depth, open) => {
      const close = open.includes('(') ? ')'.repeat(depth) : '';
      checkEvaluation(`${open.repeat(depth)}cpu${close}`, { cpu: 1 });
    }),
    { numRuns: 300 },
  );
});

type Node =
  | { kind: 'num'; value: number; text: string }
  | { kind: 'var'; name: string }
  | { kind: 'unary'; op: '-' | '!'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

const BINARY_OPS = ['+', '-', '*', '/', '>', '>=', '<', '<=', '==', '!=', '&&', '||'];

const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .oneof(
        fc.integer({ min: 0, max: 1000 }).map((n) => String(n)),
        fc.constantFrom('0.5', '2.25', '1e3', '1e-2', '0'),
      )
      .map((text): Node => ({ kind: 'num', value: Number(text), text })),
    fc.constantFrom(...NAMES).map((name): Node => ({ kind: 'var', name })),
    fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom('-' as const, '!' as const), arg: tie('node') }),
    fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...BINARY_OPS), left: tie('node'), right: tie('node') }),
  ),
})).node;

function print(n: Node): string {
  switch (n.kind) {
    case 'num':
      return n.text;
    case 'var':
      return n.name;
    case 'unary':
      return `${n.op}(${print(n.arg)})`;
    case 'binary':
      return `(${print(n.left)} ${n.op} ${print(n.right)})`;
  }
}

/** The documented rules, written plainly: null for unknown. */
function reference(n: Node, v: Vars): number | null {
  const known = (x: number | null) => (x === null || Number.isNaN(x) ? null : x);
  switch (n.kind) {
    case 'num':
      return n.value;
    case 'var':
      return known(v[n.name] ?? null);
    case 'unary': {
      const x = known(reference(n.arg, v));
      if (x === null) return null;
      return n.op === '-' ? -x : Number(x === 0);
    }
    case 'binary': {
      const a = known(reference(n.left, v));
      const b = known(reference(n.right, v));
      if (a === null || b === null) return null;
      switch (n.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? null : a / b;
        case '>':
          return Number(a > b);
        case '>=':
          return Number(a >= b);
        case '<':
          return Number(a < b);
        case '<=':
          return Number(a <= b);
        case '==':
          return Number(a === b);
        case '!=':
          return Number(a !== b);
        case '&&':
          return Number(a !== 0 && b !== 0);
        default:
          return Number(a !== 0 || b !== 0);
      }
    }
  }
}

const depthOf = (n: Node): number =>
  n.kind === 'unary' ? 1 + depthOf(n.arg) : n.kind === 'binary' ? 1 + Math.max(depthOf(n.left), depthOf(n.right)) : 0;

test('well-formed expressions compile and agree with the reference evaluator, also on unknown values', () => {
  fc.assert(
    fc.property(node, vars, (tree, values) => {
      const source = print(tree);
      fc.pre(source.length <= 500 && depthOf(tree) <= 15);
      const expr = compileExpression(source);
      const expected = reference(tree, values);
      const got = expr.evaluate(values);
      const norm = (x: number | null) => (x === null || Number.isNaN(x) ? null : x === 0 ? 0 : x);
      assert.equal(norm(got), norm(expected), `${source} with ${JSON.stringify(values)}`);
      assert.equal(holds(expr, values), norm(expected) === null ? null : norm(expected) !== 0);
    }),
    { numRuns: RUNS },
  );
});
