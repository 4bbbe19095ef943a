import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeLabels, WriteRequestWriter } from '../../../src/server/remote/write-request';
import { decodeWriteRequest, snappyDecompress } from './decode';
import { snappyCompress } from '../../../src/server/remote/snappy';

test('a WriteRequest decodes to the series, labels sorted by name (empty ones left out) and samples as given', () => {
  const writer = new WriteRequestWriter();
  const cpu = encodeLabels([
    ['__name__', 'probe_cpu_usage_percent'],
    ['node', 'tokyo-1'],
    ['group', 'asia'],
    ['location', ''],
  ]);
  const ts = [1_795_888_611_675, 1_795_888_612_675, 2 ** 41 + 3];
  // Stored in another order; `order` (from its second entry) gives the oldest first.
  writer.addSeries(cpu, 0, cpu.length, [0, ts[2]!, ts[0]!, ts[1]!], [0, 1e300, 12.5, -0], [0, 2, 3, 1], 1, 3);
  // Labels inside a larger buffer (a slab): only their bytes go in.
  const load = encodeLabels([
    ['__name__', 'probe_load1'],
    ['node', 'ü "x"\n'],
  ]);
  const slab = Buffer.concat([Buffer.from('before'), load, Buffer.from('after')]);
  writer.addSeries(slab, 6, load.length, [5], [0.25], [0], 0, 1);
  assert.equal(writer.values, 4);
  const decoded = decodeWriteRequest(snappyDecompress(snappyCompress(writer.bytes())));
  assert.deepEqual(decoded[0]!.labelOrder, ['__name__', 'group', 'node']);
  assert.deepEqual(decoded[0]!.labels, { __name__: 'probe_cpu_usage_percent', group: 'asia', node: 'tokyo-1' });
  assert.deepEqual(
    decoded[0]!.samples,
    ts.map((t, i) => ({ ts: t, value: [12.5, -0, 1e300][i] })),
  );
  assert.deepEqual(decoded[1], {
    labels: { __name__: 'probe_load1', node: 'ü "x"\n' },
    labelOrder: ['__name__', 'node'],
    samples: [{ value: 0.25, ts: 5 }],
  });
  writer.reset();
  assert.equal(writer.length, 0);
});

test('sample stamps of every varint length come back as written (1 to 8 bytes, up to 2^53)', () => {
  fc.assert(
    fc.property(fc.array(fc.maxSafeNat(), { minLength: 1, maxLength: 50 }), fc.nat(52), (stamps, bits) => {
      const ts = stamps.map((t, i) => (i % 2 === 0 ? t % 2 ** bits : t));
      const writer = new WriteRequestWriter();
      const order = ts.map((_, i) => i);
      const labels = encodeLabels([['__name__', 'probe_x']]);
      writer.addSeries(labels, 0, labels.length, ts, order, order, 0, ts.length);
      const [series] = decodeWriteRequest(writer.bytes());
      assert.deepEqual(
        series!.samples.map((s) => s.ts),
        ts,
      );
    }),
    { numRuns: 300 },
  );
});
