import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { maxCompressedLength, snappyCompress } from '../../../src/server/remote/snappy';
import { snappyDecompress } from './decode';

test('snappy: what is compressed decompresses to the same bytes, within the bound', () => {
  const cases = [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('abcd'.repeat(1000)),
    randomBytes(70_000),
    Buffer.alloc(200_000, 7),
    Buffer.from('probe_cpu_usage_percent node="tokyo-1" group="asia" '.repeat(5000)),
  ];
  for (const input of cases) {
    const packed = snappyCompress(input);
    assert.ok(packed.length <= maxCompressedLength(input.length));
    assert.deepEqual(snappyDecompress(packed), input);
  }
  assert.ok(snappyCompress(Buffer.alloc(200_000, 7)).length < 10_000, 'runs compress');
});

test('snappy: random inputs of repeating pieces round-trip', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 300 }), fc.nat(70_000), (pieces, pad) => {
      const input = Buffer.concat([...pieces, ...pieces.slice(0, 5), Buffer.alloc(pad % 3 === 0 ? pad : 0, 1)].map((p) => Buffer.from(p)));
      assert.deepEqual(snappyDecompress(snappyCompress(input)), input);
    }),
    { numRuns: 200 },
  );
});
