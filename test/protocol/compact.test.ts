/**
 * Compact sample frames: the codec round-trips any sequence of frames exactly (fast-check), is
 * short for what agents send, refuses what it cannot decode; and the real server takes them,
 * stores what they carry, and closes a connection whose frame it cannot decode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeCompact, encodeCompact } from '../../src/protocol/compact';
import type { DecodedFields, Fields } from '../../src/protocol/compact';
import type { HistoryAnswer } from '../../src/protocol/history';
import { parseAgentMessage } from '../../src/protocol/parse';
import type { ParseContext } from '../../src/protocol/parse';
import { getJson, waitFor } from '../helpers';
import { SCHEMA, TestAgent, helloMessage, startTestServer } from '../server/test-server';

test('a frame: numbers, "same as before", integer deltas, absent', () => {
  const first = encodeCompact(null, [1, 1_764_000_000_000, 12.5, 2_147_483_648, null]);
  assert.equal(first, '~1,1764000000000,12.5,2147483648,n');
  const second = encodeCompact([1, 1_764_000_000_000, 12.5, 2_147_483_648, null], [2, 1_764_000_001_000, 12.5, 2_147_487_744, 0.25]);
  assert.equal(second, '~2,d1000,,d4096,0.25', 'seq is as short written out; ts and the counter as deltas; cpu unchanged');
  assert.deepEqual(
    decodeCompact([1, 1_764_000_000_000, 12.5, 2_147_483_648, NaN], second, 5),
    [2, 1_764_000_001_000, 12.5, 2_147_487_744, 0.25],
  );
  assert.deepEqual(decodeCompact(null, first, 5), [1, 1_764_000_000_000, 12.5, 2_147_483_648, NaN], 'absent decodes as NaN');
});

test('any sequence of frames decodes to exactly what was encoded, also into reused arrays (as the server does)', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
    fc.integer({ min: -1e9, max: 1e12 }),
    fc.constantFrom(0, -0, 1, 5e-324),
  );
  fc.assert(
    fc.property(
      fc
        .integer({ min: 2, max: 12 })
        .chain((n) => fc.array(fc.array(value, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 8 })),
      (frames) => {
        let sent: Fields | null = null;
        let received: DecodedFields | null = null;
        let spare: DecodedFields | undefined;
        for (const fields of frames) {
          const text = encodeCompact(sent, fields);
          sent = fields;
          const decoded = decodeCompact(received, text, fields.length, spare);
          assert.notEqual(decoded, received, 'never decoded into the frame it is relative to');
          spare = received ?? undefined;
          received = decoded;
          assert.deepEqual(
            received.map((v) => (Object.is(v, -0) ? 0 : v)),
            fields.map((v) => (v === null ? NaN : Object.is(v, -0) ? 0 : v)),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a number field decodes to exactly the double Number() reads from its text, and what is not a number is refused', () => {
  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const decimal = fc
    .tuple(fc.constantFrom('', '-'), digits(0, 18), fc.constantFrom('', '.'), digits(0, 18), fc.constantFrom('', 'e5', 'E-3', 'e+20'))
    .map((parts) => parts.join(''));
  const junk = fc.string({ unit: fc.constantFrom(...'0123456789.-+eEx '), minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(fc.oneof(decimal, junk, fc.double({ noNaN: true }).map(String)), (part) => {
      if (part === '' || part === 'n' || part.includes(',')) return;
      const valid = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(part);
      if (!valid) {
        assert.throws(() => decodeCompact(null, `~1,${part}`, 2), /not a number/, part);
        return;
      }
      const decoded = decodeCompact(null, `~1,${part}`, 2)[1]!;
      assert.ok(Object.is(decoded, Number(part)), `${part}: ${decoded} !== ${Number(part)}`);
    }),
    { numRuns: 3000 },
  );
  assert.ok(Object.is(decodeCompact(null, '~1,-0', 2)[1], -0));
  assert.deepEqual(decodeCompact([1, 2 ** 53 - 2], '~1,d1', 2), [1, 2 ** 53 - 1]);
  assert.deepEqual(decodeCompact([1, 0], '~1,d-1234567890123456', 2), [1, -1234567890123456]);
  assert.throws(() => decodeCompact([1, 0], '~1,d12345678901234567', 2), /not a delta/);
  assert.throws(() => decodeCompact([1, 0], '~1,d1.5', 2), /not a delta/);
  assert.throws(() => decodeCompact([1, 0], '~1,d', 2), /not a delta/);
});

test('frames that cannot be decoded say why', () => {
  assert.throws(() => decodeCompact(null, '~1,2,,4', 4), /no previous compact frame/);
  assert.throws(() => decodeCompact(null, '~1,2,3', 4), /3 fields but/);
  assert.throws(() => decodeCompact([1, 2, NaN, 4], '~1,2,d5,4', 4), /not a delta to an integer/);
  assert.throws(() => decodeCompact(null, '~1,2,abc,4', 4), /"abc" is not a number/);
  assert.throws(() => decodeCompact(null, '~1,2,1e999x,4', 4), /not a number/);
  assert.throws(() => decodeCompact([1, 2], '~1,2,,4', 4), /no previous compact frame/, 'a previous frame without that field');
  assert.throws(() => decodeCompact([1, 2], '~1,2,d1,4', 4), /not a delta to an integer/);
});

test("a compact frame's values are checked as a JSON sample's: non-finite or beyond ±1e300 refuses it, an unknown metric's column is absent", () => {
  const schema = ['cpu', 'noSuchMetric', 'memUsedBytes'];
  const now = 1_764_000_000_000;
  const parse = (text: string) => parseAgentMessage(text, { schema, now, compact: { prev: null } } as ParseContext);
  const ok = parse(`~1,${now},12.5,7,4096`);
  assert.ok(ok.ok && ok.value.type === 'sample');
  assert.deepEqual(Array.from(ok.value.row.data), [12.5, NaN, 4096]);
  for (const [text, why] of [
    [`~1,${now},1e301,7,4096`, /"cpu" is out of range/],
    [`~1,${now},12.5,7,-1e301`, /"memUsedBytes" is out of range/],
    [`~1,${now},1e999,7,4096`, /"cpu" must be a finite number/],
    [`~1,${now},12.5,1e999,4096`, /"noSuchMetric" must be a finite number/],
  ] as const) {
    const bad = parse(text);
    assert.ok(!bad.ok, text);
    assert.equal(bad.code, 'PROBE_ERR_BAD_MESSAGE');
    assert.match(bad.message, why);
  }
});

test('the server takes compact frames after offering them, and drops a connection whose frame it cannot decode', async (t) => {
  const s = await startTestServer(t);
  const key = s.addNode('compact-1');
  const agent = new TestAgent(s.ws, key);
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  await waitFor('welcome', () => agent.of('welcome').length > 0);
  assert.equal(agent.of('welcome')[0]!.compact, true);
  const t0 = Date.now() - 10_000;
  let prev: Fields | null = null;
  for (let seq = 1; seq <= 5; seq++) {
    const fields: Fields = [seq, t0 + seq * 1000, 10 + seq, 1024 * seq, 8192, seq === 3 ? null : 0.5];
    agent.send(encodeCompact(prev, fields));
    prev = fields;
  }
  await waitFor('acked', () => agent.of('ack').some((a) => a.seq === 5));
  const id = (await getJson<{ id: number; name: string }[]>(`${s.base}/api/nodes`)).find((n) => n.name === 'compact-1')!.id;
  const history = await getJson<HistoryAnswer>(`${s.base}/api/nodes/${id}/history?from=${t0}&to=${t0 + 6000}&metrics=${SCHEMA.join(',')}`);
  const column = (name: string) => (history as unknown as Record<string, (number | null)[]>)[name]!.filter((v) => v !== null);
  assert.deepEqual(column('cpu'), [11, 12, 13, 14, 15]);
  assert.deepEqual(column('memUsedBytes'), [1024, 2048, 3072, 4096, 5120]);
  assert.deepEqual(column('load1'), [0.5, 0.5, 0.5, 0.5], 'absent in frame 3');

  agent.send('~6,d1000,abc,,,');
  await waitFor('closed', () => agent.closeCode !== null, 3000);
  assert.equal(agent.closeCode, 1008);
  assert.match(agent.of('error').at(-1)!.message, /compact frame: field 2: "abc" is not a number/);
  const again = new TestAgent(s.ws, key);
  t.after(() => again.close());
  await again.opened;
  again.send(helloMessage());
  again.send(encodeCompact(null, [6, t0 + 6000, 16, 6144, 8192, 0.5]));
  await waitFor('a new connection starts afresh', () => again.of('ack').some((a) => a.seq === 6));
});
