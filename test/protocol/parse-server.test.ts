/**
 * The parser of what a server sends an agent: typed messages, or a PROBE_ERR_* code; never a throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_ACK_INTERVAL_MS, parseServerMessage } from '../../src/protocol/parse-server';

test('the messages a server sends parse; a welcome without ignoredMetrics has none', () => {
  assert.deepEqual(parseServerMessage('{"type":"ack","seq":42}'), { ok: true, value: { type: 'ack', seq: 42 } });
  const welcome = parseServerMessage(
    '{"type":"welcome","protocol":1,"serverVersion":"0.1.0","node":"tokyo-1","ackIntervalMs":5000,"compact":true}',
  );
  assert.deepEqual(welcome, {
    ok: true,
    value: {
      type: 'welcome',
      protocol: 1,
      serverVersion: '0.1.0',
      node: 'tokyo-1',
      ignoredMetrics: [],
      ackIntervalMs: 5000,
      compact: true,
    },
  });
  for (const bad of [
    'null',
    '[]',
    '{"type":"ack","seq":-1}',
    '{"type":"welcome","protocol":1,"serverVersion":"x","node":"n","ackIntervalMs":1e15}',
    '{"type":"error","code":1,"message":"m"}',
  ]) {
    const result = parseServerMessage(bad);
    assert.equal(result.ok, false, bad);
  }
  assert.deepEqual(parseServerMessage('{"type":"later"}'), {
    ok: false,
    code: 'PROBE_ERR_UNKNOWN_TYPE',
    message: 'unknown message type "later"',
  });
});

test('property: any string or JSON value gives a typed message within bounds or a PROBE_ERR_* code', () => {
  const frame = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? ''),
    fc
      .record(
        {
          type: fc.constantFrom('welcome', 'ack', 'error'),
          protocol: fc.jsonValue(),
          serverVersion: fc.jsonValue(),
          node: fc.jsonValue(),
          ignoredMetrics: fc.jsonValue(),
          ackIntervalMs: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
          compact: fc.jsonValue(),
          seq: fc.oneof(fc.integer(), fc.jsonValue()),
          code: fc.jsonValue(),
          message: fc.jsonValue(),
        },
        { requiredKeys: ['type'] },
      )
      .map((v) => JSON.stringify(v)),
  );
  fc.assert(
    fc.property(frame, (text) => {
      const result = parseServerMessage(text);
      if (!result.ok) return assert.match(result.code, /^PROBE_ERR_[A-Z_]+$/);
      const msg = result.value;
      if (msg.type === 'ack') assert.ok(Number.isSafeInteger(msg.seq) && msg.seq >= 0);
      if (msg.type === 'welcome') {
        assert.ok(Array.isArray(msg.ignoredMetrics) && msg.ignoredMetrics.every((m) => typeof m === 'string'));
        if (msg.ackIntervalMs !== undefined) assert.ok(msg.ackIntervalMs >= 0 && msg.ackIntervalMs <= MAX_ACK_INTERVAL_MS);
      }
      if (msg.type === 'error') assert.ok(typeof msg.code === 'string' && typeof msg.message === 'string');
    }),
    { numRuns: 3000 },
  );
});
