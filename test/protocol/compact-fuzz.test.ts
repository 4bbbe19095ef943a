/**
 * Property-based fuzzing of the compact-frame decoder with hostile input: whatever text arrives,
 * it returns exactly as many numbers as asked or throws a plain Error with a message (the parser
 * turns that into PROBE_ERR_BAD_MESSAGE), never another kind of error; the parser built on it
 * never throws and lets no non-finite value through; and values of the whole double range
 * round-trip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeCompact, encodeCompact } from '../../src/protocol/compact';
import type { DecodedFields, Fields } from '../../src/protocol/compact';
import { parseAgentMessage } from '../../src/protocol/parse';
import { rowValues } from '../../src/protocol/row';

const RUNS = 3000;
const NOW = 1_764_000_000_000;
const SCHEMA = ['cpu', 'memUsedBytes', 'load1', 'custom.queue'];

/** Text made of what compact frames are made of, so the fuzzer reaches deep into the decoder. */
const soup = fc
  .array(
    fc.constantFrom(
      '~',
      ',',
      'd',
      'n',
      '-',
      '+',
      '.',
      'e',
      'E',
      '0',
      '1',
      '9',
      '12.5',
      '1764000000000',
      'd1000',
      'd-',
      '1e308',
      '1e309',
      'NaN',
      'Infinity',
      '0x1f',
      ' ',
      '9'.repeat(17),
      '\u0000',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));
const prevFields = fc.option(
  fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(NaN), fc.constant(Number.MAX_SAFE_INTEGER)), { minLength: 6, maxLength: 6 }),
  { nil: null },
);

test('any text: the asked number of fields, or a plain Error; never a TypeError or RangeError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        soup,
        soup.map((s) => `~${s}`),
        fc.string({ unit: 'binary', maxLength: 200 }),
      ),
      prevFields,
      fc.integer({ min: 0, max: 8 }),
      (text, prev, expected) => {
        let out: DecodedFields;
        try {
          out = decodeCompact(prev, text, expected);
        } catch (err) {
          assert.equal((err as Error).constructor, Error, `${JSON.stringify(text)}: ${String(err)}`);
          assert.ok((err as Error).message.length > 0);
          return;
        }
        assert.equal(out.length, expected, JSON.stringify(text));
        for (const v of out) assert.equal(typeof v, 'number');
      },
    ),
    { numRuns: RUNS },
  );
});

test('hostile compact frames after a hello: a typed sample with finite values or a PROBE_ERR_* code, never a throw', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          soup.map((s) => `~${s}`),
          fc.constant('~1,1764000000000,1,2,3,4'),
          fc.constant('~2,d1000,,,,'),
          fc.constant('~3,d1000,1e308,1e308,d1,n'),
        ),
        { maxLength: 6 },
      ),
      (frames) => {
        const ctx = { schema: SCHEMA, now: NOW, compact: { prev: null } };
        for (const text of frames) {
          const result = parseAgentMessage(text, ctx);
          if (!result.ok) {
            assert.match(result.code, /^PROBE_ERR_[A-Z_]+$/);
            continue;
          }
          assert.equal(result.value.type, 'sample');
          if (result.value.type !== 'sample') continue;
          assert.ok(Number.isSafeInteger(result.value.seq) && Number.isSafeInteger(result.value.ts));
          for (const [name, v] of Object.entries(rowValues(result.value.row))) assert.ok(Number.isFinite(v), `${name} = ${v} from ${text}`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('values of the whole double range and safe integers near 2^53 round-trip, deltas included', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.maxSafeInteger(),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53 - 2, 1e21, 1.7976931348623157e308, 5e-324),
  );
  fc.assert(
    fc.property(
      fc
        .integer({ min: 2, max: 8 })
        .chain((n) => fc.array(fc.array(value, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 6 })),
      (frames) => {
        let sent: Fields | null = null;
        let received: DecodedFields | null = null;
        for (const fields of frames) {
          const text = encodeCompact(sent, fields);
          sent = fields;
          received = decodeCompact(received, text, fields.length);
          assert.deepEqual(
            received.map((v) => (Object.is(v, -0) ? 0 : v)),
            fields.map((v) => (v === null ? NaN : Object.is(v, -0) ? 0 : v)),
            text,
          );
        }
      },
    ),
    { numRuns: RUNS },
  );
});
