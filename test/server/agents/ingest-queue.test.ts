import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IngestQueue } from '../../../src/server/agents/ingest-queue';
import { createMemoryStore } from '../../../src/store/memory-store';
import type { Store } from '../../../src/store/store';
import { valuesRow } from '../../../src/protocol/row';
import { ManualClock } from '../../manual-clock';

test('a full queue refuses new samples instead of dropping queued ones', (t) => {
  const store = createMemoryStore();
  const queue = new IngestQueue(store, { flushMs: 60_000, maxQueued: 2 });
  t.after(() => queue.close());
  const acked: number[] = [];
  const sample = (seq: number) => ({ nodeId: 1, seq, ts: seq * 1000, row: valuesRow({ cpu: seq }) });
  assert.equal(
    queue.push(sample(1), () => acked.push(1)),
    true,
  );
  assert.equal(
    queue.push(sample(2), () => acked.push(2)),
    true,
  );
  assert.equal(
    queue.push(sample(3), () => acked.push(3)),
    false,
  );
  queue.flush();
  assert.deepEqual(acked, [1, 2]);
  assert.deepEqual(
    store.samples(1, 0, Infinity).map((s) => s.seq),
    [1, 2],
  );
});

test('a failing write acks nothing and keeps the samples for the next flush', (t) => {
  const store = createMemoryStore();
  let failing = true;
  const flaky: Store = {
    ...store,
    writeSamples: (s) =>
      failing
        ? (() => {
            throw new Error('disk full');
          })()
        : store.writeSamples(s),
  };
  const queue = new IngestQueue(flaky, { flushMs: 60_000, maxQueued: 10 });
  t.after(() => queue.close());
  const acked: number[] = [];
  queue.push({ nodeId: 1, seq: 1, ts: 1000, row: valuesRow({}) }, () => acked.push(1));
  queue.flush();
  assert.deepEqual(acked, []);
  assert.equal(queue.length, 1);
  failing = false;
  queue.flush();
  assert.deepEqual(acked, [1]);
});

test('the queue flushes every flushMs on its clock', async (t) => {
  const clock = new ManualClock();
  const queue = new IngestQueue(createMemoryStore(), { flushMs: 50, maxQueued: 10, clock });
  t.after(() => queue.close());
  const acked: number[] = [];
  queue.push({ nodeId: 1, seq: 1, ts: 1000, row: valuesRow({ cpu: 1 }) }, () => acked.push(1));
  await clock.advance(49);
  assert.deepEqual(acked, []);
  await clock.advance(1);
  assert.deepEqual(acked, [1]);
  queue.close();
  assert.equal(clock.timers, 0, 'closing stops the timer');
});

test('an idle queue sets no timer; a failed write is tried again every flushMs, each write told to onWrite', async (t) => {
  const clock = new ManualClock();
  const store = createMemoryStore();
  let failing = true;
  const flaky: Store = {
    ...store,
    writeSamples: (s) => {
      if (failing) throw new Error('disk full');
      store.writeSamples(s);
    },
  };
  const queue = new IngestQueue(flaky, { flushMs: 50, maxQueued: 10, clock });
  t.after(() => queue.close());
  const writes: string[] = [];
  queue.onWrite = () => writes.push(queue.failing ? 'failed' : 'stored');
  assert.equal(clock.timers, 0, 'nothing queued: nothing wakes the server');
  const acked: number[] = [];
  queue.push({ nodeId: 1, seq: 1, ts: 1000, row: valuesRow({ cpu: 1 }) }, () => acked.push(1));
  queue.push({ nodeId: 1, seq: 2, ts: 2000, row: valuesRow({ cpu: 2 }) }, () => acked.push(2));
  assert.equal(clock.timers, 1, 'one flush for both');
  await clock.advance(100);
  assert.deepEqual(writes, ['failed', 'failed']);
  assert.equal(clock.timers, 1, 'tried again while failing');
  queue.flush();
  assert.equal(clock.timers, 1, 'a failed flush called by hand is tried again too');
  failing = false;
  await clock.advance(50);
  assert.deepEqual(writes, ['failed', 'failed', 'failed', 'stored']);
  assert.deepEqual(acked, [1, 2]);
  assert.equal(clock.timers, 0, 'stored: no timer left');
});
