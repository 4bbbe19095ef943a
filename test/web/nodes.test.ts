import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { matches, sortNodes } from '../../web/lib/nodes';

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
