import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameWriter } from '../../src/server/frame-writer';

test('numbers are written exactly as JSON.stringify writes them', () => {
  const write = (v: number) => {
    const out = new FrameWriter();
    out.number(v);
    return out.copy().toString();
  };
  const value = fc.oneof(
    fc.maxSafeInteger(),
    fc.integer().map((n) => n / 10),
    fc.integer().map((n) => n / 100),
    fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1000),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 0.05, -0.5, 0.1 + 0.2, 2 ** 53, 2 ** 53 + 2, 1e21, 1e-7, 5e-324, -1.7976931348623157e308, 99.99, 100.01),
  );
  fc.assert(fc.property(value, (v) => assert.equal(write(v), JSON.stringify(v), String(v))), { numRuns: 5000 });
});
