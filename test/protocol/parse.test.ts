import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentMessage } from '../../src/protocol/parse';
import type { ParseContext } from '../../src/protocol/parse';
import { encodeSample } from '../../src/protocol/encode';
import { MAX_AGENT_MESSAGE_BYTES } from '../../src/protocol/messages';
import { rowValues } from '../../src/protocol/row';

const NOW = 1_764_000_000_000;
const SCHEMA = ['cpu', 'memUsedBytes', 'load1'];
const ctx: ParseContext = { schema: SCHEMA, now: NOW };

const hello = {
  type: 'hello',
  protocol: 1,
  agentVersion: '0.1.0',
  intervalMs: 1000,
  metrics: SCHEMA,
  host: { hostname: 'h', os: 'Debian 12', kernel: '6.1', arch: 'x64', cpuModel: 'EPYC', cores: 2, bootTime: NOW - 1000 },
};

function expectError(text: string, code: string, c = ctx) {
  const result = parseAgentMessage(text, c);
  assert.equal(result.ok, false, `expected ${code} for ${text.slice(0, 80)}`);
  if (!result.ok) {
    assert.equal(result.code, code);
    assert.ok(result.message.length > 10, 'message explains the problem');
  }
  return result;
}

test('hello parses to a typed message', () => {
  const result = parseAgentMessage(JSON.stringify(hello), { schema: null, now: NOW });
  assert.ok(result.ok);
  assert.equal(result.value.type, 'hello');
  if (result.value.type === 'hello') assert.deepEqual(result.value.metrics, SCHEMA);
});

test('array-form sample maps values onto the hello schema, null means absent', () => {
  const result = parseAgentMessage(encodeSample(7, NOW, { cpu: 12.5, load1: 0.3 }, SCHEMA), ctx);
  assert.ok(result.ok);
  assert.ok(result.value.type === 'sample');
  assert.deepEqual(
    { ...result.value, row: rowValues(result.value.row) },
    { type: 'sample', seq: 7, ts: NOW, row: { cpu: 12.5, load1: 0.3 } },
  );
  assert.equal(result.value.row.names, SCHEMA, "the row keeps hello's names array, so later steps look names up once per connection");
});

test('object-form sample is accepted too', () => {
  const result = parseAgentMessage(JSON.stringify({ type: 'sample', seq: 1, ts: NOW, values: { cpu: 1, 'custom.queue': 4 } }), ctx);
  assert.ok(result.ok);
  assert.deepEqual(result.value.type === 'sample' && rowValues(result.value.row), { cpu: 1, 'custom.queue': 4 });
});

test('unknown metric names are dropped, not stored', () => {
  const result = parseAgentMessage(JSON.stringify({ type: 'sample', seq: 1, ts: NOW, values: { cpu: 1, bogus: 2, __proto__x: 3 } }), ctx);
  assert.ok(result.ok);
  assert.deepEqual(result.value.type === 'sample' && rowValues(result.value.row), { cpu: 1 });
});

test('bad messages get precise codes', () => {
  expectError('{not json', 'PROBE_ERR_BAD_MESSAGE');
  expectError('[]', 'PROBE_ERR_BAD_MESSAGE');
  expectError('null', 'PROBE_ERR_BAD_MESSAGE');
  expectError(JSON.stringify({ type: 'exec', cmd: 'rm -rf /' }), 'PROBE_ERR_UNKNOWN_TYPE');
  expectError(JSON.stringify({ ...hello, protocol: 2 }), 'PROBE_ERR_PROTOCOL_VERSION');
  expectError(JSON.stringify({ ...hello, host: { ...hello.host, cores: 'two' } }), 'PROBE_ERR_BAD_MESSAGE');
  expectError(JSON.stringify({ type: 'sample', seq: 1, ts: NOW, values: [1, 2] }), 'PROBE_ERR_BAD_MESSAGE');
  expectError(JSON.stringify({ type: 'sample', seq: 1, ts: NOW, values: [1, 'x', 3] }), 'PROBE_ERR_BAD_MESSAGE');
  expectError(JSON.stringify({ type: 'sample', seq: 1, ts: NOW, values: { cpu: '12' } }), 'PROBE_ERR_BAD_MESSAGE');
  expectError('{"type":"sample","seq":1,"ts":1764000000000,"values":{"cpu":1e999}}', 'PROBE_ERR_BAD_MESSAGE');
  expectError(JSON.stringify({ type: 'sample', seq: -1, ts: NOW, values: {} }), 'PROBE_ERR_BAD_MESSAGE');
  expectError(JSON.stringify({ type: 'sample', seq: 1.5, ts: NOW, values: {} }), 'PROBE_ERR_BAD_MESSAGE');
});

test('a sample before hello is a protocol error', () => {
  expectError(encodeSample(1, NOW, {}, SCHEMA), 'PROBE_ERR_PROTOCOL', { schema: null, now: NOW });
});

test('timestamps far from the server clock are refused', () => {
  expectError(encodeSample(1, NOW + 3600_000, {}, SCHEMA), 'PROBE_ERR_CLOCK_SKEW');
  expectError(encodeSample(1, NOW - 500 * 86400_000, {}, SCHEMA), 'PROBE_ERR_CLOCK_SKEW');
  assert.ok(parseAgentMessage(encodeSample(1, NOW - 86400_000, {}, SCHEMA), ctx).ok, 'a day-old backfill is fine');
});

test('oversized and deeply nested input is refused without throwing', () => {
  expectError(`"${'x'.repeat(MAX_AGENT_MESSAGE_BYTES + 1)}"`, 'PROBE_ERR_BAD_MESSAGE');
  const deep = '['.repeat(30_000) + ']'.repeat(30_000);
  expectError(deep, 'PROBE_ERR_BAD_MESSAGE');
  const deepObject = `{"type":"sample","seq":1,"ts":1764000000000,"values":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`;
  expectError(deepObject, 'PROBE_ERR_BAD_MESSAGE');
});

test('a realistic sample stays under 200 bytes on the wire', () => {
  const text = encodeSample(
    123456,
    NOW,
    {
      cpu: 12.3,
      memUsedBytes: 386072576,
      memTotalBytes: 25276063744,
      swapUsedBytes: 0,
      swapTotalBytes: 2147483648,
      diskUsedBytes: 24127725568,
      diskTotalBytes: 270553174016,
      netRxBytesPerSec: 12345,
      netTxBytesPerSec: 6789,
      load1: 0.63,
      load5: 0.25,
      load15: 0.17,
      uptimeSec: 2476123,
      processes: 164,
    },
    [
      'cpu',
      'memUsedBytes',
      'memTotalBytes',
      'swapUsedBytes',
      'swapTotalBytes',
      'diskUsedBytes',
      'diskTotalBytes',
      'netRxBytesPerSec',
      'netTxBytesPerSec',
      'load1',
      'load5',
      'load15',
      'uptimeSec',
      'processes',
    ],
  );
  assert.ok(Buffer.byteLength(text) < 200, `${Buffer.byteLength(text)} bytes: ${text}`);
});
