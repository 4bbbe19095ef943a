import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../../src/util/in-flight';

/** Work that settles when the test says, counting how often it was made. */
function gated() {
  let made = 0;
  const releases: (() => void)[] = [];
  const make = () =>
    new Promise<number>((resolve) => {
      const n = ++made;
      releases.push(() => resolve(n));
    });
  return { make, made: () => made, release: (i: number) => releases[i]!() };
}

test('InFlight: callers while the work runs share it; once settled, the next call makes it anew; keys apart', async () => {
  const work = new InFlight<number>();
  const g = gated();
  const a = work.run('guest', g.make);
  const b = work.run('guest', g.make);
  assert.equal(a, b, 'the same promise');
  assert.equal(g.made(), 1);
  const other = work.run('admin', g.make);
  assert.equal(g.made(), 2, 'another key: its own work');
  g.release(0);
  assert.equal(await a, 1);
  const again = work.run('guest', g.make);
  assert.equal(g.made(), 3, 'settled: made anew');
  g.release(1);
  g.release(2);
  assert.equal(await other, 2);
  assert.equal(await again, 3);
});

test('InFlight: a failed run reaches its callers and is forgotten', async () => {
  const work = new InFlight<number>();
  await assert.rejects(
    work.run('k', () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await work.run('k', async () => 7), 7);
});
