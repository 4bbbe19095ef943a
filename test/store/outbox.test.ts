import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valuesRow } from '../../src/protocol/row';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { CHECK_SERIES_BASE } from '../../src/store/store';
import type { OutboxStore } from '../../src/store/store';
import { tempDir } from '../helpers';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function readAll(outbox: OutboxStore, afterId: number): string[] {
  const out: string[] = [];
  outbox.read(afterId, Number.MAX_SAFE_INTEGER, 1000, (nodeId, ts, ids, values) =>
    out.push(`${nodeId}@${ts - NOW}:${ids.map((id, i) => `${outbox.nameOf(id)}=${values[i]}`).join(',')}`),
  );
  return out;
}

test('the outbox gets each sample stored for the first time, in commit order: backfill after live, copies never', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir, { outbox: true, now: () => NOW });
  t.after(() => store.close());
  const { outbox } = store;
  const node = store.addNode({ name: 'a', group: '', location: '', keyHash: 'h' }, NOW);
  outbox.keepTargets(['vm']);
  const start = outbox.cursor('vm');
  const sample = (seq: number, ts: number) => ({ nodeId: node.id, seq, ts: NOW + ts, row: valuesRow({ cpu: seq }) });
  store.writeSamples([sample(10, 10_000), sample(11, 11_000)]);
  // Sent again before the ack arrived, with backfill from an outage and a check's series.
  store.writeSamples([sample(11, 11_000), sample(3, 3_000), { nodeId: CHECK_SERIES_BASE + 1, seq: 1, ts: NOW, row: valuesRow({ up: 1 }) }]);
  assert.deepEqual(readAll(outbox, start.afterId), [`${node.id}@10000:cpu=10`, `${node.id}@11000:cpu=11`, `${node.id}@3000:cpu=3`]);
  // Once the minute is packed into a block, a copy is still recognised.
  store.compact(NOW + 120_000, 100);
  store.writeSamples([sample(10, 10_000), sample(12, 12_000)]);
  assert.deepEqual(readAll(outbox, start.afterId).slice(3), [`${node.id}@12000:cpu=12`]);
  assert.deepEqual(outbox.backlog(start.afterId), { rows: 3, samples: 4, oldestAt: NOW });
});

test('rows go once every target has sent them; a new target starts at the newest row; an unknown one is forgotten', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir, { outbox: true, now: () => NOW });
  t.after(() => store.close());
  const { outbox } = store;
  const node = store.addNode({ name: 'a', group: '', location: '', keyHash: 'h' }, NOW);
  outbox.keepTargets(['x', 'y']);
  for (let i = 0; i < 4; i++) store.writeSamples([{ nodeId: node.id, seq: i, ts: NOW + i * 1000, row: valuesRow({ cpu: i }) }]);
  const head = outbox.windowEnd(outbox.cursor('x').afterId, 100, 100);
  assert.equal(outbox.windowEnd(outbox.cursor('x').afterId, 2, 100), outbox.cursor('x').afterId + 2);
  outbox.saveCursor('x', { afterId: head, toId: head, requestsDone: 0 });
  assert.equal(outbox.backlog(0).rows, 4, 'y has not sent them');
  outbox.keepTargets(['x', 'z']);
  assert.equal(outbox.backlog(0).rows, 0, 'y forgotten: rows x sent go');
  assert.equal(outbox.cursor('z').afterId, head);
  store.writeSamples([{ nodeId: node.id, seq: 8, ts: NOW + 8000, row: valuesRow({ cpu: 8 }) }]);
  // A CLI command opening the same file (probe node add, backup) while the server runs leaves it be.
  const cli = openSqliteStore(dir);
  cli.close();
  assert.equal(outbox.backlog(head).rows, 1);
  store.close();
  // A server without targets writes nothing and empties the outbox.
  const again = openSqliteStore(dir);
  again.writeSamples([{ nodeId: node.id, seq: 9, ts: NOW + 9000, row: valuesRow({ cpu: 9 }) }]);
  assert.equal(again.outbox.backlog(0).rows, 1);
  again.outbox.keepTargets([]);
  assert.deepEqual(again.outbox.backlog(0), { rows: 0, samples: 0, oldestAt: null });
  assert.equal(again.outbox.cursor('x').afterId, head + 1, 'ids go on after the last one ever written');
  again.close();
});
