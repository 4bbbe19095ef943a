import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBlock, encodeBlock } from '../../src/store/codec';
import type { BlockSample } from '../../src/store/codec';

function realistic(n: number, start = 1_764_000_000_000): BlockSample[] {
  let rx = 0;
  return Array.from({ length: n }, (_, i) => {
    rx += 1000 + ((i * 7919) % 5000);
    return {
      ts: start + i * 1000,
      seq: 1000 + i,
      values: {
        1: Math.round((10 + ((i * 37) % 50) / 3) * 10) / 10,
        2: 386072576 + i * 4096,
        3: 25276063744,
        4: 0.63 + (i % 5) / 100,
        5: rx,
        6: 164 + (i % 3),
      },
    };
  });
}

test('round-trips exactly: integers, decimals, huge, negative, irrational, absent values', () => {
  const samples: BlockSample[] = [
    { ts: 1000, seq: 1, values: { 1: 12.3, 2: 2 ** 40, 3: -5.25, 4: Math.PI, 7: 0 } },
    { ts: 2000, seq: 2, values: { 1: 12.4, 3: -5, 4: Math.E } },
    { ts: 3500, seq: 5, values: { 2: 2 ** 40 + 1, 9: 1e-7 } },
    { ts: 4000, seq: 6, values: {} },
  ];
  assert.deepEqual(decodeBlock(encodeBlock(samples)), samples);
  assert.deepEqual(decodeBlock(encodeBlock([])), []);
  const many = realistic(60);
  assert.deepEqual(decodeBlock(encodeBlock(many)), many);
});

test('a realistic minute packs to a few bytes per value', () => {
  const block = encodeBlock(realistic(60));
  const bytesPerValue = block.length / (60 * 6);
  assert.ok(bytesPerValue < 2, `${bytesPerValue.toFixed(2)} bytes per value`);
});

test('corrupt data is an error, not garbage', () => {
  assert.throws(() => decodeBlock(Buffer.from([1, 2, 3])));
  const good = encodeBlock(realistic(10));
  assert.throws(() => decodeBlock(good.subarray(0, good.length - 5)));
});

test('values whose scaled deltas pass 2^53, and -0, come back exactly (they once came back rounded, with the wrong sign)', () => {
  const samples = [
    { ts: 0, seq: 1, values: { 1: -463624881071127.3, 2: 2 ** 52 + 1, 3: 4e15 } },
    { ts: 1000, seq: 2, values: { 1: 463624881071127.3, 2: 2 ** 53 - 1, 3: -4e15 } },
    { ts: 2000, seq: 3, values: { 1: 0.1, 2: -(2 ** 53 - 1), 3: 4e15 } },
    { ts: 3000, seq: 4, values: { 1: -0, 2: 0, 3: -0 } },
  ];
  assert.deepEqual(decodeBlock(encodeBlock(samples)), samples);
});

test('a column whose early values fit unscaled but not at the scale a later value needs is not rounded (seed 1938105959 found it)', () => {
  const samples = [
    { ts: 0, seq: 1, values: { 7: -517739895279236 } },
    { ts: 1000, seq: 2, values: { 7: 7.1 } },
  ];
  assert.deepEqual(decodeBlock(encodeBlock(samples)), samples);
});
