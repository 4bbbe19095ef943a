import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { diffNode } from '../../src/server/live-gateway';
import { applyDelta } from '../../web/state/nodes';

const base: NodeView = { id: 7, name: 'a', group: 'g', location: 'JP', online: true, lastSeen: 1000, os: 'Linux', arch: 'x64', cores: 2, values: { cpu: 1, memTotalBytes: 8e9, load1: 0.5 } };

test('a delta carries only what changed, and applying it reproduces the new state', () => {
  const next: NodeView = { ...base, lastSeen: 2000, values: { cpu: 2, memTotalBytes: 8e9, uptimeSec: 5 } };
  const delta = diffNode(base, next)!;
  assert.deepEqual(delta, { id: 7, lastSeen: 2000, values: { cpu: 2, uptimeSec: 5, load1: null } });
  assert.deepEqual(applyDelta(base, delta), next);
  assert.equal(diffNode(next, { ...next, values: { ...next.values } }), null, 'nothing changed: nothing sent');
  assert.deepEqual(diffNode(undefined, next), next, 'a node the viewers do not know goes whole');
  assert.deepEqual(applyDelta(undefined, next), next);
  const offline = diffNode(next, { ...next, online: false })!;
  assert.deepEqual(offline, { id: 7, online: false });
});
