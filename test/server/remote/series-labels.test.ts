/**
 * @module The series labels remote write keeps (one per node and metric: 400 000 at 10 000 agents)
 * sit in slabs of their own, not in slices of Node's shared buffer pool, where each kept slice held
 * its 8 KiB pool and the garbage made beside it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeriesLabels, Slabs } from '../../../src/server/remote/series-labels';
import { encodeLabels } from '../../../src/server/remote/write-request';

test('Slabs: kept bytes are copies packed into slabs of their own; larger ones get their own buffer', () => {
  const slabs = new Slabs(64);
  const a = Buffer.from('first');
  const keptA = slabs.keep(a);
  a.fill(0);
  assert.equal(keptA.toString(), 'first', 'a copy: changing the original leaves it');
  const keptB = slabs.keep(Buffer.from('second'));
  assert.equal(keptB.buffer, keptA.buffer, 'packed into the same slab');
  assert.equal(keptB.byteOffset, keptA.byteOffset + 5);
  assert.equal(keptA.buffer.byteLength, 64, 'the slab, not the 8 KiB pool');
  const full = slabs.keep(Buffer.alloc(60, 1));
  assert.notEqual(full.buffer, keptA.buffer, 'past the slab: a new one');
  const large = slabs.keep(Buffer.alloc(100, 2));
  assert.equal(large.length, 100);
  assert.deepEqual([...large], Array(100).fill(2));
});

test('SeriesLabels: a series label is the encoded labels, held outside the shared pool', () => {
  const labels = new SeriesLabels(
    () => ({ name: 'web-1', group: 'web', location: 'Tokyo' }),
    () => 'cpu',
  );
  const byMetric = labels.forNode(1)!;
  const label = labels.metric(1, byMetric, 7)!;
  const expected = encodeLabels([
    ['__name__', 'probe_cpu_usage_percent'],
    ['node', 'web-1'],
    ['group', 'web'],
    ['location', 'Tokyo'],
  ]);
  assert.deepEqual(label.labels, expected);
  assert.notEqual(label.labels.buffer.byteLength, Buffer.poolSize, 'not a slice of the shared pool');
  assert.equal(labels.metric(1, byMetric, 7), label, 'made once');
});
