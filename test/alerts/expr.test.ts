import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExprError, compileExpression, holds } from '../../src/alerts/expr';

const check = (source: string, vars: Record<string, number>) => holds(compileExpression(source), vars);

test('arithmetic, precedence, comparisons and logic', () => {
  assert.equal(check('cpu > 90 && load1 > cores * 2', { cpu: 95, load1: 5, cores: 2 }), true);
  assert.equal(check('cpu > 90 && load1 > cores * 2', { cpu: 95, load1: 3, cores: 2 }), false);
  assert.equal(check('memAvailableBytes / memTotalBytes * 100 < 10', { memAvailableBytes: 5, memTotalBytes: 100 }), true);
  assert.equal(check('1 + 2 * 3 == 7', {}), true, '* before +');
  assert.equal(check('(1 + 2) * 3 == 9', {}), true);
  assert.equal(check('-cpu < -50 || !(load1 >= 1)', { cpu: 60, load1: 5 }), true);
  assert.equal(check('cpu != 0', { cpu: 0 }), false);
  assert.equal(check('custom.queue_depth > 100', { 'custom.queue_depth': 150 }), true);
});

test('a missing metric or a division by zero leaves the expression unknown', () => {
  assert.equal(check('cpu > 90 && load1 > 1', { cpu: 95 }), null);
  assert.equal(check('diskUsedBytes / diskTotalBytes > 0.9', { diskUsedBytes: 5, diskTotalBytes: 0 }), null);
  assert.equal(
    check('!(diskUsedBytes / diskTotalBytes)', { diskUsedBytes: 5, diskTotalBytes: 0 }),
    null,
    'not of unknown is unknown (found by expr-fuzz)',
  );
  assert.deepEqual(compileExpression('cpu > 1 || load1 > cores').metrics.sort(), ['cpu', 'load1']);
});

test('bad expressions are refused at load with a precise message, and nothing is ever evaluated as code', () => {
  const bad = (source: string, mentions: RegExp) =>
    assert.throws(
      () => compileExpression(source),
      (e: unknown) => e instanceof ExprError && mentions.test(e.message),
      source,
    );
  bad('cpu >', /ends too early/);
  bad('cpu > 90 90', /after a complete expression/);
  bad('(cpu > 90', /missing "\)"/);
  bad('process.exit(1)', /unknown name "process.exit"/);
  bad('cpu > 1; rm', /unexpected ";"/);
  bad('constructor.constructor("x")()', /unknown name|unexpected/);
  bad(`${'('.repeat(40)}cpu${')'.repeat(40)}`, /nested deeper than 32/);
  bad(`${'cpu > 1 && '.repeat(60)}cpu > 1`, /longer than 500/);
});
