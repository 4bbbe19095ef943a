import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batched } from '../../src/util/batched';

test('Batched: one run at a time; items added while one runs go together in the next; each promise settles with its run', async () => {
  const runs: string[][] = [];
  const releases: (() => void)[] = [];
  const batched = new Batched<string>(
    (items) =>
      new Promise<void>((resolve) => {
        runs.push(items);
        releases.push(resolve);
      }),
  );
  const settled: string[] = [];
  const add = (item: string) => batched.add(item).then(() => void settled.push(item));
  const first = add('a');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(runs, [['a']], 'the first item starts a run at once');
  const rest = ['b', 'c', 'd'].map(add);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(runs, [['a']], 'no second run while the first is under way');
  releases[0]!();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(runs, [['a'], ['b', 'c', 'd']], 'the items gathered meanwhile make one run');
  assert.deepEqual(settled, ['a']);
  releases[1]!();
  await Promise.all(rest);
  assert.deepEqual(settled, ['a', 'b', 'c', 'd']);
});

test('Batched: a run that fails rejects its items only; the next run still happens', async () => {
  const runs: number[][] = [];
  let fail: (err: Error) => void = () => {};
  const batched = new Batched<number>((items) => {
    runs.push(items);
    return runs.length === 1 ? new Promise((_, reject) => (fail = reject)) : Promise.resolve();
  });
  const failed = batched.add(1);
  await new Promise((r) => setImmediate(r));
  const later = batched.add(2);
  fail(new Error('lost'));
  await assert.rejects(failed, /lost/);
  await later;
  assert.deepEqual(runs, [[1], [2]]);
});
