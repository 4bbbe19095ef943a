/**
 * Property-based fuzzing of the one parser of agent input: whatever arrives, it answers with a
 * typed message or a PROBE_ERR_* code, never throws, and never lets a non-finite value through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeSample } from '../../src/protocol/encode';
import { parseAgentMessage } from '../../src/protocol/parse';
import type { ParseContext } from '../../src/protocol/parse';
import { rowValues } from '../../src/protocol/row';

const NOW = 1_764_000_000_000;
const SCHEMA = ['cpu', 'memUsedBytes', 'load1', 'custom.queue'];
const RUNS = 2000;

function checkResult(text: string, ctx: ParseContext): void {
  const result = parseAgentMessage(text, ctx);
  if (!result.ok) {
    assert.match(result.code, /^PROBE_ERR_[A-Z_]+$/);
    assert.ok(result.message.length > 0);
    return;
  }
  if (result.value.type === 'sample') {
    for (const [name, v] of Object.entries(rowValues(result.value.row))) assert.ok(Number.isFinite(v), `${name} = ${v}`);
  }
}

const contexts = fc.constantFrom<ParseContext>({ schema: null, now: NOW }, { schema: SCHEMA, now: NOW });

test('any string: a typed message or a PROBE_ERR_* code, never a throw', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), contexts, (text, ctx) => checkResult(text, ctx)),
    { numRuns: RUNS },
  );
});

test('any JSON value: the same', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), contexts, (value, ctx) => checkResult(JSON.stringify(value), ctx)),
    { numRuns: RUNS },
  );
});

test('near-valid samples with hostile fields: the same, and values stay finite', () => {
  const hostileNumber = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constant(1e308),
    fc.constant(-1e308),
    fc.constant(Number.MAX_SAFE_INTEGER + 2),
  );
  const field = fc.oneof(
    hostileNumber,
    fc.string(),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );
  const sample = fc.record({
    type: fc.constant('sample'),
    seq: fc.oneof(fc.nat(), field),
    ts: fc.oneof(fc.integer({ min: NOW - 86_400_000, max: NOW + 1000 }), field),
    values: fc.oneof(
      fc.array(fc.oneof(hostileNumber, fc.constant(null), field), { maxLength: 6 }),
      fc.dictionary(fc.string({ maxLength: 12 }), field, { maxKeys: 6 }),
    ),
    extra: fc.option(fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constant('custom.x')), field, { maxKeys: 4 }), {
      nil: undefined,
    }),
  });
  fc.assert(
    fc.property(sample, contexts, (msg, ctx) => {
      // JSON.stringify turns NaN and Infinity into null, as a real agent's JSON would.
      checkResult(JSON.stringify(msg), ctx);
      // A hand-written agent could send the tokens themselves; they are not JSON.
      checkResult(JSON.stringify(msg).replace('null', 'NaN'), ctx);
    }),
    { numRuns: RUNS },
  );
});

test('what encodeSample writes, parse reads back exactly', () => {
  const values = fc.dictionary(
    fc.constantFrom(...SCHEMA, 'custom.late', 'swapUsedBytes'),
    fc.double({ noNaN: true, min: -1e300, max: 1e300 }),
    { maxKeys: 6 },
  );
  fc.assert(
    fc.property(fc.nat(), values, (seq, v) => {
      const result = parseAgentMessage(encodeSample(seq, NOW, v, SCHEMA), { schema: SCHEMA, now: NOW });
      assert.ok(result.ok && result.value.type === 'sample');
      // -0 travels as 0 in JSON.
      assert.deepEqual(rowValues(result.value.row), Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === 0 ? 0 : x])));
    }),
    { numRuns: RUNS },
  );
});
