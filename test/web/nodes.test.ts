import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeDelta, NodeView } from '../../src/protocol/messages';
import fc from 'fast-check';
import { applyDelta, applyDeltas, compareNames, matches, sortNodes } from '../../web/lib/nodes';

const node = (name: string, online: boolean, values: Record<string, number>, extra: Partial<NodeView> = {}): NodeView => ({
  id: name.length,
  name,
  group: '',
  location: '',
  online,
  lastSeen: null,
  os: 'Debian GNU/Linux 12',
  arch: 'x64',
  cores: 1,
  monthRxBytes: 0,
  monthTxBytes: 0,
  periodStart: 0,
  notes: null,
  position: 0,
  values,
  ...extra,
});

test('sorting by a metric puts the busiest first, offline and unknown last, ties by name', () => {
  const list = [
    node('b', true, { cpu: 10 }),
    node('a', true, { cpu: 90 }),
    node('c', false, { cpu: 99 }),
    node('d', true, {}),
    node('e', true, { cpu: 10 }),
  ];
  assert.deepEqual(
    sortNodes([...list], 'cpu', true).map((n) => n.name),
    ['a', 'b', 'e', 'c', 'd'],
  );
  assert.deepEqual(
    sortNodes([...list], 'cpu', false).map((n) => n.name),
    ['b', 'e', 'a', 'c', 'd'],
  );
  assert.deepEqual(
    sortNodes([...list], 'name', false).map((n) => n.name),
    ['a', 'b', 'c', 'd', 'e'],
  );
  const traffic = [node('x', true, {}, { monthRxBytes: 5 }), node('y', true, {}, { monthTxBytes: 9 })];
  assert.deepEqual(
    sortNodes(traffic, 'traffic', true).map((n) => n.name),
    ['y', 'x'],
  );
});

test('the filter matches every word against name, group, location and OS', () => {
  const n = node('tokyo-1', true, {}, { group: 'Asia', location: 'JP' });
  assert.ok(matches(n, 'tokyo'));
  assert.ok(matches(n, 'asia debian'));
  assert.ok(matches(n, 'JP'));
  assert.ok(!matches(n, 'tokyo ubuntu'));
});

test('names compare as localeCompare() does, with or without ICU: plain ones, accented ones, mixed', () => {
  const collator = new Intl.Collator();
  const alphabets = ['aAbBzZ09 .-', 'aAbBzZ09 .-_éÉ'];
  // A fixed sequence (an LCG), so a failure names the same strings every run.
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = (alphabet: string) => Array.from({ length: 1 + next(6) }, () => alphabet[next(alphabet.length)]).join('');
  const words = ['', 'node-9', 'node-10', 'Node-1', 'node-1', 'tokyo 1', 'tokyo.1', 'tokyo-1', 'a', 'A', 'aB', 'Ab', 'é', 'e'];
  for (let i = 0; i < 6000; i++) words.push(word(alphabets[i % 2]!));
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!;
    const b = words[(i * 7 + 3) % words.length]!;
    assert.equal(Math.sign(compareNames(a, b)), Math.sign(collator.compare(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

test('a second of update messages applied together equals applying them one by one, and leaves the views it read alone', () => {
  const metric = fc.constantFrom('cpu', 'memUsedBytes', 'load1', 'tempCelsius');
  const delta = fc.record({
    id: fc.integer({ min: 1, max: 4 }),
    online: fc.option(fc.boolean(), { nil: undefined }),
    lastSeen: fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: undefined }),
    values: fc.dictionary(metric, fc.option(fc.double({ noNaN: true, min: 0, max: 100 }), { nil: null })),
  });
  fc.assert(
    fc.property(fc.array(fc.array(delta, { maxLength: 6 }), { maxLength: 10 }), (batches) => {
      const deltas = batches.map((b) =>
        b.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as unknown as NodeDelta),
      );
      const start = new Map([1, 2, 3].map((id) => [id, node(`n${id}`, true, { cpu: id, load1: 0.5 }, { id })]));
      deepFreeze([...start.values()]);
      const oneByOne: Map<number, NodeView> = new Map(start);
      for (const batch of deltas) for (const d of batch) oneByOne.set(d.id, applyDelta(oneByOne.get(d.id), d));
      const together = applyDeltas(start, deltas);
      assert.deepEqual(together, oneByOne);
      assert.equal(start.size, 3, 'the map it was given is not changed');
    }),
  );
});
