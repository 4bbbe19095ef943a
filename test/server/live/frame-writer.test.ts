import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameWriter } from '../../../src/server/live/frame-writer';

/** A fixed seed from FC_SEED reruns a failure; otherwise a new one each run, printed so any failure can be replayed. */
const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));

test('numbers are written exactly as JSON.stringify writes them', (t) => {
  t.diagnostic(`fast-check seed ${seed} (FC_SEED=${seed} reruns it)`);
  const write = (v: number) => {
    const out = new FrameWriter();
    out.number(v);
    return out.copy().toString();
  };
  const value = fc.oneof(
    fc.maxSafeInteger(),
    fc.integer().map((n) => n / 10),
    fc.integer().map((n) => n / 100),
    // Tenths and hundredths up to 2^53 / 10: where one double stands for several two-place decimals.
    fc.maxSafeInteger().map((n) => n / 10),
    fc.maxSafeInteger().map((n) => n / 100),
    fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1000),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(
      0,
      -0,
      0.05,
      -0.5,
      0.1 + 0.2,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      1e-7,
      5e-324,
      -1.7976931348623157e308,
      99.99,
      100.01,
      2 ** 46 - 0.01,
      2 ** 46 + 0.5,
    ),
  );
  fc.assert(
    fc.property(value, (v) => {
      const text = write(v);
      assert.equal(text, JSON.stringify(v), String(v));
      assert.ok(JSON.parse(text) === v, `${text} reads back as ${String(v)}`);
    }),
    // Found by this test on another machine: written 78790307543376.09.
    { numRuns: 5000, seed, examples: [[78790307543376.1], [-78790307543376.1], [45035996273704.97]] },
  );
});
