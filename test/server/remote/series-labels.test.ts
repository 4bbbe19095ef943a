/**
 * @module The series labels remote write sends (one per node and metric: 400 000 at 10 000 agents):
 * encoded from the node's name, group and location and /metrics' name for the metric, and kept
 * without an object per series, in slabs of their own (not slices of Node's shared buffer pool,
 * where each kept slice held its 8 KiB pool and the garbage made beside it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeptLabels, SeriesLabels } from '../../../src/server/remote/series-labels';
import { encodeLabels } from '../../../src/server/remote/write-request';

const bytesOf = (kept: KeptLabels, n: number) => kept.bytes(n).subarray(kept.offsetOf(n), kept.offsetOf(n) + kept.lengthOf(n));

test('KeptLabels: copies in 64 KiB slabs of their own; numbers given again after release; compact keeps every live one', () => {
  const kept = new KeptLabels();
  const a = Buffer.from('first');
  const na = kept.keep(a, 1);
  a.fill(0);
  assert.equal(bytesOf(kept, na).toString(), 'first', 'a copy: changing the original leaves it');
  const nb = kept.keep(Buffer.from('second'), 8);
  assert.equal(kept.bytes(nb), kept.bytes(na), 'packed into the same slab');
  assert.equal(kept.offsetOf(nb), kept.offsetOf(na) + 5);
  assert.equal(kept.bytes(na).length, 64 * 1024, 'the slab, not the 8 KiB pool');
  assert.deepEqual([kept.divisors[na], kept.divisors[nb]], [1, 8]);
  const large = kept.keep(Buffer.alloc(70_000, 2), 1);
  assert.deepEqual(bytesOf(kept, large), Buffer.alloc(70_000, 2), 'larger than a slab: one of its own');
  // Many series released (nodes renamed): their numbers come back, and once the dead bytes are the
  // larger part the live ones move to new slabs, numbers and bytes unchanged.
  const many = Array.from({ length: 2000 }, (_, i) => kept.keep(Buffer.from(`series ${i} `.repeat(5)), i + 1));
  for (const n of many.slice(0, 1900)) kept.release(n);
  const reused = kept.keep(Buffer.from('again'), 3);
  assert.ok(many.slice(0, 1900).includes(reused), 'a released number is given again');
  const slabBefore = kept.bytes(many[1999]!);
  kept.compact();
  assert.notEqual(kept.bytes(many[1999]!), slabBefore, 'moved to a new slab');
  for (const n of many.slice(1900)) assert.equal(bytesOf(kept, n).toString(), `series ${many.indexOf(n)} `.repeat(5));
  for (const [n, text] of [
    [na, 'first'],
    [nb, 'second'],
    [reused, 'again'],
  ] as const)
    assert.equal(bytesOf(kept, n).toString(), text);
  assert.deepEqual(bytesOf(kept, large), Buffer.alloc(70_000, 2));
  assert.equal(kept.divisors[many[1999]!], 2000);
});

test('SeriesLabels: the encoded labels of a node and metric as they are now; null for a node gone or a name /metrics does not show', () => {
  const nodes = new Map([[1, { name: 'web-1', group: 'web', location: 'Tokyo' }]]);
  const labels = new SeriesLabels(
    (id) => nodes.get(id),
    (id) => (id === 7 ? 'cpu' : 'not.a.metric /metrics knows'),
  );
  assert.deepEqual(labels.encode(1, 7), {
    labels: encodeLabels([
      ['__name__', 'probe_cpu_usage_percent'],
      ['node', 'web-1'],
      ['group', 'web'],
      ['location', 'Tokyo'],
    ]),
    divisor: 1,
  });
  assert.equal(labels.encode(1, 8), null);
  const key = labels.nodeKey(1);
  nodes.set(1, { name: 'web-1', group: 'web', location: 'Osaka' });
  assert.notEqual(labels.nodeKey(1), key, 'another key once the location changes');
  nodes.delete(1);
  assert.equal(labels.nodeKey(1), null);
  assert.equal(labels.encode(1, 7), null);
});
